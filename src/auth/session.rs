//! Per-user sessions: the key that names an end user's tokens, the
//! registry that gives every handle of one key the same slot, and the
//! single-flight refresh that lives in that slot.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::watch;

use super::store::{Refresher, StoredTokens, TokenStore, same_secret, store_err};
use crate::{AuthError, Error, ValidationError};

/// The longest [`SessionKey`], in bytes.
pub const MAX_SESSION_KEY_LEN: usize = 512;

/// Names one end user's session in the token store: your id for the user
/// (an account id, or a server-side session id).
///
/// Non-empty, at most [`MAX_SESSION_KEY_LEN`] bytes, no control
/// characters. Its `Debug` shows only its length: a session id can be as
/// good as a password.
#[derive(Clone)]
pub struct SessionKey(Arc<str>);

impl SessionKey {
    /// Checks `key` and makes it a session key.
    ///
    /// ```
    /// use digilocker_authpartner::auth::SessionKey;
    ///
    /// assert!(SessionKey::new("user-42").is_ok());
    /// assert!(SessionKey::new("").is_err());
    /// ```
    pub fn new(key: impl AsRef<str>) -> Result<Self, Error> {
        let key = key.as_ref();
        let reason = if key.trim().is_empty() {
            Some("is empty")
        } else if key.len() > MAX_SESSION_KEY_LEN {
            Some("is longer than 512 bytes")
        } else if key.chars().any(char::is_control) {
            Some("contains a control character")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(ValidationError::new("session_key", reason).into()),
            None => Ok(Self(Arc::from(key))),
        }
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionKey({} bytes)", self.0.len())
    }
}

impl PartialEq for SessionKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for SessionKey {}

impl Hash for SessionKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Borrow<str> for SessionKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// The live session slots of one client, by key. An entry lives only while
/// a handle (or a refresh in flight) holds its slot.
#[derive(Default)]
pub(crate) struct Registry {
    slots: Mutex<HashMap<SessionKey, Weak<SessionSlot>>>,
}

/// Shows how many sessions are live, none of their keys.
impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("live", &self.live())
            .finish()
    }
}

impl Registry {
    /// The slot of `key`: the live one if any handle holds it, else a new one.
    pub(crate) fn slot(self: &Arc<Self>, key: &str) -> Result<Arc<SessionSlot>, Error> {
        let mut slots = self.lock();
        if let Some(live) = slots.get(key).and_then(Weak::upgrade) {
            return Ok(live);
        }
        let key = SessionKey::new(key)?;
        let slot = Arc::new(SessionSlot {
            key: key.clone(),
            registry: Arc::downgrade(self),
            inflight: Mutex::new(None),
            unsaved: Mutex::new(None),
        });
        slots.insert(key, Arc::downgrade(&slot));
        Ok(slot)
    }

    /// How many keys have a live slot.
    pub(crate) fn live(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionKey, Weak<SessionSlot>>> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every operation is one insert or remove).
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Tokens refreshed in this process whose write to the store failed: kept
/// here and written again before the session's next call.
#[derive(Debug)]
struct Unsaved {
    spent: SecretString,
    fresh: StoredTokens,
}

/// One end user's session within a process: shared by every handle of its
/// key, it holds the refresh in flight.
#[derive(Debug)]
pub(crate) struct SessionSlot {
    key: SessionKey,
    registry: Weak<Registry>,
    inflight: Mutex<Option<watch::Receiver<Option<Outcome>>>>,
    unsaved: Mutex<Option<Unsaved>>,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let Some(registry) = self.registry.upgrade() else {
            return;
        };
        let mut slots = registry.lock();
        // Another handle may have made a new slot for the key meanwhile.
        if slots
            .get(self.key.as_str())
            .is_some_and(|w| w.strong_count() == 0)
        {
            slots.remove(self.key.as_str());
        }
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

/// Publishes a refresh's outcome and clears the slot however the refresh
/// task ends: with an outcome, an error, a panic or its cancellation.
struct Publisher {
    slot: Arc<SessionSlot>,
    sender: watch::Sender<Option<Outcome>>,
}

impl Publisher {
    fn publish(&self, outcome: Outcome) {
        // Clear first, so no new caller joins a finished refresh; waiters
        // already holding a receiver still get the outcome.
        if let Ok(mut inflight) = self.slot.inflight.lock()
            && inflight
                .as_ref()
                .is_some_and(|r| r.same_channel(&self.sender.subscribe()))
        {
            *inflight = None;
        }
        self.sender.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(outcome);
                true
            } else {
                false
            }
        });
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        // A no-op after `publish`; after a panic or a cancelled task the
        // waiters learn that this refresh has no outcome.
        self.publish(Outcome::Failed(SharedFailure::Auth(
            AuthError::RefreshFailed {
                status: None,
                code: None,
            },
        )));
    }
}

impl SessionSlot {
    /// The session's key.
    pub(crate) fn key(&self) -> &SessionKey {
        &self.key
    }

