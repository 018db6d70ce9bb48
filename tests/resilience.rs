//! Fault tests against the sandbox's fault injection: retries only where
//! safe, bounded by attempts and time; timeouts; connection failures; the
//! refresh-once-on-401 rule. Counts come from the sandbox's request log, not
//! from the wall clock (time bounds are generous upper limits only).

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{client_for, sign_in};
use digilocker_authpartner::retry::RetryPolicy;
use digilocker_authpartner::signing::BodySigner;
use digilocker_authpartner::types::{
    PullDocumentRequestConsent, PushUriRequestAction, SignupRequestConsent,
    SignupRequestVerification,
};
use digilocker_authpartner::{AuthError, Client, Error, ErrorCode, Gender};
use digilocker_sandbox::{Fault, Sandbox};

const USER: &str = "/oauth2/1/user";
const TOKEN: &str = "/oauth2/1/token";

/// A fast policy for tests: `attempts` attempts, 10 ms backoff doubling to 40 ms.
fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
}

async fn sandbox() -> Sandbox {
    Sandbox::start().await.expect("sandbox starts")
}

/// A signed-in client for `sb` with `policy`.
async fn signed_in_with(sb: &Sandbox, policy: RetryPolicy) -> Client {
    let client = client_for(sb, |b| b.retry_policy(policy));
    sign_in(&client).await;
    client
}

fn status_fault(path: &str, times: usize, status: u16, error: &str) -> Fault {
    Fault::Status {
        path: path.into(),
        times,
        status,
        error: error.into(),
    }
}

#[tokio::test]
async fn a_503_burst_shorter_than_the_budget_succeeds() {
    let sb = sandbox().await;
    // The real default policy (4 attempts, 100 ms doubling): 2 x 503 fit.
    let client = signed_in_with(&sb, RetryPolicy::default()).await;
    sb.inject(status_fault(
        USER,
        2,
        503,
        "repository_service_unresponsive",
    ));
    let me = client
        .get_user_details()
        .send()
        .await
        .expect("third attempt succeeds");
    assert_eq!(me.digilockerid, sb.test_user().digilockerid);
    assert_eq!(sb.count("GET", USER), 3);
}

#[tokio::test]
async fn every_gateway_status_is_retried() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(4)).await;
    for (i, status) in [502u16, 503, 504].into_iter().enumerate() {
        sb.inject(status_fault(USER, 1, status, "unexpected_error"));
        client
            .get_user_details()
            .send()
            .await
            .expect("retry succeeds");
        assert_eq!(sb.count("GET", USER), 2 * (i + 1), "status {status}");
    }
}

/// Requester API Spec v1.12 lists `repository_service_unpublished` and
/// `repository_service_inactive` with status 503, but they are definite
/// answers: sent once, not retried.
#[tokio::test]
async fn documented_permanent_503_codes_are_not_retried() {
    for code in [
        "repository_service_unpublished",
        "repository_service_inactive",
    ] {
        let sb = Sandbox::start().await.unwrap();
        let client = signed_in_with(&sb, fast(4)).await;
        sb.inject(status_fault(USER, 5, 503, code));
        let err = client.get_user_details().send().await.unwrap_err();
        assert_eq!(err.code().map(ErrorCode::as_str), Some(code), "{err:?}");
        assert!(!err.is_retryable(), "{code}");
        assert_eq!(sb.count("GET", USER), 1, "{code}: sent once");
    }
}

#[tokio::test]
async fn a_longer_burst_fails_with_a_retryable_error_after_bounded_attempts() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(3)).await;
    sb.inject(status_fault(USER, 50, 503, "unexpected_error"));
    let started = Instant::now();
    let err = client.get_user_details().send().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "bounded time");
    assert!(
        matches!(
            &err,
            Error::Api {
                status: 503,
                code: ErrorCode::UnexpectedError,
                operation: Some("get_user_details"),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(sb.count("GET", USER), 3, "exactly max_attempts requests");
}

#[tokio::test]
async fn the_time_budget_bounds_retries_too() {
    let sb = sandbox().await;
    // Many attempts allowed, but only 1 s in all.
    let policy = RetryPolicy::default()
        .max_attempts(1000)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(1))
        .max_elapsed(Duration::from_secs(1));
    let client = signed_in_with(&sb, policy).await;
    // The sandbox holds every attempt 200 ms: attempt k ends at least
    // k x 200 ms after the start, and another may start only while less
    // than 1 s has passed, so the budget allows at most 5 attempts however
    // fast the machine is. The first attempt ends well within the budget
    // (200 ms plus a loopback round trip), so there is a retry.
    sb.inject(Fault::Delay {
        path: USER.into(),
        delay: Duration::from_millis(200),
        times: 100_000,
    });
    sb.inject(status_fault(USER, 100_000, 504, "unexpected_error"));
    let err = client.get_user_details().send().await.unwrap_err();
    assert_eq!(err.status(), Some(504));
    assert!(err.is_retryable());
    let seen = sb.count("GET", USER);
    assert!((2..=5).contains(&seen), "{seen} attempts");
}

#[tokio::test]
async fn transient_codes_on_500_and_530_are_retried() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(3)).await;
    sb.inject(status_fault(
        USER,
        1,
        500,
        "repository_service_unresponsive",
    ));
    client.get_user_details().send().await.expect("retried");
    assert_eq!(sb.count("GET", USER), 2);

    sb.inject(status_fault(
        "/oauth2/2/files/issued",
        2,
        530,
        " partner_service_unresponsive ",
    ));
    let list = client.get_issued_documents().send().await.expect("retried");
    assert!(!list.items.is_empty());
    assert_eq!(sb.count("GET", "/oauth2/2/files/issued"), 3);
}

