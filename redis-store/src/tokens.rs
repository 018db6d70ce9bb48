//! Every user's tokens in Redis, keyed by session key, with writes of
//! refreshed tokens fenced on the refresh token they replace, and a refresh
//! that is single-flight across every process sharing the store.

use std::sync::LazyLock;
use std::time::Duration;

use digilocker_authpartner::auth::{
    RefreshFuture, Refresher, Replaced, SessionKey, StoreError, StoreFuture, StoredTokens,
    TokenStore, adopt_after_invalid_grant, keep_refreshed,
};
use digilocker_authpartner::{AuthError, Error, ErrorCode};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::RedisStore;
use crate::lease::{Lease, lease_id};

/// Writes `data` and `rt` and sets the expiry, in one step.
static SAVE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "redis.call('HSET', KEYS[1], 'data', ARGV[1], 'rt', ARGV[2]) \
         redis.call('PEXPIRE', KEYS[1], ARGV[3]) \
         return 1",
    )
});

/// Compare-and-set on the refresh token's fingerprint: writes only if the
/// stored `rt` is still the spent one.
static REPLACE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('HGET', KEYS[1], 'rt') == ARGV[1] then \
           redis.call('HSET', KEYS[1], 'data', ARGV[2], 'rt', ARGV[3]) \
           redis.call('PEXPIRE', KEYS[1], ARGV[4]) \
           return 1 \
         else return 0 end",
    )
});

/// The fingerprint of a refresh token kept beside the (possibly encrypted)
/// value, so Redis can compare it: lowercase hex SHA-256. A refresh token
/// is a long random string, so its hash reveals nothing usable.
fn fingerprint(refresh_token: Option<&SecretString>) -> String {
    let Some(token) = refresh_token else {
        return String::from("-");
    };
    let mut hash = Sha256::new();
    hash.update(b"digilocker-authpartner refresh token v1\0");
    hash.update(token.expose_secret().as_bytes());
    hex::encode(hash.finalize())
}

