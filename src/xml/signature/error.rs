//! Why a signed document was refused.

use std::fmt;
use std::time::SystemTime;

/// Why an XML signature was not accepted. Every rule of
/// [`verify`](super::verify) has its own variant.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// The document is larger than [`TrustAnchors::max_size`](super::TrustAnchors::max_size).
    TooLarge {
        /// Its size in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The document has a `<!DOCTYPE>`: DTDs (and so entity expansion) are
    /// never processed.
    Doctype,
    /// The document is not well-formed UTF-8 XML, or a signature element
    /// is not shaped as XMLDSig requires.
    Malformed(String),
    /// The document has no `<ds:Signature>` element.
    MissingSignature,
    /// The document has more than one `<ds:Signature>` element.
    MultipleSignatures {
        /// How many.
        count: usize,
    },
    /// `<SignedInfo>` must have exactly one `<Reference>`.
    UnexpectedReferences {
        /// How many it has.
        count: usize,
    },
    /// The reference is neither `URI=""` (the whole document) nor a
    /// same-document `#id`; external and XPointer references are refused.
    UnsupportedReference {
        /// The `URI` attribute (`None` when absent).
        uri: Option<String>,
    },
    /// Two elements carry the same ID (`Id`, `ID`, `id` or `xml:id`).
    DuplicateId {
        /// The repeated value.
        id: String,
    },
    /// The signed element is not the document element: the rest of the
    /// document is unsigned (a signature-wrapping shape).
    SignedElementNotRoot {
        /// The local name of the element the reference points to.
        element: String,
    },
    /// The `<Signature>` is not a direct child of the element it signs (it
    /// was moved).
    SignatureMisplaced,
    /// An element that no signature covers: an `<Object>` or an unknown
    /// element inside `<Signature>` or `<KeyInfo>`.
    UnsignedContent {
        /// Its local name.
        element: String,
    },
    /// A transform or canonicalization outside the allowed set
    /// (enveloped-signature, then at most one inclusive or exclusive C14N).
    DisallowedTransform {
        /// The algorithm URI, or a description of the chain.
        algorithm: String,
    },
    /// A SHA-1 signature or digest while the policy refuses SHA-1 (see
    /// [`AlgorithmPolicy`](super::AlgorithmPolicy)).
    Sha1Refused {
        /// The algorithm URI.
        algorithm: String,
    },
    /// A signature or digest algorithm that is always refused (MD5, HMAC,
    /// DSA, unknown URIs, …).
    DisallowedAlgorithm {
        /// The algorithm URI.
        algorithm: String,
    },
    /// The signed content changed after signing: a reference digest does
    /// not match.
    DigestMismatch,
    /// The `SignatureValue` does not verify with the trusted key (the
    /// `SignedInfo` was altered, or another key signed it).
    SignatureValueMismatch,
    /// The signer is not trusted: its certificate matches no pinned
    /// certificate or key and does not chain to a configured root.
    UntrustedSigner {
        /// Why.
        reason: String,
    },
    /// Root mode: the signer chains to a root, but no
    /// [`SignerRule`](super::SignerRule) allows it for what the document
    /// claims (or no rule is configured).
    SignerNotAllowed {
        /// The signer's subject.
        signer: String,
        /// The issuer code the document names, if any.
        issuer_code: Option<String>,
    },
    /// A configured CRL revokes the signer certificate.
    SignerRevoked {
        /// When it was revoked.
        revoked_at: SystemTime,
    },
    /// The signer certificate expired before the verification time.
    SignerExpired {
        /// Its `notAfter`.
        not_after: SystemTime,
    },
    /// The signer certificate is not valid yet at the verification time.
    SignerNotYetValid {
        /// Its `notBefore`.
        not_before: SystemTime,
    },
    /// A trust anchor could not be loaded.
    InvalidAnchor(String),
    /// The XMLDSig library refused the signature for another reason.
    Unverifiable(String),
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stamp = |t: &SystemTime| chrono::DateTime::<chrono::Utc>::from(*t).to_rfc3339();
        match self {
            Self::TooLarge { len, max } => {
                write!(f, "the document is {len} bytes; at most {max} are verified")
            }
            Self::Doctype => f.write_str("documents with a DOCTYPE are refused"),
            Self::Malformed(m) => write!(f, "malformed signed document: {m}"),
            Self::MissingSignature => f.write_str("the document has no XML signature"),
            Self::MultipleSignatures { count } => {
                write!(
                    f,
                    "the document has {count} signatures; exactly one is accepted"
                )
            }
            Self::UnexpectedReferences { count } => {
                write!(
                    f,
                    "SignedInfo has {count} references; exactly one is accepted"
                )
            }
            Self::UnsupportedReference { uri } => match uri {
                Some(uri) => write!(
                    f,
                    "reference URI {uri:?} is not \"\" or a same-document #id"
                ),
                None => f.write_str("the reference has no URI attribute"),
            },
            Self::DuplicateId { id } => write!(f, "the ID {id:?} appears more than once"),
            Self::SignedElementNotRoot { element } => write!(
                f,
                "the signature covers <{element}>, not the whole document"
            ),
            Self::SignatureMisplaced => {
                f.write_str("the signature is not a direct child of the element it signs")
            }
            Self::UnsignedContent { element } => {
                write!(f, "<{element}> inside the signature is not covered by it")
            }
            Self::DisallowedTransform { algorithm } => {
                write!(f, "transform not allowed: {algorithm}")
            }
            Self::Sha1Refused { algorithm } => {
                write!(f, "SHA-1 ({algorithm}) is refused by the algorithm policy")
            }
            Self::DisallowedAlgorithm { algorithm } => {
                write!(f, "algorithm not allowed: {algorithm}")
            }
            Self::DigestMismatch => {
                f.write_str("the signed content was changed: the digest does not match")
            }
            Self::SignatureValueMismatch => {
                f.write_str("the signature value does not verify with the trusted key")
            }
            Self::UntrustedSigner { reason } => write!(f, "untrusted signer: {reason}"),
            Self::SignerNotAllowed {
                signer,
                issuer_code,
            } => write!(
                f,
                "no signer rule allows {signer} to sign for issuer {}: a chain to a root is not enough (TrustAnchors::allow_signer)",
                issuer_code.as_deref().unwrap_or("(none named)")
            ),
            Self::SignerRevoked { revoked_at } => write!(
                f,
                "the signer certificate was revoked at {}",
                stamp(revoked_at)
            ),
            Self::SignerExpired { not_after } => {
                write!(f, "the signer certificate expired at {}", stamp(not_after))
            }
            Self::SignerNotYetValid { not_before } => write!(
                f,
                "the signer certificate is valid only from {}",
                stamp(not_before)
            ),
            Self::InvalidAnchor(m) => write!(f, "invalid trust anchor: {m}"),
            Self::Unverifiable(m) => write!(f, "signature could not be verified: {m}"),
        }
    }
}

impl std::error::Error for SignatureError {}
