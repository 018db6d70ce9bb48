//! Mapping failures into [`Error`]: reqwest errors, builder parameters of
//! generated operations, and secret-free diagnostics of bodies.

use secrecy::ExposeSecret;

use super::{Error, ValidationError};
use crate::operations::OperationSpec;

/// A failure raised while a generated operation builds its request.
pub(crate) trait BuildFailure {
    /// The crate's error for it.
    fn into_error(self, op: &'static OperationSpec) -> Error;
}

impl BuildFailure for reqwest::Error {
    fn into_error(self, op: &'static OperationSpec) -> Error {
        if self.is_builder() {
            Error::Validation(ValidationError::new(
                "request",
                format!("cannot build the request: {}", self.without_url()),
            ))
        } else {
            from_reqwest(self, Some(op.id))
        }
    }
}

impl BuildFailure for progenitor_client::Error<()> {
    fn into_error(self, op: &'static OperationSpec) -> Error {
        match self {
            progenitor_client::Error::InvalidRequest(reason) => {
                Error::Validation(ValidationError::new("body", reason))
            }
            progenitor_client::Error::CommunicationError(e) => e.into_error(op),
            other => Error::Config(format!("{}: {other}", op.id)),
        }
    }
}

/// Converts the error of a `?` inside a generated operation.
pub(crate) fn lift<T, E: BuildFailure>(
    result: Result<T, E>,
    op: &'static OperationSpec,
) -> Result<T, Error> {
    result.map_err(|e| e.into_error(op))
}

/// A generated builder's parameter that is missing or failed to convert,
/// as a validation error naming it.
pub(crate) fn invalid_parameter<T>(
    result: Result<T, String>,
    field: &'static str,
) -> Result<T, Error> {
    result.map_err(|reason| {
        let reason = if reason.ends_with("was not initialized") {
            "is required and was not set".to_string()
        } else {
            reason
        };
        Error::Validation(ValidationError::new(field, reason))
    })
}

/// A header parameter's value, or a validation error naming it.
pub(crate) fn header_value(
    field: &'static str,
    value: &str,
) -> Result<reqwest::header::HeaderValue, Error> {
    reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        Error::Validation(ValidationError::new(
            field,
            "is not a valid HTTP header value (control characters or non-visible bytes)",
        ))
    })
}

/// The secrets one request carried (the client secret, the bearer token,
/// and secret form fields), to mask wherever a server echoes them.
pub(crate) struct Secrets(Vec<String>);

/// Form fields whose values are secrets.
const SECRET_FORM_FIELDS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "token",
    "dl_otp",
];

impl Secrets {
    /// The secret form fields of a request body (token endpoint, revoke).
    pub(crate) fn form_fields(request: &reqwest::Request) -> Vec<String> {
        let Some(body) = request.body().and_then(|b| b.as_bytes()) else {
            return Vec::new();
        };
        url::form_urlencoded::parse(body)
            .filter(|(k, _)| SECRET_FORM_FIELDS.contains(&k.as_ref()))
            .map(|(_, v)| v.into_owned())
            .collect()
    }

    /// The client secret, the bearer token sent, and `form` secrets.
    pub(crate) fn of(
        client: &crate::Client,
        form: &[String],
        authorization: Option<&reqwest::header::HeaderValue>,
    ) -> Self {
        let mut found = vec![client.config().client_secret.expose_secret().to_string()];
        if let Some(token) = authorization.and_then(crate::transport::bearer_of) {
            found.push(token.expose_secret().to_string());
        }
        found.extend(form.iter().cloned());
        Self::new(found)
    }

    /// Known secrets, plus their form-encoded spellings.
    pub(crate) fn new(secrets: Vec<String>) -> Self {
        let mut all = Vec::with_capacity(secrets.len() * 2);
        for secret in secrets {
            // Very short values would mask ordinary words.
            if secret.len() < 4 {
                continue;
            }
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            if encoded != secret {
                all.push(encoded);
            }
            all.push(secret);
        }
        // Longest first, so a secret containing another is masked whole.
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self(all)
    }

    /// `text` with every known secret and identity number masked, and
    /// nothing else: for error codes, which may be long words.
    pub(crate) fn mask_code(&self, text: &str) -> String {
        mask_token_like(&self.mask_known(text), usize::MAX)
    }

    /// `text` with every known secret, and every token-like run of 16 or
    /// more characters, replaced by `[REDACTED]`.
    pub(crate) fn mask(&self, text: &str) -> String {
        mask_token_like(&self.mask_known(text), 16)
    }

