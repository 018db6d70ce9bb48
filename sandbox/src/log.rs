//! The request log: what the sandbox received, without secrets.

/// Form fields whose values are never stored in the log.
pub(crate) const REDACTED_FIELDS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "token",
    "access_token",
    "device_code",
    "dl_otp",
    "otp",
];

/// Request headers copied into the log (never `Authorization`'s value).
pub(crate) const LOGGED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "user-agent",
    "accept",
    "path",
    "hmac",
];

/// One request the sandbox received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without the `/public` prefix, still percent-encoded as received,
    /// e.g. `/oauth2/1/token` or `/oauth2/1/file/in.gov.cbse-HSCER-9100001`.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Selected headers (lowercase names): content-type, content-length,
    /// user-agent, accept, path, hmac.
    pub headers: Vec<(String, String)>,
    /// The scheme of the `Authorization` header (`Bearer`, `Basic`), never its value.
    pub auth_scheme: Option<String>,
    /// Fields of an `application/x-www-form-urlencoded` body, with secret
    /// values (client_secret, code, code_verifier, tokens, OTPs) replaced by
    /// `<redacted>`. Empty for other bodies.
    pub form: Vec<(String, String)>,
    /// HTTP status the sandbox answered with.
    pub status: u16,
}

impl RecordedRequest {
    /// The first logged header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first form field with this name (redacted values read `<redacted>`).
    pub fn form_value(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
