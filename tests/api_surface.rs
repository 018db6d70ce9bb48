//! API-surface snapshots (insta) and the pipeline's guards.
//!
//! - `api_surface`: the public API surface (operations, types, overlay
//!   methods) as readable text, so a spec or overlay change is a small diff in
//!   `cargo insta review`;
//! - `patched_spec`: the patched spec itself.
//!
//! CI runs with `INSTA_UPDATE=no`, so a stale snapshot fails. After a change,
//! run `cargo insta test` (or `cargo xtask update-spec`) and `cargo insta review`.

use std::path::Path;

use digilocker_authpartner_codegen::{
    Layout, PipelineError, check_type_names, generation_view, lint_patches, load_patches,
    overlay_methods, patched_spec, render_surface,
};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn patched() -> Value {
    patched_spec(&Layout::at(root())).unwrap_or_else(|e| panic!("{e}"))
}

fn upstream() -> Value {
    let text = std::fs::read_to_string(Layout::at(root()).spec).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn api_surface() {
    let overlay = overlay_methods(&root().join("src")).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!("api_surface", render_surface(&patched(), &overlay));
}

#[test]
fn patched_spec_snapshot() {
    let text = serde_json::to_string_pretty(&patched()).unwrap();
    insta::assert_snapshot!("patched_spec", text);
}

/// The patch rules (see `patches/README.md`): every `replace`, and every
/// `remove` of a value, is guarded by a `test` on that value or one under it;
/// an op on an array element by index is in a step whose test identifies the
/// element; no `test` holds a whole schema; and every step applies.
#[test]
fn every_patch_is_narrow_and_guards_the_values_it_changes() {
    let layout = Layout::at(root());
    let patches = load_patches(&layout.patches).unwrap_or_else(|e| panic!("{e}"));
    assert!(!patches.is_empty());
    let violations = lint_patches(&upstream(), &patches);
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_type_name_guard_rejects_upstream_and_accepts_the_patched_spec() {
    let upstream = upstream();
    assert_eq!(
        count_titles(&upstream, "Sample"),
        7,
        "upstream has 7 schemas titled `Sample`"
    );
    let err = check_type_names(&generation_view(&upstream))
        .expect_err("upstream has type-name collisions");
    assert!(
        matches!(err, PipelineError::TypeNameCollision { .. }),
        "{err}"
    );

    // The 7 upstream `Sample` schemas side by side (upstream has other
    // collisions the guard may report first): the guard names `Sample`.
    let mut samples = Vec::new();
    collect_titled(&upstream, "Sample", &mut samples);
    let properties: serde_json::Map<String, Value> = samples
        .into_iter()
        .enumerate()
        .map(|(i, s)| (format!("s{i}"), s))
        .collect();
    let only_samples = serde_json::json!({
        "openapi": "3.0.2",
        "paths": {},
        "components": {"schemas": {"UpstreamSamples": {"type": "object", "properties": properties}}}
    });
    match check_type_names(&only_samples) {
        Err(PipelineError::TypeNameCollision { name, .. }) => assert_eq!(name, "Sample"),
        other => panic!("expected a `Sample` collision, got {other:?}"),
    }

    let patched = patched();
    assert_eq!(count_titles(&patched, "Sample"), 0);
    check_type_names(&generation_view(&patched)).unwrap_or_else(|e| panic!("{e}"));
}

fn count_titles(v: &Value, title: &str) -> usize {
    match v {
        Value::Object(o) => {
            usize::from(o.get("title").and_then(Value::as_str) == Some(title))
                + o.values().map(|c| count_titles(c, title)).sum::<usize>()
        }
        Value::Array(a) => a.iter().map(|c| count_titles(c, title)).sum(),
        _ => 0,
    }
}

fn collect_titled(v: &Value, title: &str, out: &mut Vec<Value>) {
    match v {
        Value::Object(o) => {
            if o.get("title").and_then(Value::as_str) == Some(title) {
                out.push(v.clone());
            }
            o.values().for_each(|c| collect_titled(c, title, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_titled(c, title, out)),
        _ => {}
    }
}
