//! Reading the spec and patches of a git revision.

use std::path::Path;
use std::process::Command;

use digilocker_authpartner_codegen::{Layout, SPEC_FILE};
use serde_json::Value;

use crate::failure::{Failure, Result};

fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| Failure(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        return Err(Failure(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(output.stdout)
}

/// The bytes of `path` at revision `rev`.
pub fn show(root: &Path, rev: &str, path: &str) -> Result<Vec<u8>> {
    git(root, &["show", &format!("{rev}:{path}")])
}

/// The patched spec of revision `rev`: its `spec/` file with its `patches/`.
pub fn patched_spec_at(root: &Path, rev: &str) -> Result<Value> {
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| Failure(format!("`{rev}` is not a commit of {}", root.display())))?;
    let tmp = tempfile::tempdir().map_err(|e| Failure(format!("cannot create a temp dir: {e}")))?;
    let layout = Layout::at(tmp.path());
    let spec_dir = tmp.path().join("spec");
    std::fs::create_dir_all(&spec_dir).map_err(Failure::io(&spec_dir))?;
    std::fs::create_dir_all(&layout.patches).map_err(Failure::io(&layout.patches))?;
    let spec = git(root, &["show", &format!("{rev}:spec/{SPEC_FILE}")])?;
    std::fs::write(&layout.spec, spec).map_err(Failure::io(&layout.spec))?;
    let listing = git(root, &["ls-tree", "--name-only", rev, "--", "patches/"])?;
    for path in String::from_utf8_lossy(&listing).lines() {
        if let Some(name) = path
            .strip_prefix("patches/")
            .filter(|n| n.ends_with(".json"))
        {
            let bytes = git(root, &["show", &format!("{rev}:{path}")])?;
            let dest = layout.patches.join(name);
            std::fs::write(&dest, bytes).map_err(Failure::io(&dest))?;
        }
    }
    digilocker_authpartner_codegen::patched_spec(&layout)
        .map_err(|e| Failure(format!("the patched spec of {rev}: {e}")))
}
