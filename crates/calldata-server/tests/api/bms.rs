//! The server with `backend = "bms"` in front of the BMS emulator (in-process, real
//! sockets): answers from BMS, maps BMS faults to result codes, reports the breaker on
//! `/readyz` and the adapter's metrics on `/metrics`.

use calldata_bms::DemoSettings;
use calldata_bms::embedded::{demo_records, sample_keys};
use calldata_bms_emulator::{CallsSource, EmulatorSettings, Faults, RunningEmulator};
use calldata_server::config::Backend;

use crate::helpers::{json_200, query_body, spawn_app_with};

const BMS_DEMO: DemoSettings = DemoSettings { count: 20, seed: 5 };

async fn emulator() -> RunningEmulator {
    RunningEmulator::start(EmulatorSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        calls: CallsSource::Demo(BMS_DEMO),
        faults: Faults::none(),
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn a_bms_backed_server_answers_from_bms_and_reports_its_state() {
    let bms = emulator().await;
    let url = bms.base_url();
    let app = spawn_app_with(|s| {
        s.backend = Backend::Bms;
        s.bms.url = url.clone();
        s.bms.breaker_failures = 2;
        s.bms.breaker_cool_down_ms = 60_000;
    })
    .await;
    let key = sample_keys(&BMS_DEMO, 1)[0];
    let expected = demo_records(&BMS_DEMO).next().unwrap().call;
    let found = json_200(app.query(&query_body(&key)).await).await;
    assert_eq!(found["resultCode"], "0100000");
    assert_eq!(
        found["resultDesc"]["calledNum"],
        expected.called_num.as_str()
    );

    let ready = json_200(app.http.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(ready["source"], "bms");
    assert!(
        ready["detail"].as_str().unwrap().contains("breaker closed"),
        "{ready}"
    );

    let mut rejected = Faults::none();
    rejected.ret_code = Some("2".into());
    bms.set_faults(rejected).unwrap();
    assert_eq!(
        json_200(app.query(&query_body(&key)).await).await["resultCode"],
        "0100002"
    );
    let mut cti = Faults::none();
    cti.ret_code = Some("3".into());
    bms.set_faults(cti).unwrap();
    assert_eq!(
        json_200(app.query(&query_body(&key)).await).await["resultCode"],
        "0100003"
    );

    let mut broken = Faults::none();
    broken.error_rate = 1.0;
    bms.set_faults(broken).unwrap();
    for _ in 0..3 {
        let answer = json_200(app.query(&query_body(&key)).await).await;
        assert_eq!(answer["resultCode"], "0100001");
        assert!(!answer["resultDesc"].as_str().unwrap().contains(&url));
    }
    let not_ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(not_ready.status(), 503);
    let body: serde_json::Value = not_ready.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("breaker open"),
        "{body}"
    );

    let metrics = app.metrics().await;
    for needle in [
        r#"calldata_bms_requests_total{outcome="found"} 1"#,
        r#"calldata_bms_requests_total{outcome="http_status"} 2"#,
        r#"calldata_bms_requests_total{outcome="breaker_open"}"#,
        "calldata_bms_request_duration_seconds_count",
        "calldata_bms_breaker_state 2",
        r#"calldata_call_source_lookups_total{source="bms",outcome="found"} 1"#,
    ] {
        assert!(metrics.contains(needle), "missing {needle} in\n{metrics}");
    }
    bms.stop().await;
}
