//! Fault injection, the request log and lifecycle.

mod common;

use std::time::{Duration, Instant};

use common::*;
use digilocker_sandbox::Fault;

#[tokio::test]
async fn status_burst_then_recovery() {
    let sb = start().await;
    let token = access_token(&sb).await;
    sb.inject(Fault::Status {
        path: "/oauth2/1/user".into(),
        times: 2,
        status: 503,
        error: "repository_service_unresponsive".into(),
    });
    for _ in 0..2 {
        let (s, b) = get_json(&sb, &token, "/oauth2/1/user").await;
        assert_error(s, &b, 503, "repository_service_unresponsive");
    }
    assert_eq!(get_json(&sb, &token, "/oauth2/1/user").await.0, 200);
    sb.inject(Fault::Status {
        path: "/oauth2/1/token".into(),
        times: 1,
        status: 500,
        error: "unexpected_error".into(),
    });
    let code = code(&sb).await;
    let (s, b) = exchange(&sb, &code, VERIFIER).await;
    assert_error(s, &b, 500, "unexpected_error");
    assert_eq!(b["error_description"], "Internal server error");
    // Status 530 (Meri Pehchaan v2.3) can be injected too.
    sb.inject(Fault::Status {
        path: "/oauth2/2/files/issued".into(),
        times: 1,
        status: 530,
        error: "unexpected_error".into(),
    });
    assert_eq!(get_json(&sb, &token, "/oauth2/2/files/issued").await.0, 530);
    assert_eq!(sb.count("GET", "/oauth2/1/user"), 3);
}

#[tokio::test]
async fn delay() {
    let sb = start().await;
    let token = access_token(&sb).await;
    sb.inject(Fault::Delay {
        path: "/oauth2/1/user".into(),
        delay: Duration::from_secs(1),
        times: 1,
    });
    let started = Instant::now();
    assert_eq!(get_json(&sb, &token, "/oauth2/1/user").await.0, 200);
    assert!(started.elapsed() >= Duration::from_secs(1));
    // The fault is used up: the next call is not held. Were it held, it
    // would take at least 1 s; a loopback call takes milliseconds, so the
    // bound only fails on a machine stalled for most of a second.
    let started = Instant::now();
    get_json(&sb, &token, "/oauth2/1/user").await;
    assert!(started.elapsed() < Duration::from_secs(1));
    // A client timeout shorter than the delay fails.
    sb.inject(Fault::Delay {
        path: "/oauth2/1/user".into(),
        delay: Duration::from_secs(2),
        times: 1,
    });
    let err = http()
        .get(format!("{}/oauth2/1/user", sb.base_url()))
        .bearer_auth(&token)
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn drop_mid_body() {
    let sb = start().await;
    let token = access_token(&sb).await;
    let uri = "in.gov.cbse-HSCER-201900001234";
    sb.inject(Fault::DropMidBody {
        path: "/oauth2/1/file/".into(),
        times: 1,
    });
    let resp = http()
        .get(format!("{}/oauth2/1/file/{uri}", sb.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let declared: usize = resp.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(declared > 0);
    let mut resp = resp;
    let mut received = 0;
    let failed = loop {
        match resp.chunk().await {
            Ok(Some(c)) => received += c.len(),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(failed, "body must fail mid-way");
    assert_eq!(received, declared / 2, "half the body arrives first");
    // The next download is whole.
    let (s, h, body) = get(&sb, &token, &format!("/oauth2/1/file/{uri}")).await;
    assert_eq!(s, 200);
    assert_eq!(
        h["hmac"].to_str().unwrap(),
        hmac_b64(sb.client_secret(), &body)
    );
}

#[tokio::test]
async fn tamper_body_keeps_original_hmac() {
    let sb = start().await;
    let token = access_token(&sb).await;
    let path = "/oauth2/1/file/in.gov.cbse-HSCER-201900001234";
    let (_, h, original) = get(&sb, &token, path).await;
    sb.inject(Fault::TamperBody {
        path: path.into(),
        times: 1,
    });
    let (s, h2, tampered) = get(&sb, &token, path).await;
    assert_eq!(s, 200);
    assert_eq!(h2["hmac"], h["hmac"]);
    assert_eq!(tampered.len(), original.len());
    assert_ne!(tampered, original);
    assert_eq!(
        tampered
            .iter()
            .zip(&original)
            .filter(|(a, b)| a != b)
            .count(),
        1
    );
    assert_ne!(
        h2["hmac"].to_str().unwrap(),
        hmac_b64(sb.client_secret(), &tampered)
    );
}

#[tokio::test]
async fn omit_hmac_header() {
    let sb = start().await;
    let token = access_token(&sb).await;
    sb.inject(Fault::OmitHmacHeader {
        path: "/oauth2/3/xml/eaadhaar".into(),
        times: 1,
    });
    let (s, h, _) = get(&sb, &token, "/oauth2/3/xml/eaadhaar").await;
    assert_eq!(s, 200);
    assert!(h.get("hmac").is_none());
    let (_, h, _) = get(&sb, &token, "/oauth2/3/xml/eaadhaar").await;
    assert!(h.get("hmac").is_some());
}

#[tokio::test]
async fn clear_faults() {
    let sb = start().await;
    let token = access_token(&sb).await;
    sb.inject(Fault::Status {
        path: "/oauth2/1/user".into(),
        times: 5,
        status: 503,
        error: "repository_service_unresponsive".into(),
    });
    sb.clear_faults();
    assert_eq!(get_json(&sb, &token, "/oauth2/1/user").await.0, 200);
}

#[tokio::test]
async fn request_log_has_no_secrets() {
    let sb = start().await;
    let body = login(&sb).await;
    let token = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    get_json(&sb, &token, "/oauth2/1/user").await;
    let log = sb.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/oauth2/1/authorize");
    assert!(
        log[0]
            .query
            .as_deref()
            .unwrap()
            .contains("code_challenge_method=S256")
    );
    assert_eq!(log[0].status, 302);
    assert_eq!(log[1].path, "/oauth2/1/token");
    assert_eq!(log[1].form_value("grant_type"), Some("authorization_code"));
    assert_eq!(log[1].form_value("client_secret"), Some("<redacted>"));
    assert_eq!(log[1].form_value("code_verifier"), Some("<redacted>"));
    assert_eq!(
        log[1].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(log[2].auth_scheme.as_deref(), Some("Bearer"));
    assert_eq!(log[2].status, 200);
    let dump = format!("{log:?}");
    for secret in [
        sb.client_secret(),
        token.as_str(),
        refresh.as_str(),
        VERIFIER,
    ] {
        assert!(!dump.contains(secret), "log leaks a secret");
    }
    assert_eq!(sb.count("get", "/oauth2/1/user"), 1);
    assert_eq!(sb.token_refresh_count(), 0);
    sb.clear_requests();
    assert!(sb.requests().is_empty());
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let sb = start().await;
    let resp = http()
        .get(format!("{}/nope", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.json::<serde_json::Value>().await.unwrap()["error"].is_string());
    let resp = http()
        .get(format!("{}/oauth2/1/token", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert!(resp.json::<serde_json::Value>().await.unwrap()["error"].is_string());
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sb = start().await;
    let url = format!("{}/oauth2/1/user", sb.base_url());
    sb.shutdown().await;
    assert!(http().get(url).send().await.is_err());
}
