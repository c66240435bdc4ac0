//! Response envelopes (contract section 2, family.md section 0): what the server writes
//! for success and failure, for every interface, and a tolerant reader of what any CC-CMS
//! version sends back, generic over the payload.

use serde::de::DeserializeOwned;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::interface::{EnvelopeKind, Operation};
use crate::result_code::ResultCode;

/// A success body around `payload`, in the envelope of `kind`.
///
/// Full: `result`, `resultCode`, `resultDatas`, `resultDesc` in that order, where `result`
/// and `resultDatas` exist for clients of version 8.13 and earlier and are written only
/// with `legacy_fields` on ([`EnvelopeKind::writes_legacy_fields`]). Short: `resultCode`
/// and `resultDesc`. Bare: the payload alone.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a, T: ?Sized> {
    /// Which envelope.
    pub kind: EnvelopeKind,
    /// The `legacy_fields` setting.
    pub legacy_fields: bool,
    /// The answer.
    pub payload: &'a T,
}

impl<'a, T: ?Sized> Envelope<'a, T> {
    /// The success envelope of operation `Op` around `payload`.
    pub fn of<Op: Operation>(payload: &'a T, legacy_fields: bool) -> Self {
        Self {
            kind: Op::INTERFACE.envelope,
            legacy_fields,
            payload,
        }
    }
}

/// A failure body: `resultCode` and a human-readable `resultDesc` string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailureResponse {
    /// Why the request failed.
    #[serde(rename = "resultCode")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0100002"))]
    pub code: ResultCode,
    /// What happened, for a person.
    #[serde(rename = "resultDesc")]
    pub message: String,
}

impl<T: Serialize + ?Sized> Serialize for Envelope<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.kind == EnvelopeKind::Bare {
            return self.payload.serialize(serializer);
        }
        let legacy = self.kind.writes_legacy_fields(self.legacy_fields);
        let mut body = serializer.serialize_struct("Envelope", if legacy { 4 } else { 2 })?;
        if legacy {
            body.serialize_field("result", "0")?;
        }
        body.serialize_field("resultCode", ResultCode::Success.as_str())?;
        if legacy {
            body.serialize_field("resultDatas", self.payload)?;
        }
        body.serialize_field("resultDesc", self.payload)?;
        body.end()
    }
}

/// What a CC-CMS answered, read tolerantly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiReply<T> {
    /// `0100000` with its payload.
    Answered(T),
    /// Any other result code, with the server's message (may be empty).
    Failed {
        /// The result code.
        code: ResultCode,
        /// The `resultDesc` text (a number or boolean as written), or `""` for anything
        /// else.
        message: String,
    },
}

/// Why a response body could not be read as a CC-CMS reply.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, or a payload of the wrong shape.
    #[error("response is not a CC-CMS reply: {0}")]
    Json(#[from] serde_json::Error),
    /// Neither `resultCode` nor `result` was present.
    #[error("response has no resultCode")]
    NoResultCode,
    /// Success was reported but no payload of the expected shape came with it.
    #[error("response reports success but carries no answer")]
    NoPayload,
}

/// How a success payload is shaped, which decides what a tolerant reader makes of a value
/// of another kind in its place (family.md section 0: an object, an array, a bare number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadShape {
    /// A JSON object (a call, a ping's echo); an array of one is read as its element.
    Object,
    /// A JSON array (call IDs, agents' calls).
    List,
    /// A bare value (a number of epoch milliseconds).
    Scalar,
}

/// A success payload of some interface.
pub trait Payload: Serialize + DeserializeOwned {
    /// Its shape on the wire.
    const SHAPE: PayloadShape;
}

impl Payload for crate::call::BasicCallInfo {
    const SHAPE: PayloadShape = PayloadShape::Object;
}

impl Payload for crate::interfaces::PingEcho {
    const SHAPE: PayloadShape = PayloadShape::Object;
}

impl<T: Serialize + DeserializeOwned> Payload for Vec<T> {
    const SHAPE: PayloadShape = PayloadShape::List;
}

impl Payload for i64 {
    const SHAPE: PayloadShape = PayloadShape::Scalar;
}

/// Reads the reply of operation `Op` (see [`read_envelope`]).
pub fn read_reply<Op: Operation>(body: &[u8]) -> Result<ApiReply<Op::Answer>, DecodeError> {
    read_envelope(Op::INTERFACE.envelope, body)
}

