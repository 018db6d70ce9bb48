//! Shared helpers for the end-to-end tests: an in-process sandbox and an SDK
//! client signed in through the real authorization-code + PKCE flow.
#![allow(dead_code)]

pub mod tools;

use digilocker_authpartner::Client;
use digilocker_authpartner::auth::PendingAuthorization;
use digilocker_sandbox::{Sandbox, SandboxConfig};

/// A sandbox with default settings and a client configured for it.
pub async fn sandbox_and_client() -> (Sandbox, Client) {
    sandbox_with(SandboxConfig::default()).await
}

/// A sandbox with `config` and a client configured for it.
pub async fn sandbox_with(config: SandboxConfig) -> (Sandbox, Client) {
    let sb = Sandbox::start_with(config).await.expect("sandbox starts");
    let client = client_for(&sb, |b| b);
    (sb, client)
}

/// The session key of the clients these helpers make.
pub const TEST_USER: &str = "test-user";

/// The [`TEST_USER`] handle of a client for `sb`, with extra builder settings.
pub fn client_for(
    sb: &Sandbox,
    configure: impl FnOnce(
        digilocker_authpartner::ClientBuilder,
    ) -> digilocker_authpartner::ClientBuilder,
) -> Client {
    configure(
        Client::builder(sb.client_id(), sb.client_secret())
            .base_url(&sb.base_url())
            .redirect_uri(sb.redirect_uri()),
    )
    .build()
    .expect("client builds")
    .session(TEST_USER)
    .expect("session key")
}

/// Plays the browser: opens the authorize URL and returns the redirect target.
pub async fn consent(url: &url::Url) -> String {
    // One browser for every consent (building a client loads the TLS
    // roots), without a connection pool: tests run on runtimes of their own.
    static BROWSER: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .expect("browser")
    });
    let response = BROWSER
        .get(url.as_str())
        .send()
        .await
        .expect("authorize answers");
    assert_eq!(response.status().as_u16(), 302, "authorize redirects");
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location header")
        .to_string()
}

/// Starts the flow and returns the pending authorization plus the callback URL.
pub async fn authorize(client: &Client) -> (PendingAuthorization, String) {
    let (url, pending) = client.authorize_url().build().expect("authorize url");
    let callback = consent(&url).await;
    (pending, callback)
}

/// Runs the whole authorization-code + PKCE flow; the client holds tokens after.
pub async fn sign_in(client: &Client) {
    let (pending, callback) = authorize(client).await;
    client
        .exchange_code(&pending, &callback)
        .await
        .expect("code exchange succeeds");
}

/// A signed-in client against a fresh default sandbox.
pub async fn signed_in() -> (Sandbox, Client) {
    let (sb, client) = sandbox_and_client().await;
    sign_in(&client).await;
    (sb, client)
}
