//! Peak extra memory of a streamed 10 MB `upload_path` and a verified 10 MB
//! `download_to_path`, measured in a process of its own so the figures are
//! clean: the loopback server runs in a child process (this binary started
//! with `serve`), and a counting global allocator tracks the client's heap.
//!
//! ```text
//! cargo run --release --example measure_memory
//! ```
//!
//! For each transfer it prints, relative to a baseline taken after a warm-up
//! transfer (connection open, blocking-pool threads started):
//! - the heap high-water mark above the live heap at the baseline (the
//!   counting allocator; exact);
//! - the resident-set high-water mark (`VmHWM`, reset through
//!   `/proc/self/clear_refs` before each run) above `VmRSS` at the baseline
//!   (includes thread stacks and allocator slack; Linux only).
//!
//! Goal: ≤ 1 MiB above baseline for each.

#[path = "../benches/support/mod.rs"]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `System`, counting live bytes and their high-water mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` with the caller's arguments;
// the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const LEN: usize = 10_000_000;
const KIB: f64 = 1024.0;

/// A `kB` field of /proc/self/status, in bytes.
fn status_kb(field: &str) -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0).
fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

struct Peak {
    heap: usize,
    rss: Option<usize>,
}

/// Runs `work` and returns its peak heap and RSS above the state before it.
fn measure<T>(rt: &tokio::runtime::Runtime, work: impl Future<Output = T>) -> (T, Peak) {
    let hwm_ok = reset_hwm();
    let rss_before = status_kb("VmRSS:");
    let live_before = LIVE.load(Ordering::Relaxed);
    PEAK.store(live_before, Ordering::Relaxed);
    let out = rt.block_on(work);
    let heap = PEAK.load(Ordering::Relaxed) - live_before;
    let rss = match (hwm_ok, rss_before, status_kb("VmHWM:")) {
        (true, Some(before), Some(hwm)) => Some(hwm.saturating_sub(before)),
        _ => None,
    };
    (out, Peak { heap, rss })
}

fn report(what: &str, p: &Peak) {
    let rss = p
        .rss
        .map_or("n/a".to_string(), |r| format!("{:.0} KiB", r as f64 / KIB));
    let ok = p.heap <= 1024 * 1024 && p.rss.is_none_or(|r| r <= 1024 * 1024);
    println!(
        "{what:<28} heap peak +{:>6.0} KiB   RSS peak +{rss:>9}   goal ≤ 1024 KiB: {}",
        p.heap as f64 / KIB,
        if ok { "met" } else { "NOT met" }
    );
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("serve") {
        support::serve_forever(LEN);
    }
    let (mut child, base) = support::spawn_server_process();

    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("upload.pdf");
    let small = dir.path().join("small.pdf");
    std::fs::write(&src, support::payload(LEN)).expect("write source");
    std::fs::write(&small, support::payload(200_000)).expect("write small");

    // As the benches do: a current-thread runtime (the blocking pool serves file I/O).
    let rt = support::client_runtime();
    let client = support::signed_in_client(&rt, &base);

    // Warm up: connection, blocking-pool threads, lazily initialised state.
    rt.block_on(async {
        client.upload_path(&small, "/Documents/warm.pdf").await?;
        client
            .download_to_path(
                "in.gov.cbse-HSCER-201412345678",
                dir.path().join("warm.pdf"),
            )
            .await
            .map(drop)
    })
    .expect("warm-up");

    println!(
        "baseline: heap {:.0} KiB live, RSS {} KiB (client process; server in child {})",
        LIVE.load(Ordering::Relaxed) as f64 / KIB,
        status_kb("VmRSS:").map_or(0, |b| b / 1024),
        child.id()
    );
    let (stored, up) = measure(&rt, client.upload_path(&src, "/Documents/bench.pdf"));
    let stored = stored.expect("upload");
    assert_eq!(stored.size.bytes(), Some(LEN as u64));
    report("upload_path 10 MB", &up);

    let target = dir.path().join("download.pdf");
    let (saved, down) = measure(
        &rt,
        client.download_to_path("in.gov.cbse-HSCER-201412345678", &target),
    );
    let saved = saved.expect("download");
    assert_eq!(saved.len, LEN as u64);
    report("download_to_path 10 MB", &down);

    let _ = child.kill();
    let _ = child.wait();
}
