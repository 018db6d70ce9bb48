//! Where the app's DigiLocker is: a real host named by the environment (the
//! walkthrough's variables), or the embedded sandbox.

use digilocker_authpartner::Client;
use digilocker_sandbox::{Sandbox, SandboxConfig};
use tower_sessions::cookie::time::Duration;

use super::AppConfig;

/// The app's configuration, and the sandbox when it runs one.
#[derive(Debug)]
pub struct Backend {
    /// What the router needs.
    pub config: AppConfig,
    /// The embedded sandbox (absent against a real host).
    pub sandbox: Option<Sandbox>,
}

/// How long an idle session lives.
const SESSION_IDLE: Duration = Duration::minutes(15);

impl Backend {
    /// The host named by `DIGILOCKER_BASE_URL`, `DIGILOCKER_CLIENT_ID`,
    /// `DIGILOCKER_CLIENT_SECRET` and `DIGILOCKER_REDIRECT_URI` when all
    /// are set, else [`Backend::sandbox`] for an app on `port`.
    pub async fn from_env_or_sandbox(port: u16) -> Result<Self, Box<dyn std::error::Error>> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        match (
            env("DIGILOCKER_BASE_URL"),
            env("DIGILOCKER_CLIENT_ID"),
            env("DIGILOCKER_CLIENT_SECRET"),
            env("DIGILOCKER_REDIRECT_URI"),
        ) {
            (Some(base), Some(id), Some(secret), Some(redirect)) => {
                let redirect_url = url::Url::parse(&redirect)?;
                let client = Client::builder(id, secret)
                    .base_url(&base)
                    .redirect_uri(redirect.clone())
                    .build()?;
                Ok(Backend {
                    config: AppConfig {
                        client,
                        callback_path: redirect_url.path().to_string(),
                        secure_cookie: redirect_url.scheme() == "https",
                        session_idle: SESSION_IDLE,
                    },
                    sandbox: None,
                })
            }
            _ => Ok(Self::sandbox(port).await?),
        }
    }

    /// The embedded sandbox on a free loopback port, its redirect URI the
    /// app's `http://localhost:{port}/callback`.
    pub async fn sandbox(port: u16) -> Result<Self, digilocker_authpartner::Error> {
        let sandbox = Sandbox::start_with(SandboxConfig {
            redirect_uri: format!("http://localhost:{port}/callback"),
            ..SandboxConfig::default()
        })
        .await
        .map_err(|e| digilocker_authpartner::Error::Config(format!("sandbox: {e}")))?;
        let client = Client::builder(sandbox.client_id(), sandbox.client_secret())
            .base_url(&sandbox.base_url())
            .redirect_uri(sandbox.redirect_uri())
            .build()?;
        Ok(Backend {
            config: AppConfig {
                client,
                callback_path: "/callback".into(),
                secure_cookie: false,
                session_idle: SESSION_IDLE,
            },
            sandbox: Some(sandbox),
        })
    }
}
