//! Streamed transfers of a 10 MB file to and from the loopback server:
//! `upload_path` (signed in one pass over the file, sent in a second that
//! re-hashes as it goes) and `download_to_path` (HMAC verified as the body
//! streams, written to a temp file, fsynced, renamed), each against the same
//! work written by hand with `reqwest`, `hmac` and `sha2`.
//!
//! ```text
//! cargo bench --bench transfer
//! ```
//!
//! divan prints each variant's throughput; afterwards a paired pass
//! alternates SDK and raw and prints MB/s and the median SDK/raw throughput
//! ratio. Peak memory is measured per process by
//! `cargo run --release --example measure_memory`.
//!
//! Under `cargo test --benches` each benchmark runs once and the results are
//! checked; nothing depends on wall time.

mod support;

use std::hint::black_box;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Instant;

use base64::Engine as _;
use bytes::BytesMut;
use digilocker_authpartner::Client;

use digilocker_authpartner::transfer::HmacCheck;
use digilocker_authpartner::types::UploadResponse;
use futures_util::StreamExt as _;
use hmac::{Hmac, Mac};
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};

use sha2::Sha256;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

const LEN: usize = 10_000_000;
const URI: &str = "in.gov.cbse-HSCER-201412345678";
const DEST: &str = "/Documents/bench.pdf";
/// `upload_path` re-hashes files changed less than 3 s before it opens them.
const RACY_WINDOW: std::time::Duration = std::time::Duration::from_millis(3100);

struct Fixture {
    rt: tokio::runtime::Runtime,
    server: support::Server,
    sdk: Client,
    raw: reqwest::Client,
    dir: tempfile::TempDir,
    upload_src: PathBuf,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let server = support::start(LEN);
    let rt = support::client_runtime();
    let sdk = support::signed_in_client(&rt, &server.base_url);
    let raw = support::raw_client();
    let dir = tempfile::tempdir().expect("temp dir");
    let upload_src = dir.path().join("upload-src.pdf");
    std::fs::write(&upload_src, support::payload(LEN)).expect("write source");
    // A file that was just changed is re-hashed while sending (its
    // timestamps cannot tell a change in the same clock tick); an upload
    // of a file at rest uses the cheap stamp check. Measure the file at rest
    // (the `fresh` rows in the paired pass measure the other case).
    std::thread::sleep(RACY_WINDOW);
    Fixture {
        rt,
        server,
        sdk,
        raw,
        dir,
        upload_src,
    }
});

fn key() -> Hmac<Sha256> {
    <Hmac<Sha256>>::new_from_slice(support::CLIENT_SECRET.as_bytes()).expect("any key")
}

/// Sets the source's permissions to what they are: this changes its inode
/// change time, so `upload_path` takes it for a file just written.
fn touch(f: &Fixture) {
    let perms = std::fs::metadata(&f.upload_src)
        .expect("metadata")
        .permissions();
    std::fs::set_permissions(&f.upload_src, perms).expect("chmod");
}

async fn sdk_upload(f: &Fixture) -> UploadResponse {
    f.sdk
        .upload_path(&f.upload_src, DEST)
        .await
        .expect("sdk upload")
}

