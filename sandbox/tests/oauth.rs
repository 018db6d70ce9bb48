//! Authorization APIs: authorize, token, refresh, revoke, device code.

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use digilocker_sandbox::{ConsentDecision, SandboxConfig, TestUser};
use serde_json::Value;

#[tokio::test]
async fn pkce_vector_matches_rfc7636() {
    assert_eq!(challenge_of(VERIFIER), CHALLENGE);
}

#[tokio::test]
async fn authorize_redirects_with_code_and_state() {
    let sb = start().await;
    let loc = authorize_location(&sb, &[("purpose", "kyc"), ("req_doctype", "PANCR,DRVLC")]).await;
    assert!(loc.starts_with(sb.redirect_uri()), "{loc}");
    assert_eq!(param(&loc, "state").as_deref(), Some("st-123"));
    assert_eq!(param(&loc, "code").map(|c| c.len()), Some(40));
}

#[tokio::test]
async fn authorize_consent_denied_and_logged_out() {
    let sb = start().await;
    sb.set_consent_decision(ConsentDecision::Deny);
    let loc = authorize_location(&sb, &[]).await;
    assert_eq!(param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&loc, "state").as_deref(), Some("st-123"));
    assert!(param(&loc, "error_description").is_some());
    assert!(param(&loc, "code").is_none());
    sb.set_consent_decision(ConsentDecision::LoggedOut);
    let loc = authorize_location(&sb, &[]).await;
    assert_eq!(param(&loc, "error").as_deref(), Some("user_loggedout"));
}

