//! A classified diff of the API between two patched specs.
//!
//! [`diff`] compares operations (keyed by HTTP method and path) and component
//! schemas (keyed by name) and labels every change **breaking** or
//! **additive** for users of the generated client. The client uses
//! progenitor's Builder interface (`client.op().param(v).send()`) and typify's
//! type builders, which decides most labels:
//!
//! | change | label | why |
//! |---|---|---|
//! | operation added | additive | a new `Client` method |
//! | operation removed | breaking | the method disappears |
//! | operationId changed | breaking | the method is renamed |
//! | parameter added, optional | additive | a new builder setter; unset means absent |
//! | parameter added, required | breaking | existing calls fail at `send()` (`… was not initialized`) |
//! | parameter removed | breaking | its setter disappears |
//! | parameter type changed | breaking | the setter takes another type |
//! | parameter optional → required | breaking | calls without it now fail at `send()` |
//! | parameter required → optional | additive | the setter keeps its signature; omitting it becomes legal |
//! | request body added, removed, or its type or media type changed | breaking | the `body()` setter changes |
//! | request body optional → required / required → optional | breaking / additive | as for parameters |
//! | success response type changed, added or removed | breaking | `ResponseValue<T>` changes |
//! | operation newly deprecated | additive | a warning, nothing stops compiling |
//! | type added | additive | a new type |
//! | type removed | breaking | the type disappears |
//! | field added, optional | additive | builders default it to `None`; readers gain a field |
//! | field added, required, type used in a request | breaking | the type's builder fails without it |
//! | field added, required, type used in responses only | additive | users read response types, never build them |
//! | field removed | breaking | the struct field disappears |
//! | field type changed | breaking | the struct field's type changes |
//! | enum values added, type used in requests only | additive | more values can be sent |
//! | enum values added (in a response) or removed | breaking | exhaustive `match`es stop compiling |
//! | field required ↔ optional, or nullable changed | breaking | `T` vs `Option<T>` |
//! | collection field required ↔ optional, type used in responses only | additive | typify keeps `Vec<T>` / `Map` with `#[serde(default)]` |
//! | success response: no body ↔ empty object | additive | neither carries values |
//! | field starts or stops reading a blank value as `None` | breaking | `Some("")` vs `None` |
//! | additional properties added, removed or changed | breaking | the type's shape changes |
//! | a non-object type's shape changed | breaking | |
//!
//! A type reachable from both requests and responses follows the request rules.
//! Parameters and bodies of generated operations are compared in the
//! generation view, which is what their builders take.
//! Fields the signing layer owns (`clientid`, `ts`, `hmac` in signed request
//! types) are not in the Rust types and are ignored. Labels describe the builder
//! and field-access use of the client: adding a field still breaks code that
//! builds a generated struct with a struct literal or matches it exhaustively;
//! such code is outside the supported use.

use std::collections::BTreeMap;
use std::fmt;

use heck::ToUpperCamelCase;
use serde_json::Value;

use crate::generate::SECRET_BEARING_TYPES;
use crate::surface::{
    Field, Usage, additional_properties, enum_values, fields, parameters, request_body, rust_type,
    schema_usage, signed_schemas, spec_operations, success_response,
};

/// Whether a change can break users' code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Existing user code may stop compiling or start failing.
    Breaking,
    /// Existing user code keeps working.
    Additive,
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Breaking => "breaking",
            Self::Additive => "additive",
        })
    }
}

/// What a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// An operation (a `Client` method).
    Operation,
    /// A component schema (a generated type).
    Type,
}

/// One classified change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Breaking or additive.
    pub impact: Impact,
    /// Operation or type.
    pub scope: Scope,
    /// `POST /account/2/verify (verify_account)` or a type name.
    pub subject: String,
    /// What changed, e.g. ``field `dob` removed``.
    pub detail: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}  {}: {}", self.impact, self.subject, self.detail)
    }
}

/// The classified API changes between two patched specs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiDiff {
    /// Every change, operations first (by path and method), then types (by name).
    pub changes: Vec<Change>,
}

impl ApiDiff {
    /// The number of breaking changes.
    pub fn breaking(&self) -> usize {
        self.count(Impact::Breaking)
    }

