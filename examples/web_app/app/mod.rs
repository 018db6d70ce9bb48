//! The web app: routes, and the state they share. Each route lives in a
//! module of its own; pages are rendered by [`pages`], failures become
//! pages through [`problem::Problem`].

pub mod documents;
pub mod login;
pub mod pages;
pub mod problem;
pub mod session;
pub mod setup;
pub mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use digilocker_authpartner::Client;
use digilocker_authpartner::transfer::MAX_UPLOAD_BYTES;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, MemoryStore, SessionManagerLayer};

/// What every route needs.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// The app-wide DigiLocker client (no user's tokens); each request
    /// takes its signed-in user's handle ([`session::client_for`]).
    pub client: Client,
    /// The path DigiLocker redirects back to (that of the redirect URI).
    pub callback_path: String,
    /// Whether the session cookie is `Secure` (the app is served over https).
    pub secure_cookie: bool,
    /// How long an idle session lives.
    pub session_idle: Duration,
}

/// The app's router, with server-side sessions in memory.
///
/// The session cookie is `SameSite=Lax`: DigiLocker's redirect back to the
/// callback is a cross-site navigation, on which a `Strict` cookie would not
/// be sent and every sign-in would look like an expired session.
pub fn router(config: AppConfig) -> Router {
    let sessions = SessionManagerLayer::new(MemoryStore::default())
        .with_name("webapp_session")
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_secure(config.secure_cookie)
        .with_expiry(Expiry::OnInactivity(config.session_idle));
    // Room for the multipart framing around the largest file DigiLocker takes.
    let upload_limit = usize::try_from(MAX_UPLOAD_BYTES).unwrap_or(usize::MAX) + 64 * 1024;
    Router::new()
        .route("/", get(login::home))
        .route("/login", post(login::start))
        .route(&config.callback_path, get(login::callback))
        .route("/logout", post(login::logout))
        .route("/documents", get(documents::list))
        .route("/documents/{uri}", get(documents::download))
        .route(
            "/upload",
            post(upload::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .fallback(problem::not_found)
        .layer(sessions)
        .with_state(config)
}
