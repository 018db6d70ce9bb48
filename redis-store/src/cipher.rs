//! Optional encryption at rest: XChaCha20-Poly1305 with a partner key.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use digilocker_authpartner::auth::StoreError;

/// The first byte of an encrypted value (a JSON value starts with `{`).
const SEALED: u8 = 0x01;
const NONCE_LEN: usize = 24;

/// A 256-bit key that encrypts stored values (XChaCha20-Poly1305, a fresh
/// random nonce per value, the Redis key name as associated data so a value
/// cannot be moved to another user's key). Every replica needs the same key;
/// keep it in the partner's secret manager, not in Redis.
#[derive(Clone)]
pub struct EncryptionKey(XChaCha20Poly1305);

impl EncryptionKey {
    /// The key from 32 secret bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(XChaCha20Poly1305::new(Key::from_slice(&bytes)))
    }

    /// Encrypts `plain`, bound to `key_name`.
    pub(crate) fn seal(&self, key_name: &str, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce)
            .map_err(|e| StoreError(format!("no secure randomness for a nonce: {e}")))?;
        let sealed = self
            .0
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: key_name.as_bytes(),
                },
            )
            .map_err(|_| StoreError("encrypting the stored value failed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(SEALED);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a value [`seal`](Self::seal)ed for `key_name`.
    pub(crate) fn open(&self, key_name: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        let body = match value.split_first() {
            Some((&SEALED, rest)) if rest.len() > NONCE_LEN => rest,
            _ => {
                return Err(StoreError(
                    "stored value is not encrypted but an encryption key is set; \
                     refusing plaintext"
                        .into(),
                ));
            }
        };
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        self.0
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: key_name.as_bytes(),
                },
            )
            .map_err(|_| {
                StoreError(
                    "stored value does not decrypt with this key (wrong key, or tampered)".into(),
                )
            })
    }
}

/// Whether a stored value is in the encrypted format.
pub(crate) fn is_sealed(value: &[u8]) -> bool {
    value.first() == Some(&SEALED)
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding_to_the_key_name() {
        let key = EncryptionKey::from_bytes([7; 32]);
        let sealed = key.seal("p:tokens:alice", b"{\"secret\":1}").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            key.open("p:tokens:alice", &sealed).unwrap(),
            b"{\"secret\":1}"
        );
        assert!(key.open("p:tokens:bob", &sealed).is_err(), "moved value");
        let other = EncryptionKey::from_bytes([8; 32]);
        assert!(other.open("p:tokens:alice", &sealed).is_err(), "wrong key");
        assert!(key.open("p:tokens:alice", b"{\"plain\":1}").is_err());
        assert_eq!(format!("{key:?}"), "EncryptionKey(<redacted>)");
    }
}
