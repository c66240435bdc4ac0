//! `calldata watch` against the real server: the `--once` frame (with no setup, through a
//! local server's data directory; with `--agents`, against a server without the sandbox),
//! its refusals, and the live wallboard in tmux: it shows the VDN's agents, follows the
//! changes made through the sandbox, and quits on q with status 0, the terminal restored.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

#[path = "support/cli.rs"]
mod cli_support;
#[allow(dead_code)] // each test file uses part of the helpers
mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use calldata_bms::embedded::demo::IDLE_DEMO_AGENTS;
use calldata_bms::embedded::{CallRecord, Placement, demo_records};
use calldata_model::{CallStatus, CcId, DeviceType, Vdn};
use predicates::str::contains;

use cli_support::{calldata, calldata_at};
use support::{AK, DEMO, RealServer, SK, existing_call, spawn_default_server, spawn_server};

/// The demo VDN the tests watch: the first demo call's.
fn demo_vdn() -> (CcId, Vdn) {
    let (key, _) = existing_call();
    (key.cc_id, key.vdn)
}

/// `--cc-id <c> --vdn <v>`.
fn vdn_args((cc_id, vdn): (CcId, Vdn)) -> [String; 4] {
    [
        "--cc-id".into(),
        cc_id.to_string(),
        "--vdn".into(),
        vdn.to_string(),
    ]
}

/// The demo records of a VDN with where each call is.
fn placed((cc_id, vdn): (CcId, Vdn)) -> Vec<(CallRecord, Placement)> {
    demo_records(&DEMO)
        .filter(|record| (record.key.cc_id, record.key.vdn) == (cc_id, vdn))
        .map(|record| {
            let placement = record.extras.placement(&record.call).unwrap();
            (record, placement)
        })
        .collect()
}

/// An agent of the demo VDN with exactly one call at it, and that call's ID: its row
/// shows that call.
fn demo_agent(vdn: (CcId, Vdn)) -> (u32, String) {
    let at_agents: Vec<(u32, String)> = placed(vdn)
        .into_iter()
        .filter_map(|(record, placement)| match placement {
            Placement::Agent(agent, _) => Some((agent.get(), record.key.call_id.to_string())),
            _ => None,
        })
        .collect();
    at_agents
        .iter()
        .find(|(agent, _)| at_agents.iter().filter(|(a, _)| a == agent).count() == 1)
        .cloned()
        .expect("the demo VDN has an agent with one call")
}

/// The agents the demo signs in in a VDN: those with calls at them or in their private
/// queues, and the idle demo agents.
fn demo_agents(vdn: (CcId, Vdn)) -> BTreeSet<u32> {
    placed(vdn)
        .into_iter()
        .filter_map(|(_, placement)| match placement {
            Placement::Agent(agent, _) | Placement::PrivateQueue(agent) => Some(agent.get()),
            Placement::Elsewhere => None,
        })
        .chain(IDLE_DEMO_AGENTS)
        .collect()
}

/// How many demo calls of a VDN wait in a skill queue.
fn demo_queued(vdn: (CcId, Vdn)) -> usize {
    placed(vdn)
        .iter()
        .filter(|(record, _)| {
            record.call.device_type == Some(DeviceType::SkillQueue)
                && record.extras.call_status == Some(CallStatus::QueuedInSkill)
        })
        .count()
}

/// The frame `command` prints, which must succeed.
fn frame_of(command: &mut assert_cmd::Command) -> String {
    let output = command.assert().success().get_output().stdout.clone();
    String::from_utf8(output).unwrap()
}

/// Whether a line of `screen` is the agents table's row of `agent` and holds all of `cells`.
fn has_row(screen: &str, agent: u32, cells: &[&str]) -> bool {
    screen.lines().any(|line| {
        line.starts_with(&format!("│{agent} "))
            && cells.iter().all(|cell| line.contains(&format!(" {cell} ")))
    })
}

