//! PKCE (RFC 7636) with the S256 method.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::ValidationError;

/// A PKCE code verifier: 43 to 128 characters of `[A-Za-z0-9-._~]`.
///
/// A secret: its `Debug` output is redacted.
#[derive(Clone, Debug)]
pub struct PkceVerifier(SecretString);

/// The S256 code challenge of a verifier: BASE64URL-NOPAD(SHA256(verifier)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkceChallenge(String);

impl PkceVerifier {
    /// A fresh verifier: 32 bytes from the operating system's CSPRNG,
    /// Base64url-encoded to 43 characters.
    pub fn generate() -> Result<Self, crate::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| crate::Error::Config(format!("no secure randomness available: {e}")))?;
        Ok(Self(SecretString::from(URL_SAFE_NO_PAD.encode(bytes))))
    }

    /// Wraps an existing verifier after checking its length and alphabet.
    pub fn new(verifier: impl Into<String>) -> Result<Self, ValidationError> {
        let verifier = verifier.into();
        if !(43..=128).contains(&verifier.len()) {
            return Err(ValidationError::new(
                "code_verifier",
                format!("must be 43 to 128 characters, got {}", verifier.len()),
            ));
        }
        if !verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        {
            return Err(ValidationError::new(
                "code_verifier",
                "may only contain A-Z, a-z, 0-9, '-', '.', '_' and '~'",
            ));
        }
        Ok(Self(SecretString::from(verifier)))
    }

    /// The S256 challenge to send to the authorize endpoint.
    pub fn challenge(&self) -> PkceChallenge {
        let digest = Sha256::digest(self.0.expose_secret().as_bytes());
        PkceChallenge(URL_SAFE_NO_PAD.encode(digest))
    }

    /// The verifier itself, for the token request (or for persisting a
    /// pending authorization). Handle with care.
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

impl PkceChallenge {
    /// The challenge string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636, Appendix B.
    #[test]
    fn rfc7636_appendix_b() {
        let v = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        assert_eq!(
            v.challenge().as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_verifiers_are_valid_and_distinct() {
        let a = PkceVerifier::generate().unwrap();
        let b = PkceVerifier::generate().unwrap();
        assert_eq!(a.secret().expose_secret().len(), 43);
        assert!(PkceVerifier::new(a.secret().expose_secret().to_string()).is_ok());
        assert_ne!(a.secret().expose_secret(), b.secret().expose_secret());
    }

    #[test]
    fn rejects_bad_verifiers() {
        assert_eq!(
            PkceVerifier::new("short").unwrap_err().field,
            "code_verifier"
        );
        assert!(PkceVerifier::new("a".repeat(129)).is_err());
        assert!(PkceVerifier::new(format!("{}+", "a".repeat(43))).is_err());
        assert!(PkceVerifier::new("a".repeat(128)).is_ok());
    }
}
