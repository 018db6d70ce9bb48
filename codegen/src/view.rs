use serde_json::Value;

/// Body fields the client's signing layer fills in (`clientid`, `ts`, `hmac`),
/// so users never set them and the generated request types leave them out.
pub const SIGNING_OWNED_FIELDS: [&str; 3] = ["clientid", "ts", "hmac"];

/// The view of the patched spec that progenitor generates from.
///
/// It differs from the patched spec in three documented ways:
/// - every operation's operationId is its `Client` method name
///   ([`crate::method_name`]), so an upstream-style id such as
///   `"Get Document Count id"` or a missing one never reaches progenitor;
/// - operations with a `multipart/form-data` body are left out (progenitor
///   0.15 cannot generate multipart); their schemas stay, so their request and
///   response types are still generated, and the overlay sends them;
/// - request schemas of signed operations (those with an
///   `x-digilocker-request-hash` extension) lose the fields the signing layer
///   owns, [`SIGNING_OWNED_FIELDS`].
pub fn generation_view(spec: &Value) -> Value {
    let mut view = spec.clone();
    let mut signed_schemas = Vec::new();
    if let Some(paths) = view.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if crate::names::HTTP_METHODS.contains(&method.as_str()) {
                    let name = crate::method_name(op, method, path);
                    if let Some(o) = op.as_object_mut() {
                        o.insert("operationId".into(), Value::String(name));
                    }
                }
                if op.get("x-digilocker-request-hash").is_some()
                    && let Some(name) = body_schema_name(op)
                {
                    signed_schemas.push(name);
                }
            }
            item.retain(|_, op| !is_multipart(op));
        }
        paths.retain(|_, item| item.as_object().is_none_or(|o| !o.is_empty()));
    }
    for name in signed_schemas {
        if let Some(schema) = view.pointer_mut(&format!("/components/schemas/{name}")) {
            strip_signing_fields(schema);
        }
    }
    view
}

/// Whether an operation's request body is `multipart/form-data`.
pub(crate) fn is_multipart(op: &Value) -> bool {
    op.pointer("/requestBody/content/multipart~1form-data")
        .is_some()
}

/// The component name an operation's request body references, if any.
pub(crate) fn body_schema_name(op: &Value) -> Option<String> {
    let content = op.pointer("/requestBody/content")?.as_object()?;
    let (_, media) = content.iter().next()?;
    let reference = media.pointer("/schema/$ref")?.as_str()?;
    reference
        .strip_prefix("#/components/schemas/")
        .map(str::to_string)
}

fn strip_signing_fields(schema: &mut Value) {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for f in SIGNING_OWNED_FIELDS {
            props.remove(f);
        }
        if props.is_empty() {
            // An object without properties would become a free-form map;
            // closing it yields an empty struct the builder can default.
            schema["additionalProperties"] = Value::Bool(false);
        }
    }
    if let Some(req) = schema.get_mut("required").and_then(Value::as_array_mut) {
        req.retain(|v| {
            v.as_str()
                .is_none_or(|s| !SIGNING_OWNED_FIELDS.contains(&s))
        });
        if req.is_empty()
            && let Some(obj) = schema.as_object_mut()
        {
            obj.remove("required");
        }
    }
}
