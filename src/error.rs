//! One error type for every failure a caller can meet.

mod code;
mod convert;

use std::fmt;

pub use code::{ErrorCode, RetryClass};
pub(crate) use convert::{
    Secrets, decode_message, from_reqwest, header_value, invalid_parameter, lift, redacted_snippet,
};

/// Everything that can go wrong when calling DigiLocker through this crate.
///
/// Every operation returns it, generated and overlay alike, so `?` works
/// everywhere and `match` sees the same variants for every call.
///
/// No variant ever carries the client secret, a token or a PKCE verifier.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// DigiLocker answered with an error status and (usually) an
    /// `{error, error_description}` body.
    Api {
        /// HTTP status (530 included).
        status: u16,
        /// The error code, trimmed; unknown codes are kept verbatim.
        code: ErrorCode,
        /// `error_description`, when the server sent one.
        description: Option<String>,
        /// The operation that failed, e.g. `get_user_details`.
        operation: Option<&'static str>,
    },
    /// The server answered with a redirect (`3xx`). The client never follows
    /// one: it would re-send credentials, a code or a token to wherever the
    /// server points, and the operation's path is checked before sending.
    Redirected {
        /// The operation that was redirected.
        operation: &'static str,
        /// The `3xx` status.
        status: u16,
    },
    /// The request could not be sent or the response could not be read
    /// (connection refused or reset, DNS, TLS, body cut off).
    Transport {
        /// The operation, when known.
        operation: Option<&'static str>,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// A connect, read-idle or total deadline elapsed.
    Timeout {
        /// The operation, when known.
        operation: Option<&'static str>,
    },
    /// A response body exceeded the client's limit for its kind (see
    /// [`BodyLimits`](crate::client::BodyLimits)); reading stopped there.
    ResponseTooLarge {
        /// The operation.
        operation: &'static str,
        /// HTTP status of the response.
        status: u16,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A download's `hmac` header did not match its body (or was required
    /// and absent). The data was not handed out.
    Integrity {
        /// The operation.
        operation: &'static str,
        /// What failed.
        reason: IntegrityFailure,
    },
    /// An XML signature did not verify against the configured trust
    /// anchors (feature `xmldsig`). No data was parsed from the document.
    #[cfg(feature = "xmldsig")]
    Signature {
        /// The operation that downloaded the document, when known.
        operation: Option<&'static str>,
        /// Which rule failed.
        reason: crate::xml::signature::SignatureError,
    },
    /// Bad input, rejected before anything was sent.
    Validation(ValidationError),
    /// A response body did not match its schema.
    Decode {
        /// The operation, when known.
        operation: Option<&'static str>,
        /// HTTP status of the response.
        status: Option<u16>,
        /// Why decoding failed.
        message: String,
        /// The start of the body (at most 200 characters), for diagnosis.
        snippet: String,
    },
    /// An OAuth flow failed.
    Auth(AuthError),
    /// The client is misconfigured (bad base URL, plain `http://` to a remote host, …).
    Config(String),
    /// A local file could not be read or written.
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Why a download failed its integrity check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntegrityFailure {
    /// The body's HMAC differs from the `hmac` header.
    Mismatch,
    /// The `hmac` header was absent and the client requires it.
    MissingHeader,
    /// The `hmac` header is not valid Base64.
    MalformedHeader,
}

/// Bad input, caught before the network. Names the field and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// The offending field or argument, e.g. `uid` or `path`.
    pub field: &'static str,
    /// Why it was rejected.
    pub reason: String,
}

impl ValidationError {
    /// A validation error for `field`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// A failure of the OAuth flow or of the token lifecycle.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// The callback's `state` differs from the one the flow started with.
    StateMismatch,
    /// The callback carries neither `code` nor `error`.
    MissingCode,
    /// The user or DigiLocker ended the flow (`access_denied`, `user_loggedout`, …).
    Denied {
        /// The `error` code of the redirect.
        code: ErrorCode,
        /// `error_description`, when present.
        description: Option<String>,
    },
    /// The user logged out of DigiLocker (`error=user_loggedout`): the
    /// redirect after the logout URL (MeriPehchaan v2.3 p.14), recognised
    /// with or without `state`.
    LoggedOut {
        /// `error_description`, when present (`user` in the PDF).
        description: Option<String>,
    },
    /// The id_token was refused; nothing was stored.
    IdToken(crate::auth::IdTokenError),
    /// The operation needs an access token and none is stored.
    NoToken,
    /// The access token expired and there is no refresh token.
    NoRefreshToken,
    /// Refreshing the access token failed.
    RefreshFailed {
        /// HTTP status of the failed refresh, when the server answered.
        status: Option<u16>,
        /// The error code the server gave.
        code: Option<ErrorCode>,
    },
    /// The token store failed.
    Store(String),
    /// The refresh token is no longer valid (`invalid_grant`), e.g. because
    /// another process spent it and did not live to store the result: the
    /// user must go through the consent flow again.
    ConsentRequired,
    /// The call needs an end user's tokens, and this is the app-wide client:
    /// take the user's handle with [`Client::session`](crate::Client::session).
    NoSession,
    /// The callback was presented by another browser session than the one
    /// that started the sign-in (login CSRF); nothing was exchanged or stored.
    SessionBindingMismatch,
    /// A refresh succeeded but its tokens could not be written to the token
    /// store: the refresh token it replaced is spent, so the new one lives
    /// only in this process until a later call of the same session manages
    /// to write it (see [`TokenStore::replace`](crate::auth::TokenStore::replace)).
    TokensNotKept(String),
}

static LOGGED_OUT: ErrorCode = ErrorCode::UserLoggedout;

impl Error {
    /// The [`Error::Decode`] this crate reports for a JSON `body` that did
    /// not match its type: serde's message without the values it quotes,
    /// and a short snippet of the body's start with secrets masked. Handy
    /// for decoding bodies stored earlier with the same guarantees.
    pub fn decode(
        operation: Option<&'static str>,
        status: Option<u16>,
        body: &[u8],
        error: &serde_json::Error,
    ) -> Self {
        Self::Decode {
            operation,
            status,
            message: decode_message(error),
            snippet: redacted_snippet(body),
        }
    }

    /// The DigiLocker error code, for API errors and denied authorizations.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Api { code, .. } => Some(code),
            Self::Auth(AuthError::Denied { code, .. }) => Some(code),
            Self::Auth(AuthError::LoggedOut { .. }) => Some(&LOGGED_OUT),
            Self::Auth(AuthError::RefreshFailed { code, .. }) => code.as_ref(),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::Decode { status, .. } => *status,
            Self::ResponseTooLarge { status, .. } => Some(*status),
            Self::Redirected { status, .. } => Some(*status),
            Self::Auth(AuthError::RefreshFailed { status, .. }) => *status,
            _ => None,
        }
    }

    /// The operation that failed, when known.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Api { operation, .. }
            | Self::Transport { operation, .. }
            | Self::Timeout { operation }
            | Self::Decode { operation, .. } => *operation,
            Self::Integrity { operation, .. }
            | Self::ResponseTooLarge { operation, .. }
            | Self::Redirected { operation, .. } => Some(operation),
            #[cfg(feature = "xmldsig")]
            Self::Signature { operation, .. } => *operation,
            _ => None,
        }
    }

    /// Whether the same request may succeed if sent again later: connect
    /// failures, timeouts, a refresh that could not reach the server, and
    /// API errors by the code's [`RetryClass`] (the `*_service_unresponsive`
    /// codes always; 502/503/504 unless the code is a definite answer such
    /// as `repository_service_unpublished`).
    ///
    /// The client already retries idempotent operations by this rule; this
    /// tells a caller what is left to retry at a higher level.
    pub fn is_retryable(&self) -> bool {
        let by_status = |status: u16| matches!(status, 502..=504);
        match self {
            Self::Transport { source, .. } => source.is_connect() || source.is_request(),
            Self::Timeout { .. } => true,
            Self::Api { status, code, .. } => match code.retry_class() {
                RetryClass::Transient => true,
                RetryClass::Permanent => false,
                RetryClass::ByStatus => by_status(*status),
            },
            Self::ResponseTooLarge { status, .. } => by_status(*status),
            Self::Auth(AuthError::RefreshFailed { status, code }) => match code {
                Some(code) => match code.retry_class() {
                    RetryClass::Transient => true,
                    RetryClass::Permanent => false,
                    RetryClass::ByStatus => status.is_none_or(by_status),
                },
                None => status.is_none_or(by_status),
            },
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = |op: &Option<&'static str>| op.map(|o| format!("{o}: ")).unwrap_or_default();
        match self {
            Self::Api {
                status,
                code,
                description,
                operation,
            } => {
                write!(f, "{}DigiLocker returned {status} {code}", op(operation))?;
                if let Some(d) = description {
                    write!(f, " ({d})")?;
                }
                Ok(())
            }
            // The cause is `source()`, not repeated here (std convention).
            Self::Transport { operation, source } => {
                let what = if source.is_connect() {
                    "cannot connect"
                } else if source.is_body() || source.is_decode() {
                    "reading the response failed"
                } else {
                    "sending the request failed"
                };
                write!(f, "{}transport error: {what}", op(operation))
            }
            Self::Timeout { operation } => write!(f, "{}timed out", op(operation)),
            Self::Redirected { operation, status } => write!(
                f,
                "{operation}: the server redirected ({status}); redirects are never followed"
            ),
            Self::ResponseTooLarge {
                operation,
                status,
                limit,
            } => write!(
                f,
                "{operation}: the response body (status {status}) exceeds the {limit}-byte limit; \
                 reading stopped there"
            ),
            Self::Integrity { operation, reason } => {
                let why = match reason {
                    IntegrityFailure::Mismatch => "the body does not match its hmac header",
                    IntegrityFailure::MissingHeader => "the hmac header is missing",
                    IntegrityFailure::MalformedHeader => "the hmac header is not valid Base64",
                };
                write!(f, "{operation}: integrity check failed: {why}")
            }
            #[cfg(feature = "xmldsig")]
            Self::Signature { operation, reason } => {
                write!(f, "{}XML signature check failed: {reason}", op(operation))
            }
            Self::Validation(v) => write!(f, "invalid {}: {}", v.field, v.reason),
            Self::Decode {
                operation,
                status,
                message,
                snippet,
            } => {
                write!(f, "{}cannot decode response", op(operation))?;
                if let Some(s) = status {
                    write!(f, " (status {s})")?;
                }
                write!(f, ": {message}; body starts with {snippet:?}")
            }
            Self::Auth(a) => fmt::Display::fmt(a, f),
            Self::Config(m) => write!(f, "configuration error: {m}"),
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StateMismatch => f.write_str("authorization callback state does not match"),
            Self::MissingCode => f.write_str("authorization callback has neither code nor error"),
            Self::Denied { code, description } => {
                write!(f, "authorization ended with {code}")?;
                if let Some(d) = description {
                    write!(f, " ({d})")?;
                }
                Ok(())
            }
            Self::LoggedOut { description } => {
                f.write_str("the user logged out of DigiLocker (user_loggedout)")?;
                if let Some(d) = description {
                    write!(f, " ({d})")?;
                }
                Ok(())
            }
            Self::IdToken(e) => fmt::Display::fmt(e, f),
            Self::NoToken => f.write_str("no access token: complete the authorization flow first"),
            Self::NoRefreshToken => {
                f.write_str("access token expired and no refresh token is stored")
            }
            Self::RefreshFailed { status, code } => {
                f.write_str("refreshing the access token failed")?;
                if let Some(s) = status {
                    write!(f, " with status {s}")?;
                }
                if let Some(c) = code {
                    write!(f, " ({c})")?;
                }
                Ok(())
            }
            Self::Store(m) => write!(f, "token store failed: {m}"),
            Self::ConsentRequired => {
                f.write_str("the refresh token is no longer valid: the user must consent again")
            }
            Self::NoSession => f.write_str(
                "this call needs an end user's tokens: use the user's handle from Client::session",
            ),
            Self::SessionBindingMismatch => f.write_str(
                "the authorization callback belongs to another browser session; nothing was stored",
            ),
            Self::TokensNotKept(m) => write!(
                f,
                "the token refresh succeeded but its tokens could not be stored: {m}"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport { source, .. } => Some(source),
            Self::Io { source, .. } => Some(source),
            #[cfg(feature = "xmldsig")]
            Self::Signature { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::IdToken(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ValidationError> for Error {
    fn from(v: ValidationError) -> Self {
        Self::Validation(v)
    }
}

#[cfg(feature = "xmldsig")]
impl From<crate::xml::signature::SignatureError> for Error {
    fn from(reason: crate::xml::signature::SignatureError) -> Self {
        Self::Signature {
            operation: None,
            reason,
        }
    }
}

impl From<AuthError> for Error {
    fn from(a: AuthError) -> Self {
        Self::Auth(a)
    }
}
