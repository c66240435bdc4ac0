//! Every CC-CMS interface this project speaks, one file each, and [`INTERFACES`], the one
//! list of them that the server mounts from and the shared test suites run over.
//!
//! Adding an interface: a file here with its request body implementing
//! [`Operation`], and its [`Interface`] in [`INTERFACES`]
//! (`docs/architecture.md` lists the other steps).

pub mod agent_calls;
pub mod agent_group_calls;
pub mod cti_server_time;
pub mod ping;
pub mod query_basic_call_info;
pub mod query_detail_call_info;

pub use agent_calls::{AgentFields, AgentKey, AgentPrivateCall, CallIds, QueryAgentCalls};
pub use agent_group_calls::{
    AgentCall, AgentCalls, AgentGroupCalls, AgentGroupKey, QueryAgentGroupCalls,
};
pub use cti_server_time::{CtiServerTime, CtiTime};
pub use ping::{Ping, PingEcho};
pub use query_detail_call_info::{DetailCallInfo, QueryDetailCallInfo};

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
                interface.path.starts_with("/rest/cmsapp/v1/"),
                "{}",
                interface.path
            );
            assert!(
                interface.path.ends_with(interface.name),
                "{}",
                interface.path
            );
        }
    }
}
