//! `vdn/querycalls` (v1, inbound only) and `v2/.../vdn/querycalls` (either direction): the
//! calls of one VDN that ended within a time window, from the records kept one day
//! (family.md section 8).
//!
//! The window is checked against the caller's clock reading (the model has none):
//! [`VdnCallsQuery::window_problem`]. Answers travel in the short envelope,
//! `{"resultCode": "0100000", "resultDesc": {"data": [...], "count": 5}}`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::enums::CallDirection;
use crate::envelope::{Payload, PayloadShape};
use crate::ids::{CcId, Vdn};
use crate::interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
use crate::interfaces::record_fields;
use crate::lenient;
use crate::request::{
    FieldViolation, InvalidRequest, Sent, broken_fields, object_text, required_integer,
};

/// The most rows one page may ask for, and the default.
pub const MAX_LIMIT: i64 = 100;

/// One day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The body of both versions (v1 ignores `isCallIn`). Integers may be strings of digits;
/// unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VdnCallsFields {
    /// Call center ID, 1..=65535.
    #[serde(rename = "ccId", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 65535, example = 1))]
    pub cc_id: Option<Sent<i64>>,
    /// VDN ID, 1..=5000.
    #[serde(rename = "vdn", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 5000, example = 1))]
    pub vdn: Option<Sent<i64>>,
    /// v2 only, mandatory there: `"true"` inbound, `"false"` outbound.
    #[serde(rename = "isCallIn", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "true"))]
    pub is_call_in: Option<Value>,
    /// Only calls from this number (digits; absent or `""` matches all).
    #[serde(rename = "callerNo", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 32, example = ""))]
    pub caller_no: Option<Value>,
    /// Only calls to this number (digits; absent or `""` matches all).
    #[serde(rename = "calleeNo", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 32, example = ""))]
    pub callee_no: Option<Value>,
    /// Start of the window, epoch ms: not before 00:00:00 UTC of the previous day.
    #[serde(rename = "beginDate", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, example = 1_764_547_200_000_i64))]
    pub begin_date: Option<Sent<i64>>,
    /// End of the window, epoch ms: not after 23:59:59.999 UTC of today, not before
    /// `beginDate`.
    #[serde(rename = "endDate", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, example = 1_764_633_599_999_i64))]
    pub end_date: Option<Sent<i64>>,
    /// Rows per page, 1..=100 (default 100).
    #[serde(rename = "limit", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1, maximum = 100, example = 100))]
    pub limit: Option<Sent<i64>>,
    /// Rows to skip, 0 or more (default 0).
    #[serde(rename = "offset", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, example = 0))]
    pub offset: Option<Sent<i64>>,
}

/// What a valid body asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VdnCallsQuery {
    /// Call center ID.
    pub cc_id: CcId,
    /// VDN ID.
    pub vdn: Vdn,
    /// Inbound (always, for v1) or outbound.
    pub direction: CallDirection,
    /// Only calls from this number.
    pub caller_no: Option<String>,
    /// Only calls to this number.
    pub callee_no: Option<String>,
    /// Window start, epoch ms (inclusive).
    pub begin_ms: i64,
    /// Window end, epoch ms (inclusive).
    pub end_ms: i64,
    /// Rows per page.
    pub limit: usize,
    /// Rows skipped.
    pub offset: usize,
}

impl VdnCallsFields {
    /// The body for a window of one VDN, as a client builds it (every call, first page).
    pub fn new(cc_id: i64, vdn: i64, begin_ms: i64, end_ms: i64) -> Self {
        Self {
            cc_id: Some(Sent::Value(cc_id)),
            vdn: Some(Sent::Value(vdn)),
            begin_date: Some(Sent::Value(begin_ms)),
            end_date: Some(Sent::Value(end_ms)),
            ..Self::default()
        }
    }

    /// The same body asking for one page.
    #[must_use]
    pub fn page(self, limit: i64, offset: i64) -> Self {
        Self {
            limit: Some(Sent::Value(limit)),
            offset: Some(Sent::Value(offset)),
            ..self
        }
    }

    /// The same body matching only these numbers (`None`: any).
    #[must_use]
    pub fn numbers(self, from: Option<&str>, to: Option<&str>) -> Self {
        let text = |number: Option<&str>| number.map(|n| Value::String(n.to_owned()));
        Self {
            caller_no: text(from),
            callee_no: text(to),
            ..self
        }
    }

