//! The authorize URL (`GET /oauth2/1/authorize`) and the state a caller keeps
//! until the callback.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use url::Url;

use super::PkceVerifier;
use crate::{Client, Error, ValidationError};

/// The purpose of the consent (Requester API Spec v1.12, `purpose`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Purpose {
    /// Know-your-customer.
    Kyc,
    /// Verification.
    Verification,
    /// Compliance.
    Compliance,
    /// Availing services.
    AvailingServices,
    /// Education.
    Educational,
}

impl Purpose {
    /// The value DigiLocker expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kyc => "kyc",
            Self::Verification => "verification",
            Self::Compliance => "compliance",
            Self::AvailingServices => "availing_services",
            Self::Educational => "educational",
        }
    }
}

/// What the caller keeps between redirecting the user and handling the
/// callback: the `state` and the PKCE verifier.
///
/// It is deliberately not `Serialize`: to keep it in a server-side
/// session, use the explicit
/// [`to_json_exposing_secrets`](Self::to_json_exposing_secrets) /
/// [`from_json`](Self::from_json) pair. The JSON holds the verifier in
/// clear: never send it to the browser.
#[derive(Clone, Debug)]
pub struct PendingAuthorization {
    pub(crate) state: String,
    pub(crate) verifier: PkceVerifier,
    pub(crate) redirect_uri: String,
}

impl PendingAuthorization {
    /// The `state` sent with the authorization request.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The redirect URI the code was requested for.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }
}

/// Builds the URL that sends the user to DigiLocker's consent page.
/// Start with [`Client::authorize_url`].
#[derive(Debug)]
#[must_use]
pub struct AuthorizeUrlBuilder<'a> {
    client: &'a Client,
    verifier: Option<PkceVerifier>,
    signup: bool,
    verified_mobile: Option<String>,
    req_doctype: Vec<String>,
    purpose: Option<Purpose>,
    consent_valid_till: Option<u64>,
}

impl Client {
    /// Starts an authorization-code + PKCE flow: the URL of the consent page (`GET /oauth2/1/authorize`).
    ///
    /// ```
    /// # let client = digilocker_authpartner::Client::builder("id", "secret")
    /// #     .redirect_uri("https://partner.example/callback").build()?;
    /// use digilocker_authpartner::auth::Purpose;
    ///
    /// let (url, pending) = client
    ///     .authorize_url()
    ///     .purpose(Purpose::Kyc)
    ///     .req_doctype(["PANCR", "DRVLC"])
    ///     .build()?;
    /// // Keep `pending` in the user's server-side session; redirect to `url`.
    /// assert!(url.as_str().contains("code_challenge_method=S256"));
    /// # Ok::<(), digilocker_authpartner::Error>(())
    /// ```
    pub fn authorize_url(&self) -> AuthorizeUrlBuilder<'_> {
        AuthorizeUrlBuilder {
            client: self,
            verifier: None,
            signup: false,
            verified_mobile: None,
            req_doctype: Vec::new(),
            purpose: None,
            consent_valid_till: None,
        }
    }
}

fn random_state() -> Result<String, Error> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Config(format!("no secure randomness available: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

impl AuthorizeUrlBuilder<'_> {
    /// Send users without an account straight to sign-up (`dl_flow=signup`).
    pub fn signup(mut self) -> Self {
        self.signup = true;
        self
    }

    /// A mobile number the partner has verified, to skip the OTP step during
    /// sign-up (10 digits; only sent together with [`signup`](Self::signup)).
    pub fn verified_mobile(mut self, mobile: impl Into<String>) -> Self {
        self.verified_mobile = Some(mobile.into());
        self
    }

    /// Document types to show on the consent page, e.g. `["PANCR", "DRVLC"]`.
    pub fn req_doctype<I, S>(mut self, doctypes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.req_doctype = doctypes.into_iter().map(Into::into).collect();
        self
    }

    /// The purpose of the consent.
    pub fn purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = Some(purpose);
        self
    }

    /// When the consent expires, as a UNIX timestamp in seconds.
    pub fn consent_valid_till(mut self, unix_seconds: u64) -> Self {
        self.consent_valid_till = Some(unix_seconds);
        self
    }

    /// Use this verifier instead of a fresh random one (for tests).
    pub fn with_verifier(mut self, verifier: PkceVerifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// The URL to redirect the user to, and what to keep for the callback.
    pub fn build(self) -> Result<(Url, PendingAuthorization), Error> {
        let config = self.client.config();
        let redirect_uri = config.redirect_uri.clone().ok_or_else(|| {
            ValidationError::new("redirect_uri", "set one with ClientBuilder::redirect_uri")
        })?;
        if let Some(m) = &self.verified_mobile {
            crate::validate::mobile("verified_mobile", m)?;
        }
        for d in &self.req_doctype {
            crate::validate::doctype("req_doctype", d)?;
        }
        let verifier = match self.verifier {
            Some(v) => v,
            None => PkceVerifier::generate()?,
        };
        let state = random_state()?;
        let mut url = Url::parse(&format!("{}/oauth2/1/authorize", self.client.base_url()))
            .map_err(|e| Error::Config(format!("invalid base URL: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &config.client_id)
                .append_pair("redirect_uri", redirect_uri.as_str())
                .append_pair("state", &state)
                .append_pair("code_challenge", verifier.challenge().as_str())
                .append_pair("code_challenge_method", "S256");
            if self.signup {
                q.append_pair("dl_flow", "signup");
                if let Some(m) = &self.verified_mobile {
                    q.append_pair("verified_mobile", m);
                }
            }
            if !self.req_doctype.is_empty() {
                q.append_pair("req_doctype", &self.req_doctype.join(","));
            }
            if let Some(p) = self.purpose {
                q.append_pair("purpose", p.as_str());
            }
            if let Some(t) = self.consent_valid_till {
                q.append_pair("consent_valid_till", &t.to_string());
            }
        }
        Ok((
            url,
            PendingAuthorization {
                state,
                verifier,
                redirect_uri: redirect_uri.to_string(),
            },
        ))
    }
}
