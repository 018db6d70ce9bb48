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

    pub(crate) async fn attempt<F: Future>(&self, attempt: u32, fut: F) -> F::Output {
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument as _;
            self.span.record("attempt", attempt);
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

    pub(crate) fn finish(
        &self,
        response: reqwest::Response,
        latency: Duration,
    ) -> reqwest::Response {
        #[cfg(feature = "tracing")]
        {
            let status = response.status().as_u16();
            self.span.record("status", status);
            self.span.record("latency_ms", latency.as_millis() as u64);
            tracing::debug!(parent: &self.span, status, latency_ms = latency.as_millis() as u64, "response");
        }
        #[cfg(not(feature = "tracing"))]
        let _ = latency;
        response
    }

    pub(crate) fn failed(&self, error: &reqwest::Error, latency: Duration) {
        #[cfg(feature = "tracing")]
        {
            let kind = if error.is_timeout() {
                "timeout"
            } else if error.is_connect() {
                "connect"
            } else {
                "transport"
            };
            self.span.record("latency_ms", latency.as_millis() as u64);
            tracing::debug!(parent: &self.span, kind, latency_ms = latency.as_millis() as u64, "failed");
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (error, latency);
    }
}
