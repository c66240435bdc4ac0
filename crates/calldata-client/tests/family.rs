//! The real-time family through the client, against the real server: each method on the
//! demo contact center, the screen-pop example, the consistency of the interfaces over the
//! demo data (family.md section 10) for any seed, and every interface end to end through
//! a server in front of the BMS emulator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

#[allow(dead_code)] // each test file uses part of the helpers
mod support;

#[allow(dead_code)] // the example's `main` is not run here
#[path = "../examples/screen_pop.rs"]
mod screen_pop;

use std::collections::BTreeMap;

use calldata_bms::DemoSettings;
use calldata_bms::embedded::{CallRecord, Placement, demo_records};
use calldata_bms_emulator::{CallsSource, EmulatorSettings, Faults, RunningEmulator};
use calldata_client::{AgentKey, Client, Error};
use calldata_model::{AgentGroupKey, CallStatus, QueryAgentGroupCalls, ResultCode};
use calldata_server::config::Backend;
use proptest::prelude::*;

use support::{DEMO, RealServer, client, spawn_server};

fn server_with(demo: DemoSettings) -> RealServer {
    spawn_server(|s| {
        s.embedded.demo_calls = demo.count;
        s.embedded.demo_seed = demo.seed;
    })
}

/// Where each demo call is.
fn placed(demo: &DemoSettings) -> Vec<(CallRecord, Placement)> {
    demo_records(demo)
        .map(|record| {
            let placement = record.extras.placement(&record.call).unwrap();
            (record, placement)
        })
        .collect()
}

fn agent_of(record: &CallRecord, placement: Placement) -> Option<AgentKey> {
    match placement {
        Placement::Agent(agent_id, _) | Placement::PrivateQueue(agent_id) => Some(AgentKey {
            cc_id: record.key.cc_id,
            vdn: record.key.vdn,
            agent_id,
        }),
        Placement::Elsewhere => None,
    }
}

/// Every agent with a call in the demo.
fn busy_agents(demo: &DemoSettings) -> Vec<AgentKey> {
    let mut agents: Vec<AgentKey> = placed(demo)
        .into_iter()
        .filter_map(|(record, placement)| agent_of(&record, placement))
        .collect();
    agents.sort_unstable();
    agents.dedup();
    agents
}

/// Family.md section 10, asked through the client of a server holding `demo`:
/// - a call at an agent is in its queryagentcalls and in its group callList, with the
///   call's status and media type; a call in its private queue is in agentprivatecall and
///   the callList (status 3), never in queryagentcalls;
/// - for each agent, queryagentcalls is its callList without status 3, agentprivatecall
///   exactly those;
/// - querydetailcallinfo answers every call with querybasiccallinfo's values.
async fn assert_consistent(client: &Client, demo: &DemoSettings) {
    let calls = placed(demo);
    let agents = busy_agents(demo);
    let mut lists = BTreeMap::new();
    for agent in &agents {
        let handling = client.agent_calls(agent).await.unwrap();
        let private = client.agent_private_calls(agent).await.unwrap();
        let group = AgentGroupKey {
            cc_id: agent.cc_id,
            vdn: agent.vdn,
            agent_ids: vec![agent.agent_id],
        };
        let answered = client.agent_group_calls(&group).await.unwrap();
        assert_eq!(answered.len(), 1);
        let call_list = answered[0].call_list.clone();
        let (queued, at_agent): (Vec<_>, Vec<_>) = call_list
            .iter()
            .partition(|call| call.call_status == Some(CallStatus::QueuedPrivately));
        let ids = |calls: Vec<&calldata_client::AgentCall>| -> Vec<String> {
            calls.into_iter().map(|call| call.call_id.clone()).collect()
        };
        assert_eq!(handling, ids(at_agent), "{agent:?}");
        assert_eq!(private, ids(queued), "{agent:?}");
        lists.insert(*agent, call_list);
    }
    for (record, placement) in &calls {
        let basic = client.query(&record.key).await.unwrap();
        let detail = client.query_detail(&record.key).await.unwrap();
        assert_eq!(detail.call, basic, "{}", record.key.call_id);
        assert_eq!(detail.cb, record.extras.cb);
        let Some(agent) = agent_of(record, *placement) else {
            continue;
        };
        let listed = lists[&agent]
            .iter()
            .find(|call| call.call_id == record.key.call_id.as_str())
            .unwrap_or_else(|| panic!("{} not listed at {agent:?}", record.key.call_id));
        let status = match placement {
            Placement::Agent(_, status) => *status,
            _ => CallStatus::QueuedPrivately,
        };
        assert_eq!(listed.call_status, Some(status));
        assert_eq!(listed.media_type, basic.media_type);
        assert_eq!(
            basic
                .device_no
                .map(|no| no == i64::from(agent.agent_id.get())),
            Some(true)
        );
    }
}

