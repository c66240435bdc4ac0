//! The family through the BMS adapter against the BMS emulator over real sockets:
//! `callinfo`, `queryagentCalls`, `agentprivatecall` and `queryctiservertime` answer what
//! the emulator's store holds, and share the faults, the breaker and single flight of
//! `querybasecallinfo`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

use std::time::{SystemTime, UNIX_EPOCH};

use calldata_bms::adapter::Fault;
use calldata_bms::embedded::{CallExtras, Placement};
use calldata_bms::{CallSource, DemoSettings, HttpBms, HttpBmsSettings, SourceError};
use calldata_bms_emulator::{EmulatorSettings, Faults, RunningEmulator};
use calldata_model::{AgentGroupKey, AgentKey, CallKey, CcId, QueryAgentGroupCalls};

const DEMO: DemoSettings = DemoSettings {
    count: 120,
    seed: 5,
};

async fn emulator() -> RunningEmulator {
    RunningEmulator::start(EmulatorSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        calls: calldata_bms_emulator::CallsSource::Demo(DEMO),
        faults: Faults::none(),
    })
    .await
    .unwrap()
}

fn adapter(emulator: &RunningEmulator) -> HttpBms {
    HttpBms::new(
        &HttpBmsSettings {
            url: emulator.base_url(),
            request_timeout_ms: 400,
            retry_backoff_ms: 1,
            breaker_failures: 100,
            ..HttpBmsSettings::default()
        },
        None,
    )
    .unwrap()
}

/// Every demo agent with a call, once.
fn busy_agents() -> Vec<AgentKey> {
    let mut agents: Vec<AgentKey> = calldata_bms::demo_records(&DEMO)
        .filter_map(|record| {
            let placement = CallExtras::placement(&record.extras, &record.call).ok()?;
            let agent_id = match placement {
                Placement::Agent(agent, _) | Placement::PrivateQueue(agent) => agent,
                Placement::Elsewhere => return None,
            };
            Some(AgentKey {
                cc_id: record.key.cc_id,
                vdn: record.key.vdn,
                agent_id,
            })
        })
        .collect();
    agents.sort_unstable();
    agents.dedup();
    agents
}

fn call_key(cc_id: i64, vdn: i64, call_id: &str) -> CallKey {
    calldata_model::QueryBasicCallInfo::new(cc_id, vdn, call_id)
        .to_call_key()
        .unwrap()
}

#[tokio::test]
async fn the_detail_of_a_call_is_the_emulators_and_a_call_not_in_progress_none() {
    let emulator = emulator().await;
    let bms = adapter(&emulator);
    for record in calldata_bms::demo_records(&DEMO).take(20) {
        assert_eq!(
            bms.detail_call(record.key).await.unwrap(),
            emulator.store().detail(&record.key),
            "{}",
            record.key.call_id
        );
    }
    assert_eq!(bms.detail_call(call_key(1, 1, "1-1")).await, Ok(None));
}

#[tokio::test]
async fn each_agents_calls_and_private_queue_are_the_emulators() {
    let emulator = emulator().await;
    let bms = adapter(&emulator);
    let agents = busy_agents();
    assert!(agents.len() > 10, "{}", agents.len());
    let store = emulator.store();
    for agent in &agents {
        assert_eq!(
            bms.agent_calls(*agent).await.unwrap(),
            store.agent_call_ids(agent, false),
            "{agent:?}"
        );
        assert_eq!(
            bms.agent_private_calls(*agent).await.unwrap(),
            store.agent_call_ids(agent, true),
            "{agent:?}"
        );
    }
    // The group of all of them, in reverse order, with an idle agent in front.
    let first = agents[0];
    let mut ids = vec![101];
    ids.extend(
        agents
            .iter()
            .rev()
            .filter(|a| a.cc_id == first.cc_id && a.vdn == first.vdn)
            .map(|a| i64::from(a.agent_id.get())),
    );
    let group: AgentGroupKey = QueryAgentGroupCalls::new(
        i64::from(first.cc_id.get()),
        i64::from(first.vdn.get()),
        ids,
    )
    .to_group_key()
    .unwrap();
    let answered = bms.agent_group_calls(group.clone()).await.unwrap();
    assert_eq!(answered, store.group_calls(&group));
    assert!(answered.0[0].call_list.is_empty());
}

#[tokio::test]
async fn the_cti_time_is_the_emulators_clock() {
    let emulator = emulator().await;
    let bms = adapter(&emulator);
    let now = |()| {
        i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis(),
        )
        .unwrap()
    };
    let before = now(());
    let time = bms.cti_server_time(CcId::new(1).unwrap()).await.unwrap();
    assert!((before..=now(())).contains(&time), "{time}");
}

#[tokio::test]
async fn ret_codes_and_faults_mean_the_same_on_every_interface() {
    let emulator = emulator().await;
    let bms = adapter(&emulator);
    let agent = busy_agents()[0];
    let cc_id = CcId::new(1).unwrap();
    for (code, expected) in [
        ("2", SourceError::ParameterRejected),
        ("3", SourceError::CtiVersionUnsupported),
        ("7", SourceError::Unavailable(Fault::BmsFailure.message())),
    ] {
        let mut faults = Faults::none();
        faults.ret_code = Some(code.into());
        emulator.set_faults(faults).unwrap();
        assert_eq!(
            bms.agent_private_calls(agent).await,
            Err(expected.clone()),
            "{code}"
        );
        assert_eq!(
            bms.agent_calls(agent).await,
            Err(expected.clone()),
            "{code}"
        );
        assert_eq!(
            bms.cti_server_time(cc_id).await,
            Err(expected.clone()),
            "{code}"
        );
        assert_eq!(
            bms.detail_call(call_key(1, 1, "1-1")).await,
            Err(expected.clone()),
            "{code}"
        );
    }
    // retCode 1: no such agent is an agent without calls; a CTI server always has a time.
    let mut faults = Faults::none();
    faults.ret_code = Some("1".into());
    emulator.set_faults(faults).unwrap();
    assert_eq!(bms.agent_private_calls(agent).await, Ok(vec![]));
    assert_eq!(bms.agent_calls(agent).await, Ok(vec![]));
    assert_eq!(
        bms.cti_server_time(cc_id).await,
        Err(SourceError::Unavailable(Fault::BmsFailure.message()))
    );
    let mut faults = Faults::none();
    faults.hang_rate = 1.0;
    emulator.set_faults(faults).unwrap();
    assert_eq!(
        bms.agent_calls(agent).await,
        Err(SourceError::Unavailable(Fault::Timeout.message()))
    );
}

#[tokio::test]
async fn concurrent_identical_group_queries_share_one_bms_request() {
    let emulator = emulator().await;
    let mut faults = Faults::none();
    faults.latency_ms = Some(calldata_bms_emulator::LatencyRange::fixed(100));
    emulator.set_faults(faults).unwrap();
    let bms = adapter(&emulator);
    let group = QueryAgentGroupCalls::new(1, 1, 1001..1101)
        .to_group_key()
        .unwrap();
    let before = emulator.stats().queries;
    let answers = futures_join(&bms, &group, 20).await;
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(emulator.stats().queries - before, 1);
}

async fn futures_join(
    bms: &HttpBms,
    group: &AgentGroupKey,
    count: usize,
) -> Vec<calldata_model::AgentGroupCalls> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..count {
        let (bms, group) = (bms.clone(), group.clone());
        tasks.spawn(async move { bms.agent_group_calls(group).await.unwrap() });
    }
    tasks.join_all().await
}
