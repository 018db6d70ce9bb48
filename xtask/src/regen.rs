//! `cargo xtask regen`: the generated client, written where maintainers can read it.

use std::path::{Path, PathBuf};

use digilocker_authpartner_codegen::{GeneratedCode, Layout};

use crate::failure::{Failure, Result};

/// Writes the generated client and operations table to `target/generated/`
/// under `root` (git-ignored) and returns their paths.
pub fn write(root: &Path, code: &GeneratedCode) -> Result<[PathBuf; 2]> {
    let dir = root.join("target").join("generated");
    std::fs::create_dir_all(&dir).map_err(Failure::io(&dir))?;
    let client = dir.join("client.rs");
    let operations = dir.join("operations.rs");
    std::fs::write(&client, &code.client).map_err(Failure::io(&client))?;
    std::fs::write(&operations, &code.operations).map_err(Failure::io(&operations))?;
    Ok([client, operations])
}

/// `cargo xtask regen`.
pub fn run(root: &Path) -> Result {
    let code = digilocker_authpartner_codegen::build(&Layout::at(root))?;
    let [client, operations] = write(root, &code)?;
    println!(
        "regenerated from spec/ + patches/:\n  {} ({} lines)\n  {} ({} operations)",
        client.strip_prefix(root).unwrap_or(&client).display(),
        code.client.lines().count(),
        operations
            .strip_prefix(root)
            .unwrap_or(&operations)
            .display(),
        code.operations.matches("OperationSpec {").count()
    );
    Ok(())
}
