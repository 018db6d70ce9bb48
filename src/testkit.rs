//! The test kit (feature `testkit`): the strict DigiLocker simulator of
//! [`digilocker-sandbox`](sandbox) and clients preconfigured for it, to test
//! your integration over real loopback HTTP.
//!
//! ```toml
//! [dev-dependencies]
//! digilocker-authpartner = { version = "0.1", features = ["testkit"] }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! ```
//! use digilocker_authpartner::testkit::{self, ConsentDecision, Fault, Sandbox};
//! use digilocker_authpartner::{AuthError, Error};
//!
//! # /*
//! #[tokio::test]
//! # */
//! async fn my_integration() -> Result<(), Box<dyn std::error::Error>> {
//!     let sandbox = Sandbox::start().await?; // 127.0.0.1, a free port
//!
//!     // Signed in with one call: consent approved, code exchanged.
//!     let client = testkit::logged_in_client(&sandbox).await?;
//!     let me = client.get_user_details().send().await?;
//!     assert_eq!(me.name, sandbox.test_user().name);
//!
//!     // A fault: one 503, which the client retries.
//!     sandbox.inject(Fault::Status {
//!         path: "/oauth2/1/user".into(),
//!         times: 1,
//!         status: 503,
//!         error: "repository_service_unresponsive".into(),
//!     });
//!     client.get_user_details().send().await?;
//!     assert_eq!(sandbox.count("GET", "/oauth2/1/user"), 3);
//!
//!     // The consent step by hand: the sandbox plays the browser, the user denies.
//!     let client = testkit::client_builder(&sandbox).build()?;
//!     sandbox.set_consent_decision(ConsentDecision::Deny);
//!     let (url, pending) = client.authorize_url().build()?;
//!     let callback = sandbox.consent(&url).await?;
//!     let denied = client.session("user-1")?.exchange_code(&pending, &callback).await;
//!     assert!(matches!(denied, Err(Error::Auth(AuthError::Denied { .. }))));
//!
//!     sandbox.shutdown().await;
//!     Ok(())
//! }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     tokio::runtime::Runtime::new()?.block_on(my_integration())
//! # }
//! ```
//!
//! The sandbox crate does not depend on this one, so the test kit always
//! has the client's version and your tests see one copy of each type.

use crate::{Client, ClientBuilder, Error};

pub use digilocker_sandbox as sandbox;
pub use digilocker_sandbox::{
    ConsentDecision, ConsentError, Fault, IdTokenFault, RecordedRequest, Sandbox, SandboxConfig,
    SeedDocument, TestUser,
};

/// A [`ClientBuilder`] for a running sandbox: its client id and secret, base
/// URL and redirect URI, and (feature `oidc`) its JWKS for id_tokens. Add
/// your own settings before [`build`](ClientBuilder::build).
pub fn client_builder(sandbox: &Sandbox) -> ClientBuilder {
    let builder = Client::builder(sandbox.client_id(), sandbox.client_secret())
        .base_url(&sandbox.base_url())
        .redirect_uri(sandbox.redirect_uri());
    #[cfg(feature = "oidc")]
    let builder = builder.jwks_url(&sandbox.jwks_url());
    builder
}

/// A per-user handle ([`TEST_SESSION`]) signed in to the sandbox as its test user: the authorize URL,
/// the consent step ([`Sandbox::consent`], so the configured
/// [`ConsentDecision`] applies) and the code exchange, with
/// [`client_builder`]'s settings.
///
/// Fails like the code exchange does when consent is denied
/// ([`AuthError`](crate::AuthError)), and with [`Error::Transport`] or
/// [`Error::Config`] when the consent step itself fails.
pub async fn logged_in_client(sandbox: &Sandbox) -> Result<Client, Error> {
    log_in(client_builder(sandbox).build()?, sandbox).await
}

/// The session key under which [`logged_in_client`] and [`log_in`] store
/// the test user's tokens.
pub const TEST_SESSION: &str = "sandbox-test-user";

/// Sign `client` (built for this sandbox, e.g. from [`client_builder`]) in
/// as the sandbox's test user; returns the user's handle with its tokens
/// stored: `client` itself when it is a per-user handle, otherwise its
/// handle for [`TEST_SESSION`].
pub async fn log_in(client: Client, sandbox: &Sandbox) -> Result<Client, Error> {
    let client = match client.session_key() {
        Some(_) => client,
        None => client.session(TEST_SESSION)?,
    };
    let (url, pending) = client.authorize_url().build()?;
    let callback = sandbox.consent(&url).await.map_err(|e| match e {
        ConsentError::Http(source) => Error::Transport {
            operation: Some("authorize"),
            source,
        },
        other => Error::Config(format!("sandbox consent: {other}")),
    })?;
    client.exchange_code(&pending, &callback).await?;
    Ok(client)
}

/// Trust anchors pinned to the sandbox's XML signer (feature `xmldsig`), to
/// verify the certificate and e-Aadhaar XML it serves. Needs `openssl` and
/// `xmlsec1` (see [`Sandbox::xml_signer_certificate_pem`]).
#[cfg(feature = "xmldsig")]
pub fn xml_trust_anchors(sandbox: &Sandbox) -> Result<crate::xml::signature::TrustAnchors, Error> {
    let pem = sandbox
        .xml_signer_certificate_pem()
        .map_err(|e| Error::Config(format!("sandbox XML signer: {e}")))?;
    Ok(crate::xml::signature::TrustAnchors::digilocker().pin_certificate_pem(&pem)?)
}
