//! Pending authorizations by `state`, consumed exactly once.

use digilocker_authpartner::auth::{Callback, PendingAuthorization};
use digilocker_authpartner::{AuthError, Error};

use crate::RedisStore;

fn store_error(e: digilocker_authpartner::auth::StoreError) -> Error {
    Error::Auth(AuthError::Store(e.0))
}

impl RedisStore {
    /// Keeps `pending` until its callback arrives, on any replica, for at
    /// most the pending TTL (10 minutes by default).
    pub async fn save_pending(&self, pending: &PendingAuthorization) -> Result<(), Error> {
        let key = self.key_name("pending", pending.state());
        let value = self
            .seal(&key, pending.to_json_exposing_secrets())
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

    /// Takes the pending authorization that `callback` (the redirect URL or
    /// its query) answers, removing it atomically (`GETDEL`), so a replayed
    /// callback finds nothing. Pass the result to `Client::exchange_code`.
    ///
    /// A callback whose `state` matches nothing stored (forged, expired, or
    /// already used) is [`AuthError::StateMismatch`], before any request.
    pub async fn take_pending(&self, callback: &str) -> Result<PendingAuthorization, Error> {
        let parsed = Callback::parse(callback)?;
        let state = parsed.state().ok_or(AuthError::StateMismatch)?;
        let key = self.key_name("pending", state);
        let mut cmd = redis::cmd("GETDEL");
        cmd.arg(&key);
        let raw: Option<Vec<u8>> = self
            .query("GETDEL pending", cmd)
            .await
            .map_err(store_error)?;
        let raw = raw.ok_or(AuthError::StateMismatch)?;
        let plain = self.open(&key, raw).map_err(store_error)?;
        PendingAuthorization::from_json(&plain)
    }
}