#[test]
fn once_prints_the_vdns_agents_and_queues_with_no_setup() {
    // No keys configured: the server creates its demo key and CA in its data directory,
    // where the CLI finds them.
    let server = spawn_server(|settings| settings.keys.clear());
    let vdn = demo_vdn();
    let (agent, call) = demo_agent(vdn);
    let frame = frame_of(
        calldata()
            .env("CALLDATA_DATA_DIR", server.data_dir.path())
            .env("CALLDATA_URL", &server.base_url)
            .arg("watch")
            .args(vdn_args(vdn))
            .arg("--once"),
    );
    assert!(
        frame.starts_with(&format!(
            "calldata watch · {} · ccId {} · vdn {} · refreshed ",
            server.base_url, vdn.0, vdn.1
        )),
        "{frame}"
    );
    let agents = demo_agents(vdn);
    assert!(
        frame.contains(&format!("agents signed in: {} ·", agents.len())),
        "{frame}"
    );
    assert!(has_row(&frame, agent, &[&call]), "{frame}");
    // Every agent has its row; an idle demo agent's says so.
    for id in &agents {
        assert!(has_row(&frame, *id, &[]), "no row of agent {id}:\n{frame}");
    }
    assert!(has_row(&frame, 101, &["idle"]), "{frame}");
    assert!(
        frame.contains(&format!("queued: {} in skill queues ·", demo_queued(vdn))),
        "{frame}"
    );
    assert!(frame.contains("│IVR "), "{frame}");
}

#[test]
fn once_with_named_agents_works_without_the_sandbox() {
    let server = spawn_server(|settings| settings.embedded.sandbox = false);
    let vdn = demo_vdn();
    let (agent, call) = demo_agent(vdn);
    let frame = frame_of(
        calldata_at(&server, AK, SK)
            .arg("watch")
            .args(vdn_args(vdn))
            .args(["--agents", &format!("{agent},4242"), "--once"]),
    );
    assert!(frame.contains("agents watched: 2 ·"), "{frame}");
    assert!(has_row(&frame, agent, &[&call]), "{frame}");
    // An agent the platform does not know has no call: idle.
    assert!(has_row(&frame, 4242, &["idle", "-"]), "{frame}");
    assert!(
        frame.contains("queues: not available from this endpoint"),
        "{frame}"
    );
}

#[test]
fn without_the_sandbox_or_named_agents_the_frame_says_what_is_missing() {
    let server = spawn_server(|settings| settings.embedded.sandbox = false);
    calldata_at(&server, AK, SK)
        .arg("watch")
        .args(vdn_args(demo_vdn()))
        .arg("--once")
        .assert()
        .success()
        .stdout(contains("agents: not available from this endpoint"))
        .stdout(contains("name them with --agents"))
        .stdout(contains("queues: not available from this endpoint"));
}

#[test]
fn bad_input_and_a_missing_terminal_exit_2_without_a_request() {
    let server = spawn_default_server();
    calldata_at(&server, AK, SK)
        .args(["watch", "--vdn", "0", "--once"])
        .assert()
        .code(2)
        .stderr(contains("vdn must be between 1 and 5000"));
    calldata_at(&server, AK, SK)
        .args(["watch", "--interval-ms", "5", "--once"])
        .assert()
        .code(2)
        .stderr(contains("--interval-ms"));
    // Live, it draws on a terminal; stdout here is a pipe.
    calldata_at(&server, AK, SK)
        .arg("watch")
        .assert()
        .code(2)
        .stderr(contains("pass --once"));
}

#[test]
fn once_fails_like_the_other_commands_when_the_server_refuses() {
    let server = spawn_default_server();
    calldata_at(&server, AK, "not-the-secret-key")
        .args(["watch", "--once"])
        .assert()
        .code(4)
        .stderr(contains("refused the signature"));
}

