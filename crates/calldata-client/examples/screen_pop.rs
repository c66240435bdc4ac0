//! A CRM screen-pop: which call is the agent on, and who is calling? Asks
//! `agent/queryagentcalls` for the agent's current calls, then `querybasiccallinfo` for
//! the first of them, and prints what a CRM would look the customer up by.
//!
//! `CALLDATA_URL`, `CALLDATA_AK`, `CALLDATA_SK` (and optionally `CALLDATA_CA_CERT`) from the
//! environment, the agent from the arguments:
//!
//! ```sh
//! CALLDATA_URL=https://127.0.0.1:8443 CALLDATA_AK=... CALLDATA_SK=... \
//! CALLDATA_CA_CERT=~/.local/share/calldata/tls/ca.pem \
//!   cargo run -p calldata-client --example screen_pop -- 1 1 1001
//! ```

#![allow(clippy::print_stdout, reason = "an example program prints its result")]

use std::process::ExitCode;

use calldata_client::model::AgentFields;
use calldata_client::{AgentKey, BasicCallInfo, CallKey, Client, Error};

/// The call the agent is on now, with its basic information; `None` when it has none.
///
/// An agent may have several calls (one talking, one held); the first listed is the one
/// that started first.
pub async fn screen_pop(
    client: &Client,
    agent: &AgentKey,
) -> Result<Option<(CallKey, BasicCallInfo)>, Error> {
    let calls = client.agent_calls(agent).await?;
    let Some(call_id) = calls.first() else {
        return Ok(None);
    };
    let key = calldata_client::model::QueryBasicCallInfo::new(
        i64::from(agent.cc_id.get()),
        i64::from(agent.vdn.get()),
        call_id.as_str(),
    )
    .to_call_key()?;
    match client.query(&key).await {
        Ok(call) => Ok(Some((key, call))),
        // The call ended between the two questions: the agent is free now.
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// The lines a screen-pop shows.
pub fn describe(agent: AgentKey, found: Option<&(CallKey, BasicCallInfo)>) -> String {
    match found {
        None => format!("agent {} has no call", agent.agent_id),
        Some((key, call)) => format!(
            "agent {} is on call {}\ncaller: {}\ncalled: {}\nskill: {}\nwaited: {} s",
            agent.agent_id,
            key.call_id,
            call.calling_num,
            call.called_num,
            call.call_skill,
            call.wait_time.unwrap_or(0)
        ),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<i64> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let [cc_id, vdn, agent_id] = args.as_slice() else {
        eprintln!("usage: screen_pop <ccId> <vdn> <agentId>");
        return ExitCode::from(2);
    };
    let agent = match AgentFields::new(*cc_id, *vdn, *agent_id).to_agent_key() {
        Ok(agent) => agent,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let Ok(url) = std::env::var("CALLDATA_URL") else {
        eprintln!("set CALLDATA_URL, e.g. https://127.0.0.1:8443");
        return ExitCode::from(2);
    };
    let mut builder = Client::builder().base_url(url).credentials_from_env();
    if let Some(ca) = std::env::var_os("CALLDATA_CA_CERT") {
        builder = builder.ca_cert_file(ca);
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    match screen_pop(&client, &agent).await {
        Ok(found) => {
            println!("{}", describe(agent, found.as_ref()));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
