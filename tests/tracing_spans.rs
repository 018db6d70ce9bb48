//! Tracing: one span per operation with operation id, method, path template,
//! attempt, status and latency — and no secret, token, Authorization value or
//! document URI anywhere in the output, at TRACE level, from any target.
#![cfg(feature = "tracing")]

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{authorize, client_for};
use digilocker_authpartner::retry::RetryPolicy;
use digilocker_sandbox::{Fault, Sandbox};
use secrecy::ExposeSecret;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{Layer, Registry};

/// Field values of one span or event, as text.
#[derive(Clone, Debug, Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

/// A closed span: its name and final field values.
#[derive(Clone, Debug)]
struct ClosedSpan {
    name: String,
    fields: BTreeMap<String, String>,
}

impl ClosedSpan {
    fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }
}

/// An event: the name of its parent span, and its fields.
type CapturedEvent = (Option<String>, BTreeMap<String, String>);

/// Records every span's fields (including those recorded later) and hands
/// them over when the span closes.
#[derive(Clone, Default)]
struct SpanCapture {
    closed: Arc<Mutex<Vec<ClosedSpan>>>,
    events: Arc<Mutex<Vec<CapturedEvent>>>,
}

impl<S> Layer<S> for SpanCapture
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let parent = ctx.event_span(event).map(|s| s.name().to_string());
        self.events.lock().unwrap().push((parent, fields.0));
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            let fields = span.extensions_mut().remove::<Fields>().unwrap_or_default();
            self.closed.lock().unwrap().push(ClosedSpan {
                name: span.name().to_string(),
                fields: fields.0,
            });
        }
    }
}

/// Everything the fmt layer wrote.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A subscriber at TRACE for every target: the structured capture plus a
/// plain-text fmt layer with span open/close events.
fn subscriber() -> (impl Subscriber + Send + Sync, SpanCapture, Buffer) {
    let capture = SpanCapture::default();
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = Registry::default()
        .with(LevelFilter::TRACE)
        .with(capture.clone())
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_span_events(FmtSpan::FULL)
                .with_writer(move || writer.clone()),
        );
    (subscriber, capture, buffer)
}

