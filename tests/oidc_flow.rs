//! The MeriPehchaan OpenID Connect flow end to end against the sandbox over
//! loopback: authorize parameters, `/oauth2/2/token`, id_tokens verified
//! against the sandbox's JWKS (cache, refetch on an unknown kid, rate limit,
//! size cap), the sandbox's id_token faults, and logout.

mod common;

use std::time::Duration;

use common::{client_for, consent};
use digilocker_authpartner::IdentityNumber;
use digilocker_authpartner::auth::{Acr, AuthMethod, Callback, IdTokenError, Scope};
use digilocker_authpartner::{AuthError, Client, ClientBuilder, Error, ErrorCode};
use digilocker_sandbox::{Fault, IdTokenFault, Sandbox};

const JWKS_PATH: &str = "/.well-known/jwks.json";

async fn sandbox() -> Sandbox {
    Sandbox::start().await.expect("sandbox starts")
}

/// A client that verifies id_tokens with the sandbox's JWKS.
fn oidc_client(sb: &Sandbox, configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
    client_for(sb, |b| configure(b.jwks_url(&sb.jwks_url())))
}

fn query(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Authorize with `openid` (plus `extra`), consent and exchange the code.
async fn openid_login(
    client: &Client,
    extra: impl FnOnce(
        digilocker_authpartner::auth::AuthorizeUrlBuilder<'_>,
    ) -> digilocker_authpartner::auth::AuthorizeUrlBuilder<'_>,
) -> Result<digilocker_authpartner::auth::TokenResponse, Error> {
    let (url, pending) = extra(client.authorize_url().openid()).build()?;
    let callback = consent(&url).await;
    client.exchange_code(&pending, &callback).await
}

fn id_token_error(result: Result<impl std::fmt::Debug, Error>) -> IdTokenError {
    match result {
        Err(Error::Auth(AuthError::IdToken(e))) => e,
        other => panic!("expected an id_token error, got {other:?}"),
    }
}

#[tokio::test]
async fn openid_login_verifies_the_id_token_from_the_oidc_token_endpoint() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    let (url, pending) = client
        .authorize_url()
        .openid()
        .scope(Scope::UserDetails)
        .acr(Acr::Pan)
        .build()
        .unwrap();
    assert_eq!(query(&url, "scope").as_deref(), Some("openid userdetails"));
    assert_eq!(query(&url, "acr").as_deref(), Some("pan"));
    assert!(pending.is_openid());
    let callback = consent(&url).await;
    let tokens = client.exchange_code(&pending, &callback).await.unwrap();

    assert_eq!(sb.count("POST", "/oauth2/2/token"), 1);
    assert_eq!(sb.count("POST", "/oauth2/1/token"), 0);
    let verified = tokens.verified_id_token().expect("verified id_token");
    assert_eq!(verified.kid(), Some(sb.id_token_kids()[0].as_str()));
    let claims = tokens.id_token_claims().unwrap();
    let user = sb.test_user();
    assert_eq!(claims.given_name.as_deref(), Some(user.name.as_str()));
    assert_eq!(claims.iss, sb.issuer());
    assert_eq!(claims.aud, vec![sb.client_id().to_string()]);
    assert_eq!(
        claims.pan_number.as_ref().map(IdentityNumber::expose),
        Some(user.pan.as_str())
    );
    assert_eq!(claims.driving_licence, None, "only the acr requested");
    assert_eq!(claims.extra["acr"], "pan");
    // The unverified decoding sees the same payload.
    assert_eq!(
        tokens.unverified_id_token_claims().unwrap().as_ref(),
        Some(claims)
    );
    // MeriPehchaan's OIDC endpoint issues no refresh token (v2.3 p.7-8).
    let stored = client.stored_tokens().await.unwrap().unwrap();
    assert!(stored.refresh_token.is_none());
    // The access token works.
    let me = client.get_user_details().send().await.unwrap();
    assert_eq!(me.name, user.name);
    // The JWKS was fetched once, with no credentials.
    let fetches: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|r| r.path == JWKS_PATH)
        .collect();
    assert_eq!(fetches.len(), 1);
    assert_eq!(fetches[0].auth_scheme, None);
}

#[tokio::test]
async fn without_openid_the_v1_endpoint_is_used_and_nothing_is_verified() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    let (pending, callback) = common::authorize(&client).await;
    let tokens = client.exchange_code(&pending, &callback).await.unwrap();
    assert_eq!(sb.count("POST", "/oauth2/1/token"), 1);
    assert!(tokens.id_token.is_none());
    assert!(tokens.id_token_claims().is_none());
    assert_eq!(sb.count("GET", JWKS_PATH), 0);
}