    /// Validates every field, each broken one reported in order; `v2` reads `isCallIn`
    /// (mandatory there), v1 asks for inbound calls. The window is checked apart, against
    /// a clock reading ([`VdnCallsQuery::window_problem`]).
    pub fn to_query(&self, v2: bool) -> Result<VdnCallsQuery, InvalidRequest> {
        let cc_id = required_integer("ccId", self.cc_id.as_ref(), CcId::new);
        let vdn = required_integer("vdn", self.vdn.as_ref(), Vdn::new);
        let direction = if v2 {
            record_fields::direction("isCallIn", self.is_call_in.as_ref())
        } else {
            Ok(CallDirection::Inbound)
        };
        let from = record_fields::optional_number("callerNo", self.caller_no.as_ref());
        let to = record_fields::optional_number("calleeNo", self.callee_no.as_ref());
        let begin = record_fields::epoch_millis("beginDate", self.begin_date.as_ref());
        let end = record_fields::epoch_millis("endDate", self.end_date.as_ref()).and_then(|end| {
            match begin {
                Ok(begin) if end < begin => Err(FieldViolation {
                    field: "endDate",
                    problem: "must not be before beginDate".into(),
                }),
                _ => Ok(end),
            }
        });
        let limit = record_fields::optional_integer(
            "limit",
            self.limit.as_ref(),
            MAX_LIMIT,
            (1, MAX_LIMIT),
        );
        let offset =
            record_fields::optional_integer("offset", self.offset.as_ref(), 0, (0, i64::MAX));
        match (cc_id, vdn, direction, from, to, begin, end, limit, offset) {
            (
                Ok(cc_id),
                Ok(vdn),
                Ok(direction),
                Ok(from),
                Ok(to),
                Ok(begin_ms),
                Ok(end_ms),
                Ok(limit),
                Ok(offset),
            ) => Ok(VdnCallsQuery {
                cc_id,
                vdn,
                direction,
                caller_no: from,
                callee_no: to,
                begin_ms,
                end_ms,
                limit: usize::try_from(limit).unwrap_or(usize::MAX),
                offset: usize::try_from(offset).unwrap_or(usize::MAX),
            }),
            (cc_id, vdn, direction, from, to, begin, end, limit, offset) => Err(broken_fields([
                cc_id.err(),
                vdn.err(),
                direction.err(),
                from.err(),
                to.err(),
                begin.err(),
                end.err(),
                limit.err(),
                offset.err(),
            ])),
        }
    }

    fn parse(body: &[u8], v2: bool) -> Result<VdnCallsQuery, InvalidRequest> {
        let fields: Self = serde_json::from_str(object_text(body)?)
            .map_err(|e| InvalidRequest::NotJson(e.to_string()))?;
        fields.to_query(v2)
    }
}

impl VdnCallsQuery {
    /// Why the window is outside what records are kept for at clock reading `now_ms`
    /// (epoch ms): it may not begin before 00:00:00 UTC of the previous day nor end after
    /// 23:59:59.999 UTC of today. `None` when it is inside.
    pub fn window_problem(&self, now_ms: i64) -> Option<InvalidRequest> {
        let today = now_ms.div_euclid(DAY_MS) * DAY_MS;
        let earliest = today - DAY_MS;
        let latest = today + DAY_MS - 1;
        let violation = if self.begin_ms < earliest {
            FieldViolation {
                field: "beginDate",
                problem: format!(
                    "must not be before 00:00:00 UTC of the previous day ({earliest})"
                )
                .into(),
            }
        } else if self.end_ms > latest {
            FieldViolation {
                field: "endDate",
                problem: format!("must not be after 23:59:59.999 UTC of today ({latest})").into(),
            }
        } else {
            return None;
        };
        Some(InvalidRequest::Fields(vec![violation]))
    }

    /// Whether a record with these numbers passes the number filters.
    pub fn matches_numbers(&self, from: &str, to: &str) -> bool {
        self.caller_no.as_deref().is_none_or(|n| n == from)
            && self.callee_no.as_deref().is_none_or(|n| n == to)
    }
}

/// `vdn/querycalls` (v1): inbound calls of a VDN within a window.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct QueryVdnCalls(pub VdnCallsFields);

/// `v2/.../vdn/querycalls`: calls of a VDN within a window, in the direction `isCallIn`
/// chooses.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct QueryVdnCallsV2(pub VdnCallsFields);

impl QueryVdnCallsV2 {
    /// The v2 body for `fields` in `direction`.
    pub fn new(fields: VdnCallsFields, direction: CallDirection) -> Self {
        Self(VdnCallsFields {
            is_call_in: Some(Value::String(
                (direction == CallDirection::Inbound).to_string(),
            )),
            ..fields
        })
    }
}

