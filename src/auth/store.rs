//! Where tokens live, and the single-flight refresh around them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::TokenResponse;
use crate::{AuthError, Error};

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
    fn expires_within(&self, skew: Duration) -> bool {
        SystemTime::now() + skew >= self.expires_at
    }
}

/// A boxed future returned by [`TokenStore`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A failure of a [`TokenStore`], reported as [`AuthError::Store`].
#[derive(Debug)]
pub struct StoreError(pub String);

/// Persists one session's tokens (in memory by default; implement it to keep
/// tokens in a database or an encrypted cookie).
///
/// ```
/// use digilocker_authpartner::auth::{StoreFuture, StoredTokens, TokenStore};
///
/// #[derive(Debug, Default)]
/// struct Nowhere;
///
/// impl TokenStore for Nowhere {
///     fn load(&self) -> StoreFuture<'_, Option<StoredTokens>> {
///         Box::pin(async { Ok(None) })
///     }
///     fn save(&self, _tokens: StoredTokens) -> StoreFuture<'_, ()> {
///         Box::pin(async { Ok(()) })
///     }
///     fn clear(&self) -> StoreFuture<'_, ()> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait TokenStore: Send + Sync + std::fmt::Debug {
    /// The stored tokens, if any.
    fn load(&self) -> StoreFuture<'_, Option<StoredTokens>>;
    /// Replaces the stored tokens.
    fn save(&self, tokens: StoredTokens) -> StoreFuture<'_, ()>;
    /// Forgets the tokens.
    fn clear(&self) -> StoreFuture<'_, ()>;
}

/// The default [`TokenStore`]: tokens in process memory.
#[derive(Debug, Default)]
pub struct InMemoryTokenStore(Mutex<Option<StoredTokens>>);

impl TokenStore for InMemoryTokenStore {
    fn load(&self) -> StoreFuture<'_, Option<StoredTokens>> {
        let v = self.0.lock().map(|g| g.clone()).unwrap_or(None);
        Box::pin(async move { Ok(v) })
    }
    fn save(&self, tokens: StoredTokens) -> StoreFuture<'_, ()> {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(tokens);
        }
        Box::pin(async { Ok(()) })
    }
    fn clear(&self) -> StoreFuture<'_, ()> {
        if let Ok(mut g) = self.0.lock() {
            *g = None;
        }
        Box::pin(async { Ok(()) })
    }
}

/// A client's token store plus the lock that makes refresh single-flight.
#[derive(Debug)]
pub(crate) struct TokenSlot {
    store: std::sync::Arc<dyn TokenStore>,
    refresh: tokio::sync::Mutex<()>,
}

fn store_err(e: StoreError) -> Error {
    Error::Auth(AuthError::Store(e.0))
}

fn same(a: &SecretString, b: &SecretString) -> bool {
    bool::from(
        a.expose_secret()
            .as_bytes()
            .ct_eq(b.expose_secret().as_bytes()),
    )
}

impl TokenSlot {
    pub(crate) fn new(store: std::sync::Arc<dyn TokenStore>) -> Self {
        Self {
            store,
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) async fn load(&self) -> Result<Option<StoredTokens>, Error> {
        self.store.load().await.map_err(store_err)
    }

    pub(crate) async fn save(&self, tokens: StoredTokens) -> Result<(), Error> {
        self.store.save(tokens).await.map_err(store_err)
    }

    pub(crate) async fn clear(&self) -> Result<(), Error> {
        self.store.clear().await.map_err(store_err)
    }

    /// A usable access token, refreshed first when it expires within `skew`.
    pub(crate) async fn access_token(
        &self,
        client: &crate::Client,
        skew: Duration,
    ) -> Result<SecretString, Error> {
        let tokens = self.load().await?.ok_or(AuthError::NoToken)?;
        if !tokens.expires_within(skew) {
            return Ok(tokens.access_token);
        }
        self.refresh_replacing(client, &tokens.access_token, skew)
            .await
    }

    /// Refreshes unless another task already replaced `stale` while this one
    /// waited for the lock: N concurrent callers cause one refresh.
    pub(crate) async fn refresh_replacing(
        &self,
        client: &crate::Client,
        stale: &SecretString,
        skew: Duration,
    ) -> Result<SecretString, Error> {
        let _guard = self.refresh.lock().await;
        let current = self.load().await?.ok_or(AuthError::NoToken)?;
        if !same(&current.access_token, stale) && !current.expires_within(skew) {
            return Ok(current.access_token);
        }
        let refresh_token = current.refresh_token.ok_or(AuthError::NoRefreshToken)?;
        // Boxed: the refresh itself runs through the transport's hooks.
        let response = Box::pin(client.refresh_with(refresh_token))
            .await
            .map_err(|e| {
                Error::Auth(AuthError::RefreshFailed {
                    status: e.status(),
                    code: e.code().cloned(),
                })
            })?;
        self.save(StoredTokens::from(&response)).await?;
        Ok(response.access_token)
    }
}
