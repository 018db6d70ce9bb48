//! Mapping progenitor's error type (and the hooks' failures) into [`Error`].

use serde::{Deserialize, Serialize};

use super::{AuthError, Error, ErrorCode, ValidationError};
use crate::types::ErrorResponse;

/// Response header through which the transport tells the error mapping which
/// operation a response belongs to. Never sent over the network.
pub(crate) const OPERATION_HEADER: &str = "x-digilocker-authpartner-operation";

/// A failure inside a request hook, carried through progenitor's
/// `Error::Custom(String)` as JSON and decoded back here.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "sdk_hook_failure")]
pub(crate) enum HookFailure {
    Auth { error: AuthErrorRepr },
    Validation { field: String, reason: String },
    Config { message: String },
}

/// A serialisable mirror of [`AuthError`].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum AuthErrorRepr {
    NoToken,
    NoRefreshToken,
    RefreshFailed {
        status: Option<u16>,
        code: Option<String>,
    },
    Store(String),
}

impl HookFailure {
    /// Wraps the failure for a hook's return value.
    pub(crate) fn into_progenitor<E>(self) -> progenitor_client::Error<E> {
        progenitor_client::Error::Custom(serde_json::to_string(&self).unwrap_or_default())
    }

    /// Builds the failure for an error raised inside a hook.
    pub(crate) fn from_error(e: Error) -> Self {
        match e {
            Error::Auth(a) => Self::Auth {
                error: match a {
                    AuthError::NoRefreshToken => AuthErrorRepr::NoRefreshToken,
                    AuthError::RefreshFailed { status, code } => AuthErrorRepr::RefreshFailed {
                        status,
                        code: code.map(|c| c.as_str().to_string()),
                    },
                    AuthError::Store(m) => AuthErrorRepr::Store(m),
                    _ => AuthErrorRepr::NoToken,
                },
            },
            Error::Validation(v) => Self::Validation {
                field: v.field.to_string(),
                reason: v.reason,
            },
            other => Self::Config {
                message: other.to_string(),
            },
        }
    }

    fn into_error(self) -> Error {
        match self {
            Self::Auth { error } => Error::Auth(match error {
                AuthErrorRepr::NoToken => AuthError::NoToken,
                AuthErrorRepr::NoRefreshToken => AuthError::NoRefreshToken,
                AuthErrorRepr::RefreshFailed { status, code } => AuthError::RefreshFailed {
                    status,
                    code: code.as_deref().map(ErrorCode::parse),
                },
                AuthErrorRepr::Store(m) => AuthError::Store(m),
            }),
            Self::Validation { field, reason } => Error::Validation(ValidationError {
                field: leak_field(&field),
                reason,
            }),
            Self::Config { message } => Error::Config(message),
        }
    }
}

/// Field names are `&'static str`; hook failures only carry names this crate
/// produced, so map them back onto the known set instead of leaking memory.
fn leak_field(field: &str) -> &'static str {
    const KNOWN: &[&str] = &["request", "body", "uri", "url", "consent"];
    KNOWN
        .iter()
        .copied()
        .find(|k| *k == field)
        .unwrap_or("request")
}

fn operation_from_headers(headers: &reqwest::header::HeaderMap) -> Option<&'static str> {
    let id = headers.get(OPERATION_HEADER)?.to_str().ok()?;
    crate::operations::by_id(id).map(|op| op.id)
}

fn operation_from_error(e: &reqwest::Error) -> Option<&'static str> {
    e.url()
        .and_then(|u| crate::operations::by_url_path(u.path()))
        .map(|op| op.id)
}

/// The start of a body for diagnostics, with the values of secret-bearing
/// JSON fields replaced.
pub(crate) fn redacted_snippet(bytes: &[u8]) -> String {
    const SECRET_KEYS: &[&str] = &[
        "access_token",
        "refresh_token",
        "id_token",
        "client_secret",
        "code_verifier",
        "code",
        "token",
    ];
    fn scrub(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    if SECRET_KEYS.contains(&k.as_str()) {
                        *val = serde_json::Value::String("[REDACTED]".into());
                    } else {
                        scrub(val);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    let text = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(mut v) => {
            scrub(&mut v);
            v.to_string()
        }
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    };
    text.chars().take(200).collect()
}

impl From<progenitor_client::Error<ErrorResponse>> for Error {
    fn from(e: progenitor_client::Error<ErrorResponse>) -> Self {
        use progenitor_client::Error as P;
        match e {
            P::ErrorResponse(rv) => {
                let status = rv.status().as_u16();
                let operation = operation_from_headers(rv.headers());
                let body = rv.into_inner();
                Error::Api {
                    status,
                    code: ErrorCode::parse(&body.error),
                    description: body.error_description,
                    operation,
                }
            }
            other => from_untyped(other.into_untyped()),
        }
    }
}

impl From<progenitor_client::Error<()>> for Error {
    fn from(e: progenitor_client::Error<()>) -> Self {
        from_untyped(e)
    }
}

fn from_untyped(e: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as P;
    match e {
        P::InvalidRequest(reason) => Error::Validation(ValidationError::new("request", reason)),
        P::CommunicationError(source)
        | P::ResponseBodyError(source)
        | P::InvalidUpgrade(source) => from_reqwest(source, None),
        P::ErrorResponse(rv) => Error::Api {
            status: rv.status().as_u16(),
            code: ErrorCode::Other(String::new()),
            description: None,
            operation: operation_from_headers(rv.headers()),
        },
        P::InvalidResponsePayload(bytes, err) => Error::Decode {
            operation: None,
            status: None,
            message: err.to_string(),
            snippet: redacted_snippet(&bytes),
        },
        P::UnexpectedResponse(resp) => Error::Decode {
            operation: operation_from_headers(resp.headers()),
            status: Some(resp.status().as_u16()),
            message: "status not described by the spec".into(),
            snippet: String::new(),
        },
        P::Custom(text) => match serde_json::from_str::<HookFailure>(&text) {
            Ok(failure) => failure.into_error(),
            Err(_) => Error::Config(text),
        },
    }
}

/// Maps a reqwest error, dropping its URL (a document URI can carry personal data).
pub(crate) fn from_reqwest(source: reqwest::Error, operation: Option<&'static str>) -> Error {
    let operation = operation.or_else(|| operation_from_error(&source));
    if source.is_timeout() {
        Error::Timeout { operation }
    } else {
        Error::Transport {
            operation,
            source: source.without_url(),
        }
    }
}