impl Operation for QueryVdnCalls {
    const INTERFACE: Interface = Interface {
        name: "vdn/querycalls",
        path: "/rest/cmsapp/v1/openapi/vdn/querycalls",
        summary: "Inbound calls of a VDN that ended within a time window (records kept one day)",
        cti: CtiSupport::Any,
        envelope: EnvelopeKind::Short,
        platform: false,
    };
    type Request = VdnCallsQuery;
    type Answer = VdnCalls;

    fn parse(body: &[u8]) -> Result<VdnCallsQuery, InvalidRequest> {
        VdnCallsFields::parse(body, false)
    }

    fn reach(query: &VdnCallsQuery) -> Reach {
        Reach::Vdn(query.cc_id, query.vdn)
    }
}

impl Operation for QueryVdnCallsV2 {
    const INTERFACE: Interface = Interface {
        name: "v2/vdn/querycalls",
        path: "/rest/cmsapp/v2/openapi/vdn/querycalls",
        summary: "Calls of a VDN, inbound or outbound, that ended within a time window",
        cti: CtiSupport::Any,
        envelope: EnvelopeKind::Short,
        platform: false,
    };
    type Request = VdnCallsQuery;
    type Answer = VdnCalls;

    fn parse(body: &[u8]) -> Result<VdnCallsQuery, InvalidRequest> {
        VdnCallsFields::parse(body, true)
    }

    fn reach(query: &VdnCallsQuery) -> Reach {
        Reach::Vdn(query.cc_id, query.vdn)
    }
}

/// One page of a VDN's calls and the number of matches before paging.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VdnCalls {
    /// The page, in ascending `logDate`.
    #[serde(default, deserialize_with = "null_is_empty")]
    pub data: Vec<VdnCallRow>,
    /// Matches before paging.
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub count: i64,
}

fn null_is_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<VdnCallRow>, D::Error> {
    Ok(Option::<Vec<VdnCallRow>>::deserialize(deserializer)?.unwrap_or_default())
}

impl Payload for VdnCalls {
    const SHAPE: PayloadShape = PayloadShape::Object;
}

