//! The DigiLocker certificate XML: `<Certificate>` with `<IssuedBy>`,
//! `<IssuedTo>` and doctype-specific `<CertificateData>`.

use serde::Deserialize;

use super::{as_text, decode_error, find_element, mask_uid, non_empty, root_name};
use crate::Error;

/// The metadata of a DigiLocker certificate (`<Certificate>` root), as
/// described by the Digital Locker XML Certificate Formats.
///
/// Every field is optional: absent or empty attributes are `None`. The
/// doctype-specific `<CertificateData>` is kept as raw XML. `from_xml`
/// does not verify the XML signature; `from_signed_xml` (feature
/// `xmldsig`) does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Certificate {
    /// `language` (DigiLocker's language code, `99` for English).
    pub language: Option<String>,
    /// `name`: the certificate's name, e.g. `Income Certificate`.
    pub name: Option<String>,
    /// `type`: the document type, e.g. `INCER`.
    pub doc_type: Option<String>,
    /// `number`: the certificate number.
    pub number: Option<String>,
    /// `prevNumber`: the number of the certificate this one replaces.
    pub prev_number: Option<String>,
    /// `issuedAt`: the place of issue.
    pub issued_at: Option<String>,
    /// `issueDate`, as sent (usually `YYYY-MM-DD` or `DD-MM-YYYY`).
    pub issue_date: Option<String>,
    /// `validFromDate`, as sent.
    pub valid_from_date: Option<String>,
    /// `expiryDate`, as sent.
    pub expiry_date: Option<String>,
    /// `status`, e.g. `A` (active).
    pub status: Option<String>,
    /// `<IssuedBy><Organization/>`: the issuer.
    pub issued_by: Option<Organization>,
    /// `<IssuedTo><Person/>…`: the holders (usually one).
    pub issued_to: Vec<Person>,
    /// The content of `<CertificateData>` as raw XML (its format depends on
    /// the document type).
    pub certificate_data: Option<String>,
}

/// The issuing organisation (`<IssuedBy><Organization …/>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Organization {
    /// `name`.
    pub name: Option<String>,
    /// `code`: the issuer's code.
    pub code: Option<String>,
    /// `tin`.
    pub tin: Option<String>,
    /// `uid`.
    pub uid: Option<String>,
    /// `type`, e.g. `SG` (state government), `CG`.
    pub org_type: Option<String>,
}

/// A holder of the certificate (`<IssuedTo><Person …/>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Person {
    /// `uid`: the holder's Aadhaar number, masked to its last four digits
    /// (a full 12-digit number is masked while parsing).
    pub masked_uid: Option<String>,
    /// `title`, e.g. `Ms`.
    pub title: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `dob`, as sent (e.g. `DD-MM-YYYY`).
    pub dob: Option<String>,
    /// `gender`: `M`, `F` or `T`.
    pub gender: Option<crate::shapes::Gender>,
    /// `motherName`.
    pub mother_name: Option<String>,
    /// `category`.
    pub category: Option<String>,
    /// `phone`: a mobile number, masked by `Debug` and `Display`.
    pub phone: Option<crate::IdentityNumber>,
    /// `email`.
    pub email: Option<String>,
}

impl Certificate {
    /// Parses certificate XML (as returned by
    /// [`Client::certificate_xml`](crate::Client::certificate_xml)).
    ///
    /// Lenient: unknown elements and attributes are ignored. Fails with
    /// [`Error::Decode`] if the document is not well-formed UTF-8 XML or its
    /// root is not `<Certificate>`. The signature is **not** verified (see
    /// `from_signed_xml`).
    ///
    /// ```
    /// use digilocker_authpartner::xml::Certificate;
    ///
    /// let xml = br#"<Certificate name="Income Certificate" type="INCER" number="42" status="A">
    ///   <IssuedBy><Organization name="Revenue Department" code="RD"/></IssuedBy>
    ///   <IssuedTo><Person name="Asha" dob="01-01-1990" gender="F"/></IssuedTo>
    ///   <CertificateData><Income amount="100"/></CertificateData>
    /// </Certificate>"#;
    /// let cert = Certificate::from_xml(xml)?;
    /// assert_eq!(cert.doc_type.as_deref(), Some("INCER"));
    /// assert_eq!(cert.issued_to[0].name.as_deref(), Some("Asha"));
    /// assert_eq!(cert.certificate_data.as_deref(), Some(r#"<Income amount="100"/>"#));
    /// # Ok::<(), digilocker_authpartner::Error>(())
    /// ```
    pub fn from_xml(xml: &[u8]) -> Result<Self, Error> {
        Self::parse(xml, None)
    }

