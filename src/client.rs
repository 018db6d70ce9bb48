//! Client configuration: credentials, environment, HTTP settings and policies.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::auth::session::{Registry, SessionSlot};
use crate::auth::{InMemoryTokenStore, SessionKey, TokenStore};
use crate::retry::RetryPolicy;
use crate::signing::BodySigner;
use crate::{Client, Error};

/// Where the client sends requests.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// DigiLocker's beta (partner test) host, `https://betaapi.digitallocker.gov.in/public`.
    ///
    /// This is DigiLocker's own pre-production service, reached over the
    /// network with beta credentials; it is not the local `digilocker-sandbox`
    /// simulator (point [`ClientBuilder::base_url`] at that one).
    Beta,
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
            Self::Beta => "https://betaapi.digitallocker.gov.in/public",
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
///
/// The code exchange documents both forms (Requester API Spec v1.12 p.5);
/// the refresh grant documents only HTTP Basic (p.8). So the defaults are
/// [`Body`](Self::Body) for the exchange
/// ([`ClientBuilder::credentials_in`]) and [`Basic`](Self::Basic) for the
/// refresh ([`ClientBuilder::refresh_credentials_in`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CredentialsIn {
    /// As `client_id` and `client_secret` form fields.
    #[default]
    Body,
    /// As HTTP Basic authentication.
    Basic,
}

/// What a download does when the server sends no `hmac` header.
///
/// Requester API Spec v1.12 says DigiLocker sends `hmac` with every file,
/// certificate-XML and e-Aadhaar response, so its absence means the body
/// cannot be trusted: the default rejects it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingHmac {
    /// Fail with [`IntegrityFailure::MissingHeader`](crate::IntegrityFailure::MissingHeader) (the default).
    #[default]
    Reject,
    /// Log a warning and hand out the data, marked
    /// [`HmacCheck::Unsigned`](crate::transfer::HmacCheck::Unsigned); the
    /// typed XML views then come wrapped in
    /// [`Unverified`](crate::transfer::Unverified).
    WarnAndAccept,
}

/// Caps on what the client buffers in memory. Reading stops at the cap and
/// the call fails with [`Error::ResponseTooLarge`], naming the operation
/// and the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BodyLimits {
    /// Error response bodies (default 8 KiB): only `{error, error_description}` is read from them.
    pub error_body: usize,
    /// JSON responses (default 4 MiB).
    pub json: usize,
    /// XML documents: certificate data and e-Aadhaar (default 4 MiB).
    pub xml: usize,
    /// In-memory downloads, [`Client::download`] (default 32 MiB; DigiLocker
    /// documents are at most a few MiB, uploads at most 10 MiB).
    pub download: usize,
    /// Streamed downloads, [`Client::download_stream`] and
    /// [`Client::download_to_path`] (default: unbounded).
    pub stream: Option<u64>,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            error_body: 8 * 1024,
            json: 4 * 1024 * 1024,
            xml: 4 * 1024 * 1024,
            download: 32 * 1024 * 1024,
            stream: None,
        }
    }
}

impl BodyLimits {
    /// Sets the error-body limit.
    pub fn error_body(mut self, bytes: usize) -> Self {
        self.error_body = bytes;
        self
    }
    /// Sets the JSON limit.
    pub fn json(mut self, bytes: usize) -> Self {
        self.json = bytes;
        self
    }
    /// Sets the XML limit.
    pub fn xml(mut self, bytes: usize) -> Self {
        self.xml = bytes;
        self
    }
    /// Sets the in-memory download limit.
    pub fn download(mut self, bytes: usize) -> Self {
        self.download = bytes;
        self
    }
    /// Sets (or, with `None`, removes) the streamed-download limit.
    pub fn stream(mut self, bytes: Option<u64>) -> Self {
        self.stream = bytes;
        self
    }
}

/// The client's timeouts (see the builder methods for each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub(crate) connect: Duration,
    pub(crate) read_idle: Duration,
    pub(crate) total: Duration,
    pub(crate) transfer: Option<Duration>,
    pub(crate) refresh: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            read_idle: Duration::from_secs(30),
            total: Duration::from_secs(30),
            transfer: None,
            refresh: Duration::from_secs(30),
        }
    }
}

/// Whether this build of the crate can speak TLS on its own.
const TLS_COMPILED: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-ring",
    feature = "native-tls"
));

/// Refuses an `https` base URL when no TLS feature is compiled in: reqwest
/// would accept the configuration and fail every request with "scheme is not
/// http", four sources deep.
fn check_tls_available(base: &Url) -> Result<(), Error> {
    if base.scheme() == "https" && !TLS_COMPILED {
        return Err(Error::Config(format!(
            "{base} needs TLS, but digilocker-authpartner was built without a TLS feature: \
             enable `rustls` (the default), `rustls-ring` or `native-tls`, \
             or pass a TLS-capable builder to ClientBuilder::http_client_builder"
        )));
    }
    Ok(())
}

