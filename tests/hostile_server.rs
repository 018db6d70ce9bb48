//! The client against a hostile or faulty server on 127.0.0.1: absurd token
//! lifetimes, path traversal, failing and hanging refreshes, omitted refresh
//! tokens, echoed secrets, slow and stalled transfers, undecodable bodies.

mod hostile;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::response::IntoResponse;
use digilocker_authpartner::retry::RetryPolicy;
use digilocker_authpartner::{AuthError, Client, Error};
use hostile::{Hostile, bytes, expired, json, slow_json, stream, token_body, user_details, valid};
use secrecy::ExposeSecret;

const TOKEN: &str = "/oauth2/1/token";
const USER: &str = "/oauth2/1/user";

/// `expires_in: i64::MAX` panicked in the expiry arithmetic; now it is
/// clamped, through the code exchange, an explicit refresh and auto-refresh,
/// with five concurrent callers.
#[tokio::test]
async fn an_absurd_token_lifetime_is_clamped_not_a_panic() {
    let server = Hostile::start(|seen| {
        if seen.path.ends_with(TOKEN) {
            json(
                200,
                token_body(
                    "AT-NEW-0123456789abcdef",
                    Some("RT-NEW-0123456789abcdef"),
                    i64::MAX,
                ),
            )
        } else {
            json(200, user_details())
        }
    })
    .await;
    let client = server.client(|b| b);
    client
        .set_tokens(expired(
            "AT-OLD-0123456789abcdef",
            "RT-OLD-0123456789abcdef",
        ))
        .await
        .unwrap();
    let calls = (0..5).map(|_| client.get_user_details().send());
    for result in futures_util::future::join_all(calls).await {
        assert_eq!(result.unwrap().name, "Sunil Kumar");
    }
    let stored = client.stored_tokens().await.unwrap().unwrap();
    let left = stored
        .expires_at
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(left <= digilocker_authpartner::auth::MAX_TOKEN_LIFETIME);
    assert!(left > Duration::from_secs(360 * 24 * 3600), "{left:?}");
    let refreshed = client.refresh().await.unwrap();
    assert!(refreshed.expires_at > std::time::SystemTime::now());
    // Negative lifetimes mean "already expired", not a panic either.
    let server =
        Hostile::start(|_| json(200, token_body("AT-NEG-0123456789abcdef", None, i64::MIN))).await;
    let client = server.signed_in(|b| b).await;
    let t = client.refresh().await.unwrap();
    assert!(t.expires_at <= std::time::SystemTime::now());
}

/// No request leaves with credentials unless its final path is its own
/// operation's: traversal in every spelling is refused before the network.
#[tokio::test]
async fn path_traversal_never_reaches_the_server() {
    let server = Hostile::start(|_| json(200, user_details())).await;
    let client = server.signed_in(|b| b).await;
    for uri in [
        "..\\..\\..\\oauth2\\1\\user",
        "a\\..\\..\\..\\..\\steal",
        "%2e%2e",
        "..%2f..%2foauth2%2f1%2fuser",
        "%2E%2E%5C%2e%2e%5Cuser",
        "a%252f..%252f..",
    ] {
        let e = client.download(uri).await.unwrap_err();
        assert!(
            matches!(&e, Error::Validation(v) if v.field == "uri"),
            "{uri}: {e:?}"
        );
        let Err(e) = client.get_file().uri(uri).send().await else {
            panic!("{uri} was sent")
        };
        assert!(
            matches!(&e, Error::Validation(v) if v.field == "uri"),
            "{uri}: {e:?}"
        );
        let e = client.certificate_xml(uri).await.unwrap_err();
        assert!(
            matches!(&e, Error::Validation(v) if v.field == "uri"),
            "{uri}: {e:?}"
        );
    }
    for raw in ["..", ".", ""] {
        let Err(e) = client.get_file().uri(raw).send().await else {
            panic!("{raw:?} was sent")
        };
        assert!(
            matches!(&e, Error::Validation(v) if v.field == "uri"),
            "{raw:?}: {e:?}"
        );
        let e = client
            .get_uploaded_documents_in_folder()
            .id(raw)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation(v) if v.field == "id"),
            "{raw:?}: {e:?}"
        );
    }
    assert!(server.seen().is_empty(), "sent: {:?}", server.paths());

    // What is allowed travels as exactly one encoded segment.
    let server = Hostile::start(|_| bytes(200, "application/pdf", b"%PDF-1.4".to_vec())).await;
    let client = server.signed_in_unsigned(|b| b).await;
    client
        .get_file()
        .uri("2024/0042\\x%2f")
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.seen()[0].path,
        "/public/oauth2/1/file/2024%2F0042%5Cx%252f"
    );
}

