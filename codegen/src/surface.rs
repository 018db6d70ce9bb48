//! A readable, diff-friendly text rendering of the client's public API surface.
//!
//! [`render_surface`] lists, in a stable order with one line per parameter and
//! per field:
//! - every operation of the patched spec: HTTP method and path, the Rust method
//!   that serves it (the generated `Client::<operationId>()`, or for the
//!   `multipart/form-data` operations the hand-written overlay methods), auth,
//!   parameters, body, success response and error bodies;
//! - every component schema with its fields, Rust-ish types and required-ness;
//! - the hand-written public methods on `Client` ([`overlay_methods`]).
//!
//! `tests/api_surface.rs` snapshots it, so a spec or overlay change shows up as
//! a small diff in `cargo insta review`. The helpers here also feed
//! the API diff (`diff.rs`), so the diff and the snapshot describe types the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use heck::ToUpperCamelCase;
use serde_json::Value;

use crate::generate::SECRET_BEARING_TYPES;
use crate::operations::{Auth, operations};
use crate::view::{SIGNING_OWNED_FIELDS, body_schema_name, is_multipart};

/// A hand-written public method on `Client` (the overlay), found in `src/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverlayMethod {
    /// The method name.
    pub name: String,
    /// The signature on one line, without doc comments or body,
    /// e.g. `pub async fn verify_account(&self, uid: &str) -> Result<VerifyAccountResponse, Error>`.
    pub signature: String,
    /// The operations its doc comment names in backticks (e.g. `` `POST /account/2/verify` ``),
    /// as `(METHOD, path)`.
    pub serves: Vec<(String, String)>,
}

/// A source file under `src/` that could not be read or parsed.
#[derive(Debug)]
pub struct OverlayError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub reason: String,
}

impl fmt::Display for OverlayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl std::error::Error for OverlayError {}

/// Collects the overlay methods of every `*.rs` file under `src_dir`, sorted by name.
pub fn overlay_methods(src_dir: &Path) -> Result<Vec<OverlayMethod>, OverlayError> {
    let mut files = Vec::new();
    collect_rs_files(src_dir, &mut files)?;
    files.sort();
    let mut methods = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| OverlayError {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        methods.extend(parse_overlay(&text).map_err(|e| OverlayError {
            path: path.clone(),
            reason: format!("cannot parse: {e}"),
        })?);
    }
    methods.sort_by(|a, b| (&a.name, &a.signature).cmp(&(&b.name, &b.signature)));
    Ok(methods)
}

fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), OverlayError> {
    let err = |e: std::io::Error| OverlayError {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    };
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        if path.is_dir() {
            collect_rs_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Finds the public methods of the inherent `impl Client` blocks in one Rust
/// source file, including those in inline modules; `#[cfg(test)]` items are skipped.
pub fn parse_overlay(source: &str) -> syn::Result<Vec<OverlayMethod>> {
    let file = syn::parse_file(source)?;
    let mut out = Vec::new();
    collect_methods(&file.items, &mut out);
    Ok(out)
}

fn collect_methods(items: &[syn::Item], out: &mut Vec<OverlayMethod>) {
    for item in items {
        match item {
            syn::Item::Impl(imp) if !is_cfg_test(&imp.attrs) && is_inherent_client_impl(imp) => {
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it
                        && matches!(f.vis, syn::Visibility::Public(_))
                        && !is_cfg_test(&f.attrs)
                    {
                        out.push(overlay_method(imp, f));
                    }
                }
            }
            syn::Item::Mod(m) if !is_cfg_test(&m.attrs) => {
                if let Some((_, items)) = &m.content {
                    collect_methods(items, out);
                }
            }
            _ => {}
        }
    }
}

fn is_inherent_client_impl(imp: &syn::ItemImpl) -> bool {
    imp.trait_.is_none()
        && matches!(&*imp.self_ty, syn::Type::Path(p)
            if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Client"))
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().trim() == "test")
    })
}

fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut doc = String::new();
    for attr in attrs {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && nv.path.is_ident("doc")
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            doc.push_str(&s.value());
            doc.push('\n');
        }
    }
    doc
}

