//! The documented error body `{"error": ..., "error_description": ...}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answer: HTTP status plus the documented JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub error: String,
    pub description: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl ApiError {
    /// An error with an explicit status, code and description.
    pub fn new(status: u16, error: &str, description: &str) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            error: error.to_string(),
            description: description.to_string(),
        }
    }

    /// An error whose description is the documented one for `error`.
    pub fn code(status: u16, error: &str) -> Self {
        Self::new(status, error, default_description(error))
    }

    /// 401 `invalid_token`.
    pub fn invalid_token() -> Self {
        Self::code(401, "invalid_token")
    }

    /// 403 `insufficient_scope`.
    pub fn insufficient_scope() -> Self {
        Self::code(403, "insufficient_scope")
    }

    /// 401 `invalid_client_id` (meta, pull-catalogue and signup APIs).
    pub fn invalid_client_id() -> Self {
        Self::code(401, "invalid_client_id")
    }

    /// 400 `invalid_parameter` with the documented sub-texts joined.
    pub fn invalid_parameter(texts: &[String]) -> Self {
        Self::new(400, "invalid_parameter", &texts.join(", "))
    }

    /// 400 `invalid_request` (RFC 6749; not in the PDF tables).
    pub fn invalid_request(description: &str) -> Self {
        Self::new(400, "invalid_request", description)
    }

    /// 400 `invalid_grant` with a specific description.
    pub fn invalid_grant(description: &str) -> Self {
        Self::new(400, "invalid_grant", description)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Body {
            error: &self.error,
            error_description: &self.description,
        })
        .unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        );
        if self.status == StatusCode::UNAUTHORIZED && self.error == "invalid_token" {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        resp
    }
}

/// The description the PDFs give for a code (or a generic one).
pub(crate) fn default_description(error: &str) -> &'static str {
    match error {
        "invalid_token" => "The access token is invalid",
        "insufficient_scope" => {
            "The request requires higher privileges than provided by the access token"
        }
        "invalid_client" => "The client credentials are invalid",
        "invalid_grant" => "The refresh token is invalid",
        "invalid_grant_type" => "The grant_type parameter is invalid",
        "invalid_client_id" => "The client_id parameter is invalid",
        "invalid_id" => "The folder does not exist",
        "uri_missing" => "URI parameter missing",
        "invalid_uri" => "No file found for given URI",
        "aadhaar_not_linked" => "Aadhaar is not linked to the account",
        "aadhaar_not_available" => {
            "Aadhaar data is not available for this user. Please perform Aadhaar eKYC again."
        }
        "path_missing" => "Path parameter is missing",
        "contenttype_missing" => "Content-Type parameter is missing",
        "hmac_missing" => "HMAC parameter is missing",
        "filename_missing" => "Filename is missing in path parameter",
        "hmac_mismatch" => "HMAC does not match",
        "invalid_filename" => {
            "Restricted characters (\\ / : * ? < > | ' ^ and ~) are not allowed in file name"
        }
        "invalid_filesize" => "The file size exceeds maximum allowed file size of 10MB",
        "invalid_filetype" => "The file type is not allowed",
        "invalid_path" => "The destination folder does not exist",
        "file_data_missing" => "Missing file content in the request",
        "mimetype_mismatch" => {
            "The mimetype provided in Content-Type parameter does not match with the mimetype of the file"
        }
        "invalid_orgid" => "The orgid parameter is missing or invalid",
        "invalid_doctype" => "The doctype parameter is missing or invalid",
        "repository_service_configerror" => {
            "The issuer service is not available. Please contact DigiLocker support."
        }
        "pull_response_pending" => {
            "The details provided above do not exactly match with the details on the certificate. Your request has been forwarded to the Issuer department. The Issuer department will verify the details provided above. If the verification is successful, your certificate will be made available in the Issued Documents section of your DigiLocker."
        }
        "uri_exists" => "This document already exists in your Issued Documents.",
        "record_not_found" => {
            "No record found in issuer database for given criteria. Please check the details and try again. If problem persists, see the FAQ section for possible causes."
        }
        "invalid_digilocker_id" => "The digilockerid parameter is invalid",
        "invalid_parameter" => "One or more of the mandatory parameters is missing or invalid",
        "parameter_missing" => "One or more of the mandatory parameters is missing",
        "invalid_ts" => "Timestamp parameter is invalid",
        "mobile_exists" => "A DigiLocker account already exists with this mobile number.",
        "auth_failure" => {
            "The data on Aadhaar does not match with one or more of Aadhaar, Name, DOB and Gender data provided. Aadhaar demographic authentication failure."
        }
        "invalid_response_type" => "The response_type parameter is invalid",
        "invalid_username" => "The dl_username parameter is invalid",
        "invalid_mobile" => "The dl_mobile parameter is invalid",
        "multiple_mobile_accounts" => {
            "The mobile number provided is associated with more than one DigiLocker accounts. Please login using username."
        }
        "otp_error" => {
            "OTP could not be sent as the account may not have a valid mobile or a valid email."
        }
        "invalid_otp" => "The OTP is invalid or has expired",
        "access_denied" => "The user denied the authorization request",
        "user_loggedout" => "user",
        _ => "Internal server error",
    }
}
