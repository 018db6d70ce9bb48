//! Verification keys: a JWK set or PEM public keys, and the choice of the
//! key for a token's `kid`.

use std::fmt;

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

use super::IdTokenError;
use crate::{Error, ValidationError};

/// One public key and what it may verify.
#[derive(Clone)]
pub(crate) struct VerificationKey {
    pub(crate) kid: Option<String>,
    /// The JWK's `alg`, when it names a signature algorithm.
    pub(crate) alg: Option<Algorithm>,
    pub(crate) key: DecodingKey,
}

impl fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("family", &self.key.family())
            .finish()
    }
}

impl VerificationKey {
    /// Whether this key can check a signature made with `alg`.
    pub(crate) fn check_fits(&self, alg: Algorithm) -> Result<(), IdTokenError> {
        if self.key.family() != alg.family() {
            return Err(IdTokenError::KeyMismatch(format!(
                "a {:?} key cannot check {alg:?}",
                self.key.family()
            )));
        }
        match self.alg {
            Some(own) if own != alg => Err(IdTokenError::KeyMismatch(format!(
                "the key is for {own:?}, the token says {alg:?}"
            ))),
            _ => Ok(()),
        }
    }
}

/// Public keys that id_tokens are checked against, configured with
/// [`ClientBuilder::id_token_keys`](crate::ClientBuilder::id_token_keys).
///
/// MeriPehchaan v2.3 documents neither its signing keys nor a JWKS URL:
/// partners get DigiLocker's public key (or its JWKS URL) from DigiLocker
/// when OpenID Connect is enabled for their client on the Partner Portal.
/// Symmetric (`oct`) keys and encryption keys are never used.
///
/// ```
/// use digilocker_authpartner::auth::IdTokenKeys;
///
/// let n = concat!(
///     "omad_xInw9WTyuoEJio7Qw47Lwx1vEfJT75pQ4fu6R15zY8YRupwxSVbzXuMGtdruTSGE9fzN14F",
///     "EJSGQHZ-SGC8AePAhphISq_takIIMtvR9KEeaY5HAM-rNb6_mpFMOh3aOrMWpqT-Ex69b4p5fEJX",
///     "M6xqGNcHeH4rkFLgQtbiktuE6jhOp8jGF6JYFpZqhedwOSmzKIWQOA8pJC9fDoiEZCBtti7H1SAu",
///     "kMYTMBvxzvgXWP88gHbpLD0kmyBD-NQ8IC-yJHGtAhsD52YeCsXOnPQL1QJa8eysDA8N1Oxu5MDQ",
///     "VhKIZRV2lGkPKin2WmBA4EAn61LQFRmI83CjfQ",
/// );
/// let jwks = format!(r#"{{"keys":[{{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","e":"AQAB","n":"{n}"}}]}}"#);
/// let keys = IdTokenKeys::from_jwks(&jwks)?;
/// assert_eq!(keys.len(), 1);
/// # Ok::<(), digilocker_authpartner::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct IdTokenKeys {
    pub(crate) keys: Vec<VerificationKey>,
}

impl IdTokenKeys {
    /// Keys from a JWK set (`{"keys": [...]}`) or a single JWK, as JSON.
    ///
    /// Keys that cannot verify signatures (`oct`, `use: enc`, unknown key
    /// types) are skipped; it fails when no usable key is left.
    pub fn from_jwks(json: &str) -> Result<Self, Error> {
        Self::parse_jwks(json.as_bytes())
            .map_err(|why| ValidationError::new("id_token_keys", why).into())
    }