#[tokio::test]
async fn the_nonce_is_sent_and_checked() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    let (url, pending) = client
        .authorize_url()
        .openid()
        .random_nonce()
        .build()
        .unwrap();
    let nonce = pending.nonce().expect("a nonce").to_string();
    assert_eq!(query(&url, "nonce"), Some(nonce.clone()));
    // It survives the session round trip.
    let pending = digilocker_authpartner::auth::PendingAuthorization::from_json(
        pending.to_json_exposing_secrets().as_bytes(),
    )
    .unwrap();
    let callback = consent(&url).await;
    let tokens = client.exchange_code(&pending, &callback).await.unwrap();
    assert_eq!(tokens.id_token_claims().unwrap().nonce, Some(nonce));

    sb.inject(Fault::IdToken {
        fault: IdTokenFault::WrongNonce,
        times: 1,
    });
    let err = openid_login(&client, |b| b.nonce("my-nonce-1")).await;
    assert_eq!(id_token_error(err), IdTokenError::NonceMismatch);
}

#[tokio::test]
async fn sandbox_faults_give_typed_errors_and_store_nothing() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    let cases = [
        (IdTokenFault::Expired, IdTokenError::Expired),
        (IdTokenFault::WrongAudience, IdTokenError::WrongAudience),
        (
            IdTokenFault::WrongIssuer,
            IdTokenError::WrongIssuer {
                expected: sb.issuer().to_string(),
            },
        ),
        (
            IdTokenFault::TamperedSignature,
            IdTokenError::InvalidSignature,
        ),
    ];
    for (fault, expected) in cases {
        sb.inject(Fault::IdToken { fault, times: 1 });
        let err = openid_login(&client, |b| b).await;
        assert_eq!(id_token_error(err), expected, "{fault:?}");
        assert!(
            client.stored_tokens().await.unwrap().is_none(),
            "{fault:?}: tokens stored although the id_token was refused"
        );
    }
    // The next login is fine again.
    openid_login(&client, |b| b).await.unwrap();
}

#[tokio::test]
async fn a_rotated_key_is_found_by_one_jwks_refetch() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    openid_login(&client, |b| b).await.unwrap();
    assert_eq!(sb.count("GET", JWKS_PATH), 1);
    let old_kid = sb.id_token_kids()[0].clone();

    sb.inject(Fault::IdToken {
        fault: IdTokenFault::RotatedKey,
        times: 1,
    });
    let tokens = openid_login(&client, |b| b).await.unwrap();
    let new_kid = tokens
        .verified_id_token()
        .unwrap()
        .kid()
        .unwrap()
        .to_string();
    assert_ne!(new_kid, old_kid);
    assert_eq!(sb.id_token_kids(), vec![new_kid, old_kid]);
    assert_eq!(sb.count("GET", JWKS_PATH), 2, "one refetch for the new kid");
    // Cached from now on.
    openid_login(&client, |b| b).await.unwrap();
    assert_eq!(sb.count("GET", JWKS_PATH), 2);
}

#[tokio::test]
async fn unknown_kids_cause_at_most_one_refetch_per_interval() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    sb.inject(Fault::IdToken {
        fault: IdTokenFault::UnpublishedKey,
        times: 3,
    });
    for round in 0..3 {
        let err = id_token_error(openid_login(&client, |b| b).await);
        assert!(
            matches!(err, IdTokenError::UnknownKid(Some(_))),
            "round {round}: {err:?}"
        );
    }
    // The first fetch found no such kid and was fresh: no refetch. The next
    // unknown kid refetched once; the third was refused by the rate limit.
    assert_eq!(sb.count("GET", JWKS_PATH), 2);

    // With no interval, every unknown kid after the first fetch refetches once.
    let eager = oidc_client(&sb, |b| {
        b.jwks_cache(Duration::from_secs(3600), Duration::ZERO)
    });
    sb.clear_requests();
    sb.inject(Fault::IdToken {
        fault: IdTokenFault::UnpublishedKey,
        times: 3,
    });
    for _ in 0..3 {
        id_token_error(openid_login(&eager, |b| b).await);
    }
    assert_eq!(sb.count("GET", JWKS_PATH), 3);
}

