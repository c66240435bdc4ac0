//! auth-v2 at the door: 401 for every kind of bad signature, 403 after repeated failures.

use std::time::{Duration, SystemTime};

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;

use crate::helpers::{
    AK, SK, existing_call, json_200, query_body, spawn_app, spawn_app_with, spring_refusal,
};

async fn post_with(
    app: &crate::helpers::TestApp,
    authorization: Option<&str>,
    body: &str,
) -> reqwest::Response {
    let mut request = app
        .http
        .post(app.url(QUERY_BASIC_CALL_INFO_PATH))
        .header("content-type", "application/json;charset=UTF-8")
        .body(body.to_owned());
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

#[actix_web::test]
async fn every_kind_of_bad_signature_gets_the_same_401() {
    let app = spawn_app_with(|s| s.lockout.max_failures = 100).await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    let good = app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body);
    let stale = app.authorization_at(
        AK,
        SK,
        "POST",
        QUERY_BASIC_CALL_INFO_PATH,
        &body,
        SystemTime::now() - Duration::from_secs(3600),
    );
    let future = app.authorization_at(
        AK,
        SK,
        "POST",
        QUERY_BASIC_CALL_INFO_PATH,
        &body,
        SystemTime::now() + Duration::from_secs(3600),
    );
    let cases = [
        None,
        Some("Bearer abc".to_owned()),
        Some(app.authorization(
            AK,
            "wrong-secret",
            "POST",
            QUERY_BASIC_CALL_INFO_PATH,
            &body,
        )),
        Some(app.authorization("nobody", SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body)),
        Some(format!(
            "{}{}",
            &good[..good.len() - 1],
            if good.ends_with('0') { '1' } else { '0' }
        )),
        Some(stale),
        Some(future),
    ];
    let mut messages = Vec::new();
    for authorization in &cases {
        let response = post_with(&app, authorization.as_deref(), &body).await;
        messages.push(spring_refusal(response, 401, QUERY_BASIC_CALL_INFO_PATH).await);
    }
    messages.dedup();
    assert_eq!(messages, ["request signature missing, invalid or expired"]);
}

#[actix_web::test]
async fn a_body_changed_after_signing_is_refused() {
    let app = spawn_app().await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    let auth = app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body);
    let changed = body.replacen("\"vdn\":", "\"vdn\": ", 1);
    let response = post_with(&app, Some(&auth), &changed).await;
    spring_refusal(response, 401, QUERY_BASIC_CALL_INFO_PATH).await;
}

#[actix_web::test]
async fn repeated_failures_lock_the_address_out_even_for_good_signatures() {
    let app = spawn_app_with(|s| s.lockout.max_failures = 3).await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    for _ in 0..3 {
        let response = post_with(&app, Some("auth-v2/x/2024-01-02T03:04:05Z/host/00"), &body).await;
        spring_refusal(response, 401, QUERY_BASIC_CALL_INFO_PATH).await;
    }
    let response = app.query(&body).await;
    let message = spring_refusal(response, 403, QUERY_BASIC_CALL_INFO_PATH).await;
    assert!(message.contains("try again later"), "{message}");
}

#[actix_web::test]
async fn failures_below_the_limit_do_not_block_good_requests() {
    let app = spawn_app_with(|s| s.lockout.max_failures = 3).await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    for _ in 0..2 {
        let response = post_with(&app, None, &body).await;
        spring_refusal(response, 401, QUERY_BASIC_CALL_INFO_PATH).await;
    }
    assert_eq!(
        json_200(app.query(&body).await).await["resultCode"],
        "0100000"
    );
}

#[actix_web::test]
async fn a_lockout_expires_after_its_duration() {
    let app = spawn_app_with(|s| {
        s.lockout.max_failures = 2;
        s.lockout.lock_secs = 1;
    })
    .await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    for _ in 0..2 {
        post_with(&app, None, &body).await;
    }
    spring_refusal(app.query(&body).await, 403, QUERY_BASIC_CALL_INFO_PATH).await;
    actix_web::rt::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        json_200(app.query(&body).await).await["resultCode"],
        "0100000"
    );
}

