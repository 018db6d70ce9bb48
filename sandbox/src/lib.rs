//! The test kit of [`digilocker-authpartner`]: a strict, in-process
//! simulator of DigiLocker's Authorized Partner API, following Requester API
//! Specification v1.12 (and Meri Pehchaan v2.3 for the few v2 additions). It
//! serves every operation under `/public` on 127.0.0.1, checks request
//! hashes, PKCE, tokens and uploads the way the PDFs describe, plays the
//! user's consent step ([`Sandbox::consent`]), keeps a secret-free log of
//! what it received, and can inject faults. All data is synthetic.
//!
//! With the client, enable `digilocker-authpartner`'s `testkit` feature in
//! your dev-dependencies: `digilocker_authpartner::testkit` re-exports this
//! crate and builds clients preconfigured for a running sandbox, logged in
//! with one call. This crate does not depend on the client, so its version
//! always matches the client's and tests see one copy of each type.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use digilocker_sandbox::{Fault, Sandbox};
//! let sb = Sandbox::start().await?;
//! println!("{} as {}", sb.base_url(), sb.client_id());
//! sb.inject(Fault::Status {
//!     path: "/oauth2/1/user".into(),
//!     times: 2,
//!     status: 503,
//!     error: "repository_service_unresponsive".into(),
//! });
//! sb.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! [`digilocker-authpartner`]: https://docs.rs/digilocker-authpartner

#![warn(missing_docs)]

mod catalogue;
mod config;
mod consent;
mod consent_page;
mod documents;
mod error;
mod faults;
mod hashes;
mod log;
mod oidc;
mod routes;
mod signatures;
mod state;
mod util;
pub mod xmlsec;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{ConsentPage, SandboxConfig, TestUser};
pub use consent::ConsentError;
pub use faults::{Fault, IdTokenFault};
pub use log::RecordedRequest;
pub use signatures::ReceivedSignature;
pub use state::{ConsentDecision, SeedDocument};

use state::{IssuedDoc, Shared};

