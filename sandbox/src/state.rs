//! Shared server state: accounts and their documents, OAuth artefacts,
//! the request log and pending faults. One `std::sync::Mutex`, never held
//! across an `.await`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::catalogue;
use crate::config::{SandboxConfig, TestUser};
use crate::documents;
use crate::faults::Fault;
use crate::log::RecordedRequest;
use crate::signatures::SignatureLedger;
use crate::util::{now_unix, random_digits, random_token};

/// What the simulated user does on the consent screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConsentDecision {
    /// Allow: redirect with `code` and `state`.
    #[default]
    Approve,
    /// Deny: redirect with `error=access_denied`.
    Deny,
    /// The user logged out (Meri Pehchaan v2.3): redirect with `error=user_loggedout`.
    LoggedOut,
}

/// An issued document to add to the test user's locker with
/// [`crate::Sandbox::seed_document`]. Empty `issuerid`/`description` are
/// derived from `uri`/`name`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeedDocument {
    /// Document URI, `issuerid-DOCTYPE-docid`.
    pub uri: String,
    /// Document name shown in listings.
    pub name: String,
    /// 5-character document type.
    pub doctype: String,
    /// Descriptive document type (defaults to `name`).
    pub description: String,
    /// Issuer id (defaults to the URI prefix before `-DOCTYPE-`).
    pub issuerid: String,
    /// Issuer name.
    pub issuer: String,
    /// MIME type of `bytes`, e.g. `application/pdf`.
    pub mime: String,
    /// The file served by `/oauth2/1/file/{uri}`.
    pub bytes: Vec<u8>,
    /// Optional certificate XML served by `/oauth2/1/xml/{uri}`.
    pub xml: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct IssuedDoc {
    pub uri: String,
    pub name: String,
    pub doctype: String,
    pub description: String,
    pub issuerid: String,
    pub issuer: String,
    pub date: i64,
    pub mime: String,
    pub body: Vec<u8>,
    pub xml: Option<Vec<u8>>,
}

#[derive(Clone, Debug)]
pub(crate) struct Folder {
    pub id: String,
    pub name: String,
    /// Empty for the root folder.
    pub parent: String,
    pub date: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct UploadedFile {
    pub name: String,
    pub folder: String,
    pub mime: String,
    pub date: i64,
    pub uri: String,
    pub body: Vec<u8>,
}

#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub user: TestUser,
    pub issued: Vec<IssuedDoc>,
    pub folders: Vec<Folder>,
    pub files: Vec<UploadedFile>,
}

impl Account {
    pub fn new(user: TestUser) -> Self {
        let root = Folder {
            id: random_digits(8),
            name: "/".into(),
            parent: String::new(),
            date: now_unix(),
        };
        Account {
            user,
            issued: Vec::new(),
            folders: vec![root],
            files: Vec::new(),
        }
    }

    pub fn root_id(&self) -> String {
        self.folders[0].id.clone()
    }

    /// The folder at `/a/b` (segments), if it exists.
    pub fn folder_by_path(&self, segments: &[&str]) -> Option<&Folder> {
        let mut current = &self.folders[0];
        for seg in segments {
            current = self
                .folders
                .iter()
                .find(|f| f.parent == current.id && f.name == *seg)?;
        }
        Some(current)
    }

