//! Many users on one app-wide client, end to end against the sandbox over
//! loopback: one refresh per user however many handles wait, rotations
//! kept past the callers' deadline and past a failing or panicking store,
//! sign-ins bound to their browser session, and no redirect followed.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::{TEST_USER, consent};
use digilocker_authpartner::auth::{
    InMemoryPendingStore, InMemoryTokenStore, PendingAuthorization, PendingStore, Replaced,
    SessionBinding, SessionKey, StoreError, StoreFuture, StoredTokens, TokenStore,
};
use digilocker_authpartner::{AuthError, Client, ClientBuilder, Error};
use digilocker_sandbox::{Fault, Sandbox, SandboxConfig};
use secrecy::{ExposeSecret, SecretString};

/// The app-wide client for `sb`.
fn app_client(sb: &Sandbox, configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
    configure(
        Client::builder(sb.client_id(), sb.client_secret())
            .base_url(&sb.base_url())
            .redirect_uri(sb.redirect_uri()),
    )
    .build()
    .expect("client builds")
}

/// Signs `user` in through the real code + PKCE flow.
async fn sign_in(client: &Client, user: &str) {
    let (url, pending) = client.authorize_url().build().expect("authorize url");
    let callback = consent(&url).await;
    client
        .session(user)
        .expect("key")
        .exchange_code(&pending, &callback)
        .await
        .expect("code exchange");
}

fn user(n: usize) -> String {
    format!("user-{n:04}")
}

/// Waits until no session handle is alive (refresh tasks end just after
/// their callers wake).
async fn no_live_sessions(client: &Client) {
    for _ in 0..200 {
        if client.active_sessions() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{} sessions still alive", client.active_sessions());
}

/// `per_user` concurrent calls for each user, each on its own handle, in
/// waves of 50 users (400 requests in flight: more would overflow the
/// loopback listener's backlog); returns the failures.
async fn calls(client: &Client, users: usize, per_user: usize) -> Vec<String> {
    let mut failures = Vec::new();
    for wave in (0..users).collect::<Vec<_>>().chunks(50) {
        let mut tasks = Vec::with_capacity(wave.len() * per_user);
        for &u in wave {
            for _ in 0..per_user {
                let client = client.clone();
                tasks.push(tokio::spawn(async move {
                    let handle = client.session(&user(u))?;
                    handle.get_user_details().send().await.map(drop)
                }));
            }
        }
        for t in tasks {
            if let Err(e) = t.await.expect("no panic") {
                failures.push(format!("{e:?}"));
            }
        }
    }
    failures
}

/// Users of the many-users test, and concurrent requests of each.
const USERS: usize = 1000;
const PER_USER: usize = 8;

/// One round: every user's 8 concurrent calls; exactly one refresh per
/// user, no failed call, no refresh token spent twice.
async fn round(sb: &Sandbox, client: &Client, how: &str) {
    let before = sb.token_refresh_count();
    let failures = calls(client, USERS, PER_USER).await;
    let refreshes = sb.token_refresh_count() - before;
    println!(
        "{how}: {USERS} users x {PER_USER} handles: {refreshes} refreshes, {} failed calls, \
         {} reuses",
        failures.len(),
        sb.refresh_token_reuses()
    );
    assert!(
        failures.is_empty(),
        "{:?}",
        &failures[..failures.len().min(5)]
    );
    assert_eq!(refreshes, USERS, "exactly one refresh per user");
    assert_eq!(sb.refresh_token_reuses(), 0);
    no_live_sessions(client).await;
}

/// One process, 1,000 users, one app-wide client. Every user's token
/// expires (first at the server, found through 401s; then in the stored
/// expiry) while 8 of their requests are in flight, each on its own
/// handle: exactly one refresh per user, no failed call, no refresh token
/// spent twice. Two rounds of 1,000 races each, on a multi-threaded runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_users_refresh_once_each_with_eight_handles_in_flight() {
    let sb = Sandbox::start().await.expect("sandbox");
    let client = app_client(&sb, |b| b);
    let started = std::time::Instant::now();
    for chunk in (0..USERS).collect::<Vec<_>>().chunks(50) {
        let signing: Vec<_> = chunk
            .iter()
            .map(|&u| {
                let client = client.clone();
                tokio::spawn(async move { sign_in(&client, &user(u)).await })
            })
            .collect();
        for s in signing {
            s.await.expect("sign-in");
        }
    }
    no_live_sessions(&client).await;
    println!("{USERS} sign-ins: {:?}", started.elapsed());

    // Round 1: the server expires every access token; each call finds out
    // through a 401.
    sb.expire_access_tokens();
    round(&sb, &client, "expired at the server").await;

    // Round 2: the stored expiry is past; each call refreshes before sending.
    for u in 0..USERS {
        let handle = client.session(&user(u)).unwrap();
        let mut tokens = handle.stored_tokens().await.unwrap().expect("tokens");
        tokens.expires_at = SystemTime::now() - Duration::from_secs(1);
        handle.set_tokens(tokens).await.unwrap();
    }
    round(&sb, &client, "expired in the store").await;
    sb.shutdown().await;
}

