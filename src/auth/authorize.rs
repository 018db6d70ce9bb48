//! The authorize URL (`GET /oauth2/1/authorize`) and the state a caller keeps
//! until the callback. MeriPehchaan's additions (v2.3 p.5-6): `scope`,
//! `acr`, `amr`, `pla`, `plsignup`, `ulsignup`; and the OIDC `nonce`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use url::Url;

use super::{Acr, AuthMethod, PkceVerifier, Scope};
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
    /// Whether `scope` had `openid`: the code then goes to `/oauth2/2/token`
    /// and the id_token must verify.
    pub(crate) openid: bool,
    /// The nonce sent, which the id_token must carry.
    pub(crate) nonce: Option<String>,
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

    /// Whether the request asked for `openid` (an id_token).
    pub fn is_openid(&self) -> bool {
        self.openid
    }

    /// The nonce sent, if any.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
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
    /// Masked by `Debug`.
    verified_mobile: Option<crate::IdentityNumber>,
    req_doctype: Vec<String>,
    purpose: Option<Purpose>,
    consent_valid_till: Option<u64>,
    scopes: Vec<Scope>,
    acr: Option<Acr>,
    amr: Vec<AuthMethod>,
    pinless: bool,
    pinless_signup: bool,
    usernameless_signup: bool,
    nonce: Option<Nonce>,
}

#[derive(Debug)]
enum Nonce {
    Given(String),
    Random,
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
            scopes: Vec::new(),
            acr: None,
            amr: Vec::new(),
            pinless: false,
            pinless_signup: false,
            usernameless_signup: false,
            nonce: None,
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
        self.verified_mobile = Some(crate::IdentityNumber::new(mobile));
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

    /// Adds a scope (`scope`, space-separated; MeriPehchaan v2.3 p.6).
    pub fn scope(mut self, scope: Scope) -> Self {
        let scope = match scope {
            Scope::Other(s) if s == "openid" => Scope::OpenId,
            other => other,
        };
        if !self.scopes.contains(&scope) {
            self.scopes.push(scope);
        }
        self
    }