    /// `text` with every known secret replaced by `[REDACTED]` (for error
    /// codes, which are long identifiers but never tokens).
    pub(crate) fn mask_known(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.0 {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "[REDACTED]");
            }
        }
        out
    }
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

/// How much of a body diagnostics look at: the snippet shows 200
/// characters, and masking needs only a little context around them.
const SNIPPET_INPUT: usize = 4096;

/// The start of a body for diagnostics, with secrets masked: the values of
/// secret-bearing keys, and any token-like run of 16 or more characters
/// (tokens may sit under other keys in a malformed body).
///
/// Only the first few KiB are looked at, and every step is linear, so a
/// hostile body of any size costs the same small, bounded work.
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
    let whole = bytes.len() <= SNIPPET_INPUT;
    let parsed = whole
        .then(|| serde_json::from_slice::<serde_json::Value>(bytes).ok())
        .flatten();
    let text = match parsed {
        Some(mut v) => {
            scrub(&mut v);
            v.to_string()
        }
        // Not JSON, or too long to parse for a snippet: a flipped byte can
        // split a token and hide its key, so mask what follows secret keys,
        // then every run of 8 or more token characters.
        None => {
            let prefix = &bytes[..bytes.len().min(SNIPPET_INPUT)];
            mask_token_like(&mask_secret_values(&String::from_utf8_lossy(prefix)), 8)
        }
    };
    text.chars().take(200).collect()
}

/// In raw (possibly broken) JSON text, blanks the string value after every
/// secret key, up to its closing quote or the end of the text. One linear
/// pass per key.
fn mask_secret_values(text: &str) -> String {
    let mut current = text.to_string();
    for key in SECRET_KEYS {
        let needle = format!("\"{key}\"");
        let mut out = String::with_capacity(current.len());
        let mut rest = current.as_str();
        while let Some(found) = rest.find(&needle) {
            let after_key = found + needle.len();
            out.push_str(&rest[..after_key]);
            rest = &rest[after_key..];
            let value = rest.trim_start();
            let Some(value) = value.strip_prefix(':').map(str::trim_start) else {
                continue;
            };
            let Some(body) = value.strip_prefix('"') else {
                continue;
            };
            // Keep what sits between the key and the value's opening quote.
            out.push_str(&rest[..rest.len() - body.len()]);
            out.push_str("[REDACTED]");
            rest = &body[body.find('"').unwrap_or(body.len())..];
        }
        out.push_str(rest);
        current = out;
    }
    current
}