/// The `METHOD /path` code spans of a doc comment.
fn served_operations(doc: &str) -> Vec<(String, String)> {
    const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    let mut out = Vec::new();
    for span in doc.split('`').skip(1).step_by(2) {
        let mut parts = span.split_whitespace();
        if let (Some(method), Some(path), None) = (parts.next(), parts.next(), parts.next())
            && METHODS.contains(&method)
            && path.starts_with('/')
        {
            let op = (method.to_string(), path.to_string());
            if !out.contains(&op) {
                out.push(op);
            }
        }
    }
    out
}

fn overlay_method(imp: &syn::ItemImpl, f: &syn::ImplItemFn) -> OverlayMethod {
    // Print the method alone inside a bare copy of its impl block, then keep the
    // method's lines: prettyplease formats any valid signature.
    let mut method = f.clone();
    method.block.stmts.clear();
    method
        .attrs
        .retain(|a| a.path().is_ident("cfg") || a.path().is_ident("deprecated"));
    let mut bare = imp.clone();
    bare.attrs.clear();
    bare.items = vec![syn::ImplItem::Fn(method)];
    let mut file = syn::parse_file("").expect("the empty file parses");
    file.items = vec![syn::Item::Impl(bare)];
    let printed = prettyplease::unparse(&file);
    let lines: Vec<&str> = printed.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.ends_with('{'))
        .map_or(0, |i| i + 1);
    let end = lines
        .iter()
        .rposition(|l| l.trim() == "}")
        .unwrap_or(lines.len());
    let joined = lines[start.min(end)..end]
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ");
    OverlayMethod {
        name: f.sig.ident.to_string(),
        signature: one_line_signature(&joined),
        serves: served_operations(&doc_text(&f.attrs)),
    }
}

/// Tidies a multi-line prettyplease signature joined with spaces.
fn one_line_signature(joined: &str) -> String {
    let mut s = joined.trim().to_string();
    if let Some(stripped) = s.strip_suffix("{}") {
        s = stripped.trim_end().to_string();
    }
    for (from, to) in [
        ("( ", "("),
        (", )", ")"),
        (" )", ")"),
        ("< ", "<"),
        (", >", ">"),
        ("[ ", "["),
        (" ]", "]"),
    ] {
        s = s.replace(from, to);
    }
    s.trim_end_matches(',').trim_end().to_string()
}

/// Which side of the wire a component schema is used on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    /// Reachable from a request body or parameter.
    pub request: bool,
    /// Reachable from a response body.
    pub response: bool,
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.request, self.response) {
            (true, true) => "request, response",
            (true, false) => "request",
            (false, true) => "response",
            (false, false) => "unused",
        })
    }
}

/// A field of a component schema, nested inline objects flattened to
/// `outer.inner` (or `list[].inner` inside arrays).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    pub path: String,
    /// The Rust-ish type without the `Option` that optionality adds.
    pub ty: String,
    pub required: bool,
    pub nullable: bool,
    /// Filled in by the signing layer, so not a field of the Rust type.
    pub signing_owned: bool,
    /// A blank value reads as `None` (`x-digilocker-blank-is-absent`).
    pub blank_is_absent: bool,
}

impl Field {
    /// The Rust type of the struct field, as typify generates it: `T` when
    /// required and not nullable; a bare `Vec<T>` or `Map<K, V>` when only
    /// optional (typify gives collections `#[serde(default)]`, absent means
    /// empty); `Option<T>` otherwise. `tests/api_surface.rs` checks this
    /// against the generated code.
    pub fn rust_type(&self) -> String {
        if self.nullable || (!self.required && !self.defaults_when_absent()) {
            format!("Option<{}>", self.ty)
        } else {
            self.ty.clone()
        }
    }

    /// Whether an absent value deserializes as the type's default (an
    /// optional, non-nullable collection).
    pub fn defaults_when_absent(&self) -> bool {
        !self.required
            && !self.nullable
            && (self.ty.starts_with("Vec<") || self.ty.starts_with("Map<"))
    }
}

/// A parameter of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Param {
    pub location: String,
    pub name: String,
    pub ty: String,
    pub required: bool,
}

/// An operation's request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Body {
    pub media_type: String,
    pub ty: String,
    pub required: bool,
}

fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| spec.pointer(p)) {
                Some(target) => v = target,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

fn ref_name(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(|n| n.to_upper_camel_case())
}

fn string_enum(schema: &Value) -> Option<Vec<String>> {
    schema.get("enum").and_then(Value::as_array).map(|a| {
        a.iter()
            .map(|v| {
                v.as_str()
                    .map_or_else(|| v.to_string(), |s| format!("{s:?}"))
            })
            .collect()
    })
}

/// The enum values of a schema, when it is an enum.
pub(crate) fn enum_values(schema: &Value) -> Option<Vec<String>> {
    string_enum(schema)
}

/// A Rust-ish rendering of a schema's type, as typify would roughly generate it.
/// Inline objects are `object` (their fields are listed separately).
pub(crate) fn rust_type(schema: &Value) -> String {
    let base = base_type(schema);
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        format!("Option<{base}>")
    } else {
        base
    }
}

fn base_type(schema: &Value) -> String {
    if let Some(name) = ref_name(schema) {
        return name;
    }
    if let Some(values) = string_enum(schema) {
        return format!("enum({})", values.join(" | "));
    }
    for (key, sep) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = list.iter().map(rust_type).collect();
            return format!("{key}({})", parts.join(sep));
        }
    }
    let format = schema.get("format").and_then(Value::as_str);
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => {
            let base = match format {
                Some("binary") => "bytes",
                Some("date") => "NaiveDate",
                Some("date-time") => "DateTime<Utc>",
                Some("uuid") => "Uuid",
                _ => "String",
            };
            let mut constraints = Vec::new();
            for key in ["minLength", "maxLength", "pattern"] {
                if let Some(v) = schema.get(key) {
                    constraints.push(format!("{key}={v}"));
                }
            }
            if constraints.is_empty() {
                base.to_string()
            } else {
                format!("{base}[{}]", constraints.join(", "))
            }
        }
        Some("integer") => match format {
            Some("int32") => "i32",
            Some("uint32") => "u32",
            Some("uint64") => "u64",
            _ => "i64",
        }
        .to_string(),
        Some("number") => if format == Some("float") {
            "f32"
        } else {
            "f64"
        }
        .to_string(),
        Some("boolean") => "bool".to_string(),
        Some("array") => format!(
            "Vec<{}>",
            schema
                .get("items")
                .map_or_else(|| "Value".to_string(), rust_type)
        ),
        _ if schema.get("properties").is_some() => "object".to_string(),
        Some("object") if schema.get("maxProperties").and_then(Value::as_u64) == Some(0) => {
            "{}".to_string()
        }
        Some("object") | None => match schema.get("additionalProperties") {
            Some(Value::Object(inner)) if !inner.is_empty() => {
                format!("Map<String, {}>", rust_type(&Value::Object(inner.clone())))
            }
            Some(Value::Bool(false)) => "object".to_string(),
            _ => "Value".to_string(),
        },
        Some(other) => other.to_string(),
    }
}

/// The fields of an object schema, in spec order, nested inline objects flattened.
pub(crate) fn fields(schema: &Value, signing_owned: bool) -> Vec<Field> {
    let mut out = Vec::new();
    push_fields(schema, "", signing_owned, &mut out);
    out
}

fn push_fields(schema: &Value, prefix: &str, signing_owned: bool, out: &mut Vec<Field>) {
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, prop) in props {
        let path = format!("{prefix}{name}");
        out.push(Field {
            path: path.clone(),
            ty: base_type(prop),
            required: required.contains(name.as_str()),
            nullable: prop.get("nullable").and_then(Value::as_bool) == Some(true),
            signing_owned: signing_owned
                && prefix.is_empty()
                && SIGNING_OWNED_FIELDS.contains(&name.as_str()),
            blank_is_absent: prop
                .get(crate::fields::BLANK_IS_ABSENT)
                .and_then(Value::as_bool)
                == Some(true),
        });
        if ref_name(prop).is_none() {
            if prop.get("properties").is_some() {
                push_fields(prop, &format!("{path}."), false, out);
            } else if let Some(items) = prop
                .get("items")
                .filter(|i| i.get("properties").is_some() && ref_name(i).is_none())
            {
                push_fields(items, &format!("{path}[]."), false, out);
            }
        }
    }
}

