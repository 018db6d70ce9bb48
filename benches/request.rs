//! Per-request overhead: typed SDK calls against the same request written by
//! hand with `reqwest`, both to one minimal loopback server (keep-alive on
//! both sides, one connection reused).
//!
//! ```text
//! cargo bench --bench request
//! ```
//!
//! divan prints each call's latency; afterwards a paired pass alternates
//! batches of SDK and raw calls (so drift and noise hit both sides alike)
//! and prints the median SDK/raw ratio per operation. Goal: ≤ 1.05.
//!
//! Under `cargo test --benches` every benchmark runs once and the paired pass
//! is replaced by a check that the SDK and the raw call put the same request
//! on the wire; nothing depends on wall time.

mod support;

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::{Instant, SystemTime};

use digilocker_authpartner::Client;

use digilocker_authpartner::types::{IssuersResponse, UserDetails};
use reqwest::header::{ACCEPT, HeaderValue};

struct Fixture {
    rt: tokio::runtime::Runtime,
    base: String,
    sdk: Client,
    raw: reqwest::Client,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let server = support::start(0);
    let rt = support::client_runtime();
    let sdk = support::signed_in_client(&rt, &server.base_url);
    // The same settings the SDK's builder gives its own reqwest client.
    let raw = support::raw_client();
    let fixture = Fixture {
        rt,
        base: server.base_url,
        sdk,
        raw,
    };
    // Open the pooled connections before anything is timed.
    fixture.rt.block_on(async {
        sdk_user(&fixture).await;
        raw_user(&fixture).await;
    });
    fixture
});

async fn sdk_user(f: &Fixture) -> UserDetails {
    f.sdk
        .get_user_details()
        .send()
        .await
        .expect("sdk user")
        .into_inner()
}

async fn raw_user(f: &Fixture) -> UserDetails {
    let response = support::raw_get(&f.raw, format!("{}/oauth2/1/user", f.base))
        .send()
        .await
        .expect("raw user");
    assert!(response.status().is_success());
    response.json().await.expect("raw user body")
}

async fn sdk_issuers(f: &Fixture) -> IssuersResponse {
    f.sdk
        .list_issuers()
        .send()
        .await
        .expect("sdk issuers")
        .into_inner()
}

fn raw_issuers_form() -> Vec<(&'static str, String)> {
    let ts = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        .to_string();
    let hash = support::issuers_hash(&ts);
    vec![
        ("clientid", support::CLIENT_ID.to_string()),
        ("ts", ts),
        ("hmac", hash),
    ]
}

async fn raw_issuers(f: &Fixture) -> IssuersResponse {
    let response = f
        .raw
        .post(format!("{}/oauth2/1/pull/issuers", f.base))
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            "api-version",
            HeaderValue::from_static(support::API_VERSION),
        )
        .form(&raw_issuers_form())
        .send()
        .await
        .expect("raw issuers");
    assert!(response.status().is_success());
    response.json().await.expect("raw issuers body")
}

#[divan::bench(min_time = 1, max_time = 2)]
fn sdk_get_user_details(b: divan::Bencher) {
    let f = &*FIXTURE;
    b.bench_local(|| f.rt.block_on(sdk_user(f)));
}

#[divan::bench(min_time = 1, max_time = 2)]
fn raw_get_user_details(b: divan::Bencher) {
    let f = &*FIXTURE;
    b.bench_local(|| f.rt.block_on(raw_user(f)));
}

#[divan::bench(min_time = 1, max_time = 2)]
fn sdk_list_issuers(b: divan::Bencher) {
    let f = &*FIXTURE;
    b.bench_local(|| f.rt.block_on(sdk_issuers(f)));
}

#[divan::bench(min_time = 1, max_time = 2)]
fn raw_list_issuers(b: divan::Bencher) {
    let f = &*FIXTURE;
    b.bench_local(|| f.rt.block_on(raw_issuers(f)));
}

/// Alternates batches of `batch` SDK and raw calls for `rounds` rounds
/// (the order flips every round) and returns the median per-call times and
/// the median of the per-round ratios.
fn paired<S, R, SF, RF>(rounds: usize, batch: usize, sdk: S, raw: R) -> (f64, f64, f64)
where
    S: Fn() -> SF,
    R: Fn() -> RF,
    SF: Future,
    RF: Future,
{
    let f = &*FIXTURE;
    let time = |run: &dyn Fn()| {
        let t = Instant::now();
        run();
        t.elapsed().as_secs_f64() / batch as f64
    };
    let run_sdk = || {
        f.rt.block_on(async {
            for _ in 0..batch {
                black_box(sdk().await);
            }
        })
    };
    let run_raw = || {
        f.rt.block_on(async {
            for _ in 0..batch {
                black_box(raw().await);
            }
        })
    };
    let (mut s, mut r, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (ts, tr) = if round % 2 == 0 {
            let ts = time(&run_sdk);
            (ts, time(&run_raw))
        } else {
            let tr = time(&run_raw);
            (time(&run_sdk), tr)
        };
        s.push(ts);
        r.push(tr);
        ratio.push(ts / tr);
    }
    (
        support::median(&mut s),
        support::median(&mut r),
        support::median(&mut ratio),
    )
}

/// Test mode: the SDK and the raw call send the same request.
fn check_same_requests() {
    let f = &*FIXTURE;
    let sdk = f.rt.block_on(sdk_user(f));
    let raw = f.rt.block_on(raw_user(f));
    assert_eq!(sdk, raw);
    let sdk = f.rt.block_on(sdk_issuers(f));
    let raw = f.rt.block_on(raw_issuers(f));
    assert_eq!(sdk, raw);
    // The SDK's signed form, rebuilt by hand: same fields, same order, same hash rule.
    let form = raw_issuers_form();
    let names: Vec<_> = form.iter().map(|(k, _)| *k).collect();
    assert_eq!(names, ["clientid", "ts", "hmac"]);
    assert_eq!(
        support::issuers_hash("1700000000"),
        digilocker_authpartner::signing::request_hash(
            &["client_secret", "clientid", "ts"],
            support::CLIENT_SECRET,
            |k| match k {
                "clientid" => Some(support::CLIENT_ID),
                "ts" => Some("1700000000"),
                _ => None,
            }
        )
    );
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    divan::main();
    if !bench_mode {
        check_same_requests();
        return;
    }
    let f = &*FIXTURE;
    println!("\npaired SDK/raw (201 rounds x 20 calls each side, order alternating)");
    println!(
        "{:<20} {:>12} {:>12} {:>16}",
        "operation", "sdk µs", "raw µs", "median ratio"
    );
    let (s, r, q) = paired(201, 20, || sdk_user(f), || raw_user(f));
    println!(
        "{:<20} {:>12.1} {:>12.1} {:>16.3}",
        "get_user_details",
        s * 1e6,
        r * 1e6,
        q
    );
    let (s, r, q) = paired(201, 20, || sdk_issuers(f), || raw_issuers(f));
    println!(
        "{:<20} {:>12.1} {:>12.1} {:>16.3}",
        "list_issuers",
        s * 1e6,
        r * 1e6,
        q
    );
}
