//! Adding `clientid`, `ts` and the request hash to signed bodies.

use std::borrow::Cow;

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
/// the hash (fresh per attempt): the fields and order of
/// [`signed_fields`], borrowing where it would allocate.
pub(crate) fn sign_form_body(
    client: &Client,
    op: &OperationSpec,
    unsigned: &[u8],
    request: &mut reqwest::Request,
) {
    let Some(rule) = op.request_hash else { return };
    let config = client.config();
    let ts = timestamp_now();
    let mut fields: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::with_capacity(8);
    fields.extend(
        url::form_urlencoded::parse(unsigned)
            .filter(|(k, _)| k != "clientid" && k != "ts" && k != rule.field),
    );
    fields.push(("clientid".into(), config.client_id.as_str().into()));
    fields.push(("ts".into(), ts.as_str().into()));
    let hash = request_hash(rule.concat, config.client_secret.expose_secret(), |name| {
        fields
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_ref())
    });
    fields.push((rule.field.into(), hash.into()));
    let encoded =
        url::form_urlencoded::Serializer::new(String::with_capacity(unsigned.len() + 128))
            .extend_pairs(fields.iter())
            .finish();
    *request.body_mut() = Some(encoded.into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::by_id;

    /// The borrowed form signer and the one multipart uses agree.
    #[test]
    fn both_signers_give_the_same_fields() {
        let client = Client::builder("CLIENT1", "secret-1").build().unwrap();
        let op = by_id("list_doctypes").expect("known operation");
        let unsigned = b"orgid=000018&ts=stale&hmac=stale";
        for _ in 0..3 {
            let mut request = reqwest::Request::new(
                reqwest::Method::POST,
                "https://api.example/".parse().unwrap(),
            );
            sign_form_body(&client, op, unsigned, &mut request);
            let body = request.body().and_then(reqwest::Body::as_bytes).unwrap();
            let ours: Vec<(String, String)> = url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut theirs = vec![("orgid".to_string(), "000018".to_string())];
            theirs.push(("ts".into(), "stale".into()));
            signed_fields(&client, op, &mut theirs);
            // Signed in the same second: the same fields, values and hash.
            if ours == theirs {
                assert_eq!(ours.len(), 4, "{ours:?}");
                return;
            }
        }
        panic!("the two signers disagree");
    }
}
