//! The algorithms a signature may declare, and the policy that admits them.

use super::SignatureError;

pub(super) const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// A `SignatureMethod` this crate can accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// RSA PKCS#1 v1.5 with SHA-1 (only with [`AlgorithmPolicy::allow_sha1_signatures`]).
    RsaSha1,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaSha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaSha512,
    /// ECDSA with SHA-256.
    EcdsaSha256,
    /// ECDSA with SHA-384.
    EcdsaSha384,
    /// ECDSA with SHA-512.
    EcdsaSha512,
}

/// A `DigestMethod` this crate can accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestMethod {
    /// SHA-1 (only with [`AlgorithmPolicy::allow_sha1_digests`]).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// A canonicalization (of `SignedInfo`, or as a reference transform).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Canonicalization {
    /// Canonical XML 1.0.
    Inclusive10,
    /// Canonical XML 1.0 with comments.
    Inclusive10WithComments,
    /// Canonical XML 1.1.
    Inclusive11,
    /// Canonical XML 1.1 with comments.
    Inclusive11WithComments,
    /// Exclusive Canonical XML 1.0.
    Exclusive,
    /// Exclusive Canonical XML 1.0 with comments.
    ExclusiveWithComments,
}

const SIGNATURE_METHODS: [(&str, SignatureMethod); 7] = [
    (
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        SignatureMethod::RsaSha1,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        SignatureMethod::RsaSha256,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        SignatureMethod::RsaSha384,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        SignatureMethod::RsaSha512,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        SignatureMethod::EcdsaSha256,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        SignatureMethod::EcdsaSha384,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
        SignatureMethod::EcdsaSha512,
    ),
];

const DIGEST_METHODS: [(&str, DigestMethod); 4] = [
    ("http://www.w3.org/2000/09/xmldsig#sha1", DigestMethod::Sha1),
    (
        "http://www.w3.org/2001/04/xmlenc#sha256",
        DigestMethod::Sha256,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        DigestMethod::Sha384,
    ),
    (
        "http://www.w3.org/2001/04/xmlenc#sha512",
        DigestMethod::Sha512,
    ),
];

const CANONICALIZATIONS: [(&str, Canonicalization); 6] = [
    (
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        Canonicalization::Inclusive10,
    ),
    (
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
        Canonicalization::Inclusive10WithComments,
    ),
    (
        "http://www.w3.org/2006/12/xml-c14n11",
        Canonicalization::Inclusive11,
    ),
    (
        "http://www.w3.org/2006/12/xml-c14n11#WithComments",
        Canonicalization::Inclusive11WithComments,
    ),
    (
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        Canonicalization::Exclusive,
    ),
    (
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
        Canonicalization::ExclusiveWithComments,
    ),
];

fn lookup<T: Copy>(table: &[(&str, T)], uri: &str) -> Option<T> {
    table.iter().find(|(u, _)| *u == uri).map(|(_, v)| *v)
}

impl Canonicalization {
    /// The algorithm for `uri`, if it is one of the allowed canonicalizations.
    pub(super) fn from_uri(uri: &str) -> Option<Self> {
        lookup(&CANONICALIZATIONS, uri)
    }
}

/// Which algorithms a signature may use. SHA-2 RSA and ECDSA signatures
/// with SHA-2 digests are always accepted; MD5, HMAC, DSA and unknown
/// algorithms are always refused; SHA-1 is refused unless enabled here.
///
/// The default ([`strict`](Self::strict)) refuses SHA-1 entirely.
/// [`digilocker`](Self::digilocker) accepts RSA-SHA1 over `SignedInfo`
/// (with SHA-2 reference digests), because DigiLocker signs its e-Aadhaar
/// XML that way; SHA-1 reference digests stay refused.
///
/// ```
/// use digilocker_authpartner::xml::signature::AlgorithmPolicy;
///
/// let policy = AlgorithmPolicy::strict().allow_sha1_signatures(true);
/// assert_eq!(policy, AlgorithmPolicy::digilocker());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlgorithmPolicy {
    sha1_signatures: bool,
    sha1_digests: bool,
}

impl AlgorithmPolicy {
    /// SHA-2 only: SHA-1 signatures and digests are refused.
    pub fn strict() -> Self {
        Self::default()
    }

