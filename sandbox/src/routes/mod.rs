//! The HTTP surface: routing, the observing middleware (request log and
//! faults) and helpers shared by the handlers.

mod files;
mod meta;
pub(crate) mod oauth;
mod pull;
mod signup;
mod upload;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt as _;

use crate::error::ApiError;
use crate::faults;
use crate::hashes::{HashRule, ct_eq};
use crate::log::{LOGGED_HEADERS, REDACTED_FIELDS, RecordedRequest};
use crate::state::{Grant, Shared};
use crate::util::now_unix;

/// Shared state as handlers see it.
pub(crate) type AppState = Arc<Shared>;

/// Largest form or multipart body accepted (uploads use their own limit).
const FORM_LIMIT: usize = 32 * 1024 * 1024;

/// The full router: every operation under `/public`, wrapped by the observer.
pub(crate) fn router(shared: AppState) -> Router {
    let api = Router::new()
        .route(
            "/oauth2/1/authorize",
            get(oauth::authorize).post(crate::consent_page::answer),
        )
        .route("/oauth2/1/token", post(oauth::token))
        .route("/oauth2/2/token", post(oauth::token_oidc))
        .route("/oauth2/1/revoke", post(oauth::revoke))
        .route("/oauth2/1/code", post(oauth::device_code))
        .route("/oauth2/1/user", get(files::user))
        .route("/oauth2/1/files/issued", get(files::issued_v1))
        .route("/oauth2/2/files/issued", get(files::issued_v2))
        .route("/oauth2/1/files", get(files::uploaded_root))
        .route("/oauth2/1/files/", get(files::uploaded_root))
        .route("/oauth2/1/files/{id}", get(files::uploaded_folder))
        .route("/oauth2/1/file/upload", post(upload::upload))
        .route("/oauth2/1/file", get(files::uri_missing))
        .route("/oauth2/1/file/", get(files::uri_missing))
        .route("/oauth2/1/file/{uri}", get(files::file))
        .route("/oauth2/1/xml", get(files::uri_missing))
        .route("/oauth2/1/xml/", get(files::uri_missing))
        .route("/oauth2/1/xml/{uri}", get(files::xml))
        .route("/oauth2/2/xml/eaadhaar", get(files::eaadhaar_v2))
        .route("/oauth2/3/xml/eaadhaar", get(files::eaadhaar_v3))
        .route("/oauth2/1/pull/issuers", post(pull::issuers))
        .route("/oauth2/1/pull/doctype", post(pull::doctype))
        .route("/oauth2/1/pull/parameters", post(pull::parameters))
        .route("/oauth2/1/pull/pulldocument", post(pull::pull_document))
        .route("/account/2/verify", post(meta::verify))
        .route("/account/1/pushuri", post(meta::push_uri))
        .route("/statistics/1/counts", post(meta::statistics))
        .route("/signup/2/demoauth", post(signup::demoauth))
        .route("/signup/1/demoauthverify", post(signup::demoauth_verify))
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/public", api)
        .route("/.well-known/jwks.json", get(oauth::jwks))
        .route("/signin/logout/Y", get(oauth::logout))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(middleware::from_fn_with_state(shared.clone(), observe))
        .with_state(shared)
}

async fn not_found() -> ApiError {
    ApiError::new(404, "invalid_request", "No such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        405,
        "invalid_request",
        "HTTP method not allowed for this endpoint",
    )
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
        .unwrap_or(false)
}

