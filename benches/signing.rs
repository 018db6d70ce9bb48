//! HMAC-SHA256 throughput of the SDK's streaming [`BodySigner`] against the
//! raw `hmac` 0.12 + `sha2` 0.10 crates, on 10 MB and 100 MB inputs fed in
//! 64 KiB chunks (the way a streamed file is read).
//!
//! ```text
//! cargo bench --bench signing
//! ```
//!
//! divan prints each variant's throughput; afterwards a paired pass
//! alternates the two (same buffer, same process) and prints GB/s and the
//! median signer/raw ratio. Goals: signer ≥ 0.9× raw and ≥ 1.2 GB/s.
//!
//! Under `cargo test --benches` each benchmark runs once and the two MACs
//! are compared; nothing depends on wall time.

mod support;

use std::hint::black_box;
use std::sync::LazyLock;

use digilocker_authpartner::signing::BodySigner;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const MB: usize = 1_000_000;
const SIZES: [usize; 2] = [10 * MB, 100 * MB];

static DATA: LazyLock<Vec<u8>> = LazyLock::new(|| support::payload(100 * MB));

static KEYED: LazyLock<BodySigner> =
    LazyLock::new(|| BodySigner::new(support::CLIENT_SECRET.as_bytes()));

static RAW_KEYED: LazyLock<Hmac<Sha256>> = LazyLock::new(|| {
    <Hmac<Sha256>>::new_from_slice(support::CLIENT_SECRET.as_bytes()).expect("any key")
});

/// The SDK's signer, cloned from the client's keyed state as uploads do.
fn sdk_mac(data: &[u8]) -> String {
    let mut signer = KEYED.clone();
    for chunk in data.chunks(support::CHUNK) {
        signer.update(chunk);
    }
    signer.finish_base64()
}

/// The raw crates in one loop, same chunking, same Base64 output.
fn raw_mac(data: &[u8]) -> String {
    use base64::Engine as _;
    let mut mac = RAW_KEYED.clone();
    for chunk in data.chunks(support::CHUNK) {
        mac.update(chunk);
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[divan::bench(args = SIZES, sample_count = 15, sample_size = 1)]
fn body_signer(b: divan::Bencher, len: usize) {
    let data = &DATA[..len];
    b.counter(divan::counter::BytesCount::new(len))
        .bench(|| sdk_mac(black_box(data)));
}

#[divan::bench(args = SIZES, sample_count = 15, sample_size = 1)]
fn raw_hmac_sha2(b: divan::Bencher, len: usize) {
    let data = &DATA[..len];
    b.counter(divan::counter::BytesCount::new(len))
        .bench(|| raw_mac(black_box(data)));
}

/// Whether the CPU has the SHA extensions `sha2` picks at run time.
fn sha_ni() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    return std::arch::is_x86_feature_detected!("sha");
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    false
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    divan::main();
    let sha_ni = sha_ni();
    if !bench_mode {
        for len in [0, 1, support::CHUNK - 1, support::CHUNK + 1, 3 * MB + 7] {
            let data = &DATA[..len];
            assert_eq!(sdk_mac(data), raw_mac(data), "len {len}");
            assert_eq!(sdk_mac(data), support::hmac_base64(data), "len {len}");
        }
        return;
    }
    println!(
        "\npaired BodySigner vs raw hmac+sha2 (64 KiB chunks, order alternating; SHA-NI detected: {sha_ni})"
    );
    println!(
        "{:<8} {:>14} {:>14} {:>16}",
        "input", "signer GB/s", "raw GB/s", "median ratio"
    );
    for (len, rounds) in [(10 * MB, 41), (100 * MB, 9)] {
        let data = &DATA[..len];
        let (mut s, mut r, mut q) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let sdk = || {
                black_box(sdk_mac(black_box(data)));
            };
            let raw = || {
                black_box(raw_mac(black_box(data)));
            };
            let (ts, tr) = if round % 2 == 0 {
                let ts = support::secs(sdk);
                (ts, support::secs(raw))
            } else {
                let tr = support::secs(raw);
                (support::secs(sdk), tr)
            };
            s.push(len as f64 / ts / 1e9);
            r.push(len as f64 / tr / 1e9);
            q.push(tr / ts);
        }
        println!(
            "{:<8} {:>14.3} {:>14.3} {:>16.3}",
            format!("{} MB", len / MB),
            support::median(&mut s),
            support::median(&mut r),
            support::median(&mut q)
        );
    }
}
