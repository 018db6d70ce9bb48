//! Pending authorizations bound to the browser session that started them,
//! so a callback presented by another browser (login CSRF, RFC 6749
//! §10.12, RFC 9700 §4.7) is refused before any code is exchanged.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Callback, PendingAuthorization};
use crate::{AuthError, Error, ValidationError};

/// The shortest [`SessionBinding`] accepted, in bytes.
pub const MIN_BINDING_LEN: usize = 16;

/// The browser session a sign-in belongs to: the id of your server-side
/// session (the value behind the session cookie), or another secret only
/// that browser presents.
///
/// At least [`MIN_BINDING_LEN`] bytes, so it cannot be guessed. Kept as a
/// secret: its `Debug` shows nothing of it, and stores keep only its
/// SHA-256 fingerprint.
#[derive(Clone)]
pub struct SessionBinding(SecretString);

impl SessionBinding {
    /// Checks `value` and makes it a binding.
    ///
    /// ```
    /// use digilocker_authpartner::auth::SessionBinding;
    ///
    /// assert!(SessionBinding::new("9b1f0c7e-5d2a-4c8e-b3a1-2f6d8e0a4c71").is_ok());
    /// assert!(SessionBinding::new("short").is_err());
    /// ```
    pub fn new(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        if value.len() < MIN_BINDING_LEN {
            return Err(ValidationError::new(
                "session_binding",
                format!("is shorter than {MIN_BINDING_LEN} bytes"),
            )
            .into());
        }
        Ok(Self(SecretString::from(value)))
    }

    fn fingerprint(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update(b"digilocker-authpartner session binding v1\0");
        hash.update(self.0.expose_secret().as_bytes());
        hash.finalize().into()
    }

    /// The fingerprint stored with a bound record, as lowercase hex.
    pub(crate) fn fingerprint_hex(&self) -> String {
        hex::encode(self.fingerprint())
    }

    /// Whether `stored` (hex) is this binding's fingerprint, in constant time.
    pub(crate) fn matches_hex(&self, stored: &str) -> bool {
        let mine = self.fingerprint_hex();
        stored.len() == mine.len() && bool::from(stored.as_bytes().ct_eq(mine.as_bytes()))
    }
}

impl std::fmt::Debug for SessionBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionBinding(..)")
    }
}

/// The future of a [`PendingStore`] call.
pub type PendingFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Keeps pending authorizations between the redirect to DigiLocker and the
/// callback, looked up by `state`, and bound to the browser session that
/// started each one.
///
/// Every implementation keeps the record of
/// [`PendingAuthorization::to_json_bound`] and reads it back with
/// [`PendingAuthorization::from_json_bound`], so the binding is checked the
/// same way everywhere: a callback presented with another binding is
/// [`AuthError::SessionBindingMismatch`], and its pending authorization is
/// discarded (a stolen callback is burnt, not kept for a second try).
pub trait PendingStore: Send + Sync + std::fmt::Debug {
    /// Keeps `pending`, bound to `binding`, until its callback arrives.
    fn put<'a>(
        &'a self,
        pending: &'a PendingAuthorization,
        binding: &'a SessionBinding,
    ) -> PendingFuture<'a, ()>;

    /// Takes the pending authorization that `callback` (the redirect URL
    /// or its query) answers, at most once, if `binding` is the browser
    /// session it was bound to.
    ///
    /// A `state` that matches nothing stored (forged, expired or already
    /// used) is [`AuthError::StateMismatch`].
    fn take<'a>(
        &'a self,
        callback: &'a str,
        binding: &'a SessionBinding,
    ) -> PendingFuture<'a, PendingAuthorization>;
}

/// The `state` a callback answers, or [`AuthError::StateMismatch`].
pub fn callback_state(callback: &str) -> Result<String, Error> {
    let parsed = Callback::parse(callback)?;
    Ok(parsed.state().ok_or(AuthError::StateMismatch)?.to_string())
}

/// A [`PendingStore`] in this process's memory, for a backend with a single
/// replica. Records expire after the TTL (default 10 minutes), and at most
/// `capacity` (default 100 000) are kept: beyond that, `put` fails rather
/// than grow.
#[derive(Debug)]
pub struct InMemoryPendingStore {
    records: Mutex<HashMap<String, (Instant, String)>>,
    ttl: Duration,
    capacity: usize,
}

impl Default for InMemoryPendingStore {
    fn default() -> Self {
        Self::new(Duration::from_secs(600), 100_000)
    }
}

impl InMemoryPendingStore {
    /// A store whose records live `ttl` and which holds at most `capacity`.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            records: Mutex::default(),
            ttl,
            capacity,
        }
    }

    /// How many pending authorizations are kept (expired ones included
    /// until the next `put`).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, String)>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl PendingStore for InMemoryPendingStore {
    fn put<'a>(
        &'a self,
        pending: &'a PendingAuthorization,
        binding: &'a SessionBinding,
    ) -> PendingFuture<'a, ()> {
        let outcome = {
            let mut records = self.lock();
            let now = Instant::now();
            records.retain(|_, (expires, _)| *expires > now);
            if records.contains_key(pending.state()) {
                Err(AuthError::Store(
                    "a pending authorization with this state is already stored".into(),
                ))
            } else if records.len() >= self.capacity {
                Err(AuthError::Store(format!(
                    "{} pending authorizations are waiting: the store is full",
                    records.len()
                )))
            } else {
                records.insert(
                    pending.state().to_string(),
                    (now + self.ttl, pending.to_json_bound(binding)),
                );
                Ok(())
            }
        };
        Box::pin(async move { outcome.map_err(Error::Auth) })
    }

    fn take<'a>(
        &'a self,
        callback: &'a str,
        binding: &'a SessionBinding,
    ) -> PendingFuture<'a, PendingAuthorization> {
        let outcome = callback_state(callback).and_then(|state| {
            let record = self.lock().remove(&state);
            match record {
                Some((expires, json)) if expires > Instant::now() => {
                    PendingAuthorization::from_json_bound(json.as_bytes(), binding)
                }
                _ => Err(AuthError::StateMismatch.into()),
            }
        });
        Box::pin(async move { outcome })
    }
}
