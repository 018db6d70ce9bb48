//! `cargo xtask api-diff [--against GIT_REV]`.

use std::path::Path;

use digilocker_authpartner_codegen::{Layout, diff, patched_spec};

use crate::failure::Result;
use crate::git;

/// Prints the classified API diff from `against`'s patched spec to the working tree's.
pub fn run(root: &Path, against: &str) -> Result {
    let old = git::patched_spec_at(root, against)?;
    let new = patched_spec(&Layout::at(root))?;
    println!("API diff: {against} -> working tree (patched specs)\n");
    println!("{}", diff(&old, &new));
    Ok(())
}
