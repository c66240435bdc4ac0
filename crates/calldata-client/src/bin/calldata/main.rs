//! `calldata`: query a call, sign a request by hand, or ping a CC-CMS server, from the
//! command line. With no URL or key given it uses a local `calldata-server`'s defaults.

mod exit;
mod ping;
mod query;
mod settings;
mod sign;
mod table;

use std::io::Write;
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
    /// Check that the server answers and accepts the key
    #[command(after_help = EXIT_CODES_HELP)]
    Ping,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("calldata: {failure}");
            failure.exit_code()
        }
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    if let Command::Sign(args) = &cli.command {
        return sign::run(args, &cli.connection);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::other(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        match &cli.command {
            Command::Query(args) => query::run(args, &cli.connection).await,
            Command::Ping => ping::run(&cli.connection).await,
            Command::Sign(args) => sign::run(args, &cli.connection),
        }
    })
}

/// Writes command output to stdout; a closed pipe is not worth a message.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::other(format!("cannot write the output: {e}"))),
    }
}
