//! Several OS processes sharing one Redis store: the refresh is
//! single-flight across them, and a killed lease holder is taken over.
//!
//! This binary is its own harness: run plainly it is the coordinator (a
//! sandbox, then replica processes it spawns from its own executable); with
//! `REPLICA_ROLE_VAR` set it is one replica. Like the other Redis tests it
//! is ignored unless asked for (`--include-ignored`, as `.ci/run` does), and
//! reports so in libtest's format.

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{expired_session, redis_url, unique_prefix};
use digilocker_authpartner::auth::TokenStore;
use digilocker_authpartner::{AuthError, Client, Error};
use digilocker_authpartner_redis::RedisStore;
use digilocker_sandbox::{Fault, Sandbox};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

const REPLICA_ROLE_VAR: &str = "DIGILOCKER_TEST_REPLICA";
const USER: &str = "user-1";

/// What a replica is told through its environment.
struct ReplicaSetup {
    base_url: String,
    client_id: String,
    client_secret: String,
    redis_url: String,
    prefix: String,
    calls: usize,
    lease_ttl: Duration,
}

/// What one replica reports.
#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    consent: usize,
    other: Vec<String>,
}

/// One coordinator scenario, given the Redis URL.
type Scenario = fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

fn main() {
    if std::env::var_os(REPLICA_ROLE_VAR).is_some() {
        replica();
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let scenarios: [(&str, Scenario); 2] = [
        ("four_processes_of_fifty_calls_share_one_refresh", |u| {
            Box::pin(four_processes_share_one_refresh(u))
        }),
        ("a_killed_lease_holder_is_taken_over", |u| {
            Box::pin(killed_lease_holder_is_taken_over(u))
        }),
    ];
    // libtest's arguments: filters, `--skip X`, and options with a value.
    let (mut filter, mut skip) = (Vec::new(), Vec::new());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--skip" => skip.extend(rest.next()),
            "--test-threads" | "--format" | "--color" | "--logfile" | "-Z" => {
                rest.next();
            }
            a if a.starts_with('-') => {}
            a => filter.push(a),
        }
    }
    let total = scenarios.len();
    let chosen: Vec<_> = scenarios
        .into_iter()
        .filter(|(name, _)| filter.is_empty() || filter.iter().any(|f| name.contains(f)))
        .filter(|(name, _)| !skip.iter().any(|s| name.contains(s.as_str())))
        .collect();
    if flag("--list") {
        for (name, _) in &chosen {
            println!("{name}: test");
        }
        return;
    }
    println!("\nrunning {} tests", chosen.len());
    if !flag("--include-ignored") && !flag("--ignored") {
        for (name, _) in &chosen {
            println!(
                "test {name} ... ignored, needs a Redis at DIGILOCKER_TEST_REDIS_URL; \
                 run with --include-ignored"
            );
        }
        println!(
            "\ntest result: ok. 0 passed; 0 failed; {} ignored; 0 measured; {} filtered out\n",
            chosen.len(),
            total - chosen.len()
        );
        return;
    }
    let url = redis_url();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for (name, scenario) in &chosen {
        runtime.block_on(scenario(url.clone()));
        println!("test {name} ... ok");
    }
    println!(
        "\ntest result: ok. {} passed; 0 failed; 0 ignored; 0 measured; {} filtered out\n",
        chosen.len(),
        total - chosen.len()
    );
}

// ---------------------------------------------------------------------------
// The replica process.

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("replica needs {name}"))
}

fn replica() {
    let setup = ReplicaSetup {
        base_url: env("REPLICA_BASE_URL"),
        client_id: env("REPLICA_CLIENT_ID"),
        client_secret: env("REPLICA_CLIENT_SECRET"),
        redis_url: env("REPLICA_REDIS_URL"),
        prefix: env("REPLICA_PREFIX"),
        calls: env("REPLICA_CALLS").parse().expect("calls"),
        lease_ttl: Duration::from_millis(env("REPLICA_LEASE_TTL_MS").parse().expect("ttl")),
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = runtime.block_on(async {
        let store = RedisStore::builder(&setup.redis_url)
            .key_prefix(&setup.prefix)
            .lease_ttl(setup.lease_ttl)
            .connect()
            .await
            .expect("replica reaches Redis");
        Client::builder(&setup.client_id, &setup.client_secret)
            .base_url(&setup.base_url)
            .build()
            .expect("client")
            .with_token_store(Arc::new(store.tokens(USER)))
    });
    println!("ready");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).expect("go");
    let tally = runtime.block_on(calls(&client, setup.calls));
    println!(
        "tally ok={} consent={} other={}",
        tally.ok,
        tally.consent,
        tally.other.len()
    );
    for e in tally.other {
        println!("error {e}");
    }
}

