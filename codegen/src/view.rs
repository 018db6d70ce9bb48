use serde_json::Value;

/// Body fields the client's signing layer fills in (`clientid`, `ts`, `hmac`),
/// so users never set them and the generated request types leave them out.
pub const SIGNING_OWNED_FIELDS: [&str; 3] = ["clientid", "ts", "hmac"];

/// The view of the patched spec that progenitor generates from.
///
/// It differs from the patched spec in four documented ways:
/// - every operation's operationId is its `Client` method name
///   ([`crate::method_name`]), so an upstream-style id such as
///   `"Get Document Count id"` or a missing one never reaches progenitor;
/// - operations with a `multipart/form-data` body are left out (progenitor
///   0.15 cannot generate multipart); their schemas stay, so their request and
///   response types are still generated, and the overlay sends them;
/// - request schemas of signed operations (those with an
///   `x-digilocker-request-hash` extension) lose the fields the signing layer
///   owns, [`SIGNING_OWNED_FIELDS`];
/// - a request body offered as several binary media types (upload: PDF,
///   JPEG, PNG) becomes one `application/octet-stream` body plus a required
///   `Content-Type` header parameter enumerating them, because progenitor
///   0.15 generates one body type per operation. The patched spec keeps the
///   truth (OpenAPI ignores a `Content-Type` header parameter); the view is
///   only how the builder takes the choice.
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
                collapse_binary_media_types(op);
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

/// Replaces a request body with several `format: binary` media types by an
/// `application/octet-stream` body and a required `Content-Type` header
/// parameter whose enum lists the media types, in the spec's order.
fn collapse_binary_media_types(op: &mut Value) {
    let Some(content) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    else {
        return;
    };
    let binary = |media: &Value| {
        media.pointer("/schema/type").and_then(Value::as_str) == Some("string")
            && media.pointer("/schema/format").and_then(Value::as_str) == Some("binary")
    };
    if content.len() < 2 || !content.values().all(binary) {
        return;
    }
    let types: Vec<Value> = content.keys().cloned().map(Value::String).collect();
    op["requestBody"]["content"] = serde_json::json!({
        "application/octet-stream": { "schema": { "type": "string", "format": "binary" } }
    });
    let header = serde_json::json!({
        "in": "header",
        "name": "Content-Type",
        "required": true,
        "description": "The file's media type; it must match the file's content.",
        "schema": { "type": "string", "enum": types }
    });
    match op.get_mut("parameters").and_then(Value::as_array_mut) {
        Some(params) => params.push(header),
        None => op["parameters"] = Value::Array(vec![header]),
    }
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn upload_spec(content: Value) -> Value {
        json!({ "paths": { "/oauth2/1/file/upload": { "post": {
            "parameters": [{ "in": "header", "name": "path", "required": true, "schema": { "type": "string" } }],
            "requestBody": { "required": true, "content": content },
            "responses": {}
        } } } })
    }

    #[test]
    fn several_binary_media_types_become_one_body_and_a_header_choice() {
        let binary = json!({ "schema": { "type": "string", "format": "binary" } });
        let spec = upload_spec(json!({
            "application/pdf": binary, "image/jpeg": binary, "image/png": binary
        }));
        let view = generation_view(&spec);
        let op = &view["paths"]["/oauth2/1/file/upload"]["post"];
        let content = op["requestBody"]["content"].as_object().unwrap();
        assert_eq!(
            content.keys().collect::<Vec<_>>(),
            ["application/octet-stream"]
        );
        let params = op["parameters"].as_array().unwrap();
        assert_eq!(params.len(), 2);
        assert_eq!(params[1]["name"], "Content-Type");
        assert_eq!(params[1]["required"], true);
        assert_eq!(
            params[1]["schema"]["enum"],
            json!(["application/pdf", "image/jpeg", "image/png"])
        );
        // The patched spec itself is untouched.
        assert!(
            spec.pointer(
                "/paths/~1oauth2~11~1file~1upload/post/requestBody/content/application~1pdf"
            )
            .is_some()
        );
    }

    #[test]
    fn one_media_type_or_a_structured_body_is_left_alone() {
        let one = upload_spec(
            json!({ "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } }),
        );
        let mixed = upload_spec(json!({
            "application/json": { "schema": { "type": "object" } },
            "image/png": { "schema": { "type": "string", "format": "binary" } }
        }));
        for spec in [one, mixed] {
            let view = generation_view(&spec);
            let op = &view["paths"]["/oauth2/1/file/upload"]["post"];
            assert_eq!(
                op["requestBody"],
                spec["paths"]["/oauth2/1/file/upload"]["post"]["requestBody"]
            );
            assert_eq!(op["parameters"].as_array().unwrap().len(), 1);
        }
    }
}
