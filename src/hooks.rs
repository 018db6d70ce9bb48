use progenitor_client::{ClientHooks, OperationInfo};

use crate::Client;
use crate::client::ClientState;

impl ClientHooks<ClientState> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.client.execute(request).await
    }
}
