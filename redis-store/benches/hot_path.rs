//! Hot-path cost of the Redis store: a call with a valid token through the
//! Redis store against the same call through the in-memory store, both
//! against the sandbox on loopback (the ratio of the two is the figure),
//! and the store `load` alone.
//!
//! Needs `DIGILOCKER_TEST_REDIS_URL` (e.g. `redis://127.0.0.1:6379`).

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use digilocker_authpartner::Client;
use digilocker_authpartner::auth::{SessionKey, StoredTokens, TokenStore};
use digilocker_authpartner_redis::RedisStore;
use digilocker_sandbox::Sandbox;

#[path = "../tests/common/mod.rs"]
mod common;

struct Setup {
    runtime: tokio::runtime::Runtime,
    _sandbox: Sandbox,
    memory: Client,
    redis: Client,
    redis_store: RedisStore,
    key: SessionKey,
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let url = std::env::var("DIGILOCKER_TEST_REDIS_URL")
        .expect("set DIGILOCKER_TEST_REDIS_URL to a Redis for the benchmark");
    // Multi-threaded, so the sandbox and the Redis connection (spawned
    // tasks) run between the measured `block_on`s too.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let parts = runtime.block_on(async {
        let sandbox = Sandbox::start().await.expect("sandbox");
        let base = common::client_for(&sandbox);
        // A real session: the code flow through the sandbox's consent page.
        let (authorize, pending) = base.authorize_url().build().expect("url");
        let callback = common::consent(&authorize).await;
        let memory = base;
        memory
            .exchange_code(&pending, &callback)
            .await
            .expect("exchange");
        let mut tokens: StoredTokens = memory.stored_tokens().await.unwrap().unwrap();
        tokens.expires_at = SystemTime::now() + Duration::from_secs(3600);
        let redis_store = RedisStore::builder(url)
            .key_prefix("bench-hot-path")
            .connect()
            .await
            .expect("Redis");
        let key = SessionKey::new("bench-user").expect("key");
        redis_store.save(&key, tokens).await.expect("save");
        let redis = common::user_on(&sandbox, &redis_store, key.as_str());
        (sandbox, memory, redis, redis_store, key)
    });
    let (_sandbox, memory, redis, redis_store, key) = parts;
    Setup {
        runtime,
        _sandbox,
        memory,
        redis,
        redis_store,
        key,
    }
});

fn main() {
    divan::main();
}

fn call(client: &Client) {
    SETUP
        .runtime
        .block_on(client.get_user_details().send())
        .expect("call");
}

/// Baseline: `get_user_details` with the token in process memory.
#[divan::bench(sample_count = 200)]
fn call_in_memory_store() {
    call(&SETUP.memory);
}

/// The same call with the token in Redis (one `GET` per call).
#[divan::bench(sample_count = 200)]
fn call_redis_store() {
    call(&SETUP.redis);
}

/// The store's `load` alone, from Redis.
#[divan::bench(sample_count = 500)]
fn load_redis_store() {
    SETUP
        .runtime
        .block_on(SETUP.redis_store.load(&SETUP.key))
        .expect("load");
}