/// By hand: one pass to sign, a second to stream the file with an exact
/// `Content-Length`, the same headers as the SDK.
async fn raw_upload(f: &Fixture) -> UploadResponse {
    let mut file = tokio::fs::File::open(&f.upload_src).await.expect("open");
    let len = file.metadata().await.expect("metadata").len();
    let mut mac = key();
    let mut buf = vec![0u8; support::CHUNK];
    loop {
        let n = file.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        mac.update(&buf[..n]);
    }
    let hmac = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    file.seek(SeekFrom::Start(0)).await.expect("seek");
    let body = futures_util::stream::unfold(file, |mut file| async move {
        let mut chunk = BytesMut::zeroed(support::CHUNK);
        match file.read(&mut chunk).await {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                Some((Ok::<_, std::io::Error>(chunk.freeze()), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    let response = f
        .raw
        .post(format!("{}/oauth2/1/file/upload", f.server.base_url))
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            "api-version",
            HeaderValue::from_static(support::API_VERSION),
        )
        .header(CONTENT_TYPE, HeaderValue::from_static("application/pdf"))
        .header(CONTENT_LENGTH, len)
        .header("hmac", hmac)
        .header("path", DEST)
        .bearer_auth(support::ACCESS_TOKEN)
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await
        .expect("raw upload");
    assert!(response.status().is_success());
    response.json().await.expect("raw upload body")
}

async fn sdk_download(f: &Fixture, target: &Path) -> u64 {
    let saved = f
        .sdk
        .download_to_path(URI, target)
        .await
        .expect("sdk download");
    assert_eq!(saved.hmac, HmacCheck::Verified);
    std::fs::metadata(target).expect("saved").len()
}

/// By hand: stream the body into a temp file while hashing it, verify,
/// fsync the file and its directory, rename.
async fn raw_download(f: &Fixture, target: &Path) -> u64 {
    let response = f
        .raw
        .get(format!("{}/oauth2/1/file/{URI}", f.server.base_url))
        .header(
            "api-version",
            HeaderValue::from_static(support::API_VERSION),
        )
        .bearer_auth(support::ACCESS_TOKEN)
        .send()
        .await
        .expect("raw download");
    assert!(response.status().is_success());
    let expected = base64::engine::general_purpose::STANDARD
        .decode(response.headers()["hmac"].as_bytes())
        .expect("base64 hmac");
    let temp = target.with_extension("part");
    let mut out = tokio::fs::File::create(&temp).await.expect("create");
    let mut mac = key();
    let mut written = 0u64;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("chunk");
        mac.update(&chunk);
        out.write_all(&chunk).await.expect("write");
        written += chunk.len() as u64;
    }
    mac.verify_slice(&expected).expect("hmac matches");
    out.flush().await.expect("flush");
    out.sync_all().await.expect("fsync");
    drop(out);
    tokio::fs::rename(&temp, target).await.expect("rename");
    let dir = target.parent().expect("parent").to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::File::open(dir).and_then(|d| d.sync_all()))
        .await
        .expect("join")
        .expect("fsync dir");
    written
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn sdk_upload_path_10mb(b: divan::Bencher) {
    let f = &*FIXTURE;
    b.counter(divan::counter::BytesCount::new(LEN))
        .bench_local(|| f.rt.block_on(sdk_upload(f)));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn raw_upload_path_10mb(b: divan::Bencher) {
    let f = &*FIXTURE;
    b.counter(divan::counter::BytesCount::new(LEN))
        .bench_local(|| f.rt.block_on(raw_upload(f)));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn sdk_download_to_path_10mb(b: divan::Bencher) {
    let f = &*FIXTURE;
    let target = f.dir.path().join("sdk-download.pdf");
    b.counter(divan::counter::BytesCount::new(LEN))
        .bench_local(|| f.rt.block_on(sdk_download(f, &target)));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn raw_download_to_path_10mb(b: divan::Bencher) {
    let f = &*FIXTURE;
    let target = f.dir.path().join("raw-download.pdf");
    b.counter(divan::counter::BytesCount::new(LEN))
        .bench_local(|| f.rt.block_on(raw_download(f, &target)));
}

fn secs<F: Future>(f: &Fixture, fut: F) -> f64 {
    let t = Instant::now();
    black_box(f.rt.block_on(fut));
    t.elapsed().as_secs_f64()
}

/// Test mode: both sides move the same bytes.
fn check() {
    let f = &*FIXTURE;
    let before = f.server.uploaded();
    let sdk = f.rt.block_on(sdk_upload(f));
    let raw = f.rt.block_on(raw_upload(f));
    assert_eq!(sdk, raw);
    assert_eq!(sdk.size.bytes(), Some(LEN as u64));
    assert_eq!(f.server.uploaded() - before, 2 * LEN as u64);
    let a = f.dir.path().join("check-sdk.pdf");
    let b = f.dir.path().join("check-raw.pdf");
    assert_eq!(f.rt.block_on(sdk_download(f, &a)), LEN as u64);
    assert_eq!(f.rt.block_on(raw_download(f, &b)), LEN as u64);
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
}

/// One line of the paired pass: median throughputs, and the SDK/raw
/// throughput ratio as median and min–max over the rounds.
fn row(name: &str, s: &mut [f64], r: &mut [f64], q: &mut [f64]) {
    let (lo, hi) = q
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    println!(
        "{:<18} {:>10.0} {:>10.0} {:>16.3} {:>6.3}-{:.3}",
        name,
        support::median(s),
        support::median(r),
        support::median(q),
        lo,
        hi
    );
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    divan::main();
    if !bench_mode {
        check();
        return;
    }
    let f = &*FIXTURE;
    // More rounds where the machine is noisy: BENCH_ROUNDS=41.
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(11);
    println!("\npaired SDK vs raw, 10 MB over loopback ({rounds} rounds, order alternating)");
    println!(
        "{:<18} {:>10} {:>10} {:>16} {:>14}",
        "operation", "sdk MB/s", "raw MB/s", "median sdk/raw", "min-max"
    );
    let mb = LEN as f64 / 1e6;
    let (mut s, mut r, mut q) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (ts, tr) = if round % 2 == 0 {
            let ts = secs(f, sdk_upload(f));
            (ts, secs(f, raw_upload(f)))
        } else {
            let tr = secs(f, raw_upload(f));
            (secs(f, sdk_upload(f)), tr)
        };
        s.push(mb / ts);
        r.push(mb / tr);
        q.push(tr / ts);
    }
    row("upload_path", &mut s, &mut r, &mut q);
    let (mut s, mut r, mut q) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Both sides touch the file first; only the SDK then re-hashes.
        let (ts, tr) = if round % 2 == 0 {
            touch(f);
            let ts = secs(f, sdk_upload(f));
            touch(f);
            (ts, secs(f, raw_upload(f)))
        } else {
            touch(f);
            let tr = secs(f, raw_upload(f));
            touch(f);
            (secs(f, sdk_upload(f)), tr)
        };
        s.push(mb / ts);
        r.push(mb / tr);
        q.push(tr / ts);
    }
    std::thread::sleep(RACY_WINDOW);
    row("upload_path fresh", &mut s, &mut r, &mut q);
    let a = f.dir.path().join("paired-sdk.pdf");
    let b = f.dir.path().join("paired-raw.pdf");
    let (mut s, mut r, mut q) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (ts, tr) = if round % 2 == 0 {
            let ts = secs(f, sdk_download(f, &a));
            (ts, secs(f, raw_download(f, &b)))
        } else {
            let tr = secs(f, raw_download(f, &b));
            (secs(f, sdk_download(f, &a)), tr)
        };
        s.push(mb / ts);
        r.push(mb / tr);
        q.push(tr / ts);
    }
    row("download_to_path", &mut s, &mut r, &mut q);
}
