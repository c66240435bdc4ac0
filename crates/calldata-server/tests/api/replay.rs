//! Replays and other outside attacks on signed requests (issue 18), over real sockets: a
//! captured sandbox change sent again, a captured query replayed to starve the key's owner,
//! a signature made for another host, the byte bound of the sandbox, and a long sandbox list
//! beside queries on the same single worker.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_testkit::sign::json_post;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{AK, SK, TestApp, existing_call, json_200, query_body, spawn_app_with};

const CALLS: &str = "/sandbox/v1/calls";

fn record(call_id: &str, cc_id: u16, vdn: u16, padding: usize) -> Value {
    json!({
        "ccId": cc_id, "vdn": vdn, "callId": call_id,
        "time": 1_764_547_000_000_i64, "dsn": 11, "handle": 1, "server": 1, "keyId": "",
        "callingNum": "13800001111", "calledNum": "4001234", "mid": 2, "trunkNo": 7,
        "priority": 3, "deviceType": 2, "deviceNo": 1001, "callSkill": "x".repeat(padding),
        "partyNum": 2, "callFeature": 0, "orgiCalledNum": "", "mediaType": 5, "place": 0,
        "waitTime": 12, "totalTalkingTimes": 40, "logonTimes": 55, "serviceType": 0,
        "callInCause": 65535, "enterReason": 0, "mediaBillType": 0
    })
}

/// A signed sandbox change, kept so that it can be sent again.
struct Captured {
    method: Method,
    path_and_query: String,
    body: String,
    authorization: String,
}

impl Captured {
    fn sign(app: &TestApp, method: Method, path_and_query: &str, body: &str) -> Self {
        let authorization = app.authorization(AK, SK, method.as_str(), path_and_query, body);
        Self {
            method,
            path_and_query: path_and_query.to_owned(),
            body: body.to_owned(),
            authorization,
        }
    }

    async fn send(&self, app: &TestApp) -> reqwest::Response {
        app.send_signed(
            self.method.clone(),
            &self.path_and_query,
            &self.body,
            &self.authorization,
        )
        .await
    }
}

