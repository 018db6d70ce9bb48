//! A hostile (or broken) DigiLocker on 127.0.0.1: every test scripts what it
//! answers, and it records what reached it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use digilocker_authpartner::auth::StoredTokens;
use digilocker_authpartner::client::MissingHmac;
use digilocker_authpartner::retry::RetryPolicy;
use digilocker_authpartner::{Client, ClientBuilder};

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub authorization: Option<String>,
    pub body: Bytes,
}

type Script = dyn Fn(&Seen) -> Response + Send + Sync;

/// The server: a script and the requests it received.
#[derive(Clone)]
pub struct Hostile {
    pub base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    /// Starts a server answering every request with `script`.
    pub async fn start(script: impl Fn(&Seen) -> Response + Send + Sync + 'static) -> Self {
        let script: Arc<Script> = Arc::new(script);
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = seen.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let script = script.clone();
                let log = log.clone();
                async move {
                    let seen = Seen {
                        method,
                        path: uri.path().to_string(),
                        authorization: headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .map(String::from),
                        body,
                    };
                    log.lock().unwrap().push(seen.clone());
                    script(&seen)
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{addr}/public"),
            seen,
        }
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many requests reached `path` (under `/public`).
    pub fn count(&self, path: &str) -> usize {
        let full = format!("/public{path}");
        self.seen().iter().filter(|s| s.path == full).count()
    }

    /// Requests per path.
    pub fn paths(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for s in self.seen() {
            *out.entry(s.path).or_default() += 1;
        }
        out
    }

    /// A client for this server (no retries unless `configure` sets them).
    pub fn client(&self, configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
        configure(
            Client::builder("HOSTILE01", "hostile-client-secret-0123456789")
                .base_url(&self.base_url)
                .redirect_uri("http://127.0.0.1/callback")
                .retry_policy(RetryPolicy::none()),
        )
        .build()
        .unwrap()
        .session("hostile-user")
        .unwrap()
    }

    /// A client with valid tokens stored (see [`client`](Self::client)).
    pub async fn signed_in(
        &self,
        configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
    ) -> Client {
        let client = self.client(configure);
        client
            .set_tokens(valid("AT-0123456789abcdef", "RT-0123456789abcdef"))
            .await
            .unwrap();
        client
    }

    /// [`signed_in`](Self::signed_in), accepting downloads without an
    /// `hmac` header (this server sends none).
    pub async fn signed_in_unsigned(
        &self,
        configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
    ) -> Client {
        self.signed_in(|b| configure(b.missing_download_hmac(MissingHmac::WarnAndAccept)))
            .await
    }
}

/// A JSON response.
pub fn json(status: u16, body: serde_json::Value) -> Response {
    bytes(status, "application/json", body.to_string().into_bytes())
}

/// A JSON response whose body follows the headers after `pause`, so the
/// call stays in flight at least that long.
pub fn slow_json(status: u16, body: serde_json::Value, pause: Duration) -> Response {
    let body = Bytes::from(body.to_string().into_bytes());
    let delayed = futures_util::stream::once(async move {
        tokio::time::sleep(pause).await;
        Ok::<_, std::io::Error>(body)
    });
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json")
        .body(Body::from_stream(delayed))
        .unwrap()
}

/// A response with `content_type` and `body`.
pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

/// A streamed body of `total` bytes produced lazily from `unit` (no
/// `Content-Length`, so only a reader's own limit can stop it), optionally
/// pausing `pause` between chunks.
pub fn stream(
    status: u16,
    content_type: &str,
    unit: &'static [u8],
    total: u64,
    pause: Duration,
) -> Response {
    let chunk: Bytes = Bytes::from(unit.repeat((64 * 1024 / unit.len()).max(1)));
    let body = futures_util::stream::unfold(0u64, move |sent| {
        let chunk = chunk.clone();
        async move {
            if sent >= total {
                return None;
            }
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            Some((
                Ok::<_, std::io::Error>(chunk.clone()),
                sent + chunk.len() as u64,
            ))
        }
    });
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", content_type)
        .body(Body::from_stream(body))
        .unwrap()
}

/// A token response body.
pub fn token_body(access: &str, refresh: Option<&str>, expires_in: i64) -> serde_json::Value {
    let mut body = serde_json::json!({
        "access_token": access,
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": "files.issueddocs",
    });
    if let Some(r) = refresh {
        body["refresh_token"] = r.into();
    }
    body
}

/// Tokens that expired a minute ago (so the next call refreshes).
pub fn expired(access: &str, refresh: &str) -> StoredTokens {
    StoredTokens {
        access_token: access.to_string().into(),
        refresh_token: Some(refresh.to_string().into()),
        expires_at: SystemTime::now() - Duration::from_secs(60),
    }
}

/// Tokens valid for an hour.
pub fn valid(access: &str, refresh: &str) -> StoredTokens {
    StoredTokens {
        access_token: access.to_string().into(),
        refresh_token: Some(refresh.to_string().into()),
        expires_at: SystemTime::now() + Duration::from_secs(3600),
    }
}

/// The user-details body of the Requester API Spec's sample.
pub fn user_details() -> serde_json::Value {
    serde_json::json!({
        "digilockerid": "123e4567-e89b-12d3-a456-426655440000",
        "name": "Sunil Kumar",
        "dob": "31121970",
        "gender": "M",
        "eaadhaar": "Y",
        "reference_key": "2a33349e7e606a8ad2e30e3c84521f9377450cf09083e162e0a9b1480ce0f972"
    })
}
