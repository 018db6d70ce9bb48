//! OAuth 2.0 authorization code + PKCE, the token lifecycle, and token storage;
//! MeriPehchaan's OpenID Connect (verified id_tokens, logout) in [`oidc`].
//!
//! ```no_run
//! # async fn run() -> Result<(), digilocker_authpartner::Error> {
//! use digilocker_authpartner::Client;
//!
//! // One app-wide client: configuration, connection pool, token store.
//! let client = Client::builder("MY_CLIENT_ID", "my-client-secret")
//!     .redirect_uri("https://partner.example/callback")
//!     .build()?;
//! let (url, pending) = client.authorize_url().build()?;
//! // ... redirect the user to `url`; DigiLocker redirects back to the callback ...
//! # let callback_url = "https://partner.example/callback?code=c&state=s";
//! // Each request works on its own user's handle: the tokens go under that key.
//! let user = client.session("user-42")?;
//! user.exchange_code(&pending, callback_url).await?;
//! let me = user.get_user_details().send().await?;
//! println!("{}", me.name);
//! # Ok(()) }
//! ```

mod authorize;
mod binding;
mod callback;
mod flow;
mod logout;
pub mod oidc;
mod persist;
mod pkce;
mod scope;
pub(crate) mod session;
mod store;
mod wire;

pub use authorize::{AuthorizeUrlBuilder, PendingAuthorization, Purpose};
pub use binding::{
    InMemoryPendingStore, MIN_BINDING_LEN, PendingFuture, PendingStore, SessionBinding,
    callback_state,
};
pub use callback::Callback;
pub use flow::{DeviceLogin, TokenKind};
#[cfg(feature = "oidc")]
pub use oidc::{IdTokenAlgorithm, IdTokenKeys};
pub use oidc::{IdTokenClaims, IdTokenError, VerifiedIdToken};
pub use pkce::{PkceChallenge, PkceVerifier};
pub use scope::{Acr, AuthMethod, Scope};
pub use session::{MAX_SESSION_KEY_LEN, SessionKey};
pub use store::{
    InMemoryTokenStore, MAX_TOKEN_LIFETIME, RefreshFuture, Refresher, Replaced, StoreError,
    StoreFuture, StoredTokens, TokenStore, adopt_after_invalid_grant, keep_refreshed,
};
pub use wire::{GrantType, RevokeRequest, SignupResponse, TokenRequest, TokenResponse};
