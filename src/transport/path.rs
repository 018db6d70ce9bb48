//! Path parameters travel as exactly one URL segment, and no request leaves
//! unless its final path is its own operation's path.
//!
//! URL parsing resolves `.`/`..` segments (also written `%2e`) and, for
//! `http(s)`, reads `\` as `/`. Without these checks a document URI such as
//! `..\..\oauth2\1\user` would carry the user's bearer token to another
//! endpoint.
//!
//! Servers and proxies also normalise what they decode: NFKC turns `‥`
//! (U+2025) into `..` and `．／` (U+FF0E, U+FF0F) into `./`, and a lax UTF-8
//! decoder reads the overlong `%c0%ae` as `.`. So every decoded form is
//! also checked after NFKC (with the ideographic full stop `。`, U+3002,
//! read as `.`), and a form that does not decode to valid UTF-8 is refused.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use url::Url;

use crate::operations::OperationSpec;
use crate::{Error, ValidationError};

/// Everything but RFC 3986's unreserved characters is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The longest path parameter accepted, in bytes.
pub(crate) const MAX_SEGMENT_LEN: usize = 512;

/// How many rounds of percent-decoding are checked: a server (or a proxy in
/// front of it) may decode more than once.
const DECODE_ROUNDS: usize = 3;

/// Checks `value` as one path segment of `field`, then percent-encodes it
/// (`/` and `\` included, so it stays one segment). Rejected: empty, over
/// [`MAX_SEGMENT_LEN`] bytes, control characters, percent-escapes that do
/// not decode to UTF-8 (overlong forms included), and any `.`/`..` piece
/// between `/` or `\` in the value or in any percent-decoded form of it,
/// also after NFKC (`‥`, `．．`, `。`), so that no server, decoding or
/// normalising once or several times, can read it as a path traversal.
pub(crate) fn path_segment(field: &'static str, value: &str) -> Result<String, Error> {
    check_segment(field, value, Separators::Encoded)?;
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

/// Whether `/` and `\` may appear in a segment (to be percent-encoded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Separators {
    /// Allowed, and encoded (a document URI may contain `/`).
    Encoded,
    /// Refused in any form (folder and file names of an upload destination).
    Refused,
}

/// The checks of [`path_segment`]; with [`Separators::Refused`], `/` and
/// `\` are refused in every decoded form too.
pub(crate) fn check_segment(
    field: &'static str,
    value: &str,
    separators: Separators,
) -> Result<(), ValidationError> {
    let reject = |reason: &str| Err(ValidationError::new(field, reason));
    if value.is_empty() {
        return reject("must not be empty");
    }
    if value.len() > MAX_SEGMENT_LEN {
        return reject(&format!(
            "is longer than {MAX_SEGMENT_LEN} bytes ({} bytes)",
            value.len()
        ));
    }
    let mut form = value.to_string();
    for _ in 0..=DECODE_ROUNDS {
        if form.chars().any(char::is_control) {
            return reject("must not contain control characters");
        }
        let normal = normalized(&form);
        let has_separator = normal.contains('/') || normal.contains('\\');
        if separators == Separators::Refused && has_separator {
            return reject("must not contain '/' or '\\', encoded or not");
        }
        if normal
            .split(['/', '\\'])
            .any(|piece| piece == "." || piece == "..")
        {
            return reject("must not contain a '.' or '..' segment, encoded or not");
        }
        let Ok(decoded) = percent_decode_str(&form).decode_utf8() else {
            return reject("must percent-decode to valid UTF-8 (no overlong or stray escapes)");
        };
        if decoded == form {
            break;
        }
        form = decoded.into_owned();
    }
    Ok(())
}

/// `text` as a normalising server may read it: NFKC, then the ideographic
/// full stop (U+3002, which NFKC keeps) as `.`.
fn normalized(text: &str) -> String {
    icu_normalizer::ComposingNormalizerBorrowed::new_nfkc()
        .normalize(text)
        .replace('\u{3002}', ".")
}