    /// The number of additive changes.
    pub fn additive(&self) -> usize {
        self.count(Impact::Additive)
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The summary line, e.g. `2 breaking, 3 additive`.
    pub fn summary(&self) -> String {
        format!("{} breaking, {} additive", self.breaking(), self.additive())
    }

    fn count(&self, impact: Impact) -> usize {
        self.changes.iter().filter(|c| c.impact == impact).count()
    }
}

impl fmt::Display for ApiDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            writeln!(f, "No API change.")?;
        }
        for (scope, title) in [(Scope::Operation, "Operations"), (Scope::Type, "Types")] {
            let mut changes = self.changes.iter().filter(|c| c.scope == scope).peekable();
            if changes.peek().is_some() {
                writeln!(f, "{title}:")?;
                for c in changes {
                    writeln!(f, "  {c}")?;
                }
            }
        }
        write!(f, "{}", self.summary())
    }
}

/// Compares two patched specs; see the module docs for the labelling rules.
pub fn diff(old: &Value, new: &Value) -> ApiDiff {
    let mut out = Changes::default();
    diff_operations(old, new, &mut out);
    diff_types(old, new, &mut out);
    ApiDiff { changes: out.0 }
}

#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, impact: Impact, scope: Scope, subject: &str, detail: String) {
        self.0.push(Change {
            impact,
            scope,
            subject: subject.to_string(),
            detail,
        });
    }
}

fn required_word(required: bool) -> &'static str {
    if required { "required" } else { "optional" }
}

fn diff_operations(old: &Value, new: &Value, out: &mut Changes) {
    type Ops<'a> = BTreeMap<(&'a str, String), (&'a Value, &'a Value)>;
    let index = |spec| -> Ops<'_> {
        spec_operations(spec)
            .into_iter()
            .map(|(path, method, item, op)| ((path, method.to_uppercase()), (item, op)))
            .collect()
    };
    let (old_ops, new_ops) = (index(old), index(new));
    let (old_view, new_view) = (crate::generation_view(old), crate::generation_view(new));
    let name =
        |path: &str, method: &str, op: &Value| crate::method_name(op, &method.to_lowercase(), path);
    let subject = |path: &str, method: &str, op: &Value| {
        format!("{method} {path} ({})", name(path, method, op))
    };
    let mut keys: Vec<&(&str, String)> = old_ops.keys().chain(new_ops.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (path, method) = (key.0, key.1.as_str());
        match (old_ops.get(key), new_ops.get(key)) {
            (Some((_, op)), None) => out.push(
                Impact::Breaking,
                Scope::Operation,
                &subject(path, method, op),
                "operation removed".into(),
            ),
            (None, Some((_, op))) => {
                let detail = match op.get("operationId").and_then(Value::as_str) {
                    Some(id) if crate::is_rust_method_name(id) => "operation added".to_string(),
                    Some(id) => format!(
                        "operation added (method name derived from the upstream operationId {id:?})"
                    ),
                    None => "operation added (no operationId: method name derived from the method and path)"
                        .to_string(),
                };
                out.push(
                    Impact::Additive,
                    Scope::Operation,
                    &subject(path, method, op),
                    detail,
                )
            }
            (Some((old_item, old_op)), Some((new_item, new_op))) => {
                let subj = subject(path, method, new_op);
                let mut push =
                    |impact, detail: String| out.push(impact, Scope::Operation, &subj, detail);
                let (before, after) = (name(path, method, old_op), name(path, method, new_op));
                if before != after {
                    push(
                        Impact::Breaking,
                        format!(
                            "operationId changed: {before} -> {after} (the Rust method is renamed)"
                        ),
                    );
                }
                // A generated builder takes what the generation view gives it
                // (an upload's media types become a parameter there).
                let (gen_old, gen_new) = (
                    view_operation(&old_view, path, method).unwrap_or(old_op),
                    view_operation(&new_view, path, method).unwrap_or(new_op),
                );
                diff_parameters(old, old_item, gen_old, new, new_item, gen_new, &mut push);
                diff_body(old, gen_old, new, gen_new, &mut push);
                let resp = |spec, op| success_response(spec, op).map(|(_, ty, _)| ty);
                match (resp(old, old_op), resp(new, new_op)) {
                    (a, b) if a == b => {}
                    // No body and an empty JSON object both carry nothing.
                    (Some(a), Some(b)) if carries_nothing(&a) && carries_nothing(&b) => push(
                        Impact::Additive,
                        format!(
                            "success response now declared as {b} (was {a}); it carries no values either way"
                        ),
                    ),
                    (a, b) => push(
                        Impact::Breaking,
                        format!(
                            "success response type changed: {} -> {}",
                            a.as_deref().unwrap_or("none"),
                            b.as_deref().unwrap_or("none")
                        ),
                    ),
                }
                let deprecated = |op: &Value| {
                    op.get("deprecated")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                };
                match (deprecated(old_op), deprecated(new_op)) {
                    (false, true) => push(Impact::Additive, "deprecated".into()),
                    (true, false) => push(Impact::Additive, "no longer deprecated".into()),
                    _ => {}
                }
            }
            (None, None) => {}
        }
    }
}

