//! Where end users' tokens live: the keyed [`TokenStore`] and its
//! compare-and-set rule for refreshed tokens.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::{SessionKey, TokenResponse};
use crate::{AuthError, Error, ErrorCode};

/// The tokens of one user session.
#[derive(Clone, Debug)]
pub struct StoredTokens {
    /// The access token.
    pub access_token: SecretString,
    /// The refresh token, when the server issued one.
    pub refresh_token: Option<SecretString>,
    /// When the access token expires.
    pub expires_at: SystemTime,
}

/// The longest access-token lifetime the client believes. A server that
/// claims more (up to `i64::MAX` seconds) is clamped to this, so expiry
/// arithmetic can never overflow.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(366 * 24 * 60 * 60);

impl From<&TokenResponse> for StoredTokens {
    fn from(t: &TokenResponse) -> Self {
        Self {
            access_token: t.access_token.clone(),
            refresh_token: t.refresh_token.clone(),
            expires_at: t.expires_at_system(),
        }
    }
}

impl StoredTokens {
    /// Whether the access token expires within `skew` from now.
    pub fn expires_within(&self, skew: Duration) -> bool {
        match SystemTime::now().checked_add(skew) {
            Some(deadline) => deadline >= self.expires_at,
            None => true,
        }
    }

    /// The tokens of a refresh response, keeping `previous`'s refresh token
    /// when the response omits one (RFC 6749 §6: the server *may* issue a
    /// new refresh token; if it does not, the old one stays valid).
    pub(crate) fn refreshed(response: &TokenResponse, previous: SecretString) -> Self {
        let mut tokens = Self::from(response);
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(previous);
        }
        tokens
    }

    /// Whether these tokens' access token is `access_token` (constant time):
    /// `false` once someone has replaced a stale token.
    pub fn has_access_token(&self, access_token: &SecretString) -> bool {
        same_secret(&self.access_token, access_token)
    }

    /// Whether these tokens' refresh token is `refresh_token` (constant time).
    pub fn has_refresh_token(&self, refresh_token: &SecretString) -> bool {
        self.refresh_token
            .as_ref()
            .is_some_and(|mine| same_secret(mine, refresh_token))
    }
}

/// A boxed future returned by [`TokenStore`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// The future of a refresh: the new tokens, or why there are none.
pub type RefreshFuture<'a> = Pin<Box<dyn Future<Output = Result<StoredTokens, Error>> + Send + 'a>>;

/// Performs one refresh grant with the given refresh token and returns the
/// tokens to store (an omitted refresh token is already replaced by the one
/// sent). Handed by the client to [`TokenStore::refresh_exclusive`].
pub type Refresher<'a> = Box<dyn FnOnce(SecretString) -> RefreshFuture<'a> + Send + 'a>;

/// A failure of a [`TokenStore`], reported as [`AuthError::Store`].
#[derive(Debug)]
pub struct StoreError(pub String);

/// What [`TokenStore::replace`] did.
#[derive(Debug)]
#[non_exhaustive]
pub enum Replaced {
    /// The stored refresh token was the spent one; the fresh tokens are stored.
    Stored,
    /// Someone else changed the session first: these are the tokens stored
    /// now (`None`: the session was cleared, e.g. signed out). Nothing was
    /// written.
    Conflict(Option<StoredTokens>),
}