/// Eight sessions exchange their codes at once while the sandbox holds the
/// JWKS answer 300 ms: every id_token arrives while the one fetch is in
/// flight (the log shows all eight token answers before the JWKS answer),
/// and all eight wait for it. Ten rounds, each with a new client (an empty
/// key cache), on two worker threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_verifications_share_one_jwks_fetch() {
    const SESSIONS: usize = 8;
    for round in 0..10 {
        let sb = sandbox().await;
        let client = oidc_client(&sb, |b| b);
        sb.inject(Fault::Delay {
            path: JWKS_PATH.into(),
            delay: Duration::from_millis(300),
            times: 1,
        });
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(SESSIONS));
        let mut logins = Vec::new();
        for n in 0..SESSIONS {
            let session = client.session(&format!("user-{n}")).unwrap();
            let start = start.clone();
            logins.push(tokio::spawn(async move {
                let (url, pending) = session.authorize_url().openid().build()?;
                let callback = consent(&url).await;
                start.wait().await;
                session.exchange_code(&pending, &callback).await.map(drop)
            }));
        }
        for login in logins {
            login.await.unwrap().unwrap();
        }
        assert_eq!(sb.count("GET", JWKS_PATH), 1, "round {round}");
        let order: Vec<String> = sb
            .requests()
            .into_iter()
            .map(|r| r.path)
            .filter(|p| p == JWKS_PATH || p == "/oauth2/2/token")
            .collect();
        assert_eq!(
            order.iter().position(|p| p == JWKS_PATH),
            Some(SESSIONS),
            "round {round}: every token arrived before the one JWKS answer: {order:?}"
        );
    }
}

#[tokio::test]
async fn jwks_failures_are_typed() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    sb.inject(Fault::Status {
        path: JWKS_PATH.into(),
        times: 1,
        status: 503,
        error: "temporarily_unavailable".into(),
    });
    let err = id_token_error(openid_login(&client, |b| b).await);
    assert!(
        matches!(&err, IdTokenError::KeyFetch(why) if why.contains("503")),
        "{err:?}"
    );
    // A secret in the JWKS URL's query never reaches an error message.
    let secret_url = format!("{}?access=JWKS-SECRET-123", sb.jwks_url());
    let client = client_for(&sb, |b| b.jwks_url(&secret_url));
    sb.inject(Fault::Status {
        path: JWKS_PATH.into(),
        times: 1,
        status: 500,
        error: "unexpected_error".into(),
    });
    let err = openid_login(&client, |b| b).await.unwrap_err();
    assert!(
        !format!("{err} {err:?}").contains("JWKS-SECRET-123"),
        "{err}"
    );

    // Oversized, not JSON and redirecting JWKS bodies, from a bare loopback server.
    for (body, status, expect) in [
        (
            format!("{{\"keys\":[\"{}\"]}}", "x".repeat(70_000)),
            200,
            "larger than",
        ),
        ("<html>not json</html>".to_string(), 200, "not a JWK set"),
        (String::new(), 302, "302"),
    ] {
        let url = serve_once(status, body).await;
        let client = client_for(&sb, |b| b.jwks_url(&url));
        let err = id_token_error(openid_login(&client, |b| b).await);
        assert!(
            matches!(&err, IdTokenError::KeyFetch(why) if why.contains(expect)),
            "{expect}: {err:?}"
        );
    }
}

