use std::fmt;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => $text:literal, )*) => {
        /// A DigiLocker error code, from the `error` field of an error body or redirect.
        ///
        /// Covers every code in the Requester API Spec v1.12, MeriPehchaan v2.3 and
        /// the OpenAPI spec. Codes arrive trimmed of stray whitespace (the PDF
        /// samples show `"invalid_parameter "`); unknown codes are kept verbatim.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code this crate does not know, verbatim (trimmed).
            Other(String),
        }

        impl ErrorCode {
            /// Every known code, in catalogue order.
            pub const KNOWN: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// Parses a code, trimming surrounding whitespace.
            pub fn parse(raw: &str) -> Self {
                match raw.trim() {
                    $( $text => Self::$variant, )*
                    other => Self::Other(other.to_string()),
                }
            }

            /// The code as DigiLocker spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Other(s) => s,
                }
            }
        }
    };
}

error_codes! {
    /// The access token is invalid, expired or revoked (401).
    InvalidToken => "invalid_token",
    /// The token lacks the scope the call needs (403).
    InsufficientScope => "insufficient_scope",
    /// The client credentials are invalid (token endpoint, 400).
    InvalidClient => "invalid_client",
    /// The code or refresh token is invalid (400).
    InvalidGrant => "invalid_grant",
    /// The grant_type parameter is invalid (400).
    InvalidGrantType => "invalid_grant_type",
    /// A request parameter is missing or malformed (OAuth).
    InvalidRequest => "invalid_request",
    /// The requested scope is invalid (OAuth).
    InvalidScope => "invalid_scope",
    /// The client may not use this grant (OAuth).
    UnauthorizedClient => "unauthorized_client",
    /// The response_type is not supported (OAuth).
    UnsupportedResponseType => "unsupported_response_type",
    /// The user denied consent (authorize redirect).
    AccessDenied => "access_denied",
    /// The user logged out during the flow (authorize redirect).
    UserLoggedout => "user_loggedout",
    /// The authorization server failed (authorize redirect).
    ServerError => "server_error",
    /// The authorization server is temporarily unavailable (authorize redirect).
    TemporarilyUnavailable => "temporarily_unavailable",
    /// The client_id parameter is invalid (meta APIs, 401).
    InvalidClientId => "invalid_client_id",
    /// A mandatory parameter is missing or invalid, including ts and hmac (400).
    InvalidParameter => "invalid_parameter",
    /// The folder does not exist (404).
    InvalidId => "invalid_id",
    /// The URI parameter is missing (400).
    UriMissing => "uri_missing",
    /// No file found for the URI (404).
    InvalidUri => "invalid_uri",
    /// The issuer's repository did not answer (500/530; transient).
    RepositoryServiceUnresponsive => "repository_service_unresponsive",
    /// The issuer's repository is unpublished (503).
    RepositoryServiceUnpublished => "repository_service_unpublished",
    /// The issuer's repository is inactive (503).
    RepositoryServiceInactive => "repository_service_inactive",
    /// The issuer's repository is misconfigured (500).
    RepositoryServiceConfigerror => "repository_service_configerror",
    /// The issuer's repository answered with an error (500).
    RepositoryServiceResperror => "repository_service_resperror",
    /// The issuer's repository raised an exception (500).
    RepositoryServiceException => "repository_service_exception",
    /// A partner service did not answer (500/530; transient).
    PartnerServiceUnresponsive => "partner_service_unresponsive",
    /// Aadhaar is not linked to the account (404 or 400).
    AadhaarNotLinked => "aadhaar_not_linked",
    /// Aadhaar data is not available; the user must redo eKYC (404).
    AadhaarNotAvailable => "aadhaar_not_available",
    /// Upload: the path header is missing (400).
    PathMissing => "path_missing",
    /// Upload: the Content-Type header is missing (400).
    ContenttypeMissing => "contenttype_missing",
    /// Upload: the hmac header is missing (400).
    HmacMissing => "hmac_missing",
    /// Upload: the path has no file name (400).
    FilenameMissing => "filename_missing",
    /// Upload: the hmac does not match the body (400).
    HmacMismatch => "hmac_mismatch",
    /// Upload: the file name has restricted characters (400).
    InvalidFilename => "invalid_filename",
    /// Upload: the file exceeds 10 MB (400).
    InvalidFilesize => "invalid_filesize",
    /// Upload: the file type is not allowed (400).
    InvalidFiletype => "invalid_filetype",
    /// Upload: the destination folder does not exist (400).
    InvalidPath => "invalid_path",
    /// Upload: the body is empty (400).
    FileDataMissing => "file_data_missing",
    /// Upload: Content-Type disagrees with the file's content (400).
    MimetypeMismatch => "mimetype_mismatch",
    /// Pull: the orgid is missing or invalid (400).
    InvalidOrgid => "invalid_orgid",
    /// Pull: the doctype is missing or invalid (400).
    InvalidDoctype => "invalid_doctype",
    /// Pull: the details were forwarded to the issuer for verification (400).
    PullResponsePending => "pull_response_pending",
    /// Pull: the document is already in the issued documents (400).
    UriExists => "uri_exists",
    /// Pull: no record matches the search parameters (404).
    RecordNotFound => "record_not_found",
    /// Push URI: the digilockerid is invalid (404).
    InvalidDigilockerId => "invalid_digilocker_id",
    /// Internal server error (500/530).
    UnexpectedError => "unexpected_error",
    /// Internal server error (MeriPehchaan v2.3, 530).
    InternalServerError => "internal_server_error",
    /// Device code: the response_type parameter is invalid (OpenAPI `ResponseOne`, 400).
    InvalidResponseType => "invalid_response_type",
    /// Device code: the dl_username parameter is invalid (OpenAPI `ResponseTwo`, 400).
    InvalidUsername => "invalid_username",
    /// Device code: the dl_mobile parameter is invalid (OpenAPI `ResponseThree`, 400).
    InvalidMobile => "invalid_mobile",
    /// Device code: the mobile number belongs to more than one account; log in
    /// with the user name (OpenAPI `ResponseFour`, 400).
    MultipleMobileAccounts => "multiple_mobile_accounts",
    /// Device code: the OTP could not be sent, the account has no valid mobile
    /// or e-mail (OpenAPI `ResponseFive`, 500).
    OtpError => "otp_error",
    /// Sign-up OTP verification: a mandatory parameter is missing (OpenAPI `Response7`, 400).
    ParameterMissing => "parameter_missing",
    /// Sign-up OTP verification: the ts parameter is invalid (OpenAPI `Response8`, 400).
    InvalidTs => "invalid_ts",
    /// Sign-up: an account already exists with this mobile number (OpenAPI `Response10`, 400).
    MobileExists => "mobile_exists",
    /// Sign-up: Aadhaar demographic authentication failed; the Aadhaar data
    /// differs from the name, date of birth or gender given (OpenAPI `Response11`, 400).
    AuthFailure => "auth_failure",
}

