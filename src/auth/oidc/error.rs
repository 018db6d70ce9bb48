//! Why an id_token was refused.

use std::fmt;

/// Why an id_token was refused, reported as
/// [`AuthError::IdToken`](crate::AuthError::IdToken).
///
/// No variant carries the token or any part of it; the values shown
/// (algorithm, `kid`, issuer) are public header or configuration data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdTokenError {
    /// `openid` was requested but the token response has no `id_token`.
    Missing,
    /// Not a compact JWS (three base64url parts with a JSON header and
    /// payload), too large, or with a `crit` header this crate cannot honour.
    Malformed(&'static str),
    /// The header says `alg: none`: an unsigned token.
    AlgorithmNone,
    /// The header's algorithm is not one the client accepts: HMAC (`HS*`,
    /// which would let a public key act as a shared secret) or any algorithm
    /// not configured with `ClientBuilder::id_token_algorithms`.
    AlgorithmNotAllowed(String),
    /// No key with the token's `kid`, even after refetching the JWKS once
    /// (or a refetch was refused by the rate limit). `None`: the token has
    /// no `kid` and the keys do not single one out.
    UnknownKid(Option<String>),
    /// The key with the token's `kid` cannot check it (another key type or
    /// algorithm, or an encryption key).
    KeyMismatch(String),
    /// The signature does not match the header and payload: the token was
    /// altered or signed with another key.
    InvalidSignature,
    /// `exp` is past, beyond the leeway.
    Expired,
    /// `nbf` is in the future, beyond the leeway.
    NotYetValid,
    /// `iat` is in the future, beyond the leeway.
    IssuedInFuture,
    /// `iss` differs from the configured issuer.
    WrongIssuer {
        /// The issuer the client expects.
        expected: String,
    },
    /// `aud` does not contain the client id (or `azp` names another client).
    WrongAudience,
    /// The authorization request sent a nonce and the token's `nonce` is
    /// absent or different.
    NonceMismatch,
    /// A claim the checks need (`iss`, `sub`, `aud`, `exp`, `iat`) is absent.
    MissingClaim(&'static str),
    /// The verified payload does not fit [`IdTokenClaims`](super::IdTokenClaims).
    InvalidClaims(String),
    /// No key source is configured (`ClientBuilder::id_token_keys` or
    /// `ClientBuilder::jwks_url`), or the `oidc` feature is off.
    NoKeys,
    /// The JWKS could not be fetched or read.
    KeyFetch(String),
}

impl fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("id_token refused: ")?;
        match self {
            Self::Missing => f.write_str("openid was requested but the response has no id_token"),
            Self::Malformed(why) => write!(f, "malformed ({why})"),
            Self::AlgorithmNone => f.write_str("alg none (unsigned)"),
            Self::AlgorithmNotAllowed(alg) => write!(f, "algorithm {alg:?} is not accepted"),
            Self::UnknownKid(Some(kid)) => write!(f, "no key with kid {kid:?}"),
            Self::UnknownKid(None) => f.write_str("no kid and no single key to use"),
            Self::KeyMismatch(why) => write!(f, "the key cannot check this token ({why})"),
            Self::InvalidSignature => f.write_str("the signature does not match"),
            Self::Expired => f.write_str("expired"),
            Self::NotYetValid => f.write_str("not valid yet (nbf)"),
            Self::IssuedInFuture => f.write_str("issued in the future (iat)"),
            Self::WrongIssuer { expected } => write!(f, "issuer is not {expected:?}"),
            Self::WrongAudience => f.write_str("audience is not this client"),
            Self::NonceMismatch => f.write_str("nonce absent or different"),
            Self::MissingClaim(c) => write!(f, "claim {c} is missing"),
            Self::InvalidClaims(why) => write!(f, "claims do not decode: {why}"),
            Self::NoKeys => f.write_str(
                "no verification keys: set ClientBuilder::id_token_keys or ::jwks_url (feature oidc)",
            ),
            Self::KeyFetch(why) => write!(f, "JWKS unavailable: {why}"),
        }
    }
}

impl std::error::Error for IdTokenError {}
