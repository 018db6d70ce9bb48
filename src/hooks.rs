//! progenitor's hooks: every generated operation goes through the transport.

use progenitor_client::{ClientHooks, OperationInfo};

use crate::Client;
use crate::client::ClientState;
use crate::error::HookFailure;
use crate::operations;
use crate::transport;

impl ClientHooks<ClientState> for Client {
    /// Checks the URL (plain-http guard) and applies authentication.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let Some(op) = operations::by_id(info.operation_id) else {
            return Ok(());
        };
        transport::authenticate(self, op, request)
            .await
            .map_err(|e| HookFailure::from_error(e).into_progenitor())
    }

    /// Signs (per attempt), sends, retries and refreshes through the transport.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let Some(op) = operations::by_id(info.operation_id) else {
            return self.http().execute(request).await;
        };
        // Keep an unsigned copy to re-sign each retry with a fresh `ts`;
        // streamed bodies cannot be copied and are sent once.
        let base = request.try_clone();
        let mut first = request;
        transport::sign_form_body(self, op, &mut first);
        transport::execute(self, op, first, || {
            let mut next = base.as_ref()?.try_clone()?;
            transport::sign_form_body(self, op, &mut next);
            Some(next)
        })
        .await
    }
}
