//! The simulated contact center over the embedded store: the same seed and clock readings
//! give the same center whatever the steps between, and what the real-time views show of
//! a call agrees with its record once it ended (family.md section 10).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::HashMap;
use std::sync::Arc;

use calldata_bms::{
    CallRecord, Clock, EmbeddedStore, ListFilter, Placement, Simulation, SimulationSettings,
    StoreOptions,
};
use calldata_model::{
    AgentKey, CallDirection, CallKey, CallRecordKey, CallStatus, DeviceType, Operation,
    QueryVdnCallsV2, VdnCallsFields, VdnCallsQuery,
};
use proptest::prelude::*;

/// 2025-12-01T10:00:00Z: late enough in the day for a warm-up within it.
const START: i64 = 1_764_583_200_000;

fn small(seed: u64) -> SimulationSettings {
    SimulationSettings {
        seed,
        vdns: vec![(1, 1), (1, 2)],
        agents_per_vdn: 12,
        arrivals_per_minute: 30.0,
        warm_up_minutes: 5,
        ..SimulationSettings::default()
    }
}

fn live_store(clock: &Clock) -> Arc<EmbeddedStore> {
    let mut store = EmbeddedStore::new();
    store.configure(StoreOptions {
        clock: clock.clone(),
        live: true,
        ..StoreOptions::default()
    });
    Arc::new(store)
}

/// Everything the interfaces could show: the calls in progress with their fields, the
/// agent views, and every kept record with its track.
fn snapshot(store: &EmbeddedStore, settings: &SimulationSettings, now: i64) -> String {
    let calls = store.list(&ListFilter::default(), usize::MAX);
    let agents = store.list_agents(&calldata_bms::AgentFilter::default(), usize::MAX);
    let mut records = Vec::new();
    for &(cc, vdn) in &settings.vdns {
        for direction in [CallDirection::Inbound, CallDirection::Outbound] {
            let body = QueryVdnCallsV2::new(
                VdnCallsFields::new(i64::from(cc), i64::from(vdn), now - 3_600_000 * 20, now),
                direction,
            );
            let query = QueryVdnCallsV2::parse(&serde_json::to_vec(&body).unwrap()).unwrap();
            records.push(serde_json::to_string(&store.vdn_calls(&query).unwrap()).unwrap());
        }
    }
    format!(
        "{}\n{}\n{}",
        serde_json::to_string(&calls).unwrap(),
        serde_json::to_string(&agents).unwrap(),
        records.join("\n")
    )
}

#[test]
fn the_same_seed_and_readings_give_the_same_center_however_it_is_stepped() {
    let settings = small(7);
    let (fine, coarse) = (Clock::manual(START), Clock::manual(START));
    let (a, b) = (live_store(&fine), live_store(&coarse));
    let mut stepped = Simulation::start(a.clone(), &settings, START);
    let mut jumped = Simulation::start(b.clone(), &settings, START);
    for _ in 0..600 {
        fine.advance(1_000).unwrap();
        stepped.advance(fine.now_ms());
    }
    coarse.advance(600_000).unwrap();
    jumped.advance(coarse.now_ms());
    let now = fine.now_ms();
    assert_eq!(snapshot(&a, &settings, now), snapshot(&b, &settings, now));
    assert!(a.len() > 5, "calls in progress: {}", a.len());
    assert!(a.records().len() > 50, "records: {}", a.records().len());
    let other = live_store(&Clock::manual(START));
    let mut reseeded = Simulation::start(other.clone(), &small(8), START);
    reseeded.advance(now);
    assert_ne!(
        snapshot(&a, &settings, now),
        snapshot(&other, &settings, now)
    );
}

