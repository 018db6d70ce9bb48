//! Typed views of DigiLocker's XML documents: certificate metadata and
//! e-Aadhaar `KycRes`.
//!
//! The raw XML is available as verified bytes from
//! [`Client::certificate_xml`], [`Client::eaadhaar_xml`] and
//! [`Client::eaadhaar_xml_v2`] (the transport's `hmac` header is checked).
//! The parsers here are lenient: unknown elements and attributes are ignored,
//! and missing or empty ones are `None`. A document that is not well-formed
//! XML, or has the wrong root, is an [`Error::Decode`], never a panic.
//!
//! The parsers here do **not** verify the XML digital signature
//! (`<Signature>`, XMLDSig): the transport's HMAC only proves the bytes came
//! from DigiLocker unchanged over this connection. To check who signed a
//! document, now or later offline, enable the opt-in feature `xmldsig` and
//! use the `signature` module: `Client::verified_certificate`,
//! `Client::verified_eaadhaar`, `Certificate::from_signed_xml`,
//! `EAadhaar::from_signed_xml` or `signature::verify`.
//!
//! Aadhaar numbers are never exposed in full: a 12-digit `uid` attribute is
//! masked to its last four digits (`xxxxxxxx1234`) while parsing.
//!
//! [`Client::certificate_xml`]: crate::Client::certificate_xml
//! [`Client::eaadhaar_xml`]: crate::Client::eaadhaar_xml
//! [`Client::eaadhaar_xml_v2`]: crate::Client::eaadhaar_xml_v2
//! [`Error::Decode`]: crate::Error::Decode

mod certificate;
mod eaadhaar;
#[cfg(feature = "xmldsig")]
pub mod signature;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

pub use certificate::{Certificate, Organization, Person};
pub use eaadhaar::{Address, EAadhaar};

use crate::client::MissingHmac;
use crate::transfer::XmlDocument;
use crate::{Client, Error};

impl Client {
    /// The certificate metadata of an issued document, parsed from
    /// `GET /oauth2/1/xml/{uri}` (verified against its `hmac` header).
    ///
    /// Typed data is only ever made from verified bytes: a missing `hmac`
    /// header fails with [`IntegrityFailure::MissingHeader`](crate::IntegrityFailure::MissingHeader)
    /// even under [`MissingHmac::WarnAndAccept`](crate::client::MissingHmac::WarnAndAccept)
    /// (whose unverified bytes [`certificate_xml`](Self::certificate_xml)
    /// returns, marked [`HmacCheck::Unsigned`](crate::transfer::HmacCheck::Unsigned)).
    ///
    /// The certificate's XML signature is **not** verified: use
    /// `verified_certificate` (feature `xmldsig`) for that. For the raw XML
    /// use [`certificate_xml`](Self::certificate_xml).
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let cert = client.certificate("in.gov.cbse-HSCER-201412345678").await?;
    /// println!("{:?} issued {:?} to {:?}", cert.name, cert.issue_date,
    ///     cert.issued_to.first().and_then(|p| p.name.as_deref()));
    /// # Ok(()) }
    /// ```
    pub async fn certificate(&self, uri: &str) -> Result<Certificate, Error> {
        let xml = self
            .xml_document(XmlDocument::Certificate(uri), MissingHmac::Reject)
            .await?;
        Certificate::parse(&xml.bytes, Some("get_certificate_xml"))
    }

    /// The account's e-Aadhaar data (v3 endpoint), parsed from
    /// `GET /oauth2/3/xml/eaadhaar` (verified against its `hmac` header).
    ///
    /// Like [`certificate`](Self::certificate), it requires the `hmac`
    /// header whatever the client's policy.
    ///
    /// The XML signature is **not** verified (use `verified_eaadhaar`,
    /// feature `xmldsig`); the photo is only reported as present, not decoded. For the raw XML use
    /// [`eaadhaar_xml`](Self::eaadhaar_xml).
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let kyc = client.eaadhaar().await?;
    /// println!("{:?} ({:?}), Aadhaar {:?}", kyc.name, kyc.dob, kyc.masked_uid);
    /// # Ok(()) }
    /// ```
    pub async fn eaadhaar(&self) -> Result<EAadhaar, Error> {
        let xml = self
            .xml_document(XmlDocument::EAadhaar, MissingHmac::Reject)
            .await?;
        EAadhaar::parse(&xml.bytes, Some("get_eaadhaar_xml"))
    }
}

