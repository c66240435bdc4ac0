//! `calldata`: query a call, sign a request by hand, or ping a CC-CMS server, from the
//! command line. With no URL or key given it uses a local `calldata-server`'s defaults.
//!
//! One file per subcommand; what the subcommands that call the API share (settings,
//! client, errors, output) is in `run.rs`.

mod cti_time;
mod exit;
mod ping;
mod query;
mod run;
mod settings;
mod sign;
mod table;

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
        Command::Sign(args) => sign::run(args, connection),
    }
}
