//! The one place requests leave the client: path checks, authentication,
//! signing, retries, refresh-on-401, deadlines, bounded error bodies and
//! tracing, for generated and overlay operations alike.
//!
//! Every generated operation's `send` calls [`send`] (see
//! `codegen/src/rewrite.rs`), and the overlay's multipart, upload and
//! download calls do too, so these rules hold for all of them.

mod auth;
mod body;
pub(crate) mod guard;
mod path;
mod resend;
mod sign;

use std::time::{Duration, Instant};

use reqwest::header::AUTHORIZATION;

pub(crate) use auth::bearer_of;
pub(crate) use body::{decode_json, unexpected_status};
pub(crate) use path::{Separators, check_segment, path_segment};
pub(crate) use sign::signed_fields;

use crate::error::{Secrets, from_reqwest};
use crate::operations::{Auth, OperationSpec};
use crate::telemetry::OperationSpan;
use crate::{Client, Error};

/// Whether `request` is a refresh grant at the token endpoint.
fn is_refresh_grant(op: &OperationSpec, request: &reqwest::Request) -> bool {
    op.id == "get_access_token"
        && request.body().and_then(|b| b.as_bytes()).is_some_and(|b| {
            url::form_urlencoded::parse(b).any(|(k, v)| k == "grant_type" && v == "refresh_token")
        })
}

/// Whether this request may be sent again: idempotent operations, and the
/// token endpoint only for the refresh grant.
fn retryable(op: &OperationSpec, request: &reqwest::Request) -> bool {
    if op.id == "get_access_token" {
        return is_refresh_grant(op, request);
    }
    op.is_idempotent()
}

/// The per-attempt deadline: the total deadline for calls whose response is
/// buffered, the caller's transfer deadline (if any) for streamed ones.
///
/// A refresh grant has none: its response carries the only valid refresh
/// token once the server has spent the old one, so it is awaited to its
/// end (a stalled connection still fails after the read-idle timeout).
fn deadline(client: &Client, op: &OperationSpec, request: &reqwest::Request) -> Option<Duration> {
    let timeouts = &client.config().timeouts;
    if op.is_transfer() {
        timeouts.transfer
    } else if is_refresh_grant(op, request) {
        None
    } else {
        Some(timeouts.total)
    }
}

/// Sends one operation and returns its successful (`2xx`) response; error
/// statuses become [`Error::Api`] (or [`Error::ResponseTooLarge`]), and a
/// redirect is [`Error::Redirected`], never followed.
///
/// Before anything is sent: the URL must be `https` (or loopback `http`)
/// and its path must be exactly `op`'s path. Then the operation's
/// authentication is applied, signed form bodies get `clientid`, `ts` and
/// their hash (fresh on each attempt), and retries follow the client's
/// policy for idempotent operations. A 401 on a bearer operation refreshes
/// the token once (single-flight) and resends.
pub(crate) async fn send(
    client: &Client,
    op: &'static OperationSpec,
    request: reqwest::Request,
) -> Result<reqwest::Response, Error> {
    // What further attempts are rebuilt from, kept only if one is possible;
    // streamed bodies cannot be kept and are sent once.
    let resend = if further_attempt_possible(client, op, &request) {
        resend::Resend::keep(op, &request)
    } else {
        None
    };
    run(client, op, request, resend).await
}

/// [`send`], with `next` building each further attempt's request (a
/// multipart body is rebuilt and re-signed rather than copied); `None`
/// means no further attempt is possible.
pub(crate) async fn send_with<F>(
    client: &Client,
    op: &'static OperationSpec,
    request: reqwest::Request,
    next: F,
) -> Result<reqwest::Response, Error>
where
    F: FnMut() -> Option<reqwest::Request>,
{
    run(client, op, request, next).await
}

/// Whether this request could be sent more than once: a retry under the
/// client's policy, or a resend after refreshing a bearer token.
fn further_attempt_possible(
    client: &Client,
    op: &OperationSpec,
    request: &reqwest::Request,
) -> bool {
    op.auth == Auth::Bearer
        || (client.config().retry.allows_another(1, Duration::ZERO) && retryable(op, request))
}

/// Where further attempts come from.
trait NextAttempt {
    /// The request for another attempt; `None` if there can be none.
    fn next_attempt(&mut self) -> Option<reqwest::Request>;
}

