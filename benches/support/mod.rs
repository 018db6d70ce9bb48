//! A minimal loopback server shared by the benchmarks and
//! `examples/measure_memory.rs`: fixed JSON bodies, an upload sink that
//! consumes the body as it streams, and a streamed download with its `hmac`
//! header. Not the sandbox: it does nothing but put bytes on the wire, so the
//! client side dominates what is measured. HTTP/1.1 with keep-alive (hyper's
//! default), on its own thread and current-thread runtime.
#![allow(dead_code)] // each bench target uses a different part

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use bytes::Bytes;
use futures_util::StreamExt as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "BENCH0001";
pub const CLIENT_SECRET: &str = "bench-client-secret-0123456789abcdef";
pub const ACCESS_TOKEN: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f9001122334";
pub const API_VERSION: &str = "1.0.0";
pub const USER_AGENT: &str = concat!("digilocker-authpartner/", env!("CARGO_PKG_VERSION"));

/// The chunk size a streamed file is read and sent in.
pub const CHUNK: usize = 64 * 1024;

pub const USER_JSON: &str = r#"{"digilockerid":"5a1d0c4e-0000-4000-8000-5a0d0b0c0001","name":"Sunil Kumar","dob":"31121970","gender":"M","eaadhaar":"Y","reference_key":"2a33349e7e606a8ad2e30e3c84521f9377450cf09083e162e0a9b1480ce0f871"}"#;

pub const ISSUERS_JSON: &str = r#"{"issuers":[{"orgid":"000018","name":"Central Board of Secondary Education","issuerid":"in.gov.cbse","description":"Class X and XII marksheets and passing certificates","category":"Education"},{"orgid":"000025","name":"Ministry of Road Transport and Highways","issuerid":"in.gov.transport","description":"Driving licence and vehicle registration","category":"Transport"},{"orgid":"000042","name":"Income Tax Department","issuerid":"in.gov.incometax","description":"PAN verification record","category":"Identity"}]}"#;

