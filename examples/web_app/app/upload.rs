//! `POST /upload`: a file from the form into the user's locker under
//! `/Documents/`. The client's checks run before anything is sent (path,
//! size, the type sniffed from the content against the extension); their
//! typed errors, and DigiLocker's own refusals, become readable notices on
//! the documents page.

use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::StatusCode;
use bytes::Bytes;
use digilocker_authpartner::{Error, ValidationError};
use maud::Markup;
use tower_sessions::Session;

use super::documents::documents_page;
use super::pages::Notice;
use super::problem::Problem;
use super::{AppConfig, session};

/// The folder uploads go to.
pub const FOLDER: &str = "/Documents";

/// `POST /upload` (multipart, field `file`).
pub async fn upload(
    State(app): State<AppConfig>,
    session: Session,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Markup), Problem> {
    session::require_user(&session).await?;
    let notice = match read_file(form).await {
        Ok((name, bytes)) => send(&app, &session, &name, bytes).await?,
        Err(notice) => notice,
    };
    let status = notice.status();
    Ok((status, documents_page(&app, &session, Some(notice)).await?))
}

/// Uploads `bytes` as `name` and describes the outcome.
async fn send(
    app: &AppConfig,
    session: &Session,
    name: &str,
    bytes: Bytes,
) -> Result<Notice, Problem> {
    let dest = format!("{FOLDER}/{name}");
    let client = session::client_for(&app.client, session).await?;
    match client.upload_bytes(bytes, &dest).await {
        Ok(stored) => Ok(Notice::Uploaded {
            path: stored.path,
            size: stored.size.bytes(),
        }),
        Err(Error::Validation(v)) => Ok(Notice::Invalid(explain(&v, name))),
        Err(Error::Api {
            code, description, ..
        }) => Ok(Notice::Refused(format!(
            "DigiLocker refused the file ({code}){}",
            description.map(|d| format!(": {d}")).unwrap_or_default()
        ))),
        Err(other) => Err(other.into()),
    }
}

/// The file field's name and content, or why there is none.
async fn read_file(form: Result<Multipart, MultipartRejection>) -> Result<(String, Bytes), Notice> {
    let mut form = form.map_err(|_| Notice::Invalid("The form was not a file upload.".into()))?;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(unreadable)?;
        if name.is_empty() && bytes.is_empty() {
            break;
        }
        return Ok((name, bytes));
    }
    Err(Notice::Invalid("Choose a file to upload first.".into()))
}

fn unreadable(e: MultipartError) -> Notice {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Notice::Invalid("The file is larger than the 10 MB DigiLocker accepts.".into())
    } else {
        Notice::Invalid("The upload could not be read; please try again.".into())
    }
}

/// A sentence for a user from the client's validation error.
pub fn explain(error: &ValidationError, file_name: &str) -> String {
    match error.field {
        "path" => format!(
            "\u{201c}{file_name}\u{201d} cannot be uploaded: its name is not accepted \
             (the destination path {}).",
            error.reason
        ),
        "file" => format!(
            "\u{201c}{file_name}\u{201d} cannot be uploaded: the file {}.",
            error.reason
        ),
        other => format!(
            "\u{201c}{file_name}\u{201d} cannot be uploaded: {other} {}.",
            error.reason
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_read_as_sentences() {
        let content = ValidationError::new("file", "content is not a PDF, PNG or JPEG file");
        assert_eq!(
            explain(&content, "notes.pdf"),
            "\u{201c}notes.pdf\u{201d} cannot be uploaded: the file content is not a PDF, PNG or JPEG file."
        );
        let path = ValidationError::new("path", "must be ASCII");
        assert!(
            explain(&path, "é.pdf")
                .contains("its name is not accepted (the destination path must be ASCII)")
        );
    }
}
