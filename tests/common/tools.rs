//! The one rule for tests that need something outside Rust (xmlsec1 and
//! openssl, python3 with `cryptography`, a Redis, Chromium with Node.js).
//!
//! Such a test is marked `#[ignore = "needs …"]`: a plain `cargo test`
//! reports it as ignored, never as passed. `cargo test -- --include-ignored`
//! runs it (`.ci/run` does, after installing every tool), and there a missing
//! tool fails the test through [`require`]: nothing is skipped at run time.
//!
//! Outside the test harness (`cargo xtask check`, which has no ignore), a
//! missing tool fails under [`in_ci`] and is reported as skipped otherwise.
#![allow(dead_code)]

use std::fmt::Display;

/// Whether this run is CI: the variable `CI` is set to anything but an
/// empty value, `0` or `false` (any case).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim();
        !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false")
    })
}

/// The tool that `found` reports, or a failed test saying that `what` is
/// missing and why: a test that runs needs its tools.
#[track_caller]
pub fn require<T, E: Display>(found: Result<T, E>, what: &str) -> T {
    match found {
        Ok(tool) => tool,
        Err(why) => panic!(
            "this test needs {what}, which is missing: {why} \
             (.ci/run installs every tool; without them run `cargo test` \
             without --include-ignored, which reports such tests as ignored)"
        ),
    }
}