/// Builds a [`Client`]. Start with [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    client_id: String,
    client_secret: SecretString,
    redirect_uri: Option<String>,
    environment: Result<Environment, String>,
    timeouts: Timeouts,
    limits: BodyLimits,
    user_agent: String,
    http: Option<reqwest::ClientBuilder>,
    token_store: Option<Arc<dyn TokenStore>>,
    retry: RetryPolicy,
    credentials_in: CredentialsIn,
    refresh_credentials_in: CredentialsIn,
    missing_hmac: MissingHmac,
    refresh_skew: Duration,
    pub(crate) oidc: crate::auth::oidc::OidcOptions,
}

/// What a [`Client`] holds besides its HTTP connection pool: progenitor's
/// inner type.
///
/// Opaque; build it through [`Client::builder`]. The app-wide client holds
/// the configuration and the token store, but no end user's session; a
/// per-user handle from [`Client::session`] adds that user's session slot.
#[derive(Clone, Debug)]
pub struct ClientState {
    pub(crate) config: Arc<Config>,
    pub(crate) sessions: Arc<Sessions>,
    pub(crate) session: Option<Arc<SessionSlot>>,
}

/// The token store and the live session slots, shared by the app-wide
/// client and every per-user handle made from it.
#[derive(Debug)]
pub(crate) struct Sessions {
    pub(crate) store: Arc<dyn TokenStore>,
    pub(crate) registry: Arc<Registry>,
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
    pub(crate) refresh_credentials_in: CredentialsIn,
    pub(crate) missing_hmac: MissingHmac,
    pub(crate) refresh_skew: Duration,
    pub(crate) timeouts: Timeouts,
    pub(crate) limits: BodyLimits,
    /// The base URL's path (e.g. `/public`), which every request path starts with.
    pub(crate) base_path: String,
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
    ///     .environment(Environment::Beta)
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
            environment: Ok(Environment::Production),
            timeouts: Timeouts::default(),
            limits: BodyLimits::default(),
            user_agent: concat!("digilocker-authpartner/", env!("CARGO_PKG_VERSION")).to_string(),
            http: None,
            token_store: None,
            retry: RetryPolicy::default(),
            credentials_in: CredentialsIn::default(),
            refresh_credentials_in: CredentialsIn::Basic,
            missing_hmac: MissingHmac::default(),
            refresh_skew: Duration::from_secs(30),
            oidc: Default::default(),
        }
    }

    /// The handle of one end user: the same configuration and connection
    /// pool, and that user's tokens in the client's token store under
    /// `key` (your id for the user: an account id or a server-side
    /// session id). Cheap: take one per request.
    ///
    /// Every handle of one key in this process shares one session, so a
    /// user's concurrent requests refresh an expiring token once, however
    /// many handles there are. Nothing of a session stays in memory once
    /// its last handle is gone (see [`active_sessions`](Self::active_sessions)).
    ///
    /// Fails with a [`ValidationError`](crate::ValidationError) for an
    /// empty key, one longer than 512 bytes or one with control characters.
    ///
    /// ```
    /// # let client = digilocker_authpartner::Client::builder("id", "secret").build()?;
    /// let alice = client.session("user-alice")?;
    /// let again = client.session("user-alice")?; // the same session
    /// assert_eq!(client.active_sessions(), 1);
    /// # drop((alice, again));
    /// # Ok::<(), digilocker_authpartner::Error>(())
    /// ```
    pub fn session(&self, key: &str) -> Result<Client, Error> {
        let slot = self.inner.sessions.registry.slot(key)?;
        let state = ClientState {
            config: Arc::clone(&self.inner.config),
            sessions: Arc::clone(&self.inner.sessions),
            session: Some(slot),
        };
        Ok(Client::new_with_client(
            &self.baseurl,
            self.client.clone(),
            state,
        ))
    }

    /// The key of this handle's session; `None` on the app-wide client.
    pub fn session_key(&self) -> Option<&SessionKey> {
        self.inner.session.as_deref().map(SessionSlot::key)
    }

    /// How many sessions have a handle alive in this process (this client
    /// and every handle made from it).
    pub fn active_sessions(&self) -> usize {
        self.inner.sessions.registry.live()
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    /// This handle's session, or [`AuthError::NoSession`](crate::AuthError::NoSession)
    /// on the app-wide client.
    pub(crate) fn session_slot(&self) -> Result<&Arc<SessionSlot>, Error> {
        self.inner
            .session
            .as_ref()
            .ok_or(Error::Auth(crate::AuthError::NoSession))
    }

    pub(crate) fn token_store(&self) -> Arc<dyn TokenStore> {
        Arc::clone(&self.inner.sessions.store)
    }

    pub(crate) fn store(&self) -> &dyn TokenStore {
        &*self.inner.sessions.store
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.client
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.baseurl
    }

    pub(crate) fn base_path(&self) -> &str {
        &self.inner.config.base_path
    }

    /// The base URL every operation path is appended to.
    pub fn baseurl(&self) -> &str {
        &self.baseurl
    }
}

impl ClientBuilder {
    /// The environment (default: [`Environment::Production`]).
    ///
    /// Production is the default because credentials are issued per
    /// environment: a client built with production credentials and nothing
    /// else talks to production. Use [`Environment::Beta`] with beta
    /// credentials, and [`base_url`](Self::base_url) for the local simulator.
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