/// Persists end users' tokens, one entry per [`SessionKey`]: in memory
/// ([`InMemoryTokenStore`], the default) or in a database or Redis shared
/// by every replica.
///
/// A refresh token is spent by its first use, so every write of refreshed
/// tokens goes through [`replace`](Self::replace), a compare-and-set on the
/// refresh token it replaces: a slow or paused refresher can never
/// overwrite newer tokens, and a refresh that happened is never lost to a
/// plain overwrite.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use digilocker_authpartner::auth::{Replaced, SessionKey, StoreFuture, StoredTokens, TokenStore};
/// use secrecy::SecretString;
///
/// /// Like a table `tokens(user_key PRIMARY KEY, ...)`.
/// #[derive(Debug, Default)]
/// struct Table(Mutex<HashMap<String, StoredTokens>>);
///
/// impl TokenStore for Table {
///     fn load<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, Option<StoredTokens>> {
///         let row = self.0.lock().unwrap().get(key.as_str()).cloned();
///         Box::pin(async move { Ok(row) })
///     }
///     fn save<'a>(&'a self, key: &'a SessionKey, tokens: StoredTokens) -> StoreFuture<'a, ()> {
///         self.0.lock().unwrap().insert(key.as_str().to_owned(), tokens);
///         Box::pin(async { Ok(()) })
///     }
///     // `UPDATE tokens SET ... WHERE user_key = $1 AND refresh_token = $2` in SQL.
///     fn replace<'a>(
///         &'a self,
///         key: &'a SessionKey,
///         spent: &'a SecretString,
///         fresh: StoredTokens,
///     ) -> StoreFuture<'a, Replaced> {
///         let mut rows = self.0.lock().unwrap();
///         let outcome = match rows.get(key.as_str()) {
///             Some(row) if row.has_refresh_token(spent) => {
///                 rows.insert(key.as_str().to_owned(), fresh);
///                 Replaced::Stored
///             }
///             other => Replaced::Conflict(other.cloned()),
///         };
///         Box::pin(async move { Ok(outcome) })
///     }
///     fn clear<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, ()> {
///         self.0.lock().unwrap().remove(key.as_str());
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait TokenStore: Send + Sync + std::fmt::Debug {
    /// The tokens stored for `key`, if any.
    fn load<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, Option<StoredTokens>>;

    /// Stores `tokens` for `key` unconditionally (a sign-in, or tokens set
    /// by the application).
    fn save<'a>(&'a self, key: &'a SessionKey, tokens: StoredTokens) -> StoreFuture<'a, ()>;

    /// Stores `fresh` for `key` only if the stored refresh token is still
    /// `spent`, atomically; otherwise writes nothing and returns what is
    /// stored ([`Replaced::Conflict`]).
    fn replace<'a>(
        &'a self,
        key: &'a SessionKey,
        spent: &'a SecretString,
        fresh: StoredTokens,
    ) -> StoreFuture<'a, Replaced>;

    /// Forgets the tokens of `key`.
    fn clear<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, ()>;

    /// Replaces the access token `stale` of `key` with fresh tokens, calling
    /// `refresh` at most once, and returns the tokens now stored.
    ///
    /// The client calls this with at most one refresh in flight per key
    /// within a process, and awaits it to its end even when every caller
    /// has stopped waiting. A store shared by several processes overrides
    /// it to make the refresh single-flight across all of them (a lease,
    /// and waiters that adopt the holder's tokens).
    ///
    /// The default loads the stored tokens; if their access token is no
    /// longer `stale`, someone else already refreshed and they are
    /// returned. Otherwise it refreshes with the stored refresh token and
    /// keeps the result with [`keep_refreshed`]; after `invalid_grant` it
    /// adopts tokens someone else stored meanwhile ([`adopt_after_invalid_grant`]).
    fn refresh_exclusive<'a>(
        &'a self,
        key: &'a SessionKey,
        stale: &'a SecretString,
        refresh: Refresher<'a>,
    ) -> RefreshFuture<'a> {
        Box::pin(async move {
            let current = self
                .load(key)
                .await
                .map_err(store_err)?
                .ok_or(AuthError::NoToken)?;
            if !current.has_access_token(stale) {
                return Ok(current);
            }
            let spent = current.refresh_token.ok_or(AuthError::NoRefreshToken)?;
            match refresh(spent.clone()).await {
                Ok(fresh) => keep_refreshed(self, key, &spent, fresh).await,
                Err(e) if is_invalid_grant(&e) => {
                    adopt_after_invalid_grant(self, key, &spent, Duration::ZERO).await
                }
                Err(e) => Err(e),
            }
        })
    }
}

