//! The HTML pages, escaped by construction (`maud`).

use axum::http::StatusCode;
use digilocker_authpartner::types::IssuedDocument;
use maud::{DOCTYPE, Markup, html};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// The outcome of an upload, shown above the documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Stored at `path`.
    Uploaded {
        /// Where DigiLocker stored it.
        path: String,
        /// Its size as DigiLocker reports it.
        size: Option<u64>,
    },
    /// The file failed the client's checks; nothing was sent.
    Invalid(String),
    /// DigiLocker refused it.
    Refused(String),
}

impl Notice {
    /// The status of the page that shows it.
    pub fn status(&self) -> StatusCode {
        match self {
            Notice::Uploaded { .. } => StatusCode::OK,
            Notice::Invalid(_) | Notice::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#222}\
header{background:#0b5394;color:#fff;padding:.8rem 2rem;font-weight:600}\
main{max-width:46rem;margin:1.5rem auto;background:#fff;padding:1.2rem 2rem;border-radius:8px;\
box-shadow:0 1px 4px #0002}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #ddd}\
button{font-size:1rem;padding:.55rem 1.3rem;border-radius:4px;border:0;background:#0b5394;color:#fff;\
cursor:pointer}.notice{padding:.6rem .9rem;border-radius:4px;margin:1rem 0}\
.ok{background:#e3f4e1}.error{background:#fde4e1}form.inline{display:inline}";

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " | Partner Portal" }
                style { (STYLE) }
            }
            body {
                header { "Partner Portal (DigiLocker example)" }
                main { (body) }
            }
        }
    }
}

fn sign_in_button() -> Markup {
    html! {
        form method="post" action="/login" {
            button #sign-in type="submit" { "Sign in with DigiLocker" }
        }
    }
}

fn sign_out_button() -> Markup {
    html! {
        form.inline method="post" action="/logout" {
            button #sign-out type="submit" { "Sign out" }
        }
    }
}

/// `/`: the sign-in button, or who is signed in.
pub fn home(user: Option<&str>) -> Markup {
    layout(
        "Welcome",
        html! {
            h1 { "Welcome" }
            @if let Some(name) = user {
                p { "Signed in as " strong { (name) } ". " a href="/documents" { "Your documents" } }
                (sign_out_button())
            } @else {
                p { "Share your documents from DigiLocker to continue." }
                (sign_in_button())
            }
        },
    )
}

/// `/documents`: the user, their issued documents, the upload form.
pub fn documents(name: &str, issued: &[IssuedDocument], notice: Option<&Notice>) -> Markup {
    layout(
        "Your documents",
        html! {
            h1 { "Your DigiLocker documents" }
            p #user { "Signed in as " strong #user-name { (name) } }
            @if let Some(notice) = notice { (notice_markup(notice)) }
            h2 { "Issued documents" }
            @if issued.is_empty() {
                p #no-documents { "DigiLocker holds no issued documents for you." }
            } @else {
                table #issued {
                    thead { tr { th { "Document" } th { "Issuer" } th { "Type" } th {} } }
                    tbody {
                        @for doc in issued {
                            tr {
                                td { (doc.name) }
                                td { (doc.issuer.as_deref().unwrap_or("")) }
                                td { (doc.doctype.as_deref().unwrap_or("")) }
                                td { a.download href=(document_href(&doc.uri)) { "Download" } }
                            }
                        }
                    }
                }
            }
            h2 { "Upload to your locker" }
            p { "PDF, PNG or JPEG, at most 10 MB; stored under /Documents." }
            form #upload method="post" action="/upload" enctype="multipart/form-data" {
                input #file type="file" name="file" accept=".pdf,.png,.jpg,.jpeg";
                " "
                button #upload-button type="submit" { "Upload" }
            }
            p { (sign_out_button()) }
        },
    )
}

/// The link that downloads a document (its URI as one path segment).
pub fn document_href(uri: &str) -> String {
    format!("/documents/{}", utf8_percent_encode(uri, NON_ALPHANUMERIC))
}

fn notice_markup(notice: &Notice) -> Markup {
    match notice {
        Notice::Uploaded { path, size } => html! {
            p.notice.ok #notice {
                "Uploaded to " strong { (path) }
                @if let Some(size) = size { " (" (size) " bytes)" }
                "."
            }
        },
        Notice::Invalid(message) | Notice::Refused(message) => html! {
            p.notice.error #notice role="alert" { (message) }
        },
    }
}

/// A page for a [`Problem`](super::problem::Problem).
pub fn problem(title: &str, message: &str) -> Markup {
    layout(
        title,
        html! {
            h1 #problem { (title) }
            p #message { (message) }
            p { a href="/" { "Back to the start" } }
        },
    )
}
