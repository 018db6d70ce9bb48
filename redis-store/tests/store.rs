//! The Redis store against a real Redis and the sandbox, in one process.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use common::{
    binding, client_for, consent, expired_session, key, redis_url, store, unique_prefix, user_on,
};
use digilocker_authpartner::auth::{PendingStore, StoredTokens, TokenStore};
use digilocker_authpartner::{AuthError, Error};
use digilocker_authpartner_redis::{EncryptionKey, RedisStore};
use digilocker_sandbox::Sandbox;
use secrecy::ExposeSecret;

fn tokens(access: &str, refresh: &str, lifetime: Duration) -> StoredTokens {
    StoredTokens {
        access_token: access.to_string().into(),
        refresh_token: Some(refresh.to_string().into()),
        expires_at: SystemTime::now() + lifetime,
    }
}

async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL; run with --include-ignored"]
async fn tokens_round_trip_with_an_expiry_from_their_lifetime() {
    let url = redis_url();
    let prefix = unique_prefix("roundtrip");
    let shared = RedisStore::builder(&url)
        .key_prefix(&prefix)
        .session_ttl(Duration::from_secs(600))
        .connect()
        .await
        .unwrap();
    let alice = key("alice");
    assert!(shared.load(&alice).await.unwrap().is_none());
    shared
        .save(
            &alice,
            tokens("at-alice", "rt-alice", Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    let back = shared.load(&alice).await.unwrap().unwrap();
    assert_eq!(back.access_token.expose_secret(), "at-alice");
    assert_eq!(back.refresh_token.unwrap().expose_secret(), "rt-alice");
    assert!(shared.load(&key("bob")).await.unwrap().is_none());

    let mut conn = raw(&url).await;
    let pttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}:tokens:alice"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let expected = (3600 + 600) * 1000;
    assert!(
        (expected - 5_000..=expected).contains(&pttl),
        "PTTL {pttl} vs {expected}"
    );
    shared.clear(&alice).await.unwrap();
    assert!(shared.load(&alice).await.unwrap().is_none());
}

#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL; run with --include-ignored"]
async fn encrypted_values_hide_the_tokens_and_bind_to_their_key() {
    let url = redis_url();
    let prefix = unique_prefix("sealed");
    let secret = EncryptionKey::from_bytes([42; 32]);
    let sealed = RedisStore::builder(&url)
        .key_prefix(&prefix)
        .encryption_key(secret.clone())
        .connect()
        .await
        .unwrap();
    let alice = key("alice");
    sealed
        .save(
            &alice,
            tokens(
                "at-0123456789abcdef",
                "rt-0123456789abcdef",
                Duration::from_secs(60),
            ),
        )
        .await
        .unwrap();
    let mut conn = raw(&url).await;
    let stored: Vec<u8> = redis::cmd("HGET")
        .arg(format!("{prefix}:tokens:alice"))
        .arg("data")
        .query_async(&mut conn)
        .await
        .unwrap();
    for secret in ["at-0123456789abcdef", "rt-0123456789abcdef"] {
        assert!(
            !stored.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} in clear at rest"
        );
    }
    let back = sealed.load(&alice).await.unwrap().unwrap();
    assert_eq!(back.access_token.expose_secret(), "at-0123456789abcdef");

    // A value moved to another user's key does not decrypt.
    let _: () = redis::cmd("HSET")
        .arg(format!("{prefix}:tokens:mallory"))
        .arg("data")
        .arg(&stored)
        .query_async(&mut conn)
        .await
        .unwrap();
    let err = sealed.load(&key("mallory")).await.unwrap_err();
    assert!(err.0.contains("does not decrypt"), "{err:?}");

    // Without the key, the encrypted value is refused, not misread.
    let plain = RedisStore::builder(&url)
        .key_prefix(&prefix)
        .connect()
        .await
        .unwrap();
    let err = plain.load(&alice).await.unwrap_err();
    assert!(err.0.contains("no encryption key"), "{err:?}");

    // With a key, a plaintext value is refused too.
    plain
        .save(
            &key("carol"),
            tokens("at-c", "rt-c", Duration::from_secs(60)),
        )
        .await
        .unwrap();
    let err = sealed.load(&key("carol")).await.unwrap_err();
    assert!(err.0.contains("not encrypted"), "{err:?}");
}