    pub(crate) fn parse(xml: &[u8], operation: Option<&'static str>) -> Result<Self, Error> {
        let text = as_text(xml, operation)?;
        match root_name(text, operation)? {
            Some(root) if root == "Certificate" => {}
            Some(root) => {
                return Err(decode_error(
                    operation,
                    format!("expected a <Certificate> root element, found <{root}>"),
                ));
            }
            None => return Err(decode_error(operation, "the document has no root element")),
        }
        let data = find_element(text, "CertificateData", operation)?
            .map(|found| found.inner.trim().to_string())
            .filter(|inner| !inner.is_empty());
        let raw: RawCertificate = quick_xml::de::from_str(text)
            .map_err(|e| decode_error(operation, format!("certificate XML does not match: {e}")))?;
        Ok(raw.into_certificate(data))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawCertificate {
    #[serde(rename = "@language")]
    language: Option<String>,
    #[serde(rename = "@name")]
    name: Option<String>,
    #[serde(rename = "@type")]
    doc_type: Option<String>,
    #[serde(rename = "@number")]
    number: Option<String>,
    #[serde(rename = "@prevNumber")]
    prev_number: Option<String>,
    #[serde(rename = "@issuedAt")]
    issued_at: Option<String>,
    #[serde(rename = "@issueDate")]
    issue_date: Option<String>,
    #[serde(rename = "@validFromDate")]
    valid_from_date: Option<String>,
    #[serde(rename = "@expiryDate")]
    expiry_date: Option<String>,
    #[serde(rename = "@status")]
    status: Option<String>,
    #[serde(rename = "IssuedBy")]
    issued_by: Option<RawIssuedBy>,
    #[serde(rename = "IssuedTo")]
    issued_to: Option<RawIssuedTo>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawIssuedBy {
    #[serde(rename = "Organization")]
    organization: Option<RawOrganization>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawOrganization {
    #[serde(rename = "@name")]
    name: Option<String>,
    #[serde(rename = "@code")]
    code: Option<String>,
    #[serde(rename = "@tin")]
    tin: Option<String>,
    #[serde(rename = "@uid")]
    uid: Option<String>,
    #[serde(rename = "@type")]
    org_type: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawIssuedTo {
    #[serde(rename = "Person")]
    persons: Vec<RawPerson>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawPerson {
    #[serde(rename = "@uid")]
    uid: Option<String>,
    #[serde(rename = "@title")]
    title: Option<String>,
    #[serde(rename = "@name")]
    name: Option<String>,
    #[serde(rename = "@dob")]
    dob: Option<String>,
    #[serde(rename = "@gender")]
    gender: Option<String>,
    #[serde(rename = "@motherName")]
    mother_name: Option<String>,
    #[serde(rename = "@category")]
    category: Option<String>,
    #[serde(rename = "@phone")]
    phone: Option<String>,
    #[serde(rename = "@email")]
    email: Option<String>,
}

impl RawCertificate {
    fn into_certificate(self, certificate_data: Option<String>) -> Certificate {
        Certificate {
            language: non_empty(self.language),
            name: non_empty(self.name),
            doc_type: non_empty(self.doc_type),
            number: non_empty(self.number),
            prev_number: non_empty(self.prev_number),
            issued_at: non_empty(self.issued_at),
            issue_date: non_empty(self.issue_date),
            valid_from_date: non_empty(self.valid_from_date),
            expiry_date: non_empty(self.expiry_date),
            status: non_empty(self.status),
            issued_by: self
                .issued_by
                .and_then(|by| by.organization)
                .map(|o| Organization {
                    name: non_empty(o.name),
                    code: non_empty(o.code),
                    tin: non_empty(o.tin),
                    uid: non_empty(o.uid),
                    org_type: non_empty(o.org_type),
                }),
            issued_to: self
                .issued_to
                .map(|to| to.persons)
                .unwrap_or_default()
                .into_iter()
                .map(|p| Person {
                    masked_uid: mask_uid(p.uid),
                    title: non_empty(p.title),
                    name: non_empty(p.name),
                    dob: non_empty(p.dob),
                    gender: non_empty(p.gender).map(|g| crate::shapes::Gender::parse(&g)),
                    mother_name: non_empty(p.mother_name),
                    category: non_empty(p.category),
                    phone: non_empty(p.phone).map(crate::IdentityNumber::from),
                    email: non_empty(p.email),
                })
                .collect(),
            certificate_data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape the sandbox serves (documents.rs `certificate_xml`).
    const SANDBOX: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Certificate language="99" name="Income Certificate" type="INCER" number="INC0000777" prevNumber="" expiryDate="" validFromDate="" issuedAt="Sandbox" issueDate="2024-01-02" status="A">
  <IssuedBy>
    <Organization name="Sandbox State Revenue" code="in.gov.sandboxstate" tin="" uid="" type="SG"/>
  </IssuedBy>
  <IssuedTo>
    <Person uid="xxxxxxxx1234" title="" name="Asha Sandbox Kumari" dob="01-01-1990" swd="" swdIndicator="" motherName="" gender="F" maritalStatus="" relationWithHead="" disabilityStatus="" category="" religion="" phone="" email=""/>
  </IssuedTo>
  <CertificateData>
    <Document uri="in.gov.sandboxstate-INCER-INC0000777" synthetic="true">This is a synthetic sandbox certificate.</Document>
  </CertificateData>
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/><SignatureValue>U0FOREJPWA==</SignatureValue></Signature>
</Certificate>
"#;

    #[test]
    fn parses_the_sandbox_shape() {
        let c = Certificate::from_xml(SANDBOX.as_bytes()).unwrap();
        assert_eq!(c.language.as_deref(), Some("99"));
        assert_eq!(c.name.as_deref(), Some("Income Certificate"));
        assert_eq!(c.doc_type.as_deref(), Some("INCER"));
        assert_eq!(c.number.as_deref(), Some("INC0000777"));
        assert_eq!(c.prev_number, None);
        assert_eq!(c.issue_date.as_deref(), Some("2024-01-02"));
        assert_eq!(c.valid_from_date, None);
        assert_eq!(c.status.as_deref(), Some("A"));
        let org = c.issued_by.unwrap();
        assert_eq!(org.name.as_deref(), Some("Sandbox State Revenue"));
        assert_eq!(org.org_type.as_deref(), Some("SG"));
        assert_eq!(c.issued_to.len(), 1);
        let p = &c.issued_to[0];
        assert_eq!(p.name.as_deref(), Some("Asha Sandbox Kumari"));
        assert_eq!(p.dob.as_deref(), Some("01-01-1990"));
        assert_eq!(p.gender, Some(crate::shapes::Gender::Female));
        assert_eq!(p.masked_uid.as_deref(), Some("xxxxxxxx1234"));
        assert_eq!(p.title, None);
        assert!(c.certificate_data.unwrap().starts_with("<Document uri="));
    }

    #[test]
    fn lenient_with_missing_and_unknown_parts() {
        let c = Certificate::from_xml(
            br#"<Certificate type="DRVLC"><Foo><Bar/></Foo><IssuedTo>
               <Person name="A" uid="999999995678"><Address line1="x"/><Photo format="jpg">AAAA</Photo></Person>
               <Person name="B"/></IssuedTo></Certificate>"#,
        )
        .unwrap();
        assert_eq!(c.doc_type.as_deref(), Some("DRVLC"));
        assert_eq!(c.issued_by, None);
        assert_eq!(c.certificate_data, None);
        assert_eq!(c.issued_to.len(), 2);
        assert_eq!(c.issued_to[0].masked_uid.as_deref(), Some("xxxxxxxx5678"));
        assert_eq!(c.issued_to[1].name.as_deref(), Some("B"));
        assert_eq!(
            Certificate::from_xml(b"<Certificate/>").unwrap(),
            Certificate::default()
        );
    }

    #[test]
    fn malformed_documents_are_decode_errors() {
        for bad in [
            &b""[..],
            b"not xml at all",
            b"<Certificate name=\"x\">",
            b"<Certificate><IssuedBy></Certificate>",
            b"<Certificate name='a' name='b'/>",
            b"<KycRes/>",
            b"\xff\xfe<\0C\0",
            b"<Certificate><IssuedBy><Organization/></IssuedBy><IssuedBy/></Certificate>",
        ] {
            match Certificate::from_xml(bad) {
                Err(Error::Decode { snippet, .. }) => assert!(snippet.is_empty()),
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bad)),
            }
        }
    }
}