/// One call of a VDN, fields in the example's order. As the example writes them, the
/// epoch-ms instants, `callType` and `leaveReason` are strings of digits (`"0"` for an
/// instant that did not happen, such as `ackBegin` of a call never answered); `vdn`,
/// `mediaType` and `subMediaType` are numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VdnCallRow {
    /// When the record was written (the call's end), epoch ms.
    #[serde(
        serialize_with = "lenient::digits",
        deserialize_with = "lenient::i64_or_zero"
    )]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1764547260000"))]
    pub log_date: i64,
    /// Calling number.
    #[serde(default, deserialize_with = "lenient::string")]
    pub caller_no: String,
    /// Called number.
    #[serde(default, deserialize_with = "lenient::string")]
    pub callee_no: String,
    /// Call ID.
    #[serde(default, deserialize_with = "lenient::string")]
    pub call_id: String,
    /// Call type (family.md section 7), as digits.
    #[serde(
        serialize_with = "lenient::digits",
        deserialize_with = "lenient::i64_or_zero"
    )]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0"))]
    pub call_type: i64,
    /// When the call began waiting (arrived), epoch ms.
    #[serde(
        serialize_with = "lenient::digits",
        deserialize_with = "lenient::i64_or_zero"
    )]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1764547200000"))]
    pub wait_begin: i64,
    /// When an agent's phone began ringing, epoch ms (`"0"`: never).
    #[serde(
        serialize_with = "lenient::digits",
        deserialize_with = "lenient::i64_or_zero"
    )]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1764547230000"))]
    pub ack_begin: i64,
    /// When the call was answered, epoch ms (`"0"`: never).
    #[serde(
        serialize_with = "lenient::digits",
        deserialize_with = "lenient::i64_or_zero"
    )]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1764547235000"))]
    pub call_begin: i64,
    /// When the call ended, epoch ms.
    #[serde(
        serialize_with = "lenient::digits",
        deserialize_with = "lenient::i64_or_zero"
    )]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1764547260000"))]
    pub call_end: i64,
    /// VDN ID.
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub vdn: i64,
    /// Why the call left its last device (the enter/leave reason table), as digits.
    #[serde(
        serialize_with = "lenient::digits",
        deserialize_with = "lenient::i64_or_zero"
    )]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "88"))]
    pub leave_reason: i64,
    /// Media type (contract 4.3).
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub media_type: i64,
    /// Sub-media type of social chat calls, else 0.
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub sub_media_type: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ApiReply, Envelope, read_reply};
    use serde_json::json;

    const NOW: i64 = 1_764_590_400_000; // 2025-12-01T12:00:00Z
    const TODAY: i64 = 1_764_547_200_000;

    fn v2(body: &Value) -> Result<VdnCallsQuery, InvalidRequest> {
        QueryVdnCallsV2::parse(body.to_string().as_bytes())
    }

    #[test]
    fn defaults_filters_and_directions() {
        let body = json!({"ccId": 1, "vdn": "2", "beginDate": TODAY, "endDate": NOW});
        let v1 = QueryVdnCalls::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!((v1.limit, v1.offset), (100, 0));
        assert_eq!(v1.direction, CallDirection::Inbound);
        assert_eq!(v1.caller_no, None);
        let error = v2(&body).unwrap_err();
        assert_eq!(error.to_string(), "isCallIn is required");
        let mut with = body;
        with["isCallIn"] = json!("false");
        with["callerNo"] = json!("");
        with["calleeNo"] = json!("88880001");
        with["limit"] = json!("10");
        let query = v2(&with).unwrap();
        assert_eq!(query.direction, CallDirection::Outbound);
        assert!(query.matches_numbers("123", "88880001"));
        assert!(!query.matches_numbers("123", "88880002"));
        assert_eq!(query.limit, 10);
    }

    #[test]
    fn every_broken_field_is_named_in_order() {
        let error = v2(
            &json!({"ccId": 1, "vdn": 0, "isCallIn": "x", "callerNo": "+1",
            "beginDate": 5, "endDate": 4, "limit": 101, "offset": -1}),
        )
        .unwrap_err();
        let fields: Vec<_> = error.violations().iter().map(|v| v.field).collect();
        assert_eq!(
            fields,
            ["vdn", "isCallIn", "callerNo", "endDate", "limit", "offset"]
        );
        let error = v2(&json!({"ccId": 1, "vdn": 1, "isCallIn": true})).unwrap_err();
        assert_eq!(
            error.to_string(),
            "beginDate is required; endDate is required"
        );
    }

    #[test]
    fn the_window_is_yesterday_and_today_in_utc() {
        let query = |begin, end| VdnCallsQuery {
            cc_id: CcId::new(1).unwrap(),
            vdn: Vdn::new(1).unwrap(),
            direction: CallDirection::Inbound,
            caller_no: None,
            callee_no: None,
            begin_ms: begin,
            end_ms: end,
            limit: 100,
            offset: 0,
        };
        let yesterday = TODAY - DAY_MS;
        let last = TODAY + DAY_MS - 1;
        assert!(query(yesterday, last).window_problem(NOW).is_none());
        let early = query(yesterday - 1, NOW).window_problem(NOW).unwrap();
        assert!(
            early
                .to_string()
                .starts_with("beginDate must not be before"),
            "{early}"
        );
        let late = query(TODAY, last + 1).window_problem(NOW).unwrap();
        assert!(
            late.to_string().starts_with("endDate must not be after"),
            "{late}"
        );
    }

    #[test]
    fn rows_write_digit_strings_where_the_example_does_and_read_either() {
        let row = VdnCallRow {
            log_date: NOW,
            call_id: "1764547200000-1".into(),
            call_type: 0,
            wait_begin: TODAY,
            vdn: 1,
            leave_reason: 89,
            media_type: 5,
            ..VdnCallRow::default()
        };
        let page = VdnCalls {
            data: vec![row.clone()],
            count: 1,
        };
        let text = serde_json::to_string(&Envelope::of::<QueryVdnCalls>(&page, true)).unwrap();
        assert!(text.starts_with("{\"resultCode\":\"0100000\",\"resultDesc\":{\"data\":[{\"logDate\":\"1764590400000\",\"callerNo\":\"\",\"calleeNo\":\"\",\"callId\":\"1764547200000-1\",\"callType\":\"0\",\"waitBegin\":\"1764547200000\",\"ackBegin\":\"0\""), "{text}");
        assert!(
            text.contains(
                "\"vdn\":1,\"leaveReason\":\"89\",\"mediaType\":5,\"subMediaType\":0}],\"count\":1}"
            ),
            "{text}"
        );
        let ApiReply::Answered(read) = read_reply::<QueryVdnCalls>(text.as_bytes()).unwrap() else {
            panic!("not a success");
        };
        assert_eq!(read, page);
        let numbers = json!({"resultCode": "0100000", "resultDesc": {"data": null, "count": "0"}});
        let ApiReply::Answered(empty) =
            read_reply::<QueryVdnCallsV2>(numbers.to_string().as_bytes()).unwrap()
        else {
            panic!("not a success");
        };
        assert_eq!(empty, VdnCalls::default());
    }
}
