//! `calldata-attack`: runs one connection-level attack against a server on loopback and
//! prints its report as one JSON line. The tests start it as a separate process when an
//! attack needs more descriptors than one process may open.
//!
//! Usage: `calldata-attack MODE SERVER SECONDS CONNECTIONS [SOURCE_IP] [ARG]`, MODE one of
//! `half-open`, `slow-loris` (ARG: ms between bytes, 0 for one byte and silence),
//! `unread-pipeline` (ARG: requests per connection).

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use calldata_e2e::attack::{self, AttackTarget};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(report) => {
            #[allow(clippy::print_stdout)] // the report is the binary's output
            {
                println!("{report}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("calldata-attack: {error}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: &[String]) -> Result<String, calldata_testkit::Failure> {
    let [mode, server, seconds, connections, rest @ ..] = args else {
        return Err(
            "usage: calldata-attack MODE SERVER SECONDS CONNECTIONS [SOURCE_IP] [ARG]".into(),
        );
    };
    let source = match rest.first().map(String::as_str) {
        None | Some("-") => None,
        Some(ip) => Some(ip.parse::<IpAddr>()?),
    };
    let arg: u64 = rest.get(1).map_or(Ok(0), |a| a.parse())?;
    let target = AttackTarget {
        server: server.parse::<SocketAddr>()?,
        source,
        duration: Duration::from_secs(seconds.parse()?),
        receive_buffer: (mode == "unread-pipeline").then_some(4096),
    };
    let connections: usize = connections.parse()?;
    let report = match mode.as_str() {
        "half-open" => attack::half_open(target, connections).await,
        "slow-loris" => {
            let trickle = (arg > 0).then(|| Duration::from_millis(arg));
            attack::slow_loris(target, connections, trickle).await
        }
        "unread-pipeline" => {
            let requests = usize::try_from(arg.max(1))?;
            attack::unread_pipeline(target, connections, requests, "/openapi.json", None).await
        }
        other => return Err(format!("unknown mode {other:?}").into()),
    };
    Ok(serde_json::to_string(&report)?)
}
