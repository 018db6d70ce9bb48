//! The HTML consent page of the authorize endpoint, answered over HTTP the
//! way a browser's form submission answers it.

mod common;

use std::time::Duration;

use common::*;
use digilocker_sandbox::{ConsentDecision, ConsentPage, Sandbox, SandboxConfig};

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn authorize_query<'a>(sb: &'a Sandbox, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut q = vec![
        ("response_type", "code"),
        ("client_id", sb.client_id()),
        ("redirect_uri", sb.redirect_uri()),
        ("state", "st-page"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    q.extend_from_slice(extra);
    q
}

/// GET authorize as a browser; returns (status, body).
async fn page(sb: &Sandbox, extra: &[(&str, &str)]) -> (u16, String) {
    let resp = http()
        .get(format!("{}/oauth2/1/authorize", sb.base_url()))
        .header("accept", BROWSER_ACCEPT)
        .query(&authorize_query(sb, extra))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    if status == 200 {
        assert_eq!(
            resp.headers()["content-type"],
            "text/html; charset=utf-8",
            "the page is HTML"
        );
        assert_eq!(resp.headers()["cache-control"], "no-store");
    }
    (status, resp.text().await.unwrap())
}

/// The value of the page's hidden `consent_request` field.
fn request_id(html: &str) -> String {
    let marker = r#"name="consent_request" value=""#;
    let start = html.find(marker).expect("hidden request field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// POST the form as the Allow/Deny button would; returns (status, Location or body).
async fn answer(sb: &Sandbox, id: &str, decision: &str) -> (u16, String) {
    let resp = http()
        .post(format!("{}/oauth2/1/authorize", sb.base_url()))
        .form(&[("consent_request", id), ("decision", decision)])
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    match resp.headers().get("location") {
        Some(loc) => (status, loc.to_str().unwrap().to_string()),
        None => (status, resp.text().await.unwrap()),
    }
}

#[tokio::test]
async fn browser_gets_the_page_with_user_documents_and_purpose() {
    let sb = start().await;
    let (status, html) = page(&sb, &[("purpose", "kyc"), ("req_doctype", "HSCER,DRVLC")]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Asha Sandbox Kumari"), "{html}");
    assert!(html.contains("xxxxxxxx1234"));
    assert!(html.contains("HSCER: Class XII Marksheet"));
    assert!(html.contains("DRVLC: Driving License"), "{html}");
    assert!(html.contains("Know your customer (kyc)"));
    assert!(html.contains(r#"value="allow""#) && html.contains(r#"value="deny""#));
    assert!(
        !html.contains("999999991234"),
        "the full Aadhaar is never shown"
    );
    // The page issued no code yet.
    assert_eq!(sb.count("POST", "/oauth2/1/authorize"), 0);
}

#[tokio::test]
async fn allow_redirects_with_a_code_that_exchanges_once() {
    let sb = start().await;
    let (_, html) = page(&sb, &[]).await;
    let id = request_id(&html);
    let (status, loc) = answer(&sb, &id, "allow").await;
    assert_eq!(status, 303, "{loc}");
    assert!(loc.starts_with(sb.redirect_uri()), "{loc}");
    assert_eq!(param(&loc, "state").as_deref(), Some("st-page"));
    let code = param(&loc, "code").expect("code");
    let (status, body) = exchange(&sb, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Asha Sandbox Kumari");
    // The page is answered at most once.
    let (status, body) = answer(&sb, &id, "allow").await;
    assert_eq!(status, 400);
    assert!(body.contains("expired or was already answered"), "{body}");
    let logged = sb.requests();
    let post = logged
        .iter()
        .find(|r| r.method == "POST" && r.path == "/oauth2/1/authorize")
        .expect("the answer is logged");
    assert_eq!(post.form_value("decision"), Some("allow"));
    assert_eq!(post.status, 303);
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_no_code() {
    let sb = start().await;
    let (_, html) = page(&sb, &[]).await;
    let (status, loc) = answer(&sb, &request_id(&html), "deny").await;
    assert_eq!(status, 303);
    assert_eq!(param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&loc, "state").as_deref(), Some("st-page"));
    assert!(param(&loc, "code").is_none());
}

#[tokio::test]
async fn unknown_decision_keeps_the_request_answerable() {
    let sb = start().await;
    let (_, html) = page(&sb, &[]).await;
    let id = request_id(&html);
    let (status, _) = answer(&sb, &id, "maybe").await;
    assert_eq!(status, 400);
    let (status, loc) = answer(&sb, &id, "allow").await;
    assert_eq!(status, 303, "{loc}");
    let (status, _) = answer(&sb, "0123456789abcdef0123456789abcdef", "allow").await;
    assert_eq!(status, 400, "an unknown request id is refused");
}

#[tokio::test]
async fn abandoned_page_expires() {
    let sb = start_with(SandboxConfig {
        consent_page_ttl: Duration::from_millis(200),
        ..SandboxConfig::default()
    })
    .await;
    let (_, html) = page(&sb, &[]).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body) = answer(&sb, &request_id(&html), "allow").await;
    assert_eq!(status, 400);
    assert!(body.contains("expired"), "{body}");
}

#[tokio::test]
async fn validation_errors_redirect_before_any_page() {
    let sb = start().await;
    let resp = http()
        .get(format!("{}/oauth2/1/authorize", sb.base_url()))
        .header("accept", BROWSER_ACCEPT)
        .query(&authorize_query(&sb, &[("purpose", "gossip")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let loc = resp.headers()["location"].to_str().unwrap();
    assert_eq!(param(loc, "error").as_deref(), Some("invalid_request"));
}

#[tokio::test]
async fn programmatic_consent_is_unchanged_without_text_html() {
    let sb = start().await;
    let loc = authorize_location(&sb, &[]).await;
    assert!(param(&loc, "code").is_some());
    sb.set_consent_decision(ConsentDecision::Deny);
    let loc = authorize_location(&sb, &[]).await;
    assert_eq!(param(&loc, "error").as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn configured_modes_override_the_accept_header() {
    let never = start_with(SandboxConfig {
        consent_page: ConsentPage::Never,
        ..SandboxConfig::default()
    })
    .await;
    let (status, _) = page(&never, &[]).await;
    assert_eq!(
        status, 302,
        "Never: a browser gets the programmatic redirect"
    );
    let always = start_with(SandboxConfig {
        consent_page: ConsentPage::Always,
        ..SandboxConfig::default()
    })
    .await;
    let resp = http()
        .get(format!("{}/oauth2/1/authorize", always.base_url()))
        .query(&authorize_query(&always, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "Always: the page without text/html");
    assert!(resp.text().await.unwrap().contains("Asha Sandbox Kumari"));
}
