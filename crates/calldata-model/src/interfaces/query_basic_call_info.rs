//! `querybasiccallinfo`: the basic information of one call in progress, by call ID
//! (`querybasiccallinfo.md`). The body and its validation live in [`crate::request`].

use crate::call::BasicCallInfo;
use crate::interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
use crate::request::{CallKey, InvalidRequest, QueryBasicCallInfo};

impl Operation for QueryBasicCallInfo {
    const INTERFACE: Interface = Interface {
        name: "querybasiccallinfo",
        path: "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo",
        summary: "Basic information about a call in progress, by call ID",
        cti: CtiSupport::V300R008,
        envelope: EnvelopeKind::Full,
        platform: false,
    };
    type Request = CallKey;
    type Answer = BasicCallInfo;

    fn parse(body: &[u8]) -> Result<CallKey, InvalidRequest> {
        Self::parse(body)
    }

    fn reach(key: &CallKey) -> Reach {
        Reach::Vdn(key.cc_id, key.vdn)
    }
}