/// Reads a reply body in the envelope of `kind` with a payload of type `T`.
///
/// Tolerant as family.md section 0 asks: `resultCode` as a string or a number, or the old
/// `result` field alone; the payload from `resultDesc`, or from `resultDatas` when
/// `resultDesc` carries none (8.13-era servers), each read by the payload's shape
/// ([`PayloadShape`]: an object sent as an array of one is read as that element). A bare answer is its own payload unless it
/// is a failure envelope (it has a `resultCode`).
pub fn read_envelope<T: Payload>(
    kind: EnvelopeKind,
    body: &[u8],
) -> Result<ApiReply<T>, DecodeError> {
    // A struct also deserializes from an array (by position): only an object is an envelope.
    let object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !object {
        if kind == EnvelopeKind::Bare {
            return Ok(ApiReply::Answered(serde_json::from_slice(body)?));
        }
        serde_json::from_slice::<serde::de::IgnoredAny>(body)?;
        return Err(DecodeError::NoResultCode);
    }
    let raw: RawReply<'_> = serde_json::from_slice(body)?;
    let code = match (raw.result_code, raw.result) {
        (Some(code), _) => code,
        (None, _) if kind == EnvelopeKind::Bare => {
            return Ok(ApiReply::Answered(serde_json::from_slice(body)?));
        }
        (None, Some(result)) if result.trim() == "0" => ResultCode::Success,
        (None, Some(_)) => ResultCode::UnknownError,
        (None, None) => return Err(DecodeError::NoResultCode),
    };
    if code.is_success() {
        // `resultDatas` repeats `resultDesc` on current servers: it is decoded only when
        // `resultDesc` carries no payload (8.13-era servers).
        let payload = match raw.result_desc.map(payload::<T>).transpose()?.flatten() {
            Some(payload) => payload,
            None => raw
                .result_datas
                .map(payload::<T>)
                .transpose()?
                .flatten()
                .ok_or(DecodeError::NoPayload)?,
        };
        return Ok(ApiReply::Answered(payload));
    }
    let message = raw.result_desc.map(text_of).unwrap_or_default();
    Ok(ApiReply::Failed { code, message })
}

#[derive(Deserialize)]
struct RawReply<'a> {
    #[serde(rename = "resultCode", default)]
    result_code: Option<ResultCode>,
    #[serde(default, deserialize_with = "opt_string")]
    result: Option<String>,
    #[serde(rename = "resultDesc", default, borrow)]
    result_desc: Option<&'a RawValue>,
    #[serde(rename = "resultDatas", default, borrow)]
    result_datas: Option<&'a RawValue>,
}

fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    crate::lenient::string(d).map(Some)
}

/// The payload in `raw`, read by its shape ([`Payload::SHAPE`]): `None` when `raw` holds
/// none (`null`, a text, an empty array, or a value of another kind where an object or a
/// list belongs, as failure texts and 8.13-era servers send), an error when it has the
/// payload's kind but not its fields.
fn payload<T: Payload>(raw: &RawValue) -> Result<Option<T>, serde_json::Error> {
    let text = raw.get();
    match (T::SHAPE, text.as_bytes().first()) {
        (PayloadShape::Object, Some(b'{')) | (PayloadShape::List, Some(b'[')) => {
            serde_json::from_str(text).map(Some)
        }
        // One object (or value) sent as an array of one: its first element.
        (PayloadShape::Object | PayloadShape::Scalar, Some(b'[')) => {
            let items = serde_json::from_str::<Vec<&RawValue>>(text)?;
            match items.first() {
                Some(item) => serde_json::from_str(item.get()).map(Some),
                None => Ok(None),
            }
        }
        (PayloadShape::Object | PayloadShape::List, _) => Ok(None),
        (PayloadShape::Scalar, Some(b'n' | b'"')) => Ok(serde_json::from_str(text).ok()),
        (PayloadShape::Scalar, _) => serde_json::from_str(text).map(Some),
    }
}

