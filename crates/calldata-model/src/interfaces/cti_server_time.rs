//! `configures/ctiservertime`: the CTI server's clock as epoch milliseconds (family.md
//! section 2), for clients that correct their time windows or signature timestamps.

use serde::{Deserialize, Deserializer, Serialize};

use crate::envelope::{Payload, PayloadShape};
use crate::ids::CcId;
use crate::interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
use crate::request::{InvalidRequest, Sent, object_text, required_integer};

/// The request body: `{"ccId": 1}` (no VDN). `ccId` may also arrive as a string of digits.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CtiServerTime {
    /// Call center ID, 1..=65535.
    #[serde(rename = "ccId", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 65535, example = 1))]
    pub cc_id: Option<Sent<i64>>,
}

impl CtiServerTime {
    /// The request for call center `cc_id`, as a client builds it.
    pub fn new(cc_id: i64) -> Self {
        Self {
            cc_id: Some(Sent::Value(cc_id)),
        }
    }

    /// Validates the body and returns the call center it asks about.
    pub fn to_cc_id(&self) -> Result<CcId, InvalidRequest> {
        required_integer("ccId", self.cc_id.as_ref(), CcId::new)
            .map_err(|violation| InvalidRequest::Fields(vec![violation]))
    }
}

impl Operation for CtiServerTime {
    const INTERFACE: Interface = Interface {
        name: "ctiservertime",
        path: "/rest/cmsapp/v1/openapi/configures/ctiservertime",
        summary: "The CTI server's time, as epoch milliseconds",
        cti: CtiSupport::V300R008,
        envelope: EnvelopeKind::Full,
        platform: false,
    };
    type Request = CcId;
    type Answer = CtiTime;

    fn parse(body: &[u8]) -> Result<CcId, InvalidRequest> {
        let body: Self = serde_json::from_str(object_text(body)?)
            .map_err(|e| InvalidRequest::NotJson(e.to_string()))?;
        body.to_cc_id()
    }

    fn reach(cc_id: &CcId) -> Reach {
        Reach::CallCenter(*cc_id)
    }
}

/// The CTI server's time in epoch milliseconds: a bare JSON number on the wire
/// (`"resultDesc":1605057110000`); read from a number or a string of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = 1_605_057_110_000_i64))]
#[serde(transparent)]
pub struct CtiTime(pub i64);

impl<'de> Deserialize<'de> for CtiTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::lenient::opt_i64(deserializer)?
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom("no CTI time"))
    }
}

impl Payload for CtiTime {
    const SHAPE: PayloadShape = PayloadShape::Scalar;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ApiReply, Envelope, read_reply};

    #[test]
    fn a_valid_body_names_its_call_center() {
        for body in [&br#"{"ccId":1}"#[..], br#"{"ccId":"7","vdn":3}"#] {
            assert!(CtiServerTime::parse(body).is_ok());
        }
        assert_eq!(CtiServerTime::parse(br#"{"ccId":"7"}"#).unwrap().get(), 7);
    }

    #[test]
    fn a_bad_body_names_the_field() {
        for (body, message) in [
            (&b"{}"[..], "ccId is required"),
            (
                br#"{"ccId":true}"#,
                "ccId must be an integer, not a boolean",
            ),
            (br#"{"ccId":0}"#, "ccId must be between 1 and 65535"),
            (br#"{"ccId":65536}"#, "ccId must be between 1 and 65535"),
        ] {
            let error = CtiServerTime::parse(body).unwrap_err();
            assert_eq!(
                error.to_string(),
                message,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(matches!(
            CtiServerTime::parse(b"[1]"),
            Err(InvalidRequest::NotJson(_))
        ));
    }

    #[test]
    fn the_time_is_a_bare_number_in_the_full_envelope_and_reads_back_from_text_too() {
        let written = serde_json::to_string(&Envelope::of::<CtiServerTime>(
            &CtiTime(1_605_057_110_000),
            true,
        ))
        .unwrap();
        assert_eq!(
            written,
            r#"{"result":"0","resultCode":"0100000","resultDatas":1605057110000,"resultDesc":1605057110000}"#
        );
        assert_eq!(
            read_reply::<CtiServerTime>(written.as_bytes()).unwrap(),
            ApiReply::Answered(CtiTime(1_605_057_110_000))
        );
        assert_eq!(
            read_reply::<CtiServerTime>(
                br#"{"resultCode":"0100000","resultDesc":"1605057110000"}"#
            )
            .unwrap(),
            ApiReply::Answered(CtiTime(1_605_057_110_000))
        );
    }
}
