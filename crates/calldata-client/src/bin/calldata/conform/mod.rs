//! `calldata conform`: checks any CC-CMS endpoint (or a calldata-server) against the
//! contract of `docs/api.md`: each signature variant, each interface's envelope, field
//! order and JSON types, the validation codes, the HTTP refusals, and with
//! `--check-lockout` the lockout. It only reads, never faster than `--rate`.
//!
//! The answers are compared with the contract's own tables (`shape.rs`), not with this
//! workspace's server code.

mod checks;
mod expect;
mod probe;
mod report;
mod shape;

use std::path::PathBuf;

use clap::Args;

use crate::exit::Failure;
use crate::run;
use crate::settings::ConnectionArgs;
use checks::Target;
use report::Report;

/// Arguments of `calldata conform`.
#[derive(Debug, Args)]
pub(crate) struct ConformArgs {
    /// Call center ID to check with (1-65535)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    cc_id: i64,
    /// VDN ID to check with (1-5000)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    vdn: i64,
    /// A call in progress there [default: the first call at an agent of --agents]
    #[arg(long)]
    call_id: Option<String>,
    /// An agent there [default: the agent of that call]
    #[arg(long, allow_negative_numbers = true)]
    agent_id: Option<i64>,
    /// The agents asked about to find a call, when none is named: 1001-1100,2001
    #[arg(long, default_value = "1001-1100")]
    agents: String,
    /// Most requests per second
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// Also check the lockout: sends bad signatures until this address is locked out
    /// (then it cannot query the endpoint until the lock ends, 5 minutes by default)
    #[arg(long)]
    check_lockout: bool,
    /// Print the report as JSON instead of tables
    #[arg(long)]
    json: bool,
    /// Also write the report as `JUnit` XML to this file
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

/// Runs the checks; exits 0 only when none failed (1 otherwise; skips do not fail).
pub(crate) async fn run(args: &ConformArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    if !(0.1..=1000.0).contains(&args.rate) {
        return Err(Failure::input(
            "--rate must be between 0.1 and 1000 requests a second",
        ));
    }
    let agents = crate::group_calls::agent_list(&args.agents)
        .map_err(|problem| Failure::input(format!("invalid --agents: {problem}")))?
        .0;
    let settings = connection.resolve()?;
    let mut probe = probe::Probe::new(&settings, args.rate)?;
    let mut target = Target {
        cc_id: args.cc_id,
        vdn: args.vdn,
        call_id: args.call_id.clone(),
        agent_id: args.agent_id,
        agents,
        check_lockout: args.check_lockout,
    };
    let mut report = Report {
        url: settings.url.value.clone(),
        ..Report::default()
    };
    checks::run(&mut probe, &mut target, &mut report).await;
    if let Some(path) = &args.junit {
        std::fs::write(path, report.junit())
            .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))?;
    }
    if args.json {
        run::write_json(serde_json::to_vec(&report).unwrap_or_default())?;
    } else {
        run::write_stdout(report.tables().as_bytes())?;
    }
    match report.failures() {
        0 => Ok(()),
        failed => Err(Failure::conformance(format!(
            "{failed} contract checks failed against {}",
            settings.url.value
        ))),
    }
}