/// The extra-properties type of an object schema (`additionalProperties`), if it has one.
pub(crate) fn additional_properties(schema: &Value) -> Option<String> {
    match schema.get("additionalProperties")? {
        Value::Bool(true) => Some("Value".to_string()),
        Value::Object(o) if o.is_empty() => Some("Value".to_string()),
        Value::Object(o) => Some(rust_type(&Value::Object(o.clone()))),
        _ => None,
    }
}

/// The parameters of an operation (path-item and operation level), sorted by location and name.
pub(crate) fn parameters(spec: &Value, item: &Value, op: &Value) -> Vec<Param> {
    let mut by_key: BTreeMap<(String, String), Param> = BTreeMap::new();
    for list in [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
    {
        for p in list.as_array().into_iter().flatten() {
            let p = resolve(spec, p);
            let location = p
                .get("in")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let ty = p
                .get("schema")
                .map_or_else(|| "String".to_string(), rust_type);
            let required = p
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(location == "path");
            by_key.insert(
                (location.clone(), name.clone()),
                Param {
                    location,
                    name,
                    ty,
                    required,
                },
            );
        }
    }
    by_key.into_values().collect()
}

fn media_type_rust(media_type: &str, media: &Value) -> String {
    if media_type.contains("json") || media_type.contains("form") {
        media
            .get("schema")
            .map_or_else(|| "Value".to_string(), rust_type)
    } else {
        "ByteStream".to_string()
    }
}

/// An operation's request body: its media types (`a | b` when it offers
/// several) and the Rust-ish type of the first.
pub(crate) fn request_body(spec: &Value, op: &Value) -> Option<Body> {
    let body = resolve(spec, op.get("requestBody")?);
    let content = body.get("content")?.as_object()?;
    let (media_type, media) = content.iter().next()?;
    let media_types: Vec<&str> = content.keys().map(String::as_str).collect();
    Some(Body {
        media_type: media_types.join(" | "),
        ty: if media_type.contains("json") || media_type.contains("form") {
            media
                .get("schema")
                .map_or_else(|| "Value".to_string(), rust_type)
        } else {
            "bytes".to_string()
        },
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// An operation's success response: status, Rust-ish type (`()` without a
/// body, `ByteStream` for non-JSON bodies) and media types. Falls back to the
/// first 3xx response (a redirect) when there is no 2xx one.
pub(crate) fn success_response(spec: &Value, op: &Value) -> Option<(String, String, Vec<String>)> {
    let responses = op.get("responses")?.as_object()?;
    let mut statuses: Vec<&String> = responses.keys().collect();
    statuses.sort();
    let status = statuses
        .iter()
        .find(|s| s.starts_with('2'))
        .or_else(|| statuses.iter().find(|s| s.starts_with('3')))?;
    let response = resolve(spec, &responses[status.as_str()]);
    let content = response.get("content").and_then(Value::as_object);
    let media_types: Vec<String> = content
        .into_iter()
        .flat_map(|c| c.keys().cloned())
        .collect();
    let ty = match content.and_then(|c| c.iter().next()) {
        Some((mt, media)) => media_type_rust(mt, media),
        None => "()".to_string(),
    };
    Some(((*status).clone(), ty, media_types))
}

/// The error (4xx/5xx/default) responses grouped by Rust-ish type.
fn error_responses(spec: &Value, op: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (status, response) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if status.starts_with('2') || status.starts_with('3') {
            continue;
        }
        let response = resolve(spec, response);
        let ty = match response
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.iter().next())
        {
            Some((mt, media)) => media_type_rust(mt, media),
            None => "()".to_string(),
        };
        out.entry(ty).or_default().push(status.clone());
    }
    for statuses in out.values_mut() {
        statuses.sort();
    }
    out
}

/// Every `(path, method, path item, operation)` of a spec.
pub(crate) fn spec_operations(spec: &Value) -> Vec<(&str, &str, &Value, &Value)> {
    let mut out = Vec::new();
    for (path, item) in spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if crate::names::HTTP_METHODS.contains(&method.as_str()) {
                out.push((path.as_str(), method.as_str(), item, op));
            }
        }
    }
    out.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    out
}

