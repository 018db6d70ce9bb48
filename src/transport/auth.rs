//! Applying an operation's authentication: the bearer token (refreshed when
//! due, single-flight) or HTTP Basic with the client credentials.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::Client;
use crate::client::CredentialsIn;
use crate::operations::{Auth, OperationSpec};

/// A header value marked sensitive, so it is never logged.
fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// `Bearer <token>`, marked sensitive.
fn bearer_value(token: &SecretString) -> Option<HeaderValue> {
    let secret = token.expose_secret();
    let mut header = String::with_capacity(7 + secret.len());
    header.push_str("Bearer ");
    header.push_str(secret);
    sensitive(&header)
}

/// Sets `Authorization: Bearer …`, marked sensitive so it is never logged.
fn set_bearer(request: &mut reqwest::Request, token: &SecretString) -> Option<HeaderValue> {
    let value = bearer_value(token)?;
    request.headers_mut().insert(AUTHORIZATION, value.clone());
    Some(value)
}

/// Sets HTTP Basic with the client credentials, marked sensitive.
fn set_basic(request: &mut reqwest::Request, client: &Client) -> Option<HeaderValue> {
    use base64::Engine as _;
    let config = client.config();
    let raw = format!(
        "{}:{}",
        config.client_id,
        config.client_secret.expose_secret()
    );
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
    let value = sensitive(&format!("Basic {encoded}"))?;
    request.headers_mut().insert(AUTHORIZATION, value.clone());
    Some(value)
}

/// The bearer token of a sent `Authorization` header value.
pub(crate) fn bearer_of(value: &HeaderValue) -> Option<SecretString> {
    let value = value.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .map(|t| SecretString::from(t.to_string()))
}

/// Applies the operation's authentication to a request and returns the
/// `Authorization` value it set, if any.
pub(crate) async fn authenticate(
    client: &Client,
    op: &OperationSpec,
    request: &mut reqwest::Request,
) -> Result<Option<HeaderValue>, crate::Error> {
    match op.auth {
        Auth::Bearer => {
            let token = client
                .session_slot()?
                .access_token(client, client.store(), client.config().refresh_skew)
                .await?;
            Ok(set_bearer(request, &token))
        }
        Auth::ClientBasic if uses_basic(client, op, request) => Ok(set_basic(request, client)),
        Auth::ClientBasic | Auth::None => Ok(None),
    }
}

/// Whether the client credentials go in HTTP Basic: always for revoke, for
/// the refresh grant unless configured otherwise (Requester API Spec v1.12
/// p.8 documents only Basic there), and per
/// [`CredentialsIn`] for the code exchange.
fn uses_basic(client: &Client, op: &OperationSpec, request: &reqwest::Request) -> bool {
    if op.id == "revoke_token" {
        return true;
    }
    let has_body_credentials = request
        .body()
        .and_then(|b| b.as_bytes())
        .is_some_and(|b| url::form_urlencoded::parse(b).any(|(k, _)| k == "client_secret"));
    !has_body_credentials || client.config().credentials_in == CredentialsIn::Basic
}

/// After a 401: refreshes the token that was sent (single-flight) and
/// returns the header for the resend; `None` when the request carried no
/// bearer token. A failed refresh is its own error (consent required, a
/// timeout, tokens not kept, …), which tells the caller more than the 401.
pub(crate) async fn refresh_after_401(
    client: &Client,
    sent: Option<&HeaderValue>,
) -> Option<Result<HeaderValue, crate::Error>> {
    let stale = bearer_of(sent?)?;
    let refreshed = match client.session_slot() {
        Ok(slot) => slot.refresh_shared(client, &stale).await,
        Err(e) => Err(e),
    };
    Some(refreshed.and_then(|fresh| {
        bearer_value(&fresh.access_token).ok_or(crate::Error::Auth(
            crate::AuthError::RefreshFailed {
                status: None,
                code: None,
            },
        ))
    }))
}
