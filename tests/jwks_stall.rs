//! A slow, failing JWKS host must not stall every sign-in: ten overlapping
//! id_token verifications against a key host that answers 500 after 9 s
//! share one fetch, bounded by the fetch deadline, and the failure stands in
//! for new fetches until the refetch interval has passed.
//!
//! Real HTTP over loopback, a multi-threaded runtime, and a barrier so that
//! every call is in flight at once. The JWKS URL's credentials stay out of
//! every `Debug`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use digilocker_authpartner::auth::IdTokenError;
use digilocker_authpartner::{AuthError, Client, Environment, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CALLERS: usize = 10;
const HOST_DELAY: Duration = Duration::from_secs(9);
const REFETCH_INTERVAL: Duration = Duration::from_secs(8);

/// A key host that counts requests and answers each with a 500 after
/// [`HOST_DELAY`].
async fn hostile_jwks_host() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                if stream.read(&mut buf).await.unwrap_or(0) == 0 {
                    return;
                }
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(HOST_DELAY).await;
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .await;
            });
        }
    });
    (url, requests)
}

/// A well-formed RS256 token naming a `kid`: verification needs the keys.
fn token() -> String {
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(serde_json::json!({"alg": "RS256", "kid": "k1", "typ": "JWT"})),
        part(serde_json::json!({"iss": "x", "sub": "y", "aud": "CLIENT", "exp": 1, "iat": 1})),
        URL_SAFE_NO_PAD.encode([7u8; 256]),
    )
}

/// Runs [`CALLERS`] overlapping verifications; returns the slowest one's time.
async fn overlapping_calls(client: &Client) -> Duration {
    let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let mut calls = Vec::new();
    for _ in 0..CALLERS {
        let client = client.clone();
        let barrier = Arc::clone(&barrier);
        calls.push(tokio::spawn(async move {
            barrier.wait().await;
            let started = Instant::now();
            let result = client.verify_id_token(&token(), None).await;
            (started.elapsed(), result)
        }));
    }
    let mut slowest = Duration::ZERO;
    for call in calls {
        let (took, result) = call.await.unwrap();
        assert!(
            matches!(
                result,
                Err(Error::Auth(AuthError::IdToken(IdTokenError::KeyFetch(_))))
            ),
            "{result:?}"
        );
        slowest = slowest.max(took);
    }
    slowest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_jwks_host_costs_one_bounded_fetch_per_interval() {
    let (url, requests) = hostile_jwks_host().await;
    let client = Client::builder("CLIENT", "secret")
        .environment(Environment::MeriPehchaan)
        .jwks_url(&url)
        .jwks_cache(Duration::from_secs(3600), REFETCH_INTERVAL)
        .build()
        .unwrap();

    let slowest = overlapping_calls(&client).await;
    let fetches = requests.load(Ordering::SeqCst);
    eprintln!(
        "{CALLERS} overlapping callers: {fetches} JWKS fetch(es), slowest caller {slowest:.1?}"
    );
    assert_eq!(fetches, 1, "one fetch in flight, shared by every caller");
    assert!(
        slowest < HOST_DELAY,
        "the fetch deadline bounds every caller: {slowest:?}"
    );

    // Within the refetch interval the failure is the answer: no new fetch,
    // no wait.
    let slowest = overlapping_calls(&client).await;
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");

    // After it, one new fetch again.
    tokio::time::sleep(REFETCH_INTERVAL).await;
    overlapping_calls(&client).await;
    assert_eq!(requests.load(Ordering::SeqCst), 2);
}

/// The JWKS URL's user info and query (where key hosts put credentials)
/// never appear in the client's `Debug`, nor in the error for a URL that
/// does not parse.
#[test]
fn the_jwks_url_prints_without_credentials() {
    let client = Client::builder("CLIENT", "secret")
        .environment(Environment::MeriPehchaan)
        .jwks_url("https://keyuser:KEYPASS@keys.example/jwks.json?access=JWKS-SECRET#frag")
        .build()
        .unwrap();
    let shown = format!("{client:?} {client:#?}");
    assert!(shown.contains("keys.example/jwks.json"), "{shown}");
    for secret in ["keyuser", "KEYPASS", "JWKS-SECRET"] {
        assert!(!shown.contains(secret), "{secret}: {shown}");
    }
    let err = Client::builder("CLIENT", "secret")
        .jwks_url("https://keys.example:99999/?access=JWKS-SECRET")
        .build()
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("JWKS-SECRET"), "{shown}");
}
