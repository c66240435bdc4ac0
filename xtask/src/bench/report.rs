//! The bench report: `docs/performance.md` (tables of medians and ratios against the
//! targets) and the same figures as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::Target;
use super::oha::{CONNECTIONS, Measured};

/// One figure of issue 6 and whether it meets its target.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    name: &'static str,
    value: f64,
    shown: String,
    target: String,
    bound: f64,
    pass: bool,
}

impl Figure {
    /// A figure that must be at least `bound`.
    pub(crate) fn at_least(name: &'static str, value: f64, bound: f64, shown: String) -> Self {
        Self {
            name,
            value,
            shown,
            target: format!(">= {bound}"),
            bound,
            pass: value >= bound,
        }
    }

    /// A figure that must be at most `bound`.
    pub(crate) fn at_most(name: &'static str, value: f64, bound: f64, shown: String) -> Self {
        Self {
            name,
            value,
            shown,
            target: format!("<= {bound}"),
            bound,
            pass: value <= bound,
        }
    }

    /// The target written with a unit (`<= 20 MiB`).
    pub(crate) fn unit(mut self, unit: &str) -> Self {
        self.target.push(' ');
        self.target.push_str(unit);
        self
    }
}

/// Everything a run found, ready to be written.
#[derive(Debug)]
pub(crate) struct Report {
    quick: bool,
    rounds: usize,
    warmup: Duration,
    duration: Duration,
    /// `oha --version`.
    pub(crate) oha_version: String,
    /// Load average before the run.
    pub(crate) load_before: String,
    /// Load average after the run.
    pub(crate) load_after: String,
    /// Wall time of the whole run, seconds.
    pub(crate) wall_secs: u64,
    /// Every load run, by target, in round order.
    pub(crate) runs: BTreeMap<Target, Vec<Measured>>,
    /// The figures of issue 6.
    pub(crate) figures: Vec<Figure>,
    /// Raw values behind the non-load figures.
    pub(crate) extra: Vec<String>,
}

