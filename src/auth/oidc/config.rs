//! id_token verification settings: key source, issuer, algorithms, leeway.

#[cfg(feature = "oidc")]
use std::time::Duration;

#[cfg(feature = "oidc")]
use url::Url;

use crate::{Environment, Error};

/// The issuer `iss` expected by default: the API host without `/public`.
///
/// The MeriPehchaan v2.3 sample id_token (p.8) carries
/// `https://api.digitallocker.gov.in`, so that is the default for
/// [`Environment::Production`] and [`Environment::MeriPehchaan`];
/// [`Environment::Beta`] expects `https://betaapi.digitallocker.gov.in`
/// by the same rule, and a custom base URL its origin (scheme, host, port).
/// Override with `ClientBuilder::id_token_issuer`.
impl Environment {
    /// The `iss` an id_token from this environment is expected to carry.
    pub fn id_token_issuer(&self) -> String {
        match self {
            Self::Production | Self::MeriPehchaan => "https://api.digitallocker.gov.in".into(),
            Self::Beta => "https://betaapi.digitallocker.gov.in".into(),
            Self::Custom(url) => url.origin().ascii_serialization(),
        }
    }
}

/// The builder's OIDC settings, checked in `ClientBuilder::build`.
#[derive(Debug, Default)]
pub(crate) struct OidcOptions {
    #[cfg(feature = "oidc")]
    pub(crate) keys: Option<KeyChoice>,
    #[cfg(feature = "oidc")]
    pub(crate) issuer: Option<String>,
    #[cfg(feature = "oidc")]
    pub(crate) leeway: Option<Duration>,
    #[cfg(feature = "oidc")]
    pub(crate) algorithms: Option<Vec<IdTokenAlgorithm>>,
    #[cfg(feature = "oidc")]
    pub(crate) jwks_ttl: Option<Duration>,
    #[cfg(feature = "oidc")]
    pub(crate) jwks_refetch: Option<Duration>,
}

/// Where the keys come from, as configured.
#[cfg(feature = "oidc")]
#[derive(Debug)]
pub(crate) enum KeyChoice {
    Keys(super::IdTokenKeys),
    Url(Result<super::jwks::JwksUrl, String>),
}

/// The client's OIDC configuration, shared by its clones.
#[derive(Debug)]
pub(crate) struct OidcSettings {
    #[cfg(feature = "oidc")]
    pub(crate) keys: Option<KeySource>,
    #[cfg(feature = "oidc")]
    pub(crate) issuer: String,
    #[cfg(feature = "oidc")]
    pub(crate) leeway: Duration,
    #[cfg(feature = "oidc")]
    pub(crate) algorithms: Vec<IdTokenAlgorithm>,
}

/// The configured key source.
#[cfg(feature = "oidc")]
#[derive(Debug)]
pub(crate) enum KeySource {
    Keys(super::IdTokenKeys),
    Jwks(Box<super::jwks::JwksSource>),
}

impl OidcSettings {
    /// Whether the client can verify id_tokens.
    #[cfg(feature = "oidc")]
    pub(crate) fn can_verify(&self) -> bool {
        self.keys.is_some()
    }

    /// Whether the client can verify id_tokens: never without `oidc`.
    #[cfg(not(feature = "oidc"))]
    pub(crate) fn can_verify(&self) -> bool {
        false
    }
}

/// Default leeway for `exp`, `nbf` and `iat`.
#[cfg(feature = "oidc")]
const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

impl OidcOptions {
    #[cfg(not(feature = "oidc"))]
    pub(crate) fn build(self, _environment: &Environment) -> Result<OidcSettings, Error> {
        Ok(OidcSettings {})
    }

