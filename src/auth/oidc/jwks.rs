//! A JWKS URL: fetched over the client's own HTTP stack, size-capped,
//! bounded by a total deadline, cached, and refetched once when a token
//! names an unknown `kid`, at most once per refetch interval.
//!
//! One fetch is in flight at a time: concurrent callers wait for it (the
//! cache lock is held across it, for at most [`FETCH_DEADLINE`]) and share
//! its outcome. A failed fetch is remembered for the refetch interval, so
//! a slow or failing key host costs one deadline per interval, not one
//! per sign-in.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use url::Url;

use super::IdTokenError;
use super::keys::{IdTokenKeys, VerificationKey};

/// Largest JWKS body read, in bytes. A set of a few RSA-4096 keys is ~3 KiB.
pub(crate) const MAX_JWKS_BYTES: usize = 64 * 1024;

/// The longest one JWKS fetch may take, connection to last byte.
pub(crate) const FETCH_DEADLINE: Duration = Duration::from_secs(5);

/// A JWKS URL whose `Debug` and `Display` leave out user info, query and
/// fragment (where credentials travel), wherever it is printed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct JwksUrl {
    url: Url,
    shown: String,
}

impl JwksUrl {
    pub(crate) fn new(url: Url) -> Self {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.set_query(None);
        shown.set_fragment(None);
        Self {
            shown: shown.to_string(),
            url,
        }
    }

    /// The full URL, to fetch.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }
}

impl fmt::Debug for JwksUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.shown, f)
    }
}

impl fmt::Display for JwksUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

#[derive(Debug, Default)]
struct Cache {
    keys: Option<Arc<IdTokenKeys>>,
    /// When the cached set is due for a refresh.
    refresh_at: Option<Instant>,
    /// The last failed fetch and until when it stands in for a new one.
    failure: Option<(IdTokenError, Instant)>,
    /// The last refetch caused by an unknown `kid`.
    last_kid_refetch: Option<Instant>,
}

/// A JWKS URL and its cache; shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct JwksSource {
    url: JwksUrl,
    ttl: Duration,
    refetch_interval: Duration,
    deadline: Duration,
    cache: tokio::sync::Mutex<Cache>,
}

impl JwksSource {
    pub(crate) fn new(url: JwksUrl, ttl: Duration, refetch_interval: Duration) -> Self {
        Self {
            url,
            ttl,
            refetch_interval,
            deadline: FETCH_DEADLINE,
            cache: tokio::sync::Mutex::new(Cache::default()),
        }
    }

    /// The keys that may have signed a token with `kid` (see
    /// [`IdTokenKeys::candidates`]).
    pub(crate) async fn keys_for(
        &self,
        http: &reqwest::Client,
        kid: Option<&str>,
    ) -> Result<Vec<VerificationKey>, IdTokenError> {
        let mut cache = self.cache.lock().await;
        let now = Instant::now();
        let mut fetched_now = false;
        let due = cache.keys.is_none() || cache.refresh_at.is_none_or(|t| now >= t);
        let backing_off = cache
            .failure
            .as_ref()
            .is_some_and(|(_, until)| now < *until);
        if due && !backing_off {
            match self.fetch(http).await {
                Ok(keys) => {
                    cache.keys = Some(Arc::new(keys));
                    cache.refresh_at = Some(Instant::now() + self.ttl);
                    cache.failure = None;
                    fetched_now = true;
                }
                // Keep serving a stale set; try again after the interval.
                Err(e) => {
                    let retry = Instant::now() + self.refetch_interval;
                    cache.refresh_at = Some(retry);
                    cache.failure = Some((e, retry));
                }
            }
        }
        let Some(keys) = cache.keys.clone() else {
            return Err(cache.failure.as_ref().map_or_else(
                || IdTokenError::KeyFetch(format!("no keys from {}", self.url)),
                |(e, _)| e.clone(),
            ));
        };
        let found = keys.candidates(kid);
        if !found.is_empty() {
            return Ok(found.into_iter().cloned().collect());
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
        cache.refresh_at = Some(Instant::now() + self.ttl);
        let found = keys.candidates(kid);
        if found.is_empty() {
            return Err(unknown());
        }
        Ok(found.into_iter().cloned().collect())
    }

    /// One fetch, within the total deadline.
    async fn fetch(&self, http: &reqwest::Client) -> Result<IdTokenKeys, IdTokenError> {
        match tokio::time::timeout(self.deadline, self.fetch_unbounded(http)).await {
            Ok(result) => result,
            Err(_) => Err(IdTokenError::KeyFetch(format!(
                "{} did not answer within {:?}",
                self.url, self.deadline
            ))),
        }
    }

    async fn fetch_unbounded(&self, http: &reqwest::Client) -> Result<IdTokenKeys, IdTokenError> {
        let failed = |why: String| IdTokenError::KeyFetch(why);
        let mut response = http
            .get(self.url.url().clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| {
                failed(format!(
                    "request to {} failed: {}",
                    self.url,
                    e.without_url()
                ))
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(format!("{} answered {status}", self.url)));
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
        tracing::debug!(url = %self.url, bytes = body.len(), "fetched the JWKS");
        IdTokenKeys::parse_jwks(&body).map_err(|why| failed(format!("not a JWK set: {why}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_prints_without_credentials() {
        let url = JwksUrl::new(
            Url::parse("https://user:pass@keys.example/jwks.json?access=SECRET#frag").unwrap(),
        );
        for shown in [format!("{url}"), format!("{url:?}")] {
            assert!(shown.contains("keys.example/jwks.json"), "{shown}");
            for secret in ["user", "pass", "SECRET", "frag"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
        assert_eq!(url.url().query(), Some("access=SECRET"));
    }
}