#[tokio::test]
async fn each_method_answers_the_demo_contact_center() {
    let server = server_with(DEMO);
    let client = client(&server);
    let agents = busy_agents(&DEMO);
    assert!(!agents.is_empty());
    // An idle demo agent and an agent nobody signed in: no calls.
    for agent_id in [101, 59_999] {
        let agent = calldata_model::AgentFields::new(1, 1, agent_id)
            .to_agent_key()
            .unwrap();
        assert_eq!(
            client.agent_calls(&agent).await.unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            client.agent_private_calls(&agent).await.unwrap(),
            Vec::<String>::new()
        );
    }
    // A call that is not in progress.
    let gone = calldata_model::QueryBasicCallInfo::new(1, 1, "1-1")
        .to_call_key()
        .unwrap();
    match client.query_detail(&gone).await {
        Err(error) => assert!(error.is_not_found(), "{error}"),
        Ok(detail) => panic!("{detail:?}"),
    }
    // Too many agents are refused before anything is sent.
    let too_many = AgentGroupKey {
        cc_id: agents[0].cc_id,
        vdn: agents[0].vdn,
        agent_ids: vec![agents[0].agent_id; 3001],
    };
    assert!(matches!(
        client.agent_group_calls(&too_many).await,
        Err(Error::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn the_screen_pop_example_finds_the_agents_call_and_its_caller() {
    let server = server_with(DEMO);
    let client = client(&server);
    let (record, placement) = placed(&DEMO)
        .into_iter()
        .find(|(_, placement)| matches!(placement, Placement::Agent(..)))
        .unwrap();
    let agent = agent_of(&record, placement).unwrap();
    let found = screen_pop::screen_pop(&client, &agent).await.unwrap();
    let (key, call) = found.as_ref().unwrap();
    // The agent's first call (the one that started first), with its basic information.
    let first = client.agent_calls(&agent).await.unwrap()[0].clone();
    assert_eq!(key.call_id.as_str(), first);
    assert_eq!(call, &client.query(key).await.unwrap());
    let text = screen_pop::describe(agent, found.as_ref());
    assert!(
        text.contains(&format!("caller: {}", call.calling_num)),
        "{text}"
    );
    let idle = calldata_model::AgentFields::new(1, 1, 101)
        .to_agent_key()
        .unwrap();
    assert_eq!(screen_pop::screen_pop(&client, &idle).await.unwrap(), None);
    assert_eq!(screen_pop::describe(idle, None), "agent 101 has no call");
}

proptest! {
    // Each case starts a server: a few seeds say enough.
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn the_interfaces_agree_about_every_agent_and_call_for_any_demo(seed in any::<u64>()) {
        let demo = DemoSettings { count: 80, seed };
        let server = server_with(demo);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(assert_consistent(&client(&server), &demo));
    }
}

#[tokio::test]
async fn every_interface_answers_through_a_server_in_front_of_the_bms_emulator() {
    let demo = DemoSettings {
        count: 60,
        seed: 23,
    };
    let emulator = RunningEmulator::start(EmulatorSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        calls: CallsSource::Demo(demo),
        faults: Faults::none(),
    })
    .await
    .unwrap();
    let url = emulator.base_url();
    let bms_server = spawn_server(|s| {
        s.backend = Backend::Bms;
        s.bms.url = url;
    });
    let embedded_server = server_with(demo);
    let (bms, embedded) = (client(&bms_server), client(&embedded_server));
    // The same contact center, asked through BMS and directly, answers the same.
    assert_consistent(&bms, &demo).await;
    assert!(emulator.stats().queries > 0, "the BMS was never asked");
    for agent in busy_agents(&demo) {
        assert_eq!(
            bms.agent_calls(&agent).await.unwrap(),
            embedded.agent_calls(&agent).await.unwrap()
        );
    }
    let first = busy_agents(&demo)[0];
    let group = QueryAgentGroupCalls::new(
        i64::from(first.cc_id.get()),
        i64::from(first.vdn.get()),
        [101, i64::from(first.agent_id.get()), 102],
    )
    .to_group_key()
    .unwrap();
    assert_eq!(
        bms.agent_group_calls(&group).await.unwrap(),
        embedded.agent_group_calls(&group).await.unwrap()
    );
    let time = bms.cti_server_time(1).await.unwrap();
    assert!(time > 1_700_000_000_000, "{time}");
    // A BMS that rejects the parameters: 0100002 on every interface.
    let mut rejected = Faults::none();
    rejected.ret_code = Some("2".into());
    emulator.set_faults(rejected).unwrap();
    match bms.agent_private_calls(&first).await {
        Err(Error::Api { code, .. }) => assert_eq!(code, ResultCode::InvalidParameter),
        other => panic!("{other:?}"),
    }
}
