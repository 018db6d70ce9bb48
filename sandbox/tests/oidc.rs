//! OpenID Connect (MeriPehchaan v2.3 p.5-8, p.13-14): the authorize
//! parameters, `/oauth2/2/token`, RS256 id_tokens checked against the JWKS,
//! the id_token faults and the logout page.

mod common;

use common::*;
use digilocker_sandbox::{Fault, IdTokenFault, Sandbox};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

async fn exchange_v2(sb: &Sandbox, code: &str) -> (u16, Value) {
    exchange_at(sb, "/oauth2/2/token", code, VERIFIER).await
}

async fn jwks(sb: &Sandbox) -> JwkSet {
    let resp = http().get(sb.jwks_url()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// An id_token from the OIDC endpoint for an authorization with `extra`.
async fn id_token(sb: &Sandbox, extra: &[(&str, &str)]) -> String {
    let mut q = vec![("scope", "openid")];
    q.extend_from_slice(extra);
    let loc = authorize_location(sb, &q).await;
    let code = param(&loc, "code").unwrap_or_else(|| panic!("no code: {loc}"));
    let (status, body) = exchange_v2(sb, &code).await;
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_string()
}

/// Checks `token` against the published JWKS as a relying party would.
async fn check(sb: &Sandbox, token: &str) -> jsonwebtoken::errors::Result<Value> {
    let header = jsonwebtoken::decode_header(token)?;
    let set = jwks(sb).await;
    let jwk = set
        .find(header.kid.as_deref().unwrap_or_default())
        .ok_or(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[sb.issuer()]);
    validation.set_audience(&[sb.client_id()]);
    Ok(jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk)?, &validation)?.claims)
}

