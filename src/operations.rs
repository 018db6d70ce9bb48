//! The operations table generated from the patched spec.

/// How an operation authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    Bearer,
    ClientBasic,
    None,
}

/// The encoding of an operation's request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    None,
    Json,
    Form,
    Multipart,
    Binary,
}

/// A signed operation's hash rule: field name and ordered concatenation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RequestHash {
    pub field: &'static str,
    pub concat: &'static [&'static str],
}

/// One operation of the patched spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OperationSpec {
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub auth: Auth,
    pub body: BodyKind,
    pub request_hash: Option<RequestHash>,
    pub deprecated: bool,
}

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

/// Looks up an operation by its id.
pub(crate) fn by_id(id: &str) -> Option<&'static OperationSpec> {
    OPERATIONS.iter().find(|op| op.id == id)
}
