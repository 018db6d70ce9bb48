//! The encrypted format at rest, against an independent implementation:
//! `tests/tools/xchacha.py` (Python's `cryptography`, checked against the
//! XChaCha20-Poly1305 draft's vectors). A value is `0x01 || 24-byte nonce ||
//! ciphertext and tag`, with the Redis key name as associated data.

mod common;

use common::{key, redis_url};
use digilocker_authpartner::auth::{StoredTokens, TokenStore};
use digilocker_authpartner_redis::{EncryptionKey, RedisStore};
use secrecy::ExposeSecret;

const PREFIX: &str = "test-vector-xchacha";
const USER: &str = "user-vector";
const PLAIN: &str = r#"{"v":1,"access_token":"at-vector-0123456789","refresh_token":"rt-vector-0123456789","expires_at_unix_ms":4102444800000}"#;

/// `PLAIN` sealed under `KEY` (bytes 0x20..0x40) with nonce 0x60..0x78 for
/// the key name `test-vector-xchacha:tokens:user-vector`, computed with
/// `python3 tests/tools/xchacha.py seal 2021…3f 6061…77 <key name> <PLAIN>`.
const SEALED_HEX: &str = "01606162636465666768696a6b6c6d6e6f707172737475767793053604bf40b7e3cb62f66a61d270ed1887c97b4bdffb07140f4f9f59e1edf50ea14c231284111471801e4ceb967437b09c6c5c358d199c7525868751fcf2e426d45cec7869b0371c6d39501c7c34d94d49b483d1e82795c7e03ac9985cb3609fe397c5acb2a1bec8496469b027216193f1324b425bd06429979a67247bb76a42aeae7b820997";

fn key_bytes() -> [u8; 32] {
    std::array::from_fn(|i| 0x20 + i as u8)
}

fn from_hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn store(prefix: &str) -> (RedisStore, redis::aio::MultiplexedConnection) {
    let url = redis_url();
    let store = RedisStore::builder(&url)
        .key_prefix(prefix)
        .encryption_key(EncryptionKey::from_bytes(key_bytes()))
        .connect()
        .await
        .expect("the test Redis answers");
    let conn = redis::Client::open(url.as_str())
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("Redis");
    (store, conn)
}

fn key_name(prefix: &str) -> String {
    format!("{prefix}:tokens:{USER}")
}

/// Stores `value` as the user's sealed tokens, as the store lays them out.
async fn put_raw(conn: &mut redis::aio::MultiplexedConnection, prefix: &str, value: Vec<u8>) {
    let _: () = redis::cmd("HSET")
        .arg(key_name(prefix))
        .arg("data")
        .arg(value)
        .query_async(conn)
        .await
        .expect("HSET");
}

#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL; run with --include-ignored"]
async fn a_value_sealed_by_python_cryptography_opens() {
    let (store, mut conn) = store(PREFIX).await;
    put_raw(&mut conn, PREFIX, from_hex(SEALED_HEX)).await;
    let tokens = store
        .load(&key(USER))
        .await
        .expect("the fixed vector opens")
        .expect("tokens");
    assert_eq!(tokens.access_token.expose_secret(), "at-vector-0123456789");
    assert_eq!(
        tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some("rt-vector-0123456789")
    );
    assert_eq!(tokens.expires_at_unix_ms(), 4_102_444_800_000);

    // One flipped bit anywhere (nonce, ciphertext, tag) and it does not open.
    for at in [1, 30, SEALED_HEX.len() / 2 - 1] {
        let mut tampered = from_hex(SEALED_HEX);
        tampered[at] ^= 0x01;
        put_raw(&mut conn, PREFIX, tampered).await;
        let err = store.load(&key(USER)).await.unwrap_err();
        assert!(err.0.contains("decrypt"), "byte {at}: {err:?}");
    }
}

#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL and python3 with cryptography; run with --include-ignored"]
async fn a_value_the_store_seals_opens_in_python_cryptography() {
    let prefix = common::unique_prefix("seal");
    let (store, mut conn) = store(&prefix).await;
    let tokens = StoredTokens::from_json(PLAIN.as_bytes()).unwrap();
    store.save(&key(USER), tokens.clone()).await.expect("saved");
    let raw: Vec<u8> = redis::cmd("HGET")
        .arg(key_name(&prefix))
        .arg("data")
        .query_async(&mut conn)
        .await
        .expect("HGET");
    let plain = tokens.to_json_exposing_secrets();
    assert_eq!(raw.first(), Some(&0x01), "the sealed marker");
    assert_eq!(
        raw.len(),
        1 + 24 + plain.len() + 16,
        "marker, nonce, text, tag"
    );
    let python = std::process::Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .map_err(|e| e.to_string())
        .and_then(|s| {
            s.success()
                .then_some(())
                .ok_or("no `cryptography`".to_string())
        });
    common::root::tools::require(python, "python3 with `cryptography`");
    let opened = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/tools/xchacha.py"
        ))
        .args([
            "open",
            &to_hex(&key_bytes()),
            &key_name(&prefix),
            &to_hex(&raw),
        ])
        .output()
        .expect("python3 runs");
    assert!(
        opened.status.success(),
        "Python does not open the stored value: {}",
        String::from_utf8_lossy(&opened.stderr)
    );
    assert_eq!(String::from_utf8(opened.stdout).unwrap(), plain);
}
