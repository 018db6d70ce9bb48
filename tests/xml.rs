//! Certificate and e-Aadhaar XML end to end (raw, verified, and typed), and
//! the parsers' behaviour on arbitrary and mutated input (no panics, only
//! `Error::Decode`).

mod common;

use common::{sandbox_with, sign_in, signed_in};
use digilocker_authpartner::transfer::HmacCheck;
use digilocker_authpartner::xml::{Certificate, EAadhaar};
use digilocker_authpartner::{Error, ErrorCode, IntegrityFailure};
use digilocker_sandbox::{Fault, SandboxConfig, SeedDocument, TestUser};
use proptest::prelude::*;

/// A seeded issued document with certificate XML.
const WITH_XML: &str = "in.gov.sandboxstate-INCER-INC0000777";

/// `DDMMYYYY` → `DD-MM-YYYY`, as the sandbox writes dates in XML.
fn dashed(dob: &str) -> String {
    format!("{}-{}-{}", &dob[0..2], &dob[2..4], &dob[4..8])
}

#[tokio::test]
async fn certificate_xml_raw_and_typed() {
    let (sb, client) = signed_in().await;
    let user = sb.test_user();

    let raw = client.certificate_xml(WITH_XML).await.unwrap();
    assert!(raw.bytes.starts_with(b"<?xml"));
    assert_eq!(raw.hmac, HmacCheck::Verified);
    assert_eq!(raw.content_type.as_deref(), Some("application/xml"));

    let cert = client.certificate(WITH_XML).await.unwrap();
    assert_eq!(cert, Certificate::from_xml(&raw.bytes).unwrap());
    assert_eq!(cert.doc_type.as_deref(), Some("INCER"));
    assert_eq!(cert.number.as_deref(), Some("INC0000777"));
    assert_eq!(cert.language.as_deref(), Some("99"));
    assert_eq!(cert.status.as_deref(), Some("A"));
    assert!(cert.name.is_some() && cert.issue_date.is_some());
    assert_eq!(cert.expiry_date, None, "empty attributes are None");
    let issuer = cert.issued_by.as_ref().expect("IssuedBy");
    assert!(issuer.name.is_some());
    assert_eq!(cert.issued_to.len(), 1);
    let holder = &cert.issued_to[0];
    assert_eq!(holder.name.as_deref(), Some(user.name.as_str()));
    assert_eq!(holder.dob.as_deref(), Some(dashed(&user.dob).as_str()));
    assert!(holder.date_of_birth().is_some(), "{:?}", holder.dob);
    assert_eq!(
        holder.gender.as_ref().map(|g| g.as_str()),
        Some(user.gender.as_str())
    );
    assert_eq!(
        holder.masked_uid.as_deref(),
        Some(user.masked_aadhaar.as_str())
    );
    assert!(cert.certificate_data.as_deref().unwrap().contains(WITH_XML));

    let paths: Vec<String> = sb.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths
            .iter()
            .filter(|p| *p == &format!("/oauth2/1/xml/{WITH_XML}"))
            .count(),
        2
    );
}

#[tokio::test]
async fn a_seeded_certificate_round_trips() {
    let (sb, client) = signed_in().await;
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Certificate language="99" name="Caste Certificate" type="CASCR" number="C-1" issueDate="2024-05-06" status="A">
  <IssuedBy><Organization name="Tehsil Office" code="TO" type="SG"><Address line1="x"/></Organization></IssuedBy>
  <IssuedTo><Person name="Ravi" uid="999999995555" gender="M"/></IssuedTo>
  <CertificateData><Caste name="X"/></CertificateData>
</Certificate>"#;
    let uri = sb.seed_document(SeedDocument {
        uri: "in.gov.tehsil-CASCR-C1".into(),
        name: "Caste Certificate".into(),
        doctype: "CASCR".into(),
        issuer: "Tehsil".into(),
        mime: "application/pdf".into(),
        bytes: b"%PDF-1.4\n%%EOF\n".to_vec(),
        xml: Some(xml.into()),
        ..Default::default()
    });
    let cert = client.certificate(&uri).await.unwrap();
    assert_eq!(cert.doc_type.as_deref(), Some("CASCR"));
    assert_eq!(cert.issued_by.unwrap().code.as_deref(), Some("TO"));
    assert_eq!(
        cert.issued_to[0].masked_uid.as_deref(),
        Some("xxxxxxxx5555"),
        "a full Aadhaar number is masked"
    );
    assert_eq!(
        cert.certificate_data.as_deref(),
        Some(r#"<Caste name="X"/>"#)
    );
    assert_eq!(
        client.certificate_xml(&uri).await.unwrap().bytes,
        xml.as_bytes()
    );
}

#[tokio::test]
async fn eaadhaar_v3_and_v2() {
    let (sb, client) = signed_in().await;
    let user = sb.test_user();

    let kyc = client.eaadhaar().await.unwrap();
    assert_eq!(
        kyc.masked_uid.as_deref(),
        Some(user.masked_aadhaar.as_str())
    );
    assert_eq!(kyc.name.as_deref(), Some(user.name.as_str()));
    assert_eq!(kyc.dob.as_deref(), Some(dashed(&user.dob).as_str()));
    assert_eq!(
        kyc.gender.as_ref().map(|g| g.as_str()),
        Some(user.gender.as_str())
    );
    assert!(kyc.photo_present);
    assert!(kyc.timestamp.is_some());
    assert_eq!(kyc.address.pincode.as_deref(), Some("999999"));
    assert_eq!(kyc.address.country.as_deref(), Some("India"));
    assert_eq!(kyc.address.care_of, None);

    let v3 = client.eaadhaar_xml().await.unwrap();
    assert_eq!(v3.hmac, HmacCheck::Verified);
    let v2 = client.eaadhaar_xml_v2().await.unwrap();
    assert_eq!(v2.hmac, HmacCheck::Verified);
    let from_v2 = EAadhaar::from_xml(&v2.bytes).unwrap();
    assert_eq!(from_v2.masked_uid, kyc.masked_uid);
    assert_eq!(from_v2.name, kyc.name);
    assert_eq!(from_v2.address, kyc.address);

    let paths: Vec<String> = sb.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().any(|p| p == "/oauth2/3/xml/eaadhaar"));
    assert!(paths.iter().any(|p| p == "/oauth2/2/xml/eaadhaar"));
}

