//! `cargo xtask update-spec <FILE|URL>`: vendor a new upstream spec.
//!
//! All work happens in memory and in a temporary directory: the new spec is
//! stored as canonical JSON, every patch step is re-applied (each failure
//! reported as primary or knock-on, with the first differing value), the
//! patched spec is checked and the client generated. Only when all of that
//! succeeds are `spec/` and its provenance replaced (atomic renames), the
//! generated code written to `target/generated/`, the pending snapshots
//! written and the crate compiled against them. Every successful run ends with
//! the classified API diff against the committed patched spec.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use digilocker_authpartner_codegen::{
    Layout, PipelineError, SPEC_FILE, check_patched, diff, generate, load_patches, sort_keys,
    trace_patches,
};

use crate::failure::{Failure, Result};
use crate::spec_file::{Format, canonical_json, parse_spec};
use crate::{naming, provenance, regen, snapshots};

/// What to update from.
pub struct Options {
    /// A local JSON or YAML file, or an http(s) URL.
    pub input: String,
    /// The source to record in the provenance (default: `input`).
    pub source: Option<String>,
    /// Whether to write the pending snapshots.
    pub snapshots: bool,
    /// Whether to compile the crate against the new spec (`cargo test --test api_surface`).
    pub build: bool,
}

fn read_input(input: &str) -> Result<Vec<u8>> {
    if input.starts_with("http://") || input.starts_with("https://") {
        let output = Command::new("curl")
            .args([
                "--fail",
                "--silent",
                "--show-error",
                "--location",
                "--max-time",
                "120",
                input,
            ])
            .output()
            .map_err(|e| Failure(format!("cannot run curl to fetch {input}: {e}")))?;
        if !output.status.success() {
            return Err(Failure(format!(
                "fetching {input} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(output.stdout)
    } else {
        let path = Path::new(input);
        std::fs::read(path).map_err(Failure::io(path))
    }
}

/// Replaces `dest` with `contents` atomically, keeping its permissions.
fn replace_file(dest: &Path, contents: &[u8]) -> Result {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(Failure::io(dir))?;
    tmp.write_all(contents).map_err(Failure::io(dest))?;
    if let Ok(meta) = std::fs::metadata(dest) {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(Failure::io(dest))?;
    }
    tmp.persist(dest)
        .map_err(|e| Failure(format!("{}: {}", dest.display(), e.error)))?;
    Ok(())
}

/// `cargo xtask update-spec`.
pub fn run(root: &Path, options: &Options) -> Result {
    let layout = Layout::at(root);
    let bytes = read_input(&options.input)?;
    let (upstream, format) = parse_spec(&bytes, &options.input)?;
    let canonical = canonical_json(&upstream);
    let current = std::fs::read(&layout.spec).map_err(Failure::io(&layout.spec))?;
    if current == canonical.as_bytes() {
        println!(
            "spec/{SPEC_FILE} already is this upstream (sha256 {}); nothing to do
(`cargo xtask api-diff` shows the API diff against HEAD)",
            provenance::sha256_hex(&current)
        );
        return Ok(());
    }
    let format_name = if format == Format::Json {
        "JSON"
    } else {
        "YAML"
    };
    println!(
        "read {} ({format_name}, {} bytes), stored as canonical JSON ({} bytes)",
        options.input,
        bytes.len(),
        canonical.len()
    );
    let untouched = "spec/, patches/ and the snapshots are untouched";

    // 1. Re-apply every patch step to the new upstream.
    let patches = load_patches(&layout.patches)?;
    let mut patched = upstream.clone();
    let trace = trace_patches(&mut patched, &patches);
    if !trace.notes.is_empty() {
        println!("\nabsorbed without a patch edit:");
        for note in &trace.notes {
            println!("  {note}");
        }
    }
    if !trace.problems.is_empty() {
        let primary = trace
            .problems
            .iter()
            .filter(|p| p.cause == digilocker_authpartner_codegen::Cause::Primary)
            .count();
        println!("\n{}", PipelineError::Patches(trace.problems.clone()));
        return Err(Failure(format!(
            "{} patch step(s) no longer apply ({primary} primary); stopped before regenerating. {untouched}.\n\
             Adapt or delete the primary ones above, then run `cargo xtask update-spec {}` again.",
            trace.problems.len(),
            options.input
        )));
    }
    sort_keys(&mut patched);
    println!(
        "applied all {} patch files ({} operations)",
        patches.len(),
        trace.applied.len()
    );

    // 2. Check and generate.
    let view = check_patched(&patched).map_err(|e| Failure(format!("{e}\n{untouched}")))?;
    naming::check_overlay_clash(root, &patched)
        .map_err(|e| Failure(format!("{}\n{untouched}", e.0)))?;
    if let Some(message) = naming::derived_names_message(&patched, &patches) {
        println!("\n{message}\n");
    }
    let code = generate(&patched, &view).map_err(|e| Failure(format!("{e}\n{untouched}")))?;
    println!(
        "generated the client ({} lines)",
        code.client.lines().count()
    );

    // 3. Move into place.
    let sha256 = provenance::sha256_hex(canonical.as_bytes());
    let provenance_path = provenance::path(root);
    let previous = std::fs::read_to_string(&provenance_path).ok();
    let record = provenance::Record {
        file: SPEC_FILE,
        source: options.source.as_deref().unwrap_or(&options.input),
        format: format_name,
        sha256: &sha256,
        date: &provenance::today(),
    };
    let provenance_text = provenance::render(&record, previous.as_deref());
    replace_file(&layout.spec, canonical.as_bytes())?;
    replace_file(&provenance_path, provenance_text.as_bytes())?;
    println!("vendored spec/{SPEC_FILE} (sha256 {sha256}) and updated spec/PROVENANCE.md");
    let [client, _] = regen::write(root, &code)?;
    println!(
        "wrote the generated client to {}",
        client.strip_prefix(root).unwrap_or(&client).display()
    );

    // 4. Pending snapshots, and the crate compiled against them.
    let mut build = Ok(());
    if options.snapshots {
        let pending = snapshots::write_pending(root, &patched)?;
        if pending.is_empty() {
            println!("snapshots: unchanged");
        } else {
            println!("snapshots: {} pending", pending.len());
            for p in &pending {
                println!("  {}", p.strip_prefix(root).unwrap_or(p).display());
            }
        }
        if options.build {
            build = snapshots::build_and_test(root);
        }
    } else {
        println!("snapshots: skipped (--no-snapshots)");
    }

    // 5. The classified API diff, against the committed patched spec.
    match snapshots::committed_patched_spec(root) {
        Ok((old, source)) => {
            println!("\nAPI diff ({source} -> new patched spec):");
            println!("{}", diff(&old, &patched));
        }
        Err(why) => println!("\nAPI diff: no committed patched spec to compare with ({why})"),
    }
    build?;
    println!(
        "\nNext: `cargo insta review` to accept the snapshot changes, `cargo xtask check`, then commit spec/, patches/ and tests/snapshots/."
    );
    Ok(())
}
