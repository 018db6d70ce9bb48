//! Pull APIs: the signed catalogue calls (issuers, doctype, parameters;
//! client credentials only) and the bearer-protected pull document.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{
    AppState, bearer, check_signed, field, json as json_response, parse_form, signed_error,
};
use crate::catalogue::{self, ISSUERS};
use crate::error::ApiError;
use crate::hashes::HashRule;

fn reject_body(description: &str) -> ApiError {
    ApiError::invalid_parameter(&[description.to_string()])
}

/// `POST /oauth2/1/pull/issuers`.
pub(crate) async fn issuers(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match parse_form(&headers, &body, reject_body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = check_signed(&shared, &form, HashRule::Issuers, Vec::new()) {
        return signed_error(e).into_response();
    }
    let list: Vec<_> = ISSUERS
        .iter()
        .map(|i| {
            json!({
                "orgid": i.orgid,
                "issuerid": i.issuerid,
                "name": i.name,
                "category": i.category,
                "description": i.description,
            })
        })
        .collect();
    json_response(json!({ "issuers": list }))
}

/// `POST /oauth2/1/pull/doctype`.
pub(crate) async fn doctype(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match parse_form(&headers, &body, reject_body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let issuer = field(&form, "orgid").and_then(catalogue::issuer_by_orgid);
    let mut problems = Vec::new();
    if issuer.is_none() {
        problems.push("The orgid parameter is missing or invalid".to_string());
    }
    if let Err(e) = check_signed(&shared, &form, HashRule::Doctype, problems) {
        return signed_error(e).into_response();
    }
    let Some(issuer) = issuer else {
        return ApiError::code(500, "unexpected_error").into_response();
    };
    let docs: Vec<_> = issuer
        .doctypes
        .iter()
        .map(|d| json!({ "doctype": d.doctype, "description": d.description }))
        .collect();
    json_response(json!({ "documents": docs }))
}

/// `POST /oauth2/1/pull/parameters`.
pub(crate) async fn parameters(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match parse_form(&headers, &body, reject_body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let issuer = field(&form, "orgid").and_then(catalogue::issuer_by_orgid);
    let doctype =
        issuer.and_then(|i| field(&form, "doctype").and_then(|d| catalogue::doctype_of(i, d)));
    let mut problems = Vec::new();
    if issuer.is_none() {
        problems.push("The orgid parameter is missing or invalid".to_string());
    }
    if doctype.is_none() {
        problems.push("The doctype parameter is missing or invalid".to_string());
    }
    if let Err(e) = check_signed(&shared, &form, HashRule::Parameters, problems) {
        return signed_error(e).into_response();
    }
    let Some(doctype) = doctype else {
        return ApiError::code(500, "unexpected_error").into_response();
    };
    let params: Vec<_> = doctype
        .params
        .iter()
        .map(|p| {
            json!({
                "label": p.label,
                "paramname": p.paramname,
                "valuelist": p.valuelist,
                "example": p.example,
            })
        })
        .collect();
    json_response(json!({ "parameters": params }))
}

/// `POST /oauth2/1/pull/pulldocument`: bearer token, form body with orgid,
/// doctype, consent=Y and the doctype's search parameters as flat fields.
pub(crate) async fn pull_document(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let grant = match bearer(&shared, &headers, None) {
        Ok(g) => g,
        Err(e) => return e.into_response(),
    };
    let form = match parse_form(&headers, &body, reject_body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let Some(issuer) = field(&form, "orgid").and_then(catalogue::issuer_by_orgid) else {
        return ApiError::code(400, "invalid_orgid").into_response();
    };
    let Some(doctype) = field(&form, "doctype").and_then(|d| catalogue::doctype_of(issuer, d))
    else {
        return ApiError::code(400, "invalid_doctype").into_response();
    };
    if !super::has_scope(
        &shared.config.scope,
        &format!("partners.{}", doctype.doctype),
    ) {
        return ApiError::insufficient_scope().into_response();
    }
    if field(&form, "consent") != Some("Y") {
        return ApiError::invalid_parameter(&["Consent parameter is missing or invalid".into()])
            .into_response();
    }
    let missing: Vec<String> = doctype
        .params
        .iter()
        .filter(|p| field(&form, p.paramname).is_none())
        .map(|p| format!("The {} parameter is missing or invalid", p.paramname))
        .collect();
    if !missing.is_empty() {
        return ApiError::invalid_parameter(&missing).into_response();
    }
    if issuer.offline {
        return ApiError::code(500, "repository_service_configerror").into_response();
    }
    let mut st = shared.lock();
    let Some(account) = st.account_mut(&grant.user) else {
        return ApiError::code(500, "unexpected_error").into_response();
    };
    if account.user.eaadhaar != "Y" {
        return ApiError::code(400, "aadhaar_not_linked").into_response();
    }
    // The issuer "holds" exactly one record: the example values.
    let matched: Vec<bool> = doctype
        .params
        .iter()
        .map(|p| field(&form, p.paramname) == Some(p.example))
        .collect();
    if !matched[0] {
        return ApiError::code(404, "record_not_found").into_response();
    }
    if matched.iter().any(|m| !m) {
        return ApiError::code(400, "pull_response_pending").into_response();
    }
    let docid: String = doctype.params[0]
        .example
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let uri = format!("{}-{}-{}", issuer.issuerid, doctype.doctype, docid);
    if account.issued.iter().any(|d| d.uri == uri) {
        return ApiError::code(400, "uri_exists").into_response();
    }
    let uri = account.issue_from_catalogue(issuer, doctype, &docid);
    drop(st);
    json_response(json!({ "uri": uri }))
}
