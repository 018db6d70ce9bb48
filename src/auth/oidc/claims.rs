//! The id_token's claims (MeriPehchaan v2.3 p.8 sample).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::ExposeSecret;
use serde::{Deserialize, Deserializer, Serialize};

use super::IdTokenError;
use crate::auth::TokenResponse;
use crate::identity::{IdentityNumber, mask_email};
use crate::{AuthError, Error};

/// The claims of a MeriPehchaan id_token.
///
/// Names follow the MeriPehchaan v2.3 sample (p.8); claims this type does
/// not name are kept in [`extra`](Self::extra). Which of the optional ones
/// are present depends on the user and on the `acr` requested.
///
/// Its `Debug` masks the identity numbers (PAN, driving licence, mobile)
/// and the e-mail address, and shows only the names of the
/// [`extra`](Self::extra) claims; read the values through
/// [`IdentityNumber::expose`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// Issuer, e.g. `https://api.digitallocker.gov.in`.
    pub iss: String,
    /// Subject: the user's DigiLocker user name in the sample.
    pub sub: String,
    /// Audience: the client id (a string or an array on the wire).
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Issued at, UNIX seconds.
    pub iat: i64,
    /// Expiry, UNIX seconds.
    pub exp: i64,
    /// Not before, UNIX seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// When the user authenticated, UNIX seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The nonce of the authorization request, when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authorized party (OIDC), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// The user's name as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The DigiLocker user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Date of birth; the sample has `DD/MM/YYYY` (`01/01/1990`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    /// Mobile number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<IdentityNumber>,
    /// Token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The user's single-sign-on id, e.g. `DL-93f3390c-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_sso_id: Option<String>,
    /// PAN, verified (with `acr=pan`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pan_number: Option<IdentityNumber>,
    /// Driving licence number, verified (with `acr=driving_licence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driving_licence: Option<IdentityNumber>,
    /// Masked Aadhaar, e.g. `xxxxxxxx1234`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_aadhaar: Option<String>,
    /// Every other claim, verbatim.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for IdTokenClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenClaims")
            .field("iss", &self.iss)
            .field("sub", &self.sub)
            .field("aud", &self.aud)
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .field("nbf", &self.nbf)
            .field("auth_time", &self.auth_time)
            .field("nonce", &self.nonce)
            .field("azp", &self.azp)
            .field("given_name", &self.given_name)
            .field("preferred_username", &self.preferred_username)
            .field("email", &self.email.as_deref().map(mask_email))
            .field("birthdate", &self.birthdate)
            .field("phone_number", &self.phone_number)
            .field("jti", &self.jti)
            .field("user_sso_id", &self.user_sso_id)
            .field("pan_number", &self.pan_number)
            .field("driving_licence", &self.driving_licence)
            .field("masked_aadhaar", &self.masked_aadhaar)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// A verified id_token: its claims and the header values it was checked with.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedIdToken {
    pub(crate) claims: IdTokenClaims,
    pub(crate) kid: Option<String>,
    pub(crate) alg: String,
}

impl VerifiedIdToken {
    /// The verified claims.
    pub fn claims(&self) -> &IdTokenClaims {
        &self.claims
    }

    /// The claims, owned.
    pub fn into_claims(self) -> IdTokenClaims {
        self.claims
    }

    /// The `kid` of the key that verified the signature, from the header.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The signature algorithm, e.g. `RS256`.
    pub fn algorithm(&self) -> &str {
        &self.alg
    }
}

impl IdTokenClaims {
    /// Decodes a token's payload **without checking anything**: not the
    /// signature, the issuer, the audience, the expiry or the nonce. For
    /// diagnosis only; use `Client::verify_id_token` (feature `oidc`) or the
    /// claims [`Client::exchange_code`](crate::Client::exchange_code) verified.
    pub fn decode_unverified(id_token: &str) -> Result<Self, Error> {
        decode_payload(id_token)
            .and_then(from_value)
            .map_err(|e| AuthError::IdToken(e).into())
    }
}

impl TokenResponse {
    /// The id_token, verified by [`Client::exchange_code`](crate::Client::exchange_code):
    /// signature, issuer, audience, expiry and nonce. `None` when the
    /// response had no id_token or the client has no key source to check it
    /// with (with `openid` requested, the exchange fails instead).
    pub fn verified_id_token(&self) -> Option<&VerifiedIdToken> {
        self.verified_id_token.as_deref()
    }

    /// The verified claims; see [`verified_id_token`](Self::verified_id_token).
    pub fn id_token_claims(&self) -> Option<&IdTokenClaims> {
        self.verified_id_token().map(VerifiedIdToken::claims)
    }

    /// The id_token's claims decoded **without any check**; see
    /// [`IdTokenClaims::decode_unverified`]. `Ok(None)` without an id_token.
    pub fn unverified_id_token_claims(&self) -> Result<Option<IdTokenClaims>, Error> {
        self.id_token
            .as_ref()
            .map(|t| IdTokenClaims::decode_unverified(t.expose_secret()))
            .transpose()
    }
}

/// Largest id_token accepted, in bytes: the MeriPehchaan sample is about 1 KiB.
pub(crate) const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The three parts of a compact JWS.
pub(crate) fn split(token: &str) -> Result<[&str; 3], IdTokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(IdTokenError::Malformed("longer than 16 KiB"));
    }
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() => Ok([h, p, s]),
        _ => Err(IdTokenError::Malformed("not three dot-separated parts")),
    }
}

/// Decodes one base64url part as a JSON object.
pub(crate) fn json_part(
    part: &str,
    what: &'static str,
) -> Result<serde_json::Map<String, serde_json::Value>, IdTokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| IdTokenError::Malformed(what))?;
    serde_json::from_slice(&bytes).map_err(|_| IdTokenError::Malformed(what))
}

fn decode_payload(token: &str) -> Result<serde_json::Value, IdTokenError> {
    let [_, payload, _] = split(token)?;
    json_part(payload, "payload is not base64url JSON").map(serde_json::Value::Object)
}

/// The claims from a payload object.
pub(crate) fn from_value(value: serde_json::Value) -> Result<IdTokenClaims, IdTokenError> {
    if let Some(obj) = value.as_object() {
        for claim in ["iss", "sub", "aud", "exp", "iat"] {
            if !obj.contains_key(claim) {
                return Err(IdTokenError::MissingClaim(claim));
            }
        }
    }
    serde_json::from_value(value).map_err(|e| IdTokenError::InvalidClaims(e.to_string()))
}
