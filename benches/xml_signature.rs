//! XMLDSig verification of a 100 KB e-Aadhaar XML (DigiLocker's shape:
//! `Certificate/CertificateData/KycRes` with a ~97 KB photo, RSA-2048
//! RSA-SHA1 over `SignedInfo`, SHA-256 digest, inclusive C14N), signed at
//! start-up by `xmlsec1` with a key made by `openssl`.
//!
//! ```text
//! cargo bench --bench xml_signature
//! ```
//!
//! Three variants on the same bytes: `verify` (the signature alone),
//! `from_signed_xml` (verify, then parse the signed content) and the
//! baseline `parse_unverified` (`EAadhaar::from_xml`); afterwards a paired
//! pass prints the median times and the ratio verified/unverified.
//!
//! Under `cargo test --benches` each benchmark runs once and the verified
//! and unverified parses are compared; nothing depends on wall time.

mod support;

use std::hint::black_box;
use std::sync::LazyLock;

use base64::Engine as _;
use digilocker_authpartner::xml::EAadhaar;
use digilocker_authpartner::xml::signature::{self, TrustAnchors};
use digilocker_sandbox::xmlsec::{RSA_SHA1, SHA256, SigningKey, sign, signature_template};

/// The signed document and the anchors that trust its signer.
struct Fixture {
    xml: Vec<u8>,
    anchors: TrustAnchors,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let key = SigningKey::self_signed("CN=Bench Document Signer,O=Example")
        .expect("the benchmark needs openssl and xmlsec1 (Debian packages openssl, xmlsec1)");
    // Deterministic bytes standing in for the JPEG photo.
    let photo: Vec<u8> = (0u32..72_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let template = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Certificate language="99" name="Aadhaar Card" type="ADHAR" number="xxxxxxxx1234">
  <IssuedBy><Organization name="Unique Identification Authority of India" code="UIDAI" type="CG"/></IssuedBy>
  <IssuedTo><Person uid="xxxxxxxx1234" name="Asha Bench Kumari" dob="01-01-1990" gender="F"/></IssuedTo>
  <CertificateData><KycRes code="bench" ret="Y" ts="2024-01-02T08:34:05.000+05:30" txn="BENCH-1"><UidData uid="xxxxxxxx1234">
    <Poi dob="01-01-1990" gender="F" name="Asha Bench Kumari"/>
    <Poa country="India" dist="Bench District" house="1" pc="999999" state="Bench State" street="Example Street" vtc="Bench City"/>
    <Pht>{}</Pht>
  </UidData></KycRes></CertificateData>
  {}
</Certificate>
"#,
        base64::engine::general_purpose::STANDARD.encode(&photo),
        signature_template(RSA_SHA1, SHA256, "")
    );
    let xml = sign(&template, &key, &[], None).expect("xmlsec1 --sign");
    let anchors = TrustAnchors::digilocker()
        .pin_certificate_pem(key.certificate_pem())
        .expect("a valid certificate");
    Fixture {
        xml: xml.into_bytes(),
        anchors,
    }
});

#[divan::bench(sample_count = 50)]
fn verify(b: divan::Bencher) {
    let f = &*FIXTURE;
    b.counter(divan::counter::BytesCount::new(f.xml.len()))
        .bench(|| signature::verify(black_box(&f.xml), &f.anchors).expect("verifies"));
}

#[divan::bench(sample_count = 50)]
fn from_signed_xml(b: divan::Bencher) {
    let f = &*FIXTURE;
    b.counter(divan::counter::BytesCount::new(f.xml.len()))
        .bench(|| EAadhaar::from_signed_xml(black_box(&f.xml), &f.anchors).expect("verifies"));
}

#[divan::bench(sample_count = 50)]
fn parse_unverified(b: divan::Bencher) {
    let f = &*FIXTURE;
    b.counter(divan::counter::BytesCount::new(f.xml.len()))
        .bench(|| EAadhaar::from_xml(black_box(&f.xml)).expect("parses"));
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    divan::main();
    let f = &*FIXTURE;
    let verified = EAadhaar::from_signed_xml(&f.xml, &f.anchors).expect("verifies");
    assert_eq!(
        verified.value(),
        &EAadhaar::from_xml(&f.xml).expect("parses")
    );
    if !bench_mode {
        return;
    }
    let (mut v, mut p, mut q) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..101 {
        let verify = || {
            black_box(EAadhaar::from_signed_xml(black_box(&f.xml), &f.anchors).ok());
        };
        let parse = || {
            black_box(EAadhaar::from_xml(black_box(&f.xml)).ok());
        };
        let (tv, tp) = if round % 2 == 0 {
            let tv = support::secs(verify);
            (tv, support::secs(parse))
        } else {
            let tp = support::secs(parse);
            (support::secs(verify), tp)
        };
        v.push(tv * 1e3);
        p.push(tp * 1e3);
        q.push(tv / tp);
    }
    println!(
        "\npaired, {} bytes: from_signed_xml {:.3} ms, from_xml {:.3} ms, median ratio {:.1}",
        f.xml.len(),
        support::median(&mut v),
        support::median(&mut p),
        support::median(&mut q)
    );
}
