//! The shared runner of the subcommands that call the API: resolve the connection
//! settings, build the client, make the call, explain a failure with the settings it
//! happened under, and write the output. A subcommand file adds only its arguments, its
//! request and how it shows the answer.

use std::io::Write;

use calldata_client::{Client, Error};
use clap::Args;

use crate::exit::Failure;
use crate::settings::{ConnectionArgs, Settings};

/// `--json`, for a subcommand that shows its answer in a readable form by default.
#[derive(Debug, Args)]
pub(crate) struct JsonArg {
    /// Print the response body as received instead of the readable form
    #[arg(long)]
    pub(crate) json: bool,
}

/// An answer, and the settings it was obtained under (for the messages about it).
#[derive(Debug)]
pub(crate) struct Called<T> {
    pub(crate) answer: T,
    pub(crate) settings: Settings,
}

/// Resolves the settings, builds their client and makes one call with it; a client error
/// becomes the [`Failure`] that explains it (exit code and message).
pub(crate) async fn call<T, F, Fut>(
    connection: &ConnectionArgs,
    call: F,
) -> Result<Called<T>, Failure>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let settings = connection.resolve()?;
    let client = settings.client()?;
    match call(client).await {
        Ok(answer) => Ok(Called { answer, settings }),
        Err(error) => Err(Failure::from_client(&error, &settings)),
    }
}

/// Runs a subcommand that calls the API on a current-thread runtime: one request at a
/// time needs no more.
pub(crate) fn block_on(command: impl Future<Output = Result<(), Failure>>) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::other(format!("cannot start the async runtime: {e}")))?;
    let outcome = runtime.block_on(command);
    // The command is done: a task still blocked (a terminal read, a resolver) must not
    // keep the process from exiting.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    outcome
}

/// Writes a JSON body to stdout as it is, ending with a newline.
pub(crate) fn write_json(body: impl Into<Vec<u8>>) -> Result<(), Failure> {
    let mut body = body.into();
    if !body.ends_with(b"\n") {
        body.push(b'\n');
    }
    write_stdout(&body)
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
