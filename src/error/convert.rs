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
        let auth = |error| Self::Auth { error };
        match e {
            Error::Auth(AuthError::NoToken) => auth(AuthErrorRepr::NoToken),
            Error::Auth(AuthError::NoRefreshToken) => auth(AuthErrorRepr::NoRefreshToken),
            Error::Auth(AuthError::RefreshFailed { status, code }) => {
                auth(AuthErrorRepr::RefreshFailed {
                    status,
                    code: code.map(|c| c.as_str().to_string()),
                })
            }
            Error::Auth(AuthError::Store(m)) => auth(AuthErrorRepr::Store(m)),
            Error::Validation(v) => Self::Validation {
                field: v.field.to_string(),
                reason: v.reason,
            },
            Error::Config(message) => Self::Config { message },
            // Nothing else is raised inside a hook; keep its message.
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
                field: known_field(&field),
                reason,
            }),
            Self::Config { message } => Error::Config(message),
        }
    }
}

/// Field names are `&'static str`; hook failures only carry names this crate
/// produced, so map them back onto the known set instead of leaking memory.
fn known_field(field: &str) -> &'static str {
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

/// JSON keys whose values are secrets.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code_verifier",
    "code",
    "token",
];

/// The start of a body for diagnostics, with secrets masked: the values of
/// secret-bearing keys, and any token-like run of 16 or more characters
/// (tokens may sit under other keys in a malformed body).
pub(crate) fn redacted_snippet(bytes: &[u8]) -> String {
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
            serde_json::Value::String(text) => *text = mask_token_like(text, 16),
            _ => {}
        }
    }
    let text = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(mut v) => {
            scrub(&mut v);
            v.to_string()
        }
        // Not JSON (truncated, corrupted): a flipped byte can split a token
        // and hide its key, so mask what follows secret keys, then every
        // run of 8 or more token characters.
        Err(_) => mask_token_like(&mask_secret_values(&String::from_utf8_lossy(bytes)), 8),
    };
    text.chars().take(200).collect()
}

/// In raw (possibly broken) JSON text, blanks the string value after every
/// secret key, up to its closing quote or the end of the text.
fn mask_secret_values(text: &str) -> String {
    let mut out = text.to_string();
    for key in SECRET_KEYS {
        let needle = format!("\"{key}\"");
        let mut from = 0;
        while let Some(found) = out[from..].find(&needle) {
            let after_key = from + found + needle.len();
            let rest = &out[after_key..];
            let trimmed = rest.trim_start();
            let Some(value) = trimmed.strip_prefix(':').map(str::trim_start) else {
                from = after_key;
                continue;
            };
            let Some(body) = value.strip_prefix('"') else {
                from = after_key;
                continue;
            };
            let start = out.len() - body.len();
            let end = body.find('"').map_or(out.len(), |i| start + i);
            out.replace_range(start..end, "[REDACTED]");
            from = start + "[REDACTED]".len();
        }
    }
    out
}

