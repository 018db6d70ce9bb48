//! MeriPehchaan OpenID Connect: the id_token of `POST /oauth2/2/token`
//! (MeriPehchaan v2.3 p.7-8), verified.
//!
//! Ask for it with [`AuthorizeUrlBuilder::openid`](crate::auth::AuthorizeUrlBuilder::openid);
//! the code exchange then goes to the OpenID Connect token endpoint and
//! [`TokenResponse::id_token_claims`](crate::auth::TokenResponse::id_token_claims)
//! holds the claims once they are verified: RS256 signature with the key
//! whose `kid` matches, `iss`, `aud`, `exp`, `nbf`, `iat` and the nonce.
//!
//! ```no_run
//! # async fn run(callback_url: &str) -> Result<(), digilocker_authpartner::Error> {
//! use digilocker_authpartner::auth::{Acr, IdTokenKeys};
//! use digilocker_authpartner::{Client, Environment};
//!
//! // DigiLocker's public key, from DigiLocker (MeriPehchaan publishes no JWKS URL).
//! let pem = std::fs::read_to_string("digilocker-idtoken.pem").expect("the key file");
//! let keys = IdTokenKeys::from_pem(&pem)?;
//! let client = Client::builder("MY_CLIENT_ID", "my-client-secret")
//!     .environment(Environment::MeriPehchaan)
//!     .redirect_uri("https://partner.example/callback")
//!     .id_token_keys(keys) // or .jwks_url("https://…")
//!     .build()?;
//! let (url, pending) = client.authorize_url().openid().acr(Acr::Pan).build()?;
//! // ... redirect the user to `url`; DigiLocker redirects back to the callback ...
//! let user = client.session("user-42")?; // the signed-in user's handle
//! let tokens = user.exchange_code(&pending, callback_url).await?; // POST /oauth2/2/token
//! let claims = tokens.id_token_claims().expect("verified, since openid was requested");
//! // Debug and Display mask the PAN (`xxxxxx234F`); `expose` gives it in full.
//! println!("{:?} has PAN {:?}", claims.given_name, claims.pan_number);
//! # Ok(()) }
//! ```
//!
//! Verification needs the `oidc` feature (on by default) and a key source:
//! `IdTokenKeys` (a JWK set or PEM public keys) or a JWKS URL
//! (`ClientBuilder::jwks_url`). MeriPehchaan v2.3 documents neither;
//! partners get the key from DigiLocker.

mod claims;
mod config;
mod error;
#[cfg(feature = "oidc")]
mod jwks;
#[cfg(feature = "oidc")]
mod keys;
#[cfg(feature = "oidc")]
mod verify;

pub use claims::{IdTokenClaims, VerifiedIdToken};
#[cfg(feature = "oidc")]
pub use config::IdTokenAlgorithm;
pub(crate) use config::{OidcOptions, OidcSettings};
pub use error::IdTokenError;
#[cfg(feature = "oidc")]
pub use keys::IdTokenKeys;

use super::{PendingAuthorization, TokenResponse};
use crate::{AuthError, Client, Error};

/// After a code exchange: verifies the id_token, which is required when
/// `openid` was requested; an id_token that came unasked is verified when
/// the client has a key source and left unverified otherwise.
pub(crate) async fn check_exchange(
    client: &Client,
    pending: &PendingAuthorization,
    tokens: &mut TokenResponse,
) -> Result<(), Error> {
    let fail = |e: IdTokenError| Error::from(AuthError::IdToken(e));
    let Some(id_token) = tokens.id_token.as_ref() else {
        return if pending.openid {
            Err(fail(IdTokenError::Missing))
        } else {
            Ok(())
        };
    };
    if !client.config().oidc.can_verify() {
        return if pending.openid {
            Err(fail(IdTokenError::NoKeys))
        } else {
            Ok(())
        };
    }
    #[cfg(feature = "oidc")]
    {
        use secrecy::ExposeSecret as _;
        let verified = verify::verify(client, id_token.expose_secret(), pending.nonce.as_deref())
            .await
            .map_err(fail)?;
        tokens.verified_id_token = Some(Box::new(verified));
    }
    #[cfg(not(feature = "oidc"))]
    let _ = id_token;
    Ok(())
}