/// The app-wide client holds no user's tokens: a bearer call or a code
/// exchange on it fails before anything is sent, and users never see each
/// other's tokens.
#[tokio::test]
async fn the_app_wide_client_holds_no_tokens_and_users_do_not_cross() {
    let sb = Sandbox::start().await.expect("sandbox");
    let client = app_client(&sb, |b| b);
    sign_in(&client, "alice").await;
    sb.clear_requests();
    let err = client.get_user_details().send().await.unwrap_err();
    assert!(matches!(err, Error::Auth(AuthError::NoSession)), "{err:?}");
    let (url, pending) = client.authorize_url().build().unwrap();
    let callback = consent(&url).await;
    let err = client.exchange_code(&pending, &callback).await.unwrap_err();
    assert!(matches!(err, Error::Auth(AuthError::NoSession)), "{err:?}");
    for call in [
        client.stored_tokens().await.map(drop),
        client.refresh().await.map(drop),
    ] {
        assert!(matches!(call, Err(Error::Auth(AuthError::NoSession))));
    }
    assert!(
        sb.requests()
            .iter()
            .all(|r| r.path != "/oauth2/1/token" && r.path != "/oauth2/1/user"),
        "nothing was sent"
    );

    let bob = client.session("bob").unwrap();
    let err = bob.get_user_details().send().await.unwrap_err();
    assert!(matches!(err, Error::Auth(AuthError::NoToken)), "{err:?}");
    client
        .session("alice")
        .unwrap()
        .get_user_details()
        .send()
        .await
        .unwrap();

    // Keys are checked, and handles of one key share one session.
    for bad in ["", "   ", "a\nb", &"k".repeat(513)] {
        let err = client.session(bad).unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{err:?}");
    }
    let (a1, a2) = (
        client.session("alice").unwrap(),
        client.session("alice").unwrap(),
    );
    assert_eq!(client.active_sessions(), 2, "alice's two handles, and bob");
    assert_eq!(a1.session_key().map(SessionKey::as_str), Some("alice"));
    drop((a1, a2, bob));
    no_live_sessions(&client).await;
    sb.shutdown().await;
}

