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

/// Upload's media types live under `requestBody.content` (OpenAPI 3.0
/// §4.7.12 ignores a `Content-Type` header parameter), as the PDF lists
/// them; only the generation view turns the choice into a header parameter.
#[test]
fn upload_declares_its_media_types_in_the_request_body() {
    let spec = patched();
    let op = spec
        .pointer("/paths/~1oauth2~11~1file~1upload/post")
        .unwrap();
    let content = op
        .pointer("/requestBody/content")
        .unwrap()
        .as_object()
        .unwrap();
    let types: Vec<&str> = content.keys().map(String::as_str).collect();
    assert_eq!(
        types,
        ["application/pdf", "image/jpeg", "image/jpg", "image/png"]
    );
    for media in content.values() {
        assert_eq!(media.pointer("/schema/format").unwrap(), "binary");
    }
    let headers: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        !headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case("content-type")),
        "{headers:?}"
    );

    let view = generation_view(&spec);
    let generated = view
        .pointer("/paths/~1oauth2~11~1file~1upload/post")
        .unwrap();
    let choice = generated["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Content-Type")
        .expect("the view offers the media type as a builder parameter");
    assert_eq!(choice["schema"]["enum"], serde_json::json!(types));
}

/// Push URI's 200 carries no values (Requester v1.12 p.32): an empty JSON
/// object is declared, matching what the sandbox sends.
#[test]
fn push_uri_answers_an_empty_json_object() {
    let spec = patched();
    let ok = spec
        .pointer("/paths/~1account~11~1pushuri/post/responses/200/content/application~1json/schema")
        .expect("a JSON body is declared");
    assert_eq!(ok["type"], "object");
    assert_eq!(ok["maxProperties"], 0);
    let order = spec
        .pointer("/paths/~1account~11~1pushuri/post/x-digilocker-request-hash/concat")
        .unwrap();
    let order: Vec<&str> = order
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        order[order.len() - 3..],
        ["ts", "doccontent", "datacontent"]
    );
}

/// The generated client, from the same pipeline build.rs runs.
fn generated_client() -> String {
    let spec = patched();
    digilocker_authpartner_codegen::generate(&spec, &generation_view(&spec))
        .unwrap_or_else(|e| panic!("{e}"))
        .client
}

/// The shape of one generated operation: its builder struct and `impl`
/// (setters, the error mapping, the transport call, the response decoding).
/// A progenitor upgrade or a rewrite change that alters it is a visible diff.
#[test]
fn generated_operation_shape() {
    let builder = digilocker_authpartner_codegen::builder_source(
        &generated_client(),
        "GetUploadedDocumentsInFolder",
    )
    .expect("the builder exists");
    insta::assert_snapshot!("generated_operation_shape", builder);
}

/// Every field type the surface snapshot prints is the generated one in
/// its wrappers (`Option`, `Vec`, bare), so the snapshot and `api-diff` see
/// what users compile against.
#[test]
fn surface_field_types_match_the_generated_code() {
    let spec = patched();
    let generated = digilocker_authpartner_codegen::struct_field_types(&generated_client());
    let surface = digilocker_authpartner_codegen::surface_field_types(&spec);
    let shape = |ty: &str| {
        let mut wrappers = Vec::new();
        let mut rest = ty;
        for w in ["Option<", "Vec<", "Map<", "HashMap<"] {
            if let Some(inner) = rest.strip_prefix(w) {
                wrappers.push(if w == "HashMap<" { "Map<" } else { w });
                rest = inner;
            }
        }
        wrappers
    };
    let mut compared = 0;
    for (name, fields) in &surface {
        let Some(real) = generated.get(name) else {
            continue; // replaced by a hand-written type, or not a struct
        };
        for (field, ty) in fields {
            let real_ty = real
                .get(field)
                .unwrap_or_else(|| panic!("{name}.{field} is not in the generated struct"));
            assert_eq!(
                shape(ty),
                shape(real_ty),
                "{name}.{field}: surface {ty}, generated {real_ty}"
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} fields compared");
}