/// The failure text in `resultDesc`: a string's value, a number or boolean as written,
/// and nothing for an object, an array or `null`.
fn text_of(raw: &RawValue) -> String {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str(text).unwrap_or_default(),
        Some(b'{' | b'[' | b'n') | None => String::new(),
        Some(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::BasicCallInfo;
    use crate::request::QueryBasicCallInfo;

    fn read_call(body: &[u8]) -> Result<ApiReply<BasicCallInfo>, DecodeError> {
        read_reply::<QueryBasicCallInfo>(body)
    }

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
        let body = Envelope::of::<QueryBasicCallInfo>(&call, false);
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
                read_call(body.as_bytes()).unwrap(),
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
        let ApiReply::Answered(call) = read_call(array).unwrap() else {
            panic!("not found")
        };
        assert_eq!(call.dsn, Some(5));
        let legacy = br#"{"result":"0","resultDatas":{"dsn":6}}"#;
        let ApiReply::Answered(call) = read_call(legacy).unwrap() else {
            panic!("not found")
        };
        assert_eq!(call.dsn, Some(6));
    }

    #[test]
    fn success_without_a_call_or_a_body_without_code_is_an_error() {
        assert!(matches!(
            read_call(br#"{"resultCode":"0100000","resultDesc":"ok"}"#),
            Err(DecodeError::NoPayload)
        ));
        assert!(matches!(
            read_call(br#"{"x":1}"#),
            Err(DecodeError::NoResultCode)
        ));
        assert!(matches!(read_call(b"<html>"), Err(DecodeError::Json(_))));
    }

    #[test]
    fn the_legacy_fields_are_written_for_the_full_envelope_only() {
        let payload = ["1605492949-1447"];
        for (kind, legacy_fields, expected) in [
            (
                EnvelopeKind::Full,
                true,
                r#"{"result":"0","resultCode":"0100000","resultDatas":["1605492949-1447"],"resultDesc":["1605492949-1447"]}"#,
            ),
            (
                EnvelopeKind::Full,
                false,
                r#"{"resultCode":"0100000","resultDesc":["1605492949-1447"]}"#,
            ),
            (
                EnvelopeKind::Short,
                true,
                r#"{"resultCode":"0100000","resultDesc":["1605492949-1447"]}"#,
            ),
            (EnvelopeKind::Bare, true, r#"["1605492949-1447"]"#),
        ] {
            let envelope = Envelope {
                kind,
                legacy_fields,
                payload: &payload,
            };
            assert_eq!(serde_json::to_string(&envelope).unwrap(), expected);
            let read: ApiReply<Vec<String>> = read_envelope(kind, expected.as_bytes()).unwrap();
            assert_eq!(read, ApiReply::Answered(vec!["1605492949-1447".to_owned()]));
        }
    }

    #[test]
    fn a_bare_answer_is_its_own_payload_unless_it_is_a_failure_envelope() {
        let echo: ApiReply<crate::PingEcho> = read_envelope(
            EnvelopeKind::Bare,
            br#"{"request":{"b":1,"a":2},"status":"UP"}"#,
        )
        .unwrap();
        let ApiReply::Answered(echo) = echo else {
            panic!("not answered")
        };
        assert_eq!(echo.request.get(), r#"{"b":1,"a":2}"#);
        let failed: ApiReply<crate::PingEcho> = read_envelope(
            EnvelopeKind::Bare,
            br#"{"resultCode":"0100002","resultDesc":"invalid parameter"}"#,
        )
        .unwrap();
        assert_eq!(
            failed,
            ApiReply::Failed {
                code: ResultCode::InvalidParameter,
                message: "invalid parameter".into()
            }
        );
    }

    #[test]
    fn an_empty_or_scalar_desc_is_no_call_and_falls_back_to_datas() {
        for body in [
            &br#"{"resultCode":"0100000","resultDesc":[]}"#[..],
            br#"{"result":"0","resultDatas":[]}"#,
            br#"{"resultCode":"0100000","resultDesc":"x","resultDatas":[]}"#,
            br#"{"resultCode":"0100000","resultDesc":0}"#,
            br#"{"resultCode":"0100000","resultDesc":true,"resultDatas":null}"#,
        ] {
            assert!(
                matches!(read_call(body), Err(DecodeError::NoPayload)),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        for body in [
            &br#"{"resultCode":"0100000","resultDesc":[],"resultDatas":{"dsn":7}}"#[..],
            br#"{"resultCode":"0100000","resultDesc":0,"resultDatas":{"dsn":7}}"#,
            br#"{"resultCode":"0100000","resultDesc":"ok","resultDatas":[{"dsn":7}]}"#,
        ] {
            let ApiReply::Answered(call) = read_call(body).unwrap() else {
                panic!("not answered")
            };
            assert_eq!(call.dsn, Some(7), "{}", String::from_utf8_lossy(body));
        }
        // An array whose element is not a call is an error, not an empty call.
        for body in [
            &br#"{"resultCode":"0100000","resultDesc":[5]}"#[..],
            br#"{"resultCode":"0100000","resultDesc":{"dsn":"x"}}"#,
        ] {
            assert!(matches!(read_call(body), Err(DecodeError::Json(_))));
        }
    }

    #[test]
    fn a_bare_number_payload_reads_from_desc_or_datas() {
        let read: ApiReply<i64> = read_envelope(
            EnvelopeKind::Full,
            br#"{"result":"0","resultCode":"0100000","resultDatas":1605057110000,"resultDesc":1605057110000}"#,
        )
        .unwrap();
        assert_eq!(read, ApiReply::Answered(1_605_057_110_000));
    }
}
