//! The live contact center under the bench: a server simulating about 10,000 calls in
//! progress with 50 arrivals a second and 100,000 records kept, what its simulation costs
//! in CPU, and the requests the live targets send to it.

use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};
use calldata_model::auth::{Credentials, SignableRequest, SigningOptions, sign};
use calldata_model::{CallKey, QueryBasicCallInfo, VdnCallsFields};

use super::procs::{self, Running};
use super::{BENCH_AK, BENCH_SK, Bench};

/// Calls arriving per minute: 50 a second.
const ARRIVALS_PER_MINUTE: u32 = 3_000;
/// Agents per VDN (six VDNs): enough for the calls to be talked rather than abandoned.
const AGENTS_PER_VDN: u32 = 2_000;
/// Mean seconds of talk: with the IVR and the rings, about 10,000 calls in progress.
const MEAN_TALK_SECS: u32 = 180;
/// Minutes of history simulated at start: 120,000 calls, so 100,000 records are kept.
const WARM_UP_MINUTES: u32 = 40;
/// Records kept.
pub(crate) const RECORDS: u32 = 100_000;

/// The settings of the live server (its keys and the simulation's size).
pub(crate) fn config_text() -> String {
    format!(
        "[[keys]]\naccess_key = \"{BENCH_AK}\"\nsecret_key = \"{BENCH_SK}\"\n\n\
         [embedded]\nmax_records = {RECORDS}\n\n\
         [embedded.simulation]\nagents_per_vdn = {AGENTS_PER_VDN}\n\
         arrivals_per_minute = {ARRIVALS_PER_MINUTE}.0\nmean_talk_secs = {MEAN_TALK_SECS}\n\
         warm_up_minutes = {WARM_UP_MINUTES}\n"
    )
}

/// What the live server answers about its simulation.
#[derive(Debug, Clone)]
pub(crate) struct LiveServer {
    /// The querybasiccallinfo body of an example call (in progress for an hour).
    pub(crate) call_body: String,
    /// The vdn/querycalls body of a page of 100 of VDN 1's records.
    pub(crate) page_body: String,
    /// Calls in progress at the start.
    pub(crate) calls_in_progress: u64,
}

impl Bench {
    /// Starts the live server and reads its example call from the sandbox.
    pub(crate) fn start_live(&self, name: &str) -> anyhow::Result<(Running, LiveServer)> {
        let address = procs::free_address()?;
        let mut args = self.server_args(address, true);
        // The live settings and the simulation instead of the bench's own and the snapshot.
        for (flag, value) in [
            ("--config", self.live_config.display().to_string()),
            ("--simulation", "true".to_owned()),
        ] {
            if let Some(at) = args.iter().position(|arg| arg == flag) {
                args[at + 1] = value;
            }
        }
        let running = Running::start(name, &self.bins.server, &args, address, &self.log(name))?;
        let status = signed_get(&running, "/sandbox/v1/simulation")?;
        let example: CallKey =
            serde_json::from_value(status["resultDesc"]["examples"][0]["key"].clone())
                .with_context(|| format!("no example call in {status}"))?;
        let now = calldata_bms::clock::system_now_ms();
        let today = now.div_euclid(86_400_000) * 86_400_000;
        let page =
            VdnCallsFields::new(1, 1, today - 86_400_000, today + 86_400_000 - 1).page(100, 0);
        Ok((
            running,
            LiveServer {
                call_body: serde_json::to_string(&QueryBasicCallInfo::from(example))?,
                page_body: serde_json::to_string(&page)?,
                calls_in_progress: status["resultDesc"]["callsInProgress"]
                    .as_u64()
                    .unwrap_or(0),
            },
        ))
    }

    /// The CPU the simulation takes, as a share of one core: the live server's CPU time
    /// over `window` with no request, less an idle snapshot server's over the same window.
    pub(crate) fn simulation_cost(&self, window: Duration) -> anyhow::Result<(f64, u64)> {
        let (live, server) = self.start_live("live-cost")?;
        let snapshot = self.start_server("snapshot-cost", true, &[])?;
        // Past the start's own work (the warm-up, the first ticks).
        std::thread::sleep(Duration::from_secs(2));
        let before = (cpu_seconds(&live)?, cpu_seconds(&snapshot)?);
        std::thread::sleep(window);
        let after = (cpu_seconds(&live)?, cpu_seconds(&snapshot)?);
        let live_share = (after.0 - before.0) / window.as_secs_f64();
        let idle_share = (after.1 - before.1) / window.as_secs_f64();
        eprintln!(
            "xtask: simulation of {} calls in progress: {live_share:.4} of a core (idle snapshot server {idle_share:.4})",
            server.calls_in_progress
        );
        Ok(((live_share - idle_share).max(0.0), server.calls_in_progress))
    }
}

/// A process's user and system CPU time so far, seconds (`/proc/<pid>/stat`, in the
/// kernel's fixed 100 ticks a second).
fn cpu_seconds(running: &Running) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", running.pid()))?;
    // Fields after the command name (which may hold spaces) and its closing parenthesis.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |at: usize| -> anyhow::Result<f64> {
        let text = fields.get(at).context("a short /proc stat line")?;
        Ok(text.parse::<f64>()?)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

/// A signed `GET` of a sandbox path on `running`, its JSON answer.
fn signed_get(running: &Running, path: &str) -> anyhow::Result<serde_json::Value> {
    let host = running.address.to_string();
    let headers = vec![("host", host.clone())];
    let request = SignableRequest {
        method: "GET",
        path,
        query: "",
        headers: &headers,
        body: b"",
    };
    let options = SigningOptions {
        signed_headers: vec!["host".to_owned()],
        ..SigningOptions::default()
    };
    let authorization = sign(
        &Credentials::new(BENCH_AK, BENCH_SK),
        &request,
        &options,
        SystemTime::now(),
    )?
    .authorization;
    let answer = procs::exchange(
        running.address,
        "GET",
        path,
        &[("authorization".to_owned(), authorization)],
        b"",
    )?;
    if answer.status != 200 {
        bail!("GET {path}: {} {}", answer.status, answer.body);
    }
    Ok(serde_json::from_str(&answer.body)?)
}
