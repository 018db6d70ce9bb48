//! `cargo xtask`: maintenance commands for the spec pipeline (see `xtask/README.md`).

mod api_diff;
mod check;
mod cli;
mod failure;
mod git;
mod lint;
mod naming;
mod patch_stats;
mod provenance;
mod regen;
mod snapshots;
mod spec_file;
// The one rule for "in CI", shared with the tests.
#[path = "../../tests/common/tools.rs"]
mod tools;
mod update_spec;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command};
use crate::failure::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root();
    let result = match cli.command {
        Command::PatchedSpec { out } => spec_file::patched_spec(&root, out.as_deref()),
        Command::Regen => regen::run(&root),
        Command::Check => check::run(&root),
        Command::UpdateSpec {
            input,
            source,
            no_snapshots,
            no_build,
        } => update_spec::run(
            &root,
            &update_spec::Options {
                input,
                source,
                snapshots: !no_snapshots,
                build: !no_build,
            },
        ),
        Command::PatchStats => patch_stats::run(&root),
        Command::ApiDiff { against } => api_diff::run(&root, &against),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