/// What an error code says about sending the same request again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryClass {
    /// A transient upstream failure: worth retrying whatever the status.
    Transient,
    /// A definite answer (bad input, a repository that is unpublished or
    /// inactive, …): retrying gives the same answer, even under a 503.
    Permanent,
    /// No information (an unknown or empty code, a generic server error):
    /// the status decides (502, 503 and 504 are retried).
    ByStatus,
}

impl ErrorCode {
    /// Whether the code names a transient upstream failure worth retrying.
    pub fn is_transient(&self) -> bool {
        self.retry_class() == RetryClass::Transient
    }

    /// The code's retry classification, the one rule the client's retries
    /// and [`Error::is_retryable`](crate::Error::is_retryable) follow.
    pub fn retry_class(&self) -> RetryClass {
        match self {
            // "Unresponsive" upstreams (Requester v1.12, 500/530) and OAuth's
            // temporary overload or maintenance (RFC 6749 §4.1.2.1).
            Self::RepositoryServiceUnresponsive
            | Self::PartnerServiceUnresponsive
            | Self::TemporarilyUnavailable => RetryClass::Transient,
            // Generic failures, including an issuer repository's bad answer
            // or exception: they say nothing about a second attempt.
            Self::UnexpectedError
            | Self::InternalServerError
            | Self::ServerError
            | Self::RepositoryServiceResperror
            | Self::RepositoryServiceException
            | Self::Other(_) => RetryClass::ByStatus,
            _ => RetryClass::Permanent,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every catalogued code's class, written out: a new code, or a change
    /// of class, is a visible edit here.
    #[test]
    fn every_known_code_has_its_retry_class() {
        use RetryClass::{ByStatus, Permanent, Transient};
        let table: &[(&str, RetryClass)] = &[
            ("invalid_token", Permanent),
            ("insufficient_scope", Permanent),
            ("invalid_client", Permanent),
            ("invalid_grant", Permanent),
            ("invalid_grant_type", Permanent),
            ("invalid_request", Permanent),
            ("invalid_scope", Permanent),
            ("unauthorized_client", Permanent),
            ("unsupported_response_type", Permanent),
            ("access_denied", Permanent),
            ("user_loggedout", Permanent),
            ("server_error", ByStatus),
            ("temporarily_unavailable", Transient),
            ("invalid_client_id", Permanent),
            ("invalid_parameter", Permanent),
            ("invalid_id", Permanent),
            ("uri_missing", Permanent),
            ("invalid_uri", Permanent),
            ("repository_service_unresponsive", Transient),
            ("repository_service_unpublished", Permanent),
            ("repository_service_inactive", Permanent),
            ("repository_service_configerror", Permanent),
            ("repository_service_resperror", ByStatus),
            ("repository_service_exception", ByStatus),
            ("partner_service_unresponsive", Transient),
            ("aadhaar_not_linked", Permanent),
            ("aadhaar_not_available", Permanent),
            ("path_missing", Permanent),
            ("contenttype_missing", Permanent),
            ("hmac_missing", Permanent),
            ("filename_missing", Permanent),
            ("hmac_mismatch", Permanent),
            ("invalid_filename", Permanent),
            ("invalid_filesize", Permanent),
            ("invalid_filetype", Permanent),
            ("invalid_path", Permanent),
            ("file_data_missing", Permanent),
            ("mimetype_mismatch", Permanent),
            ("invalid_orgid", Permanent),
            ("invalid_doctype", Permanent),
            ("pull_response_pending", Permanent),
            ("uri_exists", Permanent),
            ("record_not_found", Permanent),
            ("invalid_digilocker_id", Permanent),
            ("unexpected_error", ByStatus),
            ("internal_server_error", ByStatus),
            ("invalid_response_type", Permanent),
            ("invalid_username", Permanent),
            ("invalid_mobile", Permanent),
            ("multiple_mobile_accounts", Permanent),
            ("otp_error", Permanent),
            ("parameter_missing", Permanent),
            ("invalid_ts", Permanent),
            ("mobile_exists", Permanent),
            ("auth_failure", Permanent),
        ];
        let listed: Vec<&str> = table.iter().map(|(c, _)| *c).collect();
        let known: Vec<&str> = ErrorCode::KNOWN.iter().map(ErrorCode::as_str).collect();
        assert_eq!(listed, known, "the table lists every known code, in order");
        for (code, class) in table {
            assert_eq!(ErrorCode::parse(code).retry_class(), *class, "{code}");
        }
        assert_eq!(ErrorCode::parse("brand_new_code").retry_class(), ByStatus);
    }
}
