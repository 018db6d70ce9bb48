//! The authorization-code + PKCE flow, the token lifecycle and redaction,
//! end to end against the sandbox over loopback HTTP.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{
    authorize, client_for, consent, sandbox_and_client, sandbox_with, sign_in, signed_in,
};
use digilocker_authpartner::auth::{Callback, PendingAuthorization, PkceVerifier, TokenKind};
use digilocker_authpartner::client::CredentialsIn;
use digilocker_authpartner::{AuthError, Client, Error, ErrorCode};
use digilocker_sandbox::{ConsentDecision, SandboxConfig};
use secrecy::ExposeSecret;

#[tokio::test]
async fn full_authorization_code_flow_with_pkce() {
    let (sb, client) = sandbox_and_client().await;
    let (url, pending) = client.authorize_url().build().unwrap();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(get("state").as_deref(), Some(pending.state()));
    assert_eq!(get("client_id").as_deref(), Some(sb.client_id()));

    let callback = consent(&url).await;
    let tokens = client.exchange_code(&pending, &callback).await.unwrap();
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(
        tokens.digilockerid.as_deref(),
        Some(sb.test_user().digilockerid.as_str())
    );
    assert!(tokens.expires_at() > std::time::Instant::now());

    let me = client.get_user_details().send().await.unwrap().into_inner();
    assert_eq!(me.digilockerid, sb.test_user().digilockerid);
    assert_eq!(me.name, sb.test_user().name);
    let user_call = sb
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth2/1/user")
        .unwrap();
    assert_eq!(user_call.auth_scheme.as_deref(), Some("Bearer"));
}

#[tokio::test]
async fn wrong_verifier_is_rejected_by_the_server_with_a_typed_error() {
    let (_sb, client) = sandbox_and_client().await;
    let (pending, callback) = authorize(&client).await;
    // Swap the verifier the way a corrupted session would.
    let mut stored: serde_json::Value =
        serde_json::from_str(&pending.to_json_exposing_secrets()).unwrap();
    let other = PkceVerifier::generate().unwrap();
    stored["verifier"] = other.secret().expose_secret().into();
    let tampered = PendingAuthorization::from_json(stored.to_string().as_bytes()).unwrap();

    let err = client
        .exchange_code(&tampered, &callback)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(err.code(), Some(&ErrorCode::InvalidGrant), "{err}");
    assert_eq!(err.operation(), Some("get_access_token"));
}

#[tokio::test]
async fn state_mismatch_is_rejected_before_any_request() {
    let (sb, client) = sandbox_and_client().await;
    let (pending, callback) = authorize(&client).await;
    let forged = callback.replace(pending.state(), "forged-state");
    sb.clear_requests();
    let err = client.exchange_code(&pending, &forged).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::StateMismatch)),
        "{err:?}"
    );
    assert!(sb.requests().is_empty(), "nothing may reach the server");
}

#[tokio::test]
async fn a_code_is_single_use() {
    let (_sb, client) = sandbox_and_client().await;
    let (pending, callback) = authorize(&client).await;
    client.exchange_code(&pending, &callback).await.unwrap();
    let err = client.exchange_code(&pending, &callback).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidGrant), "{err}");
}

#[tokio::test]
async fn consent_denied_is_a_typed_error() {
    let (sb, client) = sandbox_and_client().await;
    sb.set_consent_decision(ConsentDecision::Deny);
    let (pending, callback) = authorize(&client).await;
    let err = client.exchange_code(&pending, &callback).await.unwrap_err();
    match err {
        Error::Auth(AuthError::Denied { code, .. }) => assert_eq!(code, ErrorCode::AccessDenied),
        other => panic!("expected a denial, got {other:?}"),
    }
}

#[tokio::test]
async fn callback_parsing_accepts_urls_and_queries() {
    let cb = Callback::parse("https://x.example/cb?code=abc&state=s1").unwrap();
    assert_eq!(cb.state(), Some("s1"));
    let cb = Callback::parse("?state=s2&code=abc").unwrap();
    assert_eq!(cb.state(), Some("s2"));
    assert!(Callback::parse("   ").is_err());
}

#[tokio::test]
async fn refresh_rotates_tokens() {
    let (sb, client) = signed_in().await;
    let before = client.stored_tokens().await.unwrap().unwrap();
    let refreshed = client.refresh().await.unwrap();
    let after = client.stored_tokens().await.unwrap().unwrap();
    assert_ne!(
        before.access_token.expose_secret(),
        after.access_token.expose_secret()
    );
    assert_eq!(
        refreshed.access_token.expose_secret(),
        after.access_token.expose_secret()
    );
    assert_eq!(sb.token_refresh_count(), 1);
    client.get_user_details().send().await.unwrap();
}