fn store_error(e: StoreError) -> Error {
    Error::Auth(AuthError::Store(e.0))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisStore {
    fn tokens_key(&self, key: &SessionKey) -> String {
        self.key_name("tokens", key.as_str())
    }

    fn lease_key(&self, key: &SessionKey) -> String {
        self.key_name("lease", key.as_str())
    }

    async fn get(&self, key: &SessionKey) -> Result<Option<StoredTokens>, StoreError> {
        let name = self.tokens_key(key);
        let mut cmd = redis::cmd("HGET");
        cmd.arg(&name).arg("data");
        let raw: Option<Vec<u8>> = self.query("HGET tokens", cmd).await?;
        let Some(raw) = raw else { return Ok(None) };
        let plain = self.open(&name, raw)?;
        StoredTokens::from_json(&plain)
            .map(Some)
            .map_err(|e| StoreError(format!("stored tokens: {e}")))
    }

    /// The sealed value, the refresh token's fingerprint and the expiry of `tokens`.
    fn stored_form(
        &self,
        name: &str,
        tokens: &StoredTokens,
    ) -> Result<(Vec<u8>, String, u64), StoreError> {
        let ttl = tokens
            .remaining_lifetime()
            .saturating_add(self.settings().session_ttl);
        let value = self.seal(name, tokens.to_json_exposing_secrets())?;
        Ok((
            value,
            fingerprint(tokens.refresh_token.as_ref()),
            millis(ttl),
        ))
    }

    async fn set(&self, key: &SessionKey, tokens: &StoredTokens) -> Result<(), StoreError> {
        let name = self.tokens_key(key);
        let (value, rt, ttl) = self.stored_form(&name, tokens)?;
        let mut call = SAVE.key(&name);
        call.arg(value).arg(rt).arg(ttl);
        let _: i64 = self.script("save tokens", call).await?;
        Ok(())
    }

    async fn compare_and_set(
        &self,
        key: &SessionKey,
        spent: &SecretString,
        fresh: &StoredTokens,
    ) -> Result<Replaced, StoreError> {
        let name = self.tokens_key(key);
        let (value, rt, ttl) = self.stored_form(&name, fresh)?;
        let mut call = REPLACE.key(&name);
        call.arg(fingerprint(Some(spent)))
            .arg(value)
            .arg(rt)
            .arg(ttl);
        let written: i64 = self.script("replace tokens", call).await?;
        if written == 1 {
            return Ok(Replaced::Stored);
        }
        Ok(Replaced::Conflict(self.get(key).await?))
    }

    async fn del(&self, key: &SessionKey) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.tokens_key(key));
        let _: i64 = self.query("DEL tokens", cmd).await?;
        Ok(())
    }

    /// The stored tokens if their access token is no longer `stale`.
    async fn replaced(
        &self,
        key: &SessionKey,
        stale: &SecretString,
    ) -> Result<Option<StoredTokens>, Error> {
        let current = self
            .get(key)
            .await
            .map_err(store_error)?
            .ok_or(AuthError::NoToken)?;
        Ok((!current.has_access_token(stale)).then_some(current))
    }

    /// Waits for the lease (or for another holder's tokens), at most the
    /// lease wait.
    async fn lease_or_tokens(
        &self,
        key: &SessionKey,
        stale: &SecretString,
    ) -> Result<Result<Lease, StoredTokens>, Error> {
        let id = lease_id().map_err(store_error)?;
        let settings = *self.settings();
        let lease_key = self.lease_key(key);
        let until = tokio::time::Instant::now() + settings.lease_wait;
        let mut pause = settings.poll_min;
        loop {
            if let Some(fresh) = self.replaced(key, stale).await? {
                return Ok(Err(fresh));
            }
            if let Some(lease) = Lease::try_acquire(self, &lease_key, &id)
                .await
                .map_err(store_error)?
            {
                return Ok(Ok(lease));
            }
            if tokio::time::Instant::now() >= until {
                return Err(Error::Timeout {
                    operation: Some("get_access_token"),
                });
            }
            // Another replica refreshes: poll the stored value.
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(settings.poll_max);
        }
    }

    /// Runs `work` to its end while renewing `lease`. A lost lease (a
    /// Redis stall, or this process paused past the TTL) stops the
    /// renewals but not the work: a refresh's response carries the only
    /// valid refresh token if the server processed the request, and the
    /// write that follows is fenced on the spent token, so it never
    /// overwrites what another holder stored.
    async fn holding<T>(&self, lease: &Lease, work: impl std::future::Future<Output = T>) -> T {
        let every = (self.settings().lease_ttl / 3).max(Duration::from_millis(30));
        let mut renewals = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let mut held = true;
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                outcome = &mut work => return outcome,
                _ = renewals.tick(), if held => {
                    held = matches!(lease.renew().await, Ok(true));
                }
            }
        }
    }

    fn sent_key(&self, key: &SessionKey) -> String {
        self.key_name("sent", key.as_str())
    }

    /// Records, before sending, that the refresh token `spent` is being
    /// sent, for the refresh grace: a replica that takes the lease over
    /// from this one (paused or stalled past the lease TTL) waits for this
    /// one's result instead of spending the token a second time.
    async fn mark_sent(&self, key: &SessionKey, spent: &SecretString) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.sent_key(key))
            .arg(fingerprint(Some(spent)))
            .arg("PX")
            .arg(millis(self.settings().refresh_grace));
        let _: String = self.query("SET sent", cmd).await?;
        Ok(())
    }

    async fn clear_sent(&self, key: &SessionKey) {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.sent_key(key));
        let _: Result<i64, _> = self.query("DEL sent", cmd).await;
    }

    /// If a previous holder sent `spent` within the refresh grace, the
    /// tokens it stores meanwhile (polling until its mark expires), or
    /// `None` once the mark is gone with nothing stored: that holder is
    /// presumed dead, and the refresh may be sent again.
    async fn previous_holders_tokens(
        &self,
        key: &SessionKey,
        spent: &SecretString,
        stale: &SecretString,
    ) -> Result<Option<StoredTokens>, Error> {
        let mark = fingerprint(Some(spent));
        let settings = *self.settings();
        let mut pause = settings.poll_min;
        loop {
            let mut cmd = redis::cmd("GET");
            cmd.arg(self.sent_key(key));
            let sent: Option<String> = self.query("GET sent", cmd).await.map_err(store_error)?;
            if let Some(fresh) = self.replaced(key, stale).await? {
                return Ok(Some(fresh));
            }
            if sent.as_deref() != Some(mark.as_str()) {
                return Ok(None);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(settings.poll_max);
        }
    }

    async fn refresh_under_lease(
        &self,
        key: &SessionKey,
        stale: &SecretString,
        refresh: Refresher<'_>,
    ) -> Result<StoredTokens, Error> {
        let lease = match self.lease_or_tokens(key, stale).await? {
            Ok(lease) => lease,
            Err(fresh) => return Ok(fresh),
        };
        let outcome = self
            .holding(&lease, async {
                // Re-read under the lease: the previous holder may have
                // finished between our last read and taking the lease.
                let current = self
                    .get(key)
                    .await
                    .map_err(store_error)?
                    .ok_or(AuthError::NoToken)?;
                if !current.has_access_token(stale) {
                    return Ok(current);
                }
                let spent = current.refresh_token.ok_or(AuthError::NoRefreshToken)?;
                if let Some(fresh) = self.previous_holders_tokens(key, &spent, stale).await? {
                    return Ok(fresh);
                }
                self.mark_sent(key, &spent).await.map_err(store_error)?;
                let outcome = match refresh(spent.clone()).await {
                    Ok(fresh) => keep_refreshed(self, key, &spent, fresh).await,
                    Err(e) if e.code() == Some(&ErrorCode::InvalidGrant) => {
                        // Spent already: by a holder that stores its result
                        // soon (wait for it one lease TTL), or by one that
                        // died first (consent again).
                        adopt_after_invalid_grant(self, key, &spent, self.settings().lease_ttl)
                            .await
                    }
                    Err(e) => Err(e),
                };
                self.clear_sent(key).await;
                outcome
            })
            .await;
        lease.release().await;
        outcome
    }
}

/// Every user's tokens, by session key: `HGET` of one hash per key on the
/// hot path (no local cache, so a refresh by another replica is seen at
/// once), writes of refreshed tokens as a compare-and-set script, and a
/// refresh under a lease shared by every replica.
impl TokenStore for RedisStore {
    fn load<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, Option<StoredTokens>> {
        Box::pin(self.get(key))
    }

    fn save<'a>(&'a self, key: &'a SessionKey, tokens: StoredTokens) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.set(key, &tokens).await })
    }

    fn replace<'a>(
        &'a self,
        key: &'a SessionKey,
        spent: &'a SecretString,
        fresh: StoredTokens,
    ) -> StoreFuture<'a, Replaced> {
        Box::pin(async move { self.compare_and_set(key, spent, &fresh).await })
    }

    fn clear<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, ()> {
        Box::pin(self.del(key))
    }

    fn refresh_exclusive<'a>(
        &'a self,
        key: &'a SessionKey,
        stale: &'a SecretString,
        refresh: Refresher<'a>,
    ) -> RefreshFuture<'a> {
        Box::pin(self.refresh_under_lease(key, stale, refresh))
    }
}