#[test]
fn a_fresh_center_has_calls_in_every_state_and_the_examples_stay() {
    let clock = Clock::manual(START);
    let store = live_store(&clock);
    let settings = SimulationSettings {
        seed: 3,
        ..SimulationSettings::default()
    };
    let mut simulation = Simulation::start(store.clone(), &settings, START);
    let calls = store.list(&ListFilter::default(), usize::MAX);
    let mut kinds = std::collections::BTreeSet::new();
    for record in &calls {
        let kind = match record.extras.placement(&record.call).unwrap() {
            Placement::Agent(_, status) => format!("agent {status:?}"),
            Placement::PrivateQueue(_) => "private".into(),
            Placement::Elsewhere => format!("{:?}", record.call.device_type.unwrap()),
        };
        kinds.insert(kind);
    }
    for expected in ["agent Talking", "agent Alerting", "SkillQueue", "IvrFlow"] {
        assert!(kinds.contains(expected), "{kinds:?}");
    }
    assert_eq!(simulation.examples().len(), 3);
    clock.advance(59 * 60_000).unwrap();
    simulation.advance(clock.now_ms());
    for example in simulation.examples() {
        let call = store
            .get(&example.key)
            .expect("an example call stays for its hour");
        assert_eq!(
            call.device_no,
            Some(i64::from(example.agent.agent_id.get()))
        );
        assert!(call.total_talking_times.unwrap() >= 59 * 60);
    }
    clock.advance(2 * 60_000).unwrap();
    simulation.advance(clock.now_ms());
    // What the records hold, for the documented bound (about 400 bytes a record).
    let records = store.records();
    let per_record = records.bytes() / records.len().max(1);
    eprintln!("{} records, {per_record} bytes each", records.len());
    assert!(
        (150..=600).contains(&per_record),
        "{per_record} bytes a record"
    );
    let first = simulation.examples()[0];
    assert!(store.get(&first.key).is_none(), "ended after its hour");
    assert!(simulation.status().calls_ended > 100);
}

#[test]
fn pausing_freezes_moves_and_resuming_shifts_them() {
    let clock = Clock::manual(START);
    let store = live_store(&clock);
    let mut simulation = Simulation::start(store.clone(), &small(11), START);
    assert!(simulation.pause(clock.now_ms()));
    let before = snapshot_calls(&store);
    clock.advance(120_000).unwrap();
    assert_eq!(simulation.advance(clock.now_ms()), 0);
    assert_eq!(keys(&store), keys_of(&before));
    assert!(simulation.resume(clock.now_ms()));
    simulation.set_arrivals_per_minute(600.0, clock.now_ms());
    clock.advance(60_000).unwrap();
    simulation.advance(clock.now_ms());
    assert!(simulation.status().calls_arrived > 300);
    assert!(!simulation.status().paused);
}

#[test]
fn a_queued_call_the_sandbox_ends_never_comes_back() {
    let clock = Clock::manual(START);
    let store = live_store(&clock);
    let settings = SimulationSettings {
        agents_per_vdn: 2,
        arrivals_per_minute: 40.0,
        ..small(5)
    };
    let mut simulation = Simulation::start(store.clone(), &settings, START);
    let queued = store
        .list(&ListFilter::default(), usize::MAX)
        .into_iter()
        .find(|record| {
            record.extras.call_status == Some(CallStatus::QueuedInSkill)
                || record.extras.call_status == Some(CallStatus::QueuedPrivately)
        })
        .expect("two agents a VDN leave calls waiting");
    store.end(&queued.key, None).unwrap();
    clock.advance(30 * 60_000).unwrap();
    simulation.advance(clock.now_ms());
    assert!(!store.contains(&queued.key), "it is not rung again");
    let direction = queued.extras.call_in_out.unwrap_or(CallDirection::Inbound);
    let fields = VdnCallsFields::new(
        i64::from(queued.key.cc_id.get()),
        i64::from(queued.key.vdn.get()),
        START - 86_400_000,
        START + 3_600_000,
    );
    let body = serde_json::to_vec(&QueryVdnCallsV2::new(fields, direction)).unwrap();
    let query = QueryVdnCallsV2::parse(&body).unwrap();
    let mut seen = 0;
    let mut offset = 0;
    loop {
        let page = store
            .vdn_calls(&VdnCallsQuery {
                offset,
                ..query.clone()
            })
            .unwrap();
        let id = queued.key.call_id.as_str();
        seen += page.data.iter().filter(|row| row.call_id == id).count();
        offset += query.limit;
        if offset >= usize::try_from(page.count).unwrap() {
            break;
        }
    }
    assert_eq!(seen, 1, "one record of the call");
}

fn snapshot_calls(store: &EmbeddedStore) -> Vec<CallRecord> {
    store.list(&ListFilter::default(), usize::MAX)
}

fn keys(store: &EmbeddedStore) -> Vec<CallKey> {
    keys_of(&snapshot_calls(store))
}

fn keys_of(records: &[CallRecord]) -> Vec<CallKey> {
    records.iter().map(|record| record.key).collect()
}

