//! Which key may verify the signature: a pinned certificate or key that
//! the `<KeyInfo>` certificate matches, or the `<KeyInfo>` certificate when
//! it chains to a configured root. The document's own certificate is never
//! trusted by itself.

use std::time::SystemTime;

use bergshamra_dsig::DsigContext;
use bergshamra_keys::{KeysManager, loader};

use super::anchors::Pin;
use super::signer::{SignerCertificate, leaf_of, spki_of};
use super::structure::Plan;
use super::{SignatureError, TrustAnchors};

/// How the signer came to be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustPath {
    /// The signer's key is that of a pinned certificate.
    PinnedCertificate,
    /// The signer's key is a pinned public key.
    PinnedKey,
    /// The `<KeyInfo>` certificate chains to a configured root.
    ChainedToRoot,
}

/// One way to verify: a context with exactly the keys it may use.
pub(super) struct Candidate {
    pub context: DsigContext,
    /// The signer certificate, when known before verification.
    pub signer: Option<SignerCertificate>,
    pub trust: TrustPath,
}

/// The candidates for `plan` under `anchors`, validity already checked for
/// a signer certificate that is known up front.
pub(super) fn candidates(
    plan: &Plan,
    anchors: &TrustAnchors,
    at: SystemTime,
) -> Result<Vec<Candidate>, SignatureError> {
    let Some(leaf) = leaf_of(&plan.key_info_certificates)? else {
        if anchors.pins.is_empty() {
            return Err(SignatureError::UntrustedSigner {
                reason: "no certificate in KeyInfo to chain to a root".into(),
            });
        }
        // Without a certificate to match, each pin is tried in turn.
        return anchors
            .pins
            .iter()
            .map(|pin| pinned(pin, None, at, false))
            .collect();
    };
    let spki = spki_of(leaf)?;
    if let Some(pin) = anchors.pins.iter().find(|p| p.spki() == spki) {
        return Ok(vec![pinned(pin, Some(leaf), at, true)?]);
    }
    let signer = SignerCertificate::from_der(leaf)?;
    if anchors.roots.is_empty() {
        return Err(SignatureError::UntrustedSigner {
            reason: format!("{} matches no pinned certificate or key", signer.subject),
        });
    }
    signer.check_valid_at(at)?;
    let mut keys = KeysManager::new();
    for root in &anchors.roots {
        keys.add_trusted_cert(root.clone());
    }
    let context = DsigContext::new_permissive(keys)
        .with_enabled_key_data_x509(true)
        .with_verify_keys(true)
        .with_strict_verification(true)
        .with_verification_time(verification_time(at));
    Ok(vec![Candidate {
        context,
        signer: Some(signer),
        trust: TrustPath::ChainedToRoot,
    }])
}

/// A context that verifies with the pinned key alone, ignoring `<KeyInfo>`.
fn pinned(
    pin: &Pin,
    leaf: Option<&Vec<u8>>,
    at: SystemTime,
    check_now: bool,
) -> Result<Candidate, SignatureError> {
    let (key, signer, trust) = match pin {
        Pin::Certificate { der, .. } => (
            loader::load_x509_cert_der(der),
            Some(SignerCertificate::from_der(der)?),
            TrustPath::PinnedCertificate,
        ),
        Pin::PublicKey { spki } => (
            loader::load_spki_der(spki),
            leaf.map(|l| SignerCertificate::from_der(l)).transpose()?,
            TrustPath::PinnedKey,
        ),
    };
    let key = key.map_err(|e| SignatureError::InvalidAnchor(e.to_string()))?;
    if check_now && let Some(signer) = &signer {
        signer.check_valid_at(at)?;
    }
    let mut keys = KeysManager::new();
    keys.add_key(key);
    Ok(Candidate {
        context: DsigContext::new(keys),
        signer,
        trust,
    })
}

/// `at` as the XMLDSig library's `YYYY-MM-DD+HH:MM:SS` (UTC).
fn verification_time(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at)
        .format("%Y-%m-%d+%H:%M:%S")
        .to_string()
}
