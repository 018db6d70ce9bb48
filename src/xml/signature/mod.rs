//! Verification of the XML signatures (XMLDSig) of certificate and
//! e-Aadhaar XML against pinned trust anchors (feature `xmldsig`, opt-in:
//! `features = ["xmldsig"]`).
//!
//! [`verify`] accepts a document only if all of these hold, each failure
//! being its own [`SignatureError`] variant:
//!
//! - at most [`TrustAnchors::max_size`] bytes of UTF-8, no `<!DOCTYPE>`
//!   (so no entity expansion);
//! - exactly one `<ds:Signature>`, holding only `SignedInfo`,
//!   `SignatureValue` and an optional `KeyInfo` of certificates, names or
//!   key values (an `<Object>` or other content would be unsigned);
//! - exactly one `<Reference>`, `URI=""` or `#id` of the document element,
//!   so the whole document is signed; no duplicate IDs; the signature is a
//!   direct child of the document element (not moved, not wrapped);
//! - the transforms are enveloped-signature, then at most one inclusive or
//!   exclusive C14N (with or without comments); `SignedInfo` uses one of
//!   those canonicalizations;
//! - the algorithms pass the [`AlgorithmPolicy`] (SHA-1 only when enabled);
//! - the signer is trusted: the `<KeyInfo>` certificate has the key of a
//!   pinned certificate or key, or chains to a configured root **and** a
//!   [`SignerRule`] allows that signer for the issuer and document the XML
//!   claims; a certificate in the document is never trusted by itself;
//! - the signer certificate is valid at the verification time and no
//!   configured CRL revokes it (see [`TrustAnchors`] for what revocation
//!   checking is and is not done);
//! - the digest and the signature value verify.
//!
//! What is parsed afterwards is the signed element with the signature and
//! its comments cut out ([`SignedXml::signed_xml`]), i.e. exactly what the
//! digest covers: a same-document reference never signs comments.
//!
//! ```no_run
//! use digilocker_authpartner::xml::EAadhaar;
//! use digilocker_authpartner::xml::signature::TrustAnchors;
//!
//! # fn run(stored: &[u8], signer_pem: &str) -> Result<(), digilocker_authpartner::Error> {
//! let anchors = TrustAnchors::digilocker().pin_certificate_pem(signer_pem)?;
//! let kyc = EAadhaar::from_signed_xml(stored, &anchors)?;
//! let signer = kyc.report().signer.as_ref().expect("KeyInfo certificate");
//! println!("{:?} signed by {} (serial {})", kyc.name, signer.subject, signer.serial);
//! # Ok(()) }
//! ```

// Library choice. XMLDSig and C14N come from `bergshamra` (bergshamra-dsig
// and bergshamra-keys 0.11, BSD-2-Clause, pure Rust, no C), compared with:
//  - `xml-sec` 0.4 (pure Rust): a built-in algorithm/transform policy and
//    expected-target evidence, 115 crates and ~81 s CPU to build alone
//    (bergshamra: 163 crates, ~101 s), but rust-version 1.92 (this crate's
//    is 1.88) and ~244k lines in one crate behind a large policy API that
//    is still changing before 1.0;
//  - `xmlsec` 0.3 (libxmlsec1 bindings): bindgen needs libclang plus the
//    libxmlsec1/libxml2/OpenSSL -dev packages, it panics on context
//    failure, and exposes neither X.509 chain validation nor the signed
//    references, so no anti-wrapping check is possible on top of it.
// bergshamra passes xmlsec's own interop suite (447 of 450 DSig vectors,
// the 3 skipped being GOST), rejects duplicate IDs, ignores <KeyInfo> keys
// in favour of caller keys (`DsigContext::new`), validates X.509 chains to
// caller roots, and reports the verified Signature node, so the shape
// rules in `structure.rs` and this crate's SHA-1 policy (it has none of its
// own) run on the very tree it verifies. It never reads files here: every
// reference other than "" or a same-document #id is refused before it
// runs. Its cost, about +45 % CPU on a clean debug build of this crate
// (benches/RESULTS.md §4 and §6), is why it is the `xmldsig` feature, and
// why that feature is opt-in: the build budget of the default features is
// the one of the releases before it.