#[tokio::test]
async fn unexpected_error_500_is_not_retried() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(4)).await;
    sb.inject(status_fault(USER, 5, 500, "unexpected_error"));
    let err = client.get_user_details().send().await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Api {
                status: 500,
                code: ErrorCode::UnexpectedError,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(sb.count("GET", USER), 1);
}

#[tokio::test]
async fn status_530_decodes_to_a_typed_api_error() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(4)).await;
    sb.inject(status_fault(USER, 1, 530, "unexpected_error"));
    let err = client.get_user_details().send().await.unwrap_err();
    match &err {
        Error::Api {
            status,
            code,
            description,
            operation,
        } => {
            assert_eq!(*status, 530);
            assert_eq!(*code, ErrorCode::UnexpectedError);
            assert!(description.is_some());
            assert_eq!(*operation, Some("get_user_details"));
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(sb.count("GET", USER), 1);
}

/// Fails the next `times` requests to `path` with `status`, each held
/// 1.1 s first: the retry after it is signed in a later second, so its
/// `ts`, and with it the request hash, differs from the attempt before if
/// and only if the client signed it afresh.
fn slow_failures(sb: &Sandbox, path: &str, times: usize, status: u16) {
    sb.inject(Fault::Delay {
        path: path.into(),
        delay: Duration::from_millis(1100),
        times,
    });
    sb.inject(status_fault(path, times, status, "unexpected_error"));
}

/// Every signature the sandbox received for `path`: `attempts` of them,
/// none a repeat, each with a later `ts` than the one before.
fn assert_signed_afresh(sb: &Sandbox, path: &str, attempts: usize) {
    let signatures: Vec<_> = sb
        .signatures()
        .into_iter()
        .filter(|s| s.path == path)
        .collect();
    assert_eq!(signatures.len(), attempts, "{path}: {signatures:?}");
    assert!(
        signatures.iter().all(|s| !s.reused),
        "{path}: a retry repeated a signature: {signatures:?}"
    );
    let ts: Vec<u64> = signatures.iter().map(|s| s.ts.parse().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] < w[1]), "{path}: ts {ts:?}");
}

#[tokio::test]
async fn signed_reads_are_retried_with_a_fresh_signature() {
    let sb = sandbox().await;
    let client = client_for(&sb, |b| b.retry_policy(fast(3)));
    slow_failures(&sb, "/oauth2/1/pull/issuers", 2, 503);
    let issuers = client.list_issuers().send().await.expect("retried");
    assert!(!issuers.issuers.is_empty());
    let attempts: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|r| r.path == "/oauth2/1/pull/issuers")
        .map(|r| r.status)
        .collect();
    assert_eq!(
        attempts,
        [503, 503, 200],
        "the re-signed attempt is accepted"
    );
    assert_signed_afresh(&sb, "/oauth2/1/pull/issuers", 3);

    // verify_account (a multipart read) is retried and re-signed too.
    slow_failures(&sb, "/account/2/verify", 1, 502);
    let answer = client
        .verify_account()
        .body_map(|b| b.mobile(sb.test_user().mobile.clone()))
        .send()
        .await
        .expect("retried");
    assert!(bool::from(answer.registered));
    assert_eq!(sb.count("POST", "/account/2/verify"), 2);
    assert_signed_afresh(&sb, "/account/2/verify", 2);
}