async fn result_code(response: reqwest::Response) -> String {
    json_200(response).await["resultCode"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn plain(settings: &mut calldata_server::Settings) {
    settings.plain_http = true;
}

#[actix_web::test]
async fn a_replayed_sandbox_change_gets_401_reverts_nothing_and_counts_towards_the_lockout() {
    let app = spawn_app_with(plain).await;
    let call = record("1764547000000-910001", 3, 17, 0).to_string();
    let query = r#"{"ccId":3,"vdn":17,"callId":"1764547000000-910001"}"#;
    let put = Captured::sign(&app, Method::PUT, CALLS, &call);
    let delete = Captured::sign(
        &app,
        Method::DELETE,
        &format!("{CALLS}?ccId=3&vdn=17&callId=1764547000000-910001"),
        "",
    );
    assert_eq!(result_code(put.send(&app).await).await, "0100000");
    assert_eq!(result_code(delete.send(&app).await).await, "0100000");

    // The captured PUT, sent again, would bring the ended call back.
    assert_eq!(put.send(&app).await.status(), 401);
    assert_eq!(result_code(app.query(query).await).await, "0100001");
    assert_eq!(delete.send(&app).await.status(), 401);

    let other = record("1764547000000-910002", 3, 17, 0).to_string();
    let post = Captured::sign(&app, Method::POST, CALLS, &other);
    assert_eq!(result_code(post.send(&app).await).await, "0100000");
    let end = "ccId=3&vdn=17&callId=1764547000000-910002";
    assert_eq!(
        result_code(app.sandbox(Method::DELETE, end, "").await).await,
        "0100000"
    );
    assert_eq!(post.send(&app).await.status(), 401);
    assert_eq!(
        result_code(
            app.query(r#"{"ccId":3,"vdn":17,"callId":"1764547000000-910002"}"#)
                .await
        )
        .await,
        "0100001"
    );

    // Three replays so far; the 5th failure locks the replaying address out.
    assert_eq!(put.send(&app).await.status(), 401);
    assert_eq!(put.send(&app).await.status(), 401);
    assert_eq!(app.sandbox(Method::GET, "limit=1", "").await.status(), 403);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"calldata_auth_failures_total{reason="replay"} 5"#),
        "{metrics}"
    );
}

#[actix_web::test]
async fn a_replayed_query_is_charged_to_the_replaying_address_and_the_owner_keeps_the_key() {
    let app = spawn_app_with(|s| {
        plain(s);
        s.rate_limit.per_second = 1;
        s.rate_limit.burst = 10;
    })
    .await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    let captured = app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body);
    let send = |http: &reqwest::Client, auth: String, body: String| {
        http.post(app.url(QUERY_BASIC_CALL_INFO_PATH))
            .header("content-type", "application/json;charset=UTF-8")
            .header("authorization", auth)
            .body(body)
            .send()
    };
    // The owner's own request, from 127.0.0.1.
    assert_eq!(
        send(&app.http, captured.clone(), body.clone())
            .await
            .unwrap()
            .status(),
        200
    );
    // The replayer, from 127.0.0.2, sends the captured request 77 more times.
    let replayer = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let mut answered = 0;
    let mut limited = 0;
    for _ in 0..77 {
        let response = send(&replayer, captured.clone(), body.clone())
            .await
            .unwrap();
        match response.status().as_u16() {
            200 => answered += 1,
            429 => {
                limited += 1;
                let refusal: Value = response.json().await.unwrap();
                assert_eq!(
                    refusal["message"],
                    "rate limit exceeded for this client address"
                );
            }
            other => panic!("replay answered {other}"),
        }
    }
    assert!(answered <= 13, "{answered} replays answered");
    assert!(limited >= 60, "{limited} replays limited");
    // The owner's fresh requests are charged to the key, which the replays did not touch.
    for n in 0..8 {
        let fresh = format!(r#"{{"ccId":1,"vdn":1,"callId":"1764547000000-92000{n}"}}"#);
        let auth = app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &fresh);
        let status = send(&app.http, auth, fresh).await.unwrap().status();
        assert_eq!(status, 200, "the owner's request {n}");
    }
}

#[actix_web::test]
async fn without_the_rate_limit_a_query_signature_may_be_sent_again_within_the_window() {
    let app = spawn_app_with(plain).await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    let auth = app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body);
    for _ in 0..20 {
        let response = app
            .http
            .post(app.url(QUERY_BASIC_CALL_INFO_PATH))
            .header("content-type", "application/json;charset=UTF-8")
            .header("authorization", &auth)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(result_code(response).await, "0100000");
    }
}

