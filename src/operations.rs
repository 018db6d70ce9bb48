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

/// What a successful response carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResponseKind {
    None,
    Json,
    Xml,
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
    pub response: ResponseKind,
    pub request_hash: Option<RequestHash>,
    pub deprecated: bool,
}

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

/// Looks up an operation by its id.
pub(crate) fn by_id(id: &str) -> Option<&'static OperationSpec> {
    OPERATIONS.iter().find(|op| op.id == id)
}

impl OperationSpec {
    /// Whether a request or response body of this operation is streamed
    /// (uploads and document downloads): bounded by the read-idle timeout
    /// and the caller's transfer deadline, not by the total deadline.
    pub(crate) fn is_transfer(&self) -> bool {
        self.body == BodyKind::Binary || self.response == ResponseKind::Binary
    }

    /// Whether the operation may be sent again after a transient failure.
    ///
    /// Reads (every GET and the read-only signed meta calls) are; anything
    /// that changes state, sends an OTP or spends a one-time code is not.
    /// The token endpoint is decided per grant by the transport.
    pub(crate) fn is_idempotent(&self) -> bool {
        self.method == "GET"
            || matches!(
                self.id,
                "list_issuers"
                    | "list_doctypes"
                    | "get_search_parameters"
                    | "get_statistics"
                    | "verify_account"
            )
    }
}
