//! Response envelopes (contract section 2): what the server writes for success and
//! failure, and a tolerant reader for what any CC-CMS version sends back.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::call::BasicCallInfo;
use crate::result_code::ResultCode;

/// A success body: `result`, `resultCode`, `resultDatas`, `resultDesc` in that order.
///
/// `result` and `resultDatas` exist for clients of version 8.13 and earlier; with
/// `legacy_fields` off only `resultCode` and `resultDesc` are written.
#[derive(Debug, Clone, Copy)]
pub struct SuccessResponse<'a> {
    /// The call found.
    pub call: &'a BasicCallInfo,
    /// Whether to write the 8.13-era `result` and `resultDatas` fields too.
    pub legacy_fields: bool,
}

/// A failure body: `resultCode` and a human-readable `resultDesc` string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailureResponse {
    /// Why the query failed.
    #[serde(rename = "resultCode")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0100002"))]
    pub code: ResultCode,
    /// What happened, for a person.
    #[serde(rename = "resultDesc")]
    pub message: String,
}

impl Serialize for SuccessResponse<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = if self.legacy_fields { 4 } else { 2 };
        let mut body = serializer.serialize_struct("SuccessResponse", len)?;
        if self.legacy_fields {
            body.serialize_field("result", "0")?;
        }
        body.serialize_field("resultCode", ResultCode::Success.as_str())?;
        if self.legacy_fields {
            body.serialize_field("resultDatas", self.call)?;
        }
        body.serialize_field("resultDesc", self.call)?;
        body.end()
    }
}

/// What a CC-CMS answered, read tolerantly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiReply {
    /// `0100000` with the call.
    Found(Box<BasicCallInfo>),
    /// Any other result code, with the server's message (may be empty).
    Failed {
        /// The result code.
        code: ResultCode,
        /// The `resultDesc` text, or `""` when it was not a string.
        message: String,
    },
}

/// Why a response body could not be read as a CC-CMS reply.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, or a field of the wrong shape.
    #[error("response is not a CC-CMS reply: {0}")]
    Json(#[from] serde_json::Error),
    /// Neither `resultCode` nor `result` was present.
    #[error("response has no resultCode")]
    NoResultCode,
    /// Success was reported but no call object came with it.
    #[error("response reports success but carries no call object")]
    NoCall,
}

/// Reads a reply body: `resultDesc` as an object, an array or a string; `resultDatas` for
/// 8.13-era servers; `resultCode` as a string or number, or the old `result` field alone.
pub fn read_reply(body: &[u8]) -> Result<ApiReply, DecodeError> {
    let raw: RawReply<'_> = serde_json::from_slice(body)?;
    let code = match (raw.result_code, raw.result) {
        (Some(code), _) => code,
        (None, Some(result)) if result.trim() == "0" => ResultCode::Success,
        (None, Some(_)) => ResultCode::UnknownError,
        (None, None) => return Err(DecodeError::NoResultCode),
    };
    if code.is_success() {
        // `resultDatas` repeats `resultDesc` on current servers: it is decoded only when
        // `resultDesc` carries no call (8.13-era servers).
        let call = match raw.result_desc.and_then(ResultDesc::into_call) {
            Some(call) => call,
            None => raw
                .result_datas
                .map(|datas| serde_json::from_str::<ResultDesc>(datas.get()))
                .transpose()?
                .and_then(ResultDesc::into_call)
                .ok_or(DecodeError::NoCall)?,
        };
        return Ok(ApiReply::Found(Box::new(call)));
    }
    let message = match raw.result_desc {
        Some(ResultDesc::Text(text)) => text,
        _ => String::new(),
    };
    Ok(ApiReply::Failed { code, message })
}

#[derive(Deserialize)]
struct RawReply<'a> {
    #[serde(rename = "resultCode", default)]
    result_code: Option<ResultCode>,
    #[serde(default, deserialize_with = "opt_string")]
    result: Option<String>,
    #[serde(rename = "resultDesc", default)]
    result_desc: Option<ResultDesc>,
    #[serde(rename = "resultDatas", default, borrow)]
    result_datas: Option<&'a serde_json::value::RawValue>,
}

fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    crate::lenient::string(d).map(Some)
}

/// The shapes `resultDesc` / `resultDatas` take across versions.
enum ResultDesc {
    Call(Box<BasicCallInfo>),
    Calls(Vec<BasicCallInfo>),
    Text(String),
    Nothing,
}

impl ResultDesc {
    fn into_call(self) -> Option<BasicCallInfo> {
        match self {
            Self::Call(call) => Some(*call),
            Self::Calls(calls) => calls.into_iter().next(),
            Self::Text(_) | Self::Nothing => None,
        }
    }
}

impl<'de> Deserialize<'de> for ResultDesc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ResultDescVisitor)
    }
}

struct ResultDescVisitor;

impl<'de> Visitor<'de> for ResultDescVisitor {
    type Value = ResultDesc;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a call object, an array of calls, a string or null")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let call = BasicCallInfo::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(ResultDesc::Call(Box::new(call)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let calls = Vec::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(ResultDesc::Calls(calls))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(ResultDesc::Text(v.to_owned()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(ResultDesc::Text(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(ResultDesc::Text(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(ResultDesc::Text(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(ResultDesc::Text(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ResultDesc::Nothing)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ResultDesc::Nothing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_body_has_code_and_string_desc() {
        let body = FailureResponse {
            code: ResultCode::InvalidParameter,
            message: "invalid parameter: vdn must be between 1 and 5000".into(),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"resultCode":"0100002","resultDesc":"invalid parameter: vdn must be between 1 and 5000"}"#
        );
    }

    #[test]
    fn success_without_legacy_fields_writes_only_current_ones() {
        let call = BasicCallInfo {
            dsn: Some(3),
            ..BasicCallInfo::default()
        };
        let body = SuccessResponse {
            call: &call,
            legacy_fields: false,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"resultCode":"0100000","resultDesc":{"dsn":3,"keyId":"","callingNum":"","calledNum":"","callSkill":"","orgiCalledNum":""}}"#
        );
    }

    #[test]
    fn reads_failures_with_desc_as_string_object_array_or_missing() {
        for (body, message) in [
            (
                r#"{"resultCode":"0100001","resultDesc":"call not found"}"#,
                "call not found",
            ),
            (r#"{"resultCode":"0100001","resultDesc":{}}"#, ""),
            (r#"{"resultCode":"0100001","resultDesc":[]}"#, ""),
            (r#"{"resultCode":100001}"#, ""),
            (r#"{"resultCode":"0100001","resultDesc":1.5}"#, "1.5"),
        ] {
            assert_eq!(
                read_reply(body.as_bytes()).unwrap(),
                ApiReply::Failed {
                    code: ResultCode::InterfaceCallFailed,
                    message: message.into()
                },
                "{body}"
            );
        }
    }

    #[test]
    fn reads_success_from_an_array_or_from_legacy_result_datas() {
        let array = br#"{"resultCode":"0100000","resultDesc":[{"dsn":"5"}]}"#;
        let ApiReply::Found(call) = read_reply(array).unwrap() else {
            panic!("not found")
        };
        assert_eq!(call.dsn, Some(5));
        let legacy = br#"{"result":"0","resultDatas":{"dsn":6}}"#;
        let ApiReply::Found(call) = read_reply(legacy).unwrap() else {
            panic!("not found")
        };
        assert_eq!(call.dsn, Some(6));
    }

    #[test]
    fn success_without_a_call_or_a_body_without_code_is_an_error() {
        assert!(matches!(
            read_reply(br#"{"resultCode":"0100000","resultDesc":"ok"}"#),
            Err(DecodeError::NoCall)
        ));
        assert!(matches!(
            read_reply(br#"{"x":1}"#),
            Err(DecodeError::NoResultCode)
        ));
        assert!(matches!(read_reply(b"<html>"), Err(DecodeError::Json(_))));
    }
}
