//! The request body of `querybasiccallinfo` and its validation (contract section 1).
//!
//! [`QueryBasicCallInfo`] is the body as the caller sent it: each field is kept even when
//! it has the wrong type, so that validation can name the field and say what is wrong
//! instead of failing with a bare JSON error. [`CallKey`] is what a valid body means: the
//! three identifiers of one call, each in its documented range.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use validator::{Validate, ValidationError, ValidationErrors};

use crate::call_id::CallId;
use crate::ids::{CcId, Vdn};

/// The request body: `{"ccId": 1, "vdn": 1, "callId": "1659513159000-546750"}`.
///
/// Integers may also arrive as strings of decimal digits; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueryBasicCallInfo {
    /// Call center ID, 1..=65535.
    #[serde(rename = "ccId", default, skip_serializing_if = "Option::is_none")]
    #[validate(required(message = "is required"), custom(function = "rules::cc_id"))]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 65535, example = 1))]
    pub cc_id: Option<Sent<i64>>,
    /// VDN ID, 1..=5000.
    #[serde(rename = "vdn", default, skip_serializing_if = "Option::is_none")]
    #[validate(required(message = "is required"), custom(function = "rules::vdn"))]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 5000, example = 1))]
    pub vdn: Option<Sent<i64>>,
    /// Call ID, `<start time>-<sequence>`, at most 20 characters.
    #[serde(rename = "callId", default, skip_serializing_if = "Option::is_none")]
    #[validate(required(message = "is required"), custom(function = "rules::call_id"))]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, required = true, max_length = 20, pattern = "^[0-9]+-[0-9]+$", example = "1659513159000-546750")
    )]
    pub call_id: Option<Sent<String>>,
}

/// A field value as the caller sent it: usable, or of a type that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent<T> {
    /// A value of the right type (possibly still out of range).
    Value(T),
    /// A value of the wrong type; the text says what was found (e.g. `"a boolean"`).
    WrongType(&'static str),
}

/// The identifiers of one call: what a valid request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallKey {
    /// Call center ID.
    pub cc_id: CcId,
    /// VDN ID.
    pub vdn: Vdn,
    /// Call ID.
    pub call_id: CallId,
}

/// One rule a request field broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field's wire name (`ccId`, `vdn`, `callId`).
    pub field: &'static str,
    /// What is wrong, in words a caller understands (`must be between 1 and 5000`).
    pub problem: Cow<'static, str>,
}

/// Why a request body was refused; always answered with result code `0100002`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRequest {
    /// The body is not a JSON object.
    #[error("request body is not a JSON object: {0}")]
    NotJson(String),
    /// One or more fields broke their rules, in field order.
    #[error("{}", join_violations(.0))]
    Fields(Vec<FieldViolation>),
}

/// A request body as text, when it can be one JSON object: it starts with `{` after any
/// white space, and it is UTF-8 (`serde_json` does not check the strings it skips, such as
/// unknown fields, so the whole body is checked first).
pub(crate) fn object_text(body: &[u8]) -> Result<&str, InvalidRequest> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(InvalidRequest::NotJson(
            "expected an object starting with '{'".to_owned(),
        ));
    }
    std::str::from_utf8(body).map_err(|e| InvalidRequest::NotJson(format!("not UTF-8 text ({e})")))
}

/// Reads the required integer field `field` with `make` (which checks its range), or says
/// what is wrong with it: the shared rule of every interface's numeric fields.
pub(crate) fn required_integer<T, E: fmt::Display>(
    field: &'static str,
    sent: Option<&Sent<i64>>,
    make: impl FnOnce(i64) -> Result<T, E>,
) -> Result<T, FieldViolation> {
    let problem = match sent {
        None => "is required".to_owned(),
        Some(Sent::WrongType(found)) => format!("must be an integer, not {found}"),
        Some(Sent::Value(value)) => match make(*value) {
            Ok(valid) => return Ok(valid),
            Err(range) => range.to_string(),
        },
    };
    Err(FieldViolation {
        field,
        problem: problem.into(),
    })
}

