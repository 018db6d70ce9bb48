//! What a caller trusts: pinned signer certificates or keys, CA roots, the
//! algorithm policy and the verification time.

use std::time::SystemTime;

use x509_cert::der::{Decode, DecodePem, Encode};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::{AlgorithmPolicy, SignatureError, SignerRule};

/// The default [`TrustAnchors::max_size`]: 10 MiB (a DigiLocker e-Aadhaar
/// with its photo is about 100 KB).
pub const DEFAULT_MAX_SIGNED_XML_BYTES: usize = 10 * 1024 * 1024;

/// A pinned signer: a certificate, or a bare public key.
#[derive(Clone, Debug)]
pub(super) enum Pin {
    Certificate { der: Vec<u8>, spki: Vec<u8> },
    PublicKey { spki: Vec<u8> },
}

impl Pin {
    pub(super) fn spki(&self) -> &[u8] {
        match self {
            Self::Certificate { spki, .. } | Self::PublicKey { spki } => spki,
        }
    }
}

/// The trust configuration of [`verify`](super::verify).
///
/// A certificate inside the document's `<KeyInfo>` is never trusted by
/// itself: it must have the public key of a pinned certificate or key, or
/// chain to a configured root. Pin several certificates to roll a signer
/// over (the old and the new one, until the old one's documents are gone).
///
/// **Root mode** ([`add_root_pem`](Self::add_root_pem)): a chain to a root
/// shows who signed, not that the signer may speak for the issuer the
/// document names (under India's CCA roots anyone can buy a signing
/// certificate). So a document chaining to a root verifies only when a
/// [`SignerRule`] added with [`allow_signer`](Self::allow_signer) allows
/// its signer for what it claims; with no rule, nothing verifies in root
/// mode. Pinned signers need no rule: the pin is the rule.
///
/// **Revocation**: nothing is fetched (no CRL distribution point, no OCSP).
/// CRLs the caller adds ([`add_crl_pem`](Self::add_crl_pem)) are checked
/// against the signer certificate (not against intermediates), in every
/// mode, at the verification time. Their signatures are not verified, so
/// load them from a source you trust; a CRL can only refuse a document,
/// never admit one. To revoke a pinned signer, remove its pin.
///
/// ```
/// use digilocker_authpartner::xml::signature::TrustAnchors;
/// # let pem = include_str!("../../../tests/data/anchor-example.pem");
/// // DigiLocker's document-signer certificate, obtained out of band.
/// let anchors = TrustAnchors::digilocker().pin_certificate_pem(pem)?;
/// assert_eq!(anchors.pinned_count(), 1);
/// # Ok::<(), digilocker_authpartner::xml::signature::SignatureError>(())
/// ```
#[derive(Clone, Debug)]
pub struct TrustAnchors {
    pub(super) pins: Vec<Pin>,
    pub(super) roots: Vec<Vec<u8>>,
    pub(super) rules: Vec<SignerRule>,
    pub(super) crls: Vec<Crl>,
    pub(super) policy: AlgorithmPolicy,
    pub(super) at: Option<SystemTime>,
    pub(super) max_size: usize,
}

impl Default for TrustAnchors {
    fn default() -> Self {
        Self::new()
    }
}

impl TrustAnchors {
    /// No anchors yet, [`AlgorithmPolicy::strict`], checked at the current
    /// time, documents up to [`DEFAULT_MAX_SIGNED_XML_BYTES`].
    pub fn new() -> Self {
        Self {
            pins: Vec::new(),
            roots: Vec::new(),
            rules: Vec::new(),
            crls: Vec::new(),
            policy: AlgorithmPolicy::strict(),
            at: None,
            max_size: DEFAULT_MAX_SIGNED_XML_BYTES,
        }
    }

    /// The preset for DigiLocker's documents: like [`new`](Self::new) with
    /// [`AlgorithmPolicy::digilocker`], because DigiLocker signs e-Aadhaar
    /// XML with RSA-SHA1 over `SignedInfo`. Anchors must still be added.
    pub fn digilocker() -> Self {
        Self::new().policy(AlgorithmPolicy::digilocker())
    }

    /// Pins a signer certificate (PEM, `-----BEGIN CERTIFICATE-----`).
    pub fn pin_certificate_pem(self, pem: &str) -> Result<Self, SignatureError> {
        self.pin_certificate_der(&certificate_der(pem)?)
    }

