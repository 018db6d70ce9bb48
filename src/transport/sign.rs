//! Adding `clientid`, `ts` and the request hash to signed bodies.

use secrecy::ExposeSecret;

use crate::Client;
use crate::operations::{BodyKind, OperationSpec};
use crate::signing::{request_hash, timestamp_now};

/// Appends `clientid`, `ts` (now) and the hash field to `fields`, per the
/// operation's rule. Absent optional fields hash as empty strings.
pub(crate) fn signed_fields(
    client: &Client,
    op: &OperationSpec,
    fields: &mut Vec<(String, String)>,
) {
    let Some(rule) = op.request_hash else { return };
    fields.retain(|(k, _)| k != "clientid" && k != "ts" && k != rule.field);
    fields.push(("clientid".into(), client.config().client_id.clone()));
    fields.push(("ts".into(), timestamp_now()));
    let hash = request_hash(
        rule.concat,
        client.config().client_secret.expose_secret(),
        |name| {
            fields
                .iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.as_str())
        },
    );
    fields.push((rule.field.to_string(), hash));
}

/// Whether the operation's form body carries a request hash, added by
/// [`sign_form_body`] on every attempt (multipart bodies are signed when
/// they are built, in `multipart.rs`).
pub(crate) fn is_signed_form(op: &OperationSpec) -> bool {
    op.request_hash.is_some() && op.body == BodyKind::Form
}

/// Sets the request's body to `unsigned` plus `clientid`, `ts` (now) and
/// the hash (fresh per attempt).
pub(crate) fn sign_form_body(
    client: &Client,
    op: &OperationSpec,
    unsigned: &[u8],
    request: &mut reqwest::Request,
) {
    let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(unsigned)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    signed_fields(client, op, &mut fields);
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter())
        .finish();
    *request.body_mut() = Some(encoded.into());
}