#[actix_web::test]
async fn a_signed_request_for_a_host_not_accepted_gets_421_and_no_lockout() {
    let app = spawn_app_with(|s| {
        plain(s);
        s.accepted_hosts = vec![
            "cms.example.com".to_owned(),
            "cms.example.com:8443".to_owned(),
        ];
    })
    .await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    let as_host = |host: &str| {
        let auth = json_post((AK, SK), host, QUERY_BASIC_CALL_INFO_PATH, body.as_bytes());
        app.http
            .post(app.url(QUERY_BASIC_CALL_INFO_PATH))
            .header("host", host)
            .header("content-type", "application/json;charset=UTF-8")
            .header("authorization", auth)
            .body(body.clone())
            .send()
    };
    // Validly signed, but for hosts this deployment does not serve: more than the lockout's
    // five, and the address is not locked out.
    for host in [
        "staging.example.com",
        "cms.example.com:9443",
        "127.0.0.1",
        "cms.example.com.evil",
        "staging.example.com",
        "staging.example.com",
    ] {
        let response = as_host(host).await.unwrap();
        assert_eq!(response.status(), 421, "{host}");
        let refusal: Value = response.json().await.unwrap();
        assert_eq!(
            refusal["message"],
            "this server does not serve the requested host"
        );
    }
    assert_eq!(
        result_code(as_host("CMS.example.com").await.unwrap()).await,
        "0100000"
    );
    assert_eq!(
        result_code(as_host("cms.example.com:8443").await.unwrap()).await,
        "0100000"
    );
    // Unsigned health checks come from load balancers with any host.
    let health = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[actix_web::test]
async fn sandbox_additions_past_the_byte_bound_are_refused_like_a_full_store() {
    const BOUND: usize = 64 * 1024;
    let app = spawn_app_with(|s| {
        plain(s);
        s.embedded.max_sandbox_bytes = BOUND;
    })
    .await;
    let big = |n: u32| record(&format!("1764547000000-93{n:04}"), 3, 17, 12_000).to_string();
    let mut added = 0;
    let refusal = loop {
        let answer = json_200(app.sandbox(Method::POST, "", &big(added)).await).await;
        if answer["resultCode"] != "0100000" {
            break answer;
        }
        added += 1;
        assert!(added < 100, "the byte bound never refused");
    };
    // Five records of about 12 KB fit in 64 KiB, a sixth does not.
    assert_eq!(added, 5);
    assert_eq!(refusal["resultCode"], "0100002");
    let message = refusal["resultDesc"].as_str().unwrap();
    assert!(message.contains("embedded.max_sandbox_bytes"), "{message}");
    assert!(message.contains(&BOUND.to_string()), "{message}");
    // Replacing a record by one of the same size adds nothing, so it passes.
    assert_eq!(
        result_code(app.sandbox(Method::PUT, "", &big(0)).await).await,
        "0100000"
    );
    // Ending a call makes room again.
    let end = "ccId=3&vdn=17&callId=1764547000000-930000";
    assert_eq!(
        result_code(app.sandbox(Method::DELETE, end, "").await).await,
        "0100000"
    );
    assert_eq!(
        result_code(app.sandbox(Method::POST, "", &big(added)).await).await,
        "0100000"
    );
}

#[actix_web::test]
async fn queries_are_answered_promptly_while_a_list_scans_a_million_calls_on_the_same_worker() {
    let app = spawn_app_with(|s| {
        plain(s);
        s.workers = 1;
        s.embedded.demo_calls = 1_000_000;
    })
    .await;
    // Demo calls are in ccIds 1 and 2: the list matches only these few.
    for n in 0..3 {
        let call = record(&format!("1764547000000-94000{n}"), 3, 1, 0).to_string();
        assert_eq!(
            result_code(app.sandbox(Method::POST, "", &call).await).await,
            "0100000"
        );
    }
    let (key, _) = existing_call();
    let body = query_body(&key);
    let list = {
        let auth = app.authorization(AK, SK, "GET", &format!("{CALLS}?ccId=3&limit=1000"), "");
        let request = app
            .http
            .get(app.url(&format!("{CALLS}?ccId=3&limit=1000")))
            .header("authorization", auth);
        actix_web::rt::spawn(async move {
            let started = Instant::now();
            let answer: Value = request.send().await.unwrap().json().await.unwrap();
            (answer, started.elapsed())
        })
    };
    // Queries on other connections while the list runs.
    let mut latencies = Vec::new();
    while !list.is_finished() {
        let started = Instant::now();
        let answer = json_200(app.query(&body).await).await;
        latencies.push(started.elapsed());
        assert_eq!(answer["resultCode"], "0100000");
    }
    let (listed, took) = list.await.unwrap();
    assert_eq!(listed["resultCode"], "0100000");
    assert_eq!(listed["resultDesc"].as_array().unwrap().len(), 3);
    let slowest = latencies.iter().max().copied().unwrap_or_default();
    eprintln!(
        "list took {took:?}; {} queries meanwhile, slowest {slowest:?}",
        latencies.len()
    );
    assert!(
        latencies.len() >= 5,
        "only {} queries while the list ran for {took:?}",
        latencies.len()
    );
    assert!(
        slowest < Duration::from_millis(50),
        "a query took {slowest:?} while the list ran"
    );
}