/// The refusal of a body some of whose fields broke their rules, the violations in field
/// order (the fields that passed are `None`).
pub(crate) fn broken_fields(
    results: impl IntoIterator<Item = Option<FieldViolation>>,
) -> InvalidRequest {
    InvalidRequest::Fields(results.into_iter().flatten().collect())
}

/// Wire names in the order the contract lists them (also the order errors are reported in).
const FIELDS: [(&str, &str); 3] = [("cc_id", "ccId"), ("vdn", "vdn"), ("call_id", "callId")];

impl QueryBasicCallInfo {
    /// A request for one call, as a client builds it.
    pub fn new(cc_id: i64, vdn: i64, call_id: impl Into<String>) -> Self {
        Self {
            cc_id: Some(Sent::Value(cc_id)),
            vdn: Some(Sent::Value(vdn)),
            call_id: Some(Sent::Value(call_id.into())),
        }
    }

    /// Reads a body from raw bytes; fails only when the bytes are not one JSON object.
    pub fn from_json(body: &[u8]) -> Result<Self, InvalidRequest> {
        let text = object_text(body)?;
        serde_json::from_str(text).map_err(|e| InvalidRequest::NotJson(e.to_string()))
    }

    /// Decodes and validates a raw body in one step.
    pub fn parse(body: &[u8]) -> Result<CallKey, InvalidRequest> {
        Self::from_json(body)?.to_call_key()
    }

    /// Validates every field and returns the call it asks for.
    pub fn to_call_key(&self) -> Result<CallKey, InvalidRequest> {
        self.validate().map_err(|e| violations(&e))?;
        // After validation every field is a `Sent::Value` in range; the fallbacks below
        // are unreachable but keep this function free of panics.
        let broken = || {
            InvalidRequest::Fields(vec![FieldViolation {
                field: "ccId",
                problem: Cow::Borrowed("could not be read"),
            }])
        };
        let (Some(Sent::Value(cc_id)), Some(Sent::Value(vdn)), Some(Sent::Value(call_id))) =
            (&self.cc_id, &self.vdn, &self.call_id)
        else {
            return Err(broken());
        };
        Ok(CallKey {
            cc_id: CcId::new(*cc_id).map_err(|_| broken())?,
            vdn: Vdn::new(*vdn).map_err(|_| broken())?,
            call_id: CallId::parse(call_id).map_err(|_| broken())?,
        })
    }
}

impl From<CallKey> for QueryBasicCallInfo {
    fn from(key: CallKey) -> Self {
        Self::new(
            i64::from(key.cc_id.get()),
            i64::from(key.vdn.get()),
            key.call_id.as_str(),
        )
    }
}

impl InvalidRequest {
    /// The violations, if the body was JSON.
    pub fn violations(&self) -> &[FieldViolation] {
        match self {
            Self::NotJson(_) => &[],
            Self::Fields(list) => list,
        }
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.problem)
    }
}