/// The generation view's operation at `path` and (upper-case) `method`, if
/// it is generated (multipart operations are not).
fn view_operation<'a>(view: &'a Value, path: &str, method: &str) -> Option<&'a Value> {
    view.get("paths")?.get(path)?.get(method.to_lowercase())
}

/// A success response type without values: no body, or an empty object.
fn carries_nothing(ty: &str) -> bool {
    ty == "()" || ty == "{}"
}

fn diff_parameters(
    old: &Value,
    old_item: &Value,
    old_op: &Value,
    new: &Value,
    new_item: &Value,
    new_op: &Value,
    push: &mut dyn FnMut(Impact, String),
) {
    let index = |spec, item, op| {
        parameters(spec, item, op)
            .into_iter()
            .map(|p| ((p.location.clone(), p.name.clone()), p))
            .collect::<BTreeMap<_, _>>()
    };
    let (before, after) = (index(old, old_item, old_op), index(new, new_item, new_op));
    for (key, p) in &before {
        if !after.contains_key(key) {
            push(
                Impact::Breaking,
                format!("{} parameter `{}` removed", p.location, p.name),
            );
        }
    }
    for (key, p) in &after {
        let Some(q) = before.get(key) else {
            push(
                if p.required {
                    Impact::Breaking
                } else {
                    Impact::Additive
                },
                format!(
                    "{} parameter `{}` added ({}, {})",
                    p.location,
                    p.name,
                    required_word(p.required),
                    p.ty
                ),
            );
            continue;
        };
        if q.ty != p.ty {
            push(
                Impact::Breaking,
                format!(
                    "{} parameter `{}` type changed: {} -> {}",
                    p.location, p.name, q.ty, p.ty
                ),
            );
        }
        if q.required != p.required {
            push(
                if p.required {
                    Impact::Breaking
                } else {
                    Impact::Additive
                },
                format!(
                    "{} parameter `{}` now {} (was {})",
                    p.location,
                    p.name,
                    required_word(p.required),
                    required_word(q.required)
                ),
            );
        }
    }
}

fn diff_body(
    old: &Value,
    old_op: &Value,
    new: &Value,
    new_op: &Value,
    push: &mut dyn FnMut(Impact, String),
) {
    match (request_body(old, old_op), request_body(new, new_op)) {
        (None, None) => {}
        (Some(b), None) => push(
            Impact::Breaking,
            format!("request body removed (was {} {})", b.media_type, b.ty),
        ),
        (None, Some(b)) => push(
            Impact::Breaking,
            format!("request body added ({} {})", b.media_type, b.ty),
        ),
        (Some(a), Some(b)) => {
            if a.media_type != b.media_type {
                push(
                    Impact::Breaking,
                    format!(
                        "request body media type changed: {} -> {}",
                        a.media_type, b.media_type
                    ),
                );
            }
            if a.ty != b.ty {
                push(
                    Impact::Breaking,
                    format!("request body type changed: {} -> {}", a.ty, b.ty),
                );
            }
            if a.required != b.required {
                push(
                    if b.required {
                        Impact::Breaking
                    } else {
                        Impact::Additive
                    },
                    format!(
                        "request body now {} (was {})",
                        required_word(b.required),
                        required_word(a.required)
                    ),
                );
            }
        }
    }
}

