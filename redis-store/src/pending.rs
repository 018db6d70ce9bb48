//! Pending authorizations by `state`, bound to the browser session that
//! started them, consumed exactly once.

use digilocker_authpartner::auth::{
    PendingAuthorization, PendingFuture, PendingStore, SessionBinding, callback_state,
};
use digilocker_authpartner::{AuthError, Error};

use crate::RedisStore;

fn store_error(e: digilocker_authpartner::auth::StoreError) -> Error {
    Error::Auth(AuthError::Store(e.0))
}

impl RedisStore {
    async fn put_pending(
        &self,
        pending: &PendingAuthorization,
        binding: &SessionBinding,
    ) -> Result<(), Error> {
        let key = self.key_name("pending", pending.state());
        let value = self
            .seal(&key, pending.to_json_bound(binding))
            .map_err(store_error)?;
        let ttl = u64::try_from(self.settings().pending_ttl.as_millis()).unwrap_or(u64::MAX);
        let mut cmd = redis::cmd("SET");
        cmd.arg(&key).arg(value).arg("NX").arg("PX").arg(ttl.max(1));
        let set: Option<String> = self.query("SET pending", cmd).await.map_err(store_error)?;
        match set {
            Some(_) => Ok(()),
            None => Err(Error::Auth(AuthError::Store(
                "a pending authorization with this state is already stored".into(),
            ))),
        }
    }

    async fn take_pending(
        &self,
        callback: &str,
        binding: &SessionBinding,
    ) -> Result<PendingAuthorization, Error> {
        let state = callback_state(callback)?;
        let key = self.key_name("pending", &state);
        let mut cmd = redis::cmd("GETDEL");
        cmd.arg(&key);
        let raw: Option<Vec<u8>> = self
            .query("GETDEL pending", cmd)
            .await
            .map_err(store_error)?;
        let raw = raw.ok_or(AuthError::StateMismatch)?;
        let plain = self.open(&key, raw).map_err(store_error)?;
        PendingAuthorization::from_json_bound(&plain, binding)
    }
}

/// Pending authorizations for every replica: `SET NX` with the pending TTL
/// (10 minutes by default), taken with `GETDEL`, so the callback may land
/// on any replica, a replay finds nothing, and a callback presented by
/// another browser session is refused (and burnt).
impl PendingStore for RedisStore {
    fn put<'a>(
        &'a self,
        pending: &'a PendingAuthorization,
        binding: &'a SessionBinding,
    ) -> PendingFuture<'a, ()> {
        Box::pin(self.put_pending(pending, binding))
    }

    fn take<'a>(
        &'a self,
        callback: &'a str,
        binding: &'a SessionBinding,
    ) -> PendingFuture<'a, PendingAuthorization> {
        Box::pin(self.take_pending(callback, binding))
    }
}