/// Replaces every run of `min_run` or more token characters
/// (`A-Z a-z 0-9 - . _ ~ + / =`) with `[REDACTED]`: access and refresh
/// tokens, secrets and JWTs are such runs.
pub(crate) fn mask_token_like(text: &str, min_run: usize) -> String {
    let is_token_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= min_run {
            out.push_str("[REDACTED]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if is_token_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// serde's message without the values it quotes (`invalid type: string "…"`
/// could quote a token); field names in backticks stay.
pub(crate) fn decode_message(err: &serde_json::Error) -> String {
    let mut out = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in err.to_string().chars() {
        if quoted {
            match (c, escaped) {
                (_, true) => escaped = false,
                ('\\', false) => escaped = true,
                ('"', false) => {
                    quoted = false;
                    out.push_str("…\"");
                }
                _ => {}
            }
        } else if c == '"' {
            quoted = true;
            out.push('"');
        } else {
            out.push(c);
        }
    }
    out
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
            message: decode_message(&err),
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

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;
    use crate::ResponseValue;

    fn api_error(status: u16, code: &str, operation: Option<&'static str>) -> Error {
        let mut headers = HeaderMap::new();
        if let Some(op) = operation {
            headers.insert(OPERATION_HEADER, HeaderValue::from_static(op));
        }
        let body = ErrorResponse {
            error: code.to_string(),
            error_description: Some("Internal server error".into()),
        };
        let status = StatusCode::from_u16(status).expect("valid status");
        Error::from(progenitor_client::Error::ErrorResponse(ResponseValue::new(
            body, status, headers,
        )))
    }

    #[test]
    fn padded_code_is_trimmed() {
        let e = api_error(400, "invalid_parameter ", Some("list_issuers"));
        let Error::Api {
            status,
            code,
            description,
            operation,
        } = &e
        else {
            panic!("expected Api, got {e:?}");
        };
        assert_eq!(*status, 400);
        assert_eq!(*code, ErrorCode::InvalidParameter);
        assert_eq!(description.as_deref(), Some("Internal server error"));
        assert_eq!(*operation, Some("list_issuers"));
        // The PDF's other sample: `" partner_service_unresponsive "`.
        let e = api_error(500, " partner_service_unresponsive ", None);
        assert_eq!(e.code(), Some(&ErrorCode::PartnerServiceUnresponsive));
        assert!(e.is_retryable());
        assert_eq!(e.operation(), None);
    }

    #[test]
    fn unknown_code_is_kept_verbatim() {
        let e = api_error(418, "  brand_new_Code-42 ", Some("get_user_details"));
        assert_eq!(
            e.code(),
            Some(&ErrorCode::Other("brand_new_Code-42".into()))
        );
        assert_eq!(e.code().map(ErrorCode::as_str), Some("brand_new_Code-42"));
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("418 brand_new_Code-42"), "{e}");
        // The sandbox's undocumented OTP code is not in the catalogue.
        assert_eq!(
            ErrorCode::parse("invalid_otp"),
            ErrorCode::Other("invalid_otp".into())
        );
        assert_eq!(ErrorCode::parse(""), ErrorCode::Other(String::new()));
    }

    #[test]
    fn status_530_decodes() {
        let e = api_error(530, "unexpected_error", Some("get_issued_documents"));
        assert_eq!(e.status(), Some(530));
        assert_eq!(e.code(), Some(&ErrorCode::UnexpectedError));
        assert_eq!(e.operation(), Some("get_issued_documents"));
        assert!(!e.is_retryable(), "unexpected_error is not transient");
        let e = api_error(530, "repository_service_unresponsive", None);
        assert!(e.is_retryable());
        let e = api_error(530, "internal_server_error", None);
        assert_eq!(e.code(), Some(&ErrorCode::InternalServerError));
    }

    #[test]
    fn retryable_statuses() {
        for status in [502, 503, 504] {
            assert!(
                api_error(status, "unexpected_error", None).is_retryable(),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 500, 530] {
            assert!(
                !api_error(status, "unexpected_error", None).is_retryable(),
                "{status}"
            );
        }
    }

    #[test]
    fn invalid_payload_becomes_decode_with_redacted_snippet() {
        let body = br#"{"access_token":"AT-SECRET-0123456789","refresh_token":"RT-SECRET-9876","expires_in":"soon","id_token":"eyJ.SECRET.sig","name":"Asha"}"#;
        let json_err = serde_json::from_slice::<crate::auth::TokenResponse>(body).unwrap_err();
        let e = Error::from(
            progenitor_client::Error::<ErrorResponse>::InvalidResponsePayload(
                bytes::Bytes::from_static(body),
                json_err,
            ),
        );
        let Error::Decode {
            snippet, message, ..
        } = &e
        else {
            panic!("expected Decode, got {e:?}");
        };
        assert!(
            message.contains("expires_in") || message.contains("invalid type"),
            "{message}"
        );
        assert!(snippet.contains("[REDACTED]"), "{snippet}");
        assert!(
            snippet.contains("Asha"),
            "non-secret context is kept: {snippet}"
        );
        let shown = format!("{e} {e:?}");
        for secret in ["AT-SECRET", "RT-SECRET", "SECRET.sig"] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
    }

    #[test]
    fn snippet_is_bounded_and_nested_secrets_are_scrubbed() {
        let long = format!(
            r#"{{"items":[{{"token":"T0K3N"}}],"pad":"{}"}}"#,
            "x".repeat(1000)
        );
        let s = redacted_snippet(long.as_bytes());
        assert!(s.chars().count() <= 200);
        assert!(!s.contains("T0K3N"), "{s}");
        let s = redacted_snippet(&[0xff, 0xfe, b'a']);
        assert!(s.ends_with('a'));
        assert!(redacted_snippet(b"").is_empty());
    }

    #[test]
    fn hook_failures_round_trip() {
        let cases: Vec<Error> = vec![
            AuthError::NoToken.into(),
            AuthError::NoRefreshToken.into(),
            AuthError::RefreshFailed {
                status: Some(400),
                code: Some(ErrorCode::InvalidGrant),
            }
            .into(),
            AuthError::RefreshFailed {
                status: None,
                code: None,
            }
            .into(),
            AuthError::Store("disk full".into()).into(),
            ValidationError::new("uri", "must not contain '..'").into(),
            ValidationError::new("consent", "must be Y").into(),
        ];
        for original in cases {
            let wrapped: progenitor_client::Error<ErrorResponse> =
                HookFailure::from_error(clone_error(&original)).into_progenitor();
            let back = Error::from(wrapped);
            assert_eq!(format!("{back:?}"), format!("{original:?}"));
        }
    }

    #[test]
    fn hook_config_failure_keeps_its_message() {
        let wrapped: progenitor_client::Error<ErrorResponse> = HookFailure::from_error(
            Error::Config("refusing plain http:// to example.org".into()),
        )
        .into_progenitor();
        let back = Error::from(wrapped);
        // Known wart: the message gains a second "configuration error: "
        // prefix (the hook stores `Display`, not the bare message).
        assert!(
            matches!(&back, Error::Config(m) if m.ends_with("refusing plain http:// to example.org")),
            "{back:?}"
        );
    }

    #[test]
    fn hook_failure_with_foreign_field_or_text() {
        let wrapped: progenitor_client::Error<ErrorResponse> =
            HookFailure::from_error(ValidationError::new("some_new_field", "bad").into())
                .into_progenitor();
        let Error::Validation(v) = Error::from(wrapped) else {
            panic!("expected Validation");
        };
        assert_eq!((v.field, v.reason.as_str()), ("request", "bad"));
        // Anything else in `Custom` is a configuration error, verbatim.
        let e = Error::from(progenitor_client::Error::<ErrorResponse>::Custom(
            "not json".into(),
        ));
        assert!(matches!(&e, Error::Config(m) if m == "not json"), "{e:?}");
        let e = Error::from(progenitor_client::Error::<ErrorResponse>::InvalidRequest(
            "bad header".into(),
        ));
        assert!(
            matches!(&e, Error::Validation(v) if v.field == "request"),
            "{e:?}"
        );
    }

    fn clone_error(e: &Error) -> Error {
        match e {
            Error::Auth(a) => Error::Auth(a.clone()),
            Error::Validation(v) => Error::Validation(v.clone()),
            Error::Config(m) => Error::Config(m.clone()),
            other => panic!("not cloneable in this test: {other:?}"),
        }
    }

    /// Every code in the error tables of the Requester API Spec v1.12 and
    /// MeriPehchaan v2.3 (including the OAuth redirect codes).
    const PDF_CODES: &[&str] = &[
        "invalid_client",
        "invalid_grant",
        "invalid_grant_type",
        "unexpected_error",
        "invalid_token",
        "insufficient_scope",
        "invalid_id",
        "partner_service_unresponsive",
        "uri_missing",
        "invalid_uri",
        "repository_service_unresponsive",
        "repository_service_unpublished",
        "repository_service_inactive",
        "repository_service_configerror",
        "repository_service_resperror",
        "repository_service_exception",
        "aadhaar_not_linked",
        "aadhaar_not_available",
        "path_missing",
        "filename_missing",
        "invalid_filename",
        "contenttype_missing",
        "hmac_missing",
        "invalid_filesize",
        "file_data_missing",
        "hmac_mismatch",
        "invalid_filetype",
        "mimetype_mismatch",
        "invalid_path",
        "invalid_orgid",
        "invalid_doctype",
        "pull_response_pending",
        "uri_exists",
        "record_not_found",
        "invalid_client_id",
        "invalid_parameter",
        "invalid_digilocker_id",
        "access_denied",
        "user_loggedout",
        "internal_server_error",
    ];

    #[test]
    fn catalogue_covers_the_pdfs() {
        for code in PDF_CODES {
            let parsed = ErrorCode::parse(code);
            assert!(
                !matches!(parsed, ErrorCode::Other(_)),
                "{code} missing from ErrorCode"
            );
            assert_eq!(parsed.as_str(), *code);
        }
    }

    #[test]
    fn catalogue_covers_the_openapi_error_schemas() {
        let spec: serde_json::Value =
            serde_json::from_str(include_str!("../../spec/authpartner-1.0.0.openapi.json"))
                .expect("spec parses");
        let schemas = spec["components"]["schemas"].as_object().expect("schemas");
        let mut seen = 0;
        for (name, schema) in schemas {
            let Some(code) = schema["properties"]["error"]["description"].as_str() else {
                continue;
            };
            seen += 1;
            assert!(
                !matches!(ErrorCode::parse(code), ErrorCode::Other(_)),
                "{code} (schema {name}) missing from ErrorCode"
            );
        }
        assert!(seen >= 25, "only {seen} error schemas found");
    }

    #[test]
    fn catalogue_round_trips_without_duplicates() {
        let mut names = std::collections::HashSet::new();
        for code in ErrorCode::KNOWN {
            assert!(names.insert(code.as_str()), "duplicate {code}");
            assert_eq!(&ErrorCode::parse(code.as_str()), code);
            assert_eq!(&ErrorCode::parse(&format!("\t{code} \n")), code);
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ErrorCode::KNOWN.len(), 55);
        let transient: Vec<_> = ErrorCode::KNOWN
            .iter()
            .filter(|c| c.is_transient())
            .collect();
        assert_eq!(
            transient,
            [
                &ErrorCode::RepositoryServiceUnresponsive,
                &ErrorCode::PartnerServiceUnresponsive
            ]
        );
    }
}
