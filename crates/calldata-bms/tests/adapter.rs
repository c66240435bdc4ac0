//! The BMS adapter against the BMS emulator over real sockets: every answer, every fault,
//! the breaker, single flight and the cache.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

use std::sync::Arc;
use std::time::{Duration, Instant};

use calldata_bms::adapter::{BreakerState, Fault};
use calldata_bms::{CallSource, DemoSettings, HttpBms, HttpBmsSettings, Lookup, SourceError};
use calldata_bms_emulator::{EmulatorSettings, Faults, LatencyRange, RunningEmulator};
use calldata_model::CallKey;

const DEMO: DemoSettings = DemoSettings { count: 50, seed: 3 };

async fn emulator() -> RunningEmulator {
    RunningEmulator::start(EmulatorSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        calls: calldata_bms_emulator::CallsSource::Demo(DEMO),
        faults: Faults::none(),
    })
    .await
    .unwrap()
}

fn settings(emulator: &RunningEmulator) -> HttpBmsSettings {
    HttpBmsSettings {
        url: emulator.base_url(),
        request_timeout_ms: 400,
        retry_backoff_ms: 1,
        breaker_failures: 100,
        ..HttpBmsSettings::default()
    }
}

fn existing() -> (CallKey, calldata_model::BasicCallInfo) {
    let record = calldata_bms::embedded::demo_records(&DEMO).nth(7).unwrap();
    (record.key, record.call)
}

fn unknown() -> CallKey {
    calldata_model::QueryBasicCallInfo::new(1, 1, "1-1")
        .to_call_key()
        .unwrap()
}

fn unavailable(fault: Fault) -> Lookup {
    Lookup::Failed(SourceError::Unavailable(fault.message()))
}

fn faults(edit: impl FnOnce(&mut Faults)) -> Faults {
    let mut faults = Faults::none();
    edit(&mut faults);
    faults
}

#[tokio::test]
async fn a_call_in_progress_comes_back_with_the_bms_data() {
    let emulator = emulator().await;
    let bms = HttpBms::new(&settings(&emulator), None).unwrap();
    let (key, call) = existing();
    assert_eq!(bms.lookup(key).await, Lookup::Found(Arc::new(call)));
    assert_eq!(bms.lookup(unknown()).await, Lookup::NotInProgress);
}

#[tokio::test]
async fn each_ret_code_maps_to_its_outcome() {
    let emulator = emulator().await;
    let bms = HttpBms::new(&settings(&emulator), None).unwrap();
    let (key, _) = existing();
    for (code, expected) in [
        ("1", Lookup::NotInProgress),
        ("2", Lookup::Failed(SourceError::ParameterRejected)),
        ("3", Lookup::Failed(SourceError::CtiVersionUnsupported)),
        ("7", unavailable(Fault::BmsFailure)),
    ] {
        emulator
            .set_faults(faults(|f| f.ret_code = Some(code.into())))
            .unwrap();
        assert_eq!(bms.lookup(key).await, expected, "retCode {code}");
    }
}