/// A refresh slower than the callers' deadline: the callers time out, the
/// refresh completes and its tokens are stored, and the next call uses them
/// without a second refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_past_the_callers_deadline_is_kept_and_used() {
    let sb = Sandbox::start().await.expect("sandbox");
    let client = app_client(&sb, |b| b.refresh_timeout(Duration::from_millis(200)));
    sign_in(&client, TEST_USER).await;
    let alice = client.session(TEST_USER).unwrap();
    let before = alice.stored_tokens().await.unwrap().unwrap();
    sb.expire_access_tokens();
    sb.inject(Fault::Delay {
        path: "/oauth2/1/token".into(),
        delay: Duration::from_millis(1500),
        times: 1,
    });
    let waiting: Vec<_> = (0..4)
        .map(|_| {
            let handle = client.session(TEST_USER).unwrap();
            tokio::spawn(async move { handle.get_user_details().send().await.map(drop) })
        })
        .collect();
    for w in waiting {
        let err = w.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    }
    drop(alice);
    // Every handle is gone; the refresh still runs to its end.
    for _ in 0..100 {
        if sb.token_refresh_count() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sb.token_refresh_count(), 1, "the refresh completed");
    no_live_sessions(&client).await;
    let alice = client.session(TEST_USER).unwrap();
    let after = alice.stored_tokens().await.unwrap().unwrap();
    assert_ne!(
        before.access_token.expose_secret(),
        after.access_token.expose_secret(),
        "the late refresh's tokens are stored"
    );
    alice.get_user_details().send().await.unwrap();
    assert_eq!(sb.token_refresh_count(), 1, "no second refresh");
    assert_eq!(sb.refresh_token_reuses(), 0);
    sb.shutdown().await;
}

/// A token store wrapping the in-memory one, with scripted failures.
#[derive(Debug, Default)]
struct Flaky {
    inner: InMemoryTokenStore,
    /// Panic on the load this many loads from now (1 = the next).
    panic_on_load: AtomicUsize,
    /// Fail this many `replace` calls.
    failing_replaces: AtomicUsize,
}

impl Flaky {
    fn countdown(counter: &AtomicUsize) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok_and(|n| n == 1)
    }
}

impl TokenStore for Flaky {
    fn load<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, Option<StoredTokens>> {
        if Self::countdown(&self.panic_on_load) {
            panic!("the token store panicked");
        }
        self.inner.load(key)
    }
    fn save<'a>(&'a self, key: &'a SessionKey, tokens: StoredTokens) -> StoreFuture<'a, ()> {
        self.inner.save(key, tokens)
    }
    fn replace<'a>(
        &'a self,
        key: &'a SessionKey,
        spent: &'a SecretString,
        fresh: StoredTokens,
    ) -> StoreFuture<'a, Replaced> {
        let fail = self
            .failing_replaces
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if fail {
            return Box::pin(async { Err(StoreError("database unavailable".into())) });
        }
        self.inner.replace(key, spent, fresh)
    }
    fn clear<'a>(&'a self, key: &'a SessionKey) -> StoreFuture<'a, ()> {
        self.inner.clear(key)
    }
}

/// A panic inside a refresh (here in the store, inside the refresh task)
/// fails that refresh's callers and clears it: the next call refreshes
/// afresh instead of joining the dead refresh forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_inside_a_refresh_does_not_wedge_the_session() {
    let sb = Sandbox::start().await.expect("sandbox");
    let store = Arc::new(Flaky::default());
    let client = app_client(&sb, |b| b.token_store(store.clone()));
    sign_in(&client, TEST_USER).await;
    let alice = client.session(TEST_USER).unwrap();
    let mut tokens = alice.stored_tokens().await.unwrap().unwrap();
    tokens.expires_at = SystemTime::now() - Duration::from_secs(1);
    alice.set_tokens(tokens).await.unwrap();
    // Load 1 is the call's own; load 2 is the refresh task's, which panics.
    store.panic_on_load.store(2, Ordering::SeqCst);
    let err = tokio::time::timeout(Duration::from_secs(10), alice.get_user_details().send())
        .await
        .expect("no hang")
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth(AuthError::RefreshFailed { status: None, .. })
        ),
        "{err:?}"
    );
    assert_eq!(sb.token_refresh_count(), 0, "the panic came before sending");
    tokio::time::timeout(Duration::from_secs(10), alice.get_user_details().send())
        .await
        .expect("no hang")
        .expect("the next call refreshes afresh");
    assert_eq!(sb.token_refresh_count(), 1);
    sb.shutdown().await;
}

