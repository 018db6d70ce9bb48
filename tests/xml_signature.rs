//! XML signature verification against documents signed at test time by an
//! independent implementation: keys and certificates from `openssl`,
//! enveloped XMLDSig from `xmlsec1`. Every rule has a positive and a
//! negative case; the sandbox's own signed XML is checked end to end.
//!
//! They need the tools, so they are ignored unless asked for
//! (`--include-ignored`, as `.ci/run` does); asked for, a missing tool
//! fails them (`tests/common/tools.rs`).

#![cfg(feature = "xmldsig")]

mod common;

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use digilocker_authpartner::Error;
use digilocker_authpartner::xml::signature::{
    self, AlgorithmPolicy, Canonicalization, DigestMethod, SignatureError, SignatureMethod,
    SignerRule, TrustAnchors, TrustPath,
};
use digilocker_authpartner::xml::{Certificate, EAadhaar};
use digilocker_sandbox::xmlsec::{
    self, Issuer, RSA_SHA1, RSA_SHA256, SHA1, SHA256, SigningKey, sign, signature_template,
};

/// The keys every test shares (RSA key generation is the slow part).
struct Keys {
    signer: SigningKey,
    other: SigningKey,
    root: SigningKey,
    issued: SigningKey,
    expired: SigningKey,
}

/// The fixture keys; fails the test when the tools are missing.
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        common::tools::require(xmlsec::check_tools(), "xmlsec1 and openssl");
        let root = SigningKey::generate(
            "CN=Test Root CA,O=Example",
            Issuer::SelfSigned,
            SystemTime::now() - Duration::from_secs(86_400),
            SystemTime::now() + Duration::from_secs(3650 * 86_400),
            true,
        )
        .unwrap();
        let issued = SigningKey::generate(
            "CN=Issued Document Signer,O=Example",
            Issuer::By(&root),
            SystemTime::now() - Duration::from_secs(86_400),
            SystemTime::now() + Duration::from_secs(365 * 86_400),
            false,
        )
        .unwrap();
        let expired = SigningKey::generate(
            "CN=Expired Signer,O=Example",
            Issuer::SelfSigned,
            at("2020-01-01T00:00:00Z"),
            at("2020-02-01T00:00:00Z"),
            false,
        )
        .unwrap();
        Keys {
            signer: SigningKey::self_signed("CN=DS Test Document Signer,O=Example").unwrap(),
            other: SigningKey::self_signed("CN=Someone Else,O=Example").unwrap(),
            root,
            issued,
            expired,
        }
    })
}

fn at(rfc3339: &str) -> SystemTime {
    let secs = chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp();
    UNIX_EPOCH + Duration::from_secs(secs as u64)
}

const KYC_TS: &str = "2024-01-02T08:34:05.000+05:30";

/// An e-Aadhaar as DigiLocker wraps it: `Certificate/CertificateData/KycRes`.
fn eaadhaar_doc(signature: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Certificate language="99" name="Aadhaar Card" type="ADHAR" number="xxxxxxxx1234" issueDate="2024-01-02" status="A">
  <IssuedBy><Organization name="Unique Identification Authority of India" code="UIDAI" type="CG"/></IssuedBy>
  <IssuedTo><Person uid="xxxxxxxx1234" name="Asha Test Kumari" dob="01-01-1990" gender="F"/></IssuedTo>
  <CertificateData>
    <KycRes code="test" ret="Y" ts="{KYC_TS}" ttl="2025-01-02T08:34:05" txn="TXN-1">
      <UidData tkn="" uid="xxxxxxxx1234">
        <Poi dob="01-01-1990" gender="F" name="Asha Test Kumari"/>
        <Poa country="India" dist="Test District" house="1" pc="999999" state="Test State" street="Example Street" vtc="Test City"/>
        <Pht>/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U</Pht>
      </UidData>
    </KycRes>
  </CertificateData>
  {signature}
</Certificate>
"#
    )
}

/// An issued certificate (DLTS `Certificate` shape).
fn certificate_doc(signature: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Certificate language="99" name="Income Certificate" type="INCER" number="INC0000777" issuedAt="Test" issueDate="2024-01-02" status="A">
  <IssuedBy><Organization name="Test State Revenue" code="in.gov.teststate" type="SG"/></IssuedBy>
  <IssuedTo><Person uid="xxxxxxxx1234" name="Asha Test Kumari" dob="01-01-1990" gender="F"/></IssuedTo>
  <CertificateData><Income amount="120000">Annual income of the household.</Income></CertificateData>
  {signature}
</Certificate>
"#
    )
}

