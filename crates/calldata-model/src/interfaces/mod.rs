//! Every CC-CMS interface this project speaks, one file each, and [`INTERFACES`], the one
//! list of them that the server mounts from and the shared test suites run over.
//!
//! Adding an interface: a file here with its request body implementing
//! [`Operation`], and its [`Interface`] in [`INTERFACES`]
//! (`docs/architecture.md` lists the other steps).

pub mod agent_calls;
pub mod agent_group_calls;
pub mod call_detail_by_id;
pub mod call_trace_detail;
pub mod cti_server_time;
pub mod ping;
pub mod query_basic_call_info;
pub mod query_detail_call_info;
mod record_fields;
pub mod vdn_calls;

pub use agent_calls::{AgentFields, AgentKey, AgentPrivateCall, CallIds, QueryAgentCalls};
pub use agent_group_calls::{
    AgentCall, AgentCalls, AgentGroupCalls, AgentGroupKey, QueryAgentGroupCalls,
};
pub use call_detail_by_id::{
    CallDetailByIdFields, CallDetailRecord, CallRecordKey, QueryCallDetailById, tenant_time,
};
pub use call_trace_detail::{CallTrack, QueryCallTraceDetail, TrackKey, TrackRecord};
pub use cti_server_time::{CtiServerTime, CtiTime};
pub use ping::{Ping, PingEcho};
pub use query_detail_call_info::{DetailCallInfo, QueryDetailCallInfo};
pub use record_fields::MAX_NUMBER_LEN;
pub use vdn_calls::{
    QueryVdnCalls, QueryVdnCallsV2, VdnCallRow, VdnCalls, VdnCallsFields, VdnCallsQuery,
};

use crate::interface::{Interface, Operation};
use crate::request::QueryBasicCallInfo;

/// Every interface, in the order the documentation lists them.
pub const INTERFACES: &[Interface] = &[
    Ping::INTERFACE,
    CtiServerTime::INTERFACE,
    QueryAgentCalls::INTERFACE,
    QueryAgentGroupCalls::INTERFACE,
    AgentPrivateCall::INTERFACE,
    QueryBasicCallInfo::INTERFACE,
    QueryDetailCallInfo::INTERFACE,
    QueryCallDetailById::INTERFACE,
    QueryVdnCalls::INTERFACE,
    QueryVdnCallsV2::INTERFACE,
    QueryCallTraceDetail::INTERFACE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_are_unique_and_every_path_is_under_the_cms_prefix() {
        let mut names = std::collections::HashSet::new();
        let mut paths = std::collections::HashSet::new();
        for interface in INTERFACES {
            assert!(names.insert(interface.name), "{} twice", interface.name);
            assert!(paths.insert(interface.path), "{} twice", interface.path);
            assert!(
                interface.path.starts_with("/rest/cmsapp/v1/")
                    || interface.path.starts_with("/rest/cmsapp/v2/"),
                "{}",
                interface.path
            );
            // A name is its path's last segments, with the API version first when it is
            // not v1 ("v2/vdn/querycalls").
            let unversioned = interface.name.strip_prefix("v2/").unwrap_or(interface.name);
            assert!(interface.path.ends_with(unversioned), "{}", interface.path);
        }
    }
}