/// Writes refreshed tokens with [`TokenStore::replace`], trying three times
/// when the store fails. Returns the tokens to use: `fresh`, or the newer
/// ones another party stored first.
///
/// A store that keeps failing is [`AuthError::TokensNotKept`]: the
/// rotation happened, but its tokens are not stored.
pub async fn keep_refreshed<S: TokenStore + ?Sized>(
    store: &S,
    key: &SessionKey,
    spent: &SecretString,
    fresh: StoredTokens,
) -> Result<StoredTokens, Error> {
    let mut pause = Duration::from_millis(50);
    let mut last = String::new();
    for attempt in 1..=3 {
        match store.replace(key, spent, fresh.clone()).await {
            Ok(Replaced::Stored) => return Ok(fresh),
            Ok(Replaced::Conflict(Some(current))) => return Ok(current),
            Ok(Replaced::Conflict(None)) => return Err(AuthError::NoToken.into()),
            Err(e) => last = e.0,
        }
        if attempt < 3 {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    Err(AuthError::TokensNotKept(last).into())
}

/// After `invalid_grant` for the refresh token `spent`: the tokens another
/// party stored meanwhile (re-reading for up to `wait`, for a refresher in
/// another process that has not written yet), or
/// [`AuthError::ConsentRequired`] when the store still holds `spent`.
pub async fn adopt_after_invalid_grant<S: TokenStore + ?Sized>(
    store: &S,
    key: &SessionKey,
    spent: &SecretString,
    wait: Duration,
) -> Result<StoredTokens, Error> {
    let until = tokio::time::Instant::now() + wait;
    let mut pause = Duration::from_millis(20);
    loop {
        let current = store
            .load(key)
            .await
            .map_err(store_err)?
            .ok_or(AuthError::NoToken)?;
        if !current.has_refresh_token(spent) {
            return Ok(current);
        }
        let now = tokio::time::Instant::now();
        if now >= until {
            return Err(AuthError::ConsentRequired.into());
        }
        tokio::time::sleep(pause.min(until - now)).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

/// Whether a refresh failed because the refresh token is not (or no
/// longer) valid.
pub(crate) fn is_invalid_grant(error: &Error) -> bool {
    error.code() == Some(&ErrorCode::InvalidGrant)
}

/// The default [`TokenStore`]: every user's tokens in this process's
/// memory, until they are cleared or the process ends. For a backend with
/// several replicas, or one that restarts, use a shared store.
#[derive(Default)]
pub struct InMemoryTokenStore(Mutex<HashMap<SessionKey, StoredTokens>>);

/// Shows how many sessions hold tokens, nothing of them.
impl std::fmt::Debug for InMemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryTokenStore")
            .field("sessions", &self.len())
            .finish()
    }
}

impl InMemoryTokenStore {
    /// How many sessions hold tokens.
    pub fn len(&self) -> usize {
        self.0.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no session holds tokens.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl TokenStore for InMemoryTokenStore {
    fn load<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, Option<StoredTokens>> {
        let v = self
            .0
            .lock()
            .map(|g| g.get(key.as_str()).cloned())
            .unwrap_or(None);
        Box::pin(async move { Ok(v) })
    }

    fn save<'a>(&'a self, key: &'a SessionKey, tokens: StoredTokens) -> StoreFuture<'a, ()> {
        if let Ok(mut g) = self.0.lock() {
            g.insert(key.clone(), tokens);
        }
        Box::pin(async { Ok(()) })
    }

    fn replace<'a>(
        &'a self,
        key: &'a SessionKey,
        spent: &'a SecretString,
        fresh: StoredTokens,
    ) -> StoreFuture<'a, Replaced> {
        let outcome = match self.0.lock() {
            Ok(mut g) => match g.get(key.as_str()) {
                Some(current) if current.has_refresh_token(spent) => {
                    g.insert(key.clone(), fresh);
                    Ok(Replaced::Stored)
                }
                other => Ok(Replaced::Conflict(other.cloned())),
            },
            Err(_) => Err(StoreError("in-memory token store poisoned".into())),
        };
        Box::pin(async move { outcome })
    }

    fn clear<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, ()> {
        if let Ok(mut g) = self.0.lock() {
            g.remove(key.as_str());
        }
        Box::pin(async { Ok(()) })
    }
}

pub(crate) fn store_err(e: StoreError) -> Error {
    Error::Auth(AuthError::Store(e.0))
}

/// Constant-time equality of two secrets.
pub(crate) fn same_secret(a: &SecretString, b: &SecretString) -> bool {
    bool::from(
        a.expose_secret()
            .as_bytes()
            .ct_eq(b.expose_secret().as_bytes()),
    )
}