/// A refresh that fails or hangs is still single-flight: 50 concurrent
/// callers with an expired token cause one refresh (retried by the policy
/// once, not once per caller), and all of them get its outcome. Five
/// rounds per status, 50 callers each as tasks on two worker threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_refresh_is_single_flight_and_shared() {
    let statuses = [
        (500, "unexpected_error"),
        (503, "repository_service_unresponsive"),
    ];
    for (status, code) in statuses.into_iter().flat_map(|s| [s; 5]) {
        // Each refresh attempt stays in flight 300 ms: every caller, all
        // started together, finds it in flight.
        let server = Hostile::start(move |seen| {
            if seen.path.ends_with(TOKEN) {
                slow_json(
                    status,
                    serde_json::json!({"error": code, "error_description": "down"}),
                    Duration::from_millis(300),
                )
            } else {
                json(200, user_details())
            }
        })
        .await;
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .initial_backoff(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(20));
        let client = server.client(|b| b.retry_policy(policy));
        client
            .set_tokens(expired(
                "AT-OLD-0123456789abcdef",
                "RT-OLD-0123456789abcdef",
            ))
            .await
            .unwrap();
        let results = concurrently(&client, 50).await;
        for r in &results {
            let e = r.as_ref().unwrap_err();
            assert!(
                matches!(e, Error::Auth(AuthError::RefreshFailed { status: Some(s), .. }) if *s == status),
                "{e:?}"
            );
        }
        let refreshes = server.count(TOKEN);
        let expected = if status == 503 { 3 } else { 1 };
        assert_eq!(
            refreshes, expected,
            "{status}: one refresh, retried by the policy only"
        );
        assert_eq!(server.count(USER), 0);
        println!("status {status}: 50 callers -> {refreshes} token requests");
    }
}

/// `n` user-details calls as tasks, started together.
async fn concurrently(client: &Client, n: usize) -> Vec<Result<(), Error>> {
    let start = Arc::new(tokio::sync::Barrier::new(n));
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let (client, start) = (client.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                client.get_user_details().send().await.map(drop)
            })
        })
        .collect();
    let mut results = Vec::with_capacity(n);
    for call in calls {
        results.push(call.await.expect("no panic"));
    }
    results
}

/// 50 callers as tasks on two worker threads, three rounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_refresh_times_out_once_for_every_waiter() {
    for _ in 0..3 {
        a_hanging_refresh_round().await;
    }
}

async fn a_hanging_refresh_round() {
    let server = Hostile::start(|seen| {
        if seen.path.ends_with(TOKEN) {
            // Never answers in time.
            stream(200, "application/json", b" ", 1, Duration::from_secs(30))
        } else {
            json(200, user_details())
        }
    })
    .await;
    let client = server.client(|b| b.refresh_timeout(Duration::from_millis(600)));
    client
        .set_tokens(expired(
            "AT-OLD-0123456789abcdef",
            "RT-OLD-0123456789abcdef",
        ))
        .await
        .unwrap();
    let started = Instant::now();
    let results = concurrently(&client, 50).await;
    let elapsed = started.elapsed();
    for r in &results {
        let e = r.as_ref().unwrap_err();
        assert!(
            matches!(
                e,
                Error::Timeout {
                    operation: Some("get_access_token")
                }
            ),
            "{e:?}"
        );
        assert!(e.is_retryable());
    }
    assert_eq!(server.count(TOKEN), 1);
    assert!(
        elapsed < Duration::from_secs(5),
        "waiters share one deadline: {elapsed:?}"
    );
}

/// RFC 6749 §6: a refresh response may omit `refresh_token`; the stored one
/// stays, so the next expiry still refreshes.
#[tokio::test]
async fn a_refresh_without_refresh_token_keeps_the_old_one() {
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    let server = Hostile::start(move |seen| {
        if seen.path.ends_with(TOKEN) {
            let i = counter.fetch_add(1, Ordering::SeqCst);
            let body = String::from_utf8_lossy(&seen.body).into_owned();
            assert!(
                body.contains("refresh_token=RT-KEEP-0123456789abcdef"),
                "{body}"
            );
            json(
                200,
                token_body(&format!("AT-{i}-0123456789abcdef"), None, -1),
            )
        } else {
            json(200, user_details())
        }
    })
    .await;
    let client = server.client(|b| b);
    client
        .set_tokens(expired(
            "AT-OLD-0123456789abcdef",
            "RT-KEEP-0123456789abcdef",
        ))
        .await
        .unwrap();
    for _ in 0..3 {
        // Each answer is already expired, so every call refreshes again.
        client.get_user_details().send().await.unwrap();
        let stored = client.stored_tokens().await.unwrap().unwrap();
        assert_eq!(
            stored
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_string())
                .as_deref(),
            Some("RT-KEEP-0123456789abcdef")
        );
    }
    assert_eq!(server.count(TOKEN), 3);
}