    /// Pins a signer certificate (DER).
    pub fn pin_certificate_der(mut self, der: &[u8]) -> Result<Self, SignatureError> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| SignatureError::InvalidAnchor(format!("certificate DER: {e}")))?;
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| SignatureError::InvalidAnchor(e.to_string()))?;
        check_key(&spki)?;
        self.pins.push(Pin::Certificate {
            der: der.to_vec(),
            spki,
        });
        Ok(self)
    }

    /// Pins a signer's public key (PEM, `-----BEGIN PUBLIC KEY-----`). The
    /// `<KeyInfo>` certificate carrying this key supplies the subject and
    /// validity window of the report, and that window is enforced. That
    /// certificate is not itself verified (`<KeyInfo>` is not signed, and
    /// no issuer is configured for it): a document may carry another
    /// certificate for the same key. Where the signer's identity or
    /// validity matters, pin the certificate instead.
    pub fn pin_public_key_pem(mut self, pem: &str) -> Result<Self, SignatureError> {
        let key = SubjectPublicKeyInfoOwned::from_pem(pem.trim().as_bytes())
            .map_err(|e| SignatureError::InvalidAnchor(format!("public key PEM: {e}")))?;
        let spki = key
            .to_der()
            .map_err(|e| SignatureError::InvalidAnchor(e.to_string()))?;
        check_key(&spki)?;
        self.pins.push(Pin::PublicKey { spki });
        Ok(self)
    }

    /// Adds a CA root (PEM): a `<KeyInfo>` certificate chaining to it (with
    /// any intermediates in `<KeyInfo>`) is trusted to have signed, and the
    /// document verifies if a [`SignerRule`] allows that signer for it
    /// (see [`allow_signer`](Self::allow_signer)).
    pub fn add_root_pem(self, pem: &str) -> Result<Self, SignatureError> {
        self.add_root_der(&certificate_der(pem)?)
    }

    /// Adds a CA root (DER).
    pub fn add_root_der(mut self, der: &[u8]) -> Result<Self, SignatureError> {
        x509_cert::Certificate::from_der(der)
            .map_err(|e| SignatureError::InvalidAnchor(format!("root DER: {e}")))?;
        self.roots.push(der.to_vec());
        Ok(self)
    }

    /// Allows the signers `rule` describes, in root mode, for the documents
    /// it describes. Rules are tried in the order added; the first that
    /// allows names itself in the report.
    pub fn allow_signer(mut self, rule: SignerRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Adds a certificate revocation list (PEM, `-----BEGIN X509 CRL-----`);
    /// see the type's documentation for what is checked.
    pub fn add_crl_pem(self, pem: &str) -> Result<Self, SignatureError> {
        let (label, der) = x509_cert::der::pem::decode_vec(pem.trim().as_bytes())
            .map_err(|e| SignatureError::InvalidAnchor(format!("CRL PEM: {e}")))?;
        if label != "X509 CRL" {
            return Err(SignatureError::InvalidAnchor(format!(
                "a {label:?} PEM block is not a CRL"
            )));
        }
        self.add_crl_der(&der)
    }

    /// Adds a certificate revocation list (DER).
    pub fn add_crl_der(mut self, der: &[u8]) -> Result<Self, SignatureError> {
        let list = x509_cert::crl::CertificateList::from_der(der)
            .map_err(|e| SignatureError::InvalidAnchor(format!("CRL DER: {e}")))?;
        self.crls.push(Crl(std::sync::Arc::new(list)));
        Ok(self)
    }

    /// Sets the algorithm policy.
    pub fn policy(mut self, policy: AlgorithmPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Checks certificate validity at `time` instead of now: to re-check a
    /// stored document as of when it was received.
    pub fn at(mut self, time: SystemTime) -> Self {
        self.at = Some(time);
        self
    }

    /// The largest document verified, in bytes.
    pub fn max_size(mut self, bytes: usize) -> Self {
        self.max_size = bytes;
        self
    }

    /// How many certificates and keys are pinned.
    pub fn pinned_count(&self) -> usize {
        self.pins.len()
    }

    /// How many signer rules are configured.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// How many CRLs are configured.
    pub fn crl_count(&self) -> usize {
        self.crls.len()
    }

    /// How many CA roots are configured.
    pub fn root_count(&self) -> usize {
        self.roots.len()
    }

    /// The algorithm policy.
    pub fn algorithm_policy(&self) -> AlgorithmPolicy {
        self.policy
    }
}

/// The DER of a PEM certificate.
fn certificate_der(pem: &str) -> Result<Vec<u8>, SignatureError> {
    x509_cert::Certificate::from_pem(pem.trim().as_bytes())
        .and_then(|cert| cert.to_der())
        .map_err(|e| SignatureError::InvalidAnchor(format!("certificate PEM: {e}")))
}

/// A key the XMLDSig library can verify with.
fn check_key(spki: &[u8]) -> Result<(), SignatureError> {
    bergshamra_keys::loader::load_spki_der(spki)
        .map(|_| ())
        .map_err(|e| SignatureError::InvalidAnchor(format!("unsupported public key: {e}")))
}

/// A parsed CRL.
#[derive(Clone)]
pub(super) struct Crl(pub(super) std::sync::Arc<x509_cert::crl::CertificateList>);

impl std::fmt::Debug for Crl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = &self.0.tbs_cert_list;
        f.debug_struct("Crl")
            .field("issuer", &list.issuer.to_string())
            .field(
                "revoked",
                &list.revoked_certificates.as_ref().map_or(0, Vec::len),
            )
            .finish()
    }
}
