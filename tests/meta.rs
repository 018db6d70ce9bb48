//! Signed meta APIs (form and multipart) and the sign-up APIs, end to end:
//! the sandbox verifies every request hash independently.

mod common;

use std::time::Duration;

use common::{sandbox_and_client, signed_in};
use digilocker_authpartner::types::{PushUriRequestAction, SignupRequestConsent};
use digilocker_authpartner::{Error, ErrorCode, Gender};
use digilocker_sandbox::Fault;

#[tokio::test]
async fn form_meta_calls_are_signed_by_the_client() {
    let (sb, client) = sandbox_and_client().await;
    let issuers = client.list_issuers().send().await.unwrap().into_inner();
    let cbse = issuers
        .issuers
        .iter()
        .find(|i| i.orgid == "000018")
        .unwrap();
    assert_eq!(cbse.issuerid.as_deref(), Some("in.gov.cbse"));

    let docs = client
        .list_doctypes()
        .body_map(|b| b.orgid("000018"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(docs.documents.iter().any(|d| d.doctype == "HSCER"));

    let params = client
        .get_search_parameters()
        .body_map(|b| b.orgid("000018").doctype("HSCER"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(!params.parameters.is_empty());

    for r in sb.requests() {
        assert_eq!(r.status, 200, "{} {}", r.method, r.path);
        assert_eq!(r.form_value("clientid"), Some(sb.client_id()));
        assert!(r.form_value("ts").is_some_and(|t| t.parse::<u64>().is_ok()));
        let hmac = r.form_value("hmac").unwrap();
        assert!(hmac.len() == 64 && hmac.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}

#[tokio::test]
async fn multipart_meta_calls_are_signed_by_the_client() {
    let (sb, client) = sandbox_and_client().await;
    let user = sb.test_user();

    let by_mobile = client
        .verify_account()
        .body_map(|b| b.mobile(Some(user.mobile.clone())))
        .send()
        .await
        .unwrap();
    assert!(bool::from(by_mobile.registered));
    assert_eq!(
        by_mobile.digilockerid.as_deref(),
        Some(user.digilockerid.as_str())
    );

    let by_uid = client
        .verify_account()
        .body_map(|b| b.uid(Some(user.uid.clone())))
        .send()
        .await
        .unwrap();
    assert!(bool::from(by_uid.registered));

    let stats = client.get_statistics().send().await.unwrap().into_inner();
    assert!(!stats.users.is_empty());

    let multipart: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|r| {
            r.header("content-type")
                .is_some_and(|c| c.starts_with("multipart/form-data"))
        })
        .collect();
    assert_eq!(multipart.len(), 3);
    assert!(multipart.iter().all(|r| r.status == 200));
}

#[tokio::test]
async fn push_uri_adds_a_document_to_the_users_locker() {
    let (sb, client) = signed_in().await;
    let user = sb.test_user();
    client
        .push_uri()
        .body_map(|b| {
            b.digilockerid(user.digilockerid.clone())
                .uri("in.gov.sandboxstate-INCER-7700001")
                .doctype("INCER")
                .description("Income Certificate")
                .docid("7700001")
                .issuedate("01012024")
                .validto(Some("31122030".to_string()))
                .action(PushUriRequestAction::A)
        })
        .send()
        .await
        .unwrap();
    let issued = client
        .get_issued_documents()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        issued
            .items
            .iter()
            .any(|d| d.uri == "in.gov.sandboxstate-INCER-7700001"),
        "{issued:?}"
    );
}

/// MeriPehchaan v2.3 p.35: the certificate's PDF and XML travel in the push
/// (base64, signed after `ts`); the sandbox checks the hash over them and
/// serves exactly those bytes afterwards.
#[tokio::test]
async fn push_uri_carries_the_document_content_under_the_request_hash() {
    let (sb, client) = signed_in().await;
    let user = sb.test_user();
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\npushed certificate\n%%EOF\n".to_vec();
    let xml = b"<Certificate number=\"7700002\"/>".to_vec();
    let uri = "in.gov.sandboxstate-INCER-7700002";
    // The same certificate, pushed with `action` and a PDF.
    let certificate = |action, pdf: &[u8]| {
        let digilockerid = user.digilockerid.clone();
        let pdf = pdf.to_vec();
        move |b: digilocker_authpartner::types::builder::PushUriRequest| {
            b.digilockerid(digilockerid)
                .uri(uri)
                .doctype("INCER")
                .description("Income Certificate")
                .docid("7700002")
                .issuedate("01012024")
                .action(action)
                .document_pdf(&pdf)
        }
    };
    client
        .push_uri()
        .body_map(|b| certificate(PushUriRequestAction::A, &pdf)(b).document_xml(&xml))
        .send()
        .await
        .unwrap();
    let push = sb
        .requests()
        .into_iter()
        .find(|r| r.path == "/account/1/pushuri")
        .unwrap();
    assert_eq!(
        push.status, 200,
        "the sandbox accepted the hash over both contents"
    );
    assert_eq!(
        client.download(uri).await.unwrap().bytes.as_ref(),
        pdf.as_slice()
    );
    assert_eq!(
        client.certificate_xml(uri).await.unwrap().bytes.as_ref(),
        xml.as_slice()
    );

    // Content that is not what the field says is refused before sending.
    sb.clear_requests();
    let err = client
        .push_uri()
        .body_map(certificate(PushUriRequestAction::U, b"<not a pdf/>"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, digilocker_authpartner::Error::Validation(v) if v.field == "doccontent"),
        "{err:?}"
    );
    assert!(sb.requests().is_empty());
}

#[tokio::test]
#[allow(deprecated)]
async fn signup_and_otp_verification() {
    let (sb, client) = sandbox_and_client().await;
    let started = client
        .signup()
        .body_map(|b| {
            b.uid("999999990019")
                .name("Ravi Sandbox")
                .dob("15081985")
                .gender(Gender::Male)
                .mobile("9999900077")
                .consent(SignupRequestConsent::Y)
                .verification(Some(
                    digilocker_authpartner::types::SignupRequestVerification::Y,
                ))
        })
        .send()
        .await
        .unwrap();
    assert!(
        started
            .mobile
            .as_ref()
            .map(digilocker_authpartner::IdentityNumber::expose)
            .is_some_and(|m| m.ends_with("0077")),
        "{started:?}"
    );
    let tokens = client
        .verify_signup_otp()
        .body_map(|b| b.mobile("9999900077").otp(sb.signup_otp()))
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.token_type, "Bearer");
}

#[tokio::test]
async fn bad_multipart_input_is_rejected_before_the_network() {
    let (sb, client) = sandbox_and_client().await;
    let both = client
        .verify_account()
        .body_map(|b| {
            b.uid(Some("999999991234".into()))
                .mobile(Some("9999900001".into()))
        })
        .send()
        .await
        .unwrap_err();
    let letters = client
        .verify_account()
        .body_map(|b| b.mobile(Some("99999abcde".into())))
        .send()
        .await
        .unwrap_err();
    let short_uid = client
        .verify_account()
        .body_map(|b| b.uid(Some("1234".into())))
        .send()
        .await
        .unwrap_err();
    for (err, field) in [(both, "uid"), (letters, "mobile"), (short_uid, "uid")] {
        match err {
            Error::Validation(v) => assert_eq!(v.field, field, "{v:?}"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
    assert!(sb.requests().is_empty());
}

/// Each failed attempt is held 1.1 s, so the retry is signed in a later
/// second: a fresh signature has a later `ts` and a new hash, a resent one
/// repeats the last (the sandbox records every signature, faulted or not).
#[tokio::test]
async fn signed_retries_get_a_fresh_signature_and_succeed() {
    let (sb, client) = sandbox_and_client().await;
    let path = "/oauth2/1/pull/doctype";
    sb.inject(Fault::Delay {
        path: path.into(),
        delay: Duration::from_millis(1100),
        times: 2,
    });
    sb.inject(Fault::Status {
        path: path.into(),
        times: 2,
        status: 503,
        error: "repository_service_unresponsive".into(),
    });
    client
        .list_doctypes()
        .body_map(|b| b.orgid("000018"))
        .send()
        .await
        .unwrap();
    assert_eq!(sb.count("POST", path), 3);
    let signatures = sb.signatures();
    assert_eq!(signatures.len(), 3, "{signatures:?}");
    assert!(sb.reused_signatures().is_empty(), "{signatures:?}");
    for pair in signatures.windows(2) {
        assert!(pair[0].ts < pair[1].ts, "{signatures:?}");
        assert_ne!(pair[0].hmac, pair[1].hmac, "{signatures:?}");
    }
}

#[tokio::test]
async fn meta_errors_are_typed() {
    let (sb, client) = sandbox_and_client().await;
    let err: Error = client
        .list_doctypes()
        .body_map(|b| b.orgid("424242"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(err.operation(), Some("list_doctypes"));
    assert!(
        matches!(
            err.code(),
            Some(ErrorCode::InvalidParameter) | Some(ErrorCode::InvalidOrgid)
        ),
        "{err}"
    );
    drop(sb);
}