/// A server that echoes the request into `error_description` cannot make
/// any secret appear in the error's Display or Debug.
#[tokio::test]
async fn echoed_secrets_never_reach_error_text() {
    let server = Hostile::start(|seen| {
        let echo = format!(
            "bad request: {} {}",
            String::from_utf8_lossy(&seen.body),
            seen.authorization.clone().unwrap_or_default()
        );
        json(400, serde_json::json!({"error": format!("invalid_grant {echo}"), "error_description": echo}))
    })
    .await;
    let client =
        server.client(|b| b.credentials_in(digilocker_authpartner::client::CredentialsIn::Body));
    let (url, pending) = client.authorize_url().build().unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let callback = format!("http://127.0.0.1/callback?code=CODE-SECRET-0123456789&state={state}");
    let errors = vec![
        client.exchange_code(&pending, &callback).await.unwrap_err(),
        {
            client
                .set_tokens(valid(
                    "AT-SECRET-0123456789abcdef",
                    "RT-SECRET-0123456789abcdef",
                ))
                .await
                .unwrap();
            client.refresh().await.unwrap_err()
        },
        client.get_user_details().send().await.unwrap_err(),
    ];
    let body = String::from_utf8_lossy(&server.seen()[0].body).into_owned();
    let verifier = body
        .split('&')
        .find_map(|kv| kv.strip_prefix("code_verifier="))
        .unwrap()
        .to_string();
    for e in &errors {
        let shown = format!("{e} {e:?}");
        for secret in [
            "hostile-client-secret",
            "CODE-SECRET",
            "AT-SECRET",
            "RT-SECRET",
            &verifier[..20],
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
    assert!(format!("{}", errors[0]).contains("400"), "{}", errors[0]);
}

/// A transfer that keeps flowing outlives the total deadline; one that
/// stalls fails after the read-idle timeout; a buffered call that drips
/// past the total deadline times out.
#[tokio::test]
async fn deadlines_separate_flowing_from_stalled() {
    let server = Hostile::start(|seen| {
        if seen.path.contains("stall") {
            stream(200, "application/pdf", b"%", 2, Duration::from_secs(5))
        } else if seen.path.ends_with(USER) {
            stream(
                200,
                "application/json",
                b" ",
                40 * 64 * 1024,
                Duration::from_millis(50),
            )
        } else {
            // About 2 s of data in 64 KiB chunks every 50 ms.
            stream(
                200,
                "application/pdf",
                b"%PDF",
                40 * 64 * 1024,
                Duration::from_millis(50),
            )
        }
    })
    .await;
    let client = server
        .signed_in_unsigned(|b| {
            b.timeout(Duration::from_millis(700))
                .read_timeout(Duration::from_millis(700))
        })
        .await;
    let dir = tempfile::tempdir().unwrap();
    let saved = client
        .download_to_path("flowing", dir.path().join("a.pdf"))
        .await
        .unwrap();
    assert_eq!(saved.len, 40 * 64 * 1024);
    let e = client
        .download_to_path("stall", dir.path().join("b.pdf"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                operation: Some("get_file")
            }
        ),
        "a stalled transfer ends in a timeout: {e:?}"
    );
    let e = client.get_user_details().send().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                operation: Some("get_user_details")
            }
        ),
        "{e:?}"
    );
    // A caller-set transfer deadline does bound a flowing transfer.
    let bounded = server
        .signed_in_unsigned(|b| b.transfer_deadline(Some(Duration::from_millis(500))))
        .await;
    let e = bounded
        .download_to_path("flowing", dir.path().join("c.pdf"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

/// Decode errors of generated operations name the operation, and a body
/// with many short pairs is diagnosed from a bounded prefix.
#[tokio::test]
async fn undecodable_bodies_are_typed_and_name_the_operation() {
    let mut broken = String::from("{");
    while broken.len() < 3 * 1024 * 1024 {
        broken.push_str(r#""k":"v","refresh_token":"RT-LEAK-0123456789","#);
    }
    let body = broken.clone().into_bytes();
    let server = Hostile::start(move |_| bytes(200, "application/json", body.clone())).await;
    let client = server.signed_in(|b| b).await;
    let e = client.get_user_details().send().await.unwrap_err();
    let Error::Decode {
        operation,
        status,
        snippet,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*operation, Some("get_user_details"));
    assert_eq!(*status, Some(200));
    assert!(!snippet.contains("RT-LEAK"), "{snippet}");
    assert!(snippet.chars().count() <= 200);
}

/// A 250-character file name is valid; the temporary name still fits.
#[tokio::test]
async fn a_long_target_file_name_downloads() {
    let server = Hostile::start(|_| {
        bytes(200, "application/pdf", b"%PDF-1.4 long".to_vec()).into_response()
    })
    .await;
    let client = server.signed_in_unsigned(|b| b).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join(format!("{}.pdf", "n".repeat(246)));
    let saved = client
        .download_to_path("in.gov.x-1", &target)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&saved.path).unwrap(), b"%PDF-1.4 long");
}

/// Requester API Spec v1.12 p.16-17: one listing whose items disagree on
/// `mime` (a list, then a string) and send `size` blank; p.14: uploaded
/// sizes as strings; p.32: `registered` as `"true"`. Every shape decodes.
#[tokio::test]
async fn every_shape_the_pdfs_show_decodes() {
    let server = Hostile::start(|seen| {
        if seen.path.ends_with("/oauth2/2/files/issued") {
            json(200, serde_json::json!({"items": [
                {"name": "Class XII Marksheet", "type": "file", "size": "", "date": "12-05-2015",
                 "parent": "", "mime": ["application/pdf", "application/xml"],
                 "uri": "in.gov.cbse-HSCER-201412345678", "doctype": "HSCER",
                 "description": "Class XII Marksheet", "issuerid": "in.gov.cbse", "issuer": "CBSE"},
                {"name": "Income Certificate", "type": "file", "size": "", "date": "12-05-2015",
                 "parent": "", "mime": "application/pdf",
                 "uri": "in.gov.delhi-INCER-98765432", "doctype": "INCER",
                 "description": "Income Certificate", "issuerid": "in.gov.delhi", "issuer": "Delhi eDistrict"}
            ]}))
        } else {
            json(200, serde_json::json!({"items": [
                {"name": "payslip.pdf", "type": "file", "size": "366481", "date": "2015-05-12T15:50:38Z",
                 "parent": "", "mime": "application/pdf", "uri": "in.gov.digilocker-OTHER-1", "id": ""},
                {"name": "Docs", "type": "dir", "size": 0, "date": "2015-05-12T15:50:38Z",
                 "parent": "", "mime": "", "uri": "", "id": "5678"}
            ]}))
        }
    })
    .await;
    let client = server.signed_in(|b| b).await;
    let issued = client.get_issued_documents().send().await.unwrap();
    assert!(
        issued.items[0]
            .mime
            .as_ref()
            .unwrap()
            .contains("application/xml")
    );
    assert_eq!(
        issued.items[1].mime.as_ref().unwrap().first(),
        Some("application/pdf")
    );
    assert_eq!(issued.items[0].size.unwrap().bytes(), None);
    let uploaded = client.get_uploaded_documents().send().await.unwrap();
    assert_eq!(uploaded.items[0].size.unwrap().bytes(), Some(366_481));
    assert_eq!(uploaded.items[1].size.unwrap().bytes(), Some(0));
    assert!(
        uploaded.items[1]
            .mime
            .as_ref()
            .unwrap()
            .as_slice()
            .is_empty()
    );
    // A blank value that does not apply reads as `None` (patch 0035), the
    // item type is an enum, and dates have typed accessors.
    use digilocker_authpartner::types::ItemType;
    let (file, dir) = (&uploaded.items[0], &uploaded.items[1]);
    assert_eq!((file.type_, file.id.as_deref()), (ItemType::File, None));
    assert_eq!(
        (dir.type_, dir.id.as_deref()),
        (ItemType::Dir, Some("5678"))
    );
    assert_eq!(dir.uri, None);
    assert_eq!(issued.items[0].parent, None);
    let may12 = digilocker_authpartner::time::Date::from_calendar_date(
        2015,
        digilocker_authpartner::time::Month::May,
        12,
    )
    .unwrap();
    assert_eq!(dir.uploaded_on(), Some(may12));
}