    /// Adds several scopes.
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        for scope in scopes {
            self = self.scope(scope);
        }
        self
    }

    /// Asks for an id_token (`scope=openid`): the code exchange then uses
    /// `POST /oauth2/2/token` and fails unless the id_token verifies, so the
    /// client needs a key source (`ClientBuilder::id_token_keys` or
    /// `ClientBuilder::jwks_url`). Not sent by default, for any environment.
    pub fn openid(self) -> Self {
        self.scope(Scope::OpenId)
    }

    /// The document the user verifies while signing in (`acr`); the verified
    /// value arrives in the id_token, so this needs [`openid`](Self::openid).
    pub fn acr(mut self, acr: Acr) -> Self {
        self.acr = Some(acr);
        self
    }

    /// Authentication methods offered during sign-up (`amr`, space-separated).
    /// DigiLocker ignores them outside sign-up, so they need
    /// [`signup`](Self::signup).
    pub fn amr(mut self, methods: impl IntoIterator<Item = AuthMethod>) -> Self {
        for m in methods {
            if !self.amr.contains(&m) {
                self.amr.push(m);
            }
        }
        self
    }

    /// Pinless authentication (`pla=Y`).
    pub fn pinless(mut self) -> Self {
        self.pinless = true;
        self
    }

    /// Pinless authentication during sign-up (`plsignup=Y`); needs
    /// [`signup`](Self::signup).
    pub fn pinless_signup(mut self) -> Self {
        self.pinless_signup = true;
        self
    }

    /// Username-less authentication during sign-up (`ulsignup=Y`); needs
    /// [`signup`](Self::signup).
    pub fn usernameless_signup(mut self) -> Self {
        self.usernameless_signup = true;
        self
    }

    /// Sends this OpenID Connect `nonce`, which the id_token must then carry
    /// (needs [`openid`](Self::openid)). MeriPehchaan v2.3 does not document
    /// `nonce` and its sample id_token has none: send one only if your
    /// DigiLocker client echoes it, or every id_token will be refused.
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(Nonce::Given(nonce.into()));
        self
    }

    /// Like [`nonce`](Self::nonce) with a fresh random value (192 bits),
    /// kept in the [`PendingAuthorization`].
    pub fn random_nonce(mut self) -> Self {
        self.nonce = Some(Nonce::Random);
        self
    }

    /// Use this verifier instead of a fresh random one (for tests).
    pub fn with_verifier(mut self, verifier: PkceVerifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// The URL to redirect the user to, and what to keep for the callback.
    pub fn build(mut self) -> Result<(Url, PendingAuthorization), Error> {
        let config = self.client.config();
        let redirect_uri = config.redirect_uri.clone().ok_or_else(|| {
            ValidationError::new("redirect_uri", "set one with ClientBuilder::redirect_uri")
        })?;
        if let Some(m) = &self.verified_mobile {
            crate::validate::mobile("verified_mobile", m.expose())?;
        }
        for d in &self.req_doctype {
            crate::validate::doctype("req_doctype", d)?;
        }
        let openid = self.check_meripehchaan_options()?;
        let nonce = match self.nonce.take() {
            None => None,
            Some(Nonce::Given(n)) => {
                let ok = !n.is_empty() && n.len() <= 255 && n.bytes().all(|b| b.is_ascii_graphic());
                if !ok {
                    return Err(ValidationError::new(
                        "nonce",
                        "must be 1 to 255 printable ASCII characters without spaces",
                    )
                    .into());
                }
                Some(n)
            }
            Some(Nonce::Random) => Some(random_state()?),
        };
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
                    q.append_pair("verified_mobile", m.expose());
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
            if !self.scopes.is_empty() {
                let scope: Vec<String> = self.scopes.iter().map(Scope::as_string).collect();
                q.append_pair("scope", &scope.join(" "));
            }
            if let Some(acr) = self.acr {
                q.append_pair("acr", acr.as_str());
            }
            if !self.amr.is_empty() {
                let amr: Vec<&str> = self.amr.iter().map(|m| m.as_str()).collect();
                q.append_pair("amr", &amr.join(" "));
            }
            for (set, name) in [
                (self.pinless, "pla"),
                (self.pinless_signup, "plsignup"),
                (self.usernameless_signup, "ulsignup"),
            ] {
                if set {
                    q.append_pair(name, "Y");
                }
            }
            if let Some(n) = &nonce {
                q.append_pair("nonce", n);
            }
        }
        Ok((
            url,
            PendingAuthorization {
                state,
                verifier,
                redirect_uri: redirect_uri.to_string(),
                openid,
                nonce,
            },
        ))
    }

    /// Checks the MeriPehchaan options against each other and the client;
    /// returns whether `openid` is requested.
    fn check_meripehchaan_options(&self) -> Result<bool, Error> {
        for scope in &self.scopes {
            scope.validate()?;
        }
        let openid = self.scopes.contains(&Scope::OpenId);
        let needs_signup = |field: &'static str, set: bool| {
            if set && !self.signup {
                Err(ValidationError::new(
                    field,
                    "is only used during sign-up (dl_flow=signup): call .signup() too",
                ))
            } else {
                Ok(())
            }
        };
        needs_signup("amr", !self.amr.is_empty())?;
        needs_signup("plsignup", self.pinless_signup)?;
        needs_signup("ulsignup", self.usernameless_signup)?;
        if !openid {
            if self.acr.is_some() {
                return Err(ValidationError::new(
                    "acr",
                    "its result arrives in the id_token: call .openid() too",
                )
                .into());
            }
            if self.nonce.is_some() {
                return Err(ValidationError::new("nonce", "needs .openid()").into());
            }
        }
        if openid && !self.client.config().oidc.can_verify() {
            let why = if cfg!(feature = "oidc") {
                "openid needs a key to verify the id_token: set ClientBuilder::id_token_keys or ClientBuilder::jwks_url"
            } else {
                "openid needs the `oidc` feature, which verifies the id_token"
            };
            return Err(ValidationError::new("scope", why).into());
        }
        Ok(openid)
    }
}
