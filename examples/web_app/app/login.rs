//! Signing in: the home page's button, `/login` (the authorization URL and
//! the pending authorization kept in the session), the callback (the code
//! exchange), and signing out.

use axum::extract::{RawQuery, State};
use axum::response::Redirect;
use digilocker_authpartner::auth::{Purpose, TokenKind};
use maud::Markup;
use tower_sessions::Session;

use super::problem::Problem;
use super::{AppConfig, pages, session};

/// `GET /`: the "Sign in with DigiLocker" button, or who is signed in.
pub async fn home(session: Session) -> Result<Markup, Problem> {
    Ok(pages::home(session::user_name(&session).await?.as_deref()))
}

/// `POST /login`: a new authorization; its state and PKCE verifier stay in
/// the session, the browser goes to DigiLocker's consent page.
pub async fn start(State(app): State<AppConfig>, session: Session) -> Result<Redirect, Problem> {
    let (url, pending) = app
        .client
        .authorize_url()
        .purpose(Purpose::Kyc)
        .req_doctype(["HSCER"])
        .build()?;
    session::put_pending(&session, &pending).await?;
    Ok(Redirect::to(url.as_str()))
}

/// The callback: checks `state` against the session's pending
/// authorization (used up either way), exchanges the code, keeps the tokens
/// in the client's token store under the browser session's new user key,
/// gives the session a new id, and shows the documents.
pub async fn callback(
    State(app): State<AppConfig>,
    session: Session,
    RawQuery(query): RawQuery,
) -> Result<Redirect, Problem> {
    let pending = session::take_pending(&session)
        .await?
        .ok_or(Problem::SessionExpired)?;
    let (key, client) = session::new_user(&app.client)?;
    let tokens = client
        .exchange_code(&pending, query.as_deref().unwrap_or(""))
        .await?;
    // A new id once signed in, so an id known before sign-in is worthless.
    session.cycle_id().await?;
    session::signed_in(&session, &key, tokens.name.as_deref().unwrap_or("")).await?;
    Ok(Redirect::to("/documents"))
}

/// `POST /logout`: revokes the grant at DigiLocker and forgets the session.
pub async fn logout(State(app): State<AppConfig>, session: Session) -> Result<Redirect, Problem> {
    if session::user_name(&session).await?.is_some() {
        let client = session::client_for(&app.client, &session).await?;
        if let Err(e) = client.revoke(TokenKind::Refresh).await {
            // The local session ends anyway; the grant expires on its own.
            eprintln!("web_app: revoking the token failed: {e}");
            client.forget_tokens().await?;
        }
    }
    session.flush().await?;
    Ok(Redirect::to("/"))
}
