//! `calldata group-calls`: the calls of many agents at once (`agentgroup/queryagentcalls`),
//! one row per call with its status, direction and media type: a wallboard's view.

use calldata_model::{AgentCall, AgentGroupKey, QueryAgentGroupCalls};
use clap::Args;
use comfy_table::Table;

use crate::exit::Failure;
use crate::run::{self, JsonArg};
use crate::settings::ConnectionArgs;

/// Arguments of `calldata group-calls`.
#[derive(Debug, Args)]
pub(crate) struct GroupArgs {
    /// Call center ID (1-65535)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    cc_id: i64,
    /// VDN ID (1-5000)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    vdn: i64,
    /// Agent IDs, comma-separated, ranges allowed: 1001-1010,1099 (1 to 3000 agents)
    #[arg(long, value_parser = agent_list)]
    agents: AgentList,
    #[command(flatten)]
    output: JsonArg,
}

/// The agents asked for, in order.
#[derive(Debug, Clone)]
pub(crate) struct AgentList(pub(crate) Vec<i64>);

/// Reads `1001-1010,1099`; more than 3000 agents are refused before any request.
pub(crate) fn agent_list(text: &str) -> Result<AgentList, String> {
    let mut agents = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let number = |t: &str| {
            t.trim()
                .parse::<i64>()
                .map_err(|_| format!("{t:?} is not an agent ID"))
        };
        let (first, last) = match part.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => (number(part)?, number(part)?),
        };
        if last < first || last - first >= 3000 || agents.len() > 3000 {
            return Err(format!("{part}: at most 3000 agents, in ascending ranges"));
        }
        agents.extend(first..=last);
    }
    Ok(AgentList(agents))
}

/// The agents of one VDN the arguments name; nothing is sent when they are invalid.
pub(crate) fn group_key(
    cc_id: i64,
    vdn: i64,
    agents: &AgentList,
) -> Result<AgentGroupKey, Failure> {
    QueryAgentGroupCalls::new(cc_id, vdn, agents.0.iter().copied())
        .to_group_key()
        .map_err(|invalid| {
            Failure::input(format!(
                "invalid input, nothing was sent: {invalid}; fix --cc-id (1-65535), --vdn (1-5000) or --agents (1 to 3000 IDs, 101-59999 or 70000-999999)"
            ))
        })
}

/// Asks for the agents' calls and prints them.
pub(crate) async fn run(args: &GroupArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let key = group_key(args.cc_id, args.vdn, &args.agents)?;
    let agents = run::call(connection, |client| {
        let key = key.clone();
        async move { client.agent_group_calls(&key).await }
    })
    .await?
    .answer;
    if args.output.json {
        return run::write_json(serde_json::to_vec(&agents).unwrap_or_default());
    }
    let mut table = Table::new();
    table.set_header(["agent", "call", "status", "direction", "media"]);
    for agent in &agents {
        let id = agent
            .agent_id
            .map_or_else(|| "-".to_owned(), |id| id.to_string());
        if agent.call_list.is_empty() {
            table.add_row([id.as_str(), "no call", "", "", ""]);
        }
        for call in &agent.call_list {
            let [status, direction, media] = described(call);
            table.add_row([id.clone(), call.call_id.clone(), status, direction, media]);
        }
    }
    run::write_stdout(format!("{table}\n").as_bytes())
}

/// A call's codes with their meaning.
fn described(call: &AgentCall) -> [String; 3] {
    let text = |value: Option<String>| value.unwrap_or_else(|| "-".to_owned());
    let media = match (call.media_type, call.submedia_type.as_str()) {
        (Some(media), "") => Some(media.to_string()),
        (Some(media), submedia) => Some(format!("{media}, sub-media {submedia}")),
        (None, _) => None,
    };
    [
        text(call.call_status.map(|v| v.to_string())),
        text(call.call_in_out.map(|v| v.to_string())),
        text(media),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_lists_take_ranges_and_single_ids() {
        assert_eq!(
            agent_list("1001-1003,1099").unwrap().0,
            [1001, 1002, 1003, 1099]
        );
        assert!(agent_list("1003-1001").is_err());
        assert!(agent_list("1001-9000").is_err());
        assert!(agent_list("abc").is_err());
    }
}
