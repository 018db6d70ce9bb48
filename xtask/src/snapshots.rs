//! The API-surface snapshots (`tests/api_surface.rs`, insta).

use std::path::{Path, PathBuf};
use std::process::Command;

use digilocker_authpartner_codegen::{overlay_methods, render_surface};
use serde_json::Value;

use crate::failure::{Failure, Result};
use crate::git;

/// The snapshot of the patched spec, relative to a checkout root.
pub const PATCHED_SPEC: &str = "tests/snapshots/api_surface__patched_spec.snap";
/// The snapshot of the API surface, relative to a checkout root.
pub const API_SURFACE: &str = "tests/snapshots/api_surface__api_surface.snap";

/// Pending snapshot files (`*.snap.new`, `*.pending-snap`) under `tests/`.
pub fn pending(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(&root.join("tests"), &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            walk(&path, out);
        } else if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
            out.push(path);
        }
    }
}

/// Splits an insta snapshot file into its header (up to and including the
/// closing `---` line) and its contents.
fn split(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")? + "---\n".len() + "\n---\n".len();
    Some((&text[..end], &text[end..]))
}

/// The contents of a snapshot file, without its header and final newline.
pub fn contents(text: &str) -> Option<&str> {
    split(text).map(|(_, body)| body.strip_suffix('\n').unwrap_or(body))
}

/// The committed patched spec and where it was read from: the patched-spec
/// snapshot at git `HEAD`, else the one in the working tree, else `HEAD`'s
/// spec/ and patches/ run through the pipeline.
pub fn committed_patched_spec(root: &Path) -> std::result::Result<(Value, String), String> {
    let parse = |text: &str, what: &str| {
        contents(text)
            .ok_or_else(|| format!("{what} is not an insta snapshot"))
            .and_then(|body| {
                serde_json::from_str(body).map_err(|e| format!("{what} is not JSON: {e}"))
            })
    };
    let mut why = Vec::new();
    match git::show(root, "HEAD", PATCHED_SPEC) {
        Ok(bytes) => {
            let what = format!("HEAD:{PATCHED_SPEC}");
            match parse(&String::from_utf8_lossy(&bytes), &what) {
                Ok(v) => return Ok((v, what)),
                Err(e) => why.push(e),
            }
        }
        Err(e) => why.push(e.0),
    }
    match std::fs::read_to_string(root.join(PATCHED_SPEC)) {
        Ok(text) => {
            let what = format!("{PATCHED_SPEC} (working tree; not a git checkout or not in HEAD)");
            match parse(&text, PATCHED_SPEC) {
                Ok(v) => return Ok((v, what)),
                Err(e) => why.push(e),
            }
        }
        Err(e) => why.push(format!("{PATCHED_SPEC}: {e}")),
    }
    match git::patched_spec_at(root, "HEAD") {
        Ok(v) => Ok((v, "HEAD:spec/ + HEAD:patches/".into())),
        Err(e) => {
            why.push(e.0);
            Err(why.join("; "))
        }
    }
}

/// Writes `<name>.snap.new` next to `<name>.snap` when `contents` differs from
/// the committed snapshot, in insta's format (reusing the snapshot's header),
/// so that `cargo insta review` shows and accepts it. Returns the file written.
fn write_one(root: &Path, rel: &str, new_contents: &str) -> Result<Option<PathBuf>> {
    let path = root.join(rel);
    let new_path = root.join(format!("{rel}.new"));
    let current = std::fs::read_to_string(&path).ok();
    let (header, old) = match current.as_deref().and_then(split) {
        Some((header, body)) => (header.to_string(), Some(body)),
        None => (
            "---\nsource: tests/api_surface.rs\nexpression: text\n---\n".to_string(),
            None,
        ),
    };
    let body = format!("{new_contents}\n");
    if old == Some(body.as_str()) {
        if new_path.is_file() {
            std::fs::remove_file(&new_path).map_err(Failure::io(&new_path))?;
        }
        return Ok(None);
    }
    if let Some(dir) = new_path.parent() {
        std::fs::create_dir_all(dir).map_err(Failure::io(dir))?;
    }
    std::fs::write(&new_path, format!("{header}{body}")).map_err(Failure::io(&new_path))?;
    Ok(Some(new_path))
}

/// Writes the pending patched-spec and API-surface snapshots for `spec` (the
/// same text `tests/api_surface.rs` renders) and returns the files written.
pub fn write_pending(root: &Path, spec: &Value) -> Result<Vec<PathBuf>> {
    let overlay = overlay_methods(&root.join("src")).map_err(|e| Failure(e.to_string()))?;
    let spec_text = serde_json::to_string_pretty(spec).expect("a JSON value serialises");
    let mut written = Vec::new();
    for (rel, text) in [
        (PATCHED_SPEC, spec_text),
        (API_SURFACE, render_surface(spec, &overlay)),
    ] {
        written.extend(write_one(root, rel, &text)?);
    }
    Ok(written)
}

/// Compiles the crate against the new spec and runs the snapshot tests
/// (`cargo test --test api_surface`, snapshots left pending).
pub fn build_and_test(root: &Path) -> Result {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!(
        "compiling the client against the new spec: cargo test --test api_surface (INSTA_UPDATE=new INSTA_FORCE_PASS=1)"
    );
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["test", "--quiet", "--test", "api_surface"])
        .env("INSTA_UPDATE", "new")
        .env("INSTA_FORCE_PASS", "1")
        .output()
        .map_err(|e| Failure(format!("cannot run cargo: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(25).collect();
        return Err(Failure(format!(
            "`cargo test --test api_surface` failed (the crate may not compile against the new spec):\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_contents_split() {
        let text = "---\nsource: tests/api_surface.rs\nexpression: text\n---\n{\n  \"a\": 1\n}\n";
        let (header, body) = split(text).unwrap();
        assert_eq!(
            header,
            "---\nsource: tests/api_surface.rs\nexpression: text\n---\n"
        );
        assert_eq!(body, "{\n  \"a\": 1\n}\n");
        assert_eq!(contents(text), Some("{\n  \"a\": 1\n}"));
        assert_eq!(contents("no header"), None);
    }
}
