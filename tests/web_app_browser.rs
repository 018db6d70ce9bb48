//! `examples/web_app` end to end in a real browser: the sandbox and the app
//! on loopback, headless Debian Chromium clicking through sign-in, the
//! sandbox's consent page, Allow, the documents page, a download, uploads,
//! then denial, a forged callback, an expired session and a browser killed
//! mid-flow. Assertions are on what the pages show, on the files the browser
//! saved and on the sandbox's request log.
//!
//! The browser is driven by playwright-core (npm, one package, no browser
//! download) through `tests/browser/driver.mjs`, not by a Rust WebDriver
//! client: fantoccini brings `webdriver`, `icu_segmenter` 1.5, a second
//! `http` and `cookie`, about 40 s more compile CPU in every clean
//! `cargo test --workspace` (and again for clippy; `cargo build --timings`
//! on this 2-core machine), where playwright-core is one npm package
//! (14 MB, a 3 s `npm ci`), compiles nothing and needs no chromedriver.
//!
//! Needs Chromium (`/usr/bin/chromium` or `DIGILOCKER_TEST_CHROMIUM`), Node.js
//! and `npm ci --prefix tests/browser`, so the tests are ignored unless
//! asked for (`--include-ignored`, as `.ci/run` does); asked for, a missing
//! tool fails them (`tests/common/tools.rs`).

#[path = "browser/bridge.rs"]
mod bridge;

#[path = "common/tools.rs"]
mod tools;

#[path = "../examples/web_app/app/mod.rs"]
#[allow(dead_code)]
mod app;

use std::path::{Path, PathBuf};

use bridge::{Browser, Page, Tools};
use digilocker_sandbox::{Fault, RecordedRequest, Sandbox, SeedDocument};

/// A one-page PDF with a marker no other document has.
fn marked_pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n% web_app browser test document\n".to_vec();
    pdf.extend_from_slice(b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n");
    pdf.extend_from_slice(b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n");
    pdf.extend_from_slice(b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n");
    pdf.extend_from_slice(b"trailer<</Root 1 0 R>>\n%%EOF\n");
    pdf
}

const SEEDED_URI: &str = "in.gov.cbse-HSCER-2024WEBAPP01";
const SEEDED_NAME: &str = "Class XII Marksheet 2024";

/// Where screenshots and downloads are kept: `target/tmp/web_app_browser`.
fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web_app_browser");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// The requests after the first `skip`, with this method and path.
fn logged<'a>(
    log: &'a [RecordedRequest],
    skip: usize,
    method: &str,
    path: &str,
) -> Vec<&'a RecordedRequest> {
    log.iter()
        .skip(skip)
        .filter(|r| r.method == method && r.path == path)
        .collect()
}

struct Running {
    sandbox: Sandbox,
    home: String,
    server: tokio::task::JoinHandle<()>,
}

/// The sandbox and the example app, the app at `http://localhost:PORT/`
/// (a different site from the sandbox's `127.0.0.1`, as DigiLocker is from
/// a partner, so the session cookie crosses a real cross-site redirect).
async fn start() -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().unwrap().port();
    let backend = app::setup::Backend::sandbox(port).await.expect("sandbox");
    let sandbox = backend.sandbox.expect("embedded sandbox");
    sandbox.seed_document(SeedDocument {
        uri: SEEDED_URI.into(),
        name: SEEDED_NAME.into(),
        doctype: "HSCER".into(),
        issuer: "Sandbox Board of Secondary Education".into(),
        mime: "application/pdf".into(),
        bytes: marked_pdf(),
        ..Default::default()
    });
    let router = app::router(backend.config);
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("app serves");
    });
    Running {
        sandbox,
        home: format!("http://localhost:{port}/"),
        server,
    }
}

/// From the home page through the consent page; returns the consent page.
async fn to_consent_page(browser: &mut Browser, run: &Running) -> Page {
    let home = browser.goto(&run.home).await;
    home.assert_shows(&["Sign in with DigiLocker"]);
    let consent = browser.click("#sign-in").await;
    assert!(
        consent
            .url
            .starts_with(&format!("{}/oauth2/1/authorize?", run.sandbox.base_url())),
        "the button leads to the sandbox's authorize page, not {}",
        consent.url
    );
    consent
}