/// A store that cannot write the rotated tokens: the callers get a typed
/// `TokensNotKept`, the tokens stay in the process, and the next call
/// writes them and uses them, with no second refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_save_after_a_rotation_is_typed_and_nothing_is_lost() {
    let sb = Sandbox::start().await.expect("sandbox");
    let store = Arc::new(Flaky::default());
    let client = app_client(&sb, |b| b.token_store(store.clone()));
    sign_in(&client, TEST_USER).await;
    let alice = client.session(TEST_USER).unwrap();
    let spent = alice.stored_tokens().await.unwrap().unwrap();
    sb.expire_access_tokens();
    store.failing_replaces.store(3, Ordering::SeqCst);
    let err = alice.get_user_details().send().await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::TokensNotKept(_))),
        "{err:?}"
    );
    assert!(err.to_string().contains("could not be stored"), "{err}");
    assert_eq!(sb.token_refresh_count(), 1);
    let unchanged = store
        .inner
        .load(&SessionKey::new(TEST_USER).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        unchanged.access_token.expose_secret(),
        spent.access_token.expose_secret(),
        "the store still holds the spent tokens"
    );

    alice
        .get_user_details()
        .send()
        .await
        .expect("kept tokens used");
    assert_eq!(sb.token_refresh_count(), 1, "no second refresh");
    assert_eq!(sb.refresh_token_reuses(), 0);
    let stored = alice.stored_tokens().await.unwrap().unwrap();
    assert_ne!(
        stored.access_token.expose_secret(),
        spent.access_token.expose_secret(),
        "the rotation is stored now"
    );
    sb.shutdown().await;
}

/// Compare-and-set: tokens refreshed from a spent refresh token never
/// overwrite newer ones; `keep_refreshed` adopts what is stored instead.
#[tokio::test]
async fn a_stale_refresher_never_overwrites_newer_tokens() {
    let store = InMemoryTokenStore::default();
    let key = SessionKey::new("u").unwrap();
    let tokens = |at: &str, rt: &str| StoredTokens {
        access_token: at.to_string().into(),
        refresh_token: Some(rt.to_string().into()),
        expires_at: SystemTime::now() + Duration::from_secs(60),
    };
    store.save(&key, tokens("at-1", "rt-1")).await.unwrap();
    let rt0: SecretString = "rt-0".to_string().into();
    match store
        .replace(&key, &rt0, tokens("at-stale", "rt-stale"))
        .await
    {
        Ok(Replaced::Conflict(Some(current))) => {
            assert_eq!(current.access_token.expose_secret(), "at-1");
        }
        other => panic!("{other:?}"),
    }
    let kept = digilocker_authpartner::auth::keep_refreshed(
        &store,
        &key,
        &rt0,
        tokens("at-stale", "rt-stale"),
    )
    .await
    .unwrap();
    assert_eq!(kept.access_token.expose_secret(), "at-1");
    let rt1: SecretString = "rt-1".to_string().into();
    assert!(matches!(
        store.replace(&key, &rt1, tokens("at-2", "rt-2")).await,
        Ok(Replaced::Stored)
    ));
}

