//! Peak memory of a 10 MiB upload from a path (and of its download to a
//! path), measured with a counting global allocator.
//!
//! The sandbox runs on its own threads, which are excluded from the count
//! (it necessarily holds the whole body), so the figure is the client's:
//! the SDK, reqwest, hyper and tokio's file I/O (including its blocking
//! pool). Run with `--nocapture` to see the figures.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

use digilocker_authpartner::Client;
use digilocker_authpartner::transfer::MAX_UPLOAD_BYTES;
use digilocker_sandbox::Sandbox;

struct Counting;

static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    /// False on the sandbox's threads.
    static COUNTED: Cell<bool> = const { Cell::new(true) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

fn grow(by: usize) {
    let now = CURRENT.fetch_add(by as isize, Ordering::Relaxed) + by as isize;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrink(by: usize) {
    CURRENT.fetch_sub(by as isize, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && counted() {
            grow(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if counted() {
            shrink(layout.size());
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && counted() {
            grow(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && counted() {
            grow(new_size);
            shrink(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns the peak of live bytes above the level at the start.
async fn peak_extra<F: std::future::Future>(f: F) -> (F::Output, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f.await;
    let peak = PEAK.load(Ordering::Relaxed) - base;
    (out, usize::try_from(peak).unwrap_or(0))
}

struct Connection {
    base_url: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
}

/// Starts the sandbox on threads excluded from the count; it stops when
/// the returned sender is dropped.
fn sandbox_elsewhere() -> (Connection, tokio::sync::oneshot::Sender<()>) {
    let (info_tx, info_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        COUNTED.with(|c| c.set(false));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .on_thread_start(|| COUNTED.with(|c| c.set(false)))
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let sb = Sandbox::start().await.expect("sandbox starts");
            info_tx
                .send(Connection {
                    base_url: sb.base_url(),
                    client_id: sb.client_id().to_string(),
                    client_secret: sb.client_secret().to_string(),
                    redirect_uri: sb.redirect_uri().to_string(),
                })
                .expect("test is waiting");
            let _ = stop_rx.await;
            sb.shutdown().await;
        });
    });
    (info_rx.recv().expect("sandbox info"), stop_tx)
}

#[tokio::test(flavor = "current_thread")]
async fn a_10_mib_upload_from_a_path_stays_far_below_one_copy_in_memory() {
    let (conn, _stop) = sandbox_elsewhere();
    let client = Client::builder(&conn.client_id, &conn.client_secret)
        .base_url(&conn.base_url)
        .redirect_uri(&conn.redirect_uri)
        .build()
        .unwrap()
        .session("memory-user")
        .unwrap();
    common::sign_in(&client).await;

    // A 10 MiB PDF (the largest allowed), written in pieces.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("big.pdf");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&local).unwrap());
        let head = b"%PDF-1.4\n";
        f.write_all(head).unwrap();
        let filler = vec![b'%'; 64 * 1024];
        let mut left = MAX_UPLOAD_BYTES as usize - head.len();
        while left > 0 {
            let n = left.min(filler.len());
            f.write_all(&filler[..n]).unwrap();
            left -= n;
        }
    }
    let size = std::fs::metadata(&local).unwrap().len();
    assert_eq!(size, MAX_UPLOAD_BYTES);

    // Warm up the connection pool and token so the figure is the transfer's.
    client.get_uploaded_documents().send().await.unwrap();

    let (stored, upload_peak) = peak_extra(client.upload_path(&local, "/big.pdf")).await;
    let stored = stored.unwrap();
    assert_eq!(stored.size.bytes(), Some(size));

    let listing = client.get_uploaded_documents().send().await.unwrap();
    let uri = listing
        .items
        .iter()
        .find(|i| i.name == "big.pdf")
        .and_then(|i| i.uri.clone())
        .unwrap();
    let target = dir.path().join("back.pdf");
    let (saved, download_peak) = peak_extra(client.download_to_path(&uri, &target)).await;
    assert_eq!(saved.unwrap().len, size);

    // For comparison: the same upload from memory (one copy, by definition).
    let (bytes_result, bytes_peak) = peak_extra(async {
        let bytes = tokio::fs::read(&local).await.unwrap();
        client.upload_bytes(bytes, "/big-from-memory.pdf").await
    })
    .await;
    bytes_result.unwrap();

    println!(
        "10 MiB file ({size} bytes): peak extra heap, client side:\n  \
         upload_path       {upload_peak:>9} bytes ({:.2}% of the file)\n  \
         download_to_path  {download_peak:>9} bytes ({:.2}% of the file)\n  \
         read + upload_bytes {bytes_peak:>7} bytes (for comparison)",
        upload_peak as f64 * 100.0 / size as f64,
        download_peak as f64 * 100.0 / size as f64,
    );
    // "Well under two copies": the upload holds a few 64 KiB buffers; the
    // download a few of hyper's read chunks (each at most ~400 KiB) plus
    // 64 KiB file-write buffers. Neither grows with the file's size.
    assert!(upload_peak < (size / 10) as usize, "{upload_peak}");
    assert!(download_peak < (size / 4) as usize, "{download_peak}");
    assert!(bytes_peak >= size as usize, "the comparison holds one copy");
}