#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL; run with --include-ignored"]
async fn callback_on_replica_b_completes_a_redirect_made_on_replica_a_once() {
    let url = redis_url();
    let sb = Sandbox::start().await.unwrap();
    let prefix = unique_prefix("pending");
    let connect = || RedisStore::builder(&url).key_prefix(&prefix).connect();
    let (store_a, store_b) = (connect().await.unwrap(), connect().await.unwrap());
    let user_a = user_on(&sb, &store_a, "user-1");
    let user_b = user_on(&sb, &store_b, "user-1");
    let browser = binding("alice-browser");

    let (authorize, pending) = user_a.authorize_url().build().unwrap();
    store_a.put(&pending, &browser).await.unwrap();
    drop(pending);
    let callback = consent(&authorize).await;

    let taken = store_b.take(&callback, &browser).await.unwrap();
    user_b.exchange_code(&taken, &callback).await.unwrap();
    let me = user_b.get_user_details().send().await.unwrap().into_inner();
    assert_eq!(me.digilockerid, sb.test_user().digilockerid);

    // The tokens are now shared: replica A sees them for the same user key.
    user_a.get_user_details().send().await.unwrap();

    // A replay (on either replica) is refused before any request.
    sb.clear_requests();
    for s in [&store_a, &store_b] {
        let err = s.take(&callback, &browser).await.unwrap_err();
        assert!(
            matches!(err, Error::Auth(AuthError::StateMismatch)),
            "{err:?}"
        );
    }
    assert_eq!(sb.count("POST", "/oauth2/1/token"), 0);
    sb.shutdown().await;
}

/// The race: 20 rounds of eight takes as tasks on two worker threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL; run with --include-ignored"]
async fn pending_authorizations_expire_and_concurrent_takes_get_one() {
    let url = redis_url();
    let sb = Sandbox::start().await.unwrap();
    let short = RedisStore::builder(&url)
        .key_prefix(unique_prefix("pending-ttl"))
        .pending_ttl(Duration::from_millis(200))
        .connect()
        .await
        .unwrap();
    let client = client_for(&sb);
    let browser = binding("race");
    let (authorize, pending) = client.authorize_url().build().unwrap();
    short.put(&pending, &browser).await.unwrap();
    let callback = consent(&authorize).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let err = short.take(&callback, &browser).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::StateMismatch)),
        "{err:?}"
    );

    // Eight replicas race for one callback: exactly one gets it.
    let shared = store(&url, "pending-race").await;
    for round in 0..20 {
        let (authorize, pending) = client.authorize_url().build().unwrap();
        shared.put(&pending, &browser).await.unwrap();
        let callback = consent(&authorize).await;
        let start = Arc::new(tokio::sync::Barrier::new(8));
        let mut takes = Vec::new();
        for _ in 0..8 {
            let (s, cb, b, start) = (
                shared.clone(),
                callback.clone(),
                browser.clone(),
                start.clone(),
            );
            takes.push(tokio::spawn(async move {
                start.wait().await;
                s.take(&cb, &b).await
            }));
        }
        let mut won = 0;
        for t in takes {
            match t.await.unwrap() {
                Ok(p) => {
                    assert_eq!(p.state(), pending.state());
                    won += 1;
                }
                Err(Error::Auth(AuthError::StateMismatch)) => {}
                Err(other) => panic!("untyped: {other:?}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
    sb.shutdown().await;
}

#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL; run with --include-ignored"]
async fn refresh_after_a_dead_holder_spent_the_token_asks_for_consent() {
    let url = redis_url();
    let sb = Sandbox::start().await.unwrap();
    let prefix = unique_prefix("dead-holder");
    let lease_ttl = Duration::from_millis(800);
    let shared = RedisStore::builder(&url)
        .key_prefix(&prefix)
        .lease_ttl(lease_ttl)
        .connect()
        .await
        .unwrap();
    let stale = expired_session(&sb).await;
    shared.save(&key("u"), stale.clone()).await.unwrap();

    // The footprint of a holder that died mid-refresh: its lease is still
    // there, and the sandbox already spent the refresh token it sent.
    let mut conn = raw(&url).await;
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}:lease:u"))
        .arg("4194304:dead")
        .arg("PX")
        .arg(lease_ttl.as_millis() as u64)
        .query_async(&mut conn)
        .await
        .unwrap();
    let dead = client_for(&sb);
    dead.set_tokens(stale).await.unwrap();
    dead.refresh().await.unwrap();
    assert_eq!(sb.token_refresh_count(), 1);

    let survivor = user_on(&sb, &shared, "u");
    // What is left of the lease, read after the clock starts: the survivor
    // cannot take over before it runs out (1 ms for Redis's rounding).
    let started = Instant::now();
    let left: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}:lease:u"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(left > 0, "the dead holder's lease is still there: {left}");
    let err = survivor.get_user_details().send().await.unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, Error::Auth(AuthError::ConsentRequired)),
        "{err:?}"
    );
    assert!(
        took + Duration::from_millis(1) >= Duration::from_millis(left as u64),
        "waited for the lease ({left} ms left): {took:?}"
    );
    assert!(took < lease_ttl + Duration::from_secs(5), "{took:?}");
    assert_eq!(sb.token_refresh_count(), 2, "one take-over attempt");
    sb.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_redis_is_a_typed_store_error_without_the_password() {
    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:hunter2-password@127.0.0.1:{port}");
    let builder = RedisStore::builder(&url).command_timeout(Duration::from_millis(500));
    assert!(!format!("{builder:?}").contains("hunter2"));
    let err = builder.connect().await.unwrap_err();
    assert!(matches!(err, Error::Auth(AuthError::Store(_))), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("Redis"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn the_root_readme_shows_the_compiled_example() {
    let block = |text: &str, fence: &str| -> String {
        let start = text.find(fence).expect("example block") + fence.len();
        let end = text[start..].find("\n```").expect("end of block") + start;
        text[start..end].to_string()
    };
    let root = include_str!("../../README.md");
    let section = &root[root.find("## Running several replicas").expect("section")..];
    let compiled = include_str!("../README.md");
    assert_eq!(
        block(section, "```rust,ignore"),
        block(compiled, "```rust,no_run"),
        "README.md's replica example must equal redis-store/README.md's (a doctest)"
    );
}

/// Login CSRF across replicas: a callback made for one browser session and
/// presented in another is refused with a typed error, nothing is
/// exchanged or stored, and the pending authorization is burnt.
#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL; run with --include-ignored"]
async fn a_callback_from_another_browser_session_is_refused() {
    let url = redis_url();
    let sb = Sandbox::start().await.unwrap();
    let shared = store(&url, "csrf").await;
    let (attacker, victim) = (binding("attacker"), binding("victim"));
    let replica = user_on(&sb, &shared, "victim-user");
    let (authorize, pending) = replica.authorize_url().build().unwrap();
    shared.put(&pending, &attacker).await.unwrap();
    let callback = consent(&authorize).await;

    sb.clear_requests();
    let err = shared.take(&callback, &victim).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::SessionBindingMismatch)),
        "{err:?}"
    );
    assert!(replica.stored_tokens().await.unwrap().is_none());
    assert_eq!(sb.count("POST", "/oauth2/1/token"), 0);
    let err = shared.take(&callback, &attacker).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::StateMismatch)),
        "burnt: {err:?}"
    );
    sb.shutdown().await;
}

