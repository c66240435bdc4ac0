//! The startup banner: where the server listens, which key to use, where the CA is, a few
//! calls that exist and one ready-to-paste query.

use std::fmt::Write as _;
use std::time::SystemTime;

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_model::auth::{Credentials, sign_json_post};
use secrecy::ExposeSecret;

use crate::startup::StartupInfo;

/// The banner text.
pub fn render(info: &StartupInfo, example: Example) -> String {
    let scheme = if info.tls { "https" } else { "http" };
    let host = if info.address.ip().is_unspecified() {
        format!("127.0.0.1:{}", info.address.port())
    } else {
        info.address.to_string()
    };
    let url = format!("{scheme}://{host}");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "calldata-server {} listening on {url}",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        out,
        "  call source : {} ({} calls)",
        info.source, info.calls
    );
    if let Some(live) = &info.live {
        let clock = if live.manual_clock {
            "manual clock: it moves only through POST /sandbox/v1/clock"
        } else {
            "system clock"
        };
        let _ = writeln!(
            out,
            "  live center : {} VDNs, {} agents, {} calls a minute arrive ({clock})",
            live.vdns, live.agents, live.arrivals_per_minute
        );
    }
    if info.sandbox {
        let _ = writeln!(
            out,
            "  sandbox API : {url}/sandbox/v1/calls  {url}/sandbox/v1/agents"
        );
        if info.live.is_some() {
            let _ = writeln!(
                out,
                "                {url}/sandbox/v1/clock  {url}/sandbox/v1/simulation"
            );
        }
    }
    let _ = writeln!(
        out,
        "  health      : {url}/healthz  {url}/readyz  {url}/metrics  {url}/openapi.json"
    );
    if let Some(ca) = &info.ca_cert {
        let _ = writeln!(out, "  CA cert     : {}", ca.display());
    }
    if let Some(key) = &info.demo_key {
        let _ = writeln!(out, "  access key  : {}", key.access_key);
        let _ = writeln!(
            out,
            "  secret key  : in {} (mode 0600)",
            key.secret_key_path.display()
        );
    }
    write_calls(&mut out, info);
    if let Some(call) = info.sample_calls.first() {
        let _ = writeln!(
            out,
            "  query it    : cargo run -q -p calldata-client --features cli --bin calldata -- query --cc-id {} --vdn {} --call-id {}",
            call.cc_id, call.vdn, call.call_id
        );
    }
    if let Some(agent) = &info.sample_agent {
        let _ = writeln!(
            out,
            "  demo agent  : ccId {} vdn {} agentId {}: cargo run -q -p calldata-client --features cli --bin calldata -- agent-calls --cc-id {} --vdn {} --agent-id {}",
            agent.cc_id, agent.vdn, agent.agent_id, agent.cc_id, agent.vdn, agent.agent_id
        );
    }
    if let (Example::SignedCurl, Some(key), Some(call)) =
        (example, &info.demo_key, info.sample_calls.first())
    {
        let _ = write!(out, "{}", signed_curl(info, key, call, &host, &url));
    }
    out
}

/// The banner's lines of calls to try: the live center's examples with how long they
/// last, or the snapshot's first calls.
fn write_calls(out: &mut String, info: &StartupInfo) {
    match &info.live {
        Some(live) if live.examples.is_empty() => {
            // A replica of a shared center learns its examples once it has joined it.
            let _ = writeln!(
                out,
                "  demo calls  : shared with the other replicas; GET /sandbox/v1/simulation \
                 lists the example calls once this replica has joined (/readyz 200)"
            );
        }
        Some(live) => {
            for example in &live.examples {
                let _ = writeln!(
                    out,
                    "  demo call   : ccId {} vdn {} callId {} talking with agent {}: in progress \
                     until {} ({} minutes from the start)",
                    example.key.cc_id,
                    example.key.vdn,
                    example.key.call_id,
                    example.agent.agent_id,
                    utc_time(example.ends_ms),
                    ((example.ends_ms - live.started_ms).max(0) + 59_999) / 60_000
                );
            }
        }
        None => {
            for call in &info.sample_calls {
                let _ = writeln!(
                    out,
                    "  demo call   : ccId {} vdn {} callId {}",
                    call.cc_id, call.vdn, call.call_id
                );
            }
        }
    }
}

