//! Everything that ends a request early, each shown as a page with a clear
//! message and a status that says what happened; never a bare 500 for
//! something the user or DigiLocker did.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use digilocker_authpartner::{AuthError, Error};

use super::pages;

/// Why a request could not be served.
#[derive(Debug)]
pub enum Problem {
    /// The user declined on DigiLocker's consent page (`access_denied`).
    Denied,
    /// The user logged out of DigiLocker (`user_loggedout`).
    LoggedOut,
    /// The callback's `state` is not the session's: a forged or stale link.
    StateMismatch,
    /// A callback without a pending sign-in in this session (it expired,
    /// was already used, or cookies are off).
    SessionExpired,
    /// A page that needs a signed-in user.
    NotSignedIn,
    /// DigiLocker no longer accepts the session's tokens.
    SignInAgain,
    /// DigiLocker has no such document.
    NoSuchDocument,
    /// No such page.
    NotFound,
    /// DigiLocker failed or answered something the client refused.
    DigiLocker(Error),
    /// The app itself failed (its session store).
    Internal(String),
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        match e {
            Error::Auth(AuthError::Denied { .. }) => Problem::Denied,
            Error::Auth(AuthError::LoggedOut { .. }) => Problem::LoggedOut,
            Error::Auth(AuthError::StateMismatch) => Problem::StateMismatch,
            Error::Auth(
                AuthError::NoToken
                | AuthError::NoRefreshToken
                | AuthError::ConsentRequired
                | AuthError::RefreshFailed { .. },
            ) => Problem::SignInAgain,
            Error::Api { status: 404, .. } => Problem::NoSuchDocument,
            other => Problem::DigiLocker(other),
        }
    }
}

impl From<tower_sessions::session::Error> for Problem {
    fn from(e: tower_sessions::session::Error) -> Self {
        Problem::Internal(format!("session store: {e}"))
    }
}

impl Problem {
    /// The status, title and message of the page.
    pub fn describe(&self) -> (StatusCode, &'static str, String) {
        match self {
            Problem::Denied => (
                StatusCode::FORBIDDEN,
                "Sign-in cancelled",
                "You declined to share your DigiLocker documents, so you are not signed in. \
                 Nothing was shared."
                    .into(),
            ),
            Problem::LoggedOut => (
                StatusCode::UNAUTHORIZED,
                "Signed out of DigiLocker",
                "You signed out of DigiLocker before finishing. Sign in again to continue.".into(),
            ),
            Problem::StateMismatch => (
                StatusCode::BAD_REQUEST,
                "Sign-in link not valid",
                "This sign-in response does not belong to the sign-in you started here \
                 (its state does not match), so it was ignored. Start again."
                    .into(),
            ),
            Problem::SessionExpired => (
                StatusCode::BAD_REQUEST,
                "Sign-in session expired",
                "No sign-in was in progress in this browser: it expired, was already \
                 completed, or cookies are blocked. Start again."
                    .into(),
            ),
            Problem::NotSignedIn => (
                StatusCode::UNAUTHORIZED,
                "Not signed in",
                "Sign in with DigiLocker to see your documents.".into(),
            ),
            Problem::SignInAgain => (
                StatusCode::UNAUTHORIZED,
                "Please sign in again",
                "DigiLocker no longer accepts this session. Sign in again.".into(),
            ),
            Problem::NoSuchDocument => (
                StatusCode::NOT_FOUND,
                "No such document",
                "DigiLocker has no such document in your locker.".into(),
            ),
            Problem::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is no such page.".into(),
            ),
            Problem::DigiLocker(e) => (
                StatusCode::BAD_GATEWAY,
                "DigiLocker is not answering as expected",
                format!("The request to DigiLocker failed: {e}. Try again later."),
            ),
            Problem::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The app could not complete the request. Try again.".into(),
            ),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        match &self {
            Problem::DigiLocker(e) => eprintln!("web_app: DigiLocker: {e}"),
            Problem::Internal(e) => eprintln!("web_app: {e}"),
            _ => {}
        }
        let (status, title, message) = self.describe();
        (status, pages::problem(title, &message)).into_response()
    }
}

/// The fallback route.
pub async fn not_found() -> Problem {
    Problem::NotFound
}