/// Fails unless `url`'s path is `base_path` followed by `op`'s path
/// template, with each `{parameter}` matching exactly one non-empty segment.
/// Checked on the final URL, after parsing, right before credentials are
/// attached.
pub(crate) fn check_operation_path(
    base_path: &str,
    op: &OperationSpec,
    url: &Url,
) -> Result<(), Error> {
    // Most templates have no parameter: then the path is the base path
    // followed by the template, byte for byte.
    let base = base_path.trim_end_matches('/');
    if !op.path.contains('{')
        && url
            .path()
            .strip_prefix(base)
            .is_some_and(|rest| rest == op.path)
    {
        return Ok(());
    }
    let mut actual = url.path().split('/');
    let base_matches = base_path
        .trim_end_matches('/')
        .split('/')
        .all(|want| actual.next() == Some(want));
    let mut parameter = None;
    let mut matches = base_matches;
    let mut template = op.path.split('/').skip(1);
    while matches {
        match (template.next(), actual.next()) {
            (None, None) => return Ok(()),
            (Some(want), Some(got)) => {
                if let Some(name) = want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    parameter.get_or_insert(name);
                    matches = !(got.is_empty() || got == "." || got == "..");
                } else {
                    matches = want == got;
                }
            }
            _ => matches = false,
        }
    }
    let field = parameter
        .or_else(|| first_parameter(op.path))
        .unwrap_or("url");
    Err(ValidationError::new(
        field,
        format!(
            "the request path would not be {}'s own path {}: refusing to send credentials elsewhere",
            op.id, op.path
        ),
    )
    .into())
}

fn first_parameter(template: &'static str) -> Option<&'static str> {
    template
        .split('/')
        .find_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::by_id;

    #[test]
    fn segments_are_checked_and_encoded() {
        let ok = |v: &str| path_segment("uri", v).unwrap();
        assert_eq!(
            ok("in.gov.cbse-HSCER-201412345678"),
            "in.gov.cbse-HSCER-201412345678"
        );
        assert_eq!(ok("a b?c#d%e"), "a%20b%3Fc%23d%25e");
        assert_eq!(ok("..."), "...");
        assert_eq!(
            ok("\u{2026}"),
            "%E2%80%A6",
            "an ellipsis is '...', no traversal"
        );
        assert_eq!(ok("a\u{2025}b"), "a%E2%80%A5b");
        // One segment, whatever it holds.
        assert_eq!(ok("2024/0042"), "2024%2F0042");
        assert_eq!(ok("a\\b"), "a%5Cb");
        assert_eq!(ok("a%2fb"), "a%252fb");
        for bad in [
            "",
            ".",
            "..",
            "%2e",
            "%2E%2e",
            "%252e%252e",
            "../x",
            "a/..",
            "..\\..\\oauth2\\1\\user",
            "a\\..\\..\\..\\..\\steal",
            "a%2f..%2fb",
            "%2e%2e%5cuser",
            "a%252F..",
            "a\u{0}b",
            "a%0ab",
            // Dots and separators that NFKC or a lax decoder turns ASCII.
            "\u{2025}",
            "\u{2024}",
            "\u{2024}\u{2024}",
            "\u{FF0E}\u{FF0E}",
            "\u{FE52}",
            "\u{3002}\u{3002}",
            "\u{FF61}",
            "%E2%80%A5",
            "%EF%BC%8E%EF%BC%8E",
            "\u{FF0E}\u{FF0E}\u{FF0F}user",
            "a\u{FF3C}\u{2025}",
            "%c0%ae%c0%ae",
            "%c0%ae",
            "%e0%80%ae%e0%80%ae",
            "a%ffb",
        ] {
            let err = path_segment("uri", bad).unwrap_err();
            assert!(
                matches!(&err, Error::Validation(v) if v.field == "uri"),
                "{bad:?}: {err:?}"
            );
        }
        assert!(path_segment("uri", &"a".repeat(MAX_SEGMENT_LEN + 1)).is_err());
    }

    #[test]
    fn final_path_must_be_the_operations_own() {
        let op = by_id("get_file").unwrap();
        let check = |u: &str| check_operation_path("/public", op, &Url::parse(u).unwrap());
        assert!(check("http://127.0.0.1/public/oauth2/1/file/in.gov.x-1").is_ok());
        for bad in [
            "http://127.0.0.1/public/oauth2/1/file/",
            "http://127.0.0.1/public/oauth2/1/file/a/b",
            "http://127.0.0.1/public/oauth2/1/user",
            "http://127.0.0.1/steal",
            "http://127.0.0.1/public/oauth2/1/file/..\\..\\user",
        ] {
            let err = check(bad).unwrap_err();
            assert!(
                matches!(&err, Error::Validation(v) if v.field == "uri"),
                "{bad}: {err:?}"
            );
        }
        let files = by_id("get_uploaded_documents").unwrap();
        assert!(
            check_operation_path(
                "/public/",
                files,
                &Url::parse("http://h/public/oauth2/1/files/").unwrap()
            )
            .is_ok()
        );
    }
}
