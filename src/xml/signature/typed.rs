//! Typed documents whose signature verified: [`Verified`], the
//! `from_signed_xml` constructors and the checked `Client` methods.

use std::ops::Deref;

use super::{SignatureReport, TrustAnchors, verify};
use crate::xml::{Certificate, EAadhaar};
use crate::{Client, Error};

/// A value parsed from signed XML, with the report of its verification.
/// Dereferences to the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified<T> {
    value: T,
    report: SignatureReport,
}

impl<T> Verified<T> {
    /// The parsed value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// What the verification established: signer, algorithms, times.
    pub fn report(&self) -> &SignatureReport {
        &self.report
    }

    /// The parsed value, dropping the report.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The value and the report.
    pub fn into_parts(self) -> (T, SignatureReport) {
        (self.value, self.report)
    }
}

impl<T> Deref for Verified<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// Verifies, then parses only the signed content.
fn verified<T>(
    xml: &[u8],
    anchors: &TrustAnchors,
    operation: Option<&'static str>,
    parse: fn(&[u8], Option<&'static str>) -> Result<T, Error>,
) -> Result<Verified<T>, Error> {
    let signed = verify(xml, anchors).map_err(|reason| Error::Signature { operation, reason })?;
    let value = parse(signed.signed_xml().as_bytes(), operation)?;
    Ok(Verified {
        value,
        report: signed.into_report(),
    })
}

impl Certificate {
    /// Verifies the XML signature of certificate XML against `anchors`
    /// (see [`verify`](crate::xml::signature::verify)), then parses the
    /// signed `<Certificate>`. Signature failures are
    /// [`Error::Signature`]; a signed document that is not a certificate
    /// is an [`Error::Decode`].
    pub fn from_signed_xml(xml: &[u8], anchors: &TrustAnchors) -> Result<Verified<Self>, Error> {
        verified(xml, anchors, None, Self::parse)
    }
}

impl EAadhaar {
    /// Verifies the XML signature of e-Aadhaar XML against `anchors` (see
    /// [`verify`](crate::xml::signature::verify)), then parses the
    /// `<KycRes>` inside the signed content. DigiLocker signs e-Aadhaar
    /// with RSA-SHA1: use [`TrustAnchors::digilocker`].
    pub fn from_signed_xml(xml: &[u8], anchors: &TrustAnchors) -> Result<Verified<Self>, Error> {
        verified(xml, anchors, None, Self::parse)
    }
}

impl Client {
    /// The certificate metadata of an issued document with its XML
    /// signature verified: `GET /oauth2/1/xml/{uri}`, the `hmac` header
    /// check of [`certificate_xml`](Self::certificate_xml), then
    /// [`Certificate::from_signed_xml`].
    ///
    /// ```no_run
    /// use digilocker_authpartner::xml::signature::TrustAnchors;
    /// # async fn run(client: digilocker_authpartner::Client, pem: &str) -> Result<(), digilocker_authpartner::Error> {
    /// let anchors = TrustAnchors::digilocker().pin_certificate_pem(pem)?;
    /// let cert = client.verified_certificate("in.gov.cbse-HSCER-201412345678", &anchors).await?;
    /// println!("{:?}, signature verified ({:?})", cert.name, cert.report().signer);
    /// # Ok(()) }
    /// ```
    pub async fn verified_certificate(
        &self,
        uri: &str,
        anchors: &TrustAnchors,
    ) -> Result<Verified<Certificate>, Error> {
        let xml = self.certificate_xml(uri).await?;
        verified(
            &xml.bytes,
            anchors,
            Some("get_certificate_xml"),
            Certificate::parse,
        )
    }

    /// The account's e-Aadhaar data with its XML signature verified:
    /// `GET /oauth2/3/xml/eaadhaar`, the `hmac` header check of
    /// [`eaadhaar_xml`](Self::eaadhaar_xml), then
    /// [`EAadhaar::from_signed_xml`].
    ///
    /// ```no_run
    /// use digilocker_authpartner::xml::signature::TrustAnchors;
    /// # async fn run(client: digilocker_authpartner::Client, pem: &str) -> Result<(), digilocker_authpartner::Error> {
    /// let anchors = TrustAnchors::digilocker().pin_certificate_pem(pem)?;
    /// let kyc = client.verified_eaadhaar(&anchors).await?;
    /// println!("{:?}, signed at {:?}", kyc.name, kyc.report().signing_time);
    /// # Ok(()) }
    /// ```
    pub async fn verified_eaadhaar(
        &self,
        anchors: &TrustAnchors,
    ) -> Result<Verified<EAadhaar>, Error> {
        let xml = self.eaadhaar_xml().await?;
        verified(
            &xml.bytes,
            anchors,
            Some("get_eaadhaar_xml"),
            EAadhaar::parse,
        )
    }
}
