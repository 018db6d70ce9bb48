//! `cargo xtask update-spec <FILE|URL>`: vendor a new upstream spec.
//!
//! All work happens on a temporary copy of `spec/`: the new spec is stored
//! there, every patch is re-applied and the client generated. Only when all of
//! that succeeds are `spec/` and its provenance replaced (atomic renames), the
//! generated code written to `target/generated/`, the snapshots updated as
//! pending, and the classified API diff printed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use digilocker_authpartner_codegen::{
    Layout, PipelineError, SPEC_FILE, apply_patches, check_type_names, diff, generate,
    generation_view, load_patches, parse_openapi, patched_spec,
};
use serde_json::Value;

use crate::failure::{Failure, Result};
use crate::spec_file::{Format, canonical_json, parse_spec};
use crate::{provenance, regen, snapshots};

/// What to update from.
pub struct Options {
    /// A local JSON or YAML file, or an http(s) URL.
    pub input: String,
    /// The source to record in the provenance (default: `input`).
    pub source: Option<String>,
    /// Whether to update the API-surface snapshots as pending.
    pub snapshots: bool,
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

/// Applies every patch one by one, skipping failures, to report them all.
fn apply_all(
    doc: &mut Value,
    patches_dir: &Path,
) -> std::result::Result<usize, Vec<PipelineError>> {
    let patches = load_patches(patches_dir).map_err(|e| vec![e])?;
    let mut failures = Vec::new();
    for patch in &patches {
        if let Err(e) = apply_patches(doc, std::slice::from_ref(patch)) {
            failures.push(e);
        }
    }
    if failures.is_empty() {
        Ok(patches.len())
    } else {
        Err(failures)
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
            "spec/{SPEC_FILE} already is this upstream (sha256 {}); nothing to do",
            provenance::sha256_hex(&current)
        );
        return Ok(());
    }
    let old_patched = patched_spec(&layout);

    // 1. Work on a temporary copy of spec/.
    let work =
        tempfile::tempdir().map_err(|e| Failure(format!("cannot create a temp dir: {e}")))?;
    let tmp_spec: PathBuf = work.path().join(SPEC_FILE);
    std::fs::write(&tmp_spec, &canonical).map_err(Failure::io(&tmp_spec))?;
    println!(
        "read {} ({}, {} bytes), stored as canonical JSON ({} bytes)",
        options.input,
        if format == Format::Json {
            "JSON"
        } else {
            "YAML"
        },
        bytes.len(),
        canonical.len()
    );

    // 2. Re-apply every patch.
    let mut patched = upstream.clone();
    let count = match apply_all(&mut patched, &layout.patches) {
        Ok(n) => n,
        Err(failures) => {
            println!(
                "\n{} patch problem(s) with the new upstream:",
                failures.len()
            );
            if failures.len() > 1 {
                println!(
                    "(a patch that fails is skipped, so problems after the first may follow from it)"
                );
            }
            for f in &failures {
                println!("\n{f}");
            }
            return Err(Failure(format!(
                "{} patch(es) no longer apply; stopped before regenerating. spec/ and patches/ are untouched.\n\
                 Adapt or drop the patches listed above, then run `cargo xtask update-spec {}` again.",
                failures.len(),
                options.input
            )));
        }
    };
    println!("applied all {count} patches");

    // 3. Check and generate from the temporary copy.
    let untouched = "spec/ is untouched";
    parse_openapi(&patched).map_err(|e| Failure(format!("{e}\n{untouched}")))?;
    let view = generation_view(&patched);
    check_type_names(&view).map_err(|e| Failure(format!("{e}\n{untouched}")))?;
    let code = generate(&patched, &view).map_err(|e| Failure(format!("{e}\n{untouched}")))?;
    println!(
        "generated the client ({} lines)",
        code.client.lines().count()
    );

    // 4. Move into place.
    let sha256 = provenance::sha256_hex(canonical.as_bytes());
    let provenance_path = provenance::path(root);
    let previous = std::fs::read_to_string(&provenance_path).ok();
    let record = provenance::Record {
        file: SPEC_FILE,
        source: options.source.as_deref().unwrap_or(&options.input),
        format: if format == Format::Json {
            "JSON"
        } else {
            "YAML"
        },
        sha256: &sha256,
        date: &provenance::today(),
    };
    let provenance_text = provenance::render(&record, previous.as_deref());
    replace_file(&layout.spec, canonical.as_bytes())?;
    replace_file(&provenance_path, provenance_text.as_bytes())?;
    println!("vendored spec/{SPEC_FILE} (sha256 {sha256}) and updated spec/PROVENANCE.md");
    let [client, _] = regen::write(root, &code)?;
    println!("wrote the generated client to {}", client.display());

    // 5. Snapshots as pending.
    let snapshot_result = if options.snapshots {
        snapshots::write_pending(root).map(|pending| {
            if pending.is_empty() {
                println!("snapshots: unchanged");
            } else {
                println!("snapshots: {} pending", pending.len());
                for p in pending {
                    println!("  {}", p.strip_prefix(root).unwrap_or(&p).display());
                }
            }
        })
    } else {
        println!("snapshots: skipped (--no-snapshots)");
        Ok(())
    };

    // 6. The classified API diff.
    println!("\nAPI diff (old patched spec -> new patched spec):");
    match &old_patched {
        Ok(old) => println!("{}", diff(old, &patched)),
        Err(e) => println!("(skipped: the previous patched spec did not build: {e})"),
    }
    snapshot_result?;
    println!(
        "\nNext: `cargo insta review` to accept the snapshot changes, `cargo xtask check`, then commit."
    );
    Ok(())
}