#[tokio::test]
async fn oidc_token_endpoint_answers_the_pdf_fields_and_a_verifiable_rs256_id_token() {
    let sb = start().await;
    let loc = authorize_location(
        &sb,
        &[("scope", "openid"), ("acr", "pan"), ("nonce", "n-123")],
    )
    .await;
    let code = param(&loc, "code").unwrap();
    let (status, body) = exchange_v2(&sb, &code).await;
    assert_eq!(status, 200, "{body}");
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "access_token",
            "consent_valid_till",
            "expires_in",
            "id_token",
            "scope",
            "token_type"
        ]
    );
    let token = body["id_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(sb.id_token_kids()[0].as_str()));
    let claims = check(&sb, token).await.expect("verifies with the JWKS");
    let user = sb.test_user();
    assert_eq!(claims["iss"], sb.issuer());
    assert_eq!(claims["sub"], user.username.as_str());
    assert_eq!(claims["given_name"], user.name.as_str());
    assert_eq!(claims["birthdate"], "01/01/1990");
    assert_eq!(claims["pan_number"], user.pan.as_str());
    assert_eq!(claims["acr"], "pan");
    assert_eq!(claims["nonce"], "n-123");
    assert!(claims.get("driving_licence").is_none());
    // The code is spent; the access token works.
    let (status, _) = exchange_v2(&sb, &code).await;
    assert_eq!(status, 400);
    let me = http()
        .get(format!("{}/oauth2/1/user", sb.base_url()))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn oidc_token_endpoint_rejections() {
    let sb = start().await;
    let code = code(&sb).await;
    let resp = http()
        .post(format!("{}/oauth2/2/token", sb.base_url()))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    let (s, b) = (resp.status().as_u16(), resp.json::<Value>().await.unwrap());
    assert_error(s, &b, 400, "invalid_grant_type");
    let resp = http()
        .post(format!("{}/oauth2/2/token", sb.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", sb.client_id()),
            ("client_secret", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    let (s, b) = (resp.status().as_u16(), resp.json::<Value>().await.unwrap());
    assert_error(s, &b, 400, "invalid_client");
    // A code authorized without openid gets no id_token.
    let (status, body) = exchange_v2(&sb, &code).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("id_token").is_none());
}

#[tokio::test]
async fn authorize_enforces_scope_acr_amr_and_the_flags() {
    let sb = start().await;
    for (extra, error) in [
        (vec![("scope", "openid bogus")], "invalid_scope"),
        (vec![("scope", "partners.PAN-CR")], "invalid_scope"),
        (
            vec![("scope", "openid"), ("acr", "passport")],
            "invalid_request",
        ),
        (vec![("acr", "pan")], "invalid_request"),
        (
            vec![("dl_flow", "signup"), ("amr", "aadhaar fingerprint")],
            "invalid_request",
        ),
        (vec![("pla", "N")], "invalid_request"),
        (vec![("plsignup", "yes")], "invalid_request"),
        (vec![("ulsignup", "N")], "invalid_request"),
    ] {
        let loc = authorize_location(&sb, &extra).await;
        assert_eq!(
            param(&loc, "error").as_deref(),
            Some(error),
            "{extra:?}: {loc}"
        );
        assert!(param(&loc, "code").is_none());
    }
    // Accepted: known scopes, amr outside sign-up (ignored), the Y flags.
    for extra in [
        vec![(
            "scope",
            "openid userdetails files.issueddocs files.uploadeddocs partners.PANCR issued/in.gov.pan-PANCR-ABCDE1234F",
        )],
        vec![("amr", "fingerprint")],
        vec![
            ("dl_flow", "signup"),
            (
                "amr",
                "all driving_licence aadhaar pan ndlemail username mobile other",
            ),
            ("pla", "Y"),
            ("plsignup", "Y"),
            ("ulsignup", "Y"),
        ],
        vec![("scope", "openid"), ("acr", "driving_licence")],
    ] {
        let loc = authorize_location(&sb, &extra).await;
        assert!(param(&loc, "code").is_some(), "{extra:?}: {loc}");
    }
}

#[tokio::test]
async fn id_token_faults() {
    let sb = start().await;
    let inject = |fault| sb.inject(Fault::IdToken { fault, times: 1 });

    inject(IdTokenFault::Expired);
    let err = check(&sb, &id_token(&sb, &[]).await).await.unwrap_err();
    assert_eq!(
        *err.kind(),
        jsonwebtoken::errors::ErrorKind::ExpiredSignature
    );

    inject(IdTokenFault::WrongAudience);
    let err = check(&sb, &id_token(&sb, &[]).await).await.unwrap_err();
    assert_eq!(
        *err.kind(),
        jsonwebtoken::errors::ErrorKind::InvalidAudience
    );

    inject(IdTokenFault::WrongIssuer);
    let err = check(&sb, &id_token(&sb, &[]).await).await.unwrap_err();
    assert_eq!(*err.kind(), jsonwebtoken::errors::ErrorKind::InvalidIssuer);

    inject(IdTokenFault::TamperedSignature);
    let err = check(&sb, &id_token(&sb, &[]).await).await.unwrap_err();
    assert_eq!(
        *err.kind(),
        jsonwebtoken::errors::ErrorKind::InvalidSignature
    );

    inject(IdTokenFault::WrongNonce);
    let claims = check(&sb, &id_token(&sb, &[("nonce", "mine")]).await)
        .await
        .unwrap();
    assert_ne!(claims["nonce"], "mine");

    inject(IdTokenFault::UnpublishedKey);
    let token = id_token(&sb, &[]).await;
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    assert!(!sb.id_token_kids().contains(&kid));
    assert!(check(&sb, &token).await.is_err());

    let before = sb.id_token_kids()[0].clone();
    let old_token = id_token(&sb, &[]).await;
    inject(IdTokenFault::RotatedKey);
    let token = id_token(&sb, &[]).await;
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    assert_ne!(kid, before);
    assert_eq!(sb.id_token_kids(), vec![kid, before]);
    check(&sb, &token).await.expect("the new key is published");
    check(&sb, &old_token)
        .await
        .expect("the previous key stays published");
    // Undisturbed afterwards.
    check(&sb, &id_token(&sb, &[]).await).await.unwrap();
}

#[tokio::test]
async fn logout_page_redirects_with_user_loggedout() {
    let sb = start().await;
    let resp = http().get(sb.logout_url()).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let loc = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(sb.redirect_uri()), "{loc}");
    assert_eq!(param(&loc, "error").as_deref(), Some("user_loggedout"));
    assert_eq!(param(&loc, "error_description").as_deref(), Some("user"));
    assert_eq!(param(&loc, "state"), None);
}
