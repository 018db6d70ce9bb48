use serde_json::Value;

use crate::PipelineError;
use crate::names::each_operation;

/// Fails when a local `$ref` points to nothing, or a security requirement
/// names a scheme that `components/securitySchemes` does not declare.
///
/// Patches remove unused upstream components without testing their content;
/// this guard makes sure nothing still uses them.
pub fn check_references(spec: &Value) -> Result<(), PipelineError> {
    walk_refs(spec, spec, &mut String::new())?;
    let schemes = spec.pointer("/components/securitySchemes");
    let declared = |name: &str| schemes.and_then(|s| s.get(name)).is_some();
    let mut lists: Vec<(String, &Value)> = Vec::new();
    if let Some(global) = spec.get("security") {
        lists.push(("/security".into(), global));
    }
    for (path, method, op) in each_operation(spec) {
        if let Some(list) = op.get("security") {
            let at = format!(
                "/paths/{}/{method}/security",
                path.replace('~', "~0").replace('/', "~1")
            );
            lists.push((at, list));
        }
    }
    for (at, list) in lists {
        for requirement in list.as_array().into_iter().flatten() {
            for name in requirement.as_object().into_iter().flat_map(|o| o.keys()) {
                if !declared(name) {
                    return Err(PipelineError::UnknownSecurityScheme {
                        at,
                        name: name.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

fn walk_refs(root: &Value, v: &Value, at: &mut String) -> Result<(), PipelineError> {
    match v {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str)
                && let Some(pointer) = reference.strip_prefix('#')
                && root.pointer(pointer).is_none()
            {
                return Err(PipelineError::DanglingReference {
                    at: at.clone(),
                    reference: reference.to_string(),
                });
            }
            for (k, child) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                walk_refs(root, child, at)?;
                at.truncate(len);
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                walk_refs(root, child, at)?;
                at.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dangling_refs_and_unknown_schemes_are_named() {
        let ok = json!({
            "paths": {"/a": {"get": {"security": [{"bearer": []}], "responses": {"200": {"$ref": "#/components/responses/R"}}}}},
            "components": {"responses": {"R": {"description": "r"}}, "securitySchemes": {"bearer": {}}}
        });
        check_references(&ok).unwrap();
        let mut bad = ok.clone();
        bad["components"]["responses"] = json!({});
        match check_references(&bad) {
            Err(PipelineError::DanglingReference { at, reference }) => {
                assert_eq!(at, "/paths/~1a/get/responses/200");
                assert_eq!(reference, "#/components/responses/R");
            }
            other => panic!("{other:?}"),
        }
        let mut bad = ok;
        bad["components"]["securitySchemes"] = json!({"other": {}});
        match check_references(&bad) {
            Err(PipelineError::UnknownSecurityScheme { at, name }) => {
                assert_eq!(
                    (at.as_str(), name.as_str()),
                    ("/paths/~1a/get/security", "bearer")
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
