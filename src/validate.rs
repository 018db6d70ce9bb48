//! Input checks shared by the overlay: bad input fails before the network,
//! naming the field and the reason.

use std::ops::RangeInclusive;

use crate::ValidationError;

type Result = std::result::Result<(), ValidationError>;

/// Fails when `value` is empty or only whitespace.
pub(crate) fn non_empty(field: &'static str, value: &str) -> Result {
    if value.trim().is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    Ok(())
}

/// Fails unless `value` is ASCII digits with a length in `len`.
pub(crate) fn digits(field: &'static str, value: &str, len: RangeInclusive<usize>) -> Result {
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::new(field, "must contain only digits"));
    }
    if !len.contains(&value.len()) {
        let want = if len.start() == len.end() {
            format!("{} digits", len.start())
        } else {
            format!("{} to {} digits", len.start(), len.end())
        };
        return Err(ValidationError::new(
            field,
            format!("must be {want}, got {}", value.len()),
        ));
    }
    Ok(())
}

/// A 10-digit Indian mobile number.
pub(crate) fn mobile(field: &'static str, value: &str) -> Result {
    digits(field, value, 10..=10)
}

/// A 12-digit Aadhaar number.
pub(crate) fn aadhaar(field: &'static str, value: &str) -> Result {
    digits(field, value, 12..=12)
}

/// A DigiLocker document type: 1 to 10 ASCII letters or digits (5 in practice).
pub(crate) fn doctype(field: &'static str, value: &str) -> Result {
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ValidationError::new(
            field,
            "must be a document type such as HSCER",
        ));
    }
    Ok(())
}

/// A date in DDMMYYYY form with a plausible day and month.
pub(crate) fn ddmmyyyy(field: &'static str, value: &str) -> Result {
    digits(field, value, 8..=8)?;
    let day: u32 = value[0..2].parse().unwrap_or(0);
    let month: u32 = value[2..4].parse().unwrap_or(0);
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return Err(ValidationError::new(
            field,
            "must be a date in DDMMYYYY form",
        ));
    }
    Ok(())
}

/// A document URI: printable ASCII without spaces, `/`-free path traversal
/// (`..`) or control characters, at most 256 characters.
pub(crate) fn document_uri(field: &'static str, value: &str) -> Result {
    non_empty(field, value)?;
    if value.len() > 256 {
        return Err(ValidationError::new(field, "is longer than 256 characters"));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ValidationError::new(
            field,
            "must be printable ASCII without spaces (as listed by DigiLocker)",
        ));
    }
    if value.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err(ValidationError::new(
            field,
            "must not contain '.' or '..' path segments",
        ));
    }
    Ok(())
}

/// What a base64 field of a request must decode to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Content {
    /// A PDF document (its magic bytes).
    Pdf,
    /// An XML document (a `<` after optional BOM and whitespace).
    Xml,
}

/// A base64 field: standard alphabet with padding, non-empty, and decoding
/// to the expected kind of document.
pub(crate) fn base64_content(field: &'static str, value: &str, kind: Content) -> Result {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|e| ValidationError::new(field, format!("not valid base64: {e}")))?;
    let fits = match kind {
        Content::Pdf => infer::get(&bytes).is_some_and(|t| t.mime_type() == "application/pdf"),
        Content::Xml => {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            text.iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| *b == b'<')
        }
    };
    if fits {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            match kind {
                Content::Pdf => "does not decode to a PDF document",
                Content::Xml => "does not decode to an XML document",
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert!(mobile("mobile", "9999999999").is_ok());
        assert_eq!(
            mobile("mobile", "99999a9999").unwrap_err().reason,
            "must contain only digits"
        );
        assert!(aadhaar("uid", "12345").is_err());
        assert!(ddmmyyyy("dob", "31121970").is_ok());
        assert!(ddmmyyyy("dob", "32131970").is_err());
        assert!(document_uri("uri", "in.gov.cbse-HSCER-1").is_ok());
        assert!(document_uri("uri", "../etc/passwd").is_err());
        assert!(document_uri("uri", "a b").is_err());
        assert!(document_uri("uri", "in.gov.cbse-HSCER-é").is_err());
        assert!(doctype("doctype", "").is_err());
    }

    #[test]
    fn base64_contents_must_decode_to_their_kind() {
        use base64::Engine as _;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let pdf = b64(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
        let xml = b64(b"\xEF\xBB\xBF  <Certificate/>");
        assert!(base64_content("doccontent", &pdf, Content::Pdf).is_ok());
        assert!(base64_content("datacontent", &xml, Content::Xml).is_ok());
        for (value, kind) in [
            (pdf.as_str(), Content::Xml),
            (xml.as_str(), Content::Pdf),
            ("not base64!", Content::Pdf),
            ("", Content::Xml),
        ] {
            let err = base64_content("f", value, kind).unwrap_err();
            assert_eq!(err.field, "f");
        }
    }
}