/// Log every request (without secrets) and apply injected faults.
async fn observe(State(shared): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let full = req.uri().path().to_string();
    let path = match full.strip_prefix("/public") {
        Some("") => "/".to_string(),
        Some(p) if p.starts_with('/') => p.to_string(),
        _ => full.clone(),
    };
    let query = req.uri().query().map(str::to_string);
    let headers: Vec<(String, String)> = LOGGED_HEADERS
        .iter()
        .filter_map(|name| {
            req.headers().get(*name).map(|v| {
                (
                    name.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
        })
        .collect();
    let auth_scheme = req.headers().get(header::AUTHORIZATION).map(|v| {
        String::from_utf8_lossy(v.as_bytes())
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string()
    });

    // Buffer url-encoded bodies so the log can show their (redacted) fields.
    let (req, form) = if is_form(req.headers()) {
        let (parts, body) = req.into_parts();
        match axum::body::to_bytes(body, FORM_LIMIT).await {
            Ok(bytes) => {
                let form = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| {
                        let v = if REDACTED_FIELDS.contains(&k.as_str()) {
                            "<redacted>".to_string()
                        } else {
                            v
                        };
                        (k, v)
                    })
                    .collect();
                (Request::from_parts(parts, Body::from(bytes)), form)
            }
            Err(_) => (Request::from_parts(parts, Body::empty()), Vec::new()),
        }
    } else {
        (req, Vec::new())
    };
    // Record the signature of every signed request, before any fault decides
    // whether the handler sees it: a retry must not repeat an earlier one.
    let (req, multipart) = if is_multipart(req.headers()) {
        buffered_multipart(req).await
    } else {
        (req, HashMap::new())
    };
    shared.lock().signatures.record(
        &path,
        form.iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(multipart.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
    );

    let plan = faults::take(&mut shared.lock().faults, &path);
    if let Some(delay) = plan.delay {
        tokio::time::sleep(delay).await;
    }
    let mut req = req;
    if let Some(fault) = plan.id_token {
        req.extensions_mut().insert(fault);
    }
    let mut resp = match &plan.status {
        Some((status, error)) => ApiError::code(*status, error).into_response(),
        None => next.run(req).await,
    };
    if plan.omit_hmac {
        resp.headers_mut().remove("hmac");
    }
    if plan.tamper || plan.drop_mid_body {
        let (mut parts, body) = resp.into_parts();
        let mut bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        if plan.tamper && !bytes.is_empty() {
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x01;
        }
        parts
            .headers
            .insert(header::CONTENT_LENGTH, bytes.len().into());
        let body = if plan.drop_mid_body {
            let half = Bytes::from(bytes[..bytes.len() / 2].to_vec());
            // Yield half the body, give hyper time to flush it with the
            // headers, then fail the stream so the connection is cut.
            let stream = futures_util::stream::unfold(0u8, move |step| {
                let half = half.clone();
                async move {
                    match step {
                        0 => Some((Ok(half), 1)),
                        1 => {
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                            Some((
                                Err(std::io::Error::new(
                                    std::io::ErrorKind::ConnectionAborted,
                                    "sandbox fault: connection dropped mid-body",
                                )),
                                2,
                            ))
                        }
                        _ => None,
                    }
                }
            });
            Body::from_stream(stream)
        } else {
            Body::from(bytes)
        };
        resp = Response::from_parts(parts, body);
    }

    let record = RecordedRequest {
        method,
        path,
        query,
        headers,
        auth_scheme,
        form,
        status: resp.status().as_u16(),
    };
    shared.lock().log.push(record);
    resp
}

/// Parse an url-encoded body into a map (last value wins). Rejects other
/// content types with `reject`.
pub(crate) fn parse_form(
    headers: &HeaderMap,
    body: &[u8],
    reject: impl Fn(&str) -> ApiError,
) -> Result<HashMap<String, String>, ApiError> {
    if !is_form(headers) {
        return Err(reject(
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map(|pairs| pairs.into_iter().collect())
        .map_err(|_| reject("The request body is not valid application/x-www-form-urlencoded"))
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
        .unwrap_or(false)
}

/// The request with its multipart body buffered, and the body's text fields
/// (none if it is malformed; the handler reports that).
async fn buffered_multipart(req: Request) -> (Request, HashMap<String, String>) {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return (Request::from_parts(parts, Body::empty()), HashMap::new());
    };
    let mut copy = Request::new(Body::from(bytes.clone()));
    if let Some(content_type) = parts.headers.get(header::CONTENT_TYPE) {
        copy.headers_mut()
            .insert(header::CONTENT_TYPE, content_type.clone());
    }
    let fields = parse_multipart(copy, |_| ApiError::new(400, "invalid_request", ""))
        .await
        .unwrap_or_default();
    (Request::from_parts(parts, Body::from(bytes)), fields)
}

/// Read a `multipart/form-data` body's parts as text fields.
pub(crate) async fn parse_multipart(
    req: Request,
    reject: impl Fn(&str) -> ApiError,
) -> Result<HashMap<String, String>, ApiError> {
    if !is_multipart(req.headers()) {
        return Err(reject("Content-Type must be multipart/form-data"));
    }
    let mut multipart = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|_| reject("The multipart/form-data body is malformed"))?;
    let mut fields = HashMap::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let data = field
                    .bytes()
                    .await
                    .map_err(|_| reject("The multipart/form-data body is malformed"))?;
                let text = String::from_utf8(data.to_vec())
                    .map_err(|_| reject("Multipart fields must be UTF-8 text"))?;
                if !name.is_empty() {
                    fields.insert(name, text);
                }
            }
            Ok(None) => break,
            Err(_) => return Err(reject("The multipart/form-data body is malformed")),
        }
    }
    Ok(fields)
}

/// The value of a non-empty field.
pub(crate) fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    form.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// Outcome of checking a signed (clientid/ts/hmac) request.
pub(crate) enum SignedCheck {
    /// Unknown or missing clientid.
    BadClient,
    /// Problems found, as the documented sub-texts.
    Problems(Vec<String>),
}

/// Check clientid, ts (window) and the request hash of `rule`. `problems`
/// holds endpoint-specific failures found by the caller; they are reported
/// together with ts and hash failures.
pub(crate) fn check_signed(
    shared: &Shared,
    form: &HashMap<String, String>,
    rule: HashRule,
    mut problems: Vec<String>,
) -> Result<(), SignedCheck> {
    let cfg = &shared.config;
    match field(form, "clientid") {
        Some(id) if ct_eq(id, &cfg.client_id) => {}
        _ => return Err(SignedCheck::BadClient),
    }
    if !ts_ok(shared, form.get("ts").map(String::as_str)) {
        problems.push("Timestamp parameter is missing or invalid".into());
    }
    let expected = rule.expected(&cfg.client_secret, form);
    match form.get("hmac") {
        Some(h) if ct_eq(h.trim(), &expected) => {}
        _ => problems.push("HMAC parameter is missing or invalid".into()),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SignedCheck::Problems(problems))
    }
}

