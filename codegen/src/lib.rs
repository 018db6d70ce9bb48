//! The build pipeline of `digilocker-authpartner`.
//!
//! ```text
//! spec/*.openapi.json ──► patches/*.json (RFC 6902, in order) ──► patched spec
//!                                                                    │ generation view
//!                                                                    ▼
//!                                        progenitor ──► generated.rs + operations.rs
//! ```
//!
//! `build.rs` and `xtask` both drive this crate, so the spec that is linted,
//! snapshotted and reviewed is exactly the one the client is generated from.

mod canonical;
mod diff;
mod error;
mod fields;
mod generate;
mod identity;
mod inspect;
mod lint;
mod names;
mod operations;
mod patch_report;
mod patches;
mod raw_docs;
mod refs;
mod rewrite;
mod stats;
mod surface;
mod view;

use std::path::{Path, PathBuf};

pub use canonical::sort_keys;
pub use diff::{ApiDiff, Change, Impact, Scope, diff};
pub use error::PipelineError;
pub use fields::BLANK_IS_ABSENT;
pub use generate::{
    GeneratedCode, MANY_SHAPED_TYPES, OPEN_ENUM_TYPES, SECRET_BEARING_TYPES, generate,
};
pub use identity::{IDENTITY_NUMBER, identity_number_fields};
pub use inspect::{builder_source, struct_field_types};
pub use lint::lint_patches;
pub use names::{
    DerivedMethodName, check_method_names, check_type_names, derived_method_names,
    is_rust_method_name, method_name,
};
pub use operations::{
    Auth, BodyKind, Operation, ResponseKind, operations, render_operations_table,
};
pub use patch_report::{Cause, Difference, NoteKind, PatchNote, PatchProblem, Problem};
pub use patches::{AppliedOp, Patch, Trace, apply_patches, load_patches, steps, trace_patches};
pub use refs::check_references;
pub use stats::{PatchStats, Standing, patch_stats};
pub use surface::{
    OverlayError, OverlayMethod, overlay_methods, parse_overlay, render_surface,
    surface_field_types,
};
pub use view::{SIGNING_OWNED_FIELDS, generation_view};

/// File name of the vendored upstream spec inside `spec/`.
pub const SPEC_FILE: &str = "authpartner-1.0.0.openapi.json";

/// Where the pipeline's inputs live, relative to a checkout root.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The vendored upstream spec.
    pub spec: PathBuf,
    /// The directory of numbered JSON Patch files.
    pub patches: PathBuf,
}

impl Layout {
    /// The standard layout under `root` (`spec/` and `patches/`).
    pub fn at(root: &Path) -> Self {
        Self {
            spec: root.join("spec").join(SPEC_FILE),
            patches: root.join("patches"),
        }
    }
}

/// A patched spec and what the pipeline absorbed while patching it.
#[derive(Clone, Debug)]
pub struct Patched {
    /// The patched spec, with every object's members sorted by key.
    pub spec: serde_json::Value,
    /// Relocated and obsolete patch steps (see [`apply_patches`]).
    pub notes: Vec<PatchNote>,
}

/// Reads a spec file as JSON.
pub fn read_spec(path: &Path) -> Result<serde_json::Value, PipelineError> {
    let text = std::fs::read_to_string(path).map_err(|e| PipelineError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    serde_json::from_str(&text).map_err(|e| PipelineError::Json {
        path: path.to_path_buf(),
        source: e,
    })
}

/// Applies `patches` to `upstream` and sorts the result's keys ([`sort_keys`]).
pub fn patch_spec(
    mut upstream: serde_json::Value,
    patches: &[Patch],
) -> Result<Patched, PipelineError> {
    let notes = apply_patches(&mut upstream, patches)?;
    sort_keys(&mut upstream);
    Ok(Patched {
        spec: upstream,
        notes,
    })
}

/// Reads the vendored spec and applies every patch, keeping the notes.
pub fn patched_spec_with_notes(layout: &Layout) -> Result<Patched, PipelineError> {
    patch_spec(read_spec(&layout.spec)?, &load_patches(&layout.patches)?)
}

/// Reads the vendored spec and applies every patch in order.
pub fn patched_spec(layout: &Layout) -> Result<serde_json::Value, PipelineError> {
    patched_spec_with_notes(layout).map(|p| p.spec)
}

/// Checks that a patched spec parses as OpenAPI 3.0 with `openapiv3`.
pub fn parse_openapi(spec: &serde_json::Value) -> Result<openapiv3::OpenAPI, PipelineError> {
    serde_json::from_value(spec.clone()).map_err(|e| PipelineError::OpenApi(e.to_string()))
}

/// The guards every patched spec must pass before generation: it parses as
/// OpenAPI 3.0, every `$ref` and security scheme resolves, no two operations
/// share a method name and no two schemas a type name.
pub fn check_patched(spec: &serde_json::Value) -> Result<serde_json::Value, PipelineError> {
    parse_openapi(spec)?;
    check_references(spec)?;
    check_method_names(spec)?;
    let view = generation_view(spec);
    check_type_names(&view)?;
    Ok(view)
}

/// Runs the whole pipeline: patch, guard, generate.
pub fn build(layout: &Layout) -> Result<GeneratedCode, PipelineError> {
    let spec = patched_spec(layout)?;
    let view = check_patched(&spec)?;
    generate(&spec, &view)
}
