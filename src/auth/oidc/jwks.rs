//! A JWKS URL: fetched over the client's own HTTP stack, size-capped,
//! cached, and refetched once when a token names an unknown `kid`, at most
//! once per refetch interval.

use std::sync::Arc;
use std::time::{Duration, Instant};

use url::Url;

use super::IdTokenError;
use super::keys::{IdTokenKeys, VerificationKey};

/// Largest JWKS body read, in bytes. A set of a few RSA-4096 keys is ~3 KiB.
pub(crate) const MAX_JWKS_BYTES: usize = 64 * 1024;

#[derive(Debug, Default)]
struct Cache {
    keys: Option<Arc<IdTokenKeys>>,
    /// When the cached set is due for a refresh.
    refresh_at: Option<Instant>,
    /// The last refetch caused by an unknown `kid`.
    last_kid_refetch: Option<Instant>,
}

/// A JWKS URL and its cache; shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct JwksSource {
    url: Url,
    /// The URL as errors show it: without user info or query.
    shown: String,
    ttl: Duration,
    refetch_interval: Duration,
    cache: tokio::sync::Mutex<Cache>,
}

impl JwksSource {
    pub(crate) fn new(url: Url, ttl: Duration, refetch_interval: Duration) -> Self {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.set_query(None);
        shown.set_fragment(None);
        Self {
            shown: shown.to_string(),
            url,
            ttl,
            refetch_interval,
            cache: tokio::sync::Mutex::new(Cache::default()),
        }
    }

    /// The key for `kid`. Concurrent callers wait for one fetch (the lock is
    /// held across it) rather than each fetching.
    pub(crate) async fn key_for(
        &self,
        http: &reqwest::Client,
        kid: Option<&str>,
    ) -> Result<VerificationKey, IdTokenError> {
        let mut cache = self.cache.lock().await;
        let now = Instant::now();
        let mut fetched_now = false;
        if cache.keys.is_none() || cache.refresh_at.is_none_or(|t| now >= t) {
            match self.fetch(http).await {
                Ok(keys) => {
                    cache.keys = Some(Arc::new(keys));
                    cache.refresh_at = Some(now + self.ttl);
                    fetched_now = true;
                }
                // Keep serving the stale set; try again after the interval.
                Err(e) => {
                    cache.refresh_at = Some(now + self.refetch_interval);
                    if cache.keys.is_none() {
                        return Err(e);
                    }
                }
            }
        }
        if let Some(key) = cache.keys.as_ref().and_then(|k| k.select(kid)) {
            return Ok(key.clone());
        }
        let unknown = || IdTokenError::UnknownKid(kid.map(str::to_string));
        let allowed = cache
            .last_kid_refetch
            .is_none_or(|t| now.duration_since(t) >= self.refetch_interval);
        if fetched_now || !allowed {
            return Err(unknown());
        }
        cache.last_kid_refetch = Some(now);
        let keys = Arc::new(self.fetch(http).await?);
        cache.keys = Some(Arc::clone(&keys));
        cache.refresh_at = Some(now + self.ttl);
        keys.select(kid).cloned().ok_or_else(unknown)
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<IdTokenKeys, IdTokenError> {
        let failed = |why: String| IdTokenError::KeyFetch(why);
        let mut response = http
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| {
                failed(format!(
                    "request to {} failed: {}",
                    self.shown,
                    e.without_url()
                ))
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(format!("{} answered {status}", self.shown)));
        }
        let too_large = || failed(format!("larger than {MAX_JWKS_BYTES} bytes"));
        if response
            .content_length()
            .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| failed(format!("reading the body failed: {}", e.without_url())))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        #[cfg(feature = "tracing")]
        tracing::debug!(url = %self.shown, bytes = body.len(), "fetched the JWKS");
        IdTokenKeys::parse_jwks(&body).map_err(|why| failed(format!("not a JWK set: {why}")))
    }
}