fn diff_types(old: &Value, new: &Value, out: &mut Changes) {
    let schemas = |spec: &Value| -> BTreeMap<String, Value> {
        spec.pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let (before, after) = (schemas(old), schemas(new));
    let usage_new = schema_usage(new);
    let usage_old = schema_usage(old);
    let (signed_old, signed_new) = (signed_schemas(old), signed_schemas(new));
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let subject = match SECRET_BEARING_TYPES.iter().find(|(n, _)| n == name) {
            Some((_, rust)) => format!("{} [hand-written {rust}]", name.to_upper_camel_case()),
            None => name.to_upper_camel_case(),
        };
        match (before.get(name), after.get(name)) {
            (Some(_), None) => out.push(
                Impact::Breaking,
                Scope::Type,
                &subject,
                "type removed".into(),
            ),
            (None, Some(_)) => {
                out.push(Impact::Additive, Scope::Type, &subject, "type added".into())
            }
            (Some(a), Some(b)) => {
                let usage = usage_new
                    .get(name)
                    .or_else(|| usage_old.get(name))
                    .copied()
                    .unwrap_or_default();
                let mut push =
                    |impact, detail: String| out.push(impact, Scope::Type, &subject, detail);
                diff_schema(
                    a,
                    b,
                    usage,
                    signed_old.contains(name),
                    signed_new.contains(name),
                    &mut push,
                );
            }
            (None, None) => {}
        }
    }
}

fn diff_schema(
    a: &Value,
    b: &Value,
    usage: Usage,
    signed_a: bool,
    signed_b: bool,
    push: &mut dyn FnMut(Impact, String),
) {
    let in_request = usage.request || !usage.response;
    let is_object = |s: &Value| s.get("properties").is_some();
    if !is_object(a) || !is_object(b) {
        let (ta, tb) = (rust_type(a), rust_type(b));
        if ta != tb {
            push(
                enum_change_impact(a, b, in_request),
                format!("type changed: {ta} -> {tb}"),
            );
        }
        return;
    }
    let index = |s: &Value, signed: bool| -> BTreeMap<String, Field> {
        fields(s, signed)
            .into_iter()
            .filter(|f| !f.signing_owned)
            .map(|f| (f.path.clone(), f))
            .collect()
    };
    let (fa, fb) = (index(a, signed_a), index(b, signed_b));
    for (path, f) in &fa {
        if !fb.contains_key(path) {
            push(
                Impact::Breaking,
                format!("field `{path}` removed (was {})", f.rust_type()),
            );
        }
    }
    for (path, f) in &fb {
        let Some(old) = fa.get(path) else {
            let impact = if f.required && in_request {
                Impact::Breaking
            } else {
                Impact::Additive
            };
            push(
                impact,
                format!(
                    "field `{path}` added ({}, {})",
                    required_word(f.required),
                    f.rust_type()
                ),
            );
            continue;
        };
        if old.ty != f.ty {
            let impact = match (field_schema(a, path), field_schema(b, path)) {
                (Some(sa), Some(sb)) => enum_change_impact(sa, sb, in_request),
                _ => Impact::Breaking,
            };
            push(
                impact,
                format!("field `{path}` type changed: {} -> {}", old.ty, f.ty),
            );
        }
        if old.blank_is_absent != f.blank_is_absent {
            push(
                Impact::Breaking,
                format!(
                    "field `{path}` {} a blank value as None",
                    if f.blank_is_absent {
                        "now reads"
                    } else {
                        "no longer reads"
                    }
                ),
            );
        }
        if old.required != f.required || old.nullable != f.nullable {
            // A collection keeps its Rust type either way (`#[serde(default)]`):
            // only a request builder that now needs it breaks.
            let same_type = old.rust_type() == f.rust_type();
            let impact = if same_type && !(in_request && f.required) {
                Impact::Additive
            } else {
                Impact::Breaking
            };
            push(
                impact,
                format!(
                    "field `{path}` now {} (was {}): {} -> {}",
                    requiredness(f),
                    requiredness(old),
                    old.rust_type(),
                    f.rust_type()
                ),
            );
        }
    }
    let (xa, xb) = (additional_properties(a), additional_properties(b));
    if xa != xb {
        push(
            Impact::Breaking,
            format!(
                "additional properties changed: {} -> {}",
                xa.as_deref().unwrap_or("none"),
                xb.as_deref().unwrap_or("none")
            ),
        );
    }
}