    /// RSA public keys from PEM: one or more `PUBLIC KEY` (SubjectPublicKeyInfo)
    /// or `RSA PUBLIC KEY` (PKCS#1) blocks, without a `kid`. Keys without a
    /// `kid` are tried in turn for a token whose `kid` no key carries (or
    /// that has none): with several blocks (the old and the new key of a
    /// rollover) a token verifies if any of them signed it.
    /// (For a certificate, extract its key first:
    /// `openssl x509 -pubkey -noout -in cert.pem`.)
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::parse_pem(None, pem)
    }

    /// Like [`from_pem`](Self::from_pem), for tokens whose header has this `kid`.
    pub fn from_pem_with_kid(kid: impl Into<String>, pem: &str) -> Result<Self, Error> {
        Self::parse_pem(Some(kid.into()), pem)
    }

    /// These keys and `other`'s.
    #[must_use]
    pub fn merge(mut self, other: IdTokenKeys) -> Self {
        self.keys.extend(other.keys);
        self
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys' `kid`s, in order (`None` for keys without one).
    pub fn kids(&self) -> impl Iterator<Item = Option<&str>> {
        self.keys.iter().map(|k| k.kid.as_deref())
    }

    pub(crate) fn parse_jwks(bytes: &[u8]) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let entries = match value.get("keys") {
            Some(serde_json::Value::Array(keys)) => keys.clone(),
            Some(_) => return Err("`keys` is not an array".into()),
            None if value.get("kty").is_some() => vec![value],
            None => return Err("neither a JWK set nor a JWK".into()),
        };
        let keys: Vec<VerificationKey> = entries.into_iter().filter_map(from_jwk).collect();
        if keys.is_empty() {
            return Err("no usable signature key (RSA, EC or OKP public key)".into());
        }
        Ok(Self { keys })
    }

    fn parse_pem(kid: Option<String>, text: &str) -> Result<Self, Error> {
        let invalid = |why: String| Error::from(ValidationError::new("id_token_keys", why));
        let blocks = pem::parse_many(text).map_err(|e| invalid(format!("not PEM: {e}")))?;
        if blocks.is_empty() {
            return Err(invalid("no PEM block".into()));
        }
        let mut keys = Vec::with_capacity(blocks.len());
        for block in blocks {
            if !matches!(block.tag(), "PUBLIC KEY" | "RSA PUBLIC KEY") {
                return Err(invalid(format!(
                    "a {:?} PEM block is not an RSA public key",
                    block.tag()
                )));
            }
            let public = aws_lc_rs::rsa::PublicKey::from_der(block.contents())
                .map_err(|e| invalid(format!("not an RSA public key: {e}")))?;
            keys.push(VerificationKey {
                kid: kid.clone(),
                alg: None,
                key: DecodingKey::from_rsa_der(public.as_ref()),
            });
        }
        Ok(Self { keys })
    }

    /// The keys that may have signed a token with `kid`: the key with that
    /// `kid` if there is one, else every key without a `kid`; for a token
    /// without a `kid`, every key. Verification tries them in order and
    /// the first whose signature checks wins, so two key-less PEM keys (a
    /// key rollover) both verify. Empty: no key fits.
    pub(crate) fn candidates(&self, kid: Option<&str>) -> Vec<&VerificationKey> {
        if let Some(kid) = kid
            && let Some(key) = self.keys.iter().find(|k| k.kid.as_deref() == Some(kid))
        {
            return vec![key];
        }
        match kid {
            Some(_) => self.keys.iter().filter(|k| k.kid.is_none()).collect(),
            None => self.keys.iter().collect(),
        }
    }
}

/// A signature key from one JWK; `None` for keys that must not verify.
fn from_jwk(value: serde_json::Value) -> Option<VerificationKey> {
    let jwk: Jwk = serde_json::from_value(value).ok()?;
    if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
        return None;
    }
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return None;
    }
    let alg = match jwk.common.key_algorithm {
        None => None,
        Some(a) => Some(a.to_string().parse::<Algorithm>().ok()?),
    };
    if alg.is_some_and(|a| a.family() == AlgorithmFamily::Hmac) {
        return None;
    }
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some(VerificationKey {
        kid: jwk.common.key_id.clone(),
        alg,
        key,
    })
}
