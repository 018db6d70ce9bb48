//! Peak memory under hostile bodies of gigabytes: every buffered read stops
//! at its limit. One test in its own binary, so the process's peak RSS
//! (`VmHWM`) is this test's alone.

mod hostile;

use std::time::Duration;

use digilocker_authpartner::Error;
use hostile::{Hostile, stream};

const GIB: u64 = 1024 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

/// The process's peak resident set, in bytes (Linux).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib * 1024
}

fn too_large(e: &Error, op: &str, limit: u64) -> bool {
    matches!(e, Error::ResponseTooLarge { operation, limit: l, .. } if *operation == op && *l == limit)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gigabyte_bodies_stop_at_their_limits() {
    let server = Hostile::start(|seen| {
        let none = Duration::ZERO;
        if seen.path.ends_with("/oauth2/2/files/issued") {
            stream(
                200,
                "application/json",
                br#"{"items":[{"name":"x"},"#,
                2 * GIB,
                none,
            )
        } else if seen.path.ends_with("/oauth2/1/user") {
            stream(500, "text/html", b"<html>error</html>", 2 * GIB, none)
        } else if seen.path.contains("/xml/") {
            stream(
                200,
                "application/xml",
                b"<Certificate a=\"",
                200 * MIB,
                none,
            )
        } else {
            stream(200, "application/pdf", b"%PDF", GIB, none)
        }
    })
    .await;
    let client = server.signed_in_unsigned(|b| b).await;
    let before = peak_rss();

    let e = client.get_issued_documents().send().await.unwrap_err();
    assert!(too_large(&e, "get_issued_documents", 4 * MIB), "{e:?}");
    let listing = peak_rss();

    let e = client.get_user_details().send().await.unwrap_err();
    assert!(too_large(&e, "get_user_details", 8 * 1024), "{e:?}");
    assert_eq!(e.status(), Some(500));
    let error_body = peak_rss();

    let e = client.certificate_xml("in.gov.x-1").await.unwrap_err();
    assert!(too_large(&e, "get_certificate_xml", 4 * MIB), "{e:?}");
    let xml = peak_rss();

    let e = client.download("in.gov.x-1").await.unwrap_err();
    assert!(too_large(&e, "get_file", 32 * MIB), "{e:?}");
    let download = peak_rss();

    let mib = |b: u64| b as f64 / MIB as f64;
    println!(
        "peak RSS: start {:.1} MiB; after 2 GiB listing {:.1}; after 2 GiB error body {:.1}; \
         after 200 MiB XML {:.1}; after 1 GiB download {:.1}",
        mib(before),
        mib(listing),
        mib(error_body),
        mib(xml),
        mib(download)
    );
    assert!(
        error_body - before < 32 * MIB,
        "listing + error body grew the peak by {:.1} MiB",
        mib(error_body - before)
    );
    assert!(
        download - before < 96 * MIB,
        "download grew the peak by {:.1} MiB",
        mib(download - before)
    );
}
