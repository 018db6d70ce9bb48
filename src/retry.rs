//! Retries of idempotent operations: bounded, jittered exponential backoff.

use std::time::Duration;

/// When and how often idempotent operations are retried.
///
/// Only reads (GETs, the read-only signed meta calls) and the refresh grant
/// are ever retried, on connect errors, 502, 503, 504 and the
/// `repository_service_unresponsive` / `partner_service_unresponsive` codes.
/// Uploads, push URI, pull document, signup and the code exchange never are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 100 ms doubling up to 2 s, at most 10 s in all.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Backoff before the first retry; it doubles for each further one.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Upper bound of one backoff.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// No retry starts once this much time has passed since the first attempt.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// Whether attempt number `attempt` (1-based) may be followed by another.
    pub(crate) fn allows_another(&self, attempt: u32, elapsed: Duration) -> bool {
        attempt < self.max_attempts && elapsed < self.max_elapsed
    }

    /// The pause after attempt `attempt`: "full jitter", uniform in
    /// `[0, min(max_backoff, initial * 2^(attempt-1))]`.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.initial_backoff.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let cap = exp.min(self.max_backoff);
        let mut bytes = [0u8; 4];
        let unit = match getrandom::fill(&mut bytes) {
            Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
            Err(_) => 1.0,
        };
        cap.mul_f64(unit)
    }
}
