//! e-Aadhaar XML: UIDAI's `KycRes` with `<UidData>` (`Poi`, `Poa`, `Pht`).

use serde::Deserialize;

use super::{as_text, decode_error, find_element, mask_uid, non_empty};
use crate::Error;

/// The e-Aadhaar data of an account, from a `KycRes` document.
///
/// Only what a partner usually needs: identity (`Poi`), address (`Poa`),
/// the masked Aadhaar number, and whether a photo is present (the photo is
/// not decoded). `from_xml` does not verify the XML signature;
/// `from_signed_xml` (feature `xmldsig`) does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EAadhaar {
    /// `UidData/@uid`: the Aadhaar number masked to its last four digits,
    /// e.g. `xxxxxxxx1234` (a full 12-digit number is masked while parsing).
    pub masked_uid: Option<String>,
    /// `Poi/@name`.
    pub name: Option<String>,
    /// `Poi/@dob`, as sent (e.g. `DD-MM-YYYY`).
    pub dob: Option<String>,
    /// `Poi/@gender`: `M`, `F` or `T`.
    pub gender: Option<crate::shapes::Gender>,
    /// The address (`Poa`).
    pub address: Address,
    /// Whether `<Pht>` (the Base64 JPEG photo) is present and non-empty.
    pub photo_present: bool,
    /// `KycRes/@ts`: when UIDAI produced the response.
    pub timestamp: Option<String>,
}

/// An address from `<Poa>`; every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Address {
    /// `co`: care of.
    pub care_of: Option<String>,
    /// `house`.
    pub house: Option<String>,
    /// `street`.
    pub street: Option<String>,
    /// `lm`: landmark.
    pub landmark: Option<String>,
    /// `loc`: locality.
    pub locality: Option<String>,
    /// `vtc`: village, town or city.
    pub vtc: Option<String>,
    /// `subdist`: sub-district.
    pub subdistrict: Option<String>,
    /// `dist`: district.
    pub district: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `country`.
    pub country: Option<String>,
    /// `pc`: PIN code.
    pub pincode: Option<String>,
    /// `po`: post office.
    pub post_office: Option<String>,
}

impl EAadhaar {
    /// Parses e-Aadhaar XML (as returned by
    /// [`Client::eaadhaar_xml`](crate::Client::eaadhaar_xml)).
    ///
    /// Finds the `<KycRes>` element wherever it is (root, or wrapped in a
    /// DigiLocker `<Certificate>`), or failing that a bare `<UidData>`.
    /// Lenient: unknown elements and attributes are ignored. Fails with
    /// [`Error::Decode`] if the document is not well-formed UTF-8 XML or has
    /// neither element. The signature is **not** verified (see
    /// `from_signed_xml`).
    ///
    /// ```
    /// use digilocker_authpartner::xml::EAadhaar;
    ///
    /// let xml = br#"<KycRes ret="Y"><UidData uid="xxxxxxxx1234">
    ///   <Poi name="Asha" dob="01-01-1990" gender="F"/>
    ///   <Poa vtc="Sample City" state="Sample State" pc="999999"/>
    ///   <Pht>/9j/4AAQ</Pht>
    /// </UidData></KycRes>"#;
    /// let kyc = EAadhaar::from_xml(xml)?;
    /// assert_eq!(kyc.masked_uid.as_deref(), Some("xxxxxxxx1234"));
    /// assert_eq!(kyc.address.pincode.as_deref(), Some("999999"));
    /// assert!(kyc.photo_present);
    /// # Ok::<(), digilocker_authpartner::Error>(())
    /// ```
    pub fn from_xml(xml: &[u8]) -> Result<Self, Error> {
        Self::parse(xml, None)
    }

