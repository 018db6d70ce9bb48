//! `cargo xtask check`: everything CI verifies about spec/ and patches/.

use std::fmt::Write as _;
use std::path::Path;

use digilocker_authpartner_codegen::{
    Layout, SPEC_FILE, check_method_names, check_references, check_type_names, generate,
    generation_view, lint_patches, load_patches, parse_openapi, patch_stats,
    patched_spec_with_notes, read_spec,
};

use crate::failure::{Failure, Result};
use crate::lint::{self, Outcome};
use crate::naming;
use crate::provenance;
use crate::snapshots;
use crate::spec_file::canonical_json;

#[derive(Default)]
struct Report {
    ok: usize,
    failed: usize,
    skipped: usize,
}

impl Report {
    fn ok(&mut self, name: &str, message: impl AsRef<str>) {
        self.ok += 1;
        println!("ok    {name}: {}", message.as_ref());
    }

    fn fail(&mut self, name: &str, message: impl AsRef<str>) {
        self.failed += 1;
        let mut lines = message.as_ref().lines();
        println!("FAIL  {name}: {}", lines.next().unwrap_or(""));
        for line in lines {
            println!("        {line}");
        }
    }

    fn note(&mut self, name: &str, message: impl AsRef<str>) {
        let mut lines = message.as_ref().lines();
        println!("note  {name}: {}", lines.next().unwrap_or(""));
        for line in lines {
            println!("        {line}");
        }
    }

    fn skip(&mut self, name: &str, message: impl AsRef<str>) {
        self.skipped += 1;
        println!("skip  {name}: {}", message.as_ref());
    }

    fn check<T>(
        &mut self,
        name: &str,
        result: Result<T>,
        ok: impl FnOnce(&T) -> String,
    ) -> Option<T> {
        match result {
            Ok(v) => {
                self.ok(name, ok(&v));
                Some(v)
            }
            Err(e) => {
                self.fail(name, e.0);
                None
            }
        }
    }
}

/// `cargo xtask check`.
pub fn run(root: &Path) -> Result {
    let layout = Layout::at(root);
    let mut report = Report::default();

    let patches = load_patches(&layout.patches).unwrap_or_default();
    let patched = report.check(
        "patches",
        patched_spec_with_notes(&layout).map_err(Failure::from),
        |_| format!("all {} patch files apply", patches.len()),
    );
    let spec = patched.as_ref().map(|p| p.spec.clone());
    if let Some(patched) = &patched {
        for note in &patched.notes {
            report.note("patches", note.to_string());
        }
        if let Ok(upstream) = read_spec(&layout.spec) {
            let violations = lint_patches(&upstream, &patches);
            if violations.is_empty() {
                let stats = patch_stats(&upstream, &patches);
                let untouched = |m: &std::collections::BTreeMap<String, _>| {
                    m.values()
                        .filter(|s| **s == digilocker_authpartner_codegen::Standing::Untouched)
                        .count()
                };
                report.ok(
                    "patch rules",
                    format!(
                        "every change is guarded by a narrow test ({} of {} schemas and {} of {} operations untouched; `cargo xtask patch-stats` for details)",
                        untouched(&stats.schemas),
                        stats.schemas.len(),
                        untouched(&stats.operations),
                        stats.operations.len()
                    ),
                );
            } else {
                report.fail("patch rules", violations.join("\n"));
            }
        }
    }
    if let Some(spec) = &spec {
        let view = generation_view(spec);
        report.check(
            "references",
            check_references(spec).map_err(Failure::from),
            |_| "every $ref and security scheme resolves".into(),
        );
        report.check(
            "method names",
            check_method_names(spec)
                .map_err(Failure::from)
                .and_then(|()| naming::check_overlay_clash(root, spec)),
            |_| "no two operations, and no operation and overlay method, share a name".into(),
        );
        if let Some(message) = naming::derived_names_message(spec, &patches) {
            report.note("method names", message);
        }
        report.check(
            "type names",
            check_type_names(&view).map_err(Failure::from),
            |_| "no two schemas share a Rust type name".into(),
        );
        report.check(
            "openapiv3",
            parse_openapi(spec).map_err(Failure::from),
            |api| {
                let operations: usize = api
                    .paths
                    .paths
                    .values()
                    .filter_map(|p| p.as_item())
                    .map(|i| i.iter().count())
                    .sum();
                format!(
                    "the patched spec parses (OpenAPI {}, {operations} operations)",
                    api.openapi
                )
            },
        );
        report.check(
            "generation",
            generate(spec, &view).map_err(Failure::from),
            |code| {
                format!(
                    "progenitor generated the client ({} lines)",
                    code.client.lines().count()
                )
            },
        );
    } else {
        report.skip(
            "patch rules, references, names, openapiv3, generation, lint",
            "need the patched spec",
        );
    }

    report.check("provenance", check_provenance(root, &layout), |_| {
        format!("sha256 in spec/PROVENANCE.md matches spec/{SPEC_FILE}")
    });

    let pending = snapshots::pending(root);
    if pending.is_empty() {
        report.ok(
            "snapshots",
            "none pending (*.snap.new, *.pending-snap) under tests/",
        );
    } else {
        let mut message = format!(
            "{} pending snapshot file(s); run `cargo insta review` (or delete them):",
            pending.len()
        );
        for p in &pending {
            let _ = write!(message, "\n{}", p.strip_prefix(root).unwrap_or(p).display());
        }
        report.fail("snapshots", message);
    }

    if let Some(spec) = &spec {
        lint_all(root, spec, &mut report)?;
    }

    let total = report.ok + report.failed + report.skipped;
    if report.failed > 0 {
        return Err(Failure(format!(
            "check failed: {} of {total} checks failed",
            report.failed
        )));
    }
    println!(
        "check passed ({} ok, {} skipped)",
        report.ok, report.skipped
    );
    Ok(())
}

