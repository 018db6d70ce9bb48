//! The one place requests leave the client: authentication, signing, retries,
//! refresh-on-401, timeouts and tracing, for generated and overlay operations alike.

pub(crate) mod guard;
mod sign;

use std::time::Instant;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

pub(crate) use sign::{sign_form_body, signed_fields};

use crate::Client;
use crate::error::OPERATION_HEADER;
use crate::operations::{Auth, OperationSpec};
use crate::telemetry::OperationSpan;

/// Sets `Authorization: Bearer …`, marked sensitive so it is never logged.
pub(crate) fn set_bearer(request: &mut reqwest::Request, token: &SecretString) {
    let secret = token.expose_secret();
    let mut header = String::with_capacity(7 + secret.len());
    header.push_str("Bearer ");
    header.push_str(secret);
    if let Ok(mut value) = HeaderValue::try_from(header) {
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
    }
}

/// Sets HTTP Basic with the client credentials, marked sensitive.
pub(crate) fn set_basic(request: &mut reqwest::Request, client: &Client) {
    use base64::Engine as _;
    let config = client.config();
    let raw = format!(
        "{}:{}",
        config.client_id,
        config.client_secret.expose_secret()
    );
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
    if let Ok(mut value) = HeaderValue::from_str(&format!("Basic {encoded}")) {
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
    }
}

/// The bearer token of a sent `Authorization` header value.
fn bearer_of(value: &HeaderValue) -> Option<SecretString> {
    let value = value.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .map(|t| SecretString::from(t.to_string()))
}

/// Whether this request may be retried: idempotent operations, and the
/// token endpoint only for the refresh grant.
fn retryable(op: &OperationSpec, request: Option<&reqwest::Request>) -> bool {
    if op.id == "get_access_token" {
        return request
            .and_then(|r| r.body())
            .and_then(|b| b.as_bytes())
            .is_some_and(|b| {
                url::form_urlencoded::parse(b)
                    .any(|(k, v)| k == "grant_type" && v == "refresh_token")
            });
    }
    op.is_idempotent()
}

/// Sends one operation. `first` is the first attempt's request;
/// `next_request` builds each further attempt's (with a fresh `ts` and hash
/// for signed operations) and returns `None` when no further attempt can be
/// built (a streamed body).
pub(crate) async fn execute<F>(
    client: &Client,
    op: &'static OperationSpec,
    first: reqwest::Request,
    mut next_request: F,
) -> reqwest::Result<reqwest::Response>
where
    F: FnMut() -> Option<reqwest::Request>,
{
    let policy = &client.config().retry;
    let started = Instant::now();
    let span = OperationSpan::start(op);
    let mut bearer_override: Option<SecretString> = None;
    let mut refreshed = false;
    let mut attempt = 0u32;
    let mut request = first;
    loop {
        attempt += 1;
        if let Some(token) = &bearer_override {
            set_bearer(&mut request, token);
        }
        let may_retry = retryable(op, Some(&request));
        // Kept raw: it is only parsed if the server answers 401.
        let sent_authorization = request.headers().get(AUTHORIZATION).cloned();
        let result = span.attempt(attempt, client.http().execute(request)).await;
        let elapsed = started.elapsed();
        let another = may_retry && policy.allows_another(attempt, elapsed);
        // The outcome handed back if no further attempt can be built.
        let outcome: reqwest::Result<reqwest::Response> = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                if status == 401 && op.auth == Auth::Bearer && !refreshed {
                    refreshed = true;
                    let skew = client.config().refresh_skew;
                    let fresh = match sent_authorization.as_ref().and_then(bearer_of) {
                        Some(stale) => client
                            .tokens()
                            .refresh_replacing(client, &stale, skew)
                            .await
                            .ok(),
                        None => None,
                    };
                    match fresh {
                        Some(token) => bearer_override = Some(token),
                        None => {
                            let response = finish_response(response).await;
                            return Ok(span.finish(tag(response, op), elapsed));
                        }
                    }
                    Ok(response)
                } else if another && matches!(status, 502..=504) {
                    tokio::time::sleep(policy.backoff(attempt)).await;
                    Ok(response)
                } else if another && matches!(status, 500 | 530) {
                    let (response, transient) = normalize_error_body(response).await;
                    if !transient {
                        return Ok(span.finish(tag(response, op), started.elapsed()));
                    }
                    tokio::time::sleep(policy.backoff(attempt)).await;
                    Ok(response)
                } else {
                    return Ok(span.finish(tag(finish_response(response).await, op), elapsed));
                }
            }
            Err(err) => {
                if !(another && err.is_connect()) {
                    span.failed(&err, elapsed);
                    return Err(err);
                }
                tokio::time::sleep(policy.backoff(attempt)).await;
                Err(err)
            }
        };
        match next_request() {
            Some(next) => request = next,
            // A streamed body cannot be sent again: hand back what we have.
            None => {
                return match outcome {
                    Ok(response) => {
                        let response = finish_response(response).await;
                        Ok(span.finish(tag(response, op), started.elapsed()))
                    }
                    Err(err) => Err(err),
                };
            }
        }
    }
}

