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

/// Whether `id` can be used as it is as a generated `Client` method name:
/// a snake_case Rust identifier that is not a keyword.
pub fn is_rust_method_name(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && syn::parse_str::<syn::Ident>(id).is_ok()
}

/// The `Client` method name of an operation.
///
/// An operationId that already is a snake_case Rust name is used as it is
/// (every upstream operation is named by `patches/0001-operation-ids.json`).
/// Otherwise the name is derived deterministically: upstream's trailing ` id`
/// word is dropped (`"Get Document Count id"` → `get_document_count`), the rest
/// is converted to snake_case, a leading digit gets an `op_` prefix and a
/// keyword a trailing `_`. An operation without an operationId is named after
/// its method and path (`GET /oauth2/1/files/count` → `get_oauth2_1_files_count`).
pub fn method_name(op: &Value, method: &str, path: &str) -> String {
    match op.get("operationId").and_then(Value::as_str) {
        Some(id) if is_rust_method_name(id) => id.to_string(),
        Some(id) => derive_method_name(id),
        None => derive_method_name(&format!("{method} {path}")),
    }
}

fn derive_method_name(text: &str) -> String {
    use heck::ToSnakeCase;
    let words: String = text
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let trimmed = words.trim_end();
    let trimmed = match trimmed.rsplit_once(' ') {
        Some((head, last)) if last.eq_ignore_ascii_case("id") && !head.trim().is_empty() => head,
        _ => trimmed,
    };
    let snake: String = trimmed
        .to_snake_case()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let snake = match snake.chars().next() {
        None => "operation".to_string(),
        Some(c) if c.is_ascii_digit() => format!("op_{snake}"),
        Some(_) => snake,
    };
    if is_rust_method_name(&snake) {
        snake
    } else {
        format!("{snake}_")
    }
}

/// An operation whose upstream operationId is not a Rust method name, so the
/// client uses a derived name ([`method_name`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DerivedMethodName {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template.
    pub path: String,
    /// The operationId in the patched spec, if there is one.
    pub operation_id: Option<String>,
    /// The method name the client uses.
    pub rust_name: String,
}

impl DerivedMethodName {
    /// The JSON pointer of the operation's operationId.
    pub fn pointer(&self) -> String {
        format!(
            "/paths/{}/{}/operationId",
            self.path.replace('~', "~0").replace('/', "~1"),
            self.method.to_lowercase()
        )
    }
}

/// Every operation of `spec` whose client method name is derived rather than given.
pub fn derived_method_names(spec: &Value) -> Vec<DerivedMethodName> {
    let mut out = Vec::new();
    for (path, method, op) in each_operation(spec) {
        let id = op.get("operationId").and_then(Value::as_str);
        if id.is_some_and(is_rust_method_name) {
            continue;
        }
        out.push(DerivedMethodName {
            method: method.to_uppercase(),
            path: path.to_string(),
            operation_id: id.map(String::from),
            rust_name: method_name(op, method, path),
        });
    }
    out
}

/// Fails when two operations would get the same `Client` method name.
pub fn check_method_names(spec: &Value) -> Result<(), PipelineError> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, method, op) in each_operation(spec) {
        let name = method_name(op, method, path);
        let here = format!("{} {path}", method.to_uppercase());
        if let Some(first) = seen.insert(name.clone(), here.clone()) {
            return Err(PipelineError::MethodNameCollision {
                name,
                first,
                second: here,
            });
        }
    }
    Ok(())
}

/// The HTTP methods an OpenAPI path item can hold operations under.
pub(crate) const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of a spec: `(path, method, operation)`.
pub(crate) fn each_operation(spec: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for (method, op) in item {
                    if HTTP_METHODS.contains(&method.as_str()) {
                        out.push((path.as_str(), method.as_str(), op));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod method_name_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn given_snake_case_names_are_kept() {
        assert_eq!(
            method_name(&json!({"operationId": "get_file"}), "get", "/f"),
            "get_file"
        );
        assert!(is_rust_method_name("get_eaadhaar_xml_v2"));
        for bad in [
            "Get File", "getFile", "get-file", "", "1st", "type", "fn", "gét",
        ] {
            assert!(!is_rust_method_name(bad), "{bad}");
        }
    }

    #[test]
    fn upstream_style_ids_get_a_deterministic_snake_case_name() {
        let name = |id: &str| method_name(&json!({"operationId": id}), "get", "/x");
        assert_eq!(name("Get Document Count id"), "get_document_count");
        assert_eq!(
            name("Get List of issued Documents Version1 id"),
            "get_list_of_issued_documents_version1"
        );
        assert_eq!(name("getaccesstoken id"), "getaccesstoken");
        assert_eq!(name("SIGN UP id"), "sign_up");
        assert_eq!(name("get token-revocation/id"), "get_token_revocation");
        assert_eq!(name("getFile"), "get_file");
        assert_eq!(name("id"), "id");
        assert_eq!(name("2 factor"), "op_2_factor");
        assert_eq!(name("Type"), "type_");
        assert_eq!(name("!!!"), "operation");
        assert_eq!(
            method_name(&json!({}), "get", "/oauth2/1/files/count"),
            "get_oauth2_1_files_count"
        );
        assert_eq!(method_name(&json!({}), "post", "/x/{id}"), "post_x");
    }

    #[test]
    fn derived_names_are_listed_and_collisions_rejected() {
        let spec = json!({"paths": {
            "/a": {"get": {"operationId": "get_a"}, "parameters": []},
            "/b": {"get": {"operationId": "Get B id"}},
            "/c": {"post": {}}
        }});
        let derived = derived_method_names(&spec);
        assert_eq!(derived.len(), 2);
        assert_eq!(derived[0].rust_name, "get_b");
        assert_eq!(derived[0].pointer(), "/paths/~1b/get/operationId");
        assert_eq!(derived[1].rust_name, "post_c");
        assert_eq!(derived[1].operation_id, None);
        check_method_names(&spec).unwrap();
        let clash = json!({"paths": {
            "/a": {"get": {"operationId": "get_a"}},
            "/b": {"get": {"operationId": "Get A id"}}
        }});
        match check_method_names(&clash) {
            Err(PipelineError::MethodNameCollision {
                name,
                first,
                second,
            }) => {
                assert_eq!(
                    (name.as_str(), first.as_str(), second.as_str()),
                    ("get_a", "GET /a", "GET /b")
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