/// An authorize URL for `sb` with the RFC 7636 challenge and state `st-9`.
fn authorize_url(sb: &digilocker_sandbox::Sandbox, client_id: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", sb.redirect_uri()),
        ("state", "st-9"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    format!("{}/oauth2/1/authorize?{query}", sb.base_url())
}

#[tokio::test]
async fn consent_plays_the_browser_with_the_configured_decision() {
    let sb = start().await;
    let url = authorize_url(&sb, sb.client_id());

    let callback = sb.consent(&url).await.expect("approved");
    assert!(callback.starts_with(sb.redirect_uri()), "{callback}");
    assert_eq!(param(&callback, "state").as_deref(), Some("st-9"));
    let code = param(&callback, "code").expect("a code");
    let (status, body) = exchange(&sb, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");

    sb.set_consent_decision(ConsentDecision::Deny);
    let callback = sb.consent(&url).await.expect("a redirect");
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    assert!(param(&callback, "code").is_none(), "{callback}");

    sb.set_consent_decision(ConsentDecision::LoggedOut);
    let callback = sb.consent(&url).await.expect("a redirect");
    assert_eq!(param(&callback, "error").as_deref(), Some("user_loggedout"));
    assert_eq!(sb.count("GET", "/oauth2/1/authorize"), 3);
}

#[tokio::test]
async fn consent_refuses_other_urls_and_reports_refusals() {
    let sb = start().await;
    let other = start().await;
    let foreign = authorize_url(&other, other.client_id());
    for url in [
        foreign.as_str(),
        "https://digilocker.meripehchaan.gov.in/public/oauth2/1/authorize?state=x",
        &format!("{}/oauth2/1/token?x=1", sb.base_url()),
    ] {
        let err = sb.consent(url).await.unwrap_err();
        assert!(
            matches!(err, digilocker_sandbox::ConsentError::NotThisSandbox { .. }),
            "{err:?}"
        );
        assert!(!err.to_string().contains("st-9"), "no query in {err}");
    }
    assert!(other.requests().is_empty() && sb.requests().is_empty());

    // An unknown client gets an error page, not a redirect.
    let err = sb
        .consent(authorize_url(&sb, "NOT-A-CLIENT"))
        .await
        .unwrap_err();
    match err {
        digilocker_sandbox::ConsentError::NoRedirect { status, body } => {
            assert_eq!(status, 400);
            assert!(body.contains("invalid_client"), "{body}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn authorize_rejections() {
    let sb = start().await;
    let base = format!("{}/oauth2/1/authorize", sb.base_url());
    // Unknown client: an error page (JSON), not a redirect.
    let resp = http()
        .get(&base)
        .query(&[
            ("response_type", "code"),
            ("client_id", "nope"),
            ("redirect_uri", sb.redirect_uri()),
            ("state", "s"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    // Wrong redirect URI: never redirected.
    let resp = http()
        .get(&base)
        .query(&[
            ("response_type", "code"),
            ("client_id", sb.client_id()),
            ("redirect_uri", "https://evil.example.invalid/cb"),
            ("state", "s"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.headers().get("location").is_none());
    // Missing challenge, plain method, bad purpose: redirected errors.
    for (drop_key, extra) in [
        ("code_challenge", None),
        (
            "code_challenge_method",
            Some(("code_challenge_method", "plain")),
        ),
        ("", Some(("purpose", "marketing"))),
        ("state", None),
    ] {
        let mut q: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", sb.client_id()),
            ("redirect_uri", sb.redirect_uri()),
            ("state", "s"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        q.retain(|(k, _)| *k != drop_key);
        if let Some(e) = extra {
            q.push(e);
        }
        let resp = http().get(&base).query(&q).send().await.unwrap();
        assert_eq!(resp.status(), 302);
        let loc = resp.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(
            param(&loc, "error").as_deref(),
            Some("invalid_request"),
            "{loc}"
        );
    }
}

#[tokio::test]
async fn token_response_has_pdf_fields_and_types() {
    let sb = start().await;
    let body = login(&sb).await;
    let user = sb.test_user();
    assert_eq!(body["access_token"].as_str().unwrap().len(), 40);
    assert!(body["expires_in"].is_u64());
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["scope"].as_str().unwrap().contains("files.issueddocs"));
    assert!(body["consent_valid_till"].is_i64());
    assert!(body["refresh_token"].is_string());
    assert_eq!(body["digilockerid"], user.digilockerid.as_str());
    assert_eq!(body["name"], user.name.as_str());
    assert_eq!(body["dob"], user.dob.as_str());
    assert_eq!(body["gender"], user.gender.as_str());
    assert_eq!(body["eaadhaar"], "Y");
    assert_eq!(body["new_account"], "N");
    assert_eq!(body["reference_key"], user.reference_key.as_str());
    assert!(body.get("id_token").is_none());
}

#[tokio::test]
async fn openid_scope_adds_id_token_and_signup_flow_marks_new_account() {
    let sb = start().await;
    let loc = authorize_location(&sb, &[("scope", "openid"), ("dl_flow", "signup")]).await;
    let code = param(&loc, "code").unwrap();
    let (status, body) = exchange(&sb, &code, VERIFIER).await;
    assert_eq!(status, 200);
    assert_eq!(body["new_account"], "Y");
    let jwt = body["id_token"].as_str().unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["aud"], sb.client_id());
    assert_eq!(claims["masked_aadhaar"], "xxxxxxxx1234");
}

#[tokio::test]
async fn basic_auth_is_accepted() {
    let sb = start().await;
    let code = code(&sb).await;
    let resp = http()
        .post(format!("{}/oauth2/1/token", sb.base_url()))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", sb.redirect_uri()),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        sb.requests().last().unwrap().auth_scheme.as_deref(),
        Some("Basic")
    );
}

#[tokio::test]
async fn wrong_verifier_is_invalid_grant() {
    let sb = start().await;
    let code = code(&sb).await;
    let other = "x".repeat(43);
    let (status, body) = exchange(&sb, &code, &other).await;
    assert_error(status, &body, 400, "invalid_grant");
    // Too short a verifier is rejected too.
    let code = common::code(&sb).await;
    let (status, body) = exchange(&sb, &code, "short").await;
    assert_error(status, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn code_is_single_use() {
    let sb = start().await;
    let code = code(&sb).await;
    assert_eq!(exchange(&sb, &code, VERIFIER).await.0, 200);
    let (status, body) = exchange(&sb, &code, VERIFIER).await;
    assert_error(status, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn code_expires() {
    let sb = start_with(SandboxConfig {
        code_ttl: Duration::from_millis(200),
        ..SandboxConfig::default()
    })
    .await;
    let code = code(&sb).await;
    // Issued before its answer arrived: expired 200 ms after that, surely.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, body) = exchange(&sb, &code, VERIFIER).await;
    assert_error(status, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn token_endpoint_rejections() {
    let sb = start().await;
    let url = format!("{}/oauth2/1/token", sb.base_url());
    let (s, b) = post_form(&sb, "/oauth2/1/token", &[("grant_type", "password")], None).await;
    assert_error(s, &b, 400, "invalid_grant_type");
    let code = code(&sb).await;
    let (s, b) = post_form(
        &sb,
        "/oauth2/1/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", sb.client_id()),
            ("client_secret", "wrong"),
            ("redirect_uri", sb.redirect_uri()),
            ("code_verifier", VERIFIER),
        ],
        None,
    )
    .await;
    assert_error(s, &b, 400, "invalid_client");
    // JSON bodies are not accepted: the PDF says form-encoded only.
    let resp = http()
        .post(&url)
        .json(&serde_json::json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    // Redirect URI must match the authorize request.
    let code = common::code(&sb).await;
    let (s, b) = post_form(
        &sb,
        "/oauth2/1/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", sb.client_id()),
            ("client_secret", sb.client_secret()),
            ("redirect_uri", "https://other.example.invalid/"),
            ("code_verifier", VERIFIER),
        ],
        None,
    )
    .await;
    assert_error(s, &b, 400, "invalid_grant");
}

async fn refresh(sb: &digilocker_sandbox::Sandbox, token: &str) -> (u16, Value) {
    let resp = http()
        .post(format!("{}/oauth2/1/token", sb.base_url()))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap();
    let s = resp.status().as_u16();
    (s, resp.json().await.unwrap())
}

/// Requester v1.12 p.8: the refresh grant authenticates the client with
/// HTTP Basic only; body credentials are refused unless configured.
#[tokio::test]
async fn refresh_refuses_body_credentials_unless_allowed() {
    for allowed in [false, true] {
        let sb = start_with(SandboxConfig {
            refresh_body_credentials: allowed,
            ..Default::default()
        })
        .await;
        let first = login(&sb).await;
        let token = first["refresh_token"].as_str().unwrap();
        let resp = http()
            .post(format!("{}/oauth2/1/token", sb.base_url()))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", token),
                ("client_id", sb.client_id()),
                ("client_secret", sb.client_secret()),
            ])
            .send()
            .await
            .unwrap();
        let s = resp.status().as_u16();
        let b: Value = resp.json().await.unwrap();
        if allowed {
            assert_eq!(s, 200, "{b}");
        } else {
            assert_error(s, &b, 400, "invalid_client");
            // The refresh token was not spent by the refused request.
            assert_eq!(refresh(&sb, token).await.0, 200);
        }
    }
}

#[tokio::test]
async fn refresh_rotates_and_is_counted() {
    let sb = start().await;
    let first = login(&sb).await;
    let old = first["refresh_token"].as_str().unwrap();
    let (s, second) = refresh(&sb, old).await;
    assert_eq!(s, 200);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert!(second.get("new_account").is_none());
    assert_eq!(second["digilockerid"], first["digilockerid"]);
    let (s, b) = refresh(&sb, old).await;
    assert_error(s, &b, 400, "invalid_grant");
    assert_eq!(sb.token_refresh_count(), 2);
    let (s, _) = get_json(
        &sb,
        second["access_token"].as_str().unwrap(),
        "/oauth2/1/user",
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn access_token_expires() {
    let ttl = Duration::from_secs(2);
    let sb = start_with(SandboxConfig {
        access_token_ttl: ttl,
        ..SandboxConfig::default()
    })
    .await;
    let body = login(&sb).await;
    // The token was issued before its answer arrived: it has expired by
    // `received + ttl`, whatever the machine's speed.
    let received = tokio::time::Instant::now();
    assert_eq!(body["expires_in"], 2);
    let token = body["access_token"].as_str().unwrap();
    // Within its lifetime (2 s of margin for a loopback call) it works.
    assert_eq!(get_json(&sb, token, "/oauth2/1/user").await.0, 200);
    tokio::time::sleep_until(received + ttl).await;
    let (s, b) = get_json(&sb, token, "/oauth2/1/user").await;
    assert_error(s, &b, 401, "invalid_token");
    // The refresh token still works.
    let (s, _) = refresh(&sb, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn revoke_access_token_then_401() {
    let sb = start().await;
    let body = login(&sb).await;
    let token = body["access_token"].as_str().unwrap();
    let resp = http()
        .post(format!("{}/oauth2/1/revoke", sb.base_url()))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[("token", token), ("token_type_hint", "access_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (s, b) = get_json(&sb, token, "/oauth2/1/user").await;
    assert_error(s, &b, 401, "invalid_token");
    // The whole grant is gone: its refresh token too.
    let (s, b) = refresh(&sb, body["refresh_token"].as_str().unwrap()).await;
    assert_error(s, &b, 400, "invalid_grant");
    // Revoking an unknown token is still 200; bad client credentials are not.
    let resp = http()
        .post(format!("{}/oauth2/1/revoke", sb.base_url()))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[("token", "unknown"), ("token_type_hint", "bogus")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http()
        .post(format!("{}/oauth2/1/revoke", sb.base_url()))
        .basic_auth(sb.client_id(), Some("wrong"))
        .form(&[("token", "unknown")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn revoke_refresh_token_and_server_side_revoke() {
    let sb = start().await;
    let body = login(&sb).await;
    let resp = http()
        .post(format!("{}/oauth2/1/revoke", sb.base_url()))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[("token", body["refresh_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (s, _) = get_json(
        &sb,
        body["access_token"].as_str().unwrap(),
        "/oauth2/1/user",
    )
    .await;
    assert_eq!(s, 401);

    let token = access_token(&sb).await;
    sb.revoke_all_tokens();
    let (s, b) = get_json(&sb, &token, "/oauth2/1/user").await;
    assert_error(s, &b, 401, "invalid_token");

    let token = access_token(&sb).await;
    sb.expire_access_tokens();
    assert_eq!(get_json(&sb, &token, "/oauth2/1/user").await.0, 401);
}

#[tokio::test]
async fn missing_bearer_is_invalid_token() {
    let sb = start().await;
    let resp = http()
        .get(format!("{}/oauth2/1/user", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().get("www-authenticate").is_some());
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_token"
    );
}

#[tokio::test]
async fn device_code_flow() {
    let sb = start().await;
    let user = sb.test_user();
    let (s, dc) = post_form(
        &sb,
        "/oauth2/1/code",
        &[
            ("client_id", sb.client_id()),
            ("response_type", "device_code"),
            ("dl_username", &user.username),
        ],
        None,
    )
    .await;
    assert_eq!(s, 200, "{dc}");
    assert_eq!(dc["dl_masked_mobile"], "XXXXXX0001");
    assert!(
        dc["dl_masked_email"]
            .as_str()
            .unwrap()
            .ends_with("@example.invalid")
    );
    assert_eq!(dc["expires_in"], 600);
    let device_code = dc["device_code"].as_str().unwrap();
    let grant = "urn:ietf:params:oauth:grant-type:device_code";
    let (s, b) = post_form(
        &sb,
        "/oauth2/1/token",
        &[
            ("grant_type", grant),
            ("client_id", sb.client_id()),
            ("device_code", device_code),
            ("dl_otp", "000000"),
        ],
        None,
    )
    .await;
    assert_error(s, &b, 400, "invalid_grant");
    let (s, tok) = post_form(
        &sb,
        "/oauth2/1/token",
        &[
            ("grant_type", grant),
            ("client_id", sb.client_id()),
            ("device_code", device_code),
            ("dl_otp", sb.device_otp()),
        ],
        None,
    )
    .await;
    assert_eq!(s, 200, "{tok}");
    assert_eq!(tok["digilockerid"], user.digilockerid.as_str());
    let (s, _) = get_json(&sb, tok["access_token"].as_str().unwrap(), "/oauth2/1/user").await;
    assert_eq!(s, 200);
    // The device code is single use.
    let (s, _) = post_form(
        &sb,
        "/oauth2/1/token",
        &[
            ("grant_type", grant),
            ("client_id", sb.client_id()),
            ("device_code", device_code),
            ("dl_otp", sb.device_otp()),
        ],
        None,
    )
    .await;
    assert_eq!(s, 400);
    // The OTP is never logged.
    assert!(
        sb.requests()
            .iter()
            .all(|r| r.form_value("dl_otp").is_none_or(|v| v == "<redacted>"))
    );
}

#[tokio::test]
async fn device_code_rejections() {
    let sb = start().await;
    let twin = TestUser {
        digilockerid: "5a1d0c4e-0000-4000-8000-5a0d0b0c0002".into(),
        username: "twin.sandbox".into(),
        uid: "999999995678".into(),
        ..TestUser::default()
    };
    sb.add_user(twin);
    let cases: [Case; 5] = [
        (
            &[
                ("client_id", "nope"),
                ("response_type", "device_code"),
                ("dl_username", "asha.sandbox"),
            ],
            401,
            "invalid_client_id",
        ),
        (
            &[
                ("client_id", "SBXCLIENT01"),
                ("response_type", "code"),
                ("dl_username", "asha.sandbox"),
            ],
            400,
            "invalid_response_type",
        ),
        (
            &[
                ("client_id", "SBXCLIENT01"),
                ("response_type", "device_code"),
                ("dl_username", "nobody"),
            ],
            400,
            "invalid_username",
        ),
        (
            &[
                ("client_id", "SBXCLIENT01"),
                ("response_type", "device_code"),
                ("dl_mobile", "9999999999"),
            ],
            400,
            "invalid_mobile",
        ),
        (
            &[
                ("client_id", "SBXCLIENT01"),
                ("response_type", "device_code"),
                ("dl_mobile", "9999900001"),
            ],
            400,
            "multiple_mobile_accounts",
        ),
    ];
    for (form, status, error) in cases {
        let (s, b) = post_form(&sb, "/oauth2/1/code", form, None).await;
        assert_error(s, &b, status, error);
    }
    // The upstream spec's JSON body is accepted as well.
    let resp = http()
        .post(format!("{}/oauth2/1/code", sb.base_url()))
        .json(&serde_json::json!({"client_id": sb.client_id(), "response_type": "device_code", "dl_username": "twin.sandbox"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}