/// Map a failed [`check_signed`] to the documented meta-API errors.
pub(crate) fn signed_error(check: SignedCheck) -> ApiError {
    match check {
        SignedCheck::BadClient => ApiError::invalid_client_id(),
        SignedCheck::Problems(p) => ApiError::invalid_parameter(&p),
    }
}

/// `ts` is Unix seconds within the configured window of the server clock.
pub(crate) fn ts_ok(shared: &Shared, ts: Option<&str>) -> bool {
    let Some(ts) = ts
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
    else {
        return false;
    };
    let Ok(ts) = ts.parse::<i64>() else {
        return false;
    };
    let window = shared.config.ts_window.as_secs() as i64;
    (now_unix() - ts).abs() <= window
}

/// The grant behind the request's bearer token, checking `scope`.
pub(crate) fn bearer(
    shared: &Shared,
    headers: &HeaderMap,
    scope: Option<&str>,
) -> Result<Grant, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_string())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(ApiError::invalid_token)?;
    let grant = shared
        .lock()
        .grant_for_access(&token)
        .cloned()
        .ok_or_else(ApiError::invalid_token)?;
    if scope.is_some_and(|s| !has_scope(&shared.config.scope, s)) {
        return Err(ApiError::insufficient_scope());
    }
    Ok(grant)
}

/// Whether the space-separated `granted` scope contains `needed`.
pub(crate) fn has_scope(granted: &str, needed: &str) -> bool {
    granted.split_whitespace().any(|s| s == needed)
}

/// A JSON 200 response.
pub(crate) fn json(value: serde_json::Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

/// Drain a body up to `cap` bytes; `Err(total)` if it exceeded `limit`.
pub(crate) async fn read_limited(body: Body, limit: usize, cap: usize) -> Result<Vec<u8>, usize> {
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        total += chunk.len();
        if total <= limit {
            buf.extend_from_slice(&chunk);
        } else if total > cap {
            break;
        }
    }
    if total > limit { Err(total) } else { Ok(buf) }
}