    #[cfg(feature = "oidc")]
    pub(crate) fn build(self, environment: &Environment) -> Result<OidcSettings, Error> {
        let keys = match self.keys {
            None => None,
            Some(KeyChoice::Keys(keys)) => Some(KeySource::Keys(keys)),
            Some(KeyChoice::Url(url)) => {
                let url = url.map_err(Error::Config)?;
                crate::transport::guard::check_url(url.url())?;
                Some(KeySource::Jwks(Box::new(super::jwks::JwksSource::new(
                    url,
                    self.jwks_ttl.unwrap_or(Duration::from_secs(3600)),
                    self.jwks_refetch.unwrap_or(Duration::from_secs(60)),
                ))))
            }
        };
        if keys.is_some() {
            // Pick the provider explicitly, so that another crate turning
            // on jsonwebtoken's `rust_crypto` as well cannot make it panic.
            let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        }
        let algorithms = self
            .algorithms
            .unwrap_or_else(|| vec![IdTokenAlgorithm::Rs256]);
        if algorithms.is_empty() {
            return Err(Error::Config(
                "id_token_algorithms is empty: no id_token could be verified".into(),
            ));
        }
        Ok(OidcSettings {
            keys,
            issuer: self.issuer.unwrap_or_else(|| environment.id_token_issuer()),
            leeway: self.leeway.unwrap_or(DEFAULT_LEEWAY),
            algorithms,
        })
    }
}

/// A signature algorithm id_tokens may use. Only asymmetric algorithms exist
/// here: an HMAC id_token is always refused.
#[cfg(feature = "oidc")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdTokenAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: what MeriPehchaan uses (v2.3 p.8).
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// ECDSA P-384 with SHA-384.
    Es384,
    /// EdDSA (Ed25519).
    EdDsa,
}

#[cfg(feature = "oidc")]
impl IdTokenAlgorithm {
    /// The JOSE name, e.g. `RS256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::EdDsa => "EdDSA",
        }
    }

    pub(crate) fn jose(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as A;
        match self {
            Self::Rs256 => A::RS256,
            Self::Rs384 => A::RS384,
            Self::Rs512 => A::RS512,
            Self::Ps256 => A::PS256,
            Self::Ps384 => A::PS384,
            Self::Ps512 => A::PS512,
            Self::Es256 => A::ES256,
            Self::Es384 => A::ES384,
            Self::EdDsa => A::EdDSA,
        }
    }
}

/// id_token verification (feature `oidc`).
#[cfg(feature = "oidc")]
impl crate::ClientBuilder {
    /// Verify id_tokens with these keys (a JWK set or PEM public keys).
    /// Replaces a [`jwks_url`](Self::jwks_url).
    pub fn id_token_keys(mut self, keys: super::IdTokenKeys) -> Self {
        self.oidc.keys = Some(KeyChoice::Keys(keys));
        self
    }

    /// Verify id_tokens with the keys published at this JWKS URL, fetched
    /// with this client's HTTP settings (no credentials are sent), at most
    /// 64 KiB, cached for an hour (see [`jwks_cache`](Self::jwks_cache)) and
    /// refetched once when a token names an unknown `kid`. `https://`, or
    /// `http://` to a loopback address; invalid URLs fail in `build`.
    /// Replaces [`id_token_keys`](Self::id_token_keys).
    pub fn jwks_url(mut self, url: &str) -> Self {
        // The error leaves the text out: it may carry credentials.
        let parsed = Url::parse(url)
            .map(super::jwks::JwksUrl::new)
            .map_err(|e| format!("invalid JWKS URL: {e}"));
        self.oidc.keys = Some(KeyChoice::Url(parsed));
        self
    }

    /// How long a fetched JWKS is used before it is fetched again (default
    /// 1 h), and the shortest time between two refetches caused by unknown
    /// `kid`s (default 60 s), which bounds what a stream of tokens with
    /// made-up `kid`s can cost.
    pub fn jwks_cache(mut self, ttl: Duration, refetch_interval: Duration) -> Self {
        self.oidc.jwks_ttl = Some(ttl);
        self.oidc.jwks_refetch = Some(refetch_interval);
        self
    }

    /// The issuer id_tokens must carry (default:
    /// [`Environment::id_token_issuer`]).
    pub fn id_token_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.oidc.issuer = Some(issuer.into());
        self
    }

    /// The clock skew allowed on `exp`, `nbf` and `iat` (default 60 s).
    pub fn id_token_leeway(mut self, leeway: Duration) -> Self {
        self.oidc.leeway = Some(leeway);
        self
    }

    /// The signature algorithms accepted (default: `RS256` only).
    pub fn id_token_algorithms(
        mut self,
        algorithms: impl IntoIterator<Item = IdTokenAlgorithm>,
    ) -> Self {
        self.oidc.algorithms = Some(algorithms.into_iter().collect());
        self
    }
}