    /// Connect timeout (default 10 s). Ignored with [`http_client_builder`](Self::http_client_builder).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// Read-idle timeout: a call fails with [`Error::Timeout`] when no byte
    /// arrives for this long (default 30 s). It bounds streamed transfers,
    /// which have no total deadline by default. Ignored with
    /// [`http_client_builder`](Self::http_client_builder).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.read_idle = timeout;
        self
    }

    /// Total deadline of each attempt of a call whose response is buffered
    /// (JSON, XML, error bodies; default 30 s), from sending to the last
    /// byte. Streamed uploads and downloads are bounded by the read-idle
    /// timeout instead, plus [`transfer_deadline`](Self::transfer_deadline).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.total = timeout;
        self
    }

    /// A total deadline for streamed uploads and downloads (default: none;
    /// a flowing transfer is never cut, a stalled one fails after the
    /// read-idle timeout).
    pub fn transfer_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.timeouts.transfer = deadline;
        self
    }

    /// Deadline of one token refresh, retries included (default 30 s). Every
    /// caller waiting for that refresh gets [`Error::Timeout`] when it passes.
    pub fn refresh_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.refresh = timeout;
        self
    }

    /// Caps on buffered response bodies (default: [`BodyLimits::default`]).
    pub fn body_limits(mut self, limits: BodyLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The `User-Agent` header. Ignored with [`http_client_builder`](Self::http_client_builder).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Build the HTTP client from a caller-configured `reqwest::ClientBuilder`
    /// (its timeouts, proxy, TLS and user agent apply).
    ///
    /// The client always turns redirects off on it, whatever the builder
    /// says: a redirect followed by the HTTP client would re-send the client
    /// secret, a code or a bearer token to wherever the server points. A
    /// `3xx` answer is [`Error::Redirected`] instead. (A built
    /// `reqwest::Client` is not accepted, because its redirect policy cannot
    /// be checked.)
    pub fn http_client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Some(builder);
        self
    }

    /// Where end users' tokens live, by session key (default: an
    /// [`InMemoryTokenStore`]). Each per-user handle from
    /// [`Client::session`] reads and writes its own key only.
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// The retry policy for idempotent operations (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How the code exchange sends the client credentials (default: in the
    /// body; Requester API Spec v1.12 p.5 allows both).
    pub fn credentials_in(mut self, mode: CredentialsIn) -> Self {
        self.credentials_in = mode;
        self
    }

    /// How the refresh grant sends the client credentials (default: HTTP
    /// Basic, the only form Requester API Spec v1.12 p.8 documents). Choose
    /// [`CredentialsIn::Body`] only for a server known to want them there.
    pub fn refresh_credentials_in(mut self, mode: CredentialsIn) -> Self {
        self.refresh_credentials_in = mode;
        self
    }

    /// What downloads do without an `hmac` header (default: reject).
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
    /// secret and tokens never travel unencrypted over a network). Fails on an
    /// `https://` base URL when the crate was built without a TLS feature
    /// (`rustls`, `rustls-ring` or `native-tls`) and no
    /// [`http_client_builder`](Self::http_client_builder) was given.
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
            Some(builder) => builder,
            None => {
                check_tls_available(&base)?;
                install_tls_provider();
                reqwest::Client::builder()
                    .connect_timeout(self.timeouts.connect)
                    .read_timeout(self.timeouts.read_idle)
                    .user_agent(self.user_agent)
            }
        }
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
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
                refresh_credentials_in: self.refresh_credentials_in,
                missing_hmac: self.missing_hmac,
                refresh_skew: self.refresh_skew,
                timeouts: self.timeouts,
                limits: self.limits,
                base_path: base.path().to_string(),
                oidc,
                body_signer,
            }),
            sessions: Arc::new(Sessions {
                store,
                registry: Arc::default(),
            }),
            session: None,
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
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    #[tokio::test]
    async fn https_clients_build_and_fail_cleanly() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = Client::builder("id", "secret")
            .base_url(&format!("https://127.0.0.1:{port}/public"))
            .build()
            .unwrap();
        let err = client.list_issuers().send().await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert!(
            Client::builder("id", "secret")
                .environment(Environment::Production)
                .build()
                .is_ok()
        );
    }

    /// Without a TLS feature an https host is refused by `build()`, naming
    /// the feature to enable; plain http to loopback still builds.
    #[cfg(not(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls")))]
    #[test]
    fn https_without_tls_is_a_config_error() {
        let err = Client::builder("id", "secret")
            .environment(Environment::Production)
            .build()
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(text.contains("rustls") && text.contains("TLS"), "{text}");
        assert!(
            Client::builder("id", "secret")
                .base_url("http://127.0.0.1:1/public")
                .build()
                .is_ok()
        );
    }

    /// The default environment is production.
    #[test]
    fn default_environment_is_production() {
        let builder = Client::builder("id", "secret");
        assert!(matches!(builder.environment, Ok(Environment::Production)));
    }
}
