//! Identity numbers (Aadhaar, PAN, driving licence, mobile) never appear in
//! full in `Debug` or `Display`: every public type that holds one is
//! formatted here, the generated request types and their builders
//! included, and the output searched for the full numbers. Which generated
//! types hold one is read from the patched spec (`x-digilocker-identity-number`),
//! so a newly marked type without a case here fails the test.
#![allow(deprecated)] // sign-up is deprecated but still public

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use digilocker_authpartner::auth::{IdTokenClaims, TokenResponse};
use digilocker_authpartner::types;
use digilocker_authpartner::xml::Certificate;
use digilocker_authpartner::{Gender, IdentityNumber};
use digilocker_authpartner_codegen::{IDENTITY_NUMBER, Layout, patched_spec};
use digilocker_sandbox::Sandbox;

const AADHAAR: &str = "999999990019";
const MOBILE: &str = "9876543210";
const PAN: &str = "ABCPK1234F";
const LICENCE: &str = "DL01202200000001";
const EMAIL: &str = "asha.kumari@example.com";

/// Fails if `shown` (the `Debug` or `Display` of `what`) holds any of the
/// `secrets` in full.
fn assert_masked(what: &str, shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !shown.contains(secret),
            "{what} shows {secret} in full: {shown}"
        );
    }
}

/// `Debug`, pretty `Debug` of `value`, checked.
fn check_debug(what: &str, value: &impl std::fmt::Debug, secrets: &[&str]) {
    assert_masked(what, &format!("{value:?}"), secrets);
    assert_masked(what, &format!("{value:#?}"), secrets);
}

const ALL: [&str; 5] = [AADHAAR, MOBILE, PAN, LICENCE, EMAIL];

#[test]
fn identity_number_masks_and_exposes_explicitly() {
    let n = IdentityNumber::new(AADHAAR);
    assert_eq!(n.to_string(), "xxxxxxxx0019");
    check_debug("IdentityNumber", &n, &ALL);
    assert_eq!(n.expose(), AADHAAR);
    assert_eq!(serde_json::to_value(&n).unwrap(), AADHAAR);
}

/// Every generated type with a marked field, and its builder.
#[test]
fn generated_request_types_mask_identity_numbers() {
    let verify = types::VerifyAccountRequest {
        uid: Some(AADHAAR.into()),
        mobile: Some(MOBILE.into()),
    };
    let signup: types::SignupRequest = serde_json::from_value(serde_json::json!({
        "consent": "Y", "dob": "01011990", "gender": "F", "mobile": MOBILE,
        "name": "Asha", "uid": AADHAAR
    }))
    .unwrap();
    let signup_verify = types::SignupVerifyRequest {
        mobile: MOBILE.into(),
        otp: "123456".into(),
    };
    let device: types::DeviceCodeRequest = serde_json::from_value(serde_json::json!({
        "client_id": "ABC", "dl_mobile": MOBILE, "response_type": "device_code"
    }))
    .unwrap();
    let mut covered = BTreeSet::new();
    let mut case = |name: &str, value: &dyn std::fmt::Debug| {
        covered.insert(name.to_string());
        assert_masked(name, &format!("{value:?}"), &ALL);
        assert_masked(name, &format!("{value:#?}"), &ALL);
    };
    case("VerifyAccountRequest", &verify);
    case(
        "VerifyAccountRequest",
        &types::builder::VerifyAccountRequest::from(verify.clone()),
    );
    case("SignupRequest", &signup);
    case(
        "SignupRequest",
        &types::builder::SignupRequest::from(signup.clone()),
    );
    case("SignupVerifyRequest", &signup_verify);
    case(
        "SignupVerifyRequest",
        &types::builder::SignupVerifyRequest::from(signup_verify.clone()),
    );
    case("DeviceCodeRequest", &device);
    case(
        "DeviceCodeRequest",
        &types::builder::DeviceCodeRequest::from(device.clone()),
    );
    // The masked form is still there: the last four digits.
    assert!(format!("{verify:?}").contains("xxxxxxxx0019"), "{verify:?}");

    // Every type the patched spec marks has a case above.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = patched_spec(&Layout::at(root)).unwrap();
    let marked: BTreeSet<String> = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, schema)| {
            schema["properties"]
                .as_object()
                .is_some_and(|p| p.values().any(|v| v[IDENTITY_NUMBER] == true))
        })
        .map(|(name, _)| name.clone())
        .collect();
    assert!(!marked.is_empty());
    assert_eq!(marked, covered, "every marked type is formatted here");
}

