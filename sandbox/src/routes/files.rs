//! Account and file APIs: user details, issued and uploaded listings,
//! downloads by URI, certificate XML and e-Aadhaar XML.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{AppState, bearer, json as json_response};
use crate::documents;
use crate::error::ApiError;
use crate::hashes::hmac_b64;
use crate::state::{Account, Grant};
use crate::util::iso8601;
use crate::xmlsec;

fn account_of(shared: &AppState, grant: &Grant) -> Result<Account, ApiError> {
    shared
        .lock()
        .account(&grant.user)
        .cloned()
        .ok_or_else(|| ApiError::code(500, "unexpected_error"))
}

/// A binary answer with Content-Type and the `hmac` integrity header.
fn signed_body(shared: &AppState, mime: &str, body: Vec<u8>) -> Response {
    let mac = hmac_b64(&shared.config.client_secret, &body);
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&mac) {
        h.insert("hmac", v);
    }
    resp
}

/// `GET /oauth2/1/user`.
pub(crate) async fn user(State(shared): State<AppState>, headers: HeaderMap) -> Response {
    let result =
        bearer(&shared, &headers, Some("userdetails")).and_then(|g| account_of(&shared, &g));
    match result {
        Ok(account) => {
            let u = account.user;
            json_response(json!({
                "digilockerid": u.digilockerid,
                "name": u.name,
                "dob": u.dob,
                "gender": u.gender,
                "eaadhaar": u.eaadhaar,
                "reference_key": u.reference_key,
            }))
        }
        Err(e) => e.into_response(),
    }
}

fn issued_items(account: &Account, mime_array: bool) -> Value {
    let items: Vec<Value> = account
        .issued
        .iter()
        .map(|d| {
            let mut mimes = vec![d.mime.clone()];
            if d.xml.is_some() {
                mimes.push("application/xml".into());
            }
            let mime = if mime_array {
                json!(mimes)
            } else {
                json!(d.mime)
            };
            json!({
                "name": d.name,
                "type": "file",
                "size": "",
                "date": iso8601(d.date),
                "parent": "",
                "mime": mime,
                "uri": d.uri,
                "doctype": d.doctype,
                "description": d.description,
                "issuerid": d.issuerid,
                "issuer": d.issuer,
            })
        })
        .collect();
    json!({ "items": items })
}

/// `GET /oauth2/1/files/issued` (`mime` is a string).
pub(crate) async fn issued_v1(State(shared): State<AppState>, headers: HeaderMap) -> Response {
    match bearer(&shared, &headers, Some("files.issueddocs")).and_then(|g| account_of(&shared, &g))
    {
        Ok(account) => json_response(issued_items(&account, false)),
        Err(e) => e.into_response(),
    }
}

/// `GET /oauth2/2/files/issued` (`mime` is an array of strings).
pub(crate) async fn issued_v2(State(shared): State<AppState>, headers: HeaderMap) -> Response {
    match bearer(&shared, &headers, Some("files.issueddocs")).and_then(|g| account_of(&shared, &g))
    {
        Ok(account) => json_response(issued_items(&account, true)),
        Err(e) => e.into_response(),
    }
}

fn folder_listing(account: &Account, folder_id: &str) -> Value {
    let mut items: Vec<Value> = account
        .folders
        .iter()
        .filter(|f| f.parent == folder_id)
        .map(|f| {
            let size: usize = account
                .files
                .iter()
                .filter(|x| x.folder == f.id)
                .map(|x| x.body.len())
                .sum();
            json!({
                "name": f.name,
                "type": "dir",
                "id": f.id,
                "size": size.to_string(),
                "date": iso8601(f.date),
                "parent": f.parent,
                "mime": "",
                "uri": "",
                "description": "",
                "issuer": "",
            })
        })
        .collect();
    items.extend(
        account
            .files
            .iter()
            .filter(|x| x.folder == folder_id)
            .map(|x| {
                json!({
                    "name": x.name,
                    "type": "file",
                    "id": "",
                    "size": x.body.len().to_string(),
                    "date": iso8601(x.date),
                    "parent": x.folder,
                    "mime": x.mime,
                    "uri": x.uri,
                    "description": "",
                    "issuer": "",
                })
            }),
    );
    json!({
        "directory": account.folder_path(folder_id),
        "items": items,
    })
}

/// `GET /oauth2/1/files/` (root folder).
pub(crate) async fn uploaded_root(State(shared): State<AppState>, headers: HeaderMap) -> Response {
    match bearer(&shared, &headers, Some("files.uploadeddocs"))
        .and_then(|g| account_of(&shared, &g))
    {
        Ok(account) => json_response(folder_listing(&account, &account.root_id())),
        Err(e) => e.into_response(),
    }
}

