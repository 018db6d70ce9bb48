//! A span per operation (with the `tracing` feature): operation id, method,
//! path template, attempt, status and latency. Never a document URI, a query,
//! a header value or a body.

use std::future::Future;
use std::time::Duration;

use crate::operations::OperationSpec;

/// The span of one operation call.
pub(crate) struct OperationSpan {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl OperationSpan {
    pub(crate) fn start(op: &OperationSpec) -> Self {
        #[cfg(feature = "tracing")]
        {
            let span = tracing::debug_span!(
                "digilocker",
                operation = op.id,
                method = op.method,
                path = op.path,
                attempt = tracing::field::Empty,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            Self { span }
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = op;
            Self {}
        }
    }

    /// Runs one attempt inside the span. The `attempt` field is recorded
    /// once, with its final value, when the call ends.
    pub(crate) async fn attempt<F: Future>(&self, attempt: u32, fut: F) -> F::Output {
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument as _;
            if attempt > 1 {
                tracing::debug!(parent: &self.span, attempt, "retrying");
            }
            fut.instrument(self.span.clone()).await
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = attempt;
            fut.await
        }
    }

    /// Records the final attempt, its status and the latency.
    pub(crate) fn finish(&self, attempt: u32, status: u16, latency: Duration) {
        #[cfg(feature = "tracing")]
        {
            let latency_ms = latency.as_millis() as u64;
            self.span.record("attempt", attempt);
            self.span.record("status", status);
            self.span.record("latency_ms", latency_ms);
            tracing::debug!(parent: &self.span, status, latency_ms, "response");
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (attempt, status, latency);
    }

    /// Records a call that ended without a response.
    pub(crate) fn failed(&self, attempt: u32, error: &crate::Error, latency: Duration) {
        #[cfg(feature = "tracing")]
        {
            let kind = match error {
                crate::Error::Timeout { .. } => "timeout",
                crate::Error::Transport { source, .. } if source.is_connect() => "connect",
                _ => "transport",
            };
            let latency_ms = latency.as_millis() as u64;
            self.span.record("attempt", attempt);
            self.span.record("latency_ms", latency_ms);
            tracing::debug!(parent: &self.span, kind, latency_ms, "failed");
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (attempt, error, latency);
    }
}
