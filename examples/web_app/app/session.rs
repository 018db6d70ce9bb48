//! What the server-side session holds: the pending authorization between
//! `/login` and the callback, then the user's tokens and name. The browser
//! only ever holds the session cookie.

use std::sync::Arc;

use digilocker_authpartner::Client;
use digilocker_authpartner::auth::{
    PendingAuthorization, StoreError, StoreFuture, StoredTokens, TokenStore,
};
use tower_sessions::Session;

use super::problem::Problem;

const PENDING: &str = "pending_authorization";
const TOKENS: &str = "tokens";
const USER_NAME: &str = "user_name";

/// Keeps `pending` until the callback, replacing an earlier one (a sign-in
/// started again after an abandoned one).
pub async fn put_pending(session: &Session, pending: &PendingAuthorization) -> Result<(), Problem> {
    Ok(session
        .insert(PENDING, pending.to_json_exposing_secrets())
        .await?)
}

/// Removes and returns the pending authorization: each one is used by at
/// most one callback, whatever its outcome.
pub async fn take_pending(session: &Session) -> Result<Option<PendingAuthorization>, Problem> {
    let Some(json) = session.remove::<String>(PENDING).await? else {
        return Ok(None);
    };
    Ok(Some(PendingAuthorization::from_json(json.as_bytes())?))
}

/// The signed-in user's name, if someone is signed in.
pub async fn user_name(session: &Session) -> Result<Option<String>, Problem> {
    if session.get::<String>(TOKENS).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(
        session.get::<String>(USER_NAME).await?.unwrap_or_default(),
    ))
}

/// Records the signed-in user's name.
pub async fn set_user_name(session: &Session, name: &str) -> Result<(), Problem> {
    Ok(session.insert(USER_NAME, name).await?)
}

/// The signed-in user's name, or [`Problem::NotSignedIn`].
pub async fn require_user(session: &Session) -> Result<String, Problem> {
    user_name(session).await?.ok_or(Problem::NotSignedIn)
}

/// `client` bound to this session's tokens: the code exchange stores them
/// here, later calls read (and refresh) them here.
pub fn client_for(client: &Client, session: &Session) -> Client {
    client.with_token_store(Arc::new(SessionTokenStore(session.clone())))
}

/// A [`TokenStore`] in the server-side session.
#[derive(Clone)]
pub struct SessionTokenStore(Session);

/// Not derived: a `Session`'s `Debug` shows its id and every value in it,
/// the tokens and the PKCE verifier included.
impl std::fmt::Debug for SessionTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionTokenStore(..)")
    }
}

fn store_error(e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("session: {e}"))
}

impl TokenStore for SessionTokenStore {
    fn load(&self) -> StoreFuture<'_, Option<StoredTokens>> {
        Box::pin(async move {
            let Some(json) = self.0.get::<String>(TOKENS).await.map_err(store_error)? else {
                return Ok(None);
            };
            StoredTokens::from_json(json.as_bytes())
                .map(Some)
                .map_err(store_error)
        })
    }

    fn save(&self, tokens: StoredTokens) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.0
                .insert(TOKENS, tokens.to_json_exposing_secrets())
                .await
                .map_err(store_error)
        })
    }

    fn clear(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.0
                .remove::<String>(TOKENS)
                .await
                .map(drop)
                .map_err(store_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use tower_sessions::MemoryStore;

    use super::*;

    #[tokio::test]
    async fn tokens_round_trip_and_never_show_in_debug() {
        let session = Session::new(None, Arc::new(MemoryStore::default()), None);
        let store = SessionTokenStore(session.clone());
        assert!(store.load().await.unwrap().is_none());
        store
            .save(StoredTokens {
                access_token: "access-7f3a".to_string().into(),
                refresh_token: Some("refresh-9c1d".to_string().into()),
                expires_at: SystemTime::now() + Duration::from_secs(60),
            })
            .await
            .unwrap();
        let loaded = store.load().await.unwrap().expect("stored");
        assert!(loaded.remaining_lifetime() > Duration::from_secs(50));
        let client = Client::builder("id", "secret")
            .redirect_uri("https://partner.example/callback")
            .build()
            .unwrap();
        let shown = format!("{store:?} {:?}", client_for(&client, &session));
        assert!(
            !shown.contains("access-7f3a") && !shown.contains("refresh-9c1d"),
            "{shown}"
        );
        store.clear().await.unwrap();
        assert!(store.load().await.unwrap().is_none());
        assert_eq!(user_name(&session).await.unwrap(), None);
    }
}
