use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;

use crate::{PipelineError, operations, parse_openapi, render_operations_table};

/// Schemas that carry secrets (client secret, tokens, PKCE verifier). The
/// overlay replaces them with hand-written types whose `Debug` redacts the
/// secrets, so no generated type can print one.
pub const SECRET_BEARING_TYPES: [(&str, &str); 5] = [
    ("TokenRequest", "crate::auth::TokenRequest"),
    ("TokenResponse", "crate::auth::TokenResponse"),
    ("RevokeRequest", "crate::auth::RevokeRequest"),
    ("SignupResponse", "crate::auth::SignupResponse"),
    ("SignupVerifyResponse", "crate::auth::TokenResponse"),
];

/// Schemas the PDFs show in more than one shape (`oneOf` in the patched
/// spec); the overlay's types accept every shape.
pub const MANY_SHAPED_TYPES: [(&str, &str); 3] = [
    ("MimeTypes", "crate::shapes::MimeTypes"),
    ("FileSize", "crate::shapes::FileSize"),
    ("AccountFlag", "crate::shapes::AccountFlag"),
];

/// Enums whose values the PDFs list but whose future values must not fail a
/// whole response: the overlay's types keep an unknown value verbatim.
pub const OPEN_ENUM_TYPES: [(&str, &str); 1] = [("Gender", "crate::shapes::Gender")];

/// The pipeline's outputs, written to `OUT_DIR` by build.rs.
#[derive(Clone, Debug)]
pub struct GeneratedCode {
    /// The progenitor client and types, formatted.
    pub client: String,
    /// The operations table for the overlay's runtime (auth, signing, tracing).
    pub operations: String,
}

fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type("crate::client::ClientState".parse().expect("valid tokens"))
        .with_hooks(HooksMode::Expected)
        .with_derive("PartialEq");
    for (schema, rust) in SECRET_BEARING_TYPES
        .into_iter()
        .chain(MANY_SHAPED_TYPES)
        .chain(OPEN_ENUM_TYPES)
    {
        settings.with_replacement(schema, rust, std::iter::empty());
    }
    settings
}

/// Generates the client from the generation view; `spec` (the full patched
/// spec) feeds the operations table, which also covers the multipart operations.
pub fn generate(spec: &Value, view: &Value) -> Result<GeneratedCode, PipelineError> {
    let openapi = parse_openapi(view)?;
    let tokens = Generator::new(&settings())
        .generate_tokens(&openapi)
        .map_err(|e| PipelineError::Generation {
            operation: isolate_failing_operation(view),
            reason: e.to_string(),
        })?;
    let mut file = syn::parse2::<syn::File>(tokens).map_err(|e| PipelineError::Generation {
        operation: None,
        reason: format!("progenitor emitted unparsable code: {e}"),
    })?;
    let table = operations(spec);
    // progenitor names an operation by its id in snake case (upstream ids
    // may have spaces until a patch names them).
    let index_of = |id: &str| {
        use heck::ToSnakeCase as _;
        table
            .iter()
            .position(|op| op.id == id || op.id.to_snake_case() == id)
    };
    crate::rewrite::rewrite_operations(&mut file, &index_of)?;
    crate::fields::mark_blank_is_absent(&mut file, &crate::fields::blank_is_absent_fields(view))?;
    crate::identity::mask_identity_numbers(
        &mut file,
        &crate::identity::identity_number_fields(view),
    )?;
    let noted = crate::raw_docs::add_raw_builder_notes(&mut file);
    if noted != crate::raw_docs::RAW_WITH_OVERLAY.len() {
        return Err(PipelineError::Generation {
            operation: None,
            reason: format!(
                "{noted} of {} raw builders with a checked overlay were found to document",
                crate::raw_docs::RAW_WITH_OVERLAY.len()
            ),
        });
    }
    Ok(GeneratedCode {
        client: prettyplease::unparse(&file),
        operations: render_operations_table(&table),
    })
}

/// Re-runs generation one operation at a time to name the one progenitor rejects.
fn isolate_failing_operation(view: &Value) -> Option<String> {
    let paths = view.get("paths")?.as_object()?;
    for (path, item) in paths {
        for (method, op) in item.as_object()? {
            let mut single = view.clone();
            let only = serde_json::json!({ method.clone(): op.clone() });
            single["paths"] = serde_json::json!({ path.clone(): only });
            let ok = parse_openapi(&single)
                .ok()
                .and_then(|o| {
                    std::panic::catch_unwind(|| {
                        Generator::new(&settings()).generate_tokens(&o).ok()
                    })
                    .ok()
                    .flatten()
                })
                .is_some();
            if !ok {
                return op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(String::from);
            }
        }
    }
    None
}