impl<F: FnMut() -> Option<reqwest::Request>> NextAttempt for F {
    fn next_attempt(&mut self) -> Option<reqwest::Request> {
        self()
    }
}

impl NextAttempt for Option<resend::Resend> {
    fn next_attempt(&mut self) -> Option<reqwest::Request> {
        self.as_ref().map(resend::Resend::rebuild)
    }
}

async fn run<N: NextAttempt>(
    client: &Client,
    op: &'static OperationSpec,
    mut request: reqwest::Request,
    mut next: N,
) -> Result<reqwest::Response, Error> {
    guard::check_url(request.url())?;
    path::check_operation_path(client.base_path(), op, request.url())?;
    let mut authorization = auth::authenticate(client, op, &mut request).await?;
    let limit = deadline(client, op, &request);
    let policy = &client.config().retry;
    let started = Instant::now();
    let span = OperationSpan::start(op);
    let may_retry = retryable(op, &request);
    let form_secrets = if op.auth == Auth::ClientBasic {
        Secrets::form_fields(&request)
    } else {
        Vec::new()
    };
    // Signed forms: every attempt is signed afresh from the unsigned body.
    let unsigned = if sign::is_signed_form(op) {
        Some(request.body_mut().take())
    } else {
        None
    };
    let mut refreshed = false;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        if let Some(unsigned) = &unsigned {
            let bytes = unsigned.as_ref().and_then(reqwest::Body::as_bytes);
            sign::sign_form_body(client, op, bytes.unwrap_or_default(), &mut request);
        }
        *request.timeout_mut() = limit;
        let result = span.attempt(attempt, client.http().execute(request)).await;
        let elapsed = started.elapsed();
        let another = may_retry && policy.allows_another(attempt, elapsed);
        let (backoff, error) = match result {
            Ok(response) if response.status().as_u16() < 300 => {
                span.finish(attempt, response.status().as_u16(), elapsed);
                return Ok(response);
            }
            Ok(response) if response.status().as_u16() < 400 => {
                // Never followed (the HTTP client has redirects off) and never
                // read: a redirect is an answer this client does not accept.
                let status = response.status().as_u16();
                span.finish(attempt, status, elapsed);
                return Err(Error::Redirected {
                    operation: op.id,
                    status,
                });
            }
            Ok(response) => {
                let status = response.status().as_u16();
                let fresh = if status == 401 && op.auth == Auth::Bearer && !refreshed {
                    refreshed = true;
                    // Boxed, like the other rare paths below: their state
                    // would otherwise enlarge every call's future.
                    Box::pin(auth::refresh_after_401(client, authorization.as_ref())).await
                } else {
                    None
                };
                match fresh {
                    // Resend at once with the new token.
                    Some(Ok(value)) => {
                        authorization = Some(value);
                        (false, None)
                    }
                    Some(Err(refresh_error)) => {
                        span.finish(attempt, status, started.elapsed());
                        return Err(refresh_error);
                    }
                    None => {
                        let secrets = Secrets::of(client, &form_secrets, authorization.as_ref());
                        let error = Box::pin(body::api_error(client, response, op, &secrets)).await;
                        if !(another && error.is_retryable()) {
                            span.finish(attempt, status, started.elapsed());
                            return Err(error);
                        }
                        (true, Some(error))
                    }
                }
            }
            Err(err) => {
                let error = from_reqwest(err, Some(op.id));
                let transient =
                    matches!(&error, Error::Transport { source, .. } if source.is_connect());
                if !(another && transient) {
                    span.failed(attempt, &error, elapsed);
                    return Err(error);
                }
                (true, Some(error))
            }
        };
        let Some(mut again) = next.next_attempt() else {
            // A streamed body cannot be sent again.
            return Err(error.unwrap_or_else(|| {
                Error::Auth(crate::AuthError::RefreshFailed {
                    status: Some(401),
                    code: None,
                })
            }));
        };
        if let Some(value) = &authorization {
            again.headers_mut().insert(AUTHORIZATION, value.clone());
        }
        request = again;
        if backoff {
            Box::pin(tokio::time::sleep(policy.backoff(attempt))).await;
        }
    }
}
