use std::fmt::Write as _;

use serde_json::Value;

use crate::view::is_multipart;

/// How an operation authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <access token>`.
    Bearer,
    /// HTTP Basic with the client credentials (or, where allowed, credentials in the body).
    ClientBasic,
    /// No header: anonymous, or authenticated by the signed request hash.
    None,
}

/// The encoding of an operation's request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No body.
    None,
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data` (sent by the overlay).
    Multipart,
    /// A raw binary body.
    Binary,
}

/// What a successful response carries, which decides how it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    /// No declared content.
    None,
    /// `application/json`: buffered (bounded) and decoded.
    Json,
    /// An XML document: handed out as a byte stream, usually collected.
    Xml,
    /// Any other media type (a document): handed out as a byte stream.
    Binary,
}

/// One operation of the patched spec, as the client's runtime tables need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The `Client` method name ([`crate::method_name`]): the operationId, or
    /// the name derived from an upstream-style one. progenitor's hooks see it
    /// as `OperationInfo::operation_id`.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template, e.g. `/oauth2/1/file/{uri}`.
    pub path: String,
    /// How it authenticates.
    pub auth: Auth,
    /// The request body encoding.
    pub body: BodyKind,
    /// What its success response carries.
    pub response: ResponseKind,
    /// For signed operations: the hash field and its ordered concatenation.
    pub request_hash: Option<(String, Vec<String>)>,
    /// Whether the spec marks it deprecated.
    pub deprecated: bool,
}

/// Lists the operations of a patched spec, in spec order.
pub fn operations(spec: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if !crate::names::HTTP_METHODS.contains(&method.as_str()) {
                continue;
            }
            out.push(Operation {
                id: crate::method_name(op, method, path),
                method: method.to_uppercase(),
                path: path.clone(),
                auth: auth_of(op),
                body: body_of(op),
                response: response_of(op),
                request_hash: op.get("x-digilocker-request-hash").map(|h| {
                    let field = h.get("field").and_then(Value::as_str).unwrap_or("hmac");
                    let concat = h
                        .get("concat")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default();
                    (field.to_string(), concat)
                }),
                deprecated: op
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            });
        }
    }
    out
}

fn auth_of(op: &Value) -> Auth {
    let names: Vec<&str> = op
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys().map(String::as_str))
        .collect();
    if names.contains(&"bearerAuth") {
        Auth::Bearer
    } else if names.contains(&"clientBasic") {
        Auth::ClientBasic
    } else {
        Auth::None
    }
}

fn response_of(op: &Value) -> ResponseKind {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return ResponseKind::None;
    };
    let success = responses
        .iter()
        .find(|(status, _)| status.starts_with('2'))
        .and_then(|(_, r)| r.get("content"))
        .and_then(Value::as_object);
    let Some(content) = success else {
        return ResponseKind::None;
    };
    let kinds: Vec<&str> = content.keys().map(String::as_str).collect();
    if kinds.is_empty() {
        ResponseKind::None
    } else if kinds.iter().all(|k| k.ends_with("json")) {
        ResponseKind::Json
    } else if kinds.iter().all(|k| k.ends_with("xml")) {
        ResponseKind::Xml
    } else {
        // A document of several possible types (PDF, images, XML).
        ResponseKind::Binary
    }
}

fn body_of(op: &Value) -> BodyKind {
    if is_multipart(op) {
        return BodyKind::Multipart;
    }
    let Some(content) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    else {
        return BodyKind::None;
    };
    match content.keys().next().map(String::as_str) {
        Some("application/json") => BodyKind::Json,
        Some("application/x-www-form-urlencoded") => BodyKind::Form,
        Some(_) => BodyKind::Binary,
        None => BodyKind::None,
    }
}

/// Renders the operations as a Rust constant for the client's runtime tables.
///
/// The output expects `OperationSpec`, `Auth`, `BodyKind` and `RequestHash`
/// to be in scope where it is included.
pub fn render_operations_table(ops: &[Operation]) -> String {
    let mut s = String::from(
        "/// Every operation of the patched spec, in spec order (generated by build.rs).\npub(crate) const OPERATIONS: &[OperationSpec] = &[\n",
    );
    for op in ops {
        let hash = match &op.request_hash {
            Some((field, concat)) => format!(
                "Some(RequestHash {{ field: {field:?}, concat: &[{}] }})",
                concat
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "None".into(),
        };
        let _ = writeln!(
            s,
            "    OperationSpec {{ id: {:?}, method: {:?}, path: {:?}, auth: Auth::{:?}, body: BodyKind::{:?}, response: ResponseKind::{:?}, request_hash: {hash}, deprecated: {} }},",
            op.id, op.method, op.path, op.auth, op.body, op.response, op.deprecated
        );
    }
    s.push_str("];\n");
    s
}
