//! `calldata`: query a call, an agent's calls or a call's detail, watch a VDN's agents and
//! queues, sign a request by hand, or ping a CC-CMS server, from the command line. With no
//! URL or key given it uses a local `calldata-server`'s defaults.
//!
//! One file per subcommand; what the subcommands that call the API share (settings,
//! client, errors, output) is in `run.rs`.

mod agent_calls;
mod conform;
mod cti_time;
mod detail;
mod exit;
mod group_calls;
mod ping;
mod query;
mod record;
mod run;
mod settings;
mod sign;
mod table;
mod track;
mod vdn_calls;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit::{EXIT_CODES_HELP, Failure};
use crate::settings::ConnectionArgs;

/// Query basic information about a call in progress on a CC-CMS (querybasiccallinfo).
#[derive(Debug, Parser)]
#[command(name = "calldata", version, after_help = EXIT_CODES_HELP)]
struct Cli {
    #[command(flatten)]
    connection: ConnectionArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Query one call in progress and print it as a table (or --json)
    #[command(after_help = EXIT_CODES_HELP)]
    Query(query::QueryArgs),
    /// Print the Authorization header of a request (and with --curl, a curl command)
    Sign(sign::SignArgs),
    /// Signed health check: send a JSON object, print the server's echo of it
    #[command(long_about = ping::long_about(), after_help = EXIT_CODES_HELP)]
    Ping(ping::PingArgs),
    /// The CTI server's clock (ctiservertime) and this machine's offset from it
    #[command(after_help = EXIT_CODES_HELP)]
    CtiTime(cti_time::CtiTimeArgs),
    /// The IDs of the calls an agent is handling (agent/queryagentcalls)
    #[command(after_help = EXIT_CODES_HELP)]
    AgentCalls(agent_calls::AgentArgs),
    /// The IDs of the calls in an agent's private queue (agent/agentprivatecall)
    #[command(after_help = EXIT_CODES_HELP)]
    PrivateCalls(agent_calls::AgentArgs),
    /// Many agents' calls with their status and media (agentgroup/queryagentcalls)
    #[command(after_help = EXIT_CODES_HELP)]
    GroupCalls(group_calls::GroupArgs),
    /// One call in progress in detail (querydetailcallinfo), as a table (or --json)
    #[command(after_help = EXIT_CODES_HELP)]
    Detail(detail::DetailArgs),
    /// The record of a call, also after it ended (querycalldetailbyid)
    #[command(after_help = EXIT_CODES_HELP)]
    Record(record::RecordArgs),
    /// The calls of a VDN that ended within a window (vdn/querycalls, v2 with --direction)
    #[command(after_help = EXIT_CODES_HELP)]
    VdnCalls(vdn_calls::VdnCallsArgs),
    /// A call's track after it ended: every device it passed through (querycalltracedetail)
    #[command(after_help = EXIT_CODES_HELP)]
    Track(track::TrackArgs),
    /// Check a CC-CMS endpoint against the contract (reads only; exit 1 when a check fails)
    #[command(after_help = EXIT_CODES_HELP)]
    Conform(conform::ConformArgs),
    /// A wallboard of one VDN, refreshed every second: its agents, their calls and the queues
    #[command(after_help = EXIT_CODES_HELP)]
    Watch(watch::WatchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("calldata: {failure}");
            failure.exit_code()
        }
    }
}

/// Runs the subcommand; only those that call the API start a runtime.
fn dispatch(cli: &Cli) -> Result<(), Failure> {
    let connection = &cli.connection;
    match &cli.command {
        Command::Query(args) => run::block_on(query::run(args, connection)),
        Command::Ping(args) => run::block_on(ping::run(args, connection)),
        Command::CtiTime(args) => run::block_on(cti_time::run(args, connection)),
        Command::AgentCalls(args) => run::block_on(agent_calls::run(
            args,
            agent_calls::Which::Handling,
            connection,
        )),
        Command::PrivateCalls(args) => run::block_on(agent_calls::run(
            args,
            agent_calls::Which::PrivateQueue,
            connection,
        )),
        Command::GroupCalls(args) => run::block_on(group_calls::run(args, connection)),
        Command::Detail(args) => run::block_on(detail::run(args, connection)),
        Command::Record(args) => run::block_on(record::run(args, connection)),
        Command::VdnCalls(args) => run::block_on(vdn_calls::run(args, connection)),
        Command::Track(args) => run::block_on(track::run(args, connection)),
        Command::Conform(args) => run::block_on(conform::run(args, connection)),
        Command::Watch(args) => run::block_on(watch::run(args, connection)),
        Command::Sign(args) => sign::run(args, connection),
    }
}
