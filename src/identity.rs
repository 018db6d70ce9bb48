//! Identity numbers (Aadhaar, PAN, driving licence, mobile): masked in
//! `Debug` and `Display` like DigiLocker's own `xxxxxxxx1234`, with the full
//! value behind an explicit accessor.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How many trailing characters a masked identity number keeps.
const SHOWN: usize = 4;

/// An identity number (Aadhaar, PAN, driving licence, mobile number).
/// `Debug` and `Display` show it masked to its last four characters
/// (`xxxxxx3210`); [`expose`](Self::expose) gives the full value. It
/// serializes as the plain string.
///
/// ```
/// use digilocker_authpartner::IdentityNumber;
///
/// let pan = IdentityNumber::new("ABCPK1234F");
/// assert_eq!(format!("{pan}"), "xxxxxx234F");
/// assert_eq!(format!("{pan:?}"), "\"xxxxxx234F\"");
/// assert_eq!(pan.expose(), "ABCPK1234F");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdentityNumber(String);

impl IdentityNumber {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The full value. Keep it out of logs and error messages.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The full value, owned.
    pub fn into_exposed(self) -> String {
        self.0
    }

    /// The masked form, as `Display` shows it.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

impl fmt::Debug for IdentityNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.masked(), f)
    }
}

impl fmt::Display for IdentityNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl From<String> for IdentityNumber {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for IdentityNumber {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

/// `value` with all but its last four characters as `x` (all of them for a
/// value of eight characters or fewer, which would otherwise show half).
pub(crate) fn mask(value: &str) -> String {
    let count = value.chars().count();
    let shown = if count > 2 * SHOWN { SHOWN } else { 0 };
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i < count - shown { 'x' } else { c })
        .collect()
}

/// An e-mail address as `Debug` shows it: the first character of the
/// local part and the domain (`a…@example.com`).
pub(crate) fn mask_email(value: &str) -> String {
    match value.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}…@{domain}")
        }
        None => mask(value),
    }
}

/// A field of a generated type that holds an identity number, for its
/// `Debug` (the code generator marks the fields; see `codegen/src/identity.rs`).
#[doc(hidden)]
pub struct MaskedField<'a, T: ?Sized>(pub &'a T);

impl fmt::Debug for MaskedField<'_, String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&mask(self.0), f)
    }
}

impl fmt::Debug for MaskedField<'_, Option<String>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.as_deref().map(mask), f)
    }
}

impl<E: fmt::Debug> fmt::Debug for MaskedField<'_, Result<String, E>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.as_deref().map(mask), f)
    }
}

impl<E: fmt::Debug> fmt::Debug for MaskedField<'_, Result<Option<String>, E>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.0.as_ref().map(|v| v.as_deref().map(mask));
        fmt::Debug::fmt(&shown, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_last_four() {
        assert_eq!(mask("999999991234"), "xxxxxxxx1234");
        assert_eq!(mask("9876543210"), "xxxxxx3210");
        assert_eq!(mask("DL01202200000001"), "xxxxxxxxxxxx0001");
        assert_eq!(
            mask("12345678"),
            "xxxxxxxx",
            "short values are masked whole"
        );
        assert_eq!(mask(""), "");
        assert_eq!(mask_email("asha@example.com"), "a…@example.com");
        let field: Result<Option<String>, String> = Ok(Some("999999991234".into()));
        assert_eq!(
            format!("{:?}", MaskedField(&field)),
            "Ok(Some(\"xxxxxxxx1234\"))"
        );
        let json = serde_json::to_string(&IdentityNumber::new("ABCPK1234F")).unwrap();
        assert_eq!(json, "\"ABCPK1234F\"");
    }
}