    /// Writes tokens whose earlier write failed; the caller's call then
    /// uses them. `None` when there are none.
    async fn write_unsaved(&self, store: &dyn TokenStore) -> Result<Option<StoredTokens>, Error> {
        let pending = match self.unsaved.lock() {
            Ok(mut g) => g.take(),
            Err(_) => None,
        };
        let Some(Unsaved { spent, fresh }) = pending else {
            return Ok(None);
        };
        match super::store::keep_refreshed(store, &self.key, &spent, fresh.clone()).await {
            Ok(kept) => Ok(Some(kept)),
            Err(e) => {
                if let Ok(mut g) = self.unsaved.lock() {
                    *g = Some(Unsaved { spent, fresh });
                }
                Err(e)
            }
        }
    }

    fn has_unsaved(&self) -> bool {
        self.unsaved.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    /// The stored tokens.
    pub(crate) async fn load(&self, store: &dyn TokenStore) -> Result<Option<StoredTokens>, Error> {
        if self.has_unsaved()
            && let Some(kept) = Box::pin(self.write_unsaved(store)).await?
        {
            return Ok(Some(kept));
        }
        store.load(&self.key).await.map_err(store_err)
    }

    /// A usable access token, refreshed first when it expires within `skew`.
    pub(crate) async fn access_token(
        self: &Arc<Self>,
        client: &crate::Client,
        store: &dyn TokenStore,
        skew: Duration,
    ) -> Result<SecretString, Error> {
        let tokens = self.load(store).await?.ok_or(AuthError::NoToken)?;
        if !tokens.expires_within(skew) {
            return Ok(tokens.access_token);
        }
        // Boxed: refreshes are rare, and their state would otherwise
        // enlarge the future of every call.
        Ok(Box::pin(self.refresh_shared(client, &tokens.access_token))
            .await?
            .access_token)
    }

    /// Replaces the access token `stale`, with one refresh in flight per
    /// session in this process: every caller that arrives while it runs
    /// waits for it and gets its outcome, success or failure.
    ///
    /// The refresh runs in its own task and is awaited to its end, so a
    /// refresh request that was sent always has its response kept; each
    /// caller waits at most the client's refresh timeout.
    pub(crate) async fn refresh_shared(
        self: &Arc<Self>,
        client: &crate::Client,
        stale: &SecretString,
    ) -> Result<StoredTokens, Error> {
        let mut receiver = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            match inflight.as_ref() {
                Some(running) => running.clone(),
                None => {
                    let (sender, receiver) = watch::channel(None);
                    *inflight = Some(receiver.clone());
                    let publisher = Publisher {
                        slot: Arc::clone(self),
                        sender,
                    };
                    spawn_refresh(client.clone(), stale.clone(), publisher);
                    receiver
                }
            }
        };
        let wait = client.config().timeouts.refresh;
        let outcome = match tokio::time::timeout(wait, receiver.wait_for(Option::is_some)).await {
            Ok(Ok(outcome)) => outcome.clone(),
            // The publisher always sends before it is dropped.
            Ok(Err(_)) => None,
            Err(_) => {
                return Err(Error::Timeout {
                    operation: Some("get_access_token"),
                });
            }
        };
        match outcome {
            Some(Outcome::Refreshed(tokens)) => Ok(tokens),
            Some(Outcome::Failed(failure)) => Err(failure.to_error()),
            None => Err(Error::Auth(AuthError::RefreshFailed {
                status: None,
                code: None,
            })),
        }
    }
}

/// Runs the refresh of `stale` in its own task, to its end, and publishes
/// the outcome.
fn spawn_refresh(client: crate::Client, stale: SecretString, publisher: Publisher) {
    tokio::spawn(async move {
        let slot = Arc::clone(&publisher.slot);
        let store = client.token_store();
        let outcome = match refresh_once(&client, &slot, &*store, &stale).await {
            Ok(tokens) => Outcome::Refreshed(tokens),
            Err(error) => Outcome::Failed(SharedFailure::of(&error)),
        };
        publisher.publish(outcome);
    });
}

/// One refresh through the store, keeping a copy of the fresh tokens in
/// the slot when the store could not write them.
async fn refresh_once(
    client: &crate::Client,
    slot: &SessionSlot,
    store: &dyn TokenStore,
    stale: &SecretString,
) -> Result<StoredTokens, Error> {
    if slot.has_unsaved()
        && let Some(kept) = slot.write_unsaved(store).await?
        && !same_secret(&kept.access_token, stale)
    {
        return Ok(kept);
    }
    let issued: Arc<Mutex<Option<(SecretString, StoredTokens)>>> = Arc::default();
    let refresher: Refresher<'_> = {
        let issued = Arc::clone(&issued);
        Box::new(move |refresh_token: SecretString| {
            Box::pin(async move {
                let response = client.refresh_with(refresh_token.clone()).await;
                let response = response.map_err(|e| SharedFailure::of(&e).to_error())?;
                let fresh = StoredTokens::refreshed(&response, refresh_token.clone());
                if let Ok(mut g) = issued.lock() {
                    *g = Some((refresh_token, fresh.clone()));
                }
                Ok(fresh)
            })
        })
    };
    let result = store.refresh_exclusive(&slot.key, stale, refresher).await;
    if let Err(Error::Auth(AuthError::TokensNotKept(_))) = &result
        && let Some((spent, fresh)) = issued.lock().ok().and_then(|mut g| g.take())
        && let Ok(mut unsaved) = slot.unsaved.lock()
    {
        *unsaved = Some(Unsaved { spent, fresh });
    }
    result
}