/// Normalizes the body of an error response (see [`normalize_error_body`]).
async fn finish_response(response: reqwest::Response) -> reqwest::Response {
    if response.status().as_u16() >= 400 {
        normalize_error_body(response).await.0
    } else {
        response
    }
}

/// Tags a response with its operation id for the error mapping.
///
/// Successful responses are left alone: only errors need the operation.
fn tag(mut response: reqwest::Response, op: &OperationSpec) -> reqwest::Response {
    if !response.status().is_success() {
        response
            .headers_mut()
            .insert(OPERATION_HEADER, HeaderValue::from_static(op.id));
    }
    response
}

/// Reads an error response's (small) body, and rebuilds the response so that
/// its body is always an `ErrorResponse`: a body that is not one (a gateway's
/// HTML page, an empty 502) becomes `{"error": "", "error_description": …}`,
/// so the caller gets `Error::Api` with the status instead of a decode error.
/// Returns the rebuilt response and whether its code is transient.
async fn normalize_error_body(response: reqwest::Response) -> (reqwest::Response, bool) {
    let status = response.status();
    let version = response.version();
    let mut headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    let (bytes, code) = match serde_json::from_slice::<crate::types::ErrorResponse>(&bytes) {
        Ok(body) => (bytes, crate::ErrorCode::parse(&body.error)),
        Err(_) => {
            let kind = headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("no content type")
                .to_string();
            let description = format!(
                "the server sent a non-JSON error body ({kind}, {} bytes)",
                bytes.len()
            );
            let body = serde_json::json!({ "error": "", "error_description": description });
            headers.insert(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            headers.remove(reqwest::header::CONTENT_LENGTH);
            (
                bytes::Bytes::from(body.to_string()),
                crate::ErrorCode::parse(""),
            )
        }
    };
    let mut rebuilt = http::Response::new(bytes);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    (reqwest::Response::from(rebuilt), code.is_transient())
}

/// Applies the operation's authentication to a request.
pub(crate) async fn authenticate(
    client: &Client,
    op: &OperationSpec,
    request: &mut reqwest::Request,
) -> Result<(), crate::Error> {
    guard::check_url(request.url())?;
    match op.auth {
        Auth::Bearer => {
            let token = client
                .tokens()
                .access_token(client, client.config().refresh_skew)
                .await?;
            set_bearer(request, &token);
        }
        Auth::ClientBasic => {
            let basic_always = op.id == "revoke_token";
            if basic_always || client.config().credentials_in == crate::client::CredentialsIn::Basic
            {
                set_basic(request, client);
            }
        }
        Auth::None => {}
    }
    Ok(())
}
