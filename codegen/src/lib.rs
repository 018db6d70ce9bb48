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

mod diff;
mod error;
mod generate;
mod names;
mod operations;
mod patches;
mod rewrite;
mod surface;
mod view;

use std::path::{Path, PathBuf};

pub use diff::{ApiDiff, Change, Impact, Scope, diff};
pub use error::PipelineError;
pub use generate::{GeneratedCode, generate};
pub use names::check_type_names;
pub use operations::{
    Auth, BodyKind, Operation, ResponseKind, operations, render_operations_table,
};
pub use patches::{Patch, apply_patches, load_patches};
pub use surface::{OverlayError, OverlayMethod, overlay_methods, parse_overlay, render_surface};
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

/// Reads the vendored spec and applies every patch in order.
pub fn patched_spec(layout: &Layout) -> Result<serde_json::Value, PipelineError> {
    let text = std::fs::read_to_string(&layout.spec).map_err(|e| PipelineError::Io {
        path: layout.spec.clone(),
        source: e,
    })?;
    let mut doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| PipelineError::Json {
            path: layout.spec.clone(),
            source: e,
        })?;
    let patches = load_patches(&layout.patches)?;
    apply_patches(&mut doc, &patches)?;
    Ok(doc)
}

/// Checks that a patched spec parses as OpenAPI 3.0 with `openapiv3`.
pub fn parse_openapi(spec: &serde_json::Value) -> Result<openapiv3::OpenAPI, PipelineError> {
    serde_json::from_value(spec.clone()).map_err(|e| PipelineError::OpenApi(e.to_string()))
}

/// Runs the whole pipeline: patch, guard type names, generate.
pub fn build(layout: &Layout) -> Result<GeneratedCode, PipelineError> {
    let spec = patched_spec(layout)?;
    parse_openapi(&spec)?;
    let view = generation_view(&spec);
    check_type_names(&view)?;
    generate(&spec, &view)
}