/// Upload, pull document, push URI, sign-up and the code exchange: one
/// request each under a 503 burst, and the error is still typed as retryable
/// for a caller who knows the operation is safe to repeat.
#[tokio::test]
#[allow(deprecated)]
async fn non_idempotent_operations_are_never_retried() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(5)).await;
    let user = sb.test_user();

    // Upload.
    sb.inject(status_fault(
        "/oauth2/1/file/upload",
        5,
        503,
        "unexpected_error",
    ));
    let body = b"%PDF-1.4\n%resilience\n".to_vec();
    let mut signer = BodySigner::new(sb.client_secret().as_bytes());
    signer.update(&body);
    let err = client
        .upload_file()
        .content_type("application/pdf")
        .path("/resilience.pdf")
        .hmac(signer.finish_base64())
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(sb.count("POST", "/oauth2/1/file/upload"), 1, "upload");

    // Pull document.
    sb.inject(status_fault(
        "/oauth2/1/pull/pulldocument",
        5,
        503,
        "unexpected_error",
    ));
    let err = client
        .pull_document()
        .body_map(|b| {
            b.orgid("000018")
                .doctype("HSCER")
                .consent(PullDocumentRequestConsent::Y)
                .extra(HashMap::from([
                    ("rollno".to_string(), "1234567".to_string()),
                    ("year".to_string(), "2019".to_string()),
                ]))
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(
        sb.count("POST", "/oauth2/1/pull/pulldocument"),
        1,
        "pull document"
    );

    // Push URI.
    sb.inject(status_fault(
        "/account/1/pushuri",
        5,
        503,
        "unexpected_error",
    ));
    let err = client
        .push_uri()
        .body_map(|b| {
            b.digilockerid(user.digilockerid.clone())
                .uri("in.gov.cbse-HSCER-900001")
                .doctype("HSCER")
                .description("Class XII Marksheet")
                .docid("900001")
                .issuedate("01062024")
                .action(PushUriRequestAction::A)
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(sb.count("POST", "/account/1/pushuri"), 1, "push uri");

    // Sign-up.
    sb.inject(status_fault(
        "/signup/2/demoauth",
        5,
        503,
        "unexpected_error",
    ));
    let err = client
        .signup()
        .body_map(|b| {
            b.uid("999999990042")
                .name("Ravi Sandbox")
                .dob("01011990")
                .gender(Gender::Male)
                .mobile("9000000042")
                .verification(Some(SignupRequestVerification::N))
                .consent(SignupRequestConsent::Y)
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(sb.count("POST", "/signup/2/demoauth"), 1, "signup");

    // The code-for-token exchange.
    let fresh = client_for(&sb, |b| b.retry_policy(fast(5)));
    let (pending, callback) = common::authorize(&fresh).await;
    let before = sb.count("POST", TOKEN);
    sb.inject(status_fault(TOKEN, 5, 503, "unexpected_error"));
    let err = fresh.exchange_code(&pending, &callback).await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(sb.count("POST", TOKEN), before + 1, "code exchange");
}

#[tokio::test]
async fn the_refresh_grant_is_retried() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(3)).await;
    sb.inject(status_fault(TOKEN, 1, 503, "unexpected_error"));
    client.refresh().await.expect("refresh retried");
    assert_eq!(sb.token_refresh_count(), 2);
}

#[tokio::test]
async fn retry_policy_none_turns_retries_off() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, RetryPolicy::none()).await;
    sb.inject(status_fault(USER, 1, 503, "unexpected_error"));
    let err = client.get_user_details().send().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable(), "still retryable for the caller");
    assert_eq!(sb.count("GET", USER), 1);
    // The fault is used up: the next call goes through.
    client
        .get_user_details()
        .send()
        .await
        .expect("no fault left");
}

#[tokio::test]
async fn a_slow_response_past_the_timeout_is_a_timeout_error() {
    let sb = sandbox().await;
    let client = client_for(&sb, |b| {
        b.timeout(Duration::from_millis(200))
            .retry_policy(RetryPolicy::none())
    });
    sign_in(&client).await;
    sb.inject(Fault::Delay {
        path: USER.into(),
        delay: Duration::from_secs(2),
        times: 1,
    });
    let started = Instant::now();
    let err = client.get_user_details().send().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "gave up before the server answered"
    );
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(err.operation(), Some("get_user_details"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn default_timeouts_are_set_and_not_too_small() {
    let sb = sandbox().await;
    let client = client_for(&sb, |b| b); // default connect (10 s) and request (30 s) timeouts
    sign_in(&client).await;
    sb.inject(Fault::Delay {
        path: USER.into(),
        delay: Duration::from_secs(1),
        times: 1,
    });
    client
        .get_user_details()
        .send()
        .await
        .expect("a 1 s answer is within the default timeout");
    assert_eq!(sb.count("GET", USER), 1);

    // The connect timeout is configurable alongside (loopback connects at once).
    let client = client_for(&sb, |b| {
        b.connect_timeout(Duration::from_millis(500))
            .timeout(Duration::from_secs(5))
    });
    client
        .list_issuers()
        .send()
        .await
        .expect("within both timeouts");
}

#[tokio::test]
async fn a_closed_port_gives_a_retryable_transport_error() {
    // Bind and release a loopback port: nothing listens there afterwards.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let client = Client::builder("SBXCLIENT01", "secret")
        .base_url(&format!("http://127.0.0.1:{port}/public"))
        .retry_policy(fast(3))
        .build()
        .expect("loopback http is allowed");
    let started = Instant::now();
    let err = client.list_issuers().send().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(matches!(&err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.operation(), Some("list_issuers"));
    assert!(err.is_retryable());
    assert!(!err.to_string().contains("secret"));
}

#[tokio::test]
async fn a_401_after_a_server_side_revoke_refreshes_once_then_fails_typed() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(4)).await;
    client.get_user_details().send().await.expect("signed in");
    assert_eq!(sb.token_refresh_count(), 0);

    sb.revoke_all_tokens();
    let err = client.get_user_details().send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Auth(AuthError::ConsentRequired)),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(sb.token_refresh_count(), 1, "exactly one refresh attempt");
    assert_eq!(
        sb.count("GET", USER),
        2,
        "no retry after the failed refresh"
    );
}

