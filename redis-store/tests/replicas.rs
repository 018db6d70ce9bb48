//! Several OS processes sharing one Redis store: the refresh is
//! single-flight across them and every refresh token is spent once, a
//! killed lease holder is taken over, and a paused one keeps its rotation.
//!
//! This binary is its own harness: run plainly it is the coordinator (a
//! sandbox, then replica processes it spawns from its own executable); with
//! `REPLICA_ROLE_VAR` set it is one replica. Like the other Redis tests it
//! is ignored unless asked for (`--include-ignored`, as `.ci/run` does), and
//! reports so in libtest's format.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{expired_session, key, redis_url, unique_prefix, user_on};
use digilocker_authpartner::auth::TokenStore;
use digilocker_authpartner::{AuthError, Client, Error};
use digilocker_authpartner_redis::RedisStore;
use digilocker_sandbox::{Fault, Sandbox};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

const REPLICA_ROLE_VAR: &str = "DIGILOCKER_TEST_REPLICA";

/// The session key of user `n`.
fn user(n: usize) -> String {
    format!("user-{n}")
}

/// What a replica is told through its environment.
struct ReplicaSetup {
    base_url: String,
    client_id: String,
    client_secret: String,
    redis_url: String,
    prefix: String,
    users: usize,
    calls: usize,
    lease_ttl: Duration,
    grace: Duration,
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
    let scenarios: [(&str, Scenario); 3] = [
        (
            "four_processes_of_fifty_users_and_eight_calls_spend_each_refresh_token_once",
            |u| Box::pin(four_processes_fifty_users(u)),
        ),
        ("a_killed_lease_holder_is_taken_over", |u| {
            Box::pin(killed_lease_holder_is_taken_over(u))
        }),
        ("a_paused_lease_holder_keeps_its_rotation", |u| {
            Box::pin(paused_lease_holder_keeps_its_rotation(u))
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

fn env_ms(name: &str) -> Duration {
    Duration::from_millis(env(name).parse().expect(name))
}

fn replica() {
    let setup = ReplicaSetup {
        base_url: env("REPLICA_BASE_URL"),
        client_id: env("REPLICA_CLIENT_ID"),
        client_secret: env("REPLICA_CLIENT_SECRET"),
        redis_url: env("REPLICA_REDIS_URL"),
        prefix: env("REPLICA_PREFIX"),
        users: env("REPLICA_USERS").parse().expect("users"),
        calls: env("REPLICA_CALLS").parse().expect("calls"),
        lease_ttl: env_ms("REPLICA_LEASE_TTL_MS"),
        grace: env_ms("REPLICA_GRACE_MS"),
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // One app-wide client per process, as a web backend holds it.
    let client = runtime.block_on(async {
        let store = RedisStore::builder(&setup.redis_url)
            .key_prefix(&setup.prefix)
            .lease_ttl(setup.lease_ttl)
            .refresh_grace(setup.grace)
            .connect()
            .await
            .expect("replica reaches Redis");
        Client::builder(&setup.client_id, &setup.client_secret)
            .base_url(&setup.base_url)
            .token_store(std::sync::Arc::new(store))
            .build()
            .expect("client")
    });
    println!("ready");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).expect("go");
    let tally = runtime.block_on(calls(&client, setup.users, setup.calls));
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

/// `calls` concurrent calls for each of `users` users, each call through
/// its own per-user handle (as one request of a web backend would).
async fn calls(client: &Client, users: usize, calls: usize) -> Tally {
    let mut tasks = Vec::new();
    for u in 0..users {
        for _ in 0..calls {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let handle = client.session(&user(u))?;
                handle.get_user_details().send().await.map(drop)
            }));
        }
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

/// How the coordinator runs replicas.
#[derive(Clone, Copy)]
struct Plan {
    users: usize,
    calls: usize,
    lease: Duration,
    grace: Duration,
}

impl Replica {
    fn spawn(sb: &Sandbox, redis_url: &str, prefix: &str, plan: Plan) -> Self {
        let exe = std::env::current_exe().expect("own executable");
        let mut child = Command::new(exe)
            .env(REPLICA_ROLE_VAR, "1")
            .env("REPLICA_BASE_URL", sb.base_url())
            .env("REPLICA_CLIENT_ID", sb.client_id())
            .env("REPLICA_CLIENT_SECRET", sb.client_secret())
            .env("REPLICA_REDIS_URL", redis_url)
            .env("REPLICA_PREFIX", prefix)
            .env("REPLICA_USERS", plan.users.to_string())
            .env("REPLICA_CALLS", plan.calls.to_string())
            .env("REPLICA_LEASE_TTL_MS", plan.lease.as_millis().to_string())
            .env("REPLICA_GRACE_MS", plan.grace.as_millis().to_string())
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

    fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} {pid}");
    }
}

/// Starts `n` replicas and lets them go at once.
async fn launch(sb: &Sandbox, redis_url: &str, prefix: &str, n: usize, plan: Plan) -> Vec<Replica> {
    let mut replicas: Vec<Replica> = (0..n)
        .map(|_| Replica::spawn(sb, redis_url, prefix, plan))
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

async fn coordinator_store(redis_url: &str, prefix: &str) -> RedisStore {
    RedisStore::builder(redis_url)
        .key_prefix(prefix)
        .connect()
        .await
        .expect("coordinator reaches Redis")
}

/// Signs `users` users in (each its own grant) and stores their tokens,
/// every access token already expired.
async fn signed_in_users(sb: &Sandbox, store: &RedisStore, users: usize) {
    for u in 0..users {
        let tokens = expired_session(sb).await;
        store.save(&key(&user(u)), tokens).await.expect("save");
    }
}

/// Waits for the process id in the lease of `user_key`, then for the mark
/// that its refresh request was sent.
async fn refresh_holder(redis_url: &str, prefix: &str, user_key: &str) -> u32 {
    let mut conn = redis::Client::open(redis_url)
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("Redis");
    let started = Instant::now();
    loop {
        let lease: Option<String> = redis::cmd("GET")
            .arg(format!("{prefix}:lease:{user_key}"))
            .query_async(&mut conn)
            .await
            .expect("GET lease");
        let sent: Option<String> = redis::cmd("GET")
            .arg(format!("{prefix}:sent:{user_key}"))
            .query_async(&mut conn)
            .await
            .expect("GET sent");
        if let (Some(id), Some(_)) = (lease, sent) {
            return id.split(':').next().unwrap().parse::<u32>().unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no refresh");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn four_processes_fifty_users(redis_url: String) {
    const PROCESSES: usize = 4;
    const USERS: usize = 50;
    const CALLS: usize = 8;
    let sb = Sandbox::start().await.expect("sandbox");
    let prefix = unique_prefix("multi");
    let store = coordinator_store(&redis_url, &prefix).await;
    signed_in_users(&sb, &store, USERS).await;
    // Each refresh takes a while, so the other processes find it in flight.
    sb.inject(Fault::Delay {
        path: "/oauth2/1/token".into(),
        delay: Duration::from_millis(150),
        times: USERS * PROCESSES,
    });
    sb.clear_requests();
    let reuses_before = sb.refresh_token_reuses();

    let plan = Plan {
        users: USERS,
        calls: CALLS,
        lease: Duration::from_secs(5),
        grace: Duration::from_secs(30),
    };
    let replicas = launch(&sb, &redis_url, &prefix, PROCESSES, plan).await;
    let total = tally_all(replicas).await;
    let refreshes = sb.token_refresh_count();
    let reuses = sb.refresh_token_reuses() - reuses_before;
    println!(
        "replicas: {PROCESSES} processes x {USERS} users x {CALLS} calls: {} ok, {} consent, \
         {} other; refreshes {refreshes}, refresh-token reuses {reuses}",
        total.ok,
        total.consent,
        total.other.len()
    );
    assert!(total.other.is_empty(), "{:?}", total.other);
    assert_eq!(total.ok, PROCESSES * USERS * CALLS);
    assert_eq!(reuses, 0, "no refresh token was spent twice");
    assert_eq!(
        refreshes, USERS,
        "exactly one refresh per user across all processes"
    );
    assert_eq!(sb.count("GET", "/oauth2/1/user"), PROCESSES * USERS * CALLS);
    sb.shutdown().await;
}

async fn killed_lease_holder_is_taken_over(redis_url: String) {
    let sb = Sandbox::start().await.expect("sandbox");
    let prefix = unique_prefix("kill");
    let store = coordinator_store(&redis_url, &prefix).await;
    signed_in_users(&sb, &store, 1).await;
    // The holder's refresh hangs in the sandbox until it is killed.
    sb.inject(Fault::Delay {
        path: "/oauth2/1/token".into(),
        delay: Duration::from_secs(20),
        times: 1,
    });
    sb.clear_requests();

    let plan = Plan {
        users: 1,
        calls: 20,
        lease: Duration::from_millis(1000),
        grace: Duration::from_millis(1500),
    };
    let mut replicas = launch(&sb, &redis_url, &prefix, 3, plan).await;
    let holder_pid = refresh_holder(&redis_url, &prefix, &user(0)).await;
    // Give its refresh request time to reach the sandbox (which holds it).
    tokio::time::sleep(Duration::from_millis(300)).await;
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
         {} other, {took:?} after the kill (lease TTL {:?}, refresh grace {:?}); refresh \
         requests answered by the sandbox: {}; refresh-token reuses: {}",
        survivors.ok,
        survivors.consent,
        survivors.other.len(),
        plan.lease,
        plan.grace,
        sb.token_refresh_count(),
        sb.refresh_token_reuses()
    );
    // The killed holder's request dies with its connection before the
    // sandbox answers it (the sandbox spends a token only when it answers),
    // so the refresh token is still valid: once the holder's sent mark
    // expires, a survivor takes over and refreshes with it. Every survivor
    // call succeeds, with one refresh and no reuse.
    // No consent prompt (that would mean a refresh token lost), no other error.
    assert_eq!(
        (survivors.ok, survivors.consent, survivors.other.len()),
        (40, 0, 0),
        "{:?}",
        survivors.other
    );
    assert_eq!(sb.token_refresh_count(), 1);
    assert_eq!(sb.refresh_token_reuses(), 0);
    assert!(
        took < plan.lease + plan.grace + Duration::from_secs(10),
        "{took:?}"
    );
    let now = store
        .load(&key(&user(0)))
        .await
        .expect("load")
        .expect("tokens");
    assert!(!now.expires_within(Duration::from_secs(60)));
    sb.shutdown().await;
}

async fn paused_lease_holder_keeps_its_rotation(redis_url: String) {
    let sb = Sandbox::start().await.expect("sandbox");
    let prefix = unique_prefix("pause");
    let store = coordinator_store(&redis_url, &prefix).await;
    signed_in_users(&sb, &store, 1).await;
    // The token endpoint is slow: the holder's refresh is in flight when it
    // is stopped, and the sandbox answers it (spending the token) while the
    // holder cannot read the answer.
    sb.inject(Fault::Delay {
        path: "/oauth2/1/token".into(),
        delay: Duration::from_millis(800),
        times: 1,
    });
    sb.clear_requests();

    let plan = Plan {
        users: 1,
        calls: 8,
        lease: Duration::from_millis(1000),
        grace: Duration::from_secs(30),
    };
    let replicas = launch(&sb, &redis_url, &prefix, 3, plan).await;
    let holder_pid = refresh_holder(&redis_url, &prefix, &user(0)).await;
    let holder = replicas
        .iter()
        .find(|r| r.child.id() == Some(holder_pid))
        .expect("the lease holder is one of the replicas");
    holder.signal("-STOP");
    // Stopped for three lease TTLs: its lease expires, another replica
    // takes it over, and the sandbox answers the holder's request.
    tokio::time::sleep(plan.lease * 3).await;
    let answered_while_stopped = sb.token_refresh_count();
    holder.signal("-CONT");

    let total = tally_all(replicas).await;
    let reuses = sb.refresh_token_reuses();
    println!(
        "pause test: holder pid {holder_pid} stopped {:?} (lease TTL {:?}) with its refresh in \
         flight; refreshes answered while stopped {answered_while_stopped}, in all {}; \
         {} ok, {} consent, {} other; refresh-token reuses {reuses}",
        plan.lease * 3,
        plan.lease,
        sb.token_refresh_count(),
        total.ok,
        total.consent,
        total.other.len()
    );
    assert_eq!(
        answered_while_stopped, 1,
        "the holder's refresh was processed"
    );
    assert!(total.other.is_empty(), "{:?}", total.other);
    assert_eq!(
        total.ok, 24,
        "every call of every replica succeeds: {total:?}"
    );
    assert_eq!(
        reuses, 0,
        "the taker waited for the holder instead of re-sending"
    );
    assert_eq!(sb.token_refresh_count(), 1);
    // The session survived: the rotation the paused holder received is stored.
    let after = user_on(&sb, &store, &user(0));
    after.get_user_details().send().await.expect("session kept");
    assert_eq!(sb.token_refresh_count(), 1);
    sb.shutdown().await;
}