/// `GET /oauth2/1/files/{id}`.
pub(crate) async fn uploaded_folder(
    State(shared): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let account = match bearer(&shared, &headers, Some("files.uploadeddocs"))
        .and_then(|g| account_of(&shared, &g))
    {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Ok(Path(id)) = id else {
        return ApiError::code(404, "invalid_id").into_response();
    };
    if !account.folders.iter().any(|f| f.id == id) {
        return ApiError::code(404, "invalid_id").into_response();
    }
    json_response(folder_listing(&account, &id))
}

/// `GET /oauth2/1/file/` and `/oauth2/1/xml/` without a URI.
pub(crate) async fn uri_missing(State(shared): State<AppState>, headers: HeaderMap) -> Response {
    match bearer(&shared, &headers, None) {
        Ok(_) => ApiError::code(400, "uri_missing").into_response(),
        Err(e) => e.into_response(),
    }
}

fn decoded_uri(uri: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    match uri {
        Ok(Path(u)) if !u.trim().is_empty() => Ok(u.trim().to_string()),
        Ok(_) => Err(ApiError::code(400, "uri_missing")),
        Err(_) => Err(ApiError::code(404, "invalid_uri")),
    }
}

/// `GET /oauth2/1/file/{uri}`: issued or uploaded file, with `hmac`.
pub(crate) async fn file(
    State(shared): State<AppState>,
    headers: HeaderMap,
    uri: Result<Path<String>, PathRejection>,
) -> Response {
    let grant = match bearer(&shared, &headers, None) {
        Ok(g) => g,
        Err(e) => return e.into_response(),
    };
    let uri = match decoded_uri(uri) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let account = match account_of(&shared, &grant) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let scope = &shared.config.scope;
    if let Some(doc) = account.issued.iter().find(|d| d.uri == uri) {
        if !super::has_scope(scope, "files.issueddocs") {
            return ApiError::insufficient_scope().into_response();
        }
        return signed_body(&shared, &doc.mime, doc.body.clone());
    }
    if let Some(f) = account.files.iter().find(|f| f.uri == uri) {
        if !super::has_scope(scope, "files.uploadeddocs") {
            return ApiError::insufficient_scope().into_response();
        }
        return signed_body(&shared, &f.mime, f.body.clone());
    }
    ApiError::code(404, "invalid_uri").into_response()
}

/// `GET /oauth2/1/xml/{uri}`: certificate XML of an issued document.
pub(crate) async fn xml(
    State(shared): State<AppState>,
    headers: HeaderMap,
    uri: Result<Path<String>, PathRejection>,
) -> Response {
    let grant = match bearer(&shared, &headers, Some("files.issueddocs")) {
        Ok(g) => g,
        Err(e) => return e.into_response(),
    };
    let uri = match decoded_uri(uri) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let account = match account_of(&shared, &grant) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    match account
        .issued
        .iter()
        .find(|d| d.uri == uri)
        .and_then(|d| d.xml.clone())
    {
        Some(xml) => signed_body(&shared, "application/xml", signed_xml(xml).await),
        None => ApiError::code(404, "invalid_uri").into_response(),
    }
}

async fn eaadhaar(shared: AppState, headers: HeaderMap, version: u8) -> Response {
    let account = match bearer(&shared, &headers, Some("files.issueddocs"))
        .and_then(|g| account_of(&shared, &g))
    {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if account.user.eaadhaar != "Y" {
        return ApiError::code(404, "aadhaar_not_linked").into_response();
    }
    let xml = signed_xml(documents::kyc_res(&account.user, version)).await;
    signed_body(&shared, "application/xml", xml)
}

/// The XML with the sandbox's XML signature (see [`xmlsec::sign_served`]),
/// made off the async workers since it runs `xmlsec1`.
async fn signed_xml(xml: Vec<u8>) -> Vec<u8> {
    tokio::task::spawn_blocking(move || xmlsec::sign_served(xml))
        .await
        .unwrap_or_default()
}

/// `GET /oauth2/2/xml/eaadhaar`.
pub(crate) async fn eaadhaar_v2(State(shared): State<AppState>, headers: HeaderMap) -> Response {
    eaadhaar(shared, headers, 2).await
}

/// `GET /oauth2/3/xml/eaadhaar`.
pub(crate) async fn eaadhaar_v3(State(shared): State<AppState>, headers: HeaderMap) -> Response {
    eaadhaar(shared, headers, 3).await
}
