//! Helpers shared by the integration tests. Hashes are computed here from
//! literal concatenations, never with the sandbox's own rule table.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use digilocker_sandbox::{Sandbox, SandboxConfig};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A table row: form fields, expected status, expected error code.
pub type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);

/// RFC 7636 Appendix B verifier and its S256 challenge.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// RFC 7636 Appendix B challenge.
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn start() -> Sandbox {
    Sandbox::start().await.expect("sandbox starts")
}

pub async fn start_with(cfg: SandboxConfig) -> Sandbox {
    Sandbox::start_with(cfg).await.expect("sandbox starts")
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn hmac_b64(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Run authorize with the RFC verifier; return the redirect `Location`.
pub async fn authorize_location(sb: &Sandbox, extra: &[(&str, &str)]) -> String {
    let mut q = vec![
        ("response_type", "code"),
        ("client_id", sb.client_id()),
        ("redirect_uri", sb.redirect_uri()),
        ("state", "st-123"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    q.extend_from_slice(extra);
    let resp = http()
        .get(format!("{}/oauth2/1/authorize", sb.base_url()))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302, "authorize redirects");
    resp.headers()["location"].to_str().unwrap().to_string()
}

/// Query parameters of a redirect location.
pub fn query_of(location: &str) -> Vec<(String, String)> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    serde_urlencoded::from_str(q).unwrap()
}

pub fn param(location: &str, name: &str) -> Option<String> {
    query_of(location)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Get an authorization code for the test user.
pub async fn code(sb: &Sandbox) -> String {
    let loc = authorize_location(sb, &[]).await;
    param(&loc, "code").expect("code in redirect")
}

/// Exchange a code (credentials in the body); return (status, json).
pub async fn exchange(sb: &Sandbox, code: &str, verifier: &str) -> (u16, Value) {
    exchange_at(sb, "/oauth2/1/token", code, verifier).await
}

/// [`exchange`] at another token endpoint, e.g. `/oauth2/2/token`.
pub async fn exchange_at(sb: &Sandbox, path: &str, code: &str, verifier: &str) -> (u16, Value) {
    let resp = http()
        .post(format!("{}{path}", sb.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", sb.client_id()),
            ("client_secret", sb.client_secret()),
            ("redirect_uri", sb.redirect_uri()),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A full authorize + token flow; returns the token response.
pub async fn login(sb: &Sandbox) -> Value {
    let code = code(sb).await;
    let (status, body) = exchange(sb, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A fresh access token.
pub async fn access_token(sb: &Sandbox) -> String {
    login(sb).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// GET with a bearer token; returns (status, headers, body bytes).
pub async fn get(
    sb: &Sandbox,
    token: &str,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = http()
        .get(format!("{}{}", sb.base_url(), path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

pub async fn get_json(sb: &Sandbox, token: &str, path: &str) -> (u16, Value) {
    let (s, _, b) = get(sb, token, path).await;
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// Assert an error JSON body.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_error: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"], want_error, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
}

/// POST a form; returns (status, json).
pub async fn post_form(
    sb: &Sandbox,
    path: &str,
    form: &[(&str, &str)],
    bearer: Option<&str>,
) -> (u16, Value) {
    let mut req = http().post(format!("{}{}", sb.base_url(), path)).form(form);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// POST a multipart body of text parts; returns (status, json).
pub async fn post_multipart(sb: &Sandbox, path: &str, fields: &[(&str, String)]) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.clone());
    }
    let resp = http()
        .post(format!("{}{}", sb.base_url(), path))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A small but well-formed PDF.
pub fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// PNG signature + IHDR start (enough for magic-byte sniffing).
pub fn png_bytes() -> Vec<u8> {
    let mut v = vec![
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
    ];
    v.extend_from_slice(b"IHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0");
    v
}

/// JPEG SOI + JFIF APP0 (enough for magic-byte sniffing).
pub fn jpeg_bytes() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

/// Upload with explicit headers (`None` omits one).
pub async fn upload(
    sb: &Sandbox,
    token: &str,
    path: Option<&str>,
    content_type: Option<&str>,
    hmac: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut req = http()
        .post(format!("{}/oauth2/1/file/upload", sb.base_url()))
        .bearer_auth(token);
    if let Some(p) = path {
        req = req.header("path", p);
    }
    if let Some(c) = content_type {
        req = req.header("content-type", c);
    }
    if let Some(h) = hmac {
        req = req.header("hmac", h);
    }
    let resp = req.body(body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Upload with a correct HMAC.
pub async fn upload_ok(
    sb: &Sandbox,
    token: &str,
    path: &str,
    ct: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let mac = hmac_b64(sb.client_secret(), &body);
    upload(sb, token, Some(path), Some(ct), Some(&mac), body).await
}
