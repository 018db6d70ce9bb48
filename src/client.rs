//! Client configuration: credentials, environment, HTTP settings and policies.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::auth::{InMemoryTokenStore, TokenStore};
use crate::retry::RetryPolicy;
use crate::signing::BodySigner;
use crate::{Client, Error};

/// Where the client sends requests.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// DigiLocker's partner sandbox, `https://betaapi.digitallocker.gov.in/public`.
    Sandbox,
    /// Production, `https://api.digitallocker.gov.in/public`.
    Production,
    /// MeriPehchaan, `https://digilocker.meripehchaan.gov.in/public`.
    MeriPehchaan,
    /// Any other base URL, e.g. a local `digilocker-sandbox` server.
    Custom(Url),
}

impl Environment {
    /// The base URL every operation path is appended to (no trailing slash).
    pub fn base_url(&self) -> &str {
        match self {
            Self::Sandbox => "https://betaapi.digitallocker.gov.in/public",
            Self::Production => "https://api.digitallocker.gov.in/public",
            Self::MeriPehchaan => "https://digilocker.meripehchaan.gov.in/public",
            Self::Custom(url) => url.as_str().trim_end_matches('/'),
        }
    }

    /// A custom environment from a base URL string.
    pub fn custom(base_url: &str) -> Result<Self, Error> {
        Url::parse(base_url)
            .map(Self::Custom)
            .map_err(|e| Error::Config(format!("invalid base URL: {e}")))
    }
}

/// How the token endpoint receives the client credentials.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CredentialsIn {
    /// As `client_id` and `client_secret` form fields (the default).
    #[default]
    Body,
    /// As HTTP Basic authentication.
    Basic,
}

/// What a download does when the server sends no `hmac` header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingHmac {
    /// Log a warning and hand out the data (the default).
    #[default]
    WarnAndAccept,
    /// Fail with an integrity error.
    Reject,
}

/// Builds a [`Client`]. Start with [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    client_id: String,
    client_secret: SecretString,
    redirect_uri: Option<String>,
    environment: Result<Environment, String>,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    http: Option<reqwest::Client>,
    token_store: Option<Arc<dyn TokenStore>>,
    retry: RetryPolicy,
    credentials_in: CredentialsIn,
    missing_hmac: MissingHmac,
    refresh_skew: Duration,
    pub(crate) oidc: crate::auth::oidc::OidcOptions,
}

/// Configuration shared by every clone of a [`Client`]: progenitor's inner type.
///
/// Opaque; build it through [`Client::builder`].
#[derive(Clone, Debug)]
pub struct ClientState {
    pub(crate) config: Arc<Config>,
    pub(crate) tokens: Arc<crate::auth::TokenSlot>,
}

/// The immutable part of a client's configuration.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) redirect_uri: Option<Url>,
    pub(crate) environment: Environment,
    pub(crate) retry: RetryPolicy,
    pub(crate) credentials_in: CredentialsIn,
    pub(crate) missing_hmac: MissingHmac,
    pub(crate) refresh_skew: Duration,
    /// id_token verification.
    pub(crate) oidc: crate::auth::oidc::OidcSettings,
    /// The HMAC key state, processed once.
    pub(crate) body_signer: BodySigner,
}

impl Client {
    /// Starts configuring a client with the credentials from the DigiLocker
    /// Partner Portal.
    ///
    /// ```
    /// use digilocker_authpartner::{Client, Environment};
    ///
    /// let client = Client::builder("MY_CLIENT_ID", "my-client-secret")
    ///     .environment(Environment::Sandbox)
    ///     .redirect_uri("https://partner.example/callback")
    ///     .build()?;
    /// # Ok::<(), digilocker_authpartner::Error>(())
    /// ```
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientBuilder {
        ClientBuilder {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            redirect_uri: None,
            environment: Ok(Environment::Sandbox),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            user_agent: concat!("digilocker-authpartner/", env!("CARGO_PKG_VERSION")).to_string(),
            http: None,
            token_store: None,
            retry: RetryPolicy::default(),
            credentials_in: CredentialsIn::default(),
            missing_hmac: MissingHmac::default(),
            refresh_skew: Duration::from_secs(30),
            oidc: Default::default(),
        }
    }