impl Report {
    /// An empty report of a run with this shape.
    pub(crate) fn new(quick: bool, rounds: usize, warmup: Duration, duration: Duration) -> Self {
        Self {
            quick,
            rounds,
            warmup,
            duration,
            oha_version: String::new(),
            load_before: String::new(),
            load_after: String::new(),
            wall_secs: 0,
            runs: BTreeMap::new(),
            figures: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// The figures table (Markdown).
    pub(crate) fn table(&self) -> String {
        let mut out = String::from("| figure | measured | target | result |\n|---|---|---|---|\n");
        for figure in &self.figures {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                figure.name,
                figure.shown,
                figure.target,
                if figure.pass { "pass" } else { "**FAIL**" }
            );
        }
        out
    }

    fn runs_table(&self) -> String {
        let mut out = String::from(
            "| target | what | median req/s | median p99 (ms) | req/s per round | p99 per round (ms) |\n\
             |---|---|---|---|---|---|\n",
        );
        for (target, runs) in &self.runs {
            let rps: Vec<f64> = runs.iter().map(|m| m.rps).collect();
            let p99: Vec<f64> = runs.iter().map(|m| m.p99_ms).collect();
            let list = |values: &[f64], digits: usize| {
                values
                    .iter()
                    .map(|v| format!("{v:.digits$}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.2} | {} | {} |",
                target.name(),
                target.describe(),
                super::median(&rps),
                super::median(&p99),
                list(&rps, 0),
                list(&p99, 2),
            );
        }
        out
    }

    /// The Markdown page and the JSON document.
    pub(crate) fn render(&self) -> (String, serde_json::Value) {
        let date = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let nproc = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
        let passed = self.figures.iter().filter(|f| f.pass).count();
        let mut md = String::new();
        let _ = writeln!(md, "# Performance\n");
        let _ = writeln!(
            md,
            "Written by `cargo xtask bench` (issue 6). Ratios are taken between targets \
             measured in the same round and the median over rounds is reported; absolute \
             figures are noise on this machine, ratios are what the targets bind.\n"
        );
        let _ = writeln!(md, "- command: `{}`", command_line());
        let _ = writeln!(md, "- date: {date}");
        let _ = writeln!(
            md,
            "- machine: nproc {nproc}; load average before {}, after {}",
            self.load_before, self.load_after
        );
        let _ = writeln!(
            md,
            "- load: {}, {CONNECTIONS} connections, keep-alive, {} s warm-up then {} s measured, \
             {} rounds alternating the order (A..E, E..A, ...), each against freshly started \
             processes{}",
            self.oha_version,
            self.warmup.as_secs(),
            self.duration.as_secs(),
            self.rounds,
            if self.quick { "; **quick run**" } else { "" }
        );
        let _ = writeln!(md, "- wall time of the run: {} s", self.wall_secs);
        let _ = writeln!(
            md,
            "\n## Figures ({passed} of {} targets met)\n",
            self.figures.len()
        );
        md.push_str(&self.table());
        let _ = writeln!(md, "\n## Load runs\n");
        md.push_str(&self.runs_table());
        let _ = writeln!(md, "\n## How each figure is measured\n");
        for note in NOTES {
            let _ = writeln!(md, "- {note}");
        }
        let _ = writeln!(md, "\n## Raw values of this run\n");
        for note in &self.extra {
            let _ = writeln!(md, "- {note}");
        }

        let json = serde_json::json!({
            "command": command_line(),
            "date": date,
            "nproc": nproc,
            "load_average_before": self.load_before,
            "load_average_after": self.load_after,
            "quick": self.quick,
            "rounds": self.rounds,
            "warmup_secs": self.warmup.as_secs(),
            "duration_secs": self.duration.as_secs(),
            "connections": CONNECTIONS,
            "oha": self.oha_version,
            "wall_secs": self.wall_secs,
            "figures": self.figures.iter().map(|f| serde_json::json!({
                "figure": f.name,
                "value": f.value,
                "shown": f.shown,
                "target": f.target,
                "bound": f.bound,
                "pass": f.pass,
            })).collect::<Vec<_>>(),
            "runs": self.runs.iter().map(|(target, runs)| (target.name().to_owned(), serde_json::json!(
                runs.iter().map(|m| serde_json::json!({"rps": m.rps, "p99_ms": m.p99_ms, "ok": m.ok})).collect::<Vec<_>>()
            ))).collect::<serde_json::Map<_, _>>(),
            "notes": self.extra,
        });
        (md, json)
    }
}

/// How this run was started.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("cargo xtask {}", args.join(" "))
}

/// How each figure is measured (the same in every run).
const NOTES: &[&str] = &[
    "Every server is the release `calldata-server` binary started with `--plain-http` (or \
     not, for HTTPS) `--log-filter warn --workers <nproc>` (the default: one per core) and a \
     TOML config holding one bench key (`[[keys]]`), on 127.0.0.1, with the default 1,000 \
     demo calls; every request queries the same demo call and is answered `0100000`.",
    "Pre-signing: each oha invocation sends one auth-v2 request signed just before it starts \
     (`content-length;content-type;host`). A signature stays valid for the 15-minute clock-skew \
     window, so replaying it is legitimate; signing cost is on the client side and not in the \
     server figures, while the server still verifies every request in full.",
    "Ceiling: `bench-ceiling` (xtask/src/bin), a bare actix-web app on the same route with the \
     same worker count that reads the POST body (an unread body loses keep-alive) and answers \
     the pre-serialized reference example (crates/calldata-model/tests/data/reference-response.json). \
     The server binary allocates with mimalloc; the ceiling keeps the system allocator, as a \
     bare actix-web app does (built with mimalloc it measured the same, 0.98 of itself, in \
     an A/B run of fresh processes).",
    "oha runs on the same two cores as the server, so every load figure shares the CPU with \
     the load generator; the same-round ratios cancel that out. Each round starts every \
     process afresh: where the kernel happens to place a process's threads holds for its \
     life and moves its req/s by 10-15% (see \"Per-process modes\" below), so one start \
     must not decide every round.",
    "Latency: the p99 of the saturating runs is oha's; at saturation it depends on how the \
     kernel shares the cores (see \"Scheduler regimes\" below). `ceiling-paced` and \
     `embedded-paced` ask both for half the ceiling's last measured req/s (`oha -q`, \
     `--latency-correction`: latency counted from when each request was due); their p99 \
     ratio is reported without a target.",
    "BMS: the server with `--backend bms --bms-url` in front of `bms-emulator` (no injected \
     faults), same demo calls; the adapter's single flight is on and its answer cache off (the \
     defaults).",
    "Single flight: `oha -n 100 -c 100` (100 concurrent identical signed queries) against a \
     `--backend bms` server whose emulator waits 200 ms per answer, so that the 100 queries \
     overlap the first one's BMS request; the figure is the worst increase of the emulator's \
     `/emulator/stats` `queries` counter over the attempts.",
    "Idle RSS and cold start: `bench-driver start-probe` spawns the HTTPS server (its generated \
     certificate already exists in the data directory), polls the signed query every 2 ms until \
     the first 200, and reads `VmRSS` from /proc/<pid>/status one second later; medians of \
     the starts.",
    "RSS per stored call: (RSS with `--demo-calls 1000000` − RSS with `--demo-calls 0`) / \
     1,000,000, each read one second after `/healthz` first answers 200.",
    "auth-v2 verify: criterion micro-bench `crates/calldata-model/benches/auth_verify.rs` \
     (the contract's query, three signed headers, a key registry of 101 keys), run with \
     `cargo bench -p calldata-model --bench auth_verify -- --output-format bencher`.",
    "Client: `bench-driver client-load`, one `calldata-client::Client` (no retries) shared by 64 \
     tokio tasks, each signing every request afresh (the signing key is derived once per \
     second, as the client always does), against the plain-HTTP embedded server; compared \
     with oha against the same server in the same round. The tasks run on a current-thread \
     runtime (`--runtime current-thread`, what `#[tokio::test]` gives): the client's tasks \
     and its connections then wake each other without crossing threads. `client-mt` runs \
     the same on tokio's multi-thread runtime (one worker per core, `#[tokio::main]`'s \
     default) and is reported without a target: its workers park and wake each other \
     (futex calls) on two cores shared with the server, which costs more CPU per query \
     than the query itself.",
];
