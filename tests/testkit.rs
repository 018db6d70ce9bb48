//! The test kit (feature `testkit`): clients preconfigured for a sandbox,
//! the one-call login, and the consent decisions it honours.

use digilocker_authpartner::testkit::{self, ConsentDecision, Sandbox};
use digilocker_authpartner::{AuthError, Error};

#[tokio::test]
async fn logged_in_client_is_signed_in_as_the_test_user() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = testkit::logged_in_client(&sandbox).await.unwrap();
    let me = client.get_user_details().send().await.unwrap();
    assert_eq!(me.digilockerid, sandbox.test_user().digilockerid);
    assert_eq!(client.baseurl(), sandbox.base_url());
    // One consent and one code exchange, then the call: no refresh.
    assert_eq!(sandbox.count("GET", "/oauth2/1/authorize"), 1);
    assert_eq!(sandbox.count("POST", "/oauth2/1/token"), 1);
    assert_eq!(sandbox.token_refresh_count(), 0);
    // The tokens are this client's: refresh and revoke work.
    client.refresh().await.unwrap();
    assert_eq!(sandbox.token_refresh_count(), 1);
}

#[tokio::test]
async fn the_configured_consent_decision_reaches_the_client() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_consent_decision(ConsentDecision::Deny);
    let err = testkit::logged_in_client(&sandbox).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::Denied { .. })),
        "{err:?}"
    );
    sandbox.set_consent_decision(ConsentDecision::LoggedOut);
    let err = testkit::logged_in_client(&sandbox).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::LoggedOut { .. })),
        "{err:?}"
    );
    // Neither reached the token endpoint.
    assert_eq!(sandbox.count("POST", "/oauth2/1/token"), 0);
    sandbox.set_consent_decision(ConsentDecision::Approve);
    testkit::logged_in_client(&sandbox).await.unwrap();
}

#[tokio::test]
async fn a_client_for_another_server_is_never_consented_elsewhere() {
    let sandbox = Sandbox::start().await.unwrap();
    let other = Sandbox::start().await.unwrap();
    let client = testkit::client_builder(&other).build().unwrap();
    let err = testkit::log_in(client, &sandbox).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("not the authorize URL"), "{err}");
    assert!(sandbox.requests().is_empty() && other.requests().is_empty());
}

#[cfg(feature = "oidc")]
#[tokio::test]
async fn client_builder_verifies_the_sandboxs_id_tokens() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = testkit::client_builder(&sandbox)
        .build()
        .unwrap()
        .session("openid-user")
        .unwrap();
    let (url, pending) = client.authorize_url().openid().build().unwrap();
    let callback = sandbox.consent(&url).await.unwrap();
    let tokens = client.exchange_code(&pending, &callback).await.unwrap();
    let verified = tokens.verified_id_token().expect("a verified id_token");
    assert_eq!(
        verified.claims().given_name.as_deref(),
        Some(sandbox.test_user().name.as_str())
    );
}

/// README's testing section shows the kit's rustdoc example (a doctest
/// that runs), without its hidden lines.
#[test]
fn the_readme_shows_the_compiled_example() {
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("## Testing your integration").expect("section")..];
    let start = section.find("```rust,ignore\n").expect("example") + "```rust,ignore\n".len();
    let end = section[start..].find("\n```").expect("end") + start;
    let shown = &section[start..end];

    let docs: Vec<&str> = include_str!("../src/testkit.rs")
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| {
            l.strip_prefix("//! ")
                .unwrap_or(l.trim_start_matches("//!"))
        })
        .collect();
    let docs = docs.join("\n");
    let start = docs.find("```\nuse ").expect("doc example") + 4;
    let end = docs[start..].find("\n```").expect("end") + start;
    let compiled: Vec<&str> = docs[start..end]
        .lines()
        .filter(|l| !l.trim_start().starts_with("# ") && l.trim() != "#")
        .collect();
    assert_eq!(shown, compiled.join("\n"));
}