#[tokio::test]
async fn a_401_after_expiry_refreshes_once_and_succeeds() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(4)).await;
    sb.expire_access_tokens();
    client
        .get_user_details()
        .send()
        .await
        .expect("refreshed and repeated");
    assert_eq!(sb.token_refresh_count(), 1);
    assert_eq!(sb.count("GET", USER), 2);
    let statuses: Vec<u16> = sb
        .requests()
        .iter()
        .filter(|r| r.path == USER)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [401, 200]);
}

const DOC: &str = "in.gov.cbse-HSCER-201900001234";

#[tokio::test]
async fn a_connection_dropped_mid_download_is_a_transport_error_and_leaves_no_file() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(3)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("marksheet.pdf");
    sb.inject(Fault::DropMidBody {
        path: "/oauth2/1/file/".into(),
        times: 1,
    });
    let err = client.download_to_path(DOC, &target).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { .. }), "{err:?}");
    assert!(!target.exists(), "no file at the target");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "no temporary file left behind: {left:?}");
    assert_eq!(
        sb.count("GET", &format!("/oauth2/1/file/{DOC}")),
        1,
        "a cut body is not retried"
    );

    // An existing file survives a failed download untouched.
    std::fs::write(&target, b"previous version").unwrap();
    sb.inject(Fault::DropMidBody {
        path: "/oauth2/1/file/".into(),
        times: 1,
    });
    let err = client.download_to_path(DOC, &target).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { .. }), "{err:?}");
    assert_eq!(std::fs::read(&target).unwrap(), b"previous version");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // And the next, undisturbed download succeeds.
    let saved = client
        .download_to_path(DOC, &target)
        .await
        .expect("download");
    assert_eq!(saved.len, std::fs::metadata(&target).unwrap().len());
}

#[tokio::test]
async fn a_dropped_in_memory_download_is_a_transport_error() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(3)).await;
    sb.inject(Fault::DropMidBody {
        path: "/oauth2/1/file/".into(),
        times: 1,
    });
    let err = client.download(DOC).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn a_tampered_download_is_an_integrity_error_and_leaves_no_file() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(3)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("marksheet.pdf");
    sb.inject(Fault::TamperBody {
        path: "/oauth2/1/file/".into(),
        times: 2,
    });
    let err = client.download_to_path(DOC, &target).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Integrity {
                reason: digilocker_authpartner::IntegrityFailure::Mismatch,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let err = client.download(DOC).await.unwrap_err();
    assert!(matches!(&err, Error::Integrity { .. }), "{err:?}");
}

#[tokio::test]
async fn a_download_503_burst_is_retried_and_a_slow_download_times_out() {
    let sb = sandbox().await;
    let client = signed_in_with(&sb, fast(3)).await;
    sb.inject(status_fault(
        "/oauth2/1/file/",
        2,
        503,
        "repository_service_unresponsive",
    ));
    let doc = client.download(DOC).await.expect("third attempt succeeds");
    assert!(!doc.bytes.is_empty());
    assert_eq!(sb.count("GET", &format!("/oauth2/1/file/{DOC}")), 3);

    let impatient = client_for(&sb, |b| {
        b.timeout(Duration::from_millis(200))
            .retry_policy(RetryPolicy::none())
    });
    sign_in(&impatient).await;
    sb.inject(Fault::Delay {
        path: "/oauth2/1/file/".into(),
        delay: Duration::from_secs(2),
        times: 1,
    });
    let err = impatient.download(DOC).await.unwrap_err();
    assert!(matches!(&err, Error::Timeout { .. }), "{err:?}");
}