/// Component schemas whose request fields the signing layer owns.
pub(crate) fn signed_schemas(spec: &Value) -> BTreeSet<String> {
    spec_operations(spec)
        .into_iter()
        .filter(|(_, _, _, op)| op.get("x-digilocker-request-hash").is_some())
        .filter_map(|(_, _, _, op)| body_schema_name(op))
        .collect()
}

/// Which side of the wire each component schema is used on (following `$ref`s).
pub(crate) fn schema_usage(spec: &Value) -> BTreeMap<String, Usage> {
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    for (_, _, item, op) in spec_operations(spec) {
        let mut request = Vec::new();
        let mut response = Vec::new();
        collect_refs(
            spec,
            op.get("requestBody").unwrap_or(&Value::Null),
            &mut request,
        );
        for list in [item.get("parameters"), op.get("parameters")]
            .into_iter()
            .flatten()
        {
            collect_refs(spec, list, &mut request);
        }
        collect_refs(
            spec,
            op.get("responses").unwrap_or(&Value::Null),
            &mut response,
        );
        for name in request {
            usage.entry(name).or_default().request = true;
        }
        for name in response {
            usage.entry(name).or_default().response = true;
        }
    }
    usage
}

/// Collects the component schema names reachable from `v`, transitively.
fn collect_refs(spec: &Value, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                if let Some(name) = r.strip_prefix("#/components/schemas/") {
                    if !out.iter().any(|n| n == name) {
                        out.push(name.to_string());
                        if let Some(target) = spec.pointer(&format!("/components/schemas/{name}")) {
                            collect_refs(spec, target, out);
                        }
                    }
                } else if let Some(target) = r.strip_prefix('#').and_then(|p| spec.pointer(p)) {
                    collect_refs(spec, target, out);
                }
            }
            for child in o.values() {
                collect_refs(spec, child, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|child| collect_refs(spec, child, out)),
        _ => {}
    }
}

fn auth_line(auth: Auth) -> &'static str {
    match auth {
        Auth::Bearer => "bearer access token",
        Auth::ClientBasic => "client credentials (HTTP Basic)",
        Auth::None => "none",
    }
}

/// The API surface's Rust type for every top-level field of every component
/// schema, keyed by type name and JSON field name (signing-owned fields left
/// out): what the snapshot prints, for checking against the generated code.
pub fn surface_field_types(spec: &Value) -> BTreeMap<String, BTreeMap<String, String>> {
    let signed = signed_schemas(spec);
    spec.pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| {
            let fields = fields(schema, signed.contains(name.as_str()))
                .into_iter()
                .filter(|f| !f.signing_owned && !f.path.contains(['.', '[']))
                .map(|f| (f.path.clone(), f.rust_type()))
                .collect();
            (name.to_upper_camel_case(), fields)
        })
        .collect()
}

