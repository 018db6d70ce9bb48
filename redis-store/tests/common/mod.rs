//! Shared helpers: the test Redis, a sandbox, and a signed-in session.
#![allow(dead_code)]

use std::sync::Arc;

use digilocker_authpartner::Client;
use digilocker_authpartner::auth::{SessionBinding, SessionKey, StoredTokens};
use digilocker_authpartner_redis::RedisStore;
use digilocker_sandbox::Sandbox;

/// The variable that names the test Redis (`.ci/run` sets it).
pub const REDIS_URL_VAR: &str = "DIGILOCKER_TEST_REDIS_URL";

/// The test Redis URL; fails the test when it is not set. The tests that
/// need it are ignored unless asked for (`tests/common/tools.rs` of the
/// root crate).
pub fn redis_url() -> String {
    match std::env::var(REDIS_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => root::tools::require(
            Err::<String, _>(format!("{REDIS_URL_VAR} is not set")),
            "a real Redis (.ci/run installs redis-server and starts one)",
        ),
    }
}

/// A key prefix no other test uses.
pub fn unique_prefix(name: &str) -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("randomness");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("test-{name}-{hex}")
}

/// A store on the test Redis under a fresh prefix.
pub async fn store(url: &str, name: &str) -> RedisStore {
    RedisStore::builder(url)
        .key_prefix(unique_prefix(name))
        .connect()
        .await
        .expect("the test Redis answers")
}

// The root crate's sandbox helpers: the client for a sandbox and the
// browser that plays the consent page.
#[path = "../../../tests/common/mod.rs"]
pub mod root;

pub use root::consent;

/// A client for `sb` (the root helpers' test user's handle, tokens in memory).
pub fn client_for(sb: &Sandbox) -> Client {
    root::client_for(sb, |b| b)
}

/// The app-wide client of one replica for `sb`, its tokens in `store`.
pub fn replica_client(sb: &Sandbox, store: &RedisStore) -> Client {
    Client::builder(sb.client_id(), sb.client_secret())
        .base_url(&sb.base_url())
        .redirect_uri(sb.redirect_uri())
        .token_store(Arc::new(store.clone()))
        .build()
        .expect("client builds")
}

/// `user`'s handle on a replica for `sb` whose tokens are in `store`.
pub fn user_on(sb: &Sandbox, store: &RedisStore, user: &str) -> Client {
    replica_client(sb, store)
        .session(user)
        .expect("session key")
}

/// A session key.
pub fn key(user: &str) -> SessionKey {
    SessionKey::new(user).expect("session key")
}

/// A browser-session binding.
pub fn binding(session_id: &str) -> SessionBinding {
    SessionBinding::new(format!("browser-session-{session_id}")).expect("binding")
}

/// Signs in through the real code + PKCE flow and returns the tokens,
/// their access token already expired (client-side and in the sandbox).
pub async fn expired_session(sb: &Sandbox) -> StoredTokens {
    let client = client_for(sb);
    let (url, pending) = client.authorize_url().build().expect("authorize url");
    let callback = consent(&url).await;
    client
        .exchange_code(&pending, &callback)
        .await
        .expect("code exchange");
    let mut tokens = client
        .stored_tokens()
        .await
        .expect("stored")
        .expect("tokens");
    tokens.expires_at = std::time::SystemTime::now() - std::time::Duration::from_secs(1);
    sb.expire_access_tokens();
    tokens
}
