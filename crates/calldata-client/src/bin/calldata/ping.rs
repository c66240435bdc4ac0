//! `calldata ping`: the signed health check. Sends a JSON object (`{}` unless told
//! otherwise), prints the server's echo of it, and succeeds only when the server accepted
//! the key and answered `UP`.

use calldata_client::{PING_PATH, Ping};
use clap::Args;

use crate::exit::Failure;
use crate::run::{self, Called};
use crate::settings::ConnectionArgs;

/// What `calldata ping --help` says above the options (the path is the model's).
pub(crate) fn long_about() -> String {
    format!(
        r#"Signed health check (POST {PING_PATH}).

Sends a JSON object, {{}} by default, signed like every request, and prints the server's
echo on stdout: {{"request":<the object as echoed, member order kept>,"status":"UP"}}.
Says on stderr whom it reached. Exits 0 when the server accepted the key and answered UP.

Examples:
  calldata ping
  calldata ping --say 'Hello world!'
  calldata ping --body '{{"say":"Hello world!","n":1}}' | jq .request"#
    )
}

/// The status of a platform that is up.
const UP: &str = "UP";

/// Arguments of `calldata ping`.
#[derive(Debug, Args)]
pub(crate) struct PingArgs {
    /// JSON object to send; the server echoes it back, member order kept
    #[arg(
        long,
        value_name = "JSON",
        default_value = "{}",
        conflicts_with = "say"
    )]
    body: String,
    /// Send {"say": TEXT}, the reference's example, without writing JSON
    #[arg(long, value_name = "TEXT")]
    say: Option<String>,
}

impl PingArgs {
    /// The object to send; anything but one JSON object is refused before sending.
    fn ping(&self) -> Result<Ping, Failure> {
        let ping = match &self.say {
            Some(text) => Ping::new(&serde_json::json!({ "say": text })),
            None => Ping::parse_object(self.body.as_bytes()),
        };
        ping.map_err(|invalid| {
            Failure::input(format!(
                "invalid --body, nothing was sent: {invalid}; pass one JSON object, e.g. --body '{{\"say\":\"Hello world!\"}}', or --say TEXT"
            ))
        })
    }
}

/// Sends one signed ping, prints the echo on stdout and says on stderr whom it reached.
pub(crate) async fn run(args: &PingArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let ping = args.ping()?;
    let Called {
        answer: echo,
        settings,
    } = run::call(connection, |client| async move { client.ping(&ping).await }).await?;
    // The echo writes its `request` as the server sent it, byte for byte, inside the
    // compact `{"request":...,"status":...}` the server writes.
    let json = serde_json::to_vec(&echo)
        .map_err(|e| Failure::other(format!("cannot write the echo: {e}")))?;
    run::write_json(json)?;
    if echo.status != UP {
        return Err(Failure::other(format!(
            "{} answered the ping with status {:?}, not {UP:?}: the platform is not up",
            settings.url.value, echo.status
        )));
    }
    eprintln!(
        "calldata: ok: {} is {UP} and accepted access key {}",
        settings.url.value, settings.credentials.value.access_key
    );
    Ok(())
}