fn signed_with(doc: fn(&str) -> String, method: &str, digest: &str, key: &SigningKey) -> String {
    sign(
        &doc(&signature_template(method, digest, "")),
        key,
        &[],
        None,
    )
    .unwrap()
}

fn pin(key: &SigningKey) -> TrustAnchors {
    TrustAnchors::new()
        .pin_certificate_pem(key.certificate_pem())
        .unwrap()
}

fn err(xml: &str, anchors: &TrustAnchors) -> SignatureError {
    signature::verify(xml.as_bytes(), anchors).expect_err("must be refused")
}

/// `openssl x509 -noout -serial`, as upper-case hex.
fn openssl_serial(cert_pem: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pem");
    std::fs::write(&path, cert_pem).unwrap();
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-serial", "-in"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.trim()
        .trim_start_matches("serial=")
        .trim_start_matches('0')
        .to_string()
}

// ---- accepted --------------------------------------------------------------

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn eaadhaar_rsa_sha1_verifies_under_the_digilocker_preset() {
    let k = keys();
    let xml = signed_with(eaadhaar_doc, RSA_SHA1, SHA256, &k.signer);
    xmlsec::xmlsec1_verify(&xml, k.signer.certificate_pem(), None).unwrap();

    let anchors = TrustAnchors::digilocker()
        .pin_certificate_pem(k.signer.certificate_pem())
        .unwrap();
    let kyc = EAadhaar::from_signed_xml(xml.as_bytes(), &anchors).unwrap();
    assert_eq!(kyc.name.as_deref(), Some("Asha Test Kumari"));
    assert_eq!(kyc.masked_uid.as_deref(), Some("xxxxxxxx1234"));
    assert_eq!(kyc.address.pincode.as_deref(), Some("999999"));
    assert!(kyc.photo_present);

    let report = kyc.report();
    assert_eq!(report.signed_element, "Certificate");
    assert_eq!(report.reference_uri, "");
    assert_eq!(report.trust, TrustPath::PinnedCertificate);
    assert_eq!(report.algorithms.signature, SignatureMethod::RsaSha1);
    assert_eq!(report.algorithms.digest, DigestMethod::Sha256);
    let signer = report.signer.as_ref().unwrap();
    assert!(
        signer.subject.contains("CN=DS Test Document Signer"),
        "{}",
        signer.subject
    );
    assert_eq!(
        signer.serial.trim_start_matches('0'),
        openssl_serial(k.signer.certificate_pem())
    );
    assert!(signer.not_before < SystemTime::now() && SystemTime::now() < signer.not_after);
    assert_eq!(report.signing_time, Some(at("2024-01-02T03:04:05Z")));
    assert_eq!(
        report.signed_within_validity,
        Some(false),
        "signed in 2024, before this certificate was made"
    );
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn eaadhaar_rsa_sha256_verifies_under_the_strict_policy() {
    let k = keys();
    let xml = signed_with(eaadhaar_doc, RSA_SHA256, SHA256, &k.signer);
    let kyc = EAadhaar::from_signed_xml(xml.as_bytes(), &pin(&k.signer)).unwrap();
    assert_eq!(kyc.dob.as_deref(), Some("01-01-1990"));
    assert_eq!(
        kyc.report().algorithms.signature,
        SignatureMethod::RsaSha256
    );
    // The same document, parsed without verification, reads the same.
    assert_eq!(kyc.value(), &EAadhaar::from_xml(xml.as_bytes()).unwrap());
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn certificate_verifies_with_rsa_sha256_and_rsa_sha1() {
    let k = keys();
    for (method, anchors) in [
        (RSA_SHA256, pin(&k.signer)),
        (
            RSA_SHA1,
            pin(&k.signer).policy(AlgorithmPolicy::digilocker()),
        ),
    ] {
        let xml = signed_with(certificate_doc, method, SHA256, &k.signer);
        let cert = Certificate::from_signed_xml(xml.as_bytes(), &anchors).unwrap();
        assert_eq!(cert.doc_type.as_deref(), Some("INCER"));
        assert_eq!(cert.issued_to[0].name.as_deref(), Some("Asha Test Kumari"));
        assert!(
            !cert
                .certificate_data
                .as_deref()
                .unwrap()
                .contains("Signature"),
            "the signature is not part of the parsed content"
        );
        assert_eq!(cert.report().signing_time, None);
        assert_eq!(cert.report().signed_within_validity, None);
    }
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn pinned_public_key_verifies_and_reports_the_keyinfo_certificate() {
    let k = keys();
    let xml = signed_with(certificate_doc, RSA_SHA256, SHA256, &k.signer);
    let anchors = TrustAnchors::new()
        .pin_public_key_pem(&k.signer.public_key_pem().unwrap())
        .unwrap();
    let signed = signature::verify(xml.as_bytes(), &anchors).unwrap();
    assert_eq!(signed.report().trust, TrustPath::PinnedKey);
    let signer = signed.report().signer.as_ref().unwrap();
    assert!(signer.subject.contains("DS Test Document Signer"));
    assert!(signed.signed_xml().starts_with("<Certificate "));
    assert!(!signed.signed_xml().contains("SignatureValue"));
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn keyinfo_certificate_chaining_to_a_root_verifies() {
    let k = keys();
    let xml = signed_with(eaadhaar_doc, RSA_SHA256, SHA256, &k.issued);
    let anchors = TrustAnchors::new()
        .add_root_pem(k.root.certificate_pem())
        .unwrap()
        .allow_signer(SignerRule::organization_for_issuer("Example", "UIDAI"));
    let kyc = EAadhaar::from_signed_xml(xml.as_bytes(), &anchors).unwrap();
    assert_eq!(kyc.report().trust, TrustPath::ChainedToRoot);
    assert!(kyc.report().signer_rule.is_some());
    let signer = kyc.report().signer.as_ref().unwrap();
    assert!(signer.subject.contains("Issued Document Signer"));
    assert!(signer.issuer.contains("Test Root CA"));

    // A self-signed KeyInfo certificate does not chain to that root.
    let own = signed_with(eaadhaar_doc, RSA_SHA256, SHA256, &k.signer);
    assert!(matches!(
        err(&own, &anchors),
        SignatureError::UntrustedSigner { .. }
    ));
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn signer_rollover_pins_the_old_and_the_new_certificate() {
    let k = keys();
    let anchors = pin(&k.signer)
        .pin_certificate_pem(k.other.certificate_pem())
        .unwrap();
    assert_eq!(anchors.pinned_count(), 2);
    for key in [&k.signer, &k.other] {
        let xml = signed_with(certificate_doc, RSA_SHA256, SHA256, key);
        let signed = signature::verify(xml.as_bytes(), &anchors).unwrap();
        assert_eq!(
            signed.report().signer.as_ref().unwrap().der,
            pin_der(key),
            "reports the certificate that signed"
        );
    }
}

fn pin_der(key: &SigningKey) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = key
        .certificate_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn inclusive_and_exclusive_c14n_with_and_without_comments_verify() {
    let k = keys();
    let inclusive = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    let exclusive = "http://www.w3.org/2001/10/xml-exc-c14n#";
    for (uri, expected) in [
        (inclusive.to_string(), Canonicalization::Inclusive10),
        (
            format!("{inclusive}#WithComments"),
            Canonicalization::Inclusive10WithComments,
        ),
        (exclusive.to_string(), Canonicalization::Exclusive),
        (
            format!("{exclusive}WithComments"),
            Canonicalization::ExclusiveWithComments,
        ),
    ] {
        let template = certificate_doc(&signature_template(RSA_SHA256, SHA256, ""))
            .replace(inclusive, &uri)
            .replace(
                "#enveloped-signature\"/>",
                &format!("#enveloped-signature\"/><Transform Algorithm=\"{uri}\"/>"),
            )
            .replace("<IssuedBy>", "<!-- issued by --><IssuedBy>");
        let xml = sign(&template, &k.signer, &[], None).unwrap();
        let signed = signature::verify(xml.as_bytes(), &pin(&k.signer)).unwrap();
        let algorithms = &signed.report().algorithms;
        assert_eq!(algorithms.signed_info_canonicalization, expected, "{uri}");
        assert_eq!(
            algorithms.reference_canonicalization,
            Some(expected),
            "{uri}"
        );
        // `URI=""` dereferences to the document without its comments
        // (XMLDSig §4.4.3.3), even under a WithComments C14N: an edited
        // comment changes nothing, for xmlsec1 and here alike.
        let edited = xml.replace("<!-- issued by -->", "<!-- edited -->");
        assert_ne!(edited, xml);
        xmlsec::xmlsec1_verify(&edited, k.signer.certificate_pem(), None).unwrap();
        assert!(
            signature::verify(edited.as_bytes(), &pin(&k.signer)).is_ok(),
            "{uri}"
        );
        // An edited element still fails.
        let tampered = xml.replace("120000", "120001");
        assert_eq!(
            err(&tampered, &pin(&k.signer)),
            SignatureError::DigestMismatch,
            "{uri}"
        );
    }
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn debug_output_leaves_the_document_out() {
    let k = keys();
    let xml = signed_with(eaadhaar_doc, RSA_SHA256, SHA256, &k.signer);
    let signed = signature::verify(xml.as_bytes(), &pin(&k.signer)).unwrap();
    let debug = format!("{signed:?}");
    assert!(!debug.contains("Asha"), "{debug}");
    assert!(debug.contains("DS Test Document Signer"));
}

// ---- refused ---------------------------------------------------------------

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn tampered_text_is_a_digest_mismatch() {
    let k = keys();
    let xml = signed_with(certificate_doc, RSA_SHA256, SHA256, &k.signer);
    let tampered = xml.replace("Annual income", "Annual Income");
    assert_ne!(tampered, xml);
    assert_eq!(
        err(&tampered, &pin(&k.signer)),
        SignatureError::DigestMismatch
    );
    assert!(xmlsec::xmlsec1_verify(&tampered, k.signer.certificate_pem(), None).is_err());
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn tampered_attribute_is_a_digest_mismatch() {
    let k = keys();
    let xml = signed_with(eaadhaar_doc, RSA_SHA1, SHA256, &k.signer);
    let tampered = xml.replace(r#"dob="01-01-1990" gender"#, r#"dob="01-01-1970" gender"#);
    assert_ne!(tampered, xml);
    let anchors = pin(&k.signer).policy(AlgorithmPolicy::digilocker());
    assert_eq!(err(&tampered, &anchors), SignatureError::DigestMismatch);
    // Through the typed constructor it is an `Error::Signature`, no data.
    match EAadhaar::from_signed_xml(tampered.as_bytes(), &anchors) {
        Err(Error::Signature { reason, .. }) => assert_eq!(reason, SignatureError::DigestMismatch),
        other => panic!("{other:?}"),
    }
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn extra_unsigned_element_inside_the_signature_is_refused() {
    let k = keys();
    let xml = signed_with(eaadhaar_doc, RSA_SHA256, SHA256, &k.signer);
    // Nothing signs an <Object>: xmlsec1 still accepts the document.
    let forged = r#"<Object><KycRes ret="Y"><UidData uid="xxxxxxxx9999"><Poi name="Mallory"/></UidData></KycRes></Object>"#;
    let injected = xml.replace("</Signature>", &format!("{forged}</Signature>"));
    xmlsec::xmlsec1_verify(&injected, k.signer.certificate_pem(), None).unwrap();
    assert_eq!(
        err(&injected, &pin(&k.signer)),
        SignatureError::UnsignedContent {
            element: "Object".into()
        }
    );
    // Likewise an unknown element in KeyInfo.
    let in_key_info = xml.replace("</KeyInfo>", "<RetrievalMethod URI=\"#x\"/></KeyInfo>");
    assert_eq!(
        err(&in_key_info, &pin(&k.signer)),
        SignatureError::UnsignedContent {
            element: "RetrievalMethod".into()
        }
    );
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn moved_signature_is_refused() {
    let k = keys();
    let xml = signed_with(certificate_doc, RSA_SHA256, SHA256, &k.signer);
    let span = signature_span(&xml);
    let signature = &xml[span.clone()];
    let without = format!("{}{}", &xml[..span.start], &xml[span.end..]);
    // Deeper in the document: the enveloped transform removes it wherever it
    // is, so the digest still matches and xmlsec1 accepts it.
    let moved = without.replace(
        "<CertificateData>",
        &format!("<CertificateData>{signature}"),
    );
    xmlsec::xmlsec1_verify(&moved, k.signer.certificate_pem(), None).unwrap();
    assert_eq!(
        err(&moved, &pin(&k.signer)),
        SignatureError::SignatureMisplaced
    );
}

/// Where the `<Signature>` element stands in `xml`.
fn signature_span(xml: &str) -> std::ops::Range<usize> {
    let start = xml.find("<Signature").unwrap();
    start..xml.find("</Signature>").unwrap() + "</Signature>".len()
}

/// A `KycRes` signed by ID (`URI="#kyc-1"`), then wrapped in a forged
/// document whose visible `KycRes` is unsigned.
fn wrapped(k: &Keys, forged_id: &str) -> String {
    let template = format!(
        r#"<KycRes ID="kyc-1" ret="Y" ts="{KYC_TS}"><UidData uid="xxxxxxxx1234"><Poi name="Asha Test Kumari"/></UidData>{}</KycRes>"#,
        signature_template(RSA_SHA256, SHA256, "#kyc-1")
    );
    let signed = sign(&template, &k.signer, &[], Some(("ID", "KycRes"))).unwrap();
    xmlsec::xmlsec1_verify(&signed, k.signer.certificate_pem(), Some(("ID", "KycRes"))).unwrap();
    let original = signed.split_once("?>").map_or(signed.as_str(), |(_, b)| b);
    format!(
        r#"<Certificate type="ADHAR"><CertificateData><KycRes{forged_id} ret="Y"><UidData uid="xxxxxxxx9999"><Poi name="Mallory"/></UidData></KycRes></CertificateData><Hidden>{original}</Hidden></Certificate>"#
    )
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn wrapped_signed_element_is_refused() {
    let k = keys();
    let xml = wrapped(k, "");
    assert_eq!(
        err(&xml, &pin(&k.signer)),
        SignatureError::SignedElementNotRoot {
            element: "KycRes".into()
        }
    );
    assert!(EAadhaar::from_signed_xml(xml.as_bytes(), &pin(&k.signer)).is_err());
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn duplicate_ids_are_refused() {
    let k = keys();
    let xml = wrapped(k, r#" ID="kyc-1""#);
    assert_eq!(
        err(&xml, &pin(&k.signer)),
        SignatureError::DuplicateId { id: "kyc-1".into() }
    );
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn wrong_anchor_is_an_untrusted_signer() {
    let k = keys();
    let xml = signed_with(certificate_doc, RSA_SHA256, SHA256, &k.signer);
    assert!(matches!(
        err(&xml, &pin(&k.other)),
        SignatureError::UntrustedSigner { reason } if reason.contains("DS Test Document Signer")
    ));
    // The certificate the document carries is never trusted by itself.
    assert!(matches!(
        err(&xml, &TrustAnchors::new()),
        SignatureError::UntrustedSigner { .. }
    ));
    // Re-signed by someone else after tampering: still untrusted.
    let resigned = sign(
        &certificate_doc(&signature_template(RSA_SHA256, SHA256, "")).replace("120000", "990000"),
        &k.other,
        &[],
        None,
    )
    .unwrap();
    assert!(matches!(
        err(&resigned, &pin(&k.signer)),
        SignatureError::UntrustedSigner { .. }
    ));
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn expired_signer_certificate_is_refused() {
    let k = keys();
    let xml = signed_with(certificate_doc, RSA_SHA256, SHA256, &k.expired);
    let anchors = pin(&k.expired);
    assert_eq!(
        err(&xml, &anchors),
        SignatureError::SignerExpired {
            not_after: at("2020-02-01T00:00:00Z")
        }
    );
    // Re-checked as of a time inside the window, it verifies; before the
    // window it is not valid yet.
    let then = anchors.clone().at(at("2020-01-15T00:00:00Z"));
    assert!(signature::verify(xml.as_bytes(), &then).is_ok());
    let before = anchors.at(at("2019-12-31T00:00:00Z"));
    assert_eq!(
        err(&xml, &before),
        SignatureError::SignerNotYetValid {
            not_before: at("2020-01-01T00:00:00Z")
        }
    );
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn sha1_is_refused_unless_the_policy_allows_it() {
    let k = keys();
    let rsa_sha1 = signed_with(eaadhaar_doc, RSA_SHA1, SHA256, &k.signer);
    assert_eq!(
        err(&rsa_sha1, &pin(&k.signer)),
        SignatureError::Sha1Refused {
            algorithm: RSA_SHA1.into()
        }
    );
    // The DigiLocker preset admits RSA-SHA1, not SHA-1 digests.
    let sha1_digest = signed_with(eaadhaar_doc, RSA_SHA1, SHA1, &k.signer);
    let digilocker = pin(&k.signer).policy(AlgorithmPolicy::digilocker());
    assert_eq!(
        err(&sha1_digest, &digilocker),
        SignatureError::Sha1Refused {
            algorithm: SHA1.into()
        }
    );
    let all = digilocker.policy(AlgorithmPolicy::digilocker().allow_sha1_digests(true));
    assert!(signature::verify(sha1_digest.as_bytes(), &all).is_ok());
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn missing_signature_is_refused() {
    let k = keys();
    assert_eq!(
        err(&certificate_doc(""), &pin(&k.signer)),
        SignatureError::MissingSignature
    );
    // A signature in another namespace is no signature.
    let foreign = certificate_doc("<Signature><SignatureValue>AA==</SignatureValue></Signature>");
    assert_eq!(
        err(&foreign, &pin(&k.signer)),
        SignatureError::MissingSignature
    );
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn other_transforms_are_refused() {
    let k = keys();
    // An XPath transform that leaves the photo out of the digest.
    let xpath = r#"<Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><XPath>not(ancestor-or-self::Pht)</XPath></Transform>"#;
    let template = eaadhaar_doc(&signature_template(RSA_SHA256, SHA256, "")).replace(
        "#enveloped-signature\"/>",
        &format!("#enveloped-signature\"/>{xpath}"),
    );
    let xml = sign(&template, &k.signer, &[], None).unwrap();
    xmlsec::xmlsec1_verify(&xml, k.signer.certificate_pem(), None).unwrap();
    assert_eq!(
        err(&xml, &pin(&k.signer)),
        SignatureError::DisallowedTransform {
            algorithm: "http://www.w3.org/TR/1999/REC-xpath-19991116".into()
        }
    );
}

#[test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
fn multiple_signatures_and_foreign_references_are_refused() {
    let k = keys();
    let xml = signed_with(certificate_doc, RSA_SHA256, SHA256, &k.signer);
    let signature = &xml[signature_span(&xml)];
    let twice = xml.replace("</Certificate>", &format!("{signature}</Certificate>"));
    assert_eq!(
        err(&twice, &pin(&k.signer)),
        SignatureError::MultipleSignatures { count: 2 }
    );
    for uri in ["file:///etc/passwd", "#xpointer(/)", "other.xml"] {
        let external = xml.replace(
            r#"<Reference URI="">"#,
            &format!(r#"<Reference URI="{uri}">"#),
        );
        assert_eq!(
            err(&external, &pin(&k.signer)),
            SignatureError::UnsupportedReference {
                uri: Some(uri.into())
            }
        );
    }
}

// ---- the sandbox's signed XML, end to end ------------------------------------

#[tokio::test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
async fn sandbox_certificate_and_eaadhaar_xml_verify_against_its_signer() {
    keys();
    let (sb, client) = common::signed_in().await;
    let pem = sb.xml_signer_certificate_pem().unwrap();
    let uri = client
        .get_issued_documents()
        .send()
        .await
        .unwrap()
        .into_inner()
        .items
        .into_iter()
        .map(|d| d.uri)
        .find(|u| u.contains("INCER"))
        .expect("a seeded certificate with XML");

    // The bytes the sandbox serves verify with xmlsec1 too.
    let raw = client.certificate_xml(&uri).await.unwrap();
    xmlsec::xmlsec1_verify(std::str::from_utf8(&raw.bytes).unwrap(), &pem, None).unwrap();

    let anchors = TrustAnchors::digilocker()
        .pin_certificate_pem(&pem)
        .unwrap();
    let cert = client.verified_certificate(&uri, &anchors).await.unwrap();
    assert_eq!(cert.doc_type.as_deref(), Some("INCER"));
    assert_eq!(
        cert.report().algorithms.signature,
        SignatureMethod::RsaSha256
    );
    assert!(
        cert.report()
            .signer
            .as_ref()
            .unwrap()
            .subject
            .contains("DigiLocker Sandbox Document Signer")
    );

    let kyc = client.verified_eaadhaar(&anchors).await.unwrap();
    assert_eq!(kyc.name.as_deref(), Some(sb.test_user().name.as_str()));
    assert_eq!(kyc.report().algorithms.signature, SignatureMethod::RsaSha1);
    assert_eq!(kyc.report().signed_within_validity, Some(true));

    // DigiLocker signs e-Aadhaar with RSA-SHA1: the strict policy refuses it.
    let strict = TrustAnchors::new().pin_certificate_pem(&pem).unwrap();
    match client.verified_eaadhaar(&strict).await {
        Err(Error::Signature { operation, reason }) => {
            assert_eq!(operation, Some("get_eaadhaar_xml"));
            assert!(matches!(reason, SignatureError::Sha1Refused { .. }));
        }
        other => panic!("{other:?}"),
    }
    // And another signer's certificate is not DigiLocker's.
    let k = keys();
    match client.verified_certificate(&uri, &pin(&k.other)).await {
        Err(Error::Signature { reason, .. }) => {
            assert!(matches!(reason, SignatureError::UntrustedSigner { .. }))
        }
        other => panic!("{other:?}"),
    }
}