/// What was seen of one call while it was in progress.
#[derive(Default)]
struct Seen {
    direction: Option<CallDirection>,
    max_wait: i64,
    max_talk: i64,
    max_logon: i64,
    agents: Vec<i64>,
    queues: Vec<i64>,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// For any seed and clock steps: a call at an agent is in that agent's views with its
    /// status; once ended it has a record whose parts add up, no shorter than what was
    /// shown, and a track through every agent and queue it was seen at.
    #[test]
    fn what_was_shown_agrees_with_the_records(
        seed in any::<u64>(),
        steps in proptest::collection::vec(1_000i64..90_000, 5..25),
    ) {
        let clock = Clock::manual(START);
        let store = live_store(&clock);
        let mut simulation = Simulation::start(store.clone(), &small(seed), START);
        let mut seen: HashMap<CallKey, Seen> = HashMap::new();
        for step in steps {
            clock.advance(step).unwrap();
            simulation.advance(clock.now_ms());
            for record in store.list(&ListFilter::default(), usize::MAX) {
                let call = &record.call;
                let entry = seen.entry(record.key).or_default();
                entry.direction = record.extras.call_in_out;
                entry.max_wait = entry.max_wait.max(call.wait_time.unwrap_or(0));
                entry.max_talk = entry.max_talk.max(call.total_talking_times.unwrap_or(0));
                entry.max_logon = entry.max_logon.max(call.logon_times.unwrap_or(0));
                match record.extras.placement(call).unwrap() {
                    Placement::Agent(agent_id, status) => {
                        let agent = AgentKey { cc_id: record.key.cc_id, vdn: record.key.vdn, agent_id };
                        let listed = store.agent_call_ids(&agent, false);
                        prop_assert!(listed.contains(&record.key.call_id.as_str().to_owned()));
                        let group = store.group_calls(&calldata_model::AgentGroupKey {
                            cc_id: record.key.cc_id, vdn: record.key.vdn, agent_ids: vec![agent_id],
                        });
                        let mine = group.0[0].call_list.iter()
                            .find(|c| c.call_id == record.key.call_id.as_str()).unwrap();
                        prop_assert_eq!(mine.call_status, Some(status));
                        entry.agents.push(i64::from(agent_id.get()));
                    }
                    Placement::PrivateQueue(agent_id) => {
                        let agent = AgentKey { cc_id: record.key.cc_id, vdn: record.key.vdn, agent_id };
                        prop_assert!(store.agent_call_ids(&agent, true)
                            .contains(&record.key.call_id.as_str().to_owned()));
                    }
                    Placement::Elsewhere => {
                        if call.device_type == Some(DeviceType::SkillQueue) {
                            entry.queues.push(call.device_no.unwrap());
                            prop_assert_eq!(record.extras.call_status, Some(CallStatus::QueuedInSkill));
                        }
                    }
                }
            }
        }
        let mut checked = 0;
        for (key, shown) in &seen {
            if store.contains(key) {
                continue;
            }
            let direction = shown.direction.unwrap_or(CallDirection::Inbound);
            let record_key = CallRecordKey { cc_id: key.cc_id, direction, call_id: key.call_id };
            let record = store.detail_record(&record_key).expect("an ended call has a record");
            let total = record.total_seconds();
            prop_assert!(record.queue_wait_time >= shown.max_wait, "wait {} < {}", record.queue_wait_time, shown.max_wait);
            prop_assert!(record.call_time >= shown.max_talk, "talk {} < {}", record.call_time, shown.max_talk);
            prop_assert!(total >= shown.max_logon, "total {total} < logon {}", shown.max_logon);
            let track = store.track(&calldata_model::TrackKey {
                cc_id: key.cc_id, vdn: key.vdn, call_id: key.call_id, log_date_ms: clock.now_ms(),
            });
            prop_assert_eq!(track.0.last().map(|r| r.call_id_num), Some(-1));
            prop_assert_eq!(track.0.last().map(|r| r.release_cause), Some(record.release_cause));
            for agent in &shown.agents {
                prop_assert!(track.0.iter().any(|r| r.device_type == 2 && r.device_no == agent.to_string()));
            }
            for queue in &shown.queues {
                prop_assert!(track.0.iter().any(|r| r.device_type == 1 && r.device_no == queue.to_string()));
            }
            let seconds: i64 = track.0.iter().map(|r| r.call_end / 1000 - r.wait_begin / 1000).sum();
            prop_assert_eq!(seconds, total);
            checked += 1;
        }
        prop_assert!(checked > 0 || seen.is_empty());
    }
}