#[tokio::test]
async fn credentials_can_travel_as_http_basic() {
    let (sb, _) = sandbox_and_client().await;
    let client = client_for(&sb, |b| b.credentials_in(CredentialsIn::Basic));
    sign_in(&client).await;
    let token_call = sb
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth2/1/token")
        .unwrap();
    assert_eq!(token_call.auth_scheme.as_deref(), Some("Basic"));
    assert_eq!(token_call.form_value("client_secret"), None);
}

/// Requester v1.12 p.8 documents only HTTP Basic for the refresh grant: the
/// default sends it there even when the exchange sent body credentials, and
/// the strict sandbox refuses body credentials unless told to allow them.
#[tokio::test]
async fn refresh_sends_credentials_in_basic_by_default() {
    let (sb, client) = signed_in().await;
    sb.clear_requests();
    client.refresh().await.unwrap();
    let refresh = sb
        .requests()
        .into_iter()
        .find(|r| r.form_value("grant_type") == Some("refresh_token"))
        .unwrap();
    assert_eq!(refresh.auth_scheme.as_deref(), Some("Basic"));
    assert_eq!(refresh.form_value("client_secret"), None);
    assert_eq!(refresh.form_value("client_id"), None);

    let body = |sb: &digilocker_sandbox::Sandbox| {
        client_for(sb, |b| b.refresh_credentials_in(CredentialsIn::Body))
    };
    let client = body(&sb);
    sign_in(&client).await;
    let err = client.refresh().await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidClient), "{err}");

    let (lenient, _) = sandbox_with(SandboxConfig {
        refresh_body_credentials: true,
        ..Default::default()
    })
    .await;
    let client = body(&lenient);
    sign_in(&client).await;
    client.refresh().await.unwrap();
}

/// Rounds of the concurrency tests below, each with `CALLS` calls started
/// together on two worker threads: 20 x 16 calls racing for one refresh.
const ROUNDS: usize = 20;
const CALLS: usize = 16;

/// Starts `CALLS` user-details calls at once and waits for all of them.
async fn concurrent_calls(client: &Client) {
    let start = Arc::new(tokio::sync::Barrier::new(CALLS));
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let (client, start) = (client.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                client.get_user_details().send().await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_after_a_server_side_expiry_refresh_once() {
    let (sb, client) = signed_in().await;
    for round in 1..=ROUNDS {
        sb.expire_access_tokens();
        concurrent_calls(&client).await;
        assert_eq!(sb.token_refresh_count(), round, "round {round}");
    }
}

/// The client refreshes a token that expires within `refresh_before_expiry`
/// before using it: once for all concurrent callers, and before the server
/// would refuse it (no call sees a 401). Tokens live 3 s and are refreshed
/// when less than 2 s remain: a call right after a refresh uses the token
/// as it is; calls 1.3 s later (1.7 s left) refresh it first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_near_expiry_refresh_once() {
    let config = SandboxConfig {
        access_token_ttl: Duration::from_secs(3),
        ..SandboxConfig::default()
    };
    let (sb, _) = sandbox_with(config).await;
    let client = client_for(&sb, |b| b.refresh_before_expiry(Duration::from_secs(2)));
    sign_in(&client).await;
    let rounds = 4;
    for round in 1..=rounds {
        // Fresh token (1 s outside the window): no refresh.
        client.get_user_details().send().await.unwrap();
        assert_eq!(sb.token_refresh_count(), round - 1, "round {round}");
        tokio::time::sleep(Duration::from_millis(1300)).await;
        concurrent_calls(&client).await;
        assert_eq!(sb.token_refresh_count(), round, "round {round}");
    }
    let statuses: Vec<u16> = sb
        .requests()
        .iter()
        .filter(|r| r.path == "/oauth2/1/user")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses.len(), rounds * (CALLS + 1));
    assert!(
        statuses.iter().all(|s| *s == 200),
        "refreshed before expiry, not after a 401: {statuses:?}"
    );
}