fn join_violations(list: &[FieldViolation]) -> String {
    let parts: Vec<String> = list.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

/// Turns validator's map (keyed by Rust field names) into wire-named violations in order.
fn violations(errors: &ValidationErrors) -> InvalidRequest {
    let field_errors = errors.field_errors();
    let mut list = Vec::new();
    for (rust_name, wire_name) in FIELDS {
        for error in field_errors
            .get(rust_name)
            .map_or(&[][..], |v| v.as_slice())
        {
            let problem = error.message.clone().unwrap_or_else(|| error.code.clone());
            list.push(FieldViolation {
                field: wire_name,
                problem,
            });
        }
    }
    InvalidRequest::Fields(list)
}

/// The custom validator rules, one per field.
mod rules {
    use super::{CallId, CcId, Sent, ValidationError, Vdn};

    pub(super) fn cc_id(value: &Sent<i64>) -> Result<(), ValidationError> {
        in_range(CcId::new(integer(value)?).is_ok(), CcId::RANGE)
    }

    pub(super) fn vdn(value: &Sent<i64>) -> Result<(), ValidationError> {
        in_range(Vdn::new(integer(value)?).is_ok(), Vdn::RANGE)
    }

    pub(super) fn call_id(value: &Sent<String>) -> Result<(), ValidationError> {
        match value {
            Sent::WrongType(found) => Err(ValidationError::new("type")
                .with_message(format!("must be a string, not {found}").into())),
            Sent::Value(text) => CallId::parse(text)
                .map(|_| ())
                .map_err(|e| ValidationError::new("call_id").with_message(e.to_string().into())),
        }
    }

    fn integer(value: &Sent<i64>) -> Result<i64, ValidationError> {
        match value {
            Sent::Value(n) => Ok(*n),
            Sent::WrongType(found) => Err(ValidationError::new("type")
                .with_message(format!("must be an integer, not {found}").into())),
        }
    }

    fn in_range(ok: bool, range: crate::ids::OutOfRange) -> Result<(), ValidationError> {
        if ok {
            Ok(())
        } else {
            Err(ValidationError::new("range").with_message(range.to_string().into()))
        }
    }
}

impl<T: Serialize> Serialize for Sent<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(v) => v.serialize(serializer),
            Self::WrongType(_) => serializer.serialize_unit(),
        }
    }
}

impl<'de> Deserialize<'de> for Sent<i64> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SentVisitor::<i64>::default())
    }
}

impl<'de> Deserialize<'de> for Sent<String> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SentVisitor::<String>::default())
    }
}

/// Reads any JSON value into a [`Sent`]; only malformed JSON is an error.
struct SentVisitor<T>(std::marker::PhantomData<T>);

impl<T> Default for SentVisitor<T> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

/// How each kind of JSON value becomes a [`Sent<Self>`].
trait SentKind: Sized {
    fn from_i64(v: i64) -> Sent<Self>;
    fn from_u64(v: u64) -> Sent<Self>;
    fn from_str(v: &str) -> Sent<Self>;
    fn from_f64(v: f64) -> Sent<Self>;
}

impl SentKind for i64 {
    fn from_i64(v: i64) -> Sent<Self> {
        Sent::Value(v)
    }
    fn from_u64(v: u64) -> Sent<Self> {
        // Anything above i64::MAX is far out of every range; saturate and let the range speak.
        Sent::Value(i64::try_from(v).unwrap_or(i64::MAX))
    }
    fn from_str(v: &str) -> Sent<Self> {
        let digits = v.strip_prefix('-').unwrap_or(v);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Sent::WrongType("a string that is not a decimal integer");
        }
        let negative = v.starts_with('-');
        Sent::Value(
            v.parse()
                .unwrap_or(if negative { i64::MIN } else { i64::MAX }),
        )
    }
    #[allow(clippy::cast_possible_truncation)]
    fn from_f64(v: f64) -> Sent<Self> {
        // Integral floats (`1.0`, `1e3`, integers too long for 64 bits) are integers as
        // Jackson reads them; `as` saturates, and the range rule reports anything huge.
        if v.fract() == 0.0 {
            Sent::Value(v as i64)
        } else {
            Sent::WrongType("a fractional number")
        }
    }
}

impl SentKind for String {
    fn from_i64(_: i64) -> Sent<Self> {
        Sent::WrongType("a number")
    }
    fn from_u64(_: u64) -> Sent<Self> {
        Sent::WrongType("a number")
    }
    fn from_str(v: &str) -> Sent<Self> {
        Sent::Value(v.to_owned())
    }
    fn from_f64(_: f64) -> Sent<Self> {
        Sent::WrongType("a number")
    }
}