#[actix_web::test]
async fn failures_are_counted_within_the_window_only() {
    let app = spawn_app_with(|s| {
        s.lockout.max_failures = 3;
        s.lockout.window_secs = 1;
    })
    .await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    for _ in 0..2 {
        post_with(&app, None, &body).await;
    }
    actix_web::rt::time::sleep(Duration::from_millis(1300)).await;
    for _ in 0..2 {
        post_with(&app, None, &body).await;
    }
    assert_eq!(
        json_200(app.query(&body).await).await["resultCode"],
        "0100000"
    );
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_locked_out_not_the_proxy() {
    let app = spawn_app_with(|s| {
        s.lockout.max_failures = 2;
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    let post_from = |client: &'static str, authorization: Option<String>| {
        let mut request = app
            .http
            .post(app.url(QUERY_BASIC_CALL_INFO_PATH))
            .header("content-type", "application/json;charset=UTF-8")
            .header("x-forwarded-for", client)
            .body(body.clone());
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };
    for _ in 0..2 {
        post_from("192.0.2.10", None).await.unwrap();
    }
    let good = || Some(app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body));
    let locked = post_from("192.0.2.10", good()).await.unwrap();
    spring_refusal(locked, 403, QUERY_BASIC_CALL_INFO_PATH).await;
    let other = post_from("192.0.2.11", good()).await.unwrap();
    assert_eq!(json_200(other).await["resultCode"], "0100000");
}

#[actix_web::test]
async fn a_full_lock_table_ends_the_oldest_lock_and_the_gauge_says_what_it_holds() {
    let app = spawn_app_with(|s| {
        s.lockout.max_failures = 1;
        s.lockout.max_tracked_addresses = 2;
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    let post_from = |client: &'static str, authorization: Option<String>| {
        let mut request = app
            .http
            .post(app.url(QUERY_BASIC_CALL_INFO_PATH))
            .header("content-type", "application/json;charset=UTF-8")
            .header("x-forwarded-for", client)
            .body(body.clone());
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };
    for client in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        assert_eq!(post_from(client, None).await.unwrap().status(), 401);
    }
    let good = || Some(app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body));
    assert_eq!(post_from("192.0.2.1", good()).await.unwrap().status(), 200);
    for client in ["192.0.2.2", "192.0.2.3"] {
        assert_eq!(post_from(client, good()).await.unwrap().status(), 403);
    }
    let metrics = app.metrics().await;
    for line in [
        "calldata_locked_addresses 2",
        "calldata_lockouts_total 3",
        "calldata_lockouts_displaced_total 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no {line:?} in\n{metrics}"
        );
    }
}

#[actix_web::test]
async fn a_repeated_host_header_fails_the_signature() {
    let app = spawn_app_with(|s| s.lockout.max_failures = 100).await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    let auth = app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body);
    let response = app
        .http
        .post(app.url(QUERY_BASIC_CALL_INFO_PATH))
        .header("content-type", "application/json;charset=UTF-8")
        .header("authorization", auth)
        .header("host", "evil.example")
        .body(body)
        .send()
        .await
        .unwrap();
    spring_refusal(response, 401, QUERY_BASIC_CALL_INFO_PATH).await;
}

#[actix_web::test]
async fn a_key_over_its_rate_limit_gets_429_with_retry_after_and_others_do_not() {
    let app = spawn_app_with(|s| {
        s.rate_limit.per_second = 1;
        s.rate_limit.burst = 2;
    })
    .await;
    let (key, _) = existing_call();
    let body = query_body(&key);
    // Signed with milliseconds: the same request signed twice within a second would carry
    // the same signature, and a signature seen before is charged to the address, not the key.
    let fresh = || {
        let auth = app.authorization_with(
            AK,
            SK,
            ("POST", QUERY_BASIC_CALL_INFO_PATH, &body),
            SystemTime::now(),
            calldata_model::auth::TimestampPrecision::Milliseconds,
        );
        app.http
            .post(app.url(QUERY_BASIC_CALL_INFO_PATH))
            .header("content-type", "application/json;charset=UTF-8")
            .header("authorization", auth)
            .body(body.clone())
            .send()
    };
    for _ in 0..2 {
        assert_eq!(
            json_200(fresh().await.unwrap()).await["resultCode"],
            "0100000"
        );
        actix_web::rt::time::sleep(Duration::from_millis(2)).await;
    }
    let limited = fresh().await.unwrap();
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    spring_refusal(limited, 429, QUERY_BASIC_CALL_INFO_PATH).await;
    let other = app
        .query_as(
            crate::helpers::SCOPED_AK,
            crate::helpers::SCOPED_SK,
            r#"{"ccId":1,"vdn":1,"callId":"1-1"}"#,
        )
        .await;
    assert_eq!(json_200(other).await["resultCode"], "0100001");
}
