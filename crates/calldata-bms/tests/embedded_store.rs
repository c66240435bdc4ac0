//! The embedded call store end to end: demo data, files, lookups, concurrency and scale.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::HashSet;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use calldata_bms::embedded::demo::{BASE_MILLIS, MAX_AGE_MILLIS};
use calldata_bms::embedded::{demo_records, load_records, sample_keys, write_json_lines};
use calldata_bms::{
    CallRecord, CallSource, DemoSettings, EmbeddedStore, ListFilter, LoadError, Lookup,
};
use calldata_model::call::{CALL_IN_CAUSE_UNSET, FIELD_ORDER};
use calldata_model::{BasicCallInfo, CallId, CallKey, CallStart, CcId, Vdn};

/// Polls a future that must already be ready (the embedded store never waits).
fn now<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the embedded store answers without waiting"),
    }
}

fn key(cc_id: i64, vdn: i64, call_id: &str) -> CallKey {
    CallKey {
        cc_id: CcId::new(cc_id).unwrap(),
        vdn: Vdn::new(vdn).unwrap(),
        call_id: CallId::parse(call_id).unwrap(),
    }
}

fn demo(count: usize, seed: u64) -> Vec<CallRecord> {
    demo_records(&DemoSettings { count, seed }).collect()
}

fn codes<T: Copy + Into<i64>>(value: Option<T>) -> i64 {
    value.expect("every demo enum field is set").into()
}

/// Checks that one demo call looks like a real call in progress.
fn assert_plausible(record: &CallRecord) {
    let CallRecord { key, call, .. } = record;
    let id = key.call_id;
    assert!(
        [1, 2].contains(&key.cc_id.get()),
        "{id}: ccId {}",
        key.cc_id
    );
    assert!((1..=3).contains(&key.vdn.get()), "{id}: vdn {}", key.vdn);
    let CallStart::Milliseconds(start) = id.start() else {
        panic!("{id} should start in milliseconds");
    };
    assert!(
        (BASE_MILLIS - MAX_AGE_MILLIS..BASE_MILLIS).contains(&start),
        "{id}"
    );
    assert_eq!(call.time, Some(i64::try_from(start).unwrap()), "{id}");

    assert!(
        [5, 51, 2, 19, 6, 53].contains(&codes(call.media_type)),
        "{id}"
    );
    assert!([1, 2, 3].contains(&codes(call.device_type)), "{id}");
    assert!(
        [0, 1, 2, 17, 28].contains(&codes(call.enter_reason)),
        "{id}"
    );
    assert!([0, 1, 44, 45].contains(&codes(call.call_feature)), "{id}");

    let wait = call.wait_time.unwrap();
    let talk = call.total_talking_times.unwrap();
    let logon = call.logon_times.unwrap();
    assert!((0..=300).contains(&wait), "{id}: waitTime {wait}");
    assert!((0..=1800).contains(&talk), "{id}: totalTalkingTimes {talk}");
    assert!(
        (wait + talk + 1..=wait + talk + 15).contains(&logon),
        "{id}: logonTimes {logon}"
    );

    for number in [&call.calling_num, &call.called_num] {
        assert!((8..=16).contains(&number.len()), "{id}: number {number}");
        assert!(
            number.bytes().all(|b| b.is_ascii_digit()),
            "{id}: number {number}"
        );
    }
    let skills = [
        "defaultAudioSkill",
        "billingVoice",
        "salesChat",
        "vipVoice",
        "videoSupport",
        "emailSupport",
    ];
    assert!(
        skills.contains(&call.call_skill.as_str()),
        "{id}: {}",
        call.call_skill
    );
    let key_id_ok = call.key_id.is_empty()
        || (call.key_id.len() == 16 && call.key_id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(key_id_ok, "{id}: keyId {:?}", call.key_id);
    let cause = call.call_in_cause.unwrap();
    assert!(
        cause == CALL_IN_CAUSE_UNSET || (1..=127).contains(&cause),
        "{id}: {cause}"
    );

    // The call's fields say where it is, for the agent views.
    assert!(record.extras.placement(call).is_ok(), "{id}");

    // Every field is written: the 3 key fields, all 25 call fields, numbers as numbers,
    // and the extras (cb, callStatus and callInOut always; callData and submediaType
    // when there are any).
    let json = serde_json::to_value(record).unwrap();
    let object = json.as_object().unwrap();
    assert!(
        (3 + FIELD_ORDER.len() + 3..=3 + FIELD_ORDER.len() + 5).contains(&object.len()),
        "{id}: {json}"
    );
    for name in FIELD_ORDER {
        let value = &object[name];
        assert!(
            value.is_number() || value.is_string(),
            "{id}: {name} is {value}"
        );
    }
}

#[test]
fn a_thousand_demo_calls_have_unique_keys_and_plausible_fields() {
    let records = demo(1000, 42);
    assert_eq!(records.len(), 1000);
    let keys: HashSet<CallKey> = records.iter().map(|r| r.key).collect();
    assert_eq!(keys.len(), 1000, "every demo key is unique");
    let call_ids: HashSet<CallId> = records.iter().map(|r| r.key.call_id).collect();
    assert_eq!(call_ids.len(), 1000, "every demo call ID is unique");
    records.iter().for_each(assert_plausible);

    let share = |pred: &dyn Fn(&CallRecord) -> bool| records.iter().filter(|r| pred(r)).count();
    assert!(
        share(&|r| r.key.cc_id.get() == 1) > 700,
        "most calls are at ccId 1"
    );
    assert!(
        share(&|r| codes(r.call.media_type) == 5) > 550,
        "most calls are voice"
    );
    assert!(
        share(&|r| codes(r.call.media_type) == 51) > 50,
        "some are web chat"
    );
    assert!(
        share(&|r| codes(r.call.device_type) == 3) > 40,
        "some are in an IVR flow"
    );
    assert!(
        share(&|r| r.call.orgi_called_num.is_empty()) > 800,
        "orgiCalledNum is mostly empty"
    );
    assert!(share(&|r| r.call.call_in_cause == Some(CALL_IN_CAUSE_UNSET)) > 800);
}

#[test]
fn demo_calls_are_identical_for_the_same_seed() {
    let settings = DemoSettings::default();
    let first: Vec<CallRecord> = demo_records(&settings).collect();
    let second: Vec<CallRecord> = demo_records(&settings).collect();
    assert_eq!(first, second);
    let mut first_text = Vec::new();
    let mut second_text = Vec::new();
    write_json_lines(&first, &mut first_text).unwrap();
    write_json_lines(&second, &mut second_text).unwrap();
    assert_eq!(
        first_text, second_text,
        "the same seed writes the same bytes"
    );
    assert_eq!(
        sample_keys(&settings, 3),
        [first[0].key, first[1].key, first[2].key]
    );
}

#[test]
fn another_seed_gives_different_demo_calls() {
    let first = demo(1000, 42);
    let other = demo(1000, 43);
    let same = first.iter().zip(&other).filter(|(a, b)| a == b).count();
    assert_eq!(same, 0, "no call is identical under another seed");
    assert_ne!(first[0].key, other[0].key);
}

#[test]
fn calls_loaded_from_a_json_lines_file_are_found_through_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.jsonl");
    let records = demo(50, 7);
    let mut text = String::from("# fixture: 50 demo calls\n\n");
    for record in &records {
        writeln!(text, "{}", serde_json::to_string(record).unwrap()).unwrap();
    }
    std::fs::write(&path, text).unwrap();

    let store = EmbeddedStore::load_file(&path).unwrap();
    assert_eq!(store.len(), 50);
    for record in &records {
        match now(store.lookup(record.key)) {
            Lookup::Found(call) => assert_eq!(*call, record.call),
            other => panic!("{:?} should be found, got {other:?}", record.key),
        }
    }
    let unknown = key(1, 1, "1764547200000-999999");
    assert_eq!(now(store.lookup(unknown)), Lookup::NotInProgress);
}