/// The compare-and-set script: tokens refreshed from a refresh token that
/// is no longer stored never overwrite the newer ones.
#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL; run with --include-ignored"]
async fn a_stale_rotation_never_overwrites_newer_tokens() {
    let url = redis_url();
    let shared = store(&url, "cas").await;
    let alice = key("alice");
    shared
        .save(&alice, tokens("at-1", "rt-1", Duration::from_secs(60)))
        .await
        .unwrap();
    let spent: secrecy::SecretString = "rt-0".to_string().into();
    let outcome = shared
        .replace(
            &alice,
            &spent,
            tokens("at-stale", "rt-stale", Duration::from_secs(60)),
        )
        .await
        .unwrap();
    match outcome {
        digilocker_authpartner::auth::Replaced::Conflict(Some(current)) => {
            assert_eq!(current.access_token.expose_secret(), "at-1");
        }
        other => panic!("{other:?}"),
    }
    let current: secrecy::SecretString = "rt-1".to_string().into();
    let outcome = shared
        .replace(
            &alice,
            &current,
            tokens("at-2", "rt-2", Duration::from_secs(60)),
        )
        .await
        .unwrap();
    assert!(matches!(
        outcome,
        digilocker_authpartner::auth::Replaced::Stored
    ));
    let now = shared.load(&alice).await.unwrap().unwrap();
    assert_eq!(now.access_token.expose_secret(), "at-2");
    // Nobody's: a cleared session is not resurrected by a late rotation.
    shared.clear(&alice).await.unwrap();
    let late: secrecy::SecretString = "rt-2".to_string().into();
    assert!(matches!(
        shared
            .replace(
                &alice,
                &late,
                tokens("at-3", "rt-3", Duration::from_secs(60))
            )
            .await
            .unwrap(),
        digilocker_authpartner::auth::Replaced::Conflict(None)
    ));
    assert!(shared.load(&alice).await.unwrap().is_none());
}