/// Deterministic, incompressible-looking test data that starts like a PDF
/// (uploads sniff the first bytes).
pub fn payload(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Base64 HMAC-SHA256 of `data` keyed with the client secret, as the `hmac`
/// header carries it.
pub fn hmac_base64(data: &[u8]) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(CLIENT_SECRET.as_bytes()).expect("any key");
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The `hmac` form field of the meta APIs: hex SHA-256 of secret, clientid, ts.
pub fn issuers_hash(ts: &str) -> String {
    let mut h = Sha256::new();
    h.update(CLIENT_SECRET.as_bytes());
    h.update(CLIENT_ID.as_bytes());
    h.update(ts.as_bytes());
    format!("{:x}", h.finalize())
}

struct State {
    download: Bytes,
    download_hmac: String,
    uploaded: AtomicU64,
}

/// A running server; it lives until the process exits.
pub struct Server {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT/public`, as the client's base URL.
    pub base_url: String,
    state: Arc<State>,
}

impl Server {
    /// Bytes the upload route has consumed so far.
    pub fn uploaded(&self) -> u64 {
        self.state.uploaded.load(Ordering::Relaxed)
    }
}

/// Starts the server on 127.0.0.1:0 with a download body of `download_len` bytes.
pub fn start(download_len: usize) -> Server {
    let download = Bytes::from(payload(download_len));
    let state = Arc::new(State {
        download_hmac: hmac_base64(&download),
        download,
        uploaded: AtomicU64::new(0),
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let app = router(Arc::clone(&state));
    std::thread::Builder::new()
        .name("loopback-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                tx.send(listener.local_addr().expect("local addr"))
                    .expect("report addr");
                axum::serve(listener, app).await.expect("serve");
            });
        })
        .expect("spawn server thread");
    let addr = rx.recv().expect("server address");
    Server {
        addr,
        base_url: format!("http://{addr}/public"),
        state,
    }
}

fn router(state: Arc<State>) -> Router {
    let up = Arc::clone(&state);
    let down = state;
    Router::new()
        .route("/public/oauth2/1/user", get(user))
        .route("/public/oauth2/1/pull/issuers", post(issuers))
        .route(
            "/public/oauth2/1/file/upload",
            post(move |body: Body| upload(Arc::clone(&up), body)),
        )
        .route(
            "/public/oauth2/1/file/{*uri}",
            get(move || download(Arc::clone(&down))),
        )
}

fn json(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn user(headers: HeaderMap) -> Response {
    match headers.get(header::AUTHORIZATION) {
        Some(v) if v.as_bytes().starts_with(b"Bearer ") => json(USER_JSON),
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn issuers(body: Bytes) -> Response {
    // The body is consumed; the hash itself is checked by the benches in test mode.
    if body.is_empty() {
        return StatusCode::BAD_REQUEST.into_response();
    }
    json(ISSUERS_JSON)
}

async fn upload(state: Arc<State>, body: Body) -> Response {
    let mut stream = body.into_data_stream();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => n += c.len() as u64,
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
    }
    state.uploaded.fetch_add(n, Ordering::Relaxed);
    let body = format!(r#"{{"path":"/bench/upload.pdf","size":"{n}"}}"#);
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn download(state: Arc<State>) -> Response {
    let data = state.download.clone();
    let len = data.len();
    // Zero-copy 64 KiB frames of the shared buffer, like a file server's.
    let chunks = (0..len.div_ceil(CHUNK))
        .map(move |i| Ok::<_, std::io::Error>(data.slice(i * CHUNK..((i + 1) * CHUNK).min(len))));
    let mut res = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        "application/pdf".parse().expect("valid"),
    );
    h.insert(header::CONTENT_LENGTH, len.into());
    h.insert("hmac", state.download_hmac.parse().expect("valid"));
    res
}

/// A current-thread runtime for the client side, as every measurement uses.
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime")
}

/// The session key of the benchmarks' user.
pub const BENCH_USER: &str = "bench-user";

/// The app-wide SDK client for `base_url`, whose [`BENCH_USER`] holds an
/// access token valid for a year.
pub fn app_client(rt: &tokio::runtime::Runtime, base_url: &str) -> digilocker_authpartner::Client {
    let app = digilocker_authpartner::Client::builder(CLIENT_ID, CLIENT_SECRET)
        .base_url(base_url)
        .build()
        .expect("client");
    drop(signed_in_handle(rt, &app));
    app
}

/// The [`BENCH_USER`] handle of an SDK client for `base_url`, holding an
/// access token valid for a year.
pub fn signed_in_client(
    rt: &tokio::runtime::Runtime,
    base_url: &str,
) -> digilocker_authpartner::Client {
    let app = digilocker_authpartner::Client::builder(CLIENT_ID, CLIENT_SECRET)
        .base_url(base_url)
        .build()
        .expect("client");
    signed_in_handle(rt, &app)
}

fn signed_in_handle(
    rt: &tokio::runtime::Runtime,
    app: &digilocker_authpartner::Client,
) -> digilocker_authpartner::Client {
    let client = app.session(BENCH_USER).expect("session key");
    rt.block_on(
        client.set_tokens(digilocker_authpartner::auth::StoredTokens {
            access_token: secrecy::SecretString::from(ACCESS_TOKEN),
            refresh_token: None,
            expires_at: std::time::SystemTime::now()
                + std::time::Duration::from_secs(365 * 24 * 3600),
        }),
    )
    .expect("seed token");
    client
}

/// The hand-written baseline: a `reqwest::Client` with the settings the SDK
/// gives its own (connect, read-idle and total timeouts, user agent, no
/// redirects).
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .read_timeout(std::time::Duration::from_secs(30))
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("raw client")
}

/// The hand-written baseline's authenticated GET: the headers the SDK sends
/// (accept, api-version, bearer).
pub fn raw_get(raw: &reqwest::Client, url: String) -> reqwest::RequestBuilder {
    raw.get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .header("api-version", API_VERSION)
        .bearer_auth(ACCESS_TOKEN)
}

/// Runs the server in this process, prints its base URL and never returns:
/// the child side of [`spawn_server_process`].
pub fn serve_forever(download_len: usize) -> ! {
    use std::io::Write as _;
    let server = start(download_len);
    println!("{}", server.base_url);
    std::io::stdout().flush().expect("stdout");
    loop {
        std::thread::park();
    }
}

/// Starts this executable again with the argument `serve` (which must call
/// [`serve_forever`]), so the measured client has the process to itself;
/// returns the child and the server's base URL.
pub fn spawn_server_process() -> (std::process::Child, String) {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .arg("serve")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn server");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("server address");
    (child, line.trim().to_string())
}

/// The median of `v` (sorted in place).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds `run` takes.
pub fn secs(run: impl Fn()) -> f64 {
    let t = std::time::Instant::now();
    run();
    t.elapsed().as_secs_f64()
}
