//! The encrypted format at rest, against an independent implementation:
//! `tests/tools/xchacha.py` (Python's `cryptography`, checked against the
//! XChaCha20-Poly1305 draft's vectors). A value is `0x01 || 24-byte nonce ||
//! ciphertext and tag`, with the Redis key name as associated data.

mod common;

use common::redis_url;
use digilocker_authpartner::auth::PendingAuthorization;
use digilocker_authpartner_redis::{EncryptionKey, RedisStore};

const PREFIX: &str = "test-vector-xchacha";
const STATE: &str = "c3RhdGUtc3RhdGUtc3RhdGU";
const PLAIN: &str = r#"{"v":1,"state":"c3RhdGUtc3RhdGUtc3RhdGU","verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk","redirect_uri":"https://partner.example/callback"}"#;

/// `PLAIN` sealed under `KEY` (bytes 0x20..0x40) with nonce 0x60..0x78 for
/// the key name `test-vector-xchacha:pending:<STATE>`, computed with
/// `python3 tests/tools/xchacha.py seal 2021…3f 6061…77 <key name> <PLAIN>`.
const SEALED_HEX: &str = "01606162636465666768696a6b6c6d6e6f707172737475767793053604bf40b7e3d975f47b778315bb14dffe7d0da28c1203116b925ed2d7f340a22f7945f771006a9a510bb5dd603bb39c2b157fb62f997834a2c031eac3c65b8f54cd353489281b2963017d0357df0541e4f084da6e82e8c519f582579f54c8a1dccf96bbbbee971e2106f7617c7791e36a0f061bde5976b5582648eae67dffda1cdf525bf648031ff5e474c2e8ce40bac905f3d99ca677fe553871dc9590edf01c46";

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
    format!("{prefix}:pending:{STATE}")
}

#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL; run with --include-ignored"]
async fn a_value_sealed_by_python_cryptography_opens() {
    let (store, mut conn) = store(PREFIX).await;
    let _: () = redis::cmd("SET")
        .arg(key_name(PREFIX))
        .arg(from_hex(SEALED_HEX))
        .query_async(&mut conn)
        .await
        .expect("SET");
    let pending = store
        .take_pending(&format!("?state={STATE}&code=c"))
        .await
        .expect("the fixed vector opens");
    let back: serde_json::Value =
        serde_json::from_str(&pending.to_json_exposing_secrets()).unwrap();
    let want: serde_json::Value = serde_json::from_str(PLAIN).unwrap();
    for field in ["state", "verifier", "redirect_uri"] {
        assert_eq!(back[field], want[field], "{field}");
    }

    // One flipped bit anywhere (nonce, ciphertext, tag) and it does not open.
    for at in [1, 30, SEALED_HEX.len() / 2 - 1] {
        let mut tampered = from_hex(SEALED_HEX);
        tampered[at] ^= 0x01;
        let _: () = redis::cmd("SET")
            .arg(key_name(PREFIX))
            .arg(tampered)
            .query_async(&mut conn)
            .await
            .expect("SET");
        let err = store
            .take_pending(&format!("?state={STATE}&code=c"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("decrypt"), "byte {at}: {err}");
    }
}

#[tokio::test]
#[ignore = "needs a Redis at DIGILOCKER_TEST_REDIS_URL and python3 with cryptography; run with --include-ignored"]
async fn a_value_the_store_seals_opens_in_python_cryptography() {
    let prefix = common::unique_prefix("seal");
    let (store, mut conn) = store(&prefix).await;
    let pending = PendingAuthorization::from_json(PLAIN.as_bytes()).unwrap();
    store.save_pending(&pending).await.expect("saved");
    let raw: Vec<u8> = redis::cmd("GETDEL")
        .arg(key_name(&prefix))
        .query_async(&mut conn)
        .await
        .expect("GETDEL");
    let plain = pending.to_json_exposing_secrets();
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
