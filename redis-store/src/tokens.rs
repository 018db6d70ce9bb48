//! One user's tokens in Redis, with a refresh that is single-flight across
//! every process sharing the store.

use std::time::Duration;

use digilocker_authpartner::auth::{
    RefreshFuture, Refresher, StoreError, StoreFuture, StoredTokens, TokenStore,
};
use digilocker_authpartner::{AuthError, Error, ErrorCode};
use secrecy::{ExposeSecret, SecretString};

use crate::RedisStore;
use crate::lease::{Lease, lease_id};

/// The tokens of one user key in a [`RedisStore`]; made by
/// [`RedisStore::tokens`]. Give it to a `Client` with
/// `Client::with_token_store` (one client per user).
///
/// Every call reads the tokens with one `GET` (no local cache, so a refresh
/// by another replica is seen at once). A refresh takes a lease in Redis
/// first: one refresh per user key across all replicas, and the others wait
/// for its tokens instead of spending the refresh token again.
pub struct RedisTokenStore {
    store: RedisStore,
    user_key: String,
    tokens_key: String,
    lease_key: String,
}

impl std::fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("user_key", &self.user_key)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// The token store of `user_key` (your id for the end user, e.g. a
    /// session or account id; any string).
    pub fn tokens(&self, user_key: impl Into<String>) -> RedisTokenStore {
        let user_key = user_key.into();
        RedisTokenStore {
            tokens_key: self.key_name("tokens", &user_key),
            lease_key: self.key_name("lease", &user_key),
            store: self.clone(),
            user_key,
        }
    }
}

/// Constant-time comparison of two tokens.
fn same(a: &SecretString, b: &SecretString) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(
        a.expose_secret()
            .as_bytes()
            .ct_eq(b.expose_secret().as_bytes()),
    )
}

fn store_error(e: StoreError) -> Error {
    Error::Auth(AuthError::Store(e.0))
}

impl RedisTokenStore {
    /// The user key this store is for.
    pub fn user_key(&self) -> &str {
        &self.user_key
    }

    async fn get(&self) -> Result<Option<StoredTokens>, StoreError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(&self.tokens_key);
        let raw: Option<Vec<u8>> = self.store.query("GET tokens", cmd).await?;
        let Some(raw) = raw else { return Ok(None) };
        let plain = self.store.open(&self.tokens_key, raw)?;
        StoredTokens::from_json(&plain)
            .map(Some)
            .map_err(|e| StoreError(format!("stored tokens: {e}")))
    }

    async fn set(&self, tokens: &StoredTokens) -> Result<(), StoreError> {
        let ttl = tokens
            .remaining_lifetime()
            .saturating_add(self.store.settings().session_ttl);
        let value = self
            .store
            .seal(&self.tokens_key, tokens.to_json_exposing_secrets())?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(&self.tokens_key)
            .arg(value)
            .arg("PX")
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        let _: String = self.store.query("SET tokens", cmd).await?;
        Ok(())
    }

    async fn del(&self) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(&self.tokens_key);
        let _: i64 = self.store.query("DEL tokens", cmd).await?;
        Ok(())
    }

    /// The stored tokens if their access token is no longer `stale`.
    async fn replaced(&self, stale: &SecretString) -> Result<Option<StoredTokens>, Error> {
        let current = self
            .get()
            .await
            .map_err(store_error)?
            .ok_or(AuthError::NoToken)?;
        Ok((!same(&current.access_token, stale)).then_some(current))
    }

    /// Waits for the lease (or for another holder's tokens).
    async fn lease_or_tokens(
        &self,
        stale: &SecretString,
    ) -> Result<Result<Lease, StoredTokens>, Error> {
        let id = lease_id().map_err(store_error)?;
        let settings = *self.store.settings();
        let mut pause = settings.poll_min;
        loop {
            if let Some(fresh) = self.replaced(stale).await? {
                return Ok(Err(fresh));
            }
            if let Some(lease) = Lease::try_acquire(&self.store, &self.lease_key, &id)
                .await
                .map_err(store_error)?
            {
                return Ok(Ok(lease));
            }
            // Another replica refreshes: poll the stored value (bounded by
            // the client's refresh deadline around this call).
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(settings.poll_max);
        }
    }

    /// Runs `refresh` while renewing `lease`.
    async fn refresh_holding(
        &self,
        lease: &Lease,
        refresh_token: SecretString,
        refresh: Refresher<'_>,
    ) -> Result<StoredTokens, Error> {
        let every = (self.store.settings().lease_ttl / 3).max(Duration::from_millis(30));
        let mut run = refresh(refresh_token);
        let mut renewals = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tokio::select! {
                outcome = &mut run => return outcome,
                _ = renewals.tick() => {
                    // A failed renewal is not fatal: the refresh goes on, and
                    // if another replica took over, the loser of the two sees
                    // `invalid_grant` and picks up the winner's tokens.
                    let _ = lease.renew().await;
                }
            }
        }
    }

    async fn refresh_under_lease(
        &self,
        stale: &SecretString,
        refresh: Refresher<'_>,
    ) -> Result<StoredTokens, Error> {
        let lease = match self.lease_or_tokens(stale).await? {
            Ok(lease) => lease,
            Err(fresh) => return Ok(fresh),
        };
        let outcome = async {
            // Re-read under the lease: the previous holder may have finished
            // between our last read and taking the lease.
            let current = self
                .get()
                .await
                .map_err(store_error)?
                .ok_or(AuthError::NoToken)?;
            if !same(&current.access_token, stale) {
                return Ok(current);
            }
            let refresh_token = current.refresh_token.ok_or(AuthError::NoRefreshToken)?;
            match self.refresh_holding(&lease, refresh_token, refresh).await {
                Ok(fresh) => {
                    self.set(&fresh).await.map_err(store_error)?;
                    Ok(fresh)
                }
                Err(e) if e.code() == Some(&ErrorCode::InvalidGrant) => {
                    // Spent already: by a replica that stored the result
                    // (take it), or by one that died first (consent again).
                    match self.replaced(stale).await? {
                        Some(fresh) => Ok(fresh),
                        None => Err(Error::Auth(AuthError::ConsentRequired)),
                    }
                }
                Err(e) => Err(e),
            }
        }
        .await;
        lease.release().await;
        outcome
    }
}

impl TokenStore for RedisTokenStore {
    fn load(&self) -> StoreFuture<'_, Option<StoredTokens>> {
        Box::pin(self.get())
    }

    fn save(&self, tokens: StoredTokens) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.set(&tokens).await })
    }

    fn clear(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.del())
    }

    fn refresh_exclusive<'a>(
        &'a self,
        stale: &'a SecretString,
        refresh: Refresher<'a>,
    ) -> RefreshFuture<'a> {
        Box::pin(self.refresh_under_lease(stale, refresh))
    }
}
