//! The API-surface snapshots (`tests/api_surface.rs`, insta).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::failure::{Failure, Result};

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

/// Runs the snapshot tests so that changed snapshots land as pending
/// `.snap.new` files (accepted later with `cargo insta review`).
pub fn write_pending(root: &Path) -> Result<Vec<PathBuf>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!(
        "updating snapshots: cargo test --test api_surface (INSTA_UPDATE=new INSTA_FORCE_PASS=1)"
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
    Ok(pending(root))
}
