//! `cargo xtask patch-stats`: how much of upstream passes through the patches.

use std::path::Path;

use digilocker_authpartner_codegen::{Layout, load_patches, patch_stats, read_spec};

use crate::failure::Result;

/// Prints the [`digilocker_authpartner_codegen::PatchStats`] of the checkout.
pub fn run(root: &Path) -> Result {
    let layout = Layout::at(root);
    let upstream = read_spec(&layout.spec)?;
    let patches = load_patches(&layout.patches)?;
    println!("{}", patch_stats(&upstream, &patches));
    Ok(())
}
