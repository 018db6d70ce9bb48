//! The token endpoint's wire types. They replace the generated ones so that
//! no type in this crate can print a secret: every secret is a `SecretString`.

use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

fn expose<S: Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(secret) => s.serialize_some(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

/// The grant of a token request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum GrantType {
    /// Exchange an authorization code.
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    /// Refresh an access token.
    #[serde(rename = "refresh_token")]
    RefreshToken,
    /// Exchange a device code and OTP (deprecated API).
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

/// Form body of `POST /oauth2/1/token` (schema `TokenRequest`).
///
/// Built by the client's flow methods; `Debug` redacts every secret.
#[derive(Clone, Debug, Serialize)]
pub struct TokenRequest {
    pub(crate) grant_type: GrantType,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose")]
    pub(crate) code: Option<SecretString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) redirect_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose")]
    pub(crate) code_verifier: Option<SecretString>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose")]
    pub(crate) refresh_token: Option<SecretString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) device_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose")]
    pub(crate) dl_otp: Option<SecretString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose")]
    pub(crate) client_secret: Option<SecretString>,
}

impl TokenRequest {
    pub(crate) fn new(grant_type: GrantType) -> Self {
        Self {
            grant_type,
            code: None,
            redirect_uri: None,
            code_verifier: None,
            refresh_token: None,
            device_code: None,
            dl_otp: None,
            client_id: None,
            client_secret: None,
        }
    }
}

/// Form body of `POST /oauth2/1/revoke` (schema `RevokeRequest`).
#[derive(Clone, Debug, Serialize)]
pub struct RevokeRequest {
    #[serde(serialize_with = "expose_required")]
    pub(crate) token: SecretString,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token_type_hint: Option<&'static str>,
}

fn expose_required<S: Serializer>(v: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.expose_secret())
}

/// The token endpoint's answer (schema `TokenResponse`; also the sign-up
/// APIs' `SignupResponse` and `SignupVerifyResponse`).
///
/// Tokens are secrets; `Debug` shows them as `[REDACTED]`.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    pub access_token: SecretString,
    /// Lifetime of the access token in seconds, as sent.
    pub expires_in: i64,
    /// Always `Bearer`.
    pub token_type: String,
    /// Space-separated scopes the user granted.
    #[serde(default)]
    pub scope: Option<String>,
    /// UNIX timestamp at which the user's consent expires.
    #[serde(default)]
    pub consent_valid_till: Option<i64>,
    /// The refresh token.
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// The user's DigiLocker id.
    #[serde(default)]
    pub digilockerid: Option<String>,
    /// The user's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Date of birth, DDMMYYYY.
    #[serde(default)]
    pub dob: Option<String>,
    /// `M`, `F` or `T`.
    #[serde(default)]
    pub gender: Option<crate::shapes::Gender>,
    /// `Y` when e-Aadhaar data is available.
    #[serde(default)]
    pub eaadhaar: Option<String>,
    /// `Y` when the user signed up during this authorization.
    #[serde(default)]
    pub new_account: Option<String>,
    /// Account reference key, for tracing.
    #[serde(default)]
    pub reference_key: Option<String>,
    /// OpenID Connect ID token (a JWT), with the `openid` scope. Its checked
    /// claims: [`id_token_claims`](Self::id_token_claims).
    #[serde(default)]
    pub id_token: Option<SecretString>,
    /// Sign-up APIs only: the masked mobile the OTP went to.
    #[serde(default)]
    pub mobile: Option<crate::IdentityNumber>,
    /// Set by the code exchange once the id_token is verified.
    #[serde(skip)]
    pub(crate) verified_id_token: Option<Box<super::VerifiedIdToken>>,
    #[serde(skip, default = "Instant::now")]
    received_at: Instant,
    #[serde(skip, default = "SystemTime::now")]
    received_at_wall: SystemTime,
}

impl TokenResponse {
    /// When the access token expires (`expires_in` counted from receipt).
    ///
    /// A negative `expires_in` counts as already expired; one above
    /// [`MAX_TOKEN_LIFETIME`](super::MAX_TOKEN_LIFETIME) is clamped to it.
    pub fn expires_at(&self) -> Instant {
        self.received_at
            .checked_add(self.lifetime())
            .unwrap_or(self.received_at)
    }

    /// The same expiry as wall-clock time, for persisting.
    pub fn expires_at_system(&self) -> SystemTime {
        self.received_at_wall
            .checked_add(self.lifetime())
            .unwrap_or(self.received_at_wall)
    }

    /// The token's lifetime as sent, clamped to `0..=MAX_TOKEN_LIFETIME`.
    pub fn lifetime(&self) -> Duration {
        Duration::from_secs(u64::try_from(self.expires_in).unwrap_or(0))
            .min(super::MAX_TOKEN_LIFETIME)
    }

    /// When the user's consent expires, from `consent_valid_till`; `None`
    /// when absent, negative, or beyond what `SystemTime` can hold.
    pub fn consent_expires_at(&self) -> Option<SystemTime> {
        let secs = u64::try_from(self.consent_valid_till?).ok()?;
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    }
}

/// The sign-up API's answer (schema `SignupResponse`).
///
/// For a new account with `verification=Y` only [`mobile`](Self::mobile) is
/// sent and the tokens come from the OTP verification; for an existing
/// account (or `verification=N`) the tokens come at once.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct SignupResponse {
    /// The masked mobile number the OTP was sent to.
    #[serde(default)]
    pub mobile: Option<crate::IdentityNumber>,
    /// The access token, when sent.
    #[serde(default)]
    pub access_token: Option<SecretString>,
    /// Lifetime of the access token in seconds, when sent.
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// `Bearer`, when tokens are sent.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Granted scopes, when sent.
    #[serde(default)]
    pub scope: Option<String>,
    /// The refresh token, when sent.
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
}
