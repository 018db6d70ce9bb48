//! `POST /oauth2/1/file/upload`: raw body, `path`/`hmac`/`Content-Type`
//! headers, checked in the order of the PDF's error table (v1.12 p.21-22).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{AppState, bearer, json as json_response, read_limited};
use crate::error::ApiError;
use crate::hashes::verify_hmac_b64;
use crate::state::UploadedFile;
use crate::util::{now_unix, random_digits};

/// Characters the PDF forbids in file names.
pub(crate) const FORBIDDEN: &[char] = &['\\', '/', ':', '*', '?', '<', '>', '|', '\'', '^', '~'];

/// Declared types the PDF allows (JPG, JPEG, PNG, PDF).
const ALLOWED: &[&str] = &["application/pdf", "image/png", "image/jpeg", "image/jpg"];

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
        .filter(|v| !v.is_empty())
}

fn canonical(mime: &str) -> &str {
    if mime == "image/jpg" {
        "image/jpeg"
    } else {
        mime
    }
}

/// `POST /oauth2/1/file/upload`.
pub(crate) async fn upload(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match handle(&shared, &headers, body).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

async fn handle(shared: &AppState, headers: &HeaderMap, body: Body) -> Result<Response, ApiError> {
    let cfg = &shared.config;
    let max = cfg.max_upload;
    // Read (or drain) the body first so an early answer never resets the
    // connection while the client is still sending.
    let read = read_limited(body, max, max.saturating_mul(4).max(64 * 1024 * 1024)).await;
    let grant = bearer(shared, headers, Some("files.uploadeddocs"))?;

    let path = header_text(headers, "path").ok_or_else(|| ApiError::code(400, "path_missing"))?;
    let segments: Vec<&str> = path.split('/').collect();
    let (filename, folders) = segments.split_last().unwrap_or((&"", &[]));
    let filename = filename.trim();
    if filename.is_empty() {
        return Err(ApiError::code(400, "filename_missing"));
    }
    if filename.contains(FORBIDDEN) {
        return Err(ApiError::code(400, "invalid_filename"));
    }
    let folders: Vec<&str> = folders.iter().copied().filter(|s| !s.is_empty()).collect();

    let content_type = header_text(headers, header::CONTENT_TYPE.as_str())
        .ok_or_else(|| ApiError::code(400, "contenttype_missing"))?;
    let declared = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let sent_hmac =
        header_text(headers, "hmac").ok_or_else(|| ApiError::code(400, "hmac_missing"))?;

    let data = read.map_err(|_| ApiError::code(400, "invalid_filesize"))?;
    if data.is_empty() {
        return Err(ApiError::code(400, "file_data_missing"));
    }
    if !verify_hmac_b64(&cfg.client_secret, &data, &sent_hmac) {
        return Err(ApiError::code(400, "hmac_mismatch"));
    }
    if !ALLOWED.contains(&declared.as_str()) {
        return Err(ApiError::code(400, "invalid_filetype"));
    }
    let sniffed = infer::get(&data).map(|t| t.mime_type());
    if sniffed != Some(canonical(&declared)) {
        return Err(ApiError::code(400, "mimetype_mismatch"));
    }

    let mut st = shared.lock();
    let account = st
        .account_mut(&grant.user)
        .ok_or_else(|| ApiError::code(500, "unexpected_error"))?;
    let folder = account
        .folder_by_path(&folders)
        .map(|f| f.id.clone())
        .ok_or_else(|| ApiError::code(400, "invalid_path"))?;
    let size = data.len();
    // Uploading the same name into the same folder replaces the file.
    account
        .files
        .retain(|f| !(f.folder == folder && f.name == filename));
    account.files.push(UploadedFile {
        name: filename.to_string(),
        folder,
        mime: declared.clone(),
        date: now_unix(),
        uri: format!("in.gov.digilocker-OTHER-{}", random_digits(14)),
        body: data,
    });
    drop(st);
    let full_path = if folders.is_empty() {
        format!("/{filename}")
    } else {
        format!("/{}/{filename}", folders.join("/"))
    };
    Ok(json_response(
        json!({ "path": full_path, "size": size.to_string() }),
    ))
}
