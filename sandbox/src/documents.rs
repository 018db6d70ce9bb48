//! Synthetic document bodies: a one-page PDF, certificate XML in the
//! DigiLocker `<Certificate>` shape, and an e-Aadhaar `KycRes`. The XML
//! carries an unsigned signature template, signed when served
//! ([`xmlsec::sign_served`]): RSA-SHA256 for certificates, RSA-SHA1 over
//! `SignedInfo` with SHA-256 digests for e-Aadhaar, as DigiLocker does.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::config::TestUser;
use crate::util::{iso8601, now_unix};
use crate::xmlsec;

/// A tiny synthetic JPEG (grey silhouette) used as the e-Aadhaar photo.
pub(crate) const PHOTO_JPEG: &[u8] = include_bytes!("assets/photo.jpg");

/// A tiny PNG, used for the seeded uploaded image.
pub(crate) const SAMPLE_PNG: &[u8] = include_bytes!("assets/sample.png");

/// Escape text for XML attribute or element content.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Keep printable ASCII only, escaping PDF string delimiters.
fn pdf_text(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .flat_map(|c| match c {
            '(' | ')' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// A valid one-page PDF showing `lines` (with a correct xref table).
pub(crate) fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 50 780 Td 16 TL\n");
    for line in lines {
        content.push_str(&format!("({}) '\n", pdf_text(line)));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{}endstream", content.len(), content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{}\nendobj\n", i + 1, obj));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        out.push_str(&format!("{off:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n",
        objects.len() + 1,
        xref
    ));
    out.into_bytes()
}

/// The PDF of an issued certificate.
pub(crate) fn certificate_pdf(name: &str, uri: &str, issuer: &str, user: &TestUser) -> Vec<u8> {
    pdf(&[
        "SANDBOX DOCUMENT - SYNTHETIC DATA - NOT A REAL CERTIFICATE".to_string(),
        format!("Document: {name}"),
        format!("Issuer: {issuer}"),
        format!("URI: {uri}"),
        format!("Issued to: {}", user.name),
        format!("Date of birth: {}", user.dob),
    ])
}

/// Certificate XML for an issued document (`/oauth2/1/xml/{uri}`).
pub(crate) fn certificate_xml(
    uri: &str,
    doctype: &str,
    name: &str,
    issuerid: &str,
    issuer: &str,
    user: &TestUser,
) -> Vec<u8> {
    let number = uri.rsplit('-').next().unwrap_or(uri);
    let dob = format_dob(&user.dob, "-");
    let now = iso8601(now_unix());
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Certificate language="99" name="{name}" type="{doctype}" number="{number}" prevNumber="" expiryDate="" validFromDate="" issuedAt="Sandbox" issueDate="{issue}" status="A">
  <IssuedBy>
    <Organization name="{issuer}" code="{issuerid}" tin="" uid="" type="SG"/>
  </IssuedBy>
  <IssuedTo>
    <Person uid="{uid}" title="" name="{pname}" dob="{dob}" swd="" swdIndicator="" motherName="" gender="{gender}" maritalStatus="" relationWithHead="" disabilityStatus="" category="" religion="" phone="" email=""/>
  </IssuedTo>
  <CertificateData>
    <Document uri="{uri}" synthetic="true">This is a synthetic sandbox certificate.</Document>
  </CertificateData>
  {signature}
</Certificate>
"#,
        name = esc(name),
        doctype = esc(doctype),
        number = esc(number),
        issue = &now[..10],
        issuer = esc(issuer),
        issuerid = esc(issuerid),
        uid = esc(&user.masked_aadhaar),
        pname = esc(&user.name),
        dob = esc(&dob),
        gender = esc(&user.gender),
        uri = esc(uri),
        signature = xmlsec::signature_template(xmlsec::RSA_SHA256, xmlsec::SHA256, ""),
    )
    .into_bytes()
}

/// `DDMMYYYY` → `DD<sep>MM<sep>YYYY` (unchanged if malformed).
fn format_dob(dob: &str, sep: &str) -> String {
    if dob.len() == 8 && dob.is_ascii() {
        format!("{}{sep}{}{sep}{}", &dob[0..2], &dob[2..4], &dob[4..8])
    } else {
        dob.to_string()
    }
}

/// A synthetic e-Aadhaar `KycRes` (version 2 or 3 of the endpoint).
pub(crate) fn kyc_res(user: &TestUser, version: u8) -> Vec<u8> {
    let ts = iso8601(now_unix());
    let photo = STANDARD.encode(PHOTO_JPEG);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KycRes code="sandbox{version}" ret="Y" ts="{ts}" ttl="{ts}" txn="SANDBOX-{version}">
  <UidData tkn="" uid="{uid}">
    <Poi dob="{dob}" gender="{gender}" name="{name}" phone="" email=""/>
    <Poa co="" country="India" dist="Sandbox District" house="1" lm="Near Test Park" loc="Sample Nagar" pc="999999" po="Sandbox" state="Sandbox State" street="Example Street" subdist="Sandbox" vtc="Sandbox City"/>
    <LData co="" country="" dist="" house="" lang="" lm="" loc="" name="" pc="" po="" state="" street="" subdist="" vtc=""/>
    <Pht>{photo}</Pht>
  </UidData>
  {signature}
</KycRes>
"#,
        uid = esc(&user.masked_aadhaar),
        dob = esc(&format_dob(&user.dob, "-")),
        gender = esc(&user.gender),
        name = esc(&user.name),
        signature = xmlsec::signature_template(xmlsec::RSA_SHA1, xmlsec::SHA256, ""),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_is_sniffed_as_pdf() {
        let body = pdf(&["hello (world)".to_string()]);
        assert_eq!(
            infer::get(&body).map(|t| t.mime_type()),
            Some("application/pdf")
        );
        assert_eq!(
            infer::get(PHOTO_JPEG).map(|t| t.mime_type()),
            Some("image/jpeg")
        );
        assert_eq!(
            infer::get(SAMPLE_PNG).map(|t| t.mime_type()),
            Some("image/png")
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(esc("a<b & 'c'"), "a&lt;b &amp; &apos;c&apos;");
    }
}