mod algorithms;
mod anchors;
mod error;
mod rules;
mod signer;
mod structure;
mod trust;
mod typed;

use std::time::SystemTime;

use bergshamra_dsig::VerifyResult;
use quick_xml::events::Event;

pub use algorithms::{
    AlgorithmPolicy, Algorithms, Canonicalization, DigestMethod, SignatureMethod,
};
pub use anchors::{DEFAULT_MAX_SIGNED_XML_BYTES, TrustAnchors};
pub use error::SignatureError;
pub use rules::{SignedClaims, SignerRule};
pub use signer::SignerCertificate;
pub use trust::TrustPath;
pub use typed::Verified;

use structure::Plan;

/// Element nesting deeper than this is refused (DigiLocker's documents
/// nest fewer than ten levels).
const MAX_DEPTH: u32 = 256;

/// What a successful verification established.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignatureReport {
    /// The local name of the signed (document) element, e.g. `Certificate`.
    pub signed_element: String,
    /// The reference's `URI`: `""` or `#id`.
    pub reference_uri: String,
    /// The signer certificate: the pinned one, or the `<KeyInfo>` one that
    /// matched a pinned key or chained to a root (`None` only for a pinned
    /// key with no certificate in the document).
    pub signer: Option<SignerCertificate>,
    /// How the signer is trusted.
    pub trust: TrustPath,
    /// In root mode, the name of the [`SignerRule`] that allowed the signer
    /// (`None` for a pinned signer).
    pub signer_rule: Option<String>,
    /// What the signed document says about itself (issuer, type).
    pub claims: SignedClaims,
    /// The algorithms used.
    pub algorithms: Algorithms,
    /// The time the signer certificate was checked at.
    pub checked_at: SystemTime,
    /// When the document says it was produced: the `ts` of a signed
    /// `<KycRes>` (certificate XML carries no signing time).
    pub signing_time: Option<SystemTime>,
    /// Whether [`signing_time`](Self::signing_time) falls inside the signer
    /// certificate's validity window (`None` if either is unknown).
    pub signed_within_validity: Option<bool>,
}

/// A document whose signature verified: the signed content and the report.
/// Its `Debug` leaves the content out (it carries personal data).
#[derive(Clone, PartialEq, Eq)]
pub struct SignedXml {
    signed: String,
    report: SignatureReport,
}

impl std::fmt::Debug for SignedXml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedXml")
            .field("signed", &format_args!("<{} bytes>", self.signed.len()))
            .field("report", &self.report)
            .finish()
    }
}

impl SignedXml {
    /// The signed element with its `<Signature>` and every comment cut out:
    /// the source bytes the reference digest covers (comments are never
    /// signed by a same-document reference). Parse this, not the input.
    pub fn signed_xml(&self) -> &str {
        &self.signed
    }

    /// What the verification established.
    pub fn report(&self) -> &SignatureReport {
        &self.report
    }

    /// The report, dropping the signed content.
    pub fn into_report(self) -> SignatureReport {
        self.report
    }
}