#[tokio::test]
async fn server_side_revoke_gives_one_refresh_then_consent_required() {
    let (sb, client) = signed_in().await;
    sb.revoke_all_tokens();
    let err: Error = client.get_user_details().send().await.unwrap_err();
    // The 401's refresh got `invalid_grant` and the store holds nothing
    // newer: the user must consent again.
    assert!(
        matches!(err, Error::Auth(AuthError::ConsentRequired)),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(sb.token_refresh_count(), 1, "exactly one refresh attempt");
}

#[tokio::test]
async fn revoke_ends_the_session() {
    let (sb, client) = signed_in().await;
    let token = client
        .stored_tokens()
        .await
        .unwrap()
        .unwrap()
        .access_token
        .expose_secret()
        .to_string();
    client.revoke(TokenKind::Access).await.unwrap();
    let revoke_call = sb
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth2/1/revoke")
        .unwrap();
    assert_eq!(revoke_call.auth_scheme.as_deref(), Some("Basic"));
    let err: Error = client.get_user_details().send().await.unwrap_err();
    assert!(matches!(err, Error::Auth(AuthError::NoToken)), "{err:?}");

    // The revoked token itself is dead on the server.
    let raw = reqwest::Client::new()
        .get(format!("{}/oauth2/1/user", sb.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 401);
}

#[tokio::test]
#[allow(deprecated)]
async fn device_code_flow() {
    let (sb, client) = sandbox_and_client().await;
    let code = client
        .start_device_login(digilocker_authpartner::auth::DeviceLogin::Mobile(
            sb.test_user().mobile,
        ))
        .await
        .unwrap();
    assert!(code.expires_in > 0);
    let wrong = client
        .complete_device_login(&code.device_code, "000000")
        .await
        .unwrap_err();
    assert_eq!(wrong.status(), Some(400), "{wrong:?}");
    assert_eq!(wrong.code(), Some(&ErrorCode::InvalidGrant), "{wrong:?}");
    let code = client
        .start_device_login(digilocker_authpartner::auth::DeviceLogin::Mobile(
            sb.test_user().mobile,
        ))
        .await
        .unwrap();
    client
        .complete_device_login(&code.device_code, sb.device_otp())
        .await
        .unwrap();
    let me = client.get_user_details().send().await.unwrap();
    assert_eq!(me.digilockerid, sb.test_user().digilockerid);
}

#[tokio::test]
async fn sessions_share_configuration_but_not_tokens() {
    let (_sb, client) = signed_in().await;
    let other = client.session("another-user").unwrap();
    let err: Error = other.get_user_details().send().await.unwrap_err();
    assert!(matches!(err, Error::Auth(AuthError::NoToken)), "{err:?}");
    client.get_user_details().send().await.unwrap();
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused() {
    let err = Client::builder("id", "secret")
        .base_url("http://api.digitallocker.gov.in/public")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(
        Client::builder("id", "secret")
            .base_url("http://127.0.0.1:9/public")
            .build()
            .is_ok()
    );
}

/// Every public auth type and error, formatted every way, leaks no secret.
#[tokio::test]
async fn secrets_never_appear_in_debug_display_or_errors() {
    let (sb, client) = sandbox_and_client().await;
    let (pending, callback) = authorize(&client).await;
    let verifier = serde_json::from_str::<serde_json::Value>(&pending.to_json_exposing_secrets())
        .unwrap()["verifier"]
        .as_str()
        .unwrap()
        .to_string();
    let response = client.exchange_code(&pending, &callback).await.unwrap();
    let stored = client.stored_tokens().await.unwrap().unwrap();
    let access = stored.access_token.expose_secret().to_string();
    let refresh = stored
        .refresh_token
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_string();
    let secret = sb.client_secret().to_string();
    let code = Callback::parse(&callback).unwrap();

    sb.revoke_all_tokens();
    let api_error: Error = client.get_user_details().send().await.unwrap_err();
    let replay_error = client.exchange_code(&pending, &callback).await.unwrap_err();
    let builder = Client::builder("id", secret.clone());

    let rendered = [
        format!("{client:?}"),
        format!("{builder:?}"),
        format!("{pending:?}"),
        format!("{response:?}"),
        format!("{stored:?}"),
        format!("{code:?}"),
        format!("{api_error:?} {api_error}"),
        format!("{replay_error:?} {replay_error}"),
        format!("{:?}", PkceVerifier::new(verifier.clone()).unwrap()),
    ]
    .join("\n");
    for (name, value) in [
        ("client secret", secret.as_str()),
        ("access token", access.as_str()),
        ("refresh token", refresh.as_str()),
        ("PKCE verifier", verifier.as_str()),
    ] {
        assert!(!rendered.contains(value), "{name} leaked:\n{rendered}");
    }
    assert!(rendered.contains("REDACTED"));
}