/// Renders the public API surface of the client generated from `spec` (a
/// patched spec) plus the `overlay` methods.
pub fn render_surface(spec: &Value, overlay: &[OverlayMethod]) -> String {
    let mut s = String::new();
    let ops = spec_operations(spec);
    let runtime = operations(spec);
    let view = crate::generation_view(spec);
    let _ = writeln!(s, "# Public API surface of digilocker-authpartner");
    let _ = writeln!(
        s,
        "# Rendered from the patched spec and src/ by tests/api_surface.rs; review changes with `cargo insta review`."
    );
    let _ = writeln!(s, "\n## Operations ({})", ops.len());
    for (path, method, item, op) in &ops {
        let method_uc = method.to_uppercase();
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("(none)");
        let rust = crate::method_name(op, method, path);
        let _ = writeln!(s, "\n{method_uc} {path}");
        let _ = writeln!(s, "  operationId: {id}");
        let serving: Vec<&OverlayMethod> = overlay
            .iter()
            .filter(|m| m.serves.iter().any(|(m_, p)| *m_ == method_uc && p == path))
            .collect();
        if is_multipart(op) {
            if serving.is_empty() {
                let _ = writeln!(
                    s,
                    "  rust: (no overlay method yet; multipart is not generated)"
                );
            }
            for m in &serving {
                let _ = writeln!(
                    s,
                    "  rust: Client::{}()  (overlay; multipart is not generated)",
                    m.name
                );
            }
        } else {
            let derived = if crate::is_rust_method_name(id) {
                ""
            } else {
                ", name derived from the operationId"
            };
            let _ = writeln!(s, "  rust: Client::{rust}()  (generated builder{derived})");
            for m in &serving {
                let _ = writeln!(s, "  overlay: Client::{}()", m.name);
            }
        }
        if let Some(rt) = runtime
            .iter()
            .find(|o| o.method == method_uc && o.path == *path)
        {
            let auth = match (rt.auth, &rt.request_hash) {
                (Auth::None, Some(_)) => "signed request (no auth header)",
                (auth, _) => auth_line(auth),
            };
            let _ = writeln!(s, "  auth: {auth}");
            if let Some((field, concat)) = &rt.request_hash {
                let _ = writeln!(s, "  signed: {field} = sha256({})", concat.join(" + "));
            }
            if rt.deprecated {
                let _ = writeln!(s, "  deprecated");
            }
        }
        // The generated builder takes the generation view's parameters (an
        // upload's media type becomes one); the patched spec's otherwise.
        let view_op = view
            .get("paths")
            .and_then(|p| p.get(*path))
            .and_then(|i| i.get(*method));
        for p in parameters(spec, item, view_op.unwrap_or(op)) {
            let from_body = view_op.is_some() && !parameters(spec, item, op).contains(&p);
            let _ = writeln!(
                s,
                "  param {} {}: {} ({}{})",
                p.location,
                p.name,
                p.ty,
                if p.required { "required" } else { "optional" },
                if from_body {
                    ", the body's media type"
                } else {
                    ""
                }
            );
        }
        match request_body(spec, op) {
            Some(b) => {
                let _ = writeln!(
                    s,
                    "  body: {} {} ({})",
                    b.media_type,
                    b.ty,
                    if b.required { "required" } else { "optional" }
                );
            }
            None => {
                let _ = writeln!(s, "  body: none");
            }
        }
        if let Some((status, ty, media)) = success_response(spec, op) {
            if media.is_empty() {
                let _ = writeln!(s, "  response {status}: {ty}");
            } else {
                let _ = writeln!(s, "  response {status}: {ty} ({})", media.join(", "));
            }
        }
        for (ty, statuses) in error_responses(spec, op) {
            let _ = writeln!(s, "  errors: {ty} ({})", statuses.join(", "));
        }
    }

    let usage = schema_usage(spec);
    let signed = signed_schemas(spec);
    let schemas: BTreeMap<&String, &Value> = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .collect();
    let _ = writeln!(s, "\n## Types ({})", schemas.len());
    for (name, schema) in schemas {
        let rust_name = name.to_upper_camel_case();
        let _ = write!(
            s,
            "\n{rust_name} [{}]",
            usage.get(name.as_str()).copied().unwrap_or_default()
        );
        if let Some((_, replacement)) = SECRET_BEARING_TYPES.iter().find(|(n, _)| n == name) {
            let _ = write!(s, " (replaced by hand-written {replacement})");
        }
        s.push('\n');
        if schema.get("properties").is_none() {
            let _ = writeln!(s, "  = {}", rust_type(schema));
        }
        for f in fields(schema, signed.contains(name.as_str())) {
            let mut notes = vec![if f.required { "required" } else { "optional" }];
            if f.defaults_when_absent() {
                notes.push("absent means empty");
            }
            if f.blank_is_absent {
                notes.push("blank means None");
            }
            if f.nullable {
                notes.push("nullable");
            }
            if f.signing_owned {
                notes.push("signing-owned, not in the Rust type");
            }
            let _ = writeln!(s, "  {}: {} ({})", f.path, f.rust_type(), notes.join(", "));
        }
        if let Some(extra) = additional_properties(schema) {
            let _ = writeln!(s, "  ..: {extra} (additional properties)");
        }
    }

    let _ = writeln!(
        s,
        "\n## Overlay: hand-written public methods on Client ({})",
        overlay.len()
    );
    if overlay.is_empty() {
        let _ = writeln!(s, "\n(none yet)");
    }
    for m in overlay {
        let _ = writeln!(s, "\n{}", m.signature);
        for (method, path) in &m.serves {
            let _ = writeln!(s, "  serves: {method} {path}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_public_methods_of_inherent_client_impls() {
        let src = r#"
            use crate::Client;
            impl Client {
                /// Verifies an account: `POST /account/2/verify`.
                #[tracing::instrument(skip(self))]
                pub async fn verify_account<'a>(
                    &self,
                    uid: impl AsRef<str> + 'a,
                    mobile: Option<&str>,
                ) -> Result<types::VerifyAccountResponse, Error>
                where
                    Self: Sized,
                {
                    todo!()
                }
                fn private(&self) {}
                pub(crate) fn internal(&self) {}
            }
            impl std::fmt::Debug for Client {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) }
            }
            impl Other { pub fn nope(&self) {} }
            mod inner {
                impl super::Client {
                    #[cfg(feature = "x")]
                    pub fn nested(&self) -> u8 { 1 }
                }
            }
            #[cfg(test)]
            mod tests { impl Client { pub fn test_only(&self) {} } }
        "#;
        let methods = parse_overlay(src).unwrap();
        let names: Vec<&str> = methods.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["verify_account", "nested"]);
        assert_eq!(
            methods[0].signature,
            "pub async fn verify_account<'a>(&self, uid: impl AsRef<str> + 'a, mobile: Option<&str>) -> Result<types::VerifyAccountResponse, Error> where Self: Sized"
        );
        assert_eq!(
            methods[0].serves,
            [("POST".to_string(), "/account/2/verify".to_string())]
        );
        assert_eq!(
            methods[1].signature,
            "#[cfg(feature = \"x\")] pub fn nested(&self) -> u8"
        );
    }

    #[test]
    fn renders_types_rust_ish() {
        assert_eq!(rust_type(&json!({"type": "string"})), "String");
        assert_eq!(
            rust_type(&json!({"type": "string", "nullable": true})),
            "Option<String>"
        );
        assert_eq!(
            rust_type(&json!({"type": "integer", "format": "int64"})),
            "i64"
        );
        assert_eq!(
            rust_type(
                &json!({"type": "array", "items": {"$ref": "#/components/schemas/issuer_item"}})
            ),
            "Vec<IssuerItem>"
        );
        assert_eq!(
            rust_type(&json!({"type": "string", "enum": ["Y", "N"]})),
            "enum(\"Y\" | \"N\")"
        );
        assert_eq!(
            rust_type(&json!({"type": "object", "additionalProperties": {"type": "string"}})),
            "Map<String, String>"
        );
    }

    #[test]
    fn flattens_inline_objects() {
        let schema = json!({
            "type": "object",
            "required": ["a"],
            "properties": {
                "a": {"type": "object", "properties": {"b": {"type": "string"}}},
                "c": {"type": "array", "items": {"type": "object", "required": ["d"], "properties": {"d": {"type": "integer"}}}}
            }
        });
        let paths: Vec<(String, String)> = fields(&schema, false)
            .into_iter()
            .map(|f| (f.path.clone(), f.rust_type()))
            .collect();
        assert_eq!(
            paths,
            [
                ("a".into(), "object".into()),
                ("a.b".into(), "Option<String>".into()),
                ("c".into(), "Vec<object>".into()),
                ("c[].d".into(), "i64".into()),
            ]
        );
    }

    #[test]
    fn renders_an_operation_block() {
        let spec = json!({
            "paths": {"/x/{id}": {"get": {
                "operationId": "get_x",
                "parameters": [
                    {"in": "path", "name": "id", "required": true, "schema": {"type": "string"}},
                    {"in": "query", "name": "q", "schema": {"type": "integer", "format": "int32"}}
                ],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}},
                    "4XX": {"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
                }
            }}},
            "components": {"schemas": {
                "X": {"type": "object", "required": ["n"], "properties": {"n": {"type": "string"}}},
                "ErrorResponse": {"type": "object", "properties": {"error": {"type": "string"}}}
            }}
        });
        let text = render_surface(&spec, &[]);
        assert!(text.contains(
            "GET /x/{id}\n  operationId: get_x\n  rust: Client::get_x()  (generated builder)\n  auth: none\n  param path id: String (required)\n  param query q: i32 (optional)\n  body: none\n  response 200: X (application/json)\n  errors: ErrorResponse (4XX)\n"
        ), "{text}");
        assert!(
            text.contains("\nX [response]\n  n: String (required)\n"),
            "{text}"
        );
        assert!(text.contains("(none yet)"));
    }
}
