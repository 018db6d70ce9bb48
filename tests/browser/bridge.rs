//! The Rust end of `driver.mjs`: a headless Debian Chromium driven through
//! playwright-core, one JSON command per line. Why playwright-core and not a
//! Rust WebDriver client: see `tests/web_app_browser.rs`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The longest any one browser action may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// What the browser test needs on the machine.
#[derive(Clone, Debug)]
pub struct Tools {
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// `tests/browser`, with playwright-core installed.
    pub driver_dir: PathBuf,
}

impl Tools {
    /// The tools, or why they are missing. Chromium is
    /// `DIGILOCKER_TEST_CHROMIUM` or `/usr/bin/chromium`.
    pub fn find() -> Result<Self, String> {
        let chromium = std::env::var_os("DIGILOCKER_TEST_CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        if !chromium.is_file() {
            return Err(format!(
                "no Chromium at {} (apt-get install chromium, or set DIGILOCKER_TEST_CHROMIUM)",
                chromium.display()
            ));
        }
        let node = std::process::Command::new("node")
            .arg("--version")
            .output()
            .map_err(|e| format!("node is not runnable ({e}); install Node.js"))?;
        if !node.status.success() {
            return Err("node --version failed".into());
        }
        let driver_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
        if !driver_dir
            .join("node_modules/playwright-core/package.json")
            .is_file()
        {
            return Err(
                "playwright-core is not installed: run npm ci --prefix tests/browser".into(),
            );
        }
        Ok(Tools {
            chromium,
            driver_dir,
        })
    }
}

/// One page's state after an action.
#[derive(Clone, Debug)]
pub struct Page {
    /// Where the browser is.
    pub url: String,
    /// Status of the last main-frame document response.
    pub status: Option<u16>,
    /// The page's visible text.
    pub text: String,
}

impl Page {
    fn from(v: &Value) -> Self {
        Page {
            url: v["url"].as_str().unwrap_or_default().to_string(),
            status: v["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
            text: v["text"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// Panics unless the page's text contains every one of `needles`.
    #[track_caller]
    pub fn assert_shows(&self, needles: &[&str]) {
        for needle in needles {
            assert!(
                self.text.contains(needle),
                "page {} does not show {needle:?}; it shows:\n{}",
                self.url,
                self.text
            );
        }
    }
}

/// A running headless Chromium with a fresh (or reused) profile.
pub struct Browser {
    driver: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Browser {
    /// Starts the driver and Chromium with the profile at `profile`.
    pub async fn launch(tools: &Tools, profile: &Path) -> Browser {
        let mut driver = Command::new("node")
            .arg("driver.mjs")
            .current_dir(&tools.driver_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let stdin = driver.stdin.take().expect("stdin");
        let lines = BufReader::new(driver.stdout.take().expect("stdout")).lines();
        let mut browser = Browser {
            driver,
            stdin,
            lines,
        };
        browser
            .call(json!({
                "op": "launch",
                "executable": tools.chromium,
                "profile": profile,
            }))
            .await;
        browser
    }

    /// Sends one command and returns its `ok` value; panics on an error.
    pub async fn call(&mut self, command: Value) -> Value {
        let op = command["op"].as_str().unwrap_or("?").to_string();
        let mut line = command.to_string();
        line.push('\n');
        let exchange = async {
            self.stdin.write_all(line.as_bytes()).await?;
            self.stdin.flush().await?;
            self.lines.next_line().await
        };
        let answer = tokio::time::timeout(STEP_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| panic!("browser step {op} took longer than {STEP_TIMEOUT:?}"))
            .unwrap_or_else(|e| panic!("browser step {op}: driver I/O failed: {e}"))
            .unwrap_or_else(|| panic!("browser step {op}: the driver exited"));
        let answer: Value = serde_json::from_str(&answer).expect("driver answers JSON");
        if let Some(error) = answer.get("error") {
            panic!(
                "browser step {op} failed: {}",
                error.as_str().unwrap_or_default()
            );
        }
        answer["ok"].clone()
    }

    /// Opens `url`.
    pub async fn goto(&mut self, url: &str) -> Page {
        Page::from(&self.call(json!({"op": "goto", "url": url})).await)
    }

    /// Clicks the element `selector` and waits for the page it leads to.
    pub async fn click(&mut self, selector: &str) -> Page {
        Page::from(
            &self
                .call(json!({"op": "click", "selector": selector}))
                .await,
        )
    }

    /// Chooses `file` in the file input `input` and clicks `submit`.
    pub async fn upload(&mut self, input: &str, file: &Path, submit: &str) -> Page {
        let v = self
            .call(json!({"op": "upload", "input": input, "file": file, "submit": submit}))
            .await;
        Page::from(&v)
    }

    /// Clicks the download link `selector`; saves the file to `save_as`
    /// unless the download failed. Returns (failure, suggested file name).
    pub async fn download(&mut self, selector: &str, save_as: &Path) -> (Option<String>, String) {
        let v = self
            .call(json!({"op": "download", "selector": selector, "saveAs": save_as}))
            .await;
        (
            v["failure"].as_str().map(str::to_string),
            v["suggestedFilename"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }

    /// Reads `url` with `fetch()` in the page; returns the body length if
    /// the whole body arrived, or the browser's error.
    pub async fn fetch(&mut self, url: &str) -> Result<u64, String> {
        let v = self.call(json!({"op": "fetch", "url": url})).await;
        if v["complete"] == true {
            Ok(v["length"].as_u64().unwrap_or(0))
        } else {
            Err(v["error"].as_str().unwrap_or_default().to_string())
        }
    }

    /// A full-page PNG screenshot at `path`.
    pub async fn screenshot(&mut self, path: &Path) {
        self.call(json!({"op": "screenshot", "path": path})).await;
    }

    /// The cookies the browser holds: name, domain, httpOnly, secure, sameSite.
    pub async fn cookies(&mut self) -> Vec<Value> {
        match self.call(json!({"op": "cookies"})).await {
            Value::Array(cookies) => cookies,
            other => panic!("cookies: {other}"),
        }
    }

    /// Forgets every cookie, as an expired session would.
    pub async fn clear_cookies(&mut self) {
        self.call(json!({"op": "clearCookies"})).await;
    }

    /// Kills Chromium with SIGKILL, then the driver. Returns how many
    /// Chromium processes were killed.
    pub async fn kill(mut self) -> u64 {
        let killed = self.call(json!({"op": "killBrowser"})).await["killed"]
            .as_u64()
            .unwrap_or(0);
        let _ = self.driver.kill().await;
        killed
    }

    /// Closes Chromium and the driver.
    pub async fn close(mut self) {
        self.call(json!({"op": "close"})).await;
        drop(self.stdin);
        let _ = tokio::time::timeout(Duration::from_secs(10), self.driver.wait()).await;
    }
}