/// A loopback server answering one request with `status` and `body`
/// (a 302 points at an address that must never be contacted).
async fn serve_once(status: u16, body: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    tokio::spawn(async move {
        if let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let extra = if status == 302 {
                "Location: http://127.0.0.2:9/elsewhere\r\n"
            } else {
                "Content-Type: application/json\r\n"
            };
            let head = format!(
                "HTTP/1.1 {status} X\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        }
    });
    url
}

#[tokio::test]
async fn bad_meripehchaan_options_fail_before_the_network() {
    let sb = sandbox().await;
    let plain = client_for(&sb, |b| b);
    let oidc = oidc_client(&sb, |b| b);
    let field = |r: Result<_, Error>| match r {
        Err(Error::Validation(v)) => v.field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(field(plain.authorize_url().openid().build()), "scope");
    assert_eq!(field(oidc.authorize_url().acr(Acr::Aadhaar).build()), "acr");
    assert_eq!(field(oidc.authorize_url().nonce("n").build()), "nonce");
    assert_eq!(
        field(oidc.authorize_url().openid().nonce("has space").build()),
        "nonce"
    );
    assert_eq!(
        field(oidc.authorize_url().amr([AuthMethod::Aadhaar]).build()),
        "amr"
    );
    assert_eq!(
        field(oidc.authorize_url().pinless_signup().build()),
        "plsignup"
    );
    assert_eq!(
        field(oidc.authorize_url().usernameless_signup().build()),
        "ulsignup"
    );
    assert_eq!(
        field(
            oidc.authorize_url()
                .scope(Scope::Other("two words".into()))
                .build()
        ),
        "scope"
    );
    assert_eq!(
        field(
            oidc.authorize_url()
                .scope(Scope::PullDocument("PAN CR".into()))
                .build()
        ),
        "scope"
    );
    assert!(sb.requests().is_empty());
}

#[tokio::test]
async fn sign_up_options_reach_the_sandbox() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    let (url, pending) = client
        .authorize_url()
        .signup()
        .openid()
        .acr(Acr::DrivingLicence)
        .amr([AuthMethod::Aadhaar, AuthMethod::Mobile, AuthMethod::Aadhaar])
        .pinless()
        .pinless_signup()
        .usernameless_signup()
        .scope(Scope::PullDocument("DRVLC".into()))
        .scope(Scope::IssuedDocument(
            "in.gov.transport-DRVLC-DL0120230100001".into(),
        ))
        .build()
        .unwrap();
    assert_eq!(query(&url, "amr").as_deref(), Some("aadhaar mobile"));
    for flag in ["pla", "plsignup", "ulsignup"] {
        assert_eq!(query(&url, flag).as_deref(), Some("Y"), "{flag}");
    }
    assert_eq!(
        query(&url, "scope").as_deref(),
        Some("openid partners.DRVLC issued/in.gov.transport-DRVLC-DL0120230100001")
    );
    let callback = consent(&url).await;
    let tokens = client.exchange_code(&pending, &callback).await.unwrap();
    let claims = tokens.id_token_claims().unwrap();
    assert_eq!(
        claims.driving_licence.as_ref().map(IdentityNumber::expose),
        Some(sb.test_user().driving_licence.as_str())
    );
    assert_eq!(claims.pan_number, None);
}

#[tokio::test]
async fn logout_url_and_the_logged_out_callback() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    let logout = client.logout_url().expect("a logout URL for the sandbox");
    assert_eq!(logout.as_str(), sb.logout_url());
    // The browser follows the logout page back to the redirect URI.
    let back = consent(&logout).await;
    assert!(back.starts_with(sb.redirect_uri()), "{back}");
    let callback = Callback::parse(&back).unwrap();
    assert!(callback.is_logged_out());
    assert_eq!(callback.state(), None);
    assert_eq!(callback.error(), Some(ErrorCode::UserLoggedout));

    // A pending authorization reports it as its own outcome, not a state
    // mismatch, and nothing is sent.
    let (_url, pending) = client.authorize_url().build().unwrap();
    sb.clear_requests();
    let err = client.exchange_code(&pending, &back).await.unwrap_err();
    match &err {
        Error::Auth(AuthError::LoggedOut { description }) => {
            assert_eq!(description.as_deref(), Some("user"));
        }
        other => panic!("expected LoggedOut, got {other:?}"),
    }
    assert_eq!(err.code(), Some(&ErrorCode::UserLoggedout));
    assert!(sb.requests().is_empty());
}

#[test]
fn logout_urls_per_environment() {
    use digilocker_authpartner::Environment;
    assert_eq!(
        Environment::MeriPehchaan.logout_url().unwrap().as_str(),
        "https://digilocker.meripehchaan.gov.in/signin/logout/Y"
    );
    assert_eq!(Environment::Production.logout_url(), None);
    assert_eq!(Environment::Beta.logout_url(), None);
    assert_eq!(
        Environment::custom("http://127.0.0.1:8080/public/")
            .unwrap()
            .logout_url()
            .unwrap()
            .as_str(),
        "http://127.0.0.1:8080/signin/logout/Y"
    );
}

#[tokio::test]
async fn a_jwks_url_must_be_https_or_loopback() {
    let err = Client::builder("id", "secret")
        .jwks_url("http://keys.example/jwks.json")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = Client::builder("id", "secret")
        .jwks_url("not a url")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let sb = sandbox().await;
    let client = oidc_client(&sb, |b| b);
    let tokens = openid_login(&client, |b| b).await.unwrap();
    let id_token = {
        use secrecy::ExposeSecret;
        tokens
            .id_token
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_string()
    };
    let shown = format!("{tokens:?} {:?}", tokens.verified_id_token());
    assert!(!shown.contains(&id_token));
    for part in id_token.split('.') {
        assert!(!shown.contains(part), "a part of the id_token is shown");
    }
}
