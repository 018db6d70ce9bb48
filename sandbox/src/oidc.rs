//! OpenID Connect: RS256 id_tokens (MeriPehchaan v2.3 p.7-8) signed with a
//! key generated at start, and that key published as a JWKS.

use std::sync::Mutex;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

use crate::faults::IdTokenFault;
use crate::util::{now_unix, random_token};

/// One RSA signing key with its public half as JWK parameters.
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    n: String,
    e: String,
}

impl SigningKey {
    fn generate() -> std::io::Result<Self> {
        let fail = |what: &str| std::io::Error::other(format!("sandbox signing key: {what}"));
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| fail("generation failed"))?;
        let pkcs8 = pair.as_der().map_err(|_| fail("PKCS#8 export failed"))?;
        let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8.as_ref().to_vec()));
        let encoding =
            EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| fail("PEM import failed"))?;
        let public = pair.public_key();
        Ok(SigningKey {
            kid: random_token(16),
            encoding,
            n: URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            e: URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }

    fn jwk(&self) -> Value {
        serde_json::json!({
            "kty": "RSA", "use": "sig", "alg": "RS256",
            "kid": self.kid, "n": self.n, "e": self.e,
        })
    }
}

/// The id_token issuer: its keys (newest first, the previous one kept after
/// a rotation) and its `iss`.
pub(crate) struct Signer {
    issuer: String,
    keys: Mutex<Vec<SigningKey>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("issuer", &self.issuer)
            .field("kids", &self.kids())
            .finish()
    }
}

impl Signer {
    pub(crate) fn new(issuer: String) -> std::io::Result<Self> {
        Ok(Signer {
            issuer,
            keys: Mutex::new(vec![SigningKey::generate()?]),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SigningKey>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The published `kid`s, newest first.
    pub(crate) fn kids(&self) -> Vec<String> {
        self.lock().iter().map(|k| k.kid.clone()).collect()
    }

    /// Replace the signing key; the JWKS keeps the previous one beside it.
    pub(crate) fn rotate(&self) -> std::io::Result<String> {
        let key = SigningKey::generate()?;
        let kid = key.kid.clone();
        let mut keys = self.lock();
        keys.insert(0, key);
        keys.truncate(2);
        Ok(kid)
    }

    /// The JWK set (RFC 7517) of the published keys.
    pub(crate) fn jwks(&self) -> Value {
        let keys: Vec<Value> = self.lock().iter().map(SigningKey::jwk).collect();
        serde_json::json!({ "keys": keys })
    }

    /// Sign `claims` (with `iss`, `iat` and `exp` filled in) as an RS256
    /// id_token, applying `fault`.
    pub(crate) fn sign(
        &self,
        mut claims: serde_json::Map<String, Value>,
        lifetime_secs: i64,
        fault: Option<IdTokenFault>,
    ) -> String {
        let now = now_unix();
        let (iat, exp) = match fault {
            Some(IdTokenFault::Expired) => (now - 2 * 3600, now - 3600),
            _ => (now, now + lifetime_secs),
        };
        claims.insert("iss".into(), self.issuer.clone().into());
        claims.insert("iat".into(), iat.into());
        claims.insert("auth_time".into(), iat.into());
        claims.insert("exp".into(), exp.into());
        match fault {
            Some(IdTokenFault::WrongAudience) => {
                claims.insert("aud".into(), "SOMEONE-ELSE".into());
            }
            Some(IdTokenFault::WrongIssuer) => {
                claims.insert("iss".into(), "https://issuer.invalid".into());
            }
            Some(IdTokenFault::WrongNonce) => {
                claims.insert("nonce".into(), random_token(12).into());
            }
            _ => {}
        }
        if fault == Some(IdTokenFault::RotatedKey) {
            // A key generation failure leaves the old key in use.
            let _ = self.rotate();
        }
        let (kid, key) = if fault == Some(IdTokenFault::UnpublishedKey) {
            match SigningKey::generate() {
                Ok(k) => (k.kid, k.encoding),
                Err(_) => return String::new(),
            }
        } else {
            let keys = self.lock();
            (keys[0].kid.clone(), keys[0].encoding.clone())
        };
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.kid = Some(kid);
        let mut token =
            jsonwebtoken::encode(&header, &Value::Object(claims), &key).unwrap_or_default();
        if fault == Some(IdTokenFault::TamperedSignature)
            && let Some(dot) = token.rfind('.')
        {
            // Change one signature character (keeping it valid base64url).
            let i = dot + 1 + (token.len() - dot - 1) / 2;
            let c = token.as_bytes()[i];
            let swapped = if c == b'A' { "B" } else { "A" };
            token.replace_range(i..=i, swapped);
        }
        token
    }
}