#[tokio::test]
async fn tampered_xml_is_an_integrity_error() {
    let (sb, client) = signed_in().await;
    sb.inject(Fault::TamperBody {
        path: "/oauth2/1/xml/".into(),
        times: 2,
    });
    for _ in 0..2 {
        let e = client.certificate(WITH_XML).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Integrity {
                    operation: "get_certificate_xml",
                    reason: IntegrityFailure::Mismatch
                }
            ),
            "{e:?}"
        );
    }
    sb.inject(Fault::TamperBody {
        path: "/oauth2/3/xml/eaadhaar".into(),
        times: 1,
    });
    let e = client.eaadhaar().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Integrity {
                operation: "get_eaadhaar_xml",
                ..
            }
        ),
        "{e:?}"
    );
    // Once the fault is spent, the same calls succeed.
    client.certificate(WITH_XML).await.unwrap();
    client.eaadhaar().await.unwrap();
}

#[tokio::test]
async fn server_errors_are_typed() {
    let (_sb, client) = signed_in().await;
    let e = client
        .certificate("in.gov.cbse-HSCER-000000")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::InvalidUri), "{e}");

    let (_sb, client) = sandbox_with(SandboxConfig {
        test_user: TestUser {
            eaadhaar: "N".into(),
            ..TestUser::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    sign_in(&client).await;
    let e = client.eaadhaar().await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::AadhaarNotLinked), "{e}");
    assert_eq!(e.status(), Some(404));
}

const KYC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<KycRes code="c" ret="Y" ts="2024-01-01T00:00:00" txn="t"><UidData uid="xxxxxxxx1234"><Poi dob="01-01-1990" gender="F" name="A B"/><Poa co="" country="India" dist="D" house="1" lm="" loc="L" pc="999999" po="P" state="S" street="St" subdist="SD" vtc="V"/><Pht>/9j/4AAQ</Pht></UidData><Signature/></KycRes>"#;

const CERT: &str = r#"<?xml version="1.0"?>
<Certificate language="99" name="N" type="INCER" number="1" issueDate="2024-01-01" status="A"><IssuedBy><Organization name="O" code="C" type="SG"/></IssuedBy><IssuedTo><Person name="A" dob="01-01-1990" gender="F" uid="xxxxxxxx1234"/></IssuedTo><CertificateData><X a="1">t</X></CertificateData></Certificate>"#;

fn only_decode_errors<T: std::fmt::Debug>(r: Result<T, Error>) -> Result<(), TestCaseError> {
    match r {
        Ok(_) | Err(Error::Decode { .. }) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!("unexpected error {other:?}"))),
    }
}

fn mutate(base: &str, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for (at, b) in edits {
        let i = at % bytes.len();
        bytes[i] = *b;
    }
    bytes.truncate(bytes.len() - cut % bytes.len());
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        only_decode_errors(Certificate::from_xml(&bytes))?;
        only_decode_errors(EAadhaar::from_xml(&bytes))?;
    }

    #[test]
    fn mutated_documents_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in any::<usize>(),
    ) {
        only_decode_errors(Certificate::from_xml(&mutate(CERT, &edits, cut)))?;
        only_decode_errors(EAadhaar::from_xml(&mutate(KYC, &edits, cut)))?;
        only_decode_errors(EAadhaar::from_xml(&mutate(CERT, &edits, cut)))?;
    }

    #[test]
    fn xml_like_text_never_panics(text in r#"(<[A-Za-z@/!?]{0,12}( [a-z]{1,5}="[^"<]{0,6}")*/?>|[^<]{0,8}){0,24}"#) {
        only_decode_errors(Certificate::from_xml(text.as_bytes()))?;
        only_decode_errors(EAadhaar::from_xml(text.as_bytes()))?;
    }
}

#[test]
fn the_fixtures_parse() {
    let k = EAadhaar::from_xml(KYC.as_bytes()).unwrap();
    assert!(k.photo_present);
    assert_eq!(k.address.vtc.as_deref(), Some("V"));
    let c = Certificate::from_xml(CERT.as_bytes()).unwrap();
    assert_eq!(c.certificate_data.as_deref(), Some(r#"<X a="1">t</X>"#));
}
