//! `Gender`: one type for the user's gender in every response, request and
//! XML document.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The user's gender as DigiLocker records it: `M`, `F` or `T` (Requester
/// API Spec v1.12, Get User Details). Another value is kept verbatim in
/// [`Other`](Self::Other) rather than failing the response.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Gender {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `T`.
    Transgender,
    /// Any other value, verbatim (trimmed).
    Other(String),
}

impl Gender {
    /// Parses DigiLocker's code, case-insensitively and trimmed.
    pub fn parse(raw: &str) -> Self {
        match raw.trim() {
            "M" | "m" => Self::Male,
            "F" | "f" => Self::Female,
            "T" | "t" => Self::Transgender,
            other => Self::Other(other.to_string()),
        }
    }

    /// The code as DigiLocker spells it (`M`, `F`, `T`, or the raw value).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Male => "M",
            Self::Female => "F",
            Self::Transgender => "T",
            Self::Other(raw) => raw,
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Gender {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl From<&str> for Gender {
    fn from(s: &str) -> Self {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for Gender {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::parse(&raw))
    }
}

impl Serialize for Gender {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_values_are_kept() {
        for (raw, gender) in [
            ("\"M\"", Gender::Male),
            ("\"F\"", Gender::Female),
            ("\" T \"", Gender::Transgender),
            ("\"X\"", Gender::Other("X".into())),
        ] {
            let parsed: Gender = serde_json::from_str(raw).unwrap();
            assert_eq!(parsed, gender, "{raw}");
            let back = serde_json::to_string(&parsed).unwrap();
            assert_eq!(back, raw.replace(' ', ""));
        }
        assert!(serde_json::from_str::<Gender>("1").is_err());
    }
}