/// After `invalid_grant`, tokens another party stored meanwhile are
/// adopted; consent is asked for only when the store still holds the spent
/// token. The sandbox counts the reuse, and its strict mode revokes the
/// grant.
#[tokio::test]
async fn a_spent_refresh_token_is_counted_and_newer_tokens_adopted() {
    for revoke in [false, true] {
        let sb = Sandbox::start_with(SandboxConfig {
            revoke_grant_on_refresh_reuse: revoke,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox");
        let client = app_client(&sb, |b| b);
        sign_in(&client, "a").await;
        let a = client.session("a").unwrap();
        let old = a.stored_tokens().await.unwrap().unwrap();
        a.refresh().await.unwrap();
        let newer = a.stored_tokens().await.unwrap().unwrap();

        // Another handle that still holds the old tokens in a second store
        // (as a lost replica would) spends the old refresh token again.
        let elsewhere = app_client(&sb, |b| b).session("a").unwrap();
        elsewhere.set_tokens(old.clone()).await.unwrap();
        let err = elsewhere.refresh().await.unwrap_err();
        assert!(
            matches!(err, Error::Auth(AuthError::ConsentRequired)),
            "{err:?}"
        );
        assert_eq!(sb.refresh_token_reuses(), 1);

        // The same `invalid_grant` seen by a handle whose store holds the
        // newer tokens: they are adopted instead of asking for consent.
        let store = InMemoryTokenStore::default();
        let key = SessionKey::new("a").unwrap();
        store.save(&key, newer.clone()).await.unwrap();
        let spent = old.refresh_token.as_ref().unwrap();
        let adopted = digilocker_authpartner::auth::adopt_after_invalid_grant(
            &store,
            &key,
            spent,
            Duration::ZERO,
        )
        .await
        .unwrap();
        assert_eq!(
            adopted.access_token.expose_secret(),
            newer.access_token.expose_secret()
        );

        // In the strict mode the reuse cost the whole grant, newer tokens included.
        let result = a.get_user_details().send().await;
        assert_eq!(result.is_err(), revoke, "{result:?}");
        sb.shutdown().await;
    }
}

/// Login CSRF: a callback made for one browser session, presented in
/// another, is refused with a typed error; nothing is exchanged or stored,
/// and the pending authorization is burnt.
#[tokio::test]
async fn a_callback_presented_by_another_browser_is_refused() {
    let sb = Sandbox::start().await.expect("sandbox");
    let client = app_client(&sb, |b| b);
    let pending_store = InMemoryPendingStore::default();
    let attacker = SessionBinding::new("attacker-browser-session-0001").unwrap();
    let victim = SessionBinding::new("victim-browser-session-0002").unwrap();

    // The attacker starts a sign-in and consents with their own account.
    let (url, pending) = client.authorize_url().build().unwrap();
    pending_store.put(&pending, &attacker).await.unwrap();
    let callback = consent(&url).await;

    // The victim's browser opens the attacker's callback URL.
    sb.clear_requests();
    let err = pending_store.take(&callback, &victim).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::SessionBindingMismatch)),
        "{err:?}"
    );
    let victim_user = client.session("victim").unwrap();
    assert!(victim_user.stored_tokens().await.unwrap().is_none());
    assert_eq!(sb.count("POST", "/oauth2/1/token"), 0, "nothing exchanged");
    // Burnt: not even the attacker's browser can use it now.
    let err = pending_store.take(&callback, &attacker).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::StateMismatch)),
        "{err:?}"
    );

    // The same browser completes its own sign-in.
    let (url, pending) = client.authorize_url().build().unwrap();
    pending_store.put(&pending, &victim).await.unwrap();
    let callback = consent(&url).await;
    let mine = pending_store.take(&callback, &victim).await.unwrap();
    victim_user.exchange_code(&mine, &callback).await.unwrap();
    victim_user.get_user_details().send().await.unwrap();

    // The bound JSON refuses another binding, and an unbound record.
    let json = pending.to_json_bound(&victim);
    assert!(PendingAuthorization::from_json_bound(json.as_bytes(), &victim).is_ok());
    for (json, binding) in [
        (json.clone(), &attacker),
        (pending.to_json_exposing_secrets(), &victim),
    ] {
        let err = PendingAuthorization::from_json_bound(json.as_bytes(), binding).unwrap_err();
        assert!(matches!(
            err,
            Error::Auth(AuthError::SessionBindingMismatch)
        ));
    }
    assert!(SessionBinding::new("short").is_err());
    assert!(!format!("{victim:?}").contains("victim-browser"));
    sb.shutdown().await;
}

