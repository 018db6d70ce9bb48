//! A loop of one kind of call against the benchmarks' loopback server, for
//! profiling the per-request overhead by instruction count (the server runs
//! in a child process, so only the client is profiled):
//!
//! ```text
//! cargo build --release --example request_loop
//! valgrind --tool=callgrind --callgrind-out-file=sdk.out \
//!     target/release/examples/request_loop sdk-user 2000
//! valgrind --tool=callgrind --callgrind-out-file=raw.out \
//!     target/release/examples/request_loop raw-user 2000
//! callgrind_annotate sdk.out | head -60
//! ```
//!
//! Variants: `sdk-user` (one user's handle kept), `sdk-user-handle` (the
//! handle taken from the app-wide client for each call, as a web backend
//! does), `raw-user`, `sdk-issuers`, `raw-issuers`. It prints
//! the wall time per call too (meaningless under valgrind).

#[path = "../benches/support/mod.rs"]
mod support;

use std::time::{Instant, SystemTime};

use digilocker_authpartner::Client;

use reqwest::header::{ACCEPT, HeaderValue};

async fn call(variant: &str, base: &str, sdk: &Client, app: &Client, raw: &reqwest::Client) {
    match variant {
        "sdk-user" => {
            std::hint::black_box(sdk.get_user_details().send().await.expect("sdk"));
        }
        "sdk-user-handle" => {
            // A web backend's way: the user's handle taken for each request.
            let handle = app.session(support::BENCH_USER).expect("key");
            std::hint::black_box(handle.get_user_details().send().await.expect("sdk"));
        }
        "sdk-issuers" => {
            std::hint::black_box(sdk.list_issuers().send().await.expect("sdk"));
        }
        "raw-user" => {
            let r = support::raw_get(raw, format!("{base}/oauth2/1/user"))
                .send()
                .await
                .expect("raw");
            assert!(r.status().is_success());
            let v: digilocker_authpartner::types::UserDetails = r.json().await.expect("json");
            std::hint::black_box(v);
        }
        "raw-issuers" => {
            let ts = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .expect("after 1970")
                .as_secs()
                .to_string();
            let hash = support::issuers_hash(&ts);
            let form = [
                ("clientid", support::CLIENT_ID),
                ("ts", &ts),
                ("hmac", &hash),
            ];
            let r = raw
                .post(format!("{base}/oauth2/1/pull/issuers"))
                .header(ACCEPT, HeaderValue::from_static("application/json"))
                .header(
                    "api-version",
                    HeaderValue::from_static(support::API_VERSION),
                )
                .form(&form)
                .send()
                .await
                .expect("raw");
            assert!(r.status().is_success());
            let v: digilocker_authpartner::types::IssuersResponse = r.json().await.expect("json");
            std::hint::black_box(v);
        }
        other => panic!("unknown variant {other}"),
    }
}

#[inline(never)]
fn run_loop(rt: &tokio::runtime::Runtime, n: usize, f: impl AsyncFn()) {
    rt.block_on(async {
        for _ in 0..n {
            f().await;
        }
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        support::serve_forever(0);
    }
    let variant = args.get(1).cloned().unwrap_or_else(|| "sdk-user".into());
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let (mut child, base) = support::spawn_server_process();

    let rt = support::client_runtime();
    let app = support::app_client(&rt, &base);
    let sdk = app.session(support::BENCH_USER).expect("key");
    let raw = support::raw_client();

    // Warm up: open the pooled connection, fill caches.
    run_loop(&rt, 50, async || {
        call(&variant, &base, &sdk, &app, &raw).await
    });
    let t = Instant::now();
    run_loop(&rt, n, async || {
        call(&variant, &base, &sdk, &app, &raw).await
    });
    let per = t.elapsed() / n.max(1) as u32;
    println!("{variant}: {n} calls, {per:?} per call");
    let _ = child.kill();
    let _ = child.wait();
}