#[tokio::test]
async fn a_span_per_operation_and_no_secret_in_the_output() {
    // The current-thread test runtime runs the sandbox and the client on
    // this thread, so a thread-local default subscriber sees everything.
    let (subscriber, capture, buffer) = subscriber();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sb = Sandbox::start().await.expect("sandbox");
    let client = client_for(&sb, |b| {
        b.retry_policy(RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(5)))
    });

    // Sign in; keep the verifier and the code to look for them later.
    let (pending, callback) = authorize(&client).await;
    let verifier = serde_json::from_str::<serde_json::Value>(&pending.to_json_exposing_secrets())
        .unwrap()["verifier"]
        .as_str()
        .unwrap()
        .to_string();
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code in callback");
    client
        .exchange_code(&pending, &callback)
        .await
        .expect("signed in");
    let first = client.stored_tokens().await.unwrap().expect("tokens");

    // A read, a retried read, a signed read, a multipart read, a download.
    client.get_user_details().send().await.expect("user");
    sb.inject(Fault::Status {
        path: "/oauth2/2/files/issued".into(),
        times: 1,
        status: 503,
        error: "unexpected_error".into(),
    });
    let issued = client.get_issued_documents().send().await.expect("issued");
    let document_uri = issued.items[0].uri.clone();
    client.list_issuers().send().await.expect("issuers");
    client
        .verify_account()
        .body_map(|b| b.mobile(sb.test_user().mobile.clone()))
        .send()
        .await
        .expect("verify");
    let doc = client.download(&document_uri).await.expect("download");
    assert!(!doc.bytes.is_empty());
    let dir = tempfile::tempdir().unwrap();
    client
        .download_to_path(&document_uri, dir.path().join("doc.pdf"))
        .await
        .expect("download to path");

    // A refresh, then a 401-triggered refresh, then revoke.
    client.refresh().await.expect("refresh");
    let second = client.stored_tokens().await.unwrap().expect("tokens");
    sb.expire_access_tokens();
    client
        .get_user_details()
        .send()
        .await
        .expect("refreshed after 401");
    let third = client.stored_tokens().await.unwrap().expect("tokens");
    client
        .revoke(digilocker_authpartner::auth::TokenKind::Refresh)
        .await
        .expect("revoke");

    drop(_guard);
    let spans: Vec<ClosedSpan> = capture
        .closed
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.name == "digilocker")
        .cloned()
        .collect();
    let find = |op: &str| -> Vec<&ClosedSpan> {
        spans
            .iter()
            .filter(|s| s.get("operation") == Some(op))
            .collect()
    };

    // Every operation span carries all six fields.
    assert!(spans.len() >= 10, "{spans:#?}");
    for span in &spans {
        for key in [
            "operation",
            "method",
            "path",
            "attempt",
            "status",
            "latency_ms",
        ] {
            assert!(span.get(key).is_some(), "{key} missing in {span:?}");
        }
        let latency: u64 = span
            .get("latency_ms")
            .unwrap()
            .parse()
            .expect("numeric latency");
        assert!(latency < 60_000);
        assert!(span.get("path").unwrap().starts_with('/'), "{span:?}");
    }

    let user = find("get_user_details");
    assert_eq!(user.len(), 2);
    assert_eq!(user[0].get("method"), Some("GET"));
    assert_eq!(user[0].get("path"), Some("/oauth2/1/user"));
    assert_eq!(user[0].get("status"), Some("200"));
    assert_eq!(user[0].get("attempt"), Some("1"));
    // The 401 → refresh → repeat call ends on its second attempt.
    assert_eq!(user[1].get("attempt"), Some("2"));
    assert_eq!(user[1].get("status"), Some("200"));

    let issued_spans = find("get_issued_documents");
    assert_eq!(issued_spans.len(), 1);
    assert_eq!(
        issued_spans[0].get("attempt"),
        Some("2"),
        "retried after the 503"
    );
    assert_eq!(issued_spans[0].get("path"), Some("/oauth2/2/files/issued"));
    let retry_events = capture
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|(parent, f)| {
            parent.as_deref() == Some("digilocker")
                && f.get("message").is_some_and(|m| m == "retrying")
        })
        .count();
    assert!(retry_events >= 1);

    let download = find("get_file");
    assert_eq!(download.len(), 2);
    for span in download {
        assert_eq!(
            span.get("path"),
            Some("/oauth2/1/file/{uri}"),
            "the template, not the URI"
        );
    }

    let token = find("get_access_token");
    assert_eq!(
        token.len(),
        3,
        "exchange, refresh, refresh after 401: {token:#?}"
    );
    assert!(
        token
            .iter()
            .all(|s| s.get("method") == Some("POST") && s.get("status") == Some("200"))
    );
    assert_eq!(
        find("list_issuers")[0].get("path"),
        Some("/oauth2/1/pull/issuers")
    );
    assert_eq!(
        find("verify_account")[0].get("path"),
        Some("/account/2/verify")
    );
    assert_eq!(find("revoke_token").len(), 1);

    // Nothing secret anywhere: fmt output, span fields, event fields.
    let mut everything = buffer.text();
    for span in capture.closed.lock().unwrap().iter() {
        everything.push_str(&format!("{span:?}\n"));
    }
    for event in capture.events.lock().unwrap().iter() {
        everything.push_str(&format!("{event:?}\n"));
    }
    assert!(
        everything.contains("get_user_details"),
        "the output is captured"
    );
    let basic = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            sb.client_id(),
            sb.client_secret()
        ))
    };
    let mut secrets: Vec<(String, String)> = vec![
        ("client secret".into(), sb.client_secret().to_string()),
        ("basic credentials".into(), basic),
        ("pkce verifier".into(), verifier),
        ("authorization code".into(), code),
        ("document uri".into(), document_uri.clone()),
        (
            "document uri (encoded)".into(),
            document_uri.replace('-', "%2D"),
        ),
    ];
    for (n, tokens) in [first, second, third].iter().enumerate() {
        let access = tokens.access_token.expose_secret().to_string();
        secrets.push((format!("access token {n}"), access.clone()));
        secrets.push((
            format!("authorization header {n}"),
            format!("Bearer {access}"),
        ));
        if let Some(refresh) = &tokens.refresh_token {
            secrets.push((
                format!("refresh token {n}"),
                refresh.expose_secret().to_string(),
            ));
        }
    }
    for (what, value) in &secrets {
        assert!(value.len() >= 8, "{what} is too short to search for");
        assert!(
            !everything.contains(value.as_str()),
            "{what} leaked into the tracing output"
        );
    }
}

#[tokio::test]
async fn failed_attempts_are_traced_without_urls() {
    let (subscriber, capture, buffer) = subscriber();
    let _guard = tracing::subscriber::set_default(subscriber);

    // A closed loopback port: connect errors, retried, then a failure event.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = digilocker_authpartner::Client::builder("SBXCLIENT01", "a-client-secret-value")
        .base_url(&format!("http://127.0.0.1:{port}/public"))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(std::time::Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let err = client.list_issuers().send().await.unwrap_err();
    drop(_guard);

    let err = err;
    assert!(err.is_retryable());
    let spans = capture.closed.lock().unwrap().clone();
    let span = spans
        .iter()
        .find(|s| s.name == "digilocker")
        .expect("operation span");
    assert_eq!(span.get("operation"), Some("list_issuers"));
    assert_eq!(
        span.get("attempt"),
        Some("3"),
        "all attempts used: {span:?}"
    );
    assert_eq!(span.get("status"), None, "no response, no status");
    assert!(span.get("latency_ms").is_some());
    let failed = capture
        .events
        .lock()
        .unwrap()
        .iter()
        .any(|(_, f)| f.get("kind").is_some_and(|k| k == "connect"));
    assert!(failed, "a failure event names the kind of error");
    let text = buffer.text();
    assert!(!text.contains("a-client-secret-value"));
    assert!(
        !text.contains("/public/oauth2"),
        "no URL in the output: {text}"
    );
}