/// Requests a server on loopback received, by path.
type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// A server that redirects every request to `target` (path kept when
/// `target` ends with `/`), recording what it receives.
async fn redirecting_server(status: u16, target: String) -> (String, Hits) {
    let hits: Hits = Arc::default();
    let seen = hits.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let (seen, target) = (seen.clone(), target.clone());
        async move {
            let path = request.uri().path().to_string();
            *seen.lock().unwrap().entry(path.clone()).or_default() += 1;
            let location = if target.ends_with('/') {
                format!("{}{}", target.trim_end_matches('/'), path)
            } else {
                target
            };
            axum::response::Response::builder()
                .status(status)
                .header("location", location)
                .body(axum::body::Body::empty())
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), hits)
}

/// A user-supplied HTTP client that follows redirects: a `307` from the
/// token endpoint to another port and a `302` from a listing to another
/// path reach neither, and the JWKS fetch follows nothing either.
#[tokio::test]
async fn redirects_are_never_followed_even_with_a_following_http_client() {
    // Where the redirects point: any request reaching it is a failure.
    let (elsewhere, elsewhere_hits) = redirecting_server(404, String::new()).await;
    let (hostile, hostile_hits) = redirecting_server(307, format!("{elsewhere}/")).await;
    let following = || reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(10));
    let user = Client::builder("HOSTILE01", "hostile-client-secret-0123456789")
        .base_url(&format!("{hostile}/public"))
        .redirect_uri("http://127.0.0.1/callback")
        .http_client_builder(following())
        .build()
        .unwrap()
        .session("u")
        .unwrap();
    let (url, pending) = user.authorize_url().build().unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let err = user
        .exchange_code(&pending, &format!("?code=c0de&state={state}"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Redirected {
                status: 307,
                operation: "get_access_token"
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("c0de"));
    assert!(
        elsewhere_hits.lock().unwrap().is_empty(),
        "the 307 was followed"
    );
    assert_eq!(hostile_hits.lock().unwrap().len(), 1);

    // A same-host redirect to another path, with a bearer token stored.
    let (same_host, same_hits) = redirecting_server(302, "/public/oauth2/1/elsewhere".into()).await;
    let user = Client::builder("HOSTILE01", "hostile-client-secret-0123456789")
        .base_url(&format!("{same_host}/public"))
        .http_client_builder(following())
        .build()
        .unwrap()
        .session("u")
        .unwrap();
    user.set_tokens(StoredTokens {
        access_token: "bearer-0123456789abcdef".to_string().into(),
        refresh_token: None,
        expires_at: SystemTime::now() + Duration::from_secs(600),
    })
    .await
    .unwrap();
    let err = user.get_issued_documents().send().await.unwrap_err();
    assert!(
        matches!(err, Error::Redirected { status: 302, .. }),
        "{err:?}"
    );
    let hits = same_hits.lock().unwrap().clone();
    assert_eq!(
        hits.keys().collect::<Vec<_>>(),
        ["/public/oauth2/2/files/issued"]
    );

    // The JWKS host redirects to another port: nothing reaches it, and the
    // id_token is refused.
    #[cfg(feature = "oidc")]
    {
        let sb = Sandbox::start().await.unwrap();
        let (jwks_host, _) = redirecting_server(302, format!("{elsewhere}/jwks")).await;
        let client = app_client(&sb, |b| {
            b.jwks_url(&format!("{jwks_host}/jwks"))
                .http_client_builder(following())
        });
        let (url, pending) = client.authorize_url().openid().build().unwrap();
        let callback = consent(&url).await;
        let err = client
            .session("u")
            .unwrap()
            .exchange_code(&pending, &callback)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Auth(AuthError::IdToken(_))), "{err:?}");
        assert!(
            elsewhere_hits.lock().unwrap().is_empty(),
            "the JWKS redirect was followed"
        );
        sb.shutdown().await;
    }
}