#[tokio::test]
async fn latency_beyond_the_timeout_is_a_timeout_answered_in_time() {
    let emulator = emulator().await;
    emulator
        .set_faults(faults(|f| f.latency_ms = Some(LatencyRange::fixed(2_000))))
        .unwrap();
    let bms = HttpBms::new(&settings(&emulator), None).unwrap();
    let started = Instant::now();
    assert_eq!(bms.lookup(existing().0).await, unavailable(Fault::Timeout));
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_hung_bms_is_a_timeout() {
    let emulator = emulator().await;
    emulator.set_faults(faults(|f| f.hang_rate = 1.0)).unwrap();
    let bms = HttpBms::new(&settings(&emulator), None).unwrap();
    assert_eq!(bms.lookup(existing().0).await, unavailable(Fault::Timeout));
    assert_eq!(emulator.stats().queries, 1, "a timeout is not retried");
}

#[tokio::test]
async fn a_reset_is_retried_once_then_reported() {
    let emulator = emulator().await;
    emulator.set_faults(faults(|f| f.reset_rate = 1.0)).unwrap();
    let bms = HttpBms::new(&settings(&emulator), None).unwrap();
    assert_eq!(bms.lookup(existing().0).await, unavailable(Fault::Reset));
    assert_eq!(emulator.stats().queries, 2);

    let no_retry = HttpBms::new(
        &HttpBmsSettings {
            retry: false,
            ..settings(&emulator)
        },
        None,
    )
    .unwrap();
    no_retry.lookup(existing().0).await;
    assert_eq!(emulator.stats().queries, 3);
}

#[tokio::test]
async fn garbage_and_http_500_are_reported_and_not_retried() {
    let emulator = emulator().await;
    let bms = HttpBms::new(&settings(&emulator), None).unwrap();
    emulator
        .set_faults(faults(|f| f.malformed_rate = 1.0))
        .unwrap();
    assert_eq!(
        bms.lookup(existing().0).await,
        unavailable(Fault::BadResponse)
    );
    emulator.set_faults(faults(|f| f.error_rate = 1.0)).unwrap();
    assert_eq!(
        bms.lookup(existing().0).await,
        unavailable(Fault::HttpStatus)
    );
    assert_eq!(emulator.stats().queries, 2);
}

#[tokio::test]
async fn a_refused_connection_is_reported_as_such() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let bms = HttpBms::new(
        &HttpBmsSettings {
            url,
            retry_backoff_ms: 1,
            ..HttpBmsSettings::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(bms.lookup(existing().0).await, unavailable(Fault::Refused));
}

#[tokio::test]
async fn the_breaker_opens_answers_at_once_and_recovers_through_a_probe() {
    let emulator = emulator().await;
    let bms = HttpBms::new(
        &HttpBmsSettings {
            breaker_failures: 3,
            breaker_cool_down_ms: 300,
            ..settings(&emulator)
        },
        None,
    )
    .unwrap();
    emulator.set_faults(faults(|f| f.error_rate = 1.0)).unwrap();
    for _ in 0..3 {
        assert_eq!(
            bms.lookup(existing().0).await,
            unavailable(Fault::HttpStatus)
        );
    }
    assert_eq!(bms.breaker_state(), BreakerState::Open);
    assert_eq!(
        bms.lookup(existing().0).await,
        unavailable(Fault::BreakerOpen)
    );
    assert_eq!(
        emulator.stats().queries,
        3,
        "an open breaker does not ask BMS"
    );
    assert!(bms.check_ready().await.is_err());
    assert!(bms.status_detail().unwrap().contains("breaker open"));

    emulator.set_faults(Faults::none()).unwrap();
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (key, call) = existing();
    assert_eq!(bms.lookup(key).await, Lookup::Found(Arc::new(call)));
    assert_eq!(bms.breaker_state(), BreakerState::Closed);
    assert!(bms.check_ready().await.is_ok());
    assert!(bms.status_detail().unwrap().contains("last exchange ok"));
}

#[tokio::test]
async fn concurrent_identical_lookups_share_one_bms_request() {
    let emulator = emulator().await;
    emulator
        .set_faults(faults(|f| f.latency_ms = Some(LatencyRange::fixed(200))))
        .unwrap();
    let bms = HttpBms::new(&settings(&emulator), None).unwrap();
    let (key, call) = existing();
    let lookups: Vec<_> = (0..100)
        .map(|_| {
            let bms = bms.clone();
            tokio::spawn(async move { bms.lookup(key).await })
        })
        .collect();
    for lookup in lookups {
        assert_eq!(lookup.await.unwrap(), Lookup::Found(Arc::new(call.clone())));
    }
    assert_eq!(emulator.stats().queries, 1);
}

#[tokio::test]
async fn without_a_cache_each_lookup_asks_bms_and_with_one_answers_are_reused() {
    let emulator = emulator().await;
    let (key, _) = existing();
    let uncached = HttpBms::new(&settings(&emulator), None).unwrap();
    uncached.lookup(key).await;
    uncached.lookup(key).await;
    assert_eq!(emulator.stats().queries, 2);

    let cached = HttpBms::new(
        &HttpBmsSettings {
            cache_ttl_ms: 5_000,
            ..settings(&emulator)
        },
        None,
    )
    .unwrap();
    cached.lookup(key).await;
    cached.lookup(key).await;
    assert_eq!(emulator.stats().queries, 3);
}

#[tokio::test]
async fn failures_are_not_cached() {
    let emulator = emulator().await;
    let (key, call) = existing();
    let cached = HttpBms::new(
        &HttpBmsSettings {
            cache_ttl_ms: 5_000,
            ..settings(&emulator)
        },
        None,
    )
    .unwrap();
    emulator.set_faults(faults(|f| f.error_rate = 1.0)).unwrap();
    assert_eq!(cached.lookup(key).await, unavailable(Fault::HttpStatus));
    emulator.set_faults(Faults::none()).unwrap();
    assert_eq!(cached.lookup(key).await, Lookup::Found(Arc::new(call)));
}

#[tokio::test]
async fn messages_never_name_the_bms_address() {
    let emulator = emulator().await;
    let bms = HttpBms::new(&settings(&emulator), None).unwrap();
    let address = emulator.address().to_string();
    for edit in [
        (|f: &mut Faults| f.error_rate = 1.0) as fn(&mut Faults),
        |f| f.malformed_rate = 1.0,
        |f| f.reset_rate = 1.0,
        |f| f.hang_rate = 1.0,
    ] {
        emulator.set_faults(faults(edit)).unwrap();
        let Lookup::Failed(error) = bms.lookup(existing().0).await else {
            panic!("expected a failure")
        };
        assert!(!error.public_message().contains(&address));
        assert!(!error.to_string().contains(&address));
    }
}

#[tokio::test]
async fn invalid_adapter_settings_are_refused_with_the_setting_named() {
    let error = HttpBms::new(
        &HttpBmsSettings {
            url: "ftp://x".into(),
            ..HttpBmsSettings::default()
        },
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("bms.url"), "{error}");
    let error = HttpBms::new(
        &HttpBmsSettings {
            url: "https://bms.invalid".into(),
            ca_cert: Some("/nonexistent/ca.pem".into()),
            ..HttpBmsSettings::default()
        },
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("bms.ca_cert"), "{error}");
    let error = HttpBms::new(
        &HttpBmsSettings {
            url: "https://bms.invalid".into(),
            probe_interval_ms: 0,
            ..HttpBmsSettings::default()
        },
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("bms.probe_interval_ms"), "{error}");
}