/// A tmux server of the test's own (its own socket), killed when dropped, so that a
/// failed test leaves no tmux server, wallboard or socket file behind.
struct Tmux {
    socket: String,
    config: PathBuf,
    /// Where tmux made the socket, once the server runs.
    socket_path: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

/// The session the wallboard runs in.
const SESSION: &str = "watch";

impl Tmux {
    /// A tmux server on a fresh socket whose panes stay after their program exits, so that
    /// its exit status can be read.
    fn new() -> Self {
        ensure_tmux();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("tmux.conf");
        std::fs::write(&config, "set-option -g remain-on-exit on\n").unwrap();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Self {
            socket: format!("calldata-watch-{}-{nanos}", std::process::id()),
            config,
            socket_path: None,
            _dir: dir,
        }
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Runs `program` with `args` in a detached 160x50 session.
    fn start(&mut self, program: &str, args: &[String]) {
        let mut command = vec![
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            "160",
            "-y",
            "50",
            program,
        ];
        command.extend(args.iter().map(String::as_str));
        self.tmux(&command);
        let path = self
            .tmux(&["display-message", "-p", "#{socket_path}"])
            .stdout;
        self.socket_path = Some(PathBuf::from(String::from_utf8(path).unwrap().trim()));
    }

    /// The pane's text as shown now.
    fn capture(&self) -> String {
        String::from_utf8(self.tmux(&["capture-pane", "-p", "-t", SESSION]).stdout).unwrap()
    }

    /// The exit status of the pane's program, once it has exited.
    fn exit_status(&self) -> Option<i32> {
        let output = self.tmux(&[
            "display-message",
            "-p",
            "-t",
            SESSION,
            "#{pane_dead} #{pane_dead_status}",
        ]);
        let text = String::from_utf8(output.stdout).unwrap();
        match text.trim().split_once(' ') {
            Some(("1", status)) => Some(status.parse().unwrap()),
            _ => None,
        }
    }

    fn send_keys(&self, keys: &str) {
        self.tmux(&["send-keys", "-t", SESSION, keys]);
    }

    /// Waits until the screen satisfies `done`, or fails showing the last screen.
    fn wait_for_screen(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.capture();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {what}; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Ends the wallboard too; a server already gone is fine.
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
        // tmux leaves the socket file of a killed server.
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Whether `tmux` runs here.
fn tmux_present() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Installs tmux with apt-get when it is missing and the test runs as root (as in CI);
/// otherwise fails saying what to install: the live wallboard is never left untested.
fn ensure_tmux() {
    if tmux_present() {
        return;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0");
    assert!(
        root,
        "tmux is missing and this user cannot install it: `apt-get install tmux`"
    );
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .is_ok_and(|output| output.status.success())
    };
    let install = || apt(&["install", "-y", "tmux"]);
    // The package lists may be missing or old on a fresh machine.
    let installed = install() || (apt(&["update"]) && install());
    assert!(
        installed && tmux_present(),
        "tmux is missing and `apt-get install -y tmux` did not install it"
    );
}

/// Sends a signed sandbox change and checks that it succeeded.
fn sandbox_change(server: &RealServer, method: &str, path_and_query: &str, body: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let auth = server.authorization(AK, SK, method, path_and_query, body);
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = runtime.block_on(server.send_signed(method, path_and_query, body, &auth));
    assert_eq!(response.status(), 200);
    let answer: serde_json::Value = runtime.block_on(response.json()).unwrap();
    assert_eq!(answer["resultCode"], "0100000", "{answer}");
}

#[test]
fn the_live_wallboard_follows_the_contact_center_and_quits_on_q() {
    let server = spawn_default_server();
    let vdn = demo_vdn();
    let (agent, call) = demo_agent(vdn);
    let signed_in = demo_agents(vdn).len();
    // An agent ID between the idle demo agents and the busy ones, so that its row is on
    // the first screen.
    let newcomer = 111;
    assert!(!demo_agents(vdn).contains(&newcomer));

    let mut tmux = Tmux::new();
    let mut args: Vec<String> = [
        "--url",
        &server.base_url,
        "--ak",
        AK,
        "--sk",
        SK,
        "--ca-cert",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(server.ca_cert().display().to_string());
    args.push("watch".into());
    args.extend(vdn_args(vdn));
    args.extend(["--interval-ms".into(), "200".into()]);
    tmux.start(env!("CARGO_BIN_EXE_calldata"), &args);

    let screen = tmux.wait_for_screen("the demo agent and its call", |screen| {
        has_row(screen, agent, &[&call])
    });
    assert!(
        screen.contains(&format!("agents signed in: {signed_in} ·")),
        "{screen}"
    );
    assert!(screen.contains("q or Ctrl-C quits"), "{screen}");

    // The call ends and an agent signs in: a later refresh shows both.
    let (cc_id, vdn_id) = vdn;
    sandbox_change(
        &server,
        "DELETE",
        &format!("/sandbox/v1/calls?ccId={cc_id}&vdn={vdn_id}&callId={call}"),
        "",
    );
    sandbox_change(
        &server,
        "POST",
        "/sandbox/v1/agents",
        &format!(r#"{{"ccId":{cc_id},"vdn":{vdn_id},"agentId":{newcomer}}}"#),
    );
    let screen = tmux.wait_for_screen("the ended call gone and the new agent", |screen| {
        !screen.contains(&call) && has_row(screen, newcomer, &["idle"])
    });
    assert!(has_row(&screen, agent, &["idle"]), "{screen}");
    assert!(
        screen.contains(&format!("agents signed in: {} ·", signed_in + 1)),
        "{screen}"
    );

    tmux.send_keys("q");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = tmux.exit_status() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "q did not end the wallboard; the screen shows:\n{}",
            tmux.capture()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status, 0, "the wallboard exited with {status}");
    // The alternate screen is left: the wallboard is no longer on the terminal.
    let after = tmux.capture();
    assert!(!after.contains("calldata watch ·"), "{after}");
}
