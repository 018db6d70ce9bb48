//! The signed-in user's issued documents, and their download: the file
//! streams through to the browser as it arrives and the response fails
//! (is cut) if DigiLocker's HMAC does not match, so no browser ever holds a
//! complete file that failed its check.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;
use tower_sessions::Session;

use super::pages::{self, Notice};
use super::problem::Problem;
use super::{AppConfig, session};

/// `GET /documents`.
pub async fn list(State(app): State<AppConfig>, session: Session) -> Result<Markup, Problem> {
    documents_page(&app, &session, None).await
}

/// The documents page, with `notice` (an upload's outcome) on top.
pub async fn documents_page(
    app: &AppConfig,
    session: &Session,
    notice: Option<Notice>,
) -> Result<Markup, Problem> {
    let name = session::require_user(session).await?;
    let client = session::client_for(&app.client, session).await?;
    let issued = client.get_issued_documents().send().await?.into_inner();
    Ok(pages::documents(&name, &issued.items, notice.as_ref()))
}

/// `GET /documents/{uri}`: the HMAC-verified file, as an attachment.
pub async fn download(
    State(app): State<AppConfig>,
    session: Session,
    Path(uri): Path<String>,
) -> Result<Response, Problem> {
    session::require_user(&session).await?;
    let client = session::client_for(&app.client, &session).await?;
    let stream = client.download_stream(&uri).await?;
    let content_type = stream
        .content_type()
        .and_then(|t| HeaderValue::from_str(t).ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file_name(&uri, content_type.to_str().unwrap_or(""))
    );
    let length = stream.content_length();
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// A download file name from the document URI (kept to `[A-Za-z0-9._-]`)
/// and an extension for its type.
pub fn file_name(uri: &str, content_type: &str) -> String {
    let stem: String = uri
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let ext = match content_type.split(';').next().unwrap_or("").trim() {
        "application/pdf" => ".pdf",
        "image/png" => ".png",
        "image/jpeg" | "image/jpg" => ".jpg",
        "application/xml" | "text/xml" => ".xml",
        _ => "",
    };
    format!("{stem}{ext}")
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn file_names_are_header_safe() {
        assert_eq!(
            file_name("in.gov.cbse-HSCER-2019", "application/pdf"),
            "in.gov.cbse-HSCER-2019.pdf"
        );
        assert_eq!(file_name("a\"b/c\r\n", "image/png"), "a_b_c__.png");
        assert_eq!(file_name("x", "application/octet-stream"), "x");
    }
}