#[tokio::test]
async fn overlay_types_mask_identity_numbers() {
    let sb = Sandbox::start().await.unwrap();
    let client = common::client_for(&sb, |b| b);

    // The multipart calls carry the generated bodies.
    let call = client
        .verify_account()
        .body_map(|b| b.uid(Some(AADHAAR.to_string())));
    check_debug("MultipartCall<VerifyAccountRequest>", &call, &ALL);
    let call = client.signup().body_map(|b| {
        b.uid(AADHAAR)
            .mobile(MOBILE)
            .name("Asha")
            .dob("01011990")
            .gender(Gender::Female)
    });
    check_debug("MultipartCall<SignupRequest>", &call, &ALL);
    let call = client
        .verify_signup_otp()
        .body_map(|b| b.mobile(MOBILE).otp("123456"));
    check_debug("MultipartCall<SignupVerifyRequest>", &call, &ALL);
    let builder = client
        .get_device_code()
        .body_map(|b| b.dl_mobile(Some(MOBILE.to_string())));
    check_debug("builder::GetDeviceCode", &builder, &ALL);

    // The authorize URL builder holds a verified mobile.
    let builder = client.authorize_url().verified_mobile(MOBILE);
    check_debug("AuthorizeUrlBuilder", &builder, &ALL);

    // Token responses, sign-up responses, id_token claims.
    let tokens: TokenResponse = serde_json::from_value(serde_json::json!({
        "access_token": "t", "expires_in": 3600, "token_type": "Bearer", "mobile": MOBILE
    }))
    .unwrap();
    check_debug("TokenResponse", &tokens, &ALL);
    let signup: digilocker_authpartner::auth::SignupResponse =
        serde_json::from_value(serde_json::json!({ "mobile": MOBILE })).unwrap();
    check_debug("SignupResponse", &signup, &ALL);
    let claims: IdTokenClaims = serde_json::from_value(serde_json::json!({
        "iss": "i", "sub": "s", "aud": "a", "iat": 1, "exp": 2,
        "pan_number": PAN, "driving_licence": LICENCE, "phone_number": MOBILE,
        "email": EMAIL, "aadhaar": AADHAAR,
    }))
    .unwrap();
    check_debug("IdTokenClaims", &claims, &ALL);
    assert_eq!(
        claims.pan_number.as_ref().map(IdentityNumber::expose),
        Some(PAN)
    );

    // Certificate XML: the holder's phone.
    let cert = Certificate::from_xml(
        format!(r#"<Certificate><IssuedTo><Person uid="{AADHAAR}" phone="{MOBILE}"/></IssuedTo></Certificate>"#)
            .as_bytes(),
    )
    .unwrap();
    check_debug("Certificate", &cert, &ALL);
}

/// A real sign-in with `acr=pan` and `acr=driving_licence` over loopback:
/// the verified id_token in the token response carries the sandbox user's
/// numbers; neither the response nor the verified token shows them.
#[cfg(feature = "oidc")]
#[tokio::test]
async fn a_verified_id_token_shows_no_identity_number() {
    let sb = Sandbox::start().await.unwrap();
    let user = sb.test_user().clone();
    let secrets = [
        user.pan.as_str(),
        user.driving_licence.as_str(),
        user.mobile.as_str(),
        user.uid.as_str(),
    ];
    let client = common::client_for(&sb, |b| b.jwks_url(&sb.jwks_url()));
    for acr in [
        digilocker_authpartner::auth::Acr::Pan,
        digilocker_authpartner::auth::Acr::DrivingLicence,
    ] {
        let (url, pending) = client.authorize_url().openid().acr(acr).build().unwrap();
        let callback = common::consent(&url).await;
        let tokens = client.exchange_code(&pending, &callback).await.unwrap();
        let verified = tokens.verified_id_token().expect("verified");
        let claims = verified.claims();
        assert!(claims.pan_number.is_some() || claims.driving_licence.is_some());
        check_debug("TokenResponse (verified)", &tokens, &secrets);
        check_debug("VerifiedIdToken", verified, &secrets);
    }
}

/// A server that echoes the Aadhaar and mobile number it was sent into its
/// error: the typed error shows them masked.
#[tokio::test]
async fn an_echoing_server_cannot_put_a_number_into_an_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/public", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = stream.read(&mut buf).await;
                let body = format!(
                    r#"{{"error":"invalid_request {AADHAAR}","error_description":"no account for uid {AADHAAR} or mobile +91{MOBILE}, PAN {PAN}"}}"#
                );
                let head = format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body.as_bytes()).await;
            });
        }
    });
    let client = digilocker_authpartner::Client::builder("CLIENTID", "client-secret")
        .base_url(&base)
        .build()
        .unwrap();
    let err = client
        .verify_account()
        .body_map(|b| b.uid(Some(AADHAAR.to_string())))
        .send()
        .await
        .expect_err("the server answers 400");
    assert_masked("the error", &format!("{err} {err:?} {err:#?}"), &ALL);
    assert!(format!("{err}").contains("0019"), "{err}");
}
