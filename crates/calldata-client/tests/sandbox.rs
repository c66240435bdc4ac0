//! The sandbox's lists through the client, against the real server: the VDN's calls are the
//! demo data's, each listed agent's calls are what the agent interfaces answer, and a
//! server without the sandbox answers 404 as `Error::Undecodable`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

#[allow(dead_code)] // each test file uses part of the helpers
mod support;

use calldata_bms::embedded::demo::IDLE_DEMO_AGENTS;
use calldata_bms::embedded::demo_records;
use calldata_client::{AgentKey, Error};

use support::{DEMO, client, existing_call, spawn_default_server, spawn_server};

#[tokio::test]
async fn the_calls_listed_are_the_demo_calls_of_the_vdn() {
    let server = spawn_default_server();
    let (key, call) = existing_call();
    let calls = client(&server)
        .sandbox_calls(key.cc_id, key.vdn)
        .await
        .unwrap();
    let expected = demo_records(&DEMO)
        .filter(|record| (record.key.cc_id, record.key.vdn) == (key.cc_id, key.vdn))
        .count();
    assert_eq!(calls.len(), expected);
    assert!(
        calls
            .iter()
            .all(|listed| (listed.cc_id, listed.vdn) == (key.cc_id, key.vdn))
    );
    let listed = calls
        .iter()
        .find(|listed| listed.call_id == key.call_id.as_str())
        .unwrap();
    assert_eq!(listed.call.calling_num, call.calling_num);
    assert_eq!(listed.call.device_type, call.device_type);
    assert_eq!(listed.call.device_no, call.device_no);
    assert!(
        listed.call_status.is_some(),
        "the demo calls say their status"
    );
}

#[tokio::test]
async fn each_agent_listed_has_the_calls_its_interfaces_answer() {
    let server = spawn_default_server();
    let (key, _) = existing_call();
    let client = client(&server);
    let agents = client.sandbox_agents(key.cc_id, key.vdn).await.unwrap();
    for idle in IDLE_DEMO_AGENTS {
        assert!(
            agents.iter().any(|agent| agent.agent_id.get() == idle),
            "idle demo agent {idle} is not listed"
        );
    }
    assert!(agents.iter().any(|agent| !agent.calls.is_empty()));
    for agent in &agents {
        let agent_key = AgentKey {
            cc_id: agent.cc_id,
            vdn: agent.vdn,
            agent_id: agent.agent_id,
        };
        assert_eq!(client.agent_calls(&agent_key).await.unwrap(), agent.calls);
        assert_eq!(
            client.agent_private_calls(&agent_key).await.unwrap(),
            agent.private_calls
        );
    }
}

#[tokio::test]
async fn without_the_sandbox_the_lists_answer_404() {
    let server = spawn_server(|settings| settings.embedded.sandbox = false);
    let (key, _) = existing_call();
    let client = client(&server);
    match client.sandbox_calls(key.cc_id, key.vdn).await {
        Err(Error::Undecodable { status: 404, .. }) => {}
        other => panic!("expected a 404, got {other:?}"),
    }
    match client.sandbox_agents(key.cc_id, key.vdn).await {
        Err(Error::Undecodable { status: 404, .. }) => {}
        other => panic!("expected a 404, got {other:?}"),
    }
}
