//! `ping`: the signed health check, which echoes the object it was sent (family.md
//! section 1).

use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
use crate::request::{InvalidRequest, object_text};

/// The body of a ping: any JSON object, kept as the exact text received, so that its echo
/// keeps the members' order and values (`{"say": "Hello world!"}` in the reference). An
/// empty body means `{}`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = Object))]
#[serde(transparent)]
pub struct Ping(Box<RawValue>);

impl Ping {
    /// The empty object `{}`, what an empty body means.
    pub fn empty() -> Self {
        // `{}` is valid JSON; the fallback is unreachable but keeps this free of panics.
        serde_json::from_str::<Box<RawValue>>("{}")
            .map_or_else(|_| Self(RawValue::NULL.to_owned()), Self)
    }

    /// A ping carrying `object`, which must serialize to a JSON object.
    pub fn new(object: &impl Serialize) -> Result<Self, InvalidRequest> {
        let text =
            serde_json::to_string(object).map_err(|e| InvalidRequest::NotJson(e.to_string()))?;
        Self::parse_object(text.as_bytes())
    }

    /// A ping from a body as received: empty (or only white space) is `{}`; anything
    /// else must be one JSON object.
    pub fn parse_object(body: &[u8]) -> Result<Self, InvalidRequest> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::empty());
        }
        serde_json::from_str::<Box<RawValue>>(object_text(body)?)
            .map(Self)
            .map_err(|e| InvalidRequest::NotJson(e.to_string()))
    }

    /// The object's JSON text, exactly as sent.
    pub fn as_json(&self) -> &str {
        self.0.get()
    }
}

impl Operation for Ping {
    const INTERFACE: Interface = Interface {
        name: "ping",
        path: "/rest/cmsapp/v1/ping",
        summary: "Signed health check: echoes the object it is sent",
        cti: CtiSupport::Any,
        envelope: EnvelopeKind::Bare,
        platform: true,
    };
    type Request = Ping;
    type Answer = PingEcho;

    fn parse(body: &[u8]) -> Result<Ping, InvalidRequest> {
        Self::parse_object(body)
    }

    fn reach(_: &Ping) -> Reach {
        Reach::Platform
    }
}

/// The answer to a ping: `{"request": <the object sent>, "status": "UP"}`, in that order.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PingEcho {
    /// The object the ping carried, members in the order sent.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub request: Box<RawValue>,
    /// `UP` when the platform is up.
    #[cfg_attr(feature = "openapi", schema(example = "UP"))]
    #[serde(deserialize_with = "crate::lenient::string")]
    pub status: String,
}

impl PingEcho {
    /// The answer of a platform that is up.
    pub fn up(ping: Ping) -> Self {
        Self {
            request: ping.0,
            status: "UP".to_owned(),
        }
    }
}

impl Serialize for PingEcho {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("PingEcho", 2)?;
        body.serialize_field("request", &self.request)?;
        body.serialize_field("status", &self.status)?;
        body.end()
    }
}

impl fmt::Debug for PingEcho {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PingEcho")
            .field("request", &self.request.get())
            .field("status", &self.status)
            .finish()
    }
}

impl PartialEq for PingEcho {
    fn eq(&self, other: &Self) -> bool {
        self.request.get() == other.request.get() && self.status == other.status
    }
}

impl Eq for PingEcho {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_echo_keeps_member_order_and_values_as_sent() {
        let ping =
            Ping::parse(br#"  {"z": 1, "a": [true, null], "say": "Hello world!"} "#).unwrap();
        assert_eq!(
            serde_json::to_string(&PingEcho::up(ping)).unwrap(),
            r#"{"request":{"z": 1, "a": [true, null], "say": "Hello world!"},"status":"UP"}"#
        );
    }

    #[test]
    fn an_empty_body_echoes_an_empty_object() {
        for body in [&b""[..], b"  \r\n"] {
            let ping = Ping::parse(body).unwrap();
            assert_eq!(ping.as_json(), "{}");
        }
        assert_eq!(Ping::empty().as_json(), "{}");
    }

    #[test]
    fn anything_but_one_object_is_refused() {
        for body in [
            &b"[1]"[..],
            b"\"x\"",
            b"1",
            b"null",
            b"{",
            b"{} {}",
            b"{\"a\":1}x",
            b"{\"a\":\"\xff\"}",
        ] {
            assert!(
                matches!(Ping::parse(body), Err(InvalidRequest::NotJson(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_ping_is_built_from_any_serializable_object_and_reads_back() {
        let ping = Ping::new(&serde_json::json!({"say": "Hello world!"})).unwrap();
        assert_eq!(ping.as_json(), r#"{"say":"Hello world!"}"#);
        assert!(Ping::new(&[1, 2]).is_err());
        let echo: PingEcho =
            serde_json::from_str(r#"{"request":{"say":"Hello world!"},"status":"UP"}"#).unwrap();
        assert_eq!(echo, PingEcho::up(ping));
    }
}
