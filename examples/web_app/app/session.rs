//! What the server-side session holds: the pending authorization between
//! `/login` and the callback, then the user's session key (their tokens
//! live in the app-wide client's token store under it) and name. The
//! browser only ever holds the session cookie.

use digilocker_authpartner::Client;
use digilocker_authpartner::auth::PendingAuthorization;
use tower_sessions::Session;

use super::problem::Problem;

const PENDING: &str = "pending_authorization";
const USER_KEY: &str = "user_key";
const USER_NAME: &str = "user_name";

/// Keeps `pending` until the callback, replacing an earlier one (a sign-in
/// started again after an abandoned one).
pub async fn put_pending(session: &Session, pending: &PendingAuthorization) -> Result<(), Problem> {
    Ok(session
        .insert(PENDING, pending.to_json_exposing_secrets())
        .await?)
}

/// Removes and returns the pending authorization: each one is used by at
/// most one callback, whatever its outcome. Kept in this browser's own
/// server-side session, it is bound to the browser that started the
/// sign-in: another browser's callback finds no pending authorization (a
/// store shared by every browser would use `PendingStore` with a
/// `SessionBinding` instead).
pub async fn take_pending(session: &Session) -> Result<Option<PendingAuthorization>, Problem> {
    let Some(json) = session.remove::<String>(PENDING).await? else {
        return Ok(None);
    };
    Ok(Some(PendingAuthorization::from_json(json.as_bytes())?))
}

/// The signed-in user's name, if someone is signed in.
pub async fn user_name(session: &Session) -> Result<Option<String>, Problem> {
    if session.get::<String>(USER_KEY).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(
        session.get::<String>(USER_NAME).await?.unwrap_or_default(),
    ))
}

/// The signed-in user's name, or [`Problem::NotSignedIn`].
pub async fn require_user(session: &Session) -> Result<String, Problem> {
    user_name(session).await?.ok_or(Problem::NotSignedIn)
}

/// A new user: a random session key and its handle on the app-wide
/// `client` (the code exchange stores the tokens under that key). The
/// browser session learns the key only once the sign-in succeeded
/// ([`signed_in`]).
pub fn new_user(client: &Client) -> Result<(String, Client), Problem> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Problem::Internal(e.to_string()))?;
    let key = format!("web-{}", hex::encode(bytes));
    let handle = client.session(&key)?;
    Ok((key, handle))
}

/// Records a successful sign-in in the browser session: the user's key
/// and name.
pub async fn signed_in(session: &Session, key: &str, name: &str) -> Result<(), Problem> {
    session.insert(USER_KEY, key).await?;
    Ok(session.insert(USER_NAME, name).await?)
}

/// The signed-in user's handle on the app-wide `client`: their tokens are
/// read (and refreshed) under their session key, never another user's.
pub async fn client_for(client: &Client, session: &Session) -> Result<Client, Problem> {
    let key = session
        .get::<String>(USER_KEY)
        .await?
        .ok_or(Problem::NotSignedIn)?;
    Ok(client.session(&key)?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use digilocker_authpartner::auth::StoredTokens;
    use tower_sessions::MemoryStore;

    use super::*;

    #[tokio::test]
    async fn each_browser_session_has_its_own_user_and_never_shows_tokens() {
        let client = Client::builder("id", "secret")
            .redirect_uri("https://partner.example/callback")
            .build()
            .unwrap();
        let store = Arc::new(MemoryStore::default());
        let alice = Session::new(None, store.clone(), None);
        let bob = Session::new(None, store, None);
        assert!(matches!(
            client_for(&client, &alice).await,
            Err(Problem::NotSignedIn)
        ));
        let (key, alice_client) = new_user(&client).unwrap();
        signed_in(&alice, &key, "Alice").await.unwrap();
        alice_client
            .set_tokens(StoredTokens {
                access_token: "access-7f3a".to_string().into(),
                refresh_token: Some("refresh-9c1d".to_string().into()),
                expires_at: SystemTime::now() + Duration::from_secs(60),
            })
            .await
            .unwrap();
        let again = client_for(&client, &alice).await.unwrap();
        let loaded = again.stored_tokens().await.unwrap().expect("stored");
        assert!(loaded.remaining_lifetime() > Duration::from_secs(50));
        let (_, bob_client) = new_user(&client).unwrap();
        assert!(bob_client.stored_tokens().await.unwrap().is_none());
        assert_eq!(user_name(&bob).await.unwrap(), None, "not signed in yet");
        let shown = format!("{again:?} {alice:?}");
        assert!(
            !shown.contains("access-7f3a") && !shown.contains("refresh-9c1d"),
            "{shown}"
        );
        assert_eq!(user_name(&alice).await.unwrap().as_deref(), Some("Alice"));
    }
}