    /// What DigiLocker's documents need: RSA-SHA1 over `SignedInfo` is
    /// accepted (DigiLocker's document-signer signs e-Aadhaar with it),
    /// reference digests must still be SHA-2. SHA-1 collisions make such a
    /// signature weaker than RSA-SHA256; enable it only for DigiLocker's
    /// signer.
    pub fn digilocker() -> Self {
        Self::strict().allow_sha1_signatures(true)
    }

    /// Whether `rsa-sha1` over `SignedInfo` is accepted.
    pub fn allow_sha1_signatures(mut self, allow: bool) -> Self {
        self.sha1_signatures = allow;
        self
    }

    /// Whether SHA-1 reference digests are accepted.
    pub fn allow_sha1_digests(mut self, allow: bool) -> Self {
        self.sha1_digests = allow;
        self
    }

    /// The signature method for `uri`, if this policy admits it.
    pub(super) fn signature_method(&self, uri: &str) -> Result<SignatureMethod, SignatureError> {
        match lookup(&SIGNATURE_METHODS, uri) {
            Some(SignatureMethod::RsaSha1) if !self.sha1_signatures => {
                Err(SignatureError::Sha1Refused {
                    algorithm: uri.to_string(),
                })
            }
            Some(method) => Ok(method),
            None => Err(SignatureError::DisallowedAlgorithm {
                algorithm: uri.to_string(),
            }),
        }
    }

    /// The digest method for `uri`, if this policy admits it.
    pub(super) fn digest_method(&self, uri: &str) -> Result<DigestMethod, SignatureError> {
        match lookup(&DIGEST_METHODS, uri) {
            Some(DigestMethod::Sha1) if !self.sha1_digests => Err(SignatureError::Sha1Refused {
                algorithm: uri.to_string(),
            }),
            Some(method) => Ok(method),
            None => Err(SignatureError::DisallowedAlgorithm {
                algorithm: uri.to_string(),
            }),
        }
    }
}

/// The algorithms a verified signature used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Algorithms {
    /// `SignatureMethod` over `SignedInfo`.
    pub signature: SignatureMethod,
    /// `DigestMethod` of the reference.
    pub digest: DigestMethod,
    /// `CanonicalizationMethod` of `SignedInfo`.
    pub signed_info_canonicalization: Canonicalization,
    /// The reference's canonicalization transform, if it declares one
    /// (otherwise inclusive C14N 1.0 applies implicitly).
    pub reference_canonicalization: Option<Canonicalization>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_needs_an_explicit_policy() {
        let sha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
        let sha1_digest = "http://www.w3.org/2000/09/xmldsig#sha1";
        let strict = AlgorithmPolicy::strict();
        assert!(matches!(
            strict.signature_method(sha1),
            Err(SignatureError::Sha1Refused { .. })
        ));
        assert!(matches!(
            strict.digest_method(sha1_digest),
            Err(SignatureError::Sha1Refused { .. })
        ));
        let dl = AlgorithmPolicy::digilocker();
        assert_eq!(dl.signature_method(sha1), Ok(SignatureMethod::RsaSha1));
        assert!(matches!(
            dl.digest_method(sha1_digest),
            Err(SignatureError::Sha1Refused { .. })
        ));
        let all = dl.allow_sha1_digests(true);
        assert_eq!(all.digest_method(sha1_digest), Ok(DigestMethod::Sha1));
    }

    #[test]
    fn weaker_algorithms_are_always_refused() {
        let all = AlgorithmPolicy::digilocker().allow_sha1_digests(true);
        for uri in [
            "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
            "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
            "",
        ] {
            assert!(matches!(
                all.signature_method(uri),
                Err(SignatureError::DisallowedAlgorithm { .. })
            ));
        }
        for uri in [
            "http://www.w3.org/2001/04/xmldsig-more#md5",
            "http://www.w3.org/2001/04/xmlenc#ripemd160",
        ] {
            assert!(matches!(
                all.digest_method(uri),
                Err(SignatureError::DisallowedAlgorithm { .. })
            ));
        }
        assert_eq!(
            all.signature_method("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
            Ok(SignatureMethod::RsaSha256)
        );
    }
}