fn requiredness(f: &Field) -> String {
    let mut s = required_word(f.required).to_string();
    if f.nullable {
        s.push_str(", nullable");
    }
    s
}

/// The schema of a top-level field (nested paths are not resolved: they count as breaking).
fn field_schema<'a>(schema: &'a Value, path: &str) -> Option<&'a Value> {
    schema.get("properties")?.get(path)
}

/// Enum values only added, in a type only sent in requests: additive; any other change: breaking.
fn enum_change_impact(a: &Value, b: &Value, in_request_only_or_unused: bool) -> Impact {
    let strip = |s: &Value| {
        let mut s = s.clone();
        if let Some(o) = s.as_object_mut() {
            o.remove("enum");
            o.remove("description");
            o.remove("example");
        }
        s
    };
    match (enum_values(a), enum_values(b)) {
        (Some(va), Some(vb))
            if in_request_only_or_unused
                && strip(a) == strip(b)
                && va.iter().all(|v| vb.contains(v)) =>
        {
            Impact::Additive
        }
        _ => Impact::Breaking,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {
                "/user": {"get": {
                    "operationId": "get_user",
                    "parameters": [{"in": "query", "name": "id", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}}
                }},
                "/send": {"post": {
                    "operationId": "send",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SendRequest"}}}},
                    "responses": {"200": {"description": "ok"}}
                }}
            },
            "components": {"schemas": {
                "User": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string"},
                    "dob": {"type": "string"},
                    "kind": {"type": "string", "enum": ["a", "b"]}
                }},
                "SendRequest": {"type": "object", "required": ["to"], "properties": {
                    "to": {"type": "string"},
                    "mode": {"type": "string", "enum": ["x"]}
                }}
            }}
        })
    }

    fn lines(d: &ApiDiff) -> Vec<String> {
        d.changes.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn identical_specs_have_no_change() {
        let d = diff(&base(), &base());
        assert!(d.is_empty());
        assert_eq!(d.to_string(), "No API change.\n0 breaking, 0 additive");
    }

    #[test]
    fn operations_added_and_removed() {
        let mut new = base();
        let send = new["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/send")
            .unwrap();
        new["paths"]["/send2"] = send;
        assert_eq!(
            lines(&diff(&base(), &new)),
            [
                "breaking  POST /send (send): operation removed",
                "additive  POST /send2 (send): operation added",
            ]
        );
    }

    #[test]
    fn parameter_rules() {
        let mut new = base();
        let params = new["paths"]["/user"]["get"]["parameters"]
            .as_array_mut()
            .unwrap();
        params[0]["required"] = json!(false);
        params.push(json!({"in": "query", "name": "opt", "schema": {"type": "integer"}}));
        params.push(
            json!({"in": "header", "name": "must", "required": true, "schema": {"type": "string"}}),
        );
        assert_eq!(
            lines(&diff(&base(), &new)),
            [
                "breaking  GET /user (get_user): header parameter `must` added (required, String)",
                "additive  GET /user (get_user): query parameter `id` now optional (was required)",
                "additive  GET /user (get_user): query parameter `opt` added (optional, i64)",
            ]
        );
        let mut retyped = base();
        retyped["paths"]["/user"]["get"]["parameters"][0]["schema"] = json!({"type": "integer"});
        assert_eq!(
            lines(&diff(&base(), &retyped)),
            ["breaking  GET /user (get_user): query parameter `id` type changed: String -> i64"]
        );
        assert_eq!(
            lines(&diff(&retyped, &base()))[0],
            "breaking  GET /user (get_user): query parameter `id` type changed: i64 -> String"
        );
        let mut removed = base();
        removed["paths"]["/user"]["get"]["parameters"] = json!([]);
        assert_eq!(
            lines(&diff(&base(), &removed)),
            ["breaking  GET /user (get_user): query parameter `id` removed"]
        );
    }

    #[test]
    fn operation_id_body_and_response_changes_are_breaking() {
        let mut new = base();
        new["paths"]["/user"]["get"]["operationId"] = json!("fetch_user");
        new["paths"]["/user"]["get"]["responses"]["200"] = json!({"description": "ok"});
        new["paths"]["/send"]["post"]["requestBody"]["content"] = json!({"application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/SendRequest"}}});
        let d = diff(&base(), &new);
        assert_eq!(
            lines(&d),
            [
                "breaking  POST /send (send): request body media type changed: application/json -> application/x-www-form-urlencoded",
                "breaking  GET /user (fetch_user): operationId changed: get_user -> fetch_user (the Rust method is renamed)",
                "breaking  GET /user (fetch_user): success response type changed: User -> ()",
            ]
        );
        assert_eq!(d.summary(), "3 breaking, 0 additive");
    }

    #[test]
    fn field_rules_depend_on_request_or_response_use() {
        let mut new = base();
        let user = &mut new["components"]["schemas"]["User"];
        user["properties"]["email"] = json!({"type": "string"});
        user["properties"]["id"] = json!({"type": "string"});
        user["required"] = json!(["name", "id"]);
        user["properties"]["kind"]["enum"] = json!(["a", "b", "c"]);
        let send = &mut new["components"]["schemas"]["SendRequest"];
        send["properties"]["cc"] = json!({"type": "string"});
        send["properties"]["priority"] = json!({"type": "integer"});
        send["required"] = json!(["to", "priority"]);
        send["properties"]["mode"]["enum"] = json!(["x", "y"]);
        assert_eq!(
            lines(&diff(&base(), &new)),
            [
                "additive  SendRequest: field `cc` added (optional, Option<String>)",
                "additive  SendRequest: field `mode` type changed: enum(\"x\") -> enum(\"x\" | \"y\")",
                "breaking  SendRequest: field `priority` added (required, i64)",
                "additive  User: field `email` added (optional, Option<String>)",
                "additive  User: field `id` added (required, String)",
                "breaking  User: field `kind` type changed: enum(\"a\" | \"b\") -> enum(\"a\" | \"b\" | \"c\")",
            ]
        );
    }

    #[test]
    fn removed_retyped_and_requiredness_changes_are_breaking() {
        let mut new = base();
        let user = &mut new["components"]["schemas"]["User"];
        user["properties"].as_object_mut().unwrap().remove("kind");
        user["properties"]["dob"] = json!({"type": "integer", "format": "int64"});
        user["required"] = json!([]);
        new["components"]["schemas"]["Extra"] = json!({"type": "string"});
        new["components"]["schemas"]
            .as_object_mut()
            .unwrap()
            .remove("SendRequest");
        let d = diff(&base(), &new);
        assert_eq!(
            lines(&d),
            [
                "additive  Extra: type added",
                "breaking  SendRequest: type removed",
                "breaking  User: field `kind` removed (was Option<enum(\"a\" | \"b\")>)",
                "breaking  User: field `dob` type changed: String -> i64",
                "breaking  User: field `name` now optional (was required): String -> Option<String>",
            ]
        );
        assert_eq!(
            d.to_string().lines().next_back(),
            Some("4 breaking, 1 additive")
        );
        assert!(
            d.to_string()
                .starts_with("Types:\n  additive  Extra: type added\n")
        );
    }

    #[test]
    fn signing_owned_fields_are_ignored() {
        let mut old = base();
        old["paths"]["/send"]["post"]["x-digilocker-request-hash"] =
            json!({"field": "hmac", "concat": ["client_secret", "ts"]});
        let mut new = old.clone();
        new["components"]["schemas"]["SendRequest"]["properties"]["hmac"] =
            json!({"type": "string"});
        new["components"]["schemas"]["SendRequest"]["required"] = json!(["to", "hmac"]);
        assert!(diff(&old, &new).is_empty());
    }
}