    pub(crate) fn parse(xml: &[u8], operation: Option<&'static str>) -> Result<Self, Error> {
        let text = as_text(xml, operation)?;
        let mismatch = |e: quick_xml::DeError| {
            decode_error(operation, format!("e-Aadhaar XML does not match: {e}"))
        };
        if let Some(found) = find_element(text, "KycRes", operation)? {
            let raw: RawKycRes = quick_xml::de::from_str(found.outer).map_err(mismatch)?;
            let uid_data = raw.uid_data.unwrap_or_default();
            return Ok(uid_data.into_eaadhaar(non_empty(raw.ts)));
        }
        if let Some(found) = find_element(text, "UidData", operation)? {
            let raw: RawUidData = quick_xml::de::from_str(found.outer).map_err(mismatch)?;
            return Ok(raw.into_eaadhaar(None));
        }
        Err(decode_error(
            operation,
            "no <KycRes> or <UidData> element in the e-Aadhaar XML",
        ))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawKycRes {
    #[serde(rename = "@ts")]
    ts: Option<String>,
    #[serde(rename = "UidData")]
    uid_data: Option<RawUidData>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawUidData {
    #[serde(rename = "@uid")]
    uid: Option<String>,
    #[serde(rename = "Poi")]
    poi: Option<RawPoi>,
    #[serde(rename = "Poa")]
    poa: Option<RawPoa>,
    #[serde(rename = "Pht")]
    pht: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawPoi {
    #[serde(rename = "@name")]
    name: Option<String>,
    #[serde(rename = "@dob")]
    dob: Option<String>,
    #[serde(rename = "@gender")]
    gender: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawPoa {
    #[serde(rename = "@co")]
    co: Option<String>,
    #[serde(rename = "@house")]
    house: Option<String>,
    #[serde(rename = "@street")]
    street: Option<String>,
    #[serde(rename = "@lm")]
    lm: Option<String>,
    #[serde(rename = "@loc")]
    loc: Option<String>,
    #[serde(rename = "@vtc")]
    vtc: Option<String>,
    #[serde(rename = "@subdist")]
    subdist: Option<String>,
    #[serde(rename = "@dist")]
    dist: Option<String>,
    #[serde(rename = "@state")]
    state: Option<String>,
    #[serde(rename = "@country")]
    country: Option<String>,
    #[serde(rename = "@pc")]
    pc: Option<String>,
    #[serde(rename = "@po")]
    po: Option<String>,
}

impl RawUidData {
    fn into_eaadhaar(self, timestamp: Option<String>) -> EAadhaar {
        let poi = self.poi.unwrap_or_default();
        let poa = self.poa.unwrap_or_default();
        EAadhaar {
            masked_uid: mask_uid(self.uid),
            name: non_empty(poi.name),
            dob: non_empty(poi.dob),
            gender: non_empty(poi.gender).map(|g| crate::shapes::Gender::parse(&g)),
            address: Address {
                care_of: non_empty(poa.co),
                house: non_empty(poa.house),
                street: non_empty(poa.street),
                landmark: non_empty(poa.lm),
                locality: non_empty(poa.loc),
                vtc: non_empty(poa.vtc),
                subdistrict: non_empty(poa.subdist),
                district: non_empty(poa.dist),
                state: non_empty(poa.state),
                country: non_empty(poa.country),
                pincode: non_empty(poa.pc),
                post_office: non_empty(poa.po),
            },
            photo_present: self.pht.is_some_and(|p| !p.trim().is_empty()),
            timestamp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape the sandbox serves (documents.rs `kyc_res`), photo shortened.
    const SANDBOX: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KycRes code="sandbox3" ret="Y" ts="2024-01-02T03:04:05Z" ttl="2024-01-02T03:04:05Z" txn="SANDBOX-3">
  <UidData tkn="" uid="xxxxxxxx1234">
    <Poi dob="01-01-1990" gender="F" name="Asha Sandbox Kumari" phone="" email=""/>
    <Poa co="" country="India" dist="Sandbox District" house="1" lm="Near Test Park" loc="Sample Nagar" pc="999999" po="Sandbox" state="Sandbox State" street="Example Street" subdist="Sandbox" vtc="Sandbox City"/>
    <LData co="" country="" dist="" house="" lang="" lm="" loc="" name="" pc="" po="" state="" street="" subdist="" vtc=""/>
    <Pht>/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U</Pht>
  </UidData>
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><Reference URI=""/></SignedInfo><SignatureValue>U0FOREJPWA==</SignatureValue></Signature>
</KycRes>
"#;

    #[test]
    fn parses_the_sandbox_shape() {
        let k = EAadhaar::from_xml(SANDBOX.as_bytes()).unwrap();
        assert_eq!(k.masked_uid.as_deref(), Some("xxxxxxxx1234"));
        assert_eq!(k.name.as_deref(), Some("Asha Sandbox Kumari"));
        assert_eq!(k.dob.as_deref(), Some("01-01-1990"));
        assert_eq!(k.gender, Some(crate::shapes::Gender::Female));
        assert_eq!(k.timestamp.as_deref(), Some("2024-01-02T03:04:05Z"));
        assert!(k.photo_present);
        let a = &k.address;
        assert_eq!(a.care_of, None);
        assert_eq!(a.house.as_deref(), Some("1"));
        assert_eq!(a.street.as_deref(), Some("Example Street"));
        assert_eq!(a.landmark.as_deref(), Some("Near Test Park"));
        assert_eq!(a.locality.as_deref(), Some("Sample Nagar"));
        assert_eq!(a.vtc.as_deref(), Some("Sandbox City"));
        assert_eq!(a.subdistrict.as_deref(), Some("Sandbox"));
        assert_eq!(a.district.as_deref(), Some("Sandbox District"));
        assert_eq!(a.state.as_deref(), Some("Sandbox State"));
        assert_eq!(a.country.as_deref(), Some("India"));
        assert_eq!(a.pincode.as_deref(), Some("999999"));
        assert_eq!(a.post_office.as_deref(), Some("Sandbox"));
    }

    #[test]
    fn wrapped_bare_and_sparse_documents() {
        let wrapped = format!(
            "<Certificate type=\"ADHAR\"><CertificateData>{}</CertificateData></Certificate>",
            SANDBOX.split_once("?>").unwrap().1
        );
        assert_eq!(
            EAadhaar::from_xml(wrapped.as_bytes()).unwrap(),
            EAadhaar::from_xml(SANDBOX.as_bytes()).unwrap()
        );

        let offline = br#"<OfflinePaperlessKyc referenceId="1"><UidData uid="999999991234"><Poi name="X"/><Pht></Pht></UidData></OfflinePaperlessKyc>"#;
        let k = EAadhaar::from_xml(offline).unwrap();
        assert_eq!(
            k.masked_uid.as_deref(),
            Some("xxxxxxxx1234"),
            "full numbers are masked"
        );
        assert_eq!(k.name.as_deref(), Some("X"));
        assert!(!k.photo_present);
        assert_eq!(k.timestamp, None);

        let empty = EAadhaar::from_xml(b"<KycRes ret=\"N\"/>").unwrap();
        assert_eq!(empty, EAadhaar::default());
    }

    #[test]
    fn malformed_documents_are_decode_errors() {
        for bad in [
            &b""[..],
            b"<Certificate/>",
            b"<KycRes><UidData></KycRes>",
            b"<KycRes><UidData uid='1' uid='2'/></KycRes>",
            b"\xc3\x28",
            b"<KycRes",
            &SANDBOX.as_bytes()[..SANDBOX.len() / 2],
        ] {
            match EAadhaar::from_xml(bad) {
                Err(Error::Decode { snippet, .. }) => assert!(snippet.is_empty()),
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bad)),
            }
        }
    }
}
