use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use serde_json::Value;

use crate::PipelineError;

/// Fails when two different schemas would get the same Rust type name.
///
/// typify names a type after its component name or its `title`, and inline
/// request and response schemas after `<OperationId>Body` / `<OperationId>Response`.
/// When two different schemas share a name it silently reuses the first type,
/// so a response would decode as another operation's type.
pub fn check_type_names(spec: &Value) -> Result<(), PipelineError> {
    let mut seen: BTreeMap<String, (String, Value)> = BTreeMap::new();
    let mut claim = |name: String, location: String, schema: &Value| -> Result<(), PipelineError> {
        let mut normalised = schema.clone();
        if let Some(o) = normalised.as_object_mut() {
            o.remove("title");
        }
        match seen.get(&name) {
            Some((first, other)) if *other != normalised => Err(PipelineError::TypeNameCollision {
                name,
                first: first.clone(),
                second: location,
            }),
            Some(_) => Ok(()),
            None => {
                seen.insert(name, (location, normalised));
                Ok(())
            }
        }
    };
    if let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            let pointer = format!("#/components/schemas/{name}");
            claim(name.to_upper_camel_case(), pointer.clone(), schema)?;
            walk_titles(schema, &pointer, &mut claim)?;
        }
    }
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or(method);
                let at = format!("{} {path}", method.to_uppercase());
                inline_schemas(op, "/requestBody/content", &mut |schema, mt| {
                    claim(
                        format!("{}Body", id.to_upper_camel_case()),
                        format!("{at} request body ({mt})"),
                        schema,
                    )
                })?;
                if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                    for (status, _) in responses {
                        let media_ptr = format!("/responses/{status}/content");
                        inline_schemas(op, &media_ptr, &mut |schema, mt| {
                            claim(
                                format!("{}Response", id.to_upper_camel_case()),
                                format!("{at} response {status} ({mt})"),
                                schema,
                            )
                        })?;
                    }
                }
                walk_titles(op, &at, &mut claim)?;
            }
        }
    }
    Ok(())
}

type Claim<'a> = dyn FnMut(String, String, &Value) -> Result<(), PipelineError> + 'a;

fn inline_schemas(
    op: &Value,
    media_ptr: &str,
    f: &mut dyn FnMut(&Value, &str) -> Result<(), PipelineError>,
) -> Result<(), PipelineError> {
    if let Some(content) = op.pointer(media_ptr).and_then(Value::as_object) {
        for (mt, media) in content {
            if !mt.contains("json") && !mt.contains("form") {
                continue;
            }
            if let Some(schema) = media.get("schema")
                && schema.get("$ref").is_none()
                && schema.get("type") == Some(&"object".into())
            {
                f(schema, mt)?;
            }
        }
    }
    Ok(())
}

fn walk_titles(v: &Value, at: &str, claim: &mut Claim<'_>) -> Result<(), PipelineError> {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                let here = format!("{at}/{k}");
                if let Some(title) = child.get("title").and_then(Value::as_str)
                    && (child.get("type").is_some() || child.get("properties").is_some())
                {
                    claim(title.to_upper_camel_case(), here.clone(), child)?;
                }
                walk_titles(child, &here, claim)?;
            }
            Ok(())
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, child)| walk_titles(child, &format!("{at}/{i}"), claim)),
        _ => Ok(()),
    }
}
