//! `spec/PROVENANCE.md`: a small markdown table with the vendored spec's
//! source, sha256 and date.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::failure::{Failure, Result};

/// The provenance file of a checkout.
pub fn path(root: &Path) -> PathBuf {
    root.join("spec").join("PROVENANCE.md")
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()[..10].to_string()
}

/// The `| field | value |` rows of a provenance file, values without backticks.
pub fn rows(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split('|')
                .collect();
            let [field, value] = cells[..] else {
                return None;
            };
            let (field, value) = (field.trim(), value.trim().trim_matches('`'));
            (field != "field" && !field.starts_with("---"))
                .then(|| (field.to_string(), value.to_string()))
        })
        .collect()
}

/// The recorded sha256 of the vendored spec.
pub fn recorded_sha256(root: &Path) -> Result<String> {
    let path = path(root);
    let text = std::fs::read_to_string(&path).map_err(Failure::io(&path))?;
    rows(&text)
        .into_iter()
        .find(|(field, _)| field == "sha256")
        .map(|(_, value)| value)
        .ok_or_else(|| Failure(format!("{}: no `| sha256 | … |` row", path.display())))
}

/// What a spec update records.
pub struct Record<'a> {
    /// The spec's file name inside `spec/`.
    pub file: &'a str,
    /// Where it came from (URL or file).
    pub source: &'a str,
    /// The input format, e.g. `JSON` or `YAML`.
    pub format: &'a str,
    /// sha256 of the stored file.
    pub sha256: &'a str,
    /// The date, `YYYY-MM-DD`.
    pub date: &'a str,
}

/// Renders a provenance file; rows of `previous` other than the ones a
/// record sets are kept when the source did not change.
pub fn render(record: &Record<'_>, previous: Option<&str>) -> String {
    let previous_rows = previous.map(rows).unwrap_or_default();
    let same_source = previous_rows
        .iter()
        .any(|(f, v)| f == "source" && v == record.source);
    let mut table = vec![
        ("file", format!("`{}`", record.file)),
        ("source", record.source.to_string()),
    ];
    let mut kept: Vec<(String, String)> = Vec::new();
    if same_source {
        kept = previous_rows
            .into_iter()
            .filter(|(f, _)| {
                !["file", "source", "format", "sha256", "vendored"].contains(&f.as_str())
            })
            .collect();
    }
    for (field, value) in &kept {
        table.push((field.as_str(), value.clone()));
    }
    table.push((
        "format",
        format!("{} input, stored as 2-space canonical JSON", record.format),
    ));
    table.push(("sha256", format!("`{}`", record.sha256)));
    table.push(("vendored", record.date.to_string()));
    let mut text =
        String::from("# Provenance of the vendored spec\n\n| field | value |\n|---|---|\n");
    for (field, value) in table {
        text.push_str(&format!("| {field} | {value} |\n"));
    }
    text.push_str(
        "\nThe file is upstream as published, stored as canonical JSON; the sha256 is of the stored file.\n\
         Never edit it: corrections live in `../patches/`.\n\
         `cargo xtask check` verifies the sha256 above; `cargo xtask update-spec` rewrites this file.\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURRENT: &str = "# Provenance\n\n| field | value |\n|---|---|\n| file | `a.json` |\n| source | APIs-guru |\n| originally | API Setu |\n| sha256 | `abc` |\n| vendored | 2026-01-01 |\n\ntext\n";

    #[test]
    fn reads_rows() {
        let r = rows(CURRENT);
        assert_eq!(r[3], ("sha256".to_string(), "abc".to_string()));
        assert_eq!(r.len(), 5);
    }

    #[test]
    fn renders_and_keeps_rows_of_the_same_source() {
        let record = Record {
            file: "a.json",
            source: "APIs-guru",
            format: "YAML",
            sha256: "def",
            date: "2026-02-02",
        };
        let text = render(&record, Some(CURRENT));
        let r = rows(&text);
        assert!(r.contains(&("originally".into(), "API Setu".into())));
        assert!(r.contains(&("sha256".into(), "def".into())));
        assert!(r.contains(&("vendored".into(), "2026-02-02".into())));
        let other = render(
            &Record {
                source: "https://x",
                ..record
            },
            Some(CURRENT),
        );
        assert!(!other.contains("originally"));
    }

    #[test]
    fn hashes_and_dates() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(today().len(), 10);
    }
}