/// Replaces every run of `min_run` or more token characters
/// (`A-Z a-z 0-9 - . _ ~ + / =`) with `[REDACTED]`: access and refresh
/// tokens, secrets and JWTs are such runs. A shorter run that looks like
/// an identity number (a 10- to 12-digit Aadhaar or mobile number, with an
/// optional `+`, or a PAN) is masked to its last four characters, so a
/// server echoing the request cannot put one into an error.
pub(crate) fn mask_token_like(text: &str, min_run: usize) -> String {
    let is_token_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= min_run {
            out.push_str("[REDACTED]");
        } else if is_identity_number(run) {
            out.push_str(&crate::identity::mask(run));
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

/// Whether `run` looks like an Aadhaar or mobile number (10 to 12 digits,
/// perhaps after a `+`) or a PAN (`AAAAA9999A`).
fn is_identity_number(run: &str) -> bool {
    let digits = run.strip_prefix('+').unwrap_or(run);
    let b = run.as_bytes();
    (digits.bytes().all(|c| c.is_ascii_digit()) && (10..=12).contains(&digits.len()))
        || (b.len() == 10
            && b[..5].iter().all(u8::is_ascii_uppercase)
            && b[5..9].iter().all(u8::is_ascii_digit)
            && b[9].is_ascii_uppercase())
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

/// Maps a reqwest error, dropping its URL (a document URI can carry personal data).
pub(crate) fn from_reqwest(source: reqwest::Error, operation: Option<&'static str>) -> Error {
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
    use super::*;
    use crate::ErrorCode;

    fn api_error(status: u16, code: &str, operation: Option<&'static str>) -> Error {
        Error::Api {
            status,
            code: ErrorCode::parse(code),
            description: Some("Internal server error".into()),
            operation,
        }
    }

    #[test]
    fn padded_code_is_trimmed() {
        let e = api_error(400, "invalid_parameter ", Some("list_issuers"));
        assert_eq!(e.code(), Some(&ErrorCode::InvalidParameter));
        assert_eq!(e.operation(), Some("list_issuers"));
        // The PDF's other sample: `" partner_service_unresponsive "`.
        let e = api_error(500, " partner_service_unresponsive ", None);
        assert_eq!(e.code(), Some(&ErrorCode::PartnerServiceUnresponsive));
        assert!(e.is_retryable());
    }

    #[test]
    fn unknown_code_is_kept_verbatim() {
        let e = api_error(418, "  brand_new_Code-42 ", Some("get_user_details"));
        assert_eq!(
            e.code(),
            Some(&ErrorCode::Other("brand_new_Code-42".into()))
        );
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("418 brand_new_Code-42"), "{e}");
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
        assert!(
            !e.is_retryable(),
            "unexpected_error under 530 is not transient"
        );
        assert!(api_error(530, "repository_service_unresponsive", None).is_retryable());
    }

    #[test]
    fn retryable_statuses() {
        for status in [502, 503, 504] {
            assert!(api_error(status, "", None).is_retryable(), "{status}");
            assert!(
                api_error(status, "unexpected_error", None).is_retryable(),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 500, 530] {
            assert!(!api_error(status, "", None).is_retryable(), "{status}");
        }
    }

    /// Requester API Spec v1.12 documents these under 503, yet they are a
    /// definite answer about the issuer's repository: never retried.
    #[test]
    fn documented_permanent_503_codes_are_not_retried() {
        for code in [
            "repository_service_unpublished",
            "repository_service_inactive",
        ] {
            assert!(!api_error(503, code, None).is_retryable(), "{code}");
            assert_eq!(
                ErrorCode::parse(code).retry_class(),
                crate::RetryClass::Permanent
            );
        }
    }

    #[test]
    fn snippet_work_is_bounded_for_huge_broken_bodies() {
        let mut body = String::from("{");
        while body.len() < 8 * 1024 * 1024 {
            body.push_str(r#""code":"v","#);
        }
        let started = std::time::Instant::now();
        let s = redacted_snippet(body.as_bytes());
        assert!(s.contains("[REDACTED]"), "{s}");
        assert!(!s.contains(r#""v""#), "{s}");
        // Bounded input: far below a millisecond per MiB of body; the
        // budget only guards against reintroducing whole-body work.
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn identity_numbers_in_echoes_are_masked() {
        let echoed =
            "uid 999999990019 or mobile +919876543210 / 9876543210, PAN ABCPK1234F; ref 42 ABCDE";
        let masked = mask_token_like(echoed, 16);
        for full in ["999999990019", "919876543210", "9876543210", "ABCPK1234F"] {
            assert!(!masked.contains(full), "{masked}");
        }
        assert!(masked.contains("xxxxxxxx0019"), "{masked}");
        assert!(masked.ends_with("ref 42 ABCDE"), "{masked}");
        let snippet = redacted_snippet(br#"{"error_description":"no account for 999999990019"}"#);
        assert!(!snippet.contains("999999990019"), "{snippet}");
    }

    #[test]
    fn known_secrets_are_masked_in_any_spelling() {
        let secrets = Secrets::new(vec![
            "s3cr3t+/=value".into(),
            "abc".into(),
            "verifier-123456".into(),
        ]);
        let echoed =
            "bad request client_secret=s3cr3t%2B%2F%3Dvalue&x=s3cr3t+/=value v=verifier-123456 abc";
        let masked = secrets.mask(echoed);
        assert!(!masked.contains("s3cr3t"), "{masked}");
        assert!(!masked.contains("verifier-123456"), "{masked}");
        assert!(masked.ends_with(" abc"), "short values are kept: {masked}");
    }

    #[test]
    fn invalid_payload_becomes_decode_with_redacted_snippet() {
        let body = br#"{"access_token":"AT-SECRET-0123456789","refresh_token":"RT-SECRET-9876","expires_in":"soon","id_token":"eyJ.SECRET.sig","name":"Asha"}"#;
        let json_err = serde_json::from_slice::<crate::auth::TokenResponse>(body).unwrap_err();
        let e = Error::Decode {
            operation: Some("get_access_token"),
            status: Some(200),
            message: decode_message(&json_err),
            snippet: redacted_snippet(body),
        };
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
                &ErrorCode::TemporarilyUnavailable,
                &ErrorCode::RepositoryServiceUnresponsive,
                &ErrorCode::PartnerServiceUnresponsive
            ]
        );
    }
}
