//! What the contract expects of a reply: a success in its envelope, the failure envelope
//! with a result code, or a Spring-style refusal with an HTTP status.

use super::probe::Reply;
use super::shape::{Ordered, REFUSAL, fields_in_order};

/// The envelope a success travels in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Envelope {
    /// `result`, `resultCode`, `resultDatas`, `resultDesc` (the legacy pair may be off).
    Full,
    /// `resultCode`, `resultDesc`.
    Short,
}

/// The payload of a `0100000` answer in `envelope`, or what is wrong with the reply.
pub(crate) fn success(reply: &Reply, envelope: Envelope) -> Result<Ordered, String> {
    if reply.status != 200 {
        return Err(format!(
            "HTTP {} instead of 200: {}",
            reply.status,
            excerpt(&reply.body)
        ));
    }
    let body = Ordered::parse(&reply.body)?;
    let code = body.get("resultCode").and_then(Ordered::as_str);
    if code != Some("0100000") {
        return Err(format!(
            "resultCode {code:?} instead of \"0100000\": {}",
            excerpt(&reply.body)
        ));
    }
    let keys = body.keys();
    let payload = body
        .get("resultDesc")
        .cloned()
        .ok_or("no resultDesc in a success")?;
    match envelope {
        // The short envelope, and the full one with the legacy fields off.
        _ if keys == ["resultCode", "resultDesc"] => Ok(payload),
        Envelope::Short => Err(format!(
            "the short envelope is resultCode, resultDesc; found {keys:?}"
        )),
        Envelope::Full if keys == ["result", "resultCode", "resultDatas", "resultDesc"] => {
            if body.get("result").and_then(Ordered::as_str) != Some("0") {
                return Err("result must be \"0\" on success".to_owned());
            }
            if body.get("resultDatas") != Some(&payload) {
                return Err("resultDatas and resultDesc differ".to_owned());
            }
            Ok(payload)
        }
        Envelope::Full => Err(format!(
            "the full envelope is result, resultCode, resultDatas, resultDesc (or without the \
             legacy result and resultDatas); found {keys:?}"
        )),
    }
}

/// Checks a business failure: HTTP 200 and exactly `{"resultCode": code, "resultDesc":
/// "<text>"}`, the text naming `names` when given.
pub(crate) fn failure(reply: &Reply, code: &str, names: Option<&str>) -> Result<(), String> {
    if reply.status != 200 {
        return Err(format!(
            "HTTP {} instead of 200 with {code}: {}",
            reply.status,
            excerpt(&reply.body)
        ));
    }
    let body = Ordered::parse(&reply.body)?;
    if body.keys() != ["resultCode", "resultDesc"] {
        return Err(format!(
            "the failure envelope is resultCode, resultDesc; found {:?}",
            body.keys()
        ));
    }
    let found = body.get("resultCode").and_then(Ordered::as_str);
    if found != Some(code) {
        return Err(format!(
            "resultCode {found:?} instead of {code:?}: {}",
            excerpt(&reply.body)
        ));
    }
    let desc = body.get("resultDesc").ok_or("no resultDesc")?;
    let Some(text) = desc.as_str() else {
        return Err(format!(
            "resultDesc of a failure must be a string, not {}",
            desc.kind_name()
        ));
    };
    if let Some(name) = names
        && !text.contains(name)
    {
        return Err(format!("the message does not name {name}: {text:?}"));
    }
    Ok(())
}

/// Checks a refusal: HTTP `status` with the Spring-style body for `path`.
pub(crate) fn refusal(reply: &Reply, status: u16, path: &str) -> Result<(), String> {
    if reply.status != status {
        return Err(format!(
            "HTTP {} instead of {status}: {}",
            reply.status,
            excerpt(&reply.body)
        ));
    }
    let body = Ordered::parse(&reply.body)?;
    fields_in_order(&body, &REFUSAL, &[])?;
    let said = match body.get("status") {
        Some(Ordered::Number(n)) => n.as_u64(),
        _ => None,
    };
    if said != Some(u64::from(status)) {
        return Err(format!("the body's status is {said:?}, not {status}"));
    }
    let path_only = path.split_once('?').map_or(path, |(p, _)| p);
    if body.get("path").and_then(Ordered::as_str) != Some(path_only) {
        return Err(format!("the body's path is not {path_only}"));
    }
    Ok(())
}

/// The first 200 characters of a body, for a failure's reason.
pub(crate) fn excerpt(body: &str) -> String {
    let mut text: String = body.chars().take(200).collect();
    if body.chars().count() > 200 {
        text.push('…');
    }
    text
}