    /// `/a/b` for a folder id.
    pub fn folder_path(&self, id: &str) -> String {
        let mut parts = Vec::new();
        let mut cur = self.folders.iter().find(|f| f.id == id);
        while let Some(f) = cur {
            if f.parent.is_empty() {
                break;
            }
            parts.push(f.name.clone());
            cur = self.folders.iter().find(|p| p.id == f.parent);
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    /// Create every missing folder of `segments`; return the leaf id.
    pub fn ensure_folders(&mut self, segments: &[&str]) -> String {
        let mut current = self.root_id();
        for seg in segments {
            let found = self
                .folders
                .iter()
                .find(|f| f.parent == current && f.name == *seg)
                .map(|f| f.id.clone());
            current = match found {
                Some(id) => id,
                None => {
                    let id = random_digits(8);
                    self.folders.push(Folder {
                        id: id.clone(),
                        name: seg.to_string(),
                        parent: current,
                        date: now_unix(),
                    });
                    id
                }
            };
        }
        current
    }

    /// Add an issued document built from the catalogue (PDF + optional XML).
    pub fn issue_from_catalogue(
        &mut self,
        issuer: &catalogue::Issuer,
        doctype: &catalogue::DocType,
        docid: &str,
    ) -> String {
        let uri = format!("{}-{}-{}", issuer.issuerid, doctype.doctype, docid);
        let body = documents::certificate_pdf(doctype.description, &uri, issuer.name, &self.user);
        let xml = doctype.xml.then(|| {
            documents::certificate_xml(
                &uri,
                doctype.doctype,
                doctype.description,
                issuer.issuerid,
                issuer.name,
                &self.user,
            )
        });
        self.issued.push(IssuedDoc {
            uri: uri.clone(),
            name: doctype.description.into(),
            doctype: doctype.doctype.into(),
            description: doctype.description.into(),
            issuerid: issuer.issuerid.into(),
            issuer: issuer.name.into(),
            date: now_unix(),
            mime: "application/pdf".into(),
            body,
            xml,
        });
        uri
    }
}

/// An authorization code waiting to be exchanged.
#[derive(Clone, Debug)]
pub(crate) struct AuthCode {
    pub user: String,
    pub challenge: String,
    pub redirect_uri: String,
    pub expires: Instant,
    pub openid: bool,
    pub new_account: bool,
    pub consent_valid_till: i64,
    /// `acr` of the authorization request (with `openid`).
    pub acr: Option<String>,
    /// `nonce` of the authorization request, echoed in the id_token.
    pub nonce: Option<String>,
}

/// One authorization grant; its tokens die with it.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub user: String,
    pub openid: bool,
    pub consent_valid_till: i64,
    pub acr: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct AccessToken {
    pub grant: u64,
    pub expires: Instant,
}

#[derive(Clone, Debug)]
pub(crate) struct DeviceCode {
    pub user: String,
    pub expires: Instant,
}

#[derive(Clone, Debug)]
pub(crate) struct PendingSignup {
    pub user: TestUser,
    pub expires: Instant,
}

/// Everything mutable.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub consent: ConsentDecision,
    pub accounts: Vec<Account>,
    pub codes: HashMap<String, AuthCode>,
    /// Consent pages shown and not yet answered, by request id.
    pub consent_requests: HashMap<String, crate::consent_page::ConsentRequest>,
    pub grants: HashMap<u64, Grant>,
    pub access: HashMap<String, AccessToken>,
    pub refresh: HashMap<String, u64>,
    /// Refresh tokens already spent, with their grant: a second use is a reuse.
    pub spent_refresh: HashMap<String, u64>,
    /// How many times a spent refresh token was presented again.
    pub refresh_reuses: usize,
    pub device_codes: HashMap<String, DeviceCode>,
    pub pending_signups: HashMap<String, PendingSignup>,
    pub log: Vec<RecordedRequest>,
    /// The signatures of signed requests, faulted ones included.
    pub signatures: SignatureLedger,
    pub faults: Vec<Fault>,
    pub next_grant: u64,
}

impl State {
    pub fn account(&self, digilockerid: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.user.digilockerid == digilockerid)
    }

    pub fn account_mut(&mut self, digilockerid: &str) -> Option<&mut Account> {
        self.accounts
            .iter_mut()
            .find(|a| a.user.digilockerid == digilockerid)
    }

    /// Start a grant and issue its first token pair.
    pub fn new_grant(&mut self, grant: Grant, ttl: Duration) -> (String, String) {
        self.next_grant += 1;
        let id = self.next_grant;
        self.grants.insert(id, grant);
        self.issue_pair(id, ttl)
    }

    /// Issue an access + refresh token pair for an existing grant.
    pub fn issue_pair(&mut self, grant: u64, ttl: Duration) -> (String, String) {
        let access = random_token(20);
        let refresh = random_token(20);
        self.access.insert(
            access.clone(),
            AccessToken {
                grant,
                expires: Instant::now() + ttl,
            },
        );
        self.refresh.insert(refresh.clone(), grant);
        (access, refresh)
    }

    /// The grant behind a live access token.
    pub fn grant_for_access(&self, token: &str) -> Option<&Grant> {
        let t = self.access.get(token)?;
        if Instant::now() >= t.expires {
            return None;
        }
        self.grants.get(&t.grant)
    }

    /// Revoke a whole grant and every token issued under it.
    pub fn revoke_grant(&mut self, grant: u64) {
        self.grants.remove(&grant);
        self.access.retain(|_, t| t.grant != grant);
        self.refresh.retain(|_, g| *g != grant);
    }

    /// Revoke every grant and token.
    pub fn revoke_all(&mut self) {
        self.grants.clear();
        self.access.clear();
        self.refresh.clear();
    }
}

/// State plus the immutable configuration, shared by all handlers.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: SandboxConfig,
    /// The id_token signer and its JWKS.
    pub oidc: crate::oidc::Signer,
    state: Mutex<State>,
}

impl Shared {
    /// Build the state with the seeded test user.
    pub fn new(config: SandboxConfig, oidc: crate::oidc::Signer) -> Self {
        let mut account = Account::new(config.test_user.clone());
        seed_default_documents(&mut account);
        let state = State {
            accounts: vec![account],
            ..State::default()
        };
        Shared {
            config,
            oidc,
            state: Mutex::new(state),
        }
    }

    /// Lock the state (a poisoned lock is recovered: the data stays usable).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Two issued certificates, a `Documents` folder and one uploaded file.
fn seed_default_documents(account: &mut Account) {
    let cbse = &catalogue::ISSUERS[0];
    account.issue_from_catalogue(cbse, &cbse.doctypes[0], "201900001234");
    let state = &catalogue::ISSUERS[2];
    account.issue_from_catalogue(state, &state.doctypes[0], "INC0000777");
    account.ensure_folders(&["Documents"]);
    let root = account.root_id();
    account.files.push(UploadedFile {
        name: "sandbox-note.png".into(),
        folder: root,
        mime: "image/png".into(),
        date: now_unix(),
        uri: format!("in.gov.digilocker-OTHER-{}", random_digits(14)),
        body: documents::SAMPLE_PNG.to_vec(),
    });
}
