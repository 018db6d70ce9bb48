//! Field types for values the official PDFs show in more than one shape
//! (their field list says one thing, a sample another). A real server
//! follows one of them and we cannot know which, so each accepts every shape
//! the PDFs show; one odd item can never fail a whole listing. Also here:
//! [`Gender`], an enum that keeps unknown values, and [`blank_as_none`],
//! for properties whose blank value means "does not apply".

mod blank;
mod gender;

pub use blank::blank_as_none;
pub use gender::Gender;

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A document's MIME types: a single string or a list of strings
/// (Requester API Spec v1.12 p.16-17 shows both in one listing). An empty
/// string (folders) is an empty list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MimeTypes(pub Vec<String>);

impl MimeTypes {
    /// The types, in the order sent.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The first type, e.g. `application/pdf`.
    pub fn first(&self) -> Option<&str> {
        self.0.first().map(String::as_str)
    }

    /// Whether `mime` is among them (ASCII case-insensitive: the PDF writes
    /// both `application/PDF` and `application/pdf`).
    pub fn contains(&self, mime: &str) -> bool {
        self.0.iter().any(|m| m.eq_ignore_ascii_case(mime))
    }
}

impl<'de> Deserialize<'de> for MimeTypes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            One(String),
            Many(Vec<String>),
        }
        Ok(match Shape::deserialize(d)? {
            Shape::One(s) if s.trim().is_empty() => Self(Vec::new()),
            Shape::One(s) => Self(vec![s.trim().to_string()]),
            Shape::Many(v) => Self(v),
        })
    }
}

impl Serialize for MimeTypes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// A size in bytes, sent as a number or a numeric string; blank (issued
/// documents) is unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileSize(pub Option<u64>);

impl FileSize {
    /// The size in bytes, when known.
    pub fn bytes(self) -> Option<u64> {
        self.0
    }
}

impl fmt::Display for FileSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, "{n}"),
            None => f.write_str("unknown"),
        }
    }
}

impl<'de> Deserialize<'de> for FileSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FileSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size in bytes, as a number or a numeric string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FileSize, E> {
                Ok(FileSize(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FileSize, E> {
                u64::try_from(v)
                    .map(|v| FileSize(Some(v)))
                    .map_err(|_| E::custom("a negative size"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FileSize, E> {
                let v = v.trim();
                if v.is_empty() {
                    return Ok(FileSize(None));
                }
                v.parse()
                    .map(|n| FileSize(Some(n)))
                    .map_err(|_| E::custom("a size that is not a number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<FileSize, E> {
                Ok(FileSize(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for FileSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(n) => s.serialize_u64(n),
            None => s.serialize_str(""),
        }
    }
}

/// A yes/no answer sent as a JSON boolean or as the string `"true"` /
/// `"false"` (Requester API Spec v1.12 p.32 shows both).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountFlag(pub bool);

impl From<AccountFlag> for bool {
    fn from(flag: AccountFlag) -> bool {
        flag.0
    }
}

impl fmt::Display for AccountFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for AccountFlag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = AccountFlag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true or false, as a boolean or a string")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<AccountFlag, E> {
                Ok(AccountFlag(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AccountFlag, E> {
                match v.trim() {
                    t if t.eq_ignore_ascii_case("true") => Ok(AccountFlag(true)),
                    f if f.eq_ignore_ascii_case("false") => Ok(AccountFlag(false)),
                    _ => Err(E::custom("neither \"true\" nor \"false\"")),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for AccountFlag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de<T: serde::de::DeserializeOwned>(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    /// Requester API Spec v1.12 p.16-17: a list in one sample item, a string
    /// in the other; p.14: `""` for folders.
    #[test]
    fn mime_in_every_shape_the_pdf_shows() {
        let many: MimeTypes = de(r#"["application/pdf","application/xml"]"#);
        assert!(many.contains("application/xml"));
        assert_eq!(many.first(), Some("application/pdf"));
        let one: MimeTypes = de(r#""application/PDF""#);
        assert!(one.contains("application/pdf"));
        assert!(de::<MimeTypes>(r#""""#).as_slice().is_empty());
        assert!(serde_json::from_str::<MimeTypes>("42").is_err());
    }

    /// v1.12 p.21 says "Size of file"; p.14 sends `"366481"`; issued
    /// documents send `""`.
    #[test]
    fn size_in_every_shape_the_pdf_shows() {
        assert_eq!(de::<FileSize>("366481").bytes(), Some(366_481));
        assert_eq!(de::<FileSize>(r#""366481""#).bytes(), Some(366_481));
        assert_eq!(de::<FileSize>(r#""""#).bytes(), None);
        assert!(serde_json::from_str::<FileSize>(r#""12kb""#).is_err());
        assert!(serde_json::from_str::<FileSize>("-1").is_err());
    }

    /// v1.12 p.32: "true indicates …" (a boolean) and the sample's `"true"`.
    #[test]
    fn registered_in_every_shape_the_pdf_shows() {
        for (json, want) in [
            ("true", true),
            ("false", false),
            (r#""true""#, true),
            (r#""false""#, false),
        ] {
            assert_eq!(bool::from(de::<AccountFlag>(json)), want, "{json}");
        }
        assert!(serde_json::from_str::<AccountFlag>(r#""Y""#).is_err());
    }
}