#[test]
fn calls_loaded_from_a_json_array_file_are_found_through_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.json");
    let records = demo(30, 8);
    std::fs::write(&path, serde_json::to_string_pretty(&records).unwrap()).unwrap();

    let store = EmbeddedStore::load_file(&path).unwrap();
    assert_eq!(store.len(), 30);
    for record in &records {
        assert_eq!(
            now(store.lookup(record.key)),
            Lookup::Found(record.call.clone().into())
        );
    }
    let listed = store.list(&ListFilter::default(), usize::MAX);
    let mut expected = records.clone();
    expected.sort_by(|a, b| {
        (a.key.cc_id, a.key.vdn, a.key.call_id.as_str()).cmp(&(
            b.key.cc_id,
            b.key.vdn,
            b.key.call_id.as_str(),
        ))
    });
    assert_eq!(
        listed, expected,
        "list returns every loaded call in key order"
    );
}

#[test]
fn a_bad_line_in_a_file_is_reported_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.jsonl");
    let good = serde_json::to_string(&demo(1, 1)[0]).unwrap();
    let bad = r#"{"ccId":1,"vdn":9999,"callId":"1764547000000-1","dsn":3}"#;
    std::fs::write(&path, format!("# header\n{good}\n{bad}\n")).unwrap();

    let err = EmbeddedStore::load_file(&path).unwrap_err();
    assert!(
        matches!(err, LoadError::BadRecord { line: 3, .. }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "line 3: vdn must be between 1 and 5000");

    let repeated = format!("{good}\n\n{good}\n");
    let err = load_records(repeated.as_bytes()).unwrap_err();
    assert!(
        matches!(err, LoadError::DuplicateKey { line: 3, .. }),
        "{err:?}"
    );
}

