//! What an answer looks like on the wire, as the contract writes it: members in order with
//! their JSON types. [`Ordered`] reads a body keeping every object's member order (which
//! `serde_json::Value` does not), and the tables below are the contract's field lists,
//! written here from `docs/api.md` rather than taken from the server's code, so that the
//! kit checks an endpoint against the contract and not against itself.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value whose objects keep their members in the order they were written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ordered {
    /// An object, members in order.
    Object(Vec<(String, Ordered)>),
    /// An array.
    Array(Vec<Ordered>),
    /// A string.
    Text(String),
    /// A number (integral or not).
    Number(serde_json::Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A JSON type as the contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A JSON integer.
    Integer,
    /// A JSON string.
    Text,
}

impl Ordered {
    /// Reads a body.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))
    }

    /// The member `name` of an object.
    pub(crate) fn get(&self, name: &str) -> Option<&Ordered> {
        match self {
            Self::Object(members) => members.iter().find(|(key, _)| key == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// An object's member names in order (empty for anything else).
    pub(crate) fn keys(&self) -> Vec<&str> {
        match self {
            Self::Object(members) => members.iter().map(|(key, _)| key.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// What kind of JSON value this is, in words.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Self::Object(_) => "an object",
            Self::Array(_) => "an array",
            Self::Text(_) => "a string",
            Self::Number(n) if n.is_i64() || n.is_u64() => "an integer",
            Self::Number(_) => "a fractional number",
            Self::Bool(_) => "a boolean",
            Self::Null => "null",
        }
    }

    /// Whether this value has `kind`.
    pub(crate) fn is(&self, kind: Kind) -> bool {
        match (kind, self) {
            (Kind::Integer, Self::Number(n)) => n.is_i64() || n.is_u64(),
            (Kind::Text, Self::Text(_)) => true,
            _ => false,
        }
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The array's items (empty for anything else).
    pub(crate) fn items(&self) -> &[Ordered] {
        match self {
            Self::Array(items) => items,
            _ => &[],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Integer => "an integer",
            Self::Text => "a string",
        })
    }
}

/// Checks that `object` has exactly `fields` (name and kind), in this order; the optional
/// `extra` fields may follow them, with their kinds.
pub(crate) fn fields_in_order(
    object: &Ordered,
    fields: &[(&str, Kind)],
    extra: &[(&str, Kind)],
) -> Result<(), String> {
    let Ordered::Object(members) = object else {
        return Err(format!("expected an object, found {}", object.kind_name()));
    };
    for (at, (name, kind)) in fields.iter().enumerate() {
        let Some((found, value)) = members.get(at) else {
            return Err(format!(
                "field {name} is missing (the object ends after {at} fields)"
            ));
        };
        if found != name {
            return Err(if members.iter().any(|(key, _)| key == name) {
                format!("field {name} is out of order: {found} is where it belongs")
            } else {
                format!("field {name} is missing ({found} is where it belongs)")
            });
        }
        if !value.is(*kind) {
            return Err(format!(
                "field {name} must be {kind}, not {}",
                value.kind_name()
            ));
        }
    }
    for (name, value) in &members[fields.len().min(members.len())..] {
        match extra.iter().find(|(extra_name, _)| extra_name == name) {
            Some((_, kind)) if !value.is(*kind) => {
                return Err(format!(
                    "field {name} must be {kind}, not {}",
                    value.kind_name()
                ));
            }
            Some(_) => {}
            None => return Err(format!("unexpected field {name} after {}", fields.len())),
        }
    }
    Ok(())
}

use Kind::{Integer as I, Text as T};

/// querybasiccallinfo's call, the contract's 25 fields (`docs/api.md` section 3).
pub(crate) const BASIC_CALL: [(&str, Kind); 25] = [
    ("time", I),
    ("dsn", I),
    ("handle", I),
    ("server", I),
    ("keyId", T),
    ("callingNum", T),
    ("calledNum", T),
    ("mid", I),
    ("trunkNo", I),
    ("priority", I),
    ("deviceType", I),
    ("deviceNo", I),
    ("callSkill", T),
    ("partyNum", I),
    ("callFeature", I),
    ("orgiCalledNum", T),
    ("mediaType", I),
    ("place", I),
    ("waitTime", I),
    ("totalTalkingTimes", I),
    ("logonTimes", I),
    ("serviceType", I),
    ("callInCause", I),
    ("enterReason", I),
    ("mediaBillType", I),
];

/// querydetailcallinfo's call, 28 fields (`docs/api.md` section 8).
pub(crate) const DETAIL_CALL: [(&str, Kind); 28] = [
    ("cb", I),
    ("time", I),
    ("dsn", I),
    ("handle", I),
    ("server", I),
    ("keyId", T),
    ("callingNum", T),
    ("calledNum", T),
    ("mid", I),
    ("trunkNo", I),
    ("priority", I),
    ("deviceType", I),
    ("deviceNo", I),
    ("callData", T),
    ("callDataLen", I),
    ("callSkill", T),
    ("partyNum", I),
    ("callFeature", T),
    ("orgiCalledNum", T),
    ("mediaType", T),
    ("place", I),
    ("waitTime", I),
    ("totalTalkingTimes", I),
    ("logonTimes", I),
    ("serviceType", I),
    ("callInCause", I),
    ("enterReason", I),
    ("mediaBillType", I),
];

/// One agent of agentgroup/queryagentcalls.
pub(crate) const GROUP_AGENT: [(&str, Kind); 1] = [("agentId", I)];

/// One call of an agent's `callList`.
pub(crate) const GROUP_CALL: [(&str, Kind); 4] = [
    ("callId", T),
    ("callStatus", I),
    ("callInOut", I),
    ("mediaType", I),
];

/// What may follow a `callList` call: the social chat's sub-media type.
pub(crate) const GROUP_CALL_EXTRA: [(&str, Kind); 1] = [("submediaType", T)];

/// querycalldetailbyid's record (`docs/api.md` section 9).
pub(crate) const DETAIL_RECORD: [(&str, Kind); 13] = [
    ("vdn", I),
    ("callId", T),
    ("callerNo", T),
    ("calleeNo", T),
    ("callType", I),
    ("agentId", I),
    ("skillId", I),
    ("anonyCall", I),
    ("queueWaitTime", I),
    ("ivrCallTime", I),
    ("ackTime", I),
    ("callTime", I),
    ("releaseCause", I),
];

/// The outbound campaign fields a record of `callType` 41 or 43 adds.
pub(crate) const CAMPAIGN_FIELDS: [(&str, Kind); 6] = [
    ("beginTime", T),
    ("endTime", T),
    ("result", T),
    ("resultCode", T),
    ("busiResult", T),
    ("busiSubStatus", T),
];

/// A row of vdn/querycalls, in the example's order and types.
pub(crate) const VDN_CALL_ROW: [(&str, Kind); 13] = [
    ("logDate", T),
    ("callerNo", T),
    ("calleeNo", T),
    ("callId", T),
    ("callType", T),
    ("waitBegin", T),
    ("ackBegin", T),
    ("callBegin", T),
    ("callEnd", T),
    ("vdn", I),
    ("leaveReason", T),
    ("mediaType", I),
    ("subMediaType", I),
];

/// A record of querycalltracedetail, in the table's order and types.
pub(crate) const TRACK_RECORD: [(&str, Kind); 19] = [
    ("callId", T),
    ("mediaType", I),
    ("subMediaType", I),
    ("callIdNum", I),
    ("callerNo", T),
    ("calleeNo", T),
    ("waitBegin", I),
    ("ackBegin", I),
    ("callBegin", I),
    ("callEnd", I),
    ("subCcNo", I),
    ("deviceType", I),
    ("deviceNo", T),
    ("deviceIn", T),
    ("callType", I),
    ("releaseCause", I),
    ("enterReason", I),
    ("leaveReason", I),
    ("currentSkillId", I),
];

/// The Spring-style refusal body of 401, 403, 404, 405, 413 and 415.
pub(crate) const REFUSAL: [(&str, Kind); 5] = [
    ("timestamp", I),
    ("status", I),
    ("error", T),
    ("message", T),
    ("path", T),
];

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Ordered, E> {
        Ok(Ordered::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Ordered, E> {
        Ok(Ordered::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Ordered, E> {
        Ok(Ordered::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Ordered, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Ordered::Null, Ordered::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Ordered, E> {
        Ok(Ordered::Text(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Ordered, E> {
        Ok(Ordered::Text(value))
    }

    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Null)
    }

    fn visit_none<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Ordered, D::Error> {
        Ordered::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Ordered>()? {
            members.push((key, value));
        }
        Ok(Ordered::Object(members))
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_kinds_and_missing_fields_are_named() {
        let fields = [("a", Kind::Integer), ("b", Kind::Text)];
        let ok = Ordered::parse(r#"{"a":1,"b":"x"}"#).unwrap();
        assert_eq!(fields_in_order(&ok, &fields, &[]), Ok(()));
        let swapped = Ordered::parse(r#"{"b":"x","a":1}"#).unwrap();
        assert_eq!(
            fields_in_order(&swapped, &fields, &[]),
            Err("field a is out of order: b is where it belongs".to_owned())
        );
        let typed = Ordered::parse(r#"{"a":"1","b":"x"}"#).unwrap();
        assert_eq!(
            fields_in_order(&typed, &fields, &[]),
            Err("field a must be an integer, not a string".to_owned())
        );
        let short = Ordered::parse(r#"{"a":1}"#).unwrap();
        assert!(
            fields_in_order(&short, &fields, &[])
                .unwrap_err()
                .contains("b is missing")
        );
        let extra = Ordered::parse(r#"{"a":1,"b":"x","c":true}"#).unwrap();
        assert!(
            fields_in_order(&extra, &fields, &[])
                .unwrap_err()
                .contains("unexpected field c")
        );
    }
}
