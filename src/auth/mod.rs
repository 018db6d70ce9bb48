//! OAuth 2.0 + PKCE.
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Form body of the token endpoint.
#[derive(Clone, Debug, Serialize)]
pub struct TokenRequest {}

/// Form body of the revoke endpoint.
#[derive(Clone, Debug, Serialize)]
pub struct RevokeRequest {}

/// Token endpoint response.
#[derive(Clone, Debug, Deserialize)]
pub struct TokenResponse {
    /// Access token.
    pub access_token: SecretString,
}
