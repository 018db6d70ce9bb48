//! Request signing: the per-endpoint request hash of the meta and signup
//! APIs, and the HMAC-SHA256 of upload and download bodies.
//!
//! The concatenation order of each signed operation is data, read from the
//! patched spec's `x-digilocker-request-hash` extension (Requester API Spec
//! v1.12, each meta API's `hmac` parameter). The form and multipart paths
//! both sign through [`request_hash`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The placeholder for the client secret in a concatenation rule.
pub(crate) const CLIENT_SECRET: &str = "client_secret";

/// Lowercase hex SHA-256 of the fields of `concat`, in order.
///
/// Each entry names a field; `client_secret` stands for the secret, and
/// `a|b` for whichever of `a` and `b` is present. An absent field
/// contributes an empty string.
pub fn request_hash<'a>(
    concat: &[&str],
    client_secret: &str,
    value_of: impl Fn(&str) -> Option<&'a str>,
) -> String {
    let mut hasher = Sha256::new();
    for entry in concat {
        let value = if *entry == CLIENT_SECRET {
            Some(client_secret)
        } else {
            entry.split('|').find_map(&value_of)
        };
        hasher.update(value.unwrap_or("").as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

/// Unix time in seconds, as the `ts` field wants it.
pub fn timestamp_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string()
}

/// Streaming HMAC-SHA256 keyed with the client secret, for upload and download bodies.
///
/// Cloning a keyed signer is cheap: the key is processed once per client.
#[derive(Clone)]
pub struct BodySigner(Hmac<Sha256>);

impl std::fmt::Debug for BodySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BodySigner(..)")
    }
}

impl BodySigner {
    /// A signer keyed with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self(Hmac::new_from_slice(secret).expect("HMAC accepts keys of any length"))
    }

    /// Feeds the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        self.0.update(chunk);
    }

    /// Base64 of the MAC, as the `hmac` header carries it.
    pub fn finish_base64(self) -> String {
        STANDARD.encode(self.0.finalize().into_bytes())
    }

    /// Checks the MAC against a Base64 `hmac` header, in constant time.
    ///
    /// Returns `None` when the header is not valid Base64.
    pub fn verify_base64(self, header: &str) -> Option<bool> {
        let expected = STANDARD.decode(header.trim()).ok()?;
        Some(self.0.verify_slice(&expected).is_ok())
    }
}