    /// The same client (configuration, connection pool) with another token
    /// store: one `Client` per end user of a multi-user backend.
    pub fn with_token_store(&self, store: Arc<dyn TokenStore>) -> Client {
        let state = ClientState {
            config: Arc::clone(&self.inner.config),
            tokens: Arc::new(crate::auth::TokenSlot::new(store)),
        };
        Client::new_with_client(&self.baseurl, self.client.clone(), state)
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn tokens(&self) -> &crate::auth::TokenSlot {
        &self.inner.tokens
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.client
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.baseurl
    }
}

impl ClientBuilder {
    /// The environment (default: [`Environment::Sandbox`]).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Ok(environment);
        self
    }

    /// Shorthand for [`Environment::Custom`]; invalid URLs fail in [`build`](Self::build).
    pub fn base_url(mut self, base_url: &str) -> Self {
        self.environment = Url::parse(base_url)
            .map(Environment::Custom)
            .map_err(|e| format!("invalid base URL {base_url:?}: {e}"));
        self
    }

    /// The redirect URI registered on the Partner Portal; needed for the
    /// authorization-code flow.
    pub fn redirect_uri(mut self, redirect_uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(redirect_uri.into());
        self
    }

    /// Connect timeout (default 10 s). Ignored with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Whole-request timeout (default 30 s). Ignored with [`http_client`](Self::http_client).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header. Ignored with [`http_client`](Self::http_client).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Use a caller-configured `reqwest::Client` (its timeouts and user agent apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Where tokens live (default: an [`InMemoryTokenStore`]).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// The retry policy for idempotent operations (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How the token endpoint receives the credentials (default: in the body).
    pub fn credentials_in(mut self, mode: CredentialsIn) -> Self {
        self.credentials_in = mode;
        self
    }

    /// What downloads do without an `hmac` header (default: warn and accept).
    pub fn missing_download_hmac(mut self, policy: MissingHmac) -> Self {
        self.missing_hmac = policy;
        self
    }

    /// How long before expiry the access token is refreshed (default 30 s).
    pub fn refresh_before_expiry(mut self, skew: Duration) -> Self {
        self.refresh_skew = skew;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// Fails on an empty client id or secret, an invalid redirect URI, or a
    /// plain `http://` base URL to anything but a loopback address (the client
    /// secret and tokens never travel unencrypted over a network).
    pub fn build(self) -> Result<Client, Error> {
        if self.client_id.trim().is_empty() {
            return Err(Error::Config("client_id is empty".into()));
        }
        if self.client_secret.expose_secret().is_empty() {
            return Err(Error::Config("client_secret is empty".into()));
        }
        let environment = self.environment.map_err(Error::Config)?;
        let oidc = self.oidc.build(&environment)?;
        let base = Url::parse(environment.base_url())
            .map_err(|e| Error::Config(format!("invalid base URL: {e}")))?;
        crate::transport::guard::check_url(&base)?;
        let redirect_uri = self
            .redirect_uri
            .as_deref()
            .map(|r| {
                Url::parse(r).map_err(|e| {
                    Error::Validation(crate::ValidationError::new("redirect_uri", e.to_string()))
                })
            })
            .transpose()?;
        let http = match self.http {
            Some(client) => client,
            None => {
                install_tls_provider();
                reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .timeout(self.timeout)
                    .user_agent(self.user_agent)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?
            }
        };
        let body_signer = BodySigner::new(self.client_secret.expose_secret().as_bytes());
        let store = self
            .token_store
            .unwrap_or_else(|| Arc::new(InMemoryTokenStore::default()));
        let state = ClientState {
            config: Arc::new(Config {
                client_id: self.client_id,
                client_secret: self.client_secret,
                redirect_uri,
                environment,
                retry: self.retry,
                credentials_in: self.credentials_in,
                missing_hmac: self.missing_hmac,
                refresh_skew: self.refresh_skew,
                oidc,
                body_signer,
            }),
            tokens: Arc::new(crate::auth::TokenSlot::new(store)),
        };
        let base = state.config.environment.base_url().to_string();
        Ok(Client::new_with_client(&base, http, state))
    }
}

/// With the `rustls-ring` feature, TLS uses rustls with the ring provider;
/// install it as the process default unless the application already chose one.
fn install_tls_provider() {
    #[cfg(feature = "rustls-ring")]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another thread installing one is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TLS stack initialises (provider installed) and an https request to
    /// a loopback port without a TLS server fails as a typed transport error.
    #[tokio::test]
    async fn https_clients_build_and_fail_cleanly() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = Client::builder("id", "secret")
            .base_url(&format!("https://127.0.0.1:{port}/public"))
            .build()
            .unwrap();
        let err: Error = client.list_issuers().send().await.unwrap_err().into();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert!(
            Client::builder("id", "secret")
                .environment(Environment::Production)
                .build()
                .is_ok()
        );
    }
}
