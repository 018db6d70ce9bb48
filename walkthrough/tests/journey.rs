//! The walkthrough binary, run as a user runs it: against its embedded
//! sandbox, and against a server it only knows from the environment (a
//! sandbox in this process, with the consent step played through stdin).
//!
//! Against its embedded sandbox the walkthrough verifies the XML signatures,
//! which needs xmlsec1 and openssl: that test is ignored unless asked for
//! (`--include-ignored`, as `.ci/run` does), and fails if they are missing.

#[path = "../../tests/common/tools.rs"]
mod tools;

use std::process::Stdio;
use std::time::Duration;

use digilocker_authpartner::testkit::Sandbox;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::Command;

/// The walkthrough with no DigiLocker variable from the caller's environment.
fn walkthrough() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_walkthrough"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("DIGILOCKER_") {
            cmd.env_remove(&name);
        }
    }
    cmd.env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Run `cmd`; every authorize URL it prints is consented to on `sandbox`
/// and the callback typed in. Returns the exit status and stdout.
async fn run(mut cmd: Command, sandbox: Option<&Sandbox>) -> (bool, String) {
    let mut child = cmd.spawn().expect("walkthrough starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut out = String::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("stdout") {
            if line.contains("/oauth2/1/authorize?") {
                let sandbox = sandbox.expect("a consent prompt only against a server");
                let callback = sandbox.consent(line.trim()).await.expect("consent");
                stdin
                    .write_all(format!("{callback}\n").as_bytes())
                    .await
                    .expect("stdin");
            }
            out.push_str(&line);
            out.push('\n');
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .expect("the walkthrough finishes in time");
    let status = child.wait().await.expect("exit status");
    (status.success(), out)
}

/// The line of operation `op`, which must exist.
fn line<'a>(out: &'a str, op: &str) -> &'a str {
    out.lines()
        .find(|l| l.get(8..).is_some_and(|rest| rest.starts_with(op)))
        .unwrap_or_else(|| panic!("no line for {op} in\n{out}"))
}

#[tokio::test]
#[ignore = "needs xmlsec1 and openssl; run with --include-ignored"]
async fn against_the_embedded_sandbox_every_operation_succeeds() {
    tools::require(
        digilocker_authpartner::testkit::sandbox::xmlsec::check_tools(),
        "xmlsec1 and openssl (the sandbox signs its XML with them)",
    );
    let (ok, out) = run(walkthrough(), None).await;
    assert!(ok, "{out}");
    let summary = out.lines().last().expect("a summary");
    let (done, total) = summary
        .split_once(' ')
        .and_then(|(n, _)| n.split_once('/'))
        .expect("N/M operations succeeded");
    assert_eq!(done, total, "{out}");
    assert!(done.parse::<usize>().unwrap() >= 25, "{out}");
    assert!(!out.contains("  skip  ") && !out.contains("FAIL"), "{out}");
    // The typed XML was verified against the sandbox's signer, not read unchecked.
    for op in [
        "get_certificate_xml (typed)",
        "get_eaadhaar_xml (v3, typed)",
    ] {
        let l = line(&out, op);
        assert!(l.contains("signature verified ("), "{l}");
    }
    assert!(!out.contains("not checked"), "{out}");
}

#[tokio::test]
async fn against_a_server_it_runs_all_but_the_otp_operations() {
    let sandbox = Sandbox::start().await.expect("sandbox");
    let user = sandbox.test_user();
    let mut cmd = walkthrough();
    cmd.env("DIGILOCKER_BASE_URL", sandbox.base_url())
        .env("DIGILOCKER_CLIENT_ID", sandbox.client_id())
        .env("DIGILOCKER_CLIENT_SECRET", sandbox.client_secret())
        .env("DIGILOCKER_REDIRECT_URI", sandbox.redirect_uri())
        .env("DIGILOCKER_TEST_MOBILE", &user.mobile);
    let (ok, out) = run(cmd, Some(&sandbox)).await;
    assert!(ok, "{out}");

    assert!(line(&out, "verify_account").starts_with("  ok"), "{out}");
    assert!(line(&out, "verify_account").contains("registered: true"));
    assert!(line(&out, "push_uri (add)").starts_with("  ok"), "{out}");
    assert!(line(&out, "push_uri (delete)").starts_with("  ok"), "{out}");
    assert!(line(&out, "pull_document").starts_with("  ok"), "{out}");
    for skipped in ["get_access_token_oidc", "signup", "get_device_code"] {
        let l = line(&out, skipped);
        assert!(l.starts_with("  skip"), "{l}");
        assert!(
            l.contains("DIGILOCKER_JWKS_URL") || l.contains("OTP"),
            "{l}"
        );
    }
    assert!(out.contains("3 skipped"), "{out}");

    // What reached the server: the operations, with the data from the
    // environment and from user details; no OTP operation.
    let verify = sandbox
        .requests()
        .into_iter()
        .find(|r| r.path == "/account/2/verify")
        .expect("verify account sent");
    assert_eq!(verify.status, 200);
    assert_eq!(sandbox.count("POST", "/account/1/pushuri"), 2);
    let pushes: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == "/account/1/pushuri")
        .map(|r| r.status)
        .collect();
    assert_eq!(pushes, [200, 200]);
    assert_eq!(sandbox.count("POST", "/oauth2/1/pull/pulldocument"), 1);
    assert_eq!(sandbox.count("POST", "/oauth2/1/code"), 0);
    assert_eq!(sandbox.count("POST", "/signup/2/demoauth"), 0);
    assert_eq!(sandbox.count("POST", "/oauth2/2/token"), 0);
    sandbox.shutdown().await;
}
