//! The connection to Redis, the key layout and the settings.

use std::sync::Arc;
use std::time::Duration;

use digilocker_authpartner::auth::StoreError;
use digilocker_authpartner::{AuthError, Error};
use redis::FromRedisValue;
use redis::aio::ConnectionManager;

use crate::EncryptionKey;
use crate::cipher::is_sealed;

/// A shared Redis store for every user's tokens (a
/// [`TokenStore`](digilocker_authpartner::auth::TokenStore): give it to
/// `ClientBuilder::token_store`) and for pending authorizations bound to
/// their browser session (a
/// [`PendingStore`](digilocker_authpartner::auth::PendingStore)).
///
/// Cheap to clone: clones share one multiplexed connection that reconnects
/// on its own after Redis restarts.
#[derive(Clone)]
pub struct RedisStore {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) conn: ConnectionManager,
    pub(crate) prefix: String,
    pub(crate) key: Option<EncryptionKey>,
    pub(crate) settings: Settings,
}

/// Timings of a [`RedisStore`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    pub(crate) lease_ttl: Duration,
    pub(crate) lease_wait: Duration,
    pub(crate) refresh_grace: Duration,
    pub(crate) poll_min: Duration,
    pub(crate) poll_max: Duration,
    pub(crate) session_ttl: Duration,
    pub(crate) pending_ttl: Duration,
    pub(crate) command_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lease_ttl: Duration::from_secs(5),
            lease_wait: Duration::from_secs(60),
            refresh_grace: Duration::from_secs(30),
            poll_min: Duration::from_millis(10),
            poll_max: Duration::from_millis(200),
            session_ttl: Duration::from_secs(30 * 24 * 60 * 60),
            pending_ttl: Duration::from_secs(10 * 60),
            command_timeout: Duration::from_secs(2),
        }
    }
}

/// Configures a [`RedisStore`]. Start with [`RedisStore::builder`].
#[must_use]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    key: Option<EncryptionKey>,
    settings: Settings,
}

impl std::fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: not shown.
        f.debug_struct("RedisStoreBuilder")
            .field("prefix", &self.prefix)
            .field("encrypted", &self.key.is_some())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.inner.prefix)
            .field("encrypted", &self.inner.key.is_some())
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    /// Prefix of every key this store writes (default `digilocker`), so
    /// several applications can share one Redis.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Encrypt every stored value with `key` (off by default: the key must
    /// be the same on every replica, so only the partner can supply it).
    pub fn encryption_key(mut self, key: EncryptionKey) -> Self {
        self.key = Some(key);
        self
    }

    /// How long a refresh lease lives without renewal (default 5 s). The
    /// holder renews it every third of this while its refresh runs; a holder
    /// that dies loses it at most this long after its last renewal.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.settings.lease_ttl = ttl.max(Duration::from_millis(100));
        self
    }

    /// How long a replica waits for another replica's refresh (polling
    /// the stored tokens) before it gives up with `Error::Timeout`
    /// (default 60 s).
    pub fn lease_wait(mut self, wait: Duration) -> Self {
        self.settings.lease_wait = wait;
        self
    }

    /// How long a replica that takes a refresh lease over waits for the
    /// previous holder's result when that holder had already sent the
    /// refresh token (default 30 s, the client's read-idle timeout). A
    /// holder paused or stalled past the lease TTL then still stores its
    /// rotation, and nobody spends the same refresh token twice; only a
    /// holder silent for longer than this is presumed dead, and the token
    /// is sent again.
    pub fn refresh_grace(mut self, grace: Duration) -> Self {
        self.settings.refresh_grace = grace;
        self
    }

    /// How long Redis keeps a session after its access token expired
    /// (default 30 days): the refresh token's lifetime, which DigiLocker's
    /// token response does not state.
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.settings.session_ttl = ttl;
        self
    }

    /// How long a pending authorization waits for its callback (default 10 min).
    pub fn pending_ttl(mut self, ttl: Duration) -> Self {
        self.settings.pending_ttl = ttl.max(Duration::from_millis(1));
        self
    }

    /// The deadline of one Redis command, connecting included (default 2 s).
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.settings.command_timeout = timeout;
        self
    }

    /// Connects and checks the connection with a `PING`; an unreachable
    /// Redis is [`AuthError::Store`](digilocker_authpartner::AuthError::Store)
    /// with the cause.
    pub async fn connect(self) -> Result<RedisStore, Error> {
        self.open_connection()
            .await
            .map_err(|e| Error::Auth(AuthError::Store(e.0)))
    }

    async fn open_connection(self) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(self.url.as_str())
            .map_err(|e| StoreError(format!("invalid Redis URL: {e}")))?;
        let timeout = self.settings.command_timeout;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| redis_error("connecting", e))?;
        let store = RedisStore {
            inner: Arc::new(Inner {
                conn,
                prefix: self.prefix,
                key: self.key,
                settings: self.settings,
            }),
        };
        let _: String = store.query("PING", redis::cmd("PING")).await?;
        Ok(store)
    }
}

impl RedisStore {
    /// Starts configuring a store for the Redis at `url`
    /// (`redis://[:password@]host:port[/db]`, or `rediss://` with a TLS
    /// feature of the `redis` crate).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: "digilocker".into(),
            key: None,
            settings: Settings::default(),
        }
    }

    /// Connects with the default settings.
    pub async fn connect(url: impl Into<String>) -> Result<Self, Error> {
        Self::builder(url).connect().await
    }

    pub(crate) fn key_name(&self, kind: &str, id: &str) -> String {
        format!("{}:{kind}:{id}", self.inner.prefix)
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Runs one command within the command timeout; failures name `what`.
    pub(crate) async fn query<T: FromRedisValue>(
        &self,
        what: &str,
        cmd: redis::Cmd,
    ) -> Result<T, StoreError> {
        let mut conn = self.inner.conn.clone();
        self.bounded(what, cmd.query_async::<T>(&mut conn)).await
    }

    /// Runs a Lua script within the command timeout.
    pub(crate) async fn script<T: FromRedisValue>(
        &self,
        what: &str,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let mut conn = self.inner.conn.clone();
        self.bounded(what, invocation.invoke_async::<T>(&mut conn))
            .await
    }

    async fn bounded<T>(
        &self,
        what: &str,
        run: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.inner.settings.command_timeout, run).await {
            Ok(result) => result.map_err(|e| redis_error(what, e)),
            Err(_) => Err(StoreError(format!("Redis {what}: timed out"))),
        }
    }

    /// The stored form of `plain` under `key_name`: encrypted when a key is set.
    pub(crate) fn seal(&self, key_name: &str, plain: String) -> Result<Vec<u8>, StoreError> {
        match &self.inner.key {
            Some(key) => key.seal(key_name, plain.as_bytes()),
            None => Ok(plain.into_bytes()),
        }
    }

    /// The plain form of a stored value.
    pub(crate) fn open(&self, key_name: &str, value: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        match &self.inner.key {
            Some(key) => key.open(key_name, &value),
            None if is_sealed(&value) => Err(StoreError(
                "stored value is encrypted but no encryption key is set".into(),
            )),
            None => Ok(value),
        }
    }
}

/// A Redis failure as a [`StoreError`] naming the command and the cause.
pub(crate) fn redis_error(what: &str, e: redis::RedisError) -> StoreError {
    StoreError(format!("Redis {what}: {e}"))
}
