//! Reading specs (JSON or YAML) and writing them as canonical JSON.

use std::path::Path;

use serde_json::Value;

use crate::failure::{Failure, Result};

/// The canonical text of a spec: 2-space pretty JSON with a trailing newline.
pub fn canonical_json(spec: &Value) -> String {
    let mut text = serde_json::to_string_pretty(spec).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// The format an input spec was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Parses a spec from JSON, or else YAML, and checks that it looks like OpenAPI.
pub fn parse_spec(bytes: &[u8], what: &str) -> Result<(Value, Format)> {
    let (value, format) = match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => (v, Format::Json),
        Err(json_err) => match serde_norway::from_slice::<Value>(bytes) {
            Ok(v) => (v, Format::Yaml),
            Err(yaml_err) => {
                return Err(Failure(format!(
                    "{what} is neither JSON ({json_err}) nor YAML ({yaml_err})"
                )));
            }
        },
    };
    if value.get("openapi").and_then(Value::as_str).is_none() {
        return Err(Failure(format!(
            "{what} is not an OpenAPI 3 document (no `openapi` version field)"
        )));
    }
    Ok((value, format))
}

/// `cargo xtask patched-spec [--out FILE]`.
pub fn patched_spec(root: &Path, out: Option<&Path>) -> Result {
    let spec = digilocker_authpartner_codegen::patched_spec(
        &digilocker_authpartner_codegen::Layout::at(root),
    )?;
    let text = canonical_json(&spec);
    match out {
        Some(path) => {
            std::fs::write(path, &text).map_err(Failure::io(path))?;
            eprintln!("wrote the patched spec to {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_give_the_same_canonical_text() {
        let yaml = b"openapi: 3.0.2\ninfo:\n  title: t\n  version: '1'\npaths: {}\n";
        let json = br#"{"openapi":"3.0.2","info":{"title":"t","version":"1"},"paths":{}}"#;
        let (a, fa) = parse_spec(yaml, "a").unwrap();
        let (b, fb) = parse_spec(json, "b").unwrap();
        assert_eq!((fa, fb), (Format::Yaml, Format::Json));
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert!(canonical_json(&a).starts_with("{\n  \"openapi\": \"3.0.2\",\n  \"info\""));
    }

    #[test]
    fn rejects_non_openapi_input() {
        assert!(parse_spec(b"just: yaml\n", "x").is_err());
        assert!(parse_spec(b"\x00\x01", "x").is_err());
    }
}