/// A decode error without a body snippet: these documents carry personal data.
fn decode_error(operation: Option<&'static str>, message: impl Into<String>) -> Error {
    Error::Decode {
        operation,
        status: None,
        message: message.into(),
        snippet: String::new(),
    }
}

/// The document as UTF-8 (the only encoding DigiLocker uses), without a BOM.
fn as_text<'a>(bytes: &'a [u8], operation: Option<&'static str>) -> Result<&'a str, Error> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| decode_error(operation, format!("XML is not valid UTF-8: {e}")))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Where an element sits in a document.
struct Found<'a> {
    /// The whole element, start tag to end tag.
    outer: &'a str,
    /// Its content between the tags (empty for `<x/>`).
    inner: &'a str,
}

/// Finds the first element whose local name is `name` (at any depth),
/// checking well-formedness up to it and through it.
fn find_element<'a>(
    text: &'a str,
    name: &str,
    operation: Option<&'static str>,
) -> Result<Option<Found<'a>>, Error> {
    let mut reader = Reader::from_str(text);
    let err = |reader: &Reader<&[u8]>, e: quick_xml::Error| {
        decode_error(
            operation,
            format!("malformed XML at byte {}: {e}", reader.error_position()),
        )
    };
    loop {
        let before = to_index(reader.buffer_position());
        match reader.read_event().map_err(|e| err(&reader, e))? {
            Event::Start(e) if e.local_name().as_ref() == name.as_bytes() => {
                let end = e.to_end().into_owned();
                let span = reader
                    .read_to_end(end.name())
                    .map_err(|e| err(&reader, e))?;
                let after = to_index(reader.buffer_position());
                let inner = text
                    .get(to_index(span.start)..to_index(span.end))
                    .unwrap_or_default();
                let outer = text.get(before..after).unwrap_or_default();
                return Ok(Some(Found { outer, inner }));
            }
            Event::Empty(e) if e.local_name().as_ref() == name.as_bytes() => {
                let after = to_index(reader.buffer_position());
                return Ok(Some(Found {
                    outer: text.get(before..after).unwrap_or_default(),
                    inner: "",
                }));
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

/// The local name of the root element, if there is one.
fn root_name(text: &str, operation: Option<&'static str>) -> Result<Option<String>, Error> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return Ok(Some(
                    String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                ));
            }
            Ok(Event::Eof) => return Ok(None),
            Ok(_) => {}
            Err(e) => {
                return Err(decode_error(
                    operation,
                    format!("malformed XML at byte {}: {e}", reader.error_position()),
                ));
            }
        }
    }
}

fn to_index(pos: u64) -> usize {
    usize::try_from(pos).unwrap_or(usize::MAX)
}

/// Trims an attribute value; empty means absent.
fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Masks a full 12-digit Aadhaar number to its last four digits; other
/// values (already masked, tokens) are kept.
fn mask_uid(value: Option<String>) -> Option<String> {
    non_empty(value).map(|v| {
        let digits: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
            format!("xxxxxxxx{}", &digits[8..])
        } else {
            v
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking() {
        assert_eq!(
            mask_uid(Some("999999991234".into())).as_deref(),
            Some("xxxxxxxx1234")
        );
        assert_eq!(
            mask_uid(Some("9999 9999 1234".into())).as_deref(),
            Some("xxxxxxxx1234")
        );
        assert_eq!(
            mask_uid(Some("xxxxxxxx1234".into())).as_deref(),
            Some("xxxxxxxx1234")
        );
        assert_eq!(mask_uid(Some("  ".into())), None);
    }

    #[test]
    fn finding_elements() {
        let doc = "<a><b x='1'><c/>text</b><c>two</c></a>";
        let b = find_element(doc, "b", None).unwrap().unwrap();
        assert_eq!(b.outer, "<b x='1'><c/>text</b>");
        assert_eq!(b.inner, "<c/>text");
        let c = find_element(doc, "c", None).unwrap().unwrap();
        assert_eq!(c.outer, "<c/>");
        assert_eq!(
            find_element(doc, "a", None).unwrap().unwrap().inner,
            "<b x='1'><c/>text</b><c>two</c>"
        );
        assert!(find_element(doc, "z", None).unwrap().is_none());
        assert!(find_element("<a><b></a>", "b", None).is_err());
        assert_eq!(
            root_name("<?xml version='1.0'?><r/>", None)
                .unwrap()
                .as_deref(),
            Some("r")
        );
    }
}