/// Verifies the enveloped XML signature of `xml` (certificate or e-Aadhaar
/// XML, as downloaded or stored earlier) against `anchors`; see the
/// [module documentation](self) for every rule.
///
/// ```no_run
/// use digilocker_authpartner::xml::signature::{self, TrustAnchors};
///
/// # fn run(xml: &[u8], pem: &str) -> Result<(), signature::SignatureError> {
/// let anchors = TrustAnchors::new().pin_certificate_pem(pem)?;
/// let signed = signature::verify(xml, &anchors)?;
/// println!("signed by {:?}", signed.report().signer.as_ref().map(|s| &s.subject));
/// # Ok(()) }
/// ```
pub fn verify(xml: &[u8], anchors: &TrustAnchors) -> Result<SignedXml, SignatureError> {
    if xml.len() > anchors.max_size {
        return Err(SignatureError::TooLarge {
            len: xml.len(),
            max: anchors.max_size,
        });
    }
    let text = std::str::from_utf8(xml)
        .map_err(|e| SignatureError::Malformed(format!("not UTF-8: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    refuse_doctype(text)?;
    let doc = uppsala::Parser::new()
        .with_forbid_dtd(true)
        .with_max_depth(MAX_DEPTH)
        .parse(text)
        .map_err(|e| SignatureError::Malformed(e.to_string()))?;
    let plan = structure::inspect(&doc, &anchors.policy)?;
    let at = anchors.at.unwrap_or_else(SystemTime::now);

    let mut failure = SignatureError::SignatureValueMismatch;
    for candidate in trust::candidates(&plan, anchors, at)? {
        let result = bergshamra_dsig::verify::verify_document_with_source(
            &candidate.context,
            &doc,
            Some(text),
        );
        let key_chain = match classify(result, &plan) {
            Ok(chain) => chain,
            Err(e) => {
                failure = e;
                continue;
            }
        };
        let signer = match candidate.signer {
            Some(signer) => Some(signer),
            None => key_chain
                .first()
                .map(|der| SignerCertificate::from_der(der))
                .transpose()?,
        };
        if let Some(signer) = &signer {
            signer.check_valid_at(at)?;
            signer::check_not_revoked(signer, &anchors.crls, at)?;
            if candidate.trust == TrustPath::ChainedToRoot && key_chain.first() != Some(&signer.der)
            {
                return Err(SignatureError::UntrustedSigner {
                    reason: "verified with a certificate other than the KeyInfo leaf".into(),
                });
            }
        }
        let claims = rules::claims_of(&doc, plan.root);
        let signer_rule = match (candidate.trust, &signer) {
            (TrustPath::ChainedToRoot, Some(signer)) => Some(
                anchors
                    .rules
                    .iter()
                    .find(|rule| rule.allows(signer, &claims))
                    .map(|rule| rule.name().to_string())
                    .ok_or_else(|| SignatureError::SignerNotAllowed {
                        signer: signer.subject.clone(),
                        issuer_code: claims.issuer_code.clone(),
                    })?,
            ),
            (TrustPath::ChainedToRoot, None) => {
                return Err(SignatureError::UntrustedSigner {
                    reason: "no signer certificate to apply the signer rules to".into(),
                });
            }
            _ => None,
        };
        let signing_time = signing_time(&doc, plan.root);
        let signed_within_validity = signing_time
            .zip(signer.as_ref())
            .map(|(t, s)| s.is_valid_at(t));
        return Ok(SignedXml {
            signed: signed_view(&doc, &plan)?,
            report: SignatureReport {
                signed_element: doc
                    .element(plan.root)
                    .map(|e| e.name.local_name.to_string())
                    .unwrap_or_default(),
                reference_uri: plan.reference_uri.clone(),
                signer,
                trust: candidate.trust,
                signer_rule,
                claims,
                algorithms: plan.algorithms.clone(),
                checked_at: at,
                signing_time,
                signed_within_validity,
            },
        });
    }
    Err(failure)
}

/// Maps the library's verdict to a typed error; on success, returns the
/// certificate chain of the key that verified (leaf first).
fn classify(
    result: Result<VerifyResult, bergshamra_core::Error>,
    plan: &Plan,
) -> Result<Vec<Vec<u8>>, SignatureError> {
    use bergshamra_core::Error as E;
    match result {
        Ok(VerifyResult::Valid {
            signature_node,
            references,
            key_info,
        }) => {
            let covered = matches!(references.as_slice(),
                [r] if r.digest_verified
                    && r.uri == plan.reference_uri
                    && r.resolved_node.is_none_or(|n| n == plan.root));
            if signature_node != plan.signature || !covered {
                return Err(SignatureError::Unverifiable(
                    "the library verified another signature or reference".into(),
                ));
            }
            Ok(key_info.x509_chain)
        }
        Ok(VerifyResult::Invalid { reason }) if reason.starts_with("Reference digest failed") => {
            Err(SignatureError::DigestMismatch)
        }
        Ok(VerifyResult::Invalid { .. }) | Err(E::SignatureInvalid(_)) => {
            Err(SignatureError::SignatureValueMismatch)
        }
        Err(E::DigestMismatch(_)) => Err(SignatureError::DigestMismatch),
        Err(E::Certificate(reason) | E::Key(reason) | E::KeyNotFound(reason)) => {
            Err(SignatureError::UntrustedSigner { reason })
        }
        Err(E::UnsupportedAlgorithm(algorithm)) => {
            Err(SignatureError::DisallowedAlgorithm { algorithm })
        }
        Err(other) => Err(SignatureError::Unverifiable(other.to_string())),
    }
}

/// Refuses a document type declaration before the tree is built.
fn refuse_doctype(text: &str) -> Result<(), SignatureError> {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::DocType(_)) => return Err(SignatureError::Doctype),
            Ok(Event::Start(_) | Event::Empty(_) | Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// The document element's source with the `<Signature>` element and every
/// comment removed: exactly what the digest covers. A same-document
/// reference (`URI=""` or `#id`) drops comments before canonicalization,
/// even under the `#WithComments` methods (XMLDSig 1.1 §4.4.3.3), so a
/// comment is unsigned: left in, `<Marks>9<!---->0</Marks>` would read as
/// `9` to a parser that takes the first text node.
fn signed_view(doc: &uppsala::Document<'_>, plan: &Plan) -> Result<String, SignatureError> {
    let missing = || SignatureError::Malformed("no source range for the signed element".into());
    let root = doc.node_range(plan.root).ok_or_else(missing)?;
    let mut cuts = vec![doc.node_range(plan.signature).ok_or_else(missing)?];
    for node in doc.descendants(plan.root) {
        if matches!(doc.node_kind(node), Some(uppsala::NodeKind::Comment(_))) {
            cuts.push(doc.node_range(node).ok_or_else(missing)?);
        }
    }
    cuts.sort_by_key(|r| r.start);
    let text = doc.input_text();
    let mut view = String::with_capacity(root.len());
    let mut at = root.start;
    for cut in cuts {
        if cut.start < at {
            continue; // inside a cut already made (a comment in the signature)
        }
        view.push_str(text.get(at..cut.start).ok_or_else(missing)?);
        at = cut.end;
    }
    view.push_str(text.get(at..root.end).ok_or_else(missing)?);
    Ok(view)
}

/// The `ts` of the first `<KycRes>` in the signed element (UIDAI writes
/// ISO 8601; a time without an offset is India Standard Time).
fn signing_time(doc: &uppsala::Document<'_>, root: uppsala::NodeId) -> Option<SystemTime> {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let element = doc.element(node)?;
        if &*element.name.local_name == "KycRes" {
            return element.get_attribute("ts").and_then(parse_timestamp);
        }
        stack.extend(
            doc.children_iter(node)
                .rev()
                .filter(|n| doc.element(*n).is_some()),
        );
    }
    None
}

fn parse_timestamp(ts: &str) -> Option<SystemTime> {
    use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
    let ts = ts.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(ts) {
        return Some(t.into());
    }
    let naive = NaiveDateTime::parse_from_str(ts, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    let ist = FixedOffset::east_opt(5 * 3600 + 1800)?;
    ist.from_local_datetime(&naive).single().map(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors() -> TrustAnchors {
        TrustAnchors::new()
            .pin_certificate_pem(include_str!("../../../tests/data/anchor-example.pem"))
            .unwrap()
    }

    #[test]
    fn refused_before_parsing() {
        let a = anchors().max_size(10);
        assert_eq!(
            verify(b"<KycRes>0123456789</KycRes>", &a),
            Err(SignatureError::TooLarge { len: 27, max: 10 })
        );
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>"#;
        assert_eq!(verify(bomb, &anchors()), Err(SignatureError::Doctype));
        assert!(matches!(
            verify(b"\xff<r/>", &anchors()),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            verify(b"<r><a></r>", &anchors()),
            Err(SignatureError::Malformed(_))
        ));
        assert_eq!(
            verify(b"<KycRes ret='Y'/>", &anchors()),
            Err(SignatureError::MissingSignature)
        );
    }

    #[test]
    fn timestamps() {
        let utc = parse_timestamp("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(
            parse_timestamp("2024-01-02T08:34:05.000+05:30"),
            Some(utc),
            "offsets apply"
        );
        assert_eq!(parse_timestamp("2024-01-02T08:34:05"), Some(utc), "IST");
        assert_eq!(parse_timestamp("02-01-2024"), None);
    }
}
