//! Pull Document end to end: search parameters from the issuer, consent,
//! flat form fields, and bad input rejected before the network.

mod common;

use std::collections::BTreeMap;

use common::signed_in;
use digilocker_authpartner::{Client, PullConsent, Error, ErrorCode};
use digilocker_sandbox::Sandbox;

const PULL: &str = "/oauth2/1/pull/pulldocument";

/// The issuer's search parameters, filled with their example values (the
/// record each sandbox issuer holds).
async fn example_params(client: &Client, orgid: &str, doctype: &str) -> BTreeMap<String, String> {
    client
        .get_search_parameters()
        .body_map(|b| b.orgid(orgid).doctype(doctype))
        .send()
        .await
        .unwrap()
        .into_inner()
        .parameters
        .into_iter()
        .map(|p| (p.paramname, p.example.expect("example value")))
        .collect()
}

/// A bad-input case: name, orgid, doctype, parameters, consent, expected field.
type Case<'a> = (
    &'a str,
    &'a str,
    &'a str,
    BTreeMap<String, String>,
    PullConsent,
    &'a str,
);

fn pulls(sb: &Sandbox) -> usize {
    sb.count("POST", PULL)
}

#[tokio::test]
async fn pull_document_happy_path() {
    let (sb, client) = signed_in().await;
    let params = example_params(&client, "000018", "HSCER").await;
    assert!(params.contains_key("rollno") && params.contains_key("year"));

    let pulled = client
        .pull_document_with("000018", "HSCER", &params, PullConsent::Yes)
        .await
        .unwrap();
    assert!(pulled.uri.contains("-HSCER-"), "{}", pulled.uri);

    // Sent as flat form fields next to orgid, doctype and consent=Y.
    let sent = sb.requests().into_iter().find(|r| r.path == PULL).unwrap();
    assert_eq!(sent.status, 200);
    assert_eq!(sent.auth_scheme.as_deref(), Some("Bearer"));
    assert_eq!(sent.form_value("orgid"), Some("000018"));
    assert_eq!(sent.form_value("doctype"), Some("HSCER"));
    assert_eq!(sent.form_value("consent"), Some("Y"));
    for (name, value) in &params {
        assert_eq!(sent.form_value(name), Some(value.as_str()), "{name}");
    }
    assert_eq!(sent.form.len(), 3 + params.len());

    // The document is now among the issued documents.
    let issued = client
        .get_issued_documents()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(issued.items.iter().any(|d| d.uri == pulled.uri));

    // Pulling it again: the issuer says it is already there.
    let again = client
        .pull_document_with("000018", "HSCER", &params, PullConsent::Yes)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(&ErrorCode::UriExists), "{again}");
}

#[tokio::test]
async fn other_parameter_shapes_work() {
    let (_sb, client) = signed_in().await;
    let params = example_params(&client, "000042", "DRVLC").await;
    // Owned pairs from any iterator.
    let pulled = client
        .pull_document_with("000042", "DRVLC", params.into_iter(), true.into())
        .await
        .unwrap();
    assert!(pulled.uri.contains("-DRVLC-"));
}

#[tokio::test]
async fn no_consent_and_bad_input_are_rejected_before_the_network() {
    let (sb, client) = signed_in().await;
    let params = example_params(&client, "000018", "HSCER").await;
    let mut colliding = params.clone();
    colliding.insert("consent".into(), "Y".into());
    let mut empty_value = params.clone();
    empty_value.insert("year".into(), String::new());

    let cases: Vec<Case<'_>> = vec![
        (
            "no consent",
            "000018",
            "HSCER",
            params.clone(),
            PullConsent::No,
            "consent",
        ),
        (
            "consent from false",
            "000018",
            "HSCER",
            params.clone(),
            false.into(),
            "consent",
        ),
        (
            "empty orgid",
            "",
            "HSCER",
            params.clone(),
            PullConsent::Yes,
            "orgid",
        ),
        (
            "blank orgid",
            "  ",
            "HSCER",
            params.clone(),
            PullConsent::Yes,
            "orgid",
        ),
        (
            "empty doctype",
            "000018",
            "",
            params.clone(),
            PullConsent::Yes,
            "doctype",
        ),
        (
            "bad doctype",
            "000018",
            "HSC-ER",
            params.clone(),
            PullConsent::Yes,
            "doctype",
        ),
        (
            "no parameters",
            "000018",
            "HSCER",
            BTreeMap::new(),
            PullConsent::Yes,
            "params",
        ),
        (
            "colliding name",
            "000018",
            "HSCER",
            colliding,
            PullConsent::Yes,
            "params",
        ),
        (
            "empty value",
            "000018",
            "HSCER",
            empty_value,
            PullConsent::Yes,
            "params",
        ),
    ];
    for (name, orgid, doctype, params, consent, field) in cases {
        match client
            .pull_document_with(orgid, doctype, &params, consent)
            .await
        {
            Err(Error::Validation(v)) => assert_eq!(v.field, field, "{name}: {v:?}"),
            other => panic!("{name}: expected a validation error, got {other:?}"),
        }
    }
    assert_eq!(pulls(&sb), 0, "nothing reached the sandbox");
}

#[tokio::test]
async fn issuer_answers_are_typed_errors() {
    let (sb, client) = signed_in().await;
    let mut params = example_params(&client, "000018", "HSCER").await;
    let first = params.keys().next().unwrap().clone();
    params.insert(first, "0000000".into());
    let e = client
        .pull_document_with("000018", "HSCER", &params, PullConsent::Yes)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::RecordNotFound), "{e}");
    assert_eq!(e.status(), Some(404));

    let e = client
        .pull_document_with("999999", "HSCER", [("rollno", "1")], PullConsent::Yes)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::InvalidOrgid), "{e}");
    // Pulls are not retried: one request each.
    assert_eq!(pulls(&sb), 2);
}
