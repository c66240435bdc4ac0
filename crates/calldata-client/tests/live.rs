//! The live contact center through the client, against the real server on a manual clock
//! moved by the sandbox: for any seed and any clock steps, what the real-time interfaces
//! showed of a call and what the record interfaces show after it ended agree (family.md
//! section 10).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

#[allow(dead_code)] // each test file uses part of the helpers
mod support;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use calldata_client::{
    AgentGroupKey, CallDirection, CallKey, CallRecordKey, Client, Credentials, RetryPolicy,
    TrackKey,
};
use calldata_model::auth::TimestampPrecision;
use calldata_model::{AgentId, CallId, CallStatus, CcId, Vdn};
use calldata_server::config::ClockKind;
use proptest::prelude::*;

use support::{AK, RealServer, SK, spawn_server};

/// 2025-12-01T10:00:00Z, where the manual clock starts.
const START: i64 = 1_764_583_200_000;

/// Agents per VDN of the small center (VDNs 1 and 2 of ccId 1).
const AGENTS: i64 = 8;

fn live_server(seed: u64) -> RealServer {
    spawn_server(|s| {
        s.embedded.simulation.enabled = true;
        s.embedded.simulation.seed = seed;
        s.embedded.simulation.vdns = vec![(1, 1), (1, 2)];
        s.embedded.simulation.agents_per_vdn = u32::try_from(AGENTS).unwrap();
        s.embedded.simulation.arrivals_per_minute = 20.0;
        s.embedded.simulation.warm_up_minutes = 2;
        s.embedded.simulation.example_calls = 1;
        s.embedded.clock = ClockKind::Manual;
        s.embedded.clock_start_ms = Some(START);
    })
}

fn client(server: &RealServer) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::new(AK, SK))
        .ca_cert_file(server.ca_cert())
        .retry_policy(RetryPolicy::new(
            0,
            Duration::from_millis(1),
            Duration::from_millis(1),
        ))
        .build()
        .unwrap()
}

/// Moves the server's manual clock `by_ms` forward through the sandbox.
async fn advance(server: &RealServer, by_ms: i64) {
    let body = format!(r#"{{"advanceMs":{by_ms}}}"#);
    let auth = server.authorization_with(
        AK,
        SK,
        ("POST", "/sandbox/v1/clock", &body),
        SystemTime::now(),
        TimestampPrecision::Milliseconds,
    );
    let response = server
        .send_signed(reqwest::Method::POST, "/sandbox/v1/clock", &body, &auth)
        .await;
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["resultCode"], "0100000", "{answer}");
}

/// What was seen of a call while it was in progress.
#[derive(Debug, Default)]
struct Seen {
    direction: Option<CallDirection>,
    agents: Vec<i64>,
    talked: i64,
    in_system: i64,
}

/// Looks at every agent of both VDNs through agentgroup/queryagentcalls, and at each call
/// at one through querybasiccallinfo.
async fn look(client: &Client, seen: &mut HashMap<CallKey, Seen>) {
    for vdn in [1, 2] {
        let group = AgentGroupKey {
            cc_id: CcId::new(1).unwrap(),
            vdn: Vdn::new(vdn).unwrap(),
            agent_ids: (1001..1001 + AGENTS)
                .map(|id| AgentId::new(id).unwrap())
                .collect(),
        };
        for agent in client.agent_group_calls(&group).await.unwrap() {
            for call in &agent.call_list {
                if call.call_status == Some(CallStatus::QueuedPrivately) {
                    continue;
                }
                let key = CallKey {
                    cc_id: group.cc_id,
                    vdn: group.vdn,
                    call_id: CallId::parse(&call.call_id).unwrap(),
                };
                let Ok(basic) = client.query(&key).await else {
                    continue;
                };
                let entry = seen.entry(key).or_default();
                entry.direction = call.call_in_out;
                let agent_id = agent.agent_id.unwrap();
                entry.agents.push(agent_id);
                entry.talked = entry.talked.max(basic.total_talking_times.unwrap_or(0));
                entry.in_system = entry.in_system.max(basic.logon_times.unwrap_or(0));
                assert_eq!(basic.device_no, Some(agent_id));
            }
        }
    }
}

/// Every call seen that is no longer in progress has a record no shorter than what was
/// shown and a track through every agent it was seen at; returns how many were checked.
async fn check_records(client: &Client, seen: &HashMap<CallKey, Seen>, now: i64) -> usize {
    let mut checked = 0;
    for (key, shown) in seen {
        if client.query(key).await.is_ok() {
            continue;
        }
        let record_key = CallRecordKey {
            cc_id: key.cc_id,
            direction: shown.direction.unwrap_or(CallDirection::Inbound),
            call_id: key.call_id,
        };
        let record = client.call_detail_record(&record_key).await.unwrap();
        assert!(record.call_time >= shown.talked, "{record:?} {shown:?}");
        assert!(
            record.total_seconds() >= shown.in_system,
            "{record:?} {shown:?}"
        );
        let track = client
            .call_track(&TrackKey {
                cc_id: key.cc_id,
                vdn: key.vdn,
                call_id: key.call_id,
                log_date_ms: now,
            })
            .await
            .unwrap();
        for agent in &shown.agents {
            assert!(
                track
                    .iter()
                    .any(|r| r.device_type == 2 && r.device_no == agent.to_string()),
                "agent {agent} not on the track {track:?}"
            );
        }
        let spans: i64 = track
            .iter()
            .map(|r| r.call_end / 1000 - r.wait_begin / 1000)
            .sum();
        assert_eq!(spans, record.total_seconds(), "{track:?} {record:?}");
        checked += 1;
    }
    checked
}

proptest! {
    // Each case starts a server: a few seeds and step sequences say enough.
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn what_the_real_time_views_showed_agrees_with_the_records_for_any_seed_and_steps(
        seed in any::<u64>(),
        steps in proptest::collection::vec(5_000i64..120_000, 3..8),
    ) {
        let server = live_server(seed);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let client = client(&server);
            let mut seen = HashMap::new();
            let mut now = START;
            look(&client, &mut seen).await;
            for step in &steps {
                advance(&server, *step).await;
                now += step;
                look(&client, &mut seen).await;
            }
            // Long enough for every call seen (but the hour-long example) to end.
            advance(&server, 30 * 60_000).await;
            now += 30 * 60_000;
            let checked = check_records(&client, &seen, now).await;
            assert!(checked > 0, "no call seen at an agent ended: {seen:?}");
        });
    }
}
