//! `calldata agent-calls` and `calldata private-calls`: the call IDs an agent is handling
//! (`agent/queryagentcalls`) or has waiting in its private queue (`agent/agentprivatecall`).

use calldata_model::{AgentFields, AgentKey};
use clap::Args;
use comfy_table::Table;

use crate::exit::Failure;
use crate::run::{self, JsonArg};
use crate::settings::ConnectionArgs;

/// Arguments of both commands: one agent of one VDN.
#[derive(Debug, Args)]
pub(crate) struct AgentArgs {
    /// Call center ID (1-65535)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    cc_id: i64,
    /// VDN ID (1-5000)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    vdn: i64,
    /// Agent ID (101-59999 or 70000-999999)
    #[arg(long, allow_negative_numbers = true)]
    agent_id: i64,
    #[command(flatten)]
    output: JsonArg,
}

/// Which of the agent's calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    /// At the agent (queryagentcalls).
    Handling,
    /// In its private queue (agentprivatecall).
    PrivateQueue,
}

/// Asks for the agent's calls and prints them, one call ID a row (or the JSON array).
pub(crate) async fn run(
    args: &AgentArgs,
    which: Which,
    connection: &ConnectionArgs,
) -> Result<(), Failure> {
    let key = agent_key(args.cc_id, args.vdn, args.agent_id)?;
    let calls = run::call(connection, |client| async move {
        match which {
            Which::Handling => client.agent_calls(&key).await,
            Which::PrivateQueue => client.agent_private_calls(&key).await,
        }
    })
    .await?
    .answer;
    if args.output.json {
        return run::write_json(serde_json::to_vec(&calls).unwrap_or_default());
    }
    let what = match which {
        Which::Handling => "handling",
        Which::PrivateQueue => "in the private queue of",
    };
    if calls.is_empty() {
        return run::write_stdout(
            format!(
                "no call {what} agent {} (ccId {}, vdn {})\n",
                key.agent_id, key.cc_id, key.vdn
            )
            .as_bytes(),
        );
    }
    let mut table = Table::new();
    table.set_header([format!(
        "calls {what} agent {} (ccId {}, vdn {})",
        key.agent_id, key.cc_id, key.vdn
    )]);
    for call_id in calls {
        table.add_row([call_id]);
    }
    run::write_stdout(format!("{table}\n").as_bytes())
}

/// The agent the arguments name; nothing is sent when they are invalid.
pub(crate) fn agent_key(cc_id: i64, vdn: i64, agent_id: i64) -> Result<AgentKey, Failure> {
    AgentFields::new(cc_id, vdn, agent_id)
        .to_agent_key()
        .map_err(|invalid| {
            Failure::input(format!(
                "invalid input, nothing was sent: {invalid}; fix --cc-id (1-65535), --vdn (1-5000) or --agent-id (101-59999 or 70000-999999)"
            ))
        })
}