/// A call whose fields say which writer made it, for which index, in which version.
fn tagged_call(writer: usize, index: usize, version: i64) -> BasicCallInfo {
    BasicCallInfo {
        dsn: Some(i64::try_from(writer * 1_000_000 + index).unwrap()),
        handle: Some(version),
        ..BasicCallInfo::default()
    }
}

fn writer_key(writer: usize, index: usize) -> CallKey {
    key(1, 1, &format!("{}-{index}", 1000 + writer))
}

#[test]
fn the_store_stays_consistent_under_eight_threads_of_readers_and_writers() {
    const WRITERS: usize = 4;
    const READERS: usize = 4;
    const PER_WRITER: usize = 2000;
    let store = EmbeddedStore::with_demo_calls(&DemoSettings {
        count: 500,
        seed: 1,
    });
    let hot = key(2, 3, "1-1");
    let hot_wins = AtomicUsize::new(0);
    let writers_done = AtomicBool::new(false);
    let reads_found = AtomicUsize::new(0);

    std::thread::scope(|scope| {
        for reader in 0..READERS {
            let (store, writers_done, reads_found) = (&store, &writers_done, &reads_found);
            scope.spawn(move || {
                let mut rng = fastrand::Rng::with_seed(reader as u64);
                let mut reads = 0;
                // Read while the writers run, and at least 2,000 times on a slow machine.
                while !writers_done.load(Ordering::Acquire) || reads < 2000 {
                    reads += 1;
                    let (writer, index) = (rng.usize(0..WRITERS), rng.usize(0..PER_WRITER));
                    if let Some(call) = store.get(&writer_key(writer, index)) {
                        // A reader sees a whole call, never a mix of two versions or keys.
                        assert_eq!(call.dsn, tagged_call(writer, index, 0).dsn);
                        assert!(matches!(call.handle, Some(0 | 1)), "{call:?}");
                        reads_found.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let (store, hot_wins) = (&store, &hot_wins);
                scope.spawn(move || {
                    if store
                        .add(&CallRecord::new(hot, tagged_call(writer, 0, 9)))
                        .is_ok()
                    {
                        hot_wins.fetch_add(1, Ordering::Relaxed);
                    }
                    for index in 0..PER_WRITER {
                        let key = writer_key(writer, index);
                        store
                            .add(&CallRecord::new(key, tagged_call(writer, index, 0)))
                            .unwrap();
                        assert!(
                            store
                                .add(&CallRecord::new(key, tagged_call(writer, index, 5)))
                                .is_err()
                        );
                        let old = store
                            .replace(&CallRecord::new(key, tagged_call(writer, index, 1)))
                            .unwrap();
                        assert_eq!(old.call.handle, Some(0));
                        if index % 3 == 0 {
                            assert_eq!(store.remove(&key).unwrap().call.handle, Some(1));
                        }
                    }
                })
            })
            .collect();
        for handle in writers {
            handle.join().unwrap();
        }
        writers_done.store(true, Ordering::Release);
    });

    assert_eq!(
        hot_wins.load(Ordering::Relaxed),
        1,
        "exactly one writer adds a contested key"
    );
    let kept_per_writer = (0..PER_WRITER).filter(|i| i % 3 != 0).count();
    assert_eq!(store.len(), 500 + 1 + WRITERS * kept_per_writer);
    for writer in 0..WRITERS {
        for index in 0..PER_WRITER {
            let found = store.get(&writer_key(writer, index));
            if index % 3 == 0 {
                assert_eq!(found, None, "writer {writer} removed call {index}");
            } else {
                assert_eq!(found.as_deref(), Some(&tagged_call(writer, index, 1)));
            }
        }
    }
    for record in demo_records(&DemoSettings {
        count: 500,
        seed: 1,
    }) {
        assert_eq!(
            store.get(&record.key).as_deref(),
            Some(&record.call),
            "demo calls untouched"
        );
    }
    assert!(
        reads_found.load(Ordering::Relaxed) > 0,
        "readers saw calls while writers ran"
    );
}

#[test]
fn a_million_demo_calls_can_be_generated_and_loaded() {
    let settings = DemoSettings {
        count: 1_000_000,
        seed: 42,
    };
    let started = Instant::now();
    let store = EmbeddedStore::with_demo_calls(&settings);
    assert_eq!(store.len(), 1_000_000);
    for key in sample_keys(&settings, 100) {
        assert!(store.get(&key).is_some(), "{key:?}");
    }
    let first = store.list(&ListFilter::default(), 5);
    assert_eq!(first.len(), 5);
    assert!(first.windows(2).all(
        |w| (w[0].key.cc_id, w[0].key.vdn, w[0].key.call_id.as_str())
            < (w[1].key.cc_id, w[1].key.vdn, w[1].key.call_id.as_str())
    ));
    eprintln!(
        "1,000,000 demo calls generated and loaded in {:?}",
        started.elapsed()
    );
}