/// The browser tools; fails the test when they are missing.
fn browser_tools() -> Tools {
    tools::require(Tools::find(), "Chromium, Node.js and playwright-core")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, Node.js and playwright-core; run with --include-ignored"]
async fn sign_in_allow_documents_download_and_upload_in_chromium() {
    let tools = browser_tools();
    let run = start().await;
    let out = artifacts();
    let profile = tempfile::tempdir().expect("profile dir");
    let mut browser = Browser::launch(&tools, profile.path()).await;

    // Sign in: the consent page shows the user, the documents and the purpose.
    let consent = to_consent_page(&mut browser, &run).await;
    assert_eq!(consent.status, Some(200));
    consent.assert_shows(&[
        "Sign in to DigiLocker",
        "Asha Sandbox Kumari",
        "xxxxxxxx1234",
        "HSCER: Class XII Marksheet",
        "Know your customer (kyc)",
        "Allow",
        "Deny",
    ]);
    browser.screenshot(&out.join("consent-page.png")).await;
    let cookies = browser.cookies().await;
    let session_cookie = cookies
        .iter()
        .find(|c| c["name"] == "webapp_session")
        .unwrap_or_else(|| panic!("the app set its session cookie: {cookies:?}"));
    assert_eq!(session_cookie["httpOnly"], true);
    assert_eq!(session_cookie["sameSite"], "Lax");
    let log = run.sandbox.requests();
    let authorize = logged(&log, 0, "GET", "/oauth2/1/authorize");
    assert_eq!(authorize.len(), 1);
    assert!(
        authorize[0]
            .header("accept")
            .is_some_and(|a| a.contains("text/html")),
        "Chromium asked for HTML"
    );
    assert!(logged(&log, 0, "POST", "/oauth2/1/token").is_empty());

    // Allow: back at the app, signed in, the documents listed.
    let before = run.sandbox.requests().len();
    let documents = browser.click("#allow").await;
    assert_eq!(documents.url, format!("{}documents", run.home));
    assert_eq!(documents.status, Some(200));
    documents.assert_shows(&[
        "Signed in as Asha Sandbox Kumari",
        SEEDED_NAME,
        "Sandbox Board of Secondary Education",
        "Upload",
    ]);
    browser.screenshot(&out.join("documents-page.png")).await;
    let log = run.sandbox.requests();
    let answer = logged(&log, before, "POST", "/oauth2/1/authorize");
    assert_eq!(answer.len(), 1);
    assert_eq!(answer[0].form_value("decision"), Some("allow"));
    assert_eq!(answer[0].status, 303);
    let token = logged(&log, before, "POST", "/oauth2/1/token");
    assert_eq!(token.len(), 1, "one code exchange");
    assert_eq!(
        token[0].form_value("grant_type"),
        Some("authorization_code")
    );
    assert_eq!(token[0].form_value("code_verifier"), Some("<redacted>"));
    assert_eq!(token[0].status, 200);
    assert_eq!(
        logged(&log, before, "GET", "/oauth2/2/files/issued")[0].status,
        200
    );

    // Download: the browser saves exactly the seeded bytes.
    let link = format!("a[href='{}']", app::pages::document_href(SEEDED_URI));
    let saved = out.join("downloaded.pdf");
    let _ = std::fs::remove_file(&saved);
    let (failure, name) = browser.download(&link, &saved).await;
    assert_eq!(failure, None);
    assert_eq!(name, format!("{SEEDED_URI}.pdf"));
    assert_eq!(std::fs::read(&saved).expect("saved"), marked_pdf());
    let file_path = format!("/oauth2/1/file/{SEEDED_URI}");
    assert_eq!(
        logged(&run.sandbox.requests(), 0, "GET", &file_path).len(),
        1
    );

    // A body that fails its HMAC is cut: the browser never receives all of
    // it. (Every answer is tampered: Chromium silently retries a request
    // whose connection died before any byte arrived.)
    let href = app::pages::document_href(SEEDED_URI);
    assert_eq!(browser.fetch(&href).await, Ok(marked_pdf().len() as u64));
    run.sandbox.inject(Fault::TamperBody {
        path: "/oauth2/1/file/".into(),
        times: 100,
    });
    let cut = browser.fetch(&href).await;
    assert!(cut.is_err(), "a tampered body reached the browser: {cut:?}");
    assert!(logged(&run.sandbox.requests(), 0, "GET", &file_path).len() >= 3);
    run.sandbox.clear_faults();

    // Upload: a real PNG is stored; a text file named .pdf is refused by the
    // client's checks, readably, before anything is sent.
    let png = Path::new(env!("CARGO_MANIFEST_DIR")).join("sandbox/src/assets/sample.png");
    let scan = profile.path().join("scan.png");
    std::fs::copy(&png, &scan).expect("copy png");
    let before = run.sandbox.requests().len();
    let uploaded = browser.upload("#file", &scan, "#upload-button").await;
    assert_eq!(uploaded.status, Some(200));
    uploaded.assert_shows(&["Uploaded to /Documents/scan.png"]);
    let log = run.sandbox.requests();
    let upload = logged(&log, before, "POST", "/oauth2/1/file/upload");
    assert_eq!(upload.len(), 1);
    assert_eq!(upload[0].header("path"), Some("/Documents/scan.png"));
    assert_eq!(upload[0].header("content-type"), Some("image/png"));
    assert_eq!(upload[0].status, 200);

    let fake = profile.path().join("notes.pdf");
    std::fs::write(&fake, "just some text, not a PDF").unwrap();
    let before = run.sandbox.requests().len();
    let refused = browser.upload("#file", &fake, "#upload-button").await;
    assert_eq!(refused.status, Some(422));
    refused.assert_shows(&[
        "\u{201c}notes.pdf\u{201d} cannot be uploaded: the file content is not a PDF, PNG or JPEG file",
        SEEDED_NAME,
    ]);
    assert!(
        logged(
            &run.sandbox.requests(),
            before,
            "POST",
            "/oauth2/1/file/upload"
        )
        .is_empty(),
        "nothing was sent"
    );

    // Sign out: the grant is revoked.
    let signed_out = browser.click("#sign-out").await;
    signed_out.assert_shows(&["Sign in with DigiLocker"]);
    assert_eq!(
        logged(&run.sandbox.requests(), 0, "POST", "/oauth2/1/revoke").len(),
        1
    );
    browser.close().await;
    run.server.abort();
    run.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, Node.js and playwright-core; run with --include-ignored"]
async fn deny_forged_callback_expired_session_and_killed_browser_in_chromium() {
    let tools = browser_tools();
    let run = start().await;
    let out = artifacts();
    let profile = tempfile::tempdir().expect("profile dir");
    let mut browser = Browser::launch(&tools, profile.path()).await;

    // Deny: a clear page, no code, no token request, not signed in.
    to_consent_page(&mut browser, &run).await;
    let before = run.sandbox.requests().len();
    let denied = browser.click("#deny").await;
    assert_eq!(denied.status, Some(403));
    denied.assert_shows(&["Sign-in cancelled", "You declined"]);
    browser.screenshot(&out.join("denied-page.png")).await;
    assert!(denied.url.starts_with(&format!("{}callback?", run.home)));
    let log = run.sandbox.requests();
    let answer = logged(&log, before, "POST", "/oauth2/1/authorize");
    assert_eq!(answer[0].form_value("decision"), Some("deny"));
    assert!(logged(&log, before, "POST", "/oauth2/1/token").is_empty());
    let after_denial = browser.goto(&format!("{}documents", run.home)).await;
    assert_eq!(after_denial.status, Some(401));
    after_denial.assert_shows(&["Not signed in"]);
    // The denied sign-in is used up: replaying its callback finds nothing.
    let replay = browser.goto(&denied.url).await;
    replay.assert_shows(&["Sign-in session expired"]);
    // And nothing is stuck: the next sign-in goes through.
    to_consent_page(&mut browser, &run).await;
    browser
        .click("#allow")
        .await
        .assert_shows(&["Signed in as Asha Sandbox Kumari"]);
    browser.click("#sign-out").await;

    // A forged callback while a sign-in is pending: refused, no exchange.
    to_consent_page(&mut browser, &run).await;
    let before = run.sandbox.requests().len();
    let forged = browser
        .goto(&format!("{}callback?code=forged&state=forged", run.home))
        .await;
    assert_eq!(forged.status, Some(400));
    forged.assert_shows(&["Sign-in link not valid"]);
    assert!(logged(&run.sandbox.requests(), before, "POST", "/oauth2/1/token").is_empty());

    // An expired session (the cookie gone) when DigiLocker sends the user back.
    to_consent_page(&mut browser, &run).await;
    browser.clear_cookies().await;
    let expired = browser.click("#allow").await;
    assert_eq!(expired.status, Some(400));
    expired.assert_shows(&["Sign-in session expired", "Start again"]);

    // The browser killed on the consent page; a new one signs in normally.
    to_consent_page(&mut browser, &run).await;
    let killed = browser.kill().await;
    assert!(killed > 0, "Chromium processes were killed");
    let mut browser = Browser::launch(&tools, profile.path()).await;
    to_consent_page(&mut browser, &run).await;
    browser
        .click("#allow")
        .await
        .assert_shows(&["Signed in as Asha Sandbox Kumari", SEEDED_NAME]);
    browser.close().await;

    run.server.abort();
    run.sandbox.shutdown().await;
}
