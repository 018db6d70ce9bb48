//! The two independent OpenAPI linters: Redocly CLI and Spectral (`spectral:oas`).
//!
//! They come from `.ci/lint/node_modules/.bin` (`npm ci --prefix .ci/lint`,
//! pinned by `.ci/lint/package-lock.json`) or else `npx --no-install`; when
//! neither has them the lint is skipped on a developer machine, and fails
//! in CI (`CI` set, see `tests/common/tools.rs`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::failure::{Failure, Result};

/// What one linter found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Warning counts by rule.
    pub warning_rules: BTreeMap<String, usize>,
    /// One line per error: rule, location and message.
    pub error_lines: Vec<String>,
}

/// The outcome of running one linter.
#[derive(Debug)]
pub enum Outcome {
    /// It ran.
    Ran(Findings),
    /// It is not installed.
    Skipped(String),
}

fn locate(root: &Path, bin: &str) -> Option<Command> {
    let local = root.join(".ci/lint/node_modules/.bin").join(bin);
    if local.is_file() {
        return Some(Command::new(local));
    }
    let npx_has_it = Command::new("npx")
        .args(["--no-install", bin, "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    npx_has_it.then(|| {
        let mut cmd = Command::new("npx");
        cmd.args(["--no-install", bin]);
        cmd
    })
}

fn not_installed(bin: &str) -> Outcome {
    Outcome::Skipped(format!(
        "`{bin}` not found in .ci/lint/node_modules or via `npx --no-install`; run `npm ci --prefix .ci/lint` to enable it"
    ))
}

fn run_json(mut cmd: Command, name: &str) -> Result<Value> {
    let output = cmd
        .stdin(Stdio::null())
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .env("NO_UPDATE_NOTIFIER", "1")
        .output()
        .map_err(|e| Failure(format!("cannot run {name}: {e}")))?;
    serde_json::from_slice(&output.stdout).map_err(|_| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
        Failure(format!(
            "{name} printed no JSON report (exit {}): {}",
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ))
    })
}

/// Runs `redocly lint` with `.ci/lint/redocly.yaml` on `spec`.
pub fn redocly(root: &Path, spec: &Path) -> Result<Outcome> {
    let Some(mut cmd) = locate(root, "redocly") else {
        return Ok(not_installed("redocly"));
    };
    cmd.arg("lint")
        .arg(spec)
        .arg("--config")
        .arg(root.join(".ci/lint/redocly.yaml"))
        .args(["--format", "json"]);
    let report = run_json(cmd, "redocly")?;
    let mut findings = Findings::default();
    for problem in report
        .get("problems")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let rule = problem.get("ruleId").and_then(Value::as_str).unwrap_or("?");
        match problem.get("severity").and_then(Value::as_str) {
            Some("error") => {
                findings.errors += 1;
                let at = problem
                    .pointer("/location/0/pointer")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let message = problem.get("message").and_then(Value::as_str).unwrap_or("");
                findings
                    .error_lines
                    .push(format!("{rule} at {at}: {message}"));
            }
            Some("warn") => {
                findings.warnings += 1;
                *findings.warning_rules.entry(rule.to_string()).or_default() += 1;
            }
            _ => {}
        }
    }
    Ok(Outcome::Ran(findings))
}

/// Runs `spectral lint` with `.ci/lint/.spectral.yaml` (`extends: ["spectral:oas"]`) on `spec`.
pub fn spectral(root: &Path, spec: &Path) -> Result<Outcome> {
    let Some(mut cmd) = locate(root, "spectral") else {
        return Ok(not_installed("spectral"));
    };
    cmd.arg("lint")
        .arg(spec)
        .arg("--ruleset")
        .arg(root.join(".ci/lint/.spectral.yaml"))
        .args(["--format", "json", "--fail-severity", "error"]);
    let report = run_json(cmd, "spectral")?;
    let mut findings = Findings::default();
    for problem in report.as_array().into_iter().flatten() {
        let rule = problem.get("code").and_then(Value::as_str).unwrap_or("?");
        match problem.get("severity").and_then(Value::as_u64) {
            Some(0) => {
                findings.errors += 1;
                let at: Vec<String> = problem
                    .get("path")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), String::from))
                    .collect();
                let message = problem.get("message").and_then(Value::as_str).unwrap_or("");
                findings
                    .error_lines
                    .push(format!("{rule} at {}: {message}", at.join(".")));
            }
            Some(1) => {
                findings.warnings += 1;
                *findings.warning_rules.entry(rule.to_string()).or_default() += 1;
            }
            _ => {}
        }
    }
    Ok(Outcome::Ran(findings))
}