async fn calls(client: &Client, n: usize) -> Tally {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client.get_user_details().send().await.map(drop)
        }));
    }
    let mut tally = Tally::default();
    for t in tasks {
        match t.await.expect("call task") {
            Ok(()) => tally.ok += 1,
            Err(Error::Auth(AuthError::ConsentRequired)) => tally.consent += 1,
            Err(e) => tally.other.push(format!("{e} ({e:?})")),
        }
    }
    tally
}

// ---------------------------------------------------------------------------
// The coordinator.

struct Replica {
    child: Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Replica {
    fn spawn(sb: &Sandbox, redis_url: &str, prefix: &str, calls: usize, lease: Duration) -> Self {
        let exe = std::env::current_exe().expect("own executable");
        let mut child = Command::new(exe)
            .env(REPLICA_ROLE_VAR, "1")
            .env("REPLICA_BASE_URL", sb.base_url())
            .env("REPLICA_CLIENT_ID", sb.client_id())
            .env("REPLICA_CLIENT_SECRET", sb.client_secret())
            .env("REPLICA_REDIS_URL", redis_url)
            .env("REPLICA_PREFIX", prefix)
            .env("REPLICA_CALLS", calls.to_string())
            .env("REPLICA_LEASE_TTL_MS", lease.as_millis().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("replica process starts");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Self { child, lines }
    }

    async fn line(&mut self) -> Option<String> {
        self.lines.next_line().await.expect("replica stdout")
    }

    async fn ready(&mut self) {
        assert_eq!(self.line().await.as_deref(), Some("ready"));
    }

    async fn go(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        stdin.write_all(b"go\n").await.expect("go");
        stdin.flush().await.expect("go");
    }

    async fn tally(mut self) -> Tally {
        let mut tally = Tally::default();
        while let Some(line) = self.line().await {
            if let Some(rest) = line.strip_prefix("tally ") {
                for part in rest.split(' ') {
                    match part.split_once('=') {
                        Some(("ok", n)) => tally.ok = n.parse().expect("ok"),
                        Some(("consent", n)) => tally.consent = n.parse().expect("consent"),
                        _ => {}
                    }
                }
            } else if let Some(e) = line.strip_prefix("error ") {
                tally.other.push(e.to_string());
            }
        }
        let status = self.child.wait().await.expect("replica exits");
        assert!(status.success(), "replica failed: {status}");
        tally
    }
}

/// Starts `n` replicas of `calls` calls each and lets them go at once.
async fn launch(
    sb: &Sandbox,
    redis_url: &str,
    prefix: &str,
    n: usize,
    calls: usize,
    lease: Duration,
) -> Vec<Replica> {
    let mut replicas: Vec<Replica> = (0..n)
        .map(|_| Replica::spawn(sb, redis_url, prefix, calls, lease))
        .collect();
    for r in &mut replicas {
        r.ready().await;
    }
    for r in &mut replicas {
        r.go().await;
    }
    replicas
}

/// The replicas' tallies added up, once they have all exited.
async fn tally_all(replicas: Vec<Replica>) -> Tally {
    let mut total = Tally::default();
    for r in replicas {
        let t = r.tally().await;
        total.ok += t.ok;
        total.consent += t.consent;
        total.other.extend(t.other);
    }
    total
}

async fn signed_in_user(sb: &Sandbox, redis_url: &str, prefix: &str) {
    let store = RedisStore::builder(redis_url)
        .key_prefix(prefix)
        .connect()
        .await
        .expect("coordinator reaches Redis");
    let tokens = expired_session(sb).await;
    store.tokens(USER).save(tokens).await.expect("save");
}

async fn four_processes_share_one_refresh(redis_url: String) {
    let sb = Sandbox::start().await.expect("sandbox");
    let prefix = unique_prefix("multi");
    signed_in_user(&sb, &redis_url, &prefix).await;
    // The refresh takes a while, so every replica finds it in flight.
    sb.inject(Fault::Delay {
        path: "/oauth2/1/token".into(),
        delay: Duration::from_millis(300),
        times: 1,
    });
    sb.clear_requests();

    let replicas = launch(&sb, &redis_url, &prefix, 4, 50, Duration::from_secs(5)).await;
    let total = tally_all(replicas).await;
    let refreshes = sb.token_refresh_count();
    println!(
        "multi-process: 4 processes x 50 calls: {} ok, {} consent, {} other; \
         refreshes reaching the sandbox: {refreshes}",
        total.ok,
        total.consent,
        total.other.len()
    );
    assert!(total.other.is_empty(), "{:?}", total.other);
    assert_eq!(total.ok, 200);
    assert_eq!(refreshes, 1, "exactly one refresh across all processes");
    assert_eq!(sb.count("GET", "/oauth2/1/user"), 200);
    sb.shutdown().await;
}

async fn killed_lease_holder_is_taken_over(redis_url: String) {
    let sb = Sandbox::start().await.expect("sandbox");
    let prefix = unique_prefix("kill");
    signed_in_user(&sb, &redis_url, &prefix).await;
    // The holder's refresh hangs in the sandbox until it is killed.
    sb.inject(Fault::Delay {
        path: "/oauth2/1/token".into(),
        delay: Duration::from_secs(20),
        times: 1,
    });
    sb.clear_requests();

    let lease = Duration::from_millis(1000);
    let mut replicas = launch(&sb, &redis_url, &prefix, 3, 20, lease).await;

    // Find the holder by the process id in its lease; give its refresh
    // request time to reach the sandbox (which holds it for 20 s).
    let mut conn = redis::Client::open(redis_url.as_str())
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("Redis");
    let started = Instant::now();
    let holder_pid = loop {
        let lease_id: Option<String> = redis::cmd("GET")
            .arg(format!("{prefix}:lease:{USER}"))
            .query_async(&mut conn)
            .await
            .expect("GET lease");
        if let Some(id) = lease_id {
            tokio::time::sleep(Duration::from_millis(300)).await;
            break id.split(':').next().unwrap().parse::<u32>().unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no lease");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let at = replicas
        .iter()
        .position(|r| r.child.id() == Some(holder_pid))
        .expect("the lease holder is one of the replicas");
    let mut holder = replicas.remove(at);
    holder.child.start_kill().expect("SIGKILL");
    let killed = Instant::now();
    let status = holder.child.wait().await.expect("killed holder exits");
    assert!(!status.success());

    let survivors = tally_all(replicas).await;
    let took = killed.elapsed();
    println!(
        "kill test: holder pid {holder_pid} killed mid-refresh; survivors {} ok, {} consent, \
         {} other, {took:?} after the kill (lease TTL {lease:?}); refresh requests at the \
         sandbox: {}",
        survivors.ok,
        survivors.consent,
        survivors.other.len(),
        sb.token_refresh_count()
    );
    // The one correct outcome: the holder's refresh was held by the Delay
    // fault before the sandbox's handler ran, so the refresh token was never
    // spent; once the lease expired a survivor took over, refreshed with the
    // same refresh token, and every survivor's call succeeded. No consent
    // prompt (that would mean a refresh token lost), no other error.
    assert_eq!(
        (survivors.ok, survivors.consent, survivors.other.len()),
        (40, 0, 0),
        "{:?}",
        survivors.other
    );
    // The sandbox logs a request once it has answered: the killed holder's
    // never was, so only the take-over's refresh is counted.
    assert_eq!(sb.token_refresh_count(), 1);
    // Lease TTL plus the client's request timeout bounds the take-over.
    assert!(took < lease + Duration::from_secs(30), "{took:?}");
    let store = RedisStore::builder(&redis_url)
        .key_prefix(&prefix)
        .connect()
        .await
        .expect("Redis");
    let now = store
        .tokens(USER)
        .load()
        .await
        .expect("load")
        .expect("tokens");
    assert!(!now.expires_within(Duration::from_secs(60)));
    sb.shutdown().await;
}
