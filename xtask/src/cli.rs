//! The command line.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

/// Maintenance commands for the spec pipeline: spec/ + patches/ -> progenitor client.
///
/// Updating the spec: `update-spec <FILE|URL>`, then `cargo insta review` and
/// `api-diff`, then commit. See xtask/README.md, "Updating the spec".
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about,
    long_about
)]
pub struct Cli {
    /// Repository root to work on (default: this workspace's root).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The repository root: `--root`, or the workspace this xtask was built in.
    pub fn root(&self) -> PathBuf {
        self.root.clone().unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("xtask lives in a workspace")
                .to_path_buf()
        })
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the patched spec (spec/ + patches/) as 2-space JSON, object keys sorted.
    PatchedSpec {
        /// Write it to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Regenerate the client into target/generated/ (client.rs, operations.rs) for review.
    Regen,
    /// Check the patches and the patch rules, references, method and type names, openapiv3,
    /// generation, provenance, pending snapshots and lint.
    ///
    /// The linters (Redocly CLI, Spectral) come from `.ci/lint/node_modules` (`npm ci --prefix
    /// .ci/lint`) or `npx --no-install`; without them the lint is reported as skipped
    /// (a failure in CI).
    Check,
    /// Vendor a new upstream spec (JSON or YAML file, or URL), re-apply the patches, regenerate,
    /// leave snapshot changes pending and print the classified API diff.
    ///
    /// Nothing in spec/ changes unless every patch step applies and the client generates. A
    /// failing step is reported with its patch file, op index, the first differing value and
    /// whether it is primary or a knock-on of an earlier failure. The API diff compares with
    /// the committed patched spec (the snapshot at git HEAD).
    UpdateSpec {
        /// The new upstream spec: a local JSON or YAML file, or an http(s) URL (fetched with curl).
        #[arg(value_name = "FILE|URL")]
        input: String,
        /// What to record as the source in spec/PROVENANCE.md (default: the FILE or URL given).
        #[arg(long, value_name = "TEXT")]
        source: Option<String>,
        /// Write no pending snapshots (and do not compile the crate).
        #[arg(long)]
        no_snapshots: bool,
        /// Do not compile the crate against the new spec (`cargo test --test api_surface`).
        #[arg(long)]
        no_build: bool,
    },
    /// Count the schemas and operations that pass through the patches untouched,
    /// patched at single values, or written whole by a patch.
    PatchStats,
    /// Print the classified API diff between a git revision and the working tree.
    ApiDiff {
        /// The revision to compare against.
        #[arg(long, value_name = "GIT_REV", default_value = "HEAD")]
        against: String,
    },
}
