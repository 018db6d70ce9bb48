//! Method names of operations: derived names, and clashes with the overlay.

use std::fmt::Write as _;
use std::path::Path;

use digilocker_authpartner_codegen::{
    BodyKind, Patch, derived_method_names, operations, overlay_methods,
};
use serde_json::{Value, json};

use crate::failure::{Failure, Result};

/// The patch file that names operations (the first with a `replace` of an operationId).
fn naming_patch(patches: &[Patch]) -> Option<&str> {
    patches
        .iter()
        .find(|p| {
            p.patch.0.iter().any(|op| {
                matches!(op, json_patch::PatchOperation::Replace(r) if r.path.as_str().ends_with("/operationId"))
            })
        })
        .map(|p| p.file.as_str())
}

/// Explains every operation whose method name is derived from an upstream
/// operationId that is not a Rust name (or from its method and path), with
/// the operations that would name it in the patch that names operations.
pub fn derived_names_message(spec: &Value, patches: &[Patch]) -> Option<String> {
    let derived = derived_method_names(spec);
    if derived.is_empty() {
        return None;
    }
    let target = naming_patch(patches).map_or_else(
        || "a new patch file".to_string(),
        |f| format!("patches/{f}"),
    );
    let mut s = format!(
        "{} operation(s) without a Rust method name in the spec; the client derives one (snake_case, without upstream's trailing \" id\"):",
        derived.len()
    );
    for d in &derived {
        let pointer = d.pointer();
        let ops = match &d.operation_id {
            Some(id) => [
                json!({"op": "test", "path": pointer, "value": id}),
                json!({"op": "replace", "path": pointer, "value": d.rust_name}),
            ]
            .map(|v| v.to_string())
            .join(",\n      "),
            None => json!({"op": "add", "path": pointer, "value": d.rust_name}).to_string(),
        };
        let _ = write!(
            s,
            "\n  {} {}: {} -> Client::{}()\n    keep that name (it is in the API diff and the surface snapshot), or choose one in {target}:\n      {ops}",
            d.method,
            d.path,
            d.operation_id.as_deref().map_or_else(
                || "no operationId".to_string(),
                |id| format!("operationId {id:?}")
            ),
            d.rust_name,
        );
    }
    Some(s)
}

/// Fails when a generated `Client` method would have the name of a
/// hand-written overlay method in `src/` (the crate would not compile).
pub fn check_overlay_clash(root: &Path, spec: &Value) -> Result {
    let src = root.join("src");
    if !src.is_dir() {
        return Ok(());
    }
    let overlay = overlay_methods(&src).map_err(|e| Failure(e.to_string()))?;
    for op in operations(spec) {
        if op.body == BodyKind::Multipart {
            continue;
        }
        if overlay.iter().any(|m| m.name == op.id) {
            return Err(Failure(format!(
                "{} {} would generate Client::{}(), which the hand-written overlay in src/ already defines; give the operation another operationId in patches/",
                op.method, op.path, op.id
            )));
        }
    }
    Ok(())
}
