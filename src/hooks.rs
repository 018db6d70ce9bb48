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
        let mut base = Some(request);
        transport::execute(self, op, || {
            let mut next = match base.as_ref().and_then(reqwest::Request::try_clone) {
                Some(copy) => copy,
                None => base.take()?,
            };
            transport::sign_form_body(self, op, &mut next);
            Some(next)
        })
        .await
    }
}