/// A running sandbox server. Dropping it stops the server too; prefer
/// [`Sandbox::shutdown`] to wait for it.
#[derive(Debug)]
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Start with [`SandboxConfig::default`] on a free loopback port.
    pub async fn start() -> std::io::Result<Sandbox> {
        Self::start_with(SandboxConfig::default()).await
    }

    /// Start with `config`, binding `127.0.0.1:config.port`.
    pub async fn start_with(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)))
                .await?;
        let addr = listener.local_addr()?;
        let signer = oidc::Signer::new(format!("http://{addr}"))?;
        let shared = Arc::new(Shared::new(config, signer));
        let app = routes::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Sandbox {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL including `/public`, e.g. `http://127.0.0.1:40123/public`.
    pub fn base_url(&self) -> String {
        format!("http://{}/public", self.addr)
    }

    /// The configured client id.
    pub fn client_id(&self) -> &str {
        &self.shared.config.client_id
    }

    /// The configured client secret.
    pub fn client_secret(&self) -> &str {
        &self.shared.config.client_secret
    }

    /// The registered redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.shared.config.redirect_uri
    }

    /// The `iss` of its id_tokens: its origin, `http://127.0.0.1:PORT`.
    pub fn issuer(&self) -> &str {
        self.shared.oidc.issuer()
    }

    /// The JWKS URL of its id_token keys (outside `/public`).
    pub fn jwks_url(&self) -> String {
        format!("http://{}/.well-known/jwks.json", self.addr)
    }

    /// The `kid`s the JWKS publishes, the signing key first.
    pub fn id_token_kids(&self) -> Vec<String> {
        self.shared.oidc.kids()
    }

    /// The logout page (`/signin/logout/Y`, outside `/public`; MeriPehchaan v2.3 p.13).
    pub fn logout_url(&self) -> String {
        format!("http://{}/signin/logout/Y", self.addr)
    }

    /// The configuration the sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// The seeded default user.
    pub fn test_user(&self) -> TestUser {
        self.shared.config.test_user.clone()
    }

    /// The certificate (PEM) of the sandbox's XML document signer, to pin
    /// when verifying the certificate and e-Aadhaar XML it serves. The key
    /// is made on first use with `openssl`, one per process, and documents
    /// are signed with `xmlsec1`; fails if either tool is missing.
    pub fn xml_signer_certificate_pem(&self) -> std::io::Result<String> {
        xmlsec::sandbox_signer().map(|key| key.certificate_pem().to_string())
    }

    /// The OTP the device-code grant accepts (`dl_otp`).
    pub fn device_otp(&self) -> &str {
        &self.shared.config.device_otp
    }

    /// The OTP `/signup/1/demoauthverify` accepts.
    pub fn signup_otp(&self) -> &str {
        &self.shared.config.signup_otp
    }

    /// Choose what the user does on the consent screen of later authorize calls.
    pub fn set_consent_decision(&self, consent: ConsentDecision) {
        self.shared.lock().consent = consent;
    }

    /// Play the browser's part of the consent step: open `authorize_url` (an
    /// authorize URL for this sandbox, as the client builds it), let the user
    /// decide as [`set_consent_decision`](Self::set_consent_decision) says
    /// (approve unless told otherwise), and return the callback URL the
    /// browser is redirected to: `redirect_uri?code=…&state=…`, or
    /// `?error=access_denied…` / `?error=user_loggedout…`. Hand it to the
    /// client's code exchange.
    ///
    /// Fails without sending anything if the URL is not this sandbox's
    /// authorize endpoint, and with [`ConsentError::NoRedirect`] when
    /// authorize refuses the request outright (an unknown client or
    /// redirect URI). The request is logged and faults apply, like any other.
    pub async fn consent(&self, authorize_url: impl AsRef<str>) -> Result<String, ConsentError> {
        consent::follow(&self.base_url(), authorize_url.as_ref()).await
    }

    /// Add an issued document to the test user's locker; returns its URI.
    pub fn seed_document(&self, doc: SeedDocument) -> String {
        let issuerid = if doc.issuerid.is_empty() {
            let marker = format!("-{}-", doc.doctype);
            match doc.uri.find(&marker) {
                Some(i) if !doc.doctype.is_empty() => doc.uri[..i].to_string(),
                _ => doc.uri.split('-').next().unwrap_or("").to_string(),
            }
        } else {
            doc.issuerid
        };
        let description = if doc.description.is_empty() {
            doc.name.clone()
        } else {
            doc.description
        };
        let uri = doc.uri.clone();
        let mut st = self.shared.lock();
        let id = self.shared.config.test_user.digilockerid.clone();
        if let Some(account) = st.account_mut(&id) {
            account.issued.retain(|d| d.uri != uri);
            account.issued.push(IssuedDoc {
                uri: doc.uri,
                name: doc.name,
                doctype: doc.doctype,
                description,
                issuerid,
                issuer: doc.issuer,
                date: util::now_unix(),
                mime: if doc.mime.is_empty() {
                    "application/pdf".into()
                } else {
                    doc.mime
                },
                body: doc.bytes,
                xml: doc.xml.map(String::into_bytes),
            });
        }
        uri
    }

    /// Create the folder at `path` (e.g. `"/Education/2024"`, intermediate
    /// folders included) in the test user's uploaded documents; returns its id.
    pub fn add_folder(&self, path: &str) -> String {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let id = self.shared.config.test_user.digilockerid.clone();
        let mut st = self.shared.lock();
        st.account_mut(&id)
            .map(|a| a.ensure_folders(&segments))
            .unwrap_or_default()
    }

    /// The id of the test user's root folder (the one `/oauth2/1/files/` lists).
    pub fn root_folder_id(&self) -> String {
        let id = &self.shared.config.test_user.digilockerid;
        self.shared
            .lock()
            .account(id)
            .map(|a| a.root_id())
            .unwrap_or_default()
    }

    /// Add another account (for verify, device-code or signup scenarios).
    pub fn add_user(&self, user: TestUser) {
        self.shared.lock().accounts.push(state::Account::new(user));
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.clone()
    }

    /// Forget the request log and the received signatures.
    pub fn clear_requests(&self) {
        let mut st = self.shared.lock();
        st.log.clear();
        st.signatures.clear();
    }

    /// The signature (`ts`, `hmac`) of every signed form or multipart
    /// request received so far, oldest first, including requests a
    /// [`Fault`] answered. A hash sent before to the same path is marked
    /// [`reused`](ReceivedSignature::reused); a repeat is recorded, not
    /// refused, since one request signed twice in the same second has the
    /// same hash.
    pub fn signatures(&self) -> Vec<ReceivedSignature> {
        self.shared.lock().signatures.received().to_vec()
    }

    /// The received signatures that repeat an earlier one (see [`signatures`](Self::signatures)).
    pub fn reused_signatures(&self) -> Vec<ReceivedSignature> {
        self.signatures().into_iter().filter(|s| s.reused).collect()
    }

    /// How many requests with this method and path (without `/public`) arrived.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
            .count()
    }

    /// How many token requests with `grant_type=refresh_token` arrived.
    pub fn token_refresh_count(&self) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| {
                r.method == "POST"
                    && r.path == "/oauth2/1/token"
                    && r.form_value("grant_type") == Some("refresh_token")
            })
            .count()
    }

    /// How many times a refresh token that was already spent was presented
    /// again (each one answered `invalid_grant`; see
    /// [`SandboxConfig::revoke_grant_on_refresh_reuse`]).
    pub fn refresh_token_reuses(&self) -> usize {
        self.shared.lock().refresh_reuses
    }

    /// Queue a fault for the next matching requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Drop every queued fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Revoke every access and refresh token server-side (later calls get
    /// 401 `invalid_token`, refreshes get `invalid_grant`).
    pub fn revoke_all_tokens(&self) {
        self.shared.lock().revoke_all();
    }

    /// Make every current access token expired (refresh tokens stay valid).
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for t in self.shared.lock().access.values_mut() {
            t.expires = now;
        }
    }

    /// Stop the server and wait (at most 5 s) for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
