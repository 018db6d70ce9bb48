//! Redis restarted while calls run: typed errors during the outage, recovery
//! after it, no panic. Runs its own `redis-server` (it restarts it).

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{expired_session, key, user_on};
use digilocker_authpartner::auth::TokenStore;
use digilocker_authpartner::{AuthError, Error};
use digilocker_authpartner_redis::RedisStore;
use digilocker_sandbox::Sandbox;

/// A private `redis-server` with an append-only file, so its data survives
/// the restart as a production Redis with persistence would.
struct PrivateRedis {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    fn binary() -> String {
        let bin = std::env::var("DIGILOCKER_TEST_REDIS_SERVER").unwrap_or("redis-server".into());
        let found = Command::new(&bin)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            common::root::tools::require(
                Err::<(), _>(format!("{bin} not found")),
                "redis-server (.ci/run installs it)",
            );
        }
        bin
    }

    fn start() -> Self {
        Self::binary();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Self {
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        redis.up();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn up(&mut self) {
        let child = Command::new(Self::binary())
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server up"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.down();
    }
}

#[tokio::test]
#[ignore = "needs redis-server; run with --include-ignored"]
async fn a_redis_restart_gives_typed_errors_then_recovers() {
    let mut redis = PrivateRedis::start();
    let sb = Sandbox::start().await.unwrap();
    let store = RedisStore::builder(redis.url())
        .command_timeout(Duration::from_millis(500))
        .connect()
        .await
        .unwrap();
    let mut tokens = expired_session(&sb).await;
    tokens.expires_at = std::time::SystemTime::now() + Duration::from_secs(3600);
    store.save(&key("u"), tokens).await.unwrap();
    let client = user_on(&sb, &store, "u");
    client.get_user_details().send().await.unwrap();

    // Calls keep running while Redis goes away and comes back. Each step
    // waits for an event (a call failed, a call succeeded), not for a
    // time; the limits are generous upper bounds only.
    type Outcomes = Arc<std::sync::Mutex<Vec<Result<(), Error>>>>;
    let outcomes: Outcomes = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let runner = {
        let (client, outcomes, stop) = (client.clone(), outcomes.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let outcome = client.get_user_details().send().await.map(drop);
                outcomes.lock().unwrap().push(outcome);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let wait_for = |what: &'static str, seen: fn(&[Result<(), Error>], usize) -> bool| {
        let outcomes = outcomes.clone();
        async move {
            let from = outcomes.lock().unwrap().len();
            let started = Instant::now();
            while !seen(&outcomes.lock().unwrap(), from) {
                assert!(started.elapsed() < Duration::from_secs(30), "{what}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    wait_for("a call before the outage", |o, _| !o.is_empty()).await;
    redis.down();
    wait_for("the outage seen by a call", |o, from| {
        o[from..].iter().any(Result::is_err)
    })
    .await;
    redis.up();
    wait_for("a call succeeding after the restart", |o, from| {
        o[from..].iter().any(Result::is_ok)
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    runner.await.expect("no panic in the calls");
    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    let failures: Vec<&Error> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    assert!(!failures.is_empty(), "the outage was seen");
    for e in &failures {
        match e {
            Error::Auth(AuthError::Store(cause)) => assert!(cause.contains("Redis"), "{cause}"),
            other => panic!("untyped failure during the outage: {other:?}"),
        }
    }
    let first_failure = outcomes.iter().position(Result::is_err).unwrap();
    assert!(outcomes[..first_failure].iter().all(Result::is_ok));
    assert!(
        outcomes.last().unwrap().is_ok(),
        "recovered on its own after the restart: {:?}",
        failures.last()
    );
    println!(
        "restart test: {} calls, {} typed store errors during the outage, first: {}",
        outcomes.len(),
        failures.len(),
        failures[0]
    );

    // The reconnected store keeps working for every operation.
    client.get_user_details().send().await.unwrap();
    store.load(&key("u")).await.unwrap().unwrap();
    sb.shutdown().await;
}
