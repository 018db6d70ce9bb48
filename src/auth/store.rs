//! Where tokens live, and the single-flight refresh around them.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio::sync::watch;

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

    /// Replaces the access token `stale` with fresh tokens, calling
    /// `refresh` at most once, and returns the tokens now stored.
    ///
    /// The client calls this with at most one refresh in flight per store
    /// within a process. A store shared by several processes overrides it to
    /// make the refresh single-flight across all of them (a lease lock, and
    /// waiters that receive the winner's tokens), because a refresh token is
    /// spent by its first use.
    ///
    /// The default loads the stored tokens; if their access token is no
    /// longer `stale`, someone else already refreshed and they are returned.
    /// Otherwise it refreshes with the stored refresh token and saves the
    /// result.
    fn refresh_exclusive<'a>(
        &'a self,
        stale: &'a SecretString,
        refresh: Refresher<'a>,
    ) -> RefreshFuture<'a> {
        Box::pin(async move {
            let current = self
                .load()
                .await
                .map_err(store_err)?
                .ok_or(AuthError::NoToken)?;
            if !same_secret(&current.access_token, stale) {
                return Ok(current);
            }
            let refresh_token = current.refresh_token.ok_or(AuthError::NoRefreshToken)?;
            let fresh = refresh(refresh_token).await?;
            self.save(fresh.clone()).await.map_err(store_err)?;
            Ok(fresh)
        })
    }
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

/// The outcome of one refresh, shared by every caller that waited for it.
#[derive(Clone, Debug)]
enum Outcome {
    Refreshed(StoredTokens),
    Failed(SharedFailure),
}

/// A refresh failure in a form every waiter can get its own copy of.
#[derive(Clone, Debug)]
enum SharedFailure {
    Timeout,
    Auth(AuthError),
}

impl SharedFailure {
    /// How a failed refresh is reported: timeouts stay timeouts
    /// (retryable); an answer from the server keeps its status and code.
    fn of(error: &Error) -> Self {
        match error {
            Error::Timeout { .. } => Self::Timeout,
            Error::Auth(a) => Self::Auth(a.clone()),
            other => Self::Auth(AuthError::RefreshFailed {
                status: other.status(),
                code: other.code().cloned(),
            }),
        }
    }

    fn to_error(&self) -> Error {
        match self {
            Self::Timeout => Error::Timeout {
                operation: Some("get_access_token"),
            },
            Self::Auth(a) => Error::Auth(a.clone()),
        }
    }
}

/// A refresh in flight: waiters watch for its outcome.
#[derive(Debug)]
struct Inflight {
    outcome: watch::Receiver<Option<Outcome>>,
}

/// A client's token store plus the single-flight refresh around it.
#[derive(Debug)]
pub(crate) struct TokenSlot {
    store: Arc<dyn TokenStore>,
    inflight: Arc<tokio::sync::Mutex<Option<Inflight>>>,
}

fn store_err(e: StoreError) -> Error {
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

impl TokenSlot {
    pub(crate) fn new(store: Arc<dyn TokenStore>) -> Self {
        Self {
            store,
            inflight: Arc::new(tokio::sync::Mutex::new(None)),
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
        // Boxed: refreshes are rare, and their state would otherwise
        // enlarge the future of every call.
        Box::pin(self.refresh_replacing(client, &tokens.access_token, skew)).await
    }

    /// Replaces the access token `stale`, with one refresh in flight per
    /// store: every caller that arrives while it runs waits for it and gets
    /// its outcome, success or failure. The refresh runs in its own task, so
    /// a caller that gives up does not cancel it for the others, and it is
    /// bounded by the client's refresh deadline.
    pub(crate) async fn refresh_replacing(
        &self,
        client: &crate::Client,
        stale: &SecretString,
        skew: Duration,
    ) -> Result<SecretString, Error> {
        Ok(self.refresh_shared(client, stale, skew).await?.access_token)
    }

    /// [`refresh_replacing`](Self::refresh_replacing), returning every stored token.
    pub(crate) async fn refresh_shared(
        &self,
        client: &crate::Client,
        stale: &SecretString,
        skew: Duration,
    ) -> Result<StoredTokens, Error> {
        let mut receiver = {
            let mut inflight = self.inflight.lock().await;
            match inflight.as_ref() {
                Some(running) => running.outcome.clone(),
                None => {
                    // Someone may have refreshed since the caller read `stale`.
                    let current = self.load().await?.ok_or(AuthError::NoToken)?;
                    if !same_secret(&current.access_token, stale) && !current.expires_within(skew) {
                        return Ok(current);
                    }
                    let (sender, receiver) = watch::channel(None);
                    *inflight = Some(Inflight {
                        outcome: receiver.clone(),
                    });
                    self.spawn_refresh(client, current.access_token, sender);
                    receiver
                }
            }
        };
        // The sender lives until it has sent, so `wait_for` only fails if
        // the refresh task panicked.
        let outcome = receiver
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|outcome| outcome.clone());
        match outcome {
            Some(Outcome::Refreshed(tokens)) => Ok(tokens),
            Some(Outcome::Failed(failure)) => Err(failure.to_error()),
            None => Err(Error::Auth(AuthError::RefreshFailed {
                status: None,
                code: None,
            })),
        }
    }

    /// Runs the refresh of `stale` in its own task and publishes the outcome.
    fn spawn_refresh(
        &self,
        client: &crate::Client,
        stale: SecretString,
        sender: watch::Sender<Option<Outcome>>,
    ) {
        let client = client.clone();
        let store = Arc::clone(&self.store);
        let inflight = Arc::clone(&self.inflight);
        let deadline = client.config().timeouts.refresh;
        tokio::spawn(async move {
            let refresher: Refresher<'_> = Box::new(|refresh_token: SecretString| {
                let client = &client;
                Box::pin(async move {
                    let response = client.refresh_with(refresh_token.clone()).await;
                    let response = response.map_err(|e| SharedFailure::of(&e).to_error())?;
                    Ok(StoredTokens::refreshed(&response, refresh_token))
                })
            });
            let run = store.refresh_exclusive(&stale, refresher);
            let outcome = match tokio::time::timeout(deadline, run).await {
                Ok(Ok(tokens)) => Outcome::Refreshed(tokens),
                Ok(Err(error)) => Outcome::Failed(SharedFailure::of(&error)),
                Err(_) => Outcome::Failed(SharedFailure::Timeout),
            };
            // Clear first, under the lock, so no new caller joins a finished
            // refresh; waiters already holding a receiver still get `outcome`.
            let mut slot = inflight.lock().await;
            *slot = None;
            let _ = sender.send(Some(outcome));
        });
    }
}
