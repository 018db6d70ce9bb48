//! Blank strings that mean "does not apply".

use serde::{Deserialize, Deserializer};

/// Deserializes an optional string, reading a blank one (`""`, or only
/// whitespace) as `None`. The generated types use it on the properties
/// the patched spec marks `x-digilocker-blank-is-absent` (a file's folder
/// `id`, a folder's `uri`, …).
pub fn blank_as_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(d)?;
    Ok(value.filter(|s| !s.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Item {
        #[serde(default, deserialize_with = "super::blank_as_none")]
        id: Option<String>,
    }

    #[test]
    fn blank_and_missing_are_none() {
        let id = |json: &str| serde_json::from_str::<Item>(json).unwrap().id;
        assert_eq!(id(r#"{"id":""}"#), None);
        assert_eq!(id(r#"{"id":"  "}"#), None);
        assert_eq!(id(r#"{"id":null}"#), None);
        assert_eq!(id(r#"{}"#), None);
        assert_eq!(id(r#"{"id":"5678"}"#).as_deref(), Some("5678"));
    }
}