impl<'de, T: SentKind> Visitor<'de> for SentVisitor<T> {
    type Value = Sent<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Sent::WrongType("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(T::from_i64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(T::from_u64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(T::from_f64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Sent::WrongType("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Sent::WrongType("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Sent::WrongType("an object"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(body: &str) -> Vec<String> {
        match QueryBasicCallInfo::parse(body.as_bytes()) {
            Ok(key) => panic!("{body} should be refused, got {key:?}"),
            Err(e) => e.violations().iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn accepts_the_reference_request() {
        let key =
            QueryBasicCallInfo::parse(br#"{"ccId":1,"vdn":1,"callId":"1659513159000-546750"}"#)
                .unwrap();
        assert_eq!(key.cc_id.get(), 1);
        assert_eq!(key.vdn.get(), 1);
        assert_eq!(key.call_id.as_str(), "1659513159000-546750");
    }

    #[test]
    fn accepts_integers_given_as_digit_strings_and_ignores_unknown_fields() {
        let key = QueryBasicCallInfo::parse(
            br#"{"ccId":"65535","vdn":"5000","callId":"1453723531-574","extra":{"a":[1]}}"#,
        )
        .unwrap();
        assert_eq!((key.cc_id.get(), key.vdn.get()), (65535, 5000));
    }

    #[test]
    fn rejects_vdn_above_5000_naming_the_field() {
        assert_eq!(
            problems(r#"{"ccId":1,"vdn":5001,"callId":"1-1"}"#),
            ["vdn must be between 1 and 5000"]
        );
    }

    #[test]
    fn reports_every_broken_field_in_contract_order() {
        assert_eq!(
            problems(r#"{"callId":"x","vdn":true}"#),
            [
                "ccId is required",
                "vdn must be an integer, not a boolean",
                "callId must look like <call start time>-<sequence>, both decimal digits",
            ]
        );
    }

    #[test]
    fn null_fractional_negative_and_nested_values_are_parameter_errors() {
        assert_eq!(
            problems(r#"{"ccId":null,"vdn":1.5,"callId":["1-1"]}"#),
            [
                "ccId is required",
                "vdn must be an integer, not a fractional number",
                "callId must be a string, not an array",
            ]
        );
        assert_eq!(
            problems(r#"{"ccId":-1,"vdn":"1","callId":12}"#),
            [
                "ccId must be between 1 and 65535",
                "callId must be a string, not a number"
            ]
        );
        assert_eq!(
            problems(r#"{"ccId":99999999999999999999,"vdn":"-0","callId":"1-1"}"#),
            [
                "ccId must be between 1 and 65535",
                "vdn must be between 1 and 5000"
            ]
        );
        let key = QueryBasicCallInfo::parse(br#"{"ccId":1.0,"vdn":2e1,"callId":"1-1"}"#).unwrap();
        assert_eq!((key.cc_id.get(), key.vdn.get()), (1, 20));
    }

    #[test]
    fn bodies_that_are_not_one_json_object_are_refused() {
        for body in ["", "[1,1,\"1-1\"]", "null", "{", "{}x", "\"{}\""] {
            let err = QueryBasicCallInfo::parse(body.as_bytes()).unwrap_err();
            assert!(matches!(err, InvalidRequest::NotJson(_)), "{body}: {err}");
        }
        let not_utf8 = b"{\"note\":\"\xC3\x28\xFF\",\"ccId\":1,\"vdn\":1,\"callId\":\"1-1\"}";
        let err = QueryBasicCallInfo::parse(not_utf8).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        let err = QueryBasicCallInfo::parse(br#"{"ccId":1,"ccId":2}"#).unwrap_err();
        assert!(err.to_string().contains("duplicate field"), "{err}");
    }

    #[test]
    fn a_call_key_converts_back_to_the_same_body() {
        let key = QueryBasicCallInfo::parse(br#"{"ccId":7,"vdn":8,"callId":"1-2"}"#).unwrap();
        let body = serde_json::to_string(&QueryBasicCallInfo::from(key)).unwrap();
        assert_eq!(body, r#"{"ccId":7,"vdn":8,"callId":"1-2"}"#);
    }
}
