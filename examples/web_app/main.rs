//! "Sign in with DigiLocker" in an axum web app: a button, the consent
//! redirect with PKCE, the callback, the user's issued documents with
//! HMAC-verified downloads, and an upload form.
//!
//! ```text
//! cargo run --example web_app        # then open http://localhost:3000
//! ```
//!
//! By default it starts the embedded sandbox, whose consent page the
//! browser sees. With `DIGILOCKER_BASE_URL`, `DIGILOCKER_CLIENT_ID`,
//! `DIGILOCKER_CLIENT_SECRET` and `DIGILOCKER_REDIRECT_URI` set (as for the
//! walkthrough) it talks to that DigiLocker host instead and serves its
//! callback at the redirect URI's path. `WEB_APP_ADDR` (default
//! `127.0.0.1:3000`) is where it listens; `RUST_LOG=debug` shows the
//! client's spans.

mod app;

use std::net::SocketAddr;

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_tracing();
    let addr: SocketAddr = std::env::var("WEB_APP_ADDR")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "127.0.0.1:3000".into())
        .parse()?;
    let listener = TcpListener::bind(addr).await?;
    let port = listener.local_addr()?.port();
    let backend = app::setup::Backend::from_env_or_sandbox(port).await?;
    println!("DigiLocker web app on http://localhost:{port}");
    println!("  DigiLocker at {}", backend.config.client.baseurl());
    if let Some(sb) = &backend.sandbox {
        println!("  embedded sandbox; test user {}", sb.test_user().name);
    }
    println!("Serving until Ctrl-C.");
    axum::serve(listener, app::router(backend.config))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    if let Some(sb) = backend.sandbox {
        sb.shutdown().await;
    }
    Ok(())
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}