/// `HH:MM:SS UTC` of epoch milliseconds.
fn utc_time(ms: i64) -> String {
    let format = time::macros::format_description!("[hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_default()
}

/// Whether the banner may show a signed `curl` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Example {
    /// Yes: stdout is a terminal, seen only by the person who started the server.
    SignedCurl,
    /// No: stdout may be a log, and a signature is replayable within its window.
    CommandOnly,
}

fn signed_curl(
    info: &StartupInfo,
    key: &crate::data_dir::DemoKey,
    call: &calldata_model::CallKey,
    host: &str,
    url: &str,
) -> String {
    let body = format!(
        r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
        call.cc_id, call.vdn, call.call_id
    );
    let credentials = Credentials::new(
        key.access_key.clone(),
        key.secret_key.expose_secret().to_owned(),
    );
    let Ok(authorization) = sign_json_post(
        &credentials,
        host,
        QUERY_BASIC_CALL_INFO_PATH,
        body.as_bytes(),
        SystemTime::now(),
    ) else {
        return String::new();
    };
    let cacert = info
        .ca_cert
        .as_ref()
        .map(|ca| format!("--cacert '{}' ", ca.display()))
        .unwrap_or_default();
    format!(
        "  or with curl (signature valid for {} s):\n    curl -s {cacert}-H 'Content-Type: application/json;charset=UTF-8' \\\n      \
         -H 'Authorization: {}' \\\n      -d '{body}' {url}{QUERY_BASIC_CALL_INFO_PATH}\n",
        info.signature_window_secs, authorization
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact_center::LiveInfo;
    use crate::data_dir::DemoKey;
    use secrecy::SecretString;

    fn info() -> StartupInfo {
        let call = calldata_model::QueryBasicCallInfo::new(1, 2, "1764536332974-0")
            .to_call_key()
            .unwrap();
        StartupInfo {
            address: "127.0.0.1:8443".parse().unwrap(),
            tls: true,
            demo_key: Some(DemoKey {
                access_key: "calldata-demo-1".into(),
                secret_key: SecretString::from("s3cr3t-value".to_owned()),
                secret_key_path: "/data/demo-secret-key".into(),
            }),
            ca_cert: Some("/data/tls/ca.pem".into()),
            source: "embedded",
            calls: 1000,
            sample_calls: vec![call],
            sample_agent: calldata_model::AgentFields::new(1, 2, 1001)
                .to_agent_key()
                .ok(),
            sandbox: true,
            live: None,
            signature_window_secs: 900,
        }
    }

    #[test]
    fn a_live_center_is_described_with_its_examples_and_how_long_they_last() {
        let mut live = info();
        let key = live.sample_calls[0];
        let agent = live.sample_agent.unwrap();
        live.live = Some(LiveInfo {
            vdns: 6,
            agents: 240,
            arrivals_per_minute: 60.0,
            examples: vec![calldata_bms::simulation::ExampleCall {
                key,
                agent,
                ends_ms: 1_764_590_400_000 + 3_600_000,
            }],
            manual_clock: false,
            started_ms: 1_764_590_400_000,
        });
        let text = render(&live, Example::CommandOnly);
        assert!(
            text.contains("6 VDNs, 240 agents, 60 calls a minute"),
            "{text}"
        );
        assert!(
            text.contains("talking with agent 1001: in progress until 13:00:00 UTC (60 minutes"),
            "{text}"
        );
        assert!(text.contains("/sandbox/v1/clock"), "{text}");
    }

    #[test]
    fn the_banner_names_address_key_files_and_a_query_command_but_never_the_secret() {
        for example in [Example::SignedCurl, Example::CommandOnly] {
            let text = render(&info(), example);
            assert!(text.contains("https://127.0.0.1:8443"), "{text}");
            assert!(text.contains("calldata-demo-1"));
            assert!(
                text.contains("agent-calls --cc-id 1 --vdn 2 --agent-id 1001"),
                "{text}"
            );
            assert!(text.contains("/data/demo-secret-key"));
            assert!(text.contains("/data/tls/ca.pem"));
            assert!(text.contains("query --cc-id 1 --vdn 2 --call-id 1764536332974-0"));
            assert!(!text.contains("s3cr3t-value"));
        }
    }

    #[test]
    fn a_signed_curl_is_shown_only_on_a_terminal() {
        let terminal = render(&info(), Example::SignedCurl);
        assert!(
            terminal.contains("Authorization: auth-v2/calldata-demo-1/"),
            "{terminal}"
        );
        assert!(terminal.contains("valid for 900 s"));
        assert!(!render(&info(), Example::CommandOnly).contains("Authorization"));
    }
}
