//! The refresh lease: `SET key id NX PX ttl`, renewed and released only by
//! its holder (compare-and-pexpire, compare-and-delete scripts).

use std::sync::LazyLock;
use std::time::Duration;

use digilocker_authpartner::auth::StoreError;

use crate::RedisStore;

static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then \
           return redis.call('DEL', KEYS[1]) \
         else return 0 end",
    )
});

static RENEW: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then \
           return redis.call('PEXPIRE', KEYS[1], ARGV[2]) \
         else return 0 end",
    )
});

/// A held lease. Dropping it without [`release`](Self::release) (a
/// cancelled refresh) releases it in a background task; a process that dies
/// leaves it to expire.
pub(crate) struct Lease {
    store: RedisStore,
    key: String,
    id: String,
    released: bool,
}

/// A fresh lease id: the process id (so an operator can see which replica
/// holds a lease) and 128 random bits.
pub(crate) fn lease_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError(format!("no secure randomness for a lease id: {e}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}:{hex}", std::process::id()))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl Lease {
    /// Takes the lease `key` if nobody holds it.
    pub(crate) async fn try_acquire(
        store: &RedisStore,
        key: &str,
        id: &str,
    ) -> Result<Option<Lease>, StoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key)
            .arg(id)
            .arg("NX")
            .arg("PX")
            .arg(millis(store.settings().lease_ttl));
        let set: Option<String> = store.query("SET NX lease", cmd).await?;
        Ok(set.map(|_| Lease {
            store: store.clone(),
            key: key.to_string(),
            id: id.to_string(),
            released: false,
        }))
    }

    /// Extends the lease by its TTL; `false` if it was lost.
    pub(crate) async fn renew(&self) -> Result<bool, StoreError> {
        let ttl = millis(self.store.settings().lease_ttl);
        let mut call = RENEW.key(&self.key);
        call.arg(&self.id).arg(ttl);
        let renewed: i64 = self.store.script("renew lease", call).await?;
        Ok(renewed == 1)
    }

    /// Gives the lease up (only if still held by this holder).
    pub(crate) async fn release(mut self) {
        self.released = true;
        let _ = release(&self.store, &self.key, &self.id).await;
    }
}

async fn release(store: &RedisStore, key: &str, id: &str) -> Result<(), StoreError> {
    let mut call = RELEASE.key(key);
    call.arg(id);
    let _: i64 = store.script("release lease", call).await?;
    Ok(())
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let (store, key, id) = (self.store.clone(), self.key.clone(), self.id.clone());
            handle.spawn(async move {
                let _ = release(&store, &key, &id).await;
            });
        }
    }
}