fn check_provenance(root: &Path, layout: &Layout) -> Result {
    let recorded = provenance::recorded_sha256(root)?;
    let bytes = std::fs::read(&layout.spec).map_err(Failure::io(&layout.spec))?;
    let actual = provenance::sha256_hex(&bytes);
    if recorded == actual {
        Ok(())
    } else {
        Err(Failure(format!(
            "spec/{SPEC_FILE} has sha256 {actual}, spec/PROVENANCE.md records {recorded}\n\
             spec/ is never edited by hand: restore it, or vendor a new upstream with `cargo xtask update-spec`"
        )))
    }
}

fn lint_all(root: &Path, spec: &serde_json::Value, report: &mut Report) -> Result {
    let tmp = tempfile::tempdir().map_err(|e| Failure(format!("cannot create a temp dir: {e}")))?;
    let file = tmp.path().join("patched.openapi.json");
    std::fs::write(&file, canonical_json(spec)).map_err(Failure::io(&file))?;
    for (name, result) in [
        ("redocly", lint::redocly(root, &file)),
        ("spectral", lint::spectral(root, &file)),
    ] {
        match result {
            Err(e) => report.fail(name, e.0),
            Ok(Outcome::Skipped(why)) if crate::tools::in_ci() => {
                report.fail(name, format!("linter missing in CI: {why}"))
            }
            Ok(Outcome::Skipped(why)) => report.skip(
                name,
                format!("lint skipped (a failure under CI=true): {why}"),
            ),
            Ok(Outcome::Ran(f)) => {
                let mut message = format!(
                    "{} error{}, {} warning{}",
                    f.errors,
                    if f.errors == 1 { "" } else { "s" },
                    f.warnings,
                    if f.warnings == 1 { "" } else { "s" },
                );
                if !f.warning_rules.is_empty() {
                    let rules: Vec<String> = f
                        .warning_rules
                        .iter()
                        .map(|(rule, n)| {
                            if *n == 1 {
                                rule.clone()
                            } else {
                                format!("{rule} ×{n}")
                            }
                        })
                        .collect();
                    let _ = write!(message, " ({})", rules.join(", "));
                }
                if f.errors == 0 {
                    report.ok(name, message);
                } else {
                    for line in &f.error_lines {
                        let _ = write!(message, "\n{line}");
                    }
                    report.fail(name, message);
                }
            }
        }
    }
    Ok(())
}
