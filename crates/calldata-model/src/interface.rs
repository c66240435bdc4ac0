//! What describes one CC-CMS interface: its path, the CTI version it needs, the envelope
//! its answer travels in, and the part of the contact center a request reaches.
//!
//! The server mounts, labels, documents and gates every interface from this description;
//! the client signs and reads by it; [`crate::INTERFACES`] lists them all.

use serde::Serialize;

use crate::envelope::Payload;

use crate::ids::{CcId, Vdn};
use crate::request::InvalidRequest;

/// One interface of the CC-CMS open API, as every layer needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interface {
    /// Huawei's name of the interface (`querybasiccallinfo`, `ping`).
    pub name: &'static str,
    /// The path it is served on; every interface is `POST`.
    pub path: &'static str,
    /// One line saying what it answers (the OpenAPI summary).
    pub summary: &'static str,
    /// Which CTI versions can answer it.
    pub cti: CtiSupport,
    /// The envelope its success answer travels in.
    pub envelope: EnvelopeKind,
    /// Answered by the platform itself (`ping`): no call source is asked and no key scope
    /// applies, so its only failures are `0100002` and `0100999`.
    pub platform: bool,
}

/// Which CTI versions an interface works on (family.md section 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtiSupport {
    /// Answered on V300R006 and V300R008.
    Any,
    /// Needs CTI V300R008: on V300R006 the answer is `0100003`.
    V300R008,
}

/// How a success answer is wrapped (family.md section 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// `result`, `resultCode`, `resultDatas`, `resultDesc`; the 8.13-era `result` and
    /// `resultDatas` only with the `legacy_fields` setting on.
    Full,
    /// `resultCode` and `resultDesc` only.
    Short,
    /// The answer itself, with no envelope (`ping`); a failure still answers the failure
    /// envelope.
    Bare,
}

impl EnvelopeKind {
    /// Whether a success answer writes `result` and `resultDatas`: the one place this is
    /// decided, for every interface.
    pub const fn writes_legacy_fields(self, legacy_fields: bool) -> bool {
        matches!(self, Self::Full) && legacy_fields
    }
}

/// The part of the contact center a request reaches, which an access key's ccId/vdn scope
/// must cover (`0101003` otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Nothing of any call center (`ping`): every key may ask.
    Platform,
    /// One call center, no VDN in the request.
    CallCenter(CcId),
    /// One VDN of one call center.
    Vdn(CcId, Vdn),
}

/// One interface as code: its description, what a caller sends, what a valid request
/// means, and what it answers.
///
/// Implemented by the request body a client sends (`Self`), in the manner of ruma's
/// endpoint metadata: the server parses raw bytes with [`parse`](Self::parse), the client
/// serializes `Self` and reads [`Self::Answer`] from the envelope of
/// [`Interface::envelope`].
pub trait Operation: Serialize {
    /// The interface this operation is.
    const INTERFACE: Interface;
    /// A valid request: what the server acts on.
    type Request;
    /// The success payload (`resultDesc`, or the whole body of a bare answer).
    type Answer: Payload;

    /// Decodes and validates a raw body; every failure is answered `0100002`.
    fn parse(body: &[u8]) -> Result<Self::Request, InvalidRequest>;

    /// What part of the contact center the request reaches.
    fn reach(request: &Self::Request) -> Reach;
}
