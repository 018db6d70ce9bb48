//! The whole partner journey through the public API: consent with PKCE,
//! OpenID Connect (a verified id_token), user details, documents, upload,
//! pull, the signed meta APIs, sign-up, the device flow, refresh and revoke.
//!
//! ```text
//! cargo run -p walkthrough
//! ```
//!
//! By default it starts the embedded sandbox on 127.0.0.1. With
//! `DIGILOCKER_BASE_URL`, `DIGILOCKER_CLIENT_ID`, `DIGILOCKER_CLIENT_SECRET`
//! and `DIGILOCKER_REDIRECT_URI` set, it talks to that server instead and asks
//! you to paste the callback URL after consenting in a browser. It then runs
//! every operation that needs no sandbox-only secret, with test data from:
//!
//! - `DIGILOCKER_TEST_MOBILE`: the mobile number verify account looks up;
//! - `DIGILOCKER_TEST_PULL_ORGID`, `DIGILOCKER_TEST_PULL_DOCTYPE`: the
//!   issuer and document type to pull (default: the first listed), and
//!   `DIGILOCKER_TEST_PULL_<PARAMNAME>` (e.g. `DIGILOCKER_TEST_PULL_ROLLNO`)
//!   for each search parameter (default: its `example`);
//! - `DIGILOCKER_TEST_PUSH_ISSUERID`, `DIGILOCKER_TEST_PUSH_DOCTYPE`: the
//!   URI prefix and document type push URI adds, then deletes, in the signed-in
//!   user's account (default `in.gov.sandboxstate`, `INCER`);
//! - `DIGILOCKER_JWKS_URL`: the id_token keys, for the OpenID Connect step;
//! - `DIGILOCKER_XML_SIGNER_CERT`: a PEM certificate to verify XML signatures with.
//!
//! It prints why it skips an operation: sign-up and the device flow need
//! the OTPs only the sandbox reveals.
//! `RUST_LOG=debug` shows one tracing span per operation.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::BufRead as _;

use digilocker_authpartner::auth::Acr;
use digilocker_authpartner::auth::{DeviceLogin, TokenKind};
use digilocker_authpartner::testkit::{self, Sandbox};
use digilocker_authpartner::types::{
    PushUriRequestAction, SignupRequestConsent, SignupRequestVerification,
};
use digilocker_authpartner::xml::signature::{SignatureReport, TrustAnchors};
use digilocker_authpartner::{Client, Error, Gender, PullConsent};

/// The sandbox's secrets (OTPs) and test user; absent against a real server.
struct SandboxData {
    uid: String,
    device_otp: String,
    signup_otp: String,
}

/// The environment variable `name`, unless empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Counts and prints one line per call.
#[derive(Default)]
struct Log {
    ok: usize,
    failed: usize,
    skipped: usize,
}

impl Log {
    fn skip(&mut self, op: &str, method: &str, path: &str, why: &str) {
        self.skipped += 1;
        println!("  skip  {op:<34} {method:<4} {path:<32} ---  {why}");
    }

    async fn step<T, F>(&mut self, op: &str, method: &str, path: &str, call: F) -> Option<T>
    where
        F: Future<Output = Result<(u16, String, T), Error>>,
    {
        match call.await {
            Ok((status, summary, value)) => {
                self.ok += 1;
                println!("  ok    {op:<34} {method:<4} {path:<32} {status}  {summary}");
                Some(value)
            }
            Err(err) => {
                self.failed += 1;
                let status = err.status().map_or("---".to_string(), |s| s.to_string());
                println!("  FAIL  {op:<34} {method:<4} {path:<32} {status}  {err}");
                None
            }
        }
    }
}

/// Trust anchors for the XML signatures: the sandbox's signer, or the PEM
/// certificate named by `DIGILOCKER_XML_SIGNER_CERT`; `None` leaves the
/// signatures unchecked. DigiLocker signs e-Aadhaar with RSA-SHA1, hence
/// the DigiLocker preset.
fn xml_anchors(
    sandbox: Option<&Sandbox>,
) -> Result<Option<TrustAnchors>, Box<dyn std::error::Error>> {
    let pem = match (sandbox, std::env::var_os("DIGILOCKER_XML_SIGNER_CERT")) {
        // Without xmlsec1/openssl the sandbox serves its XML unsigned.
        (Some(sb), _) => {
            return Ok(testkit::xml_trust_anchors(sb)
                .inspect_err(|e| println!("XML signatures are not checked: {e}\n"))
                .ok());
        }
        (None, Some(path)) => std::fs::read_to_string(path)?,
        (None, None) => return Ok(None),
    };
    Ok(Some(TrustAnchors::digilocker().pin_certificate_pem(&pem)?))
}

/// `signature verified (<algorithm>, signer <subject>)`.
fn signed_by(report: &SignatureReport) -> String {
    let subject = report.signer.as_ref().map_or("?", |s| s.subject.as_str());
    format!(
        "signature verified ({:?}, signer {subject})",
        report.algorithms.signature
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_tracing();
    let (sandbox, client, data) = connect().await?;
    let mut log = Log::default();
    let anchors = xml_anchors(sandbox.as_ref())?;
    println!("DigiLocker walkthrough against {}\n", client.baseurl());

    // 1. Consent with PKCE, then the code exchange.
    let (url, pending) = client.authorize_url().build()?;
    let callback = log
        .step("authorize (consent)", "GET", "/oauth2/1/authorize", async {
            let callback = consent(&url, sandbox.as_ref()).await?;
            Ok((302, "redirected with code and state".to_string(), callback))
        })
        .await;
    let Some(callback) = callback else {
        return finish(&log, sandbox).await;
    };
    log.step(
        "get_access_token (code+PKCE)",
        "POST",
        "/oauth2/1/token",
        async {
            let t = client.exchange_code(&pending, &callback).await?;
            Ok((200, format!("token for {}", t.name.unwrap_or_default()), ()))
        },
    )
    .await;

    // 1b. OpenID Connect: scope=openid and acr, the code exchanged at
    // /oauth2/2/token, the id_token verified against the JWKS. In a session of
    // its own: that endpoint issues no refresh token.
    if sandbox.is_none() && env("DIGILOCKER_JWKS_URL").is_none() {
        log.skip(
            "get_access_token_oidc (openid)",
            "POST",
            "/oauth2/2/token",
            "set DIGILOCKER_JWKS_URL to the id_token keys to verify",
        );
    } else {
        let session = client.session("walkthrough-openid")?;
        log.step(
            "get_access_token_oidc (openid)",
            "POST",
            "/oauth2/2/token",
            async {
                let (url, pending) = session.authorize_url().openid().acr(Acr::Pan).build()?;
                let callback = consent(&url, sandbox.as_ref()).await?;
                let tokens = session.exchange_code(&pending, &callback).await?;
                let verified = tokens
                    .verified_id_token()
                    .ok_or_else(|| Error::Config("no id_token in the response".into()))?;
                let summary = format!(
                    "id_token verified: kid {}, name {}",
                    verified.kid().unwrap_or("-"),
                    verified.claims().given_name.as_deref().unwrap_or("-")
                );
                Ok((200, summary, ()))
            },
        )
        .await;
    }

    // 2. The account holder; push URI below uses their DigiLocker id.
    let digilockerid = log
        .step("get_user_details", "GET", "/oauth2/1/user", async {
            let me = client.get_user_details().send().await?;
            Ok((
                me.status().as_u16(),
                format!("{} ({})", me.name, me.digilockerid),
                me.digilockerid.clone(),
            ))
        })
        .await;

    // 3. Issued documents, downloads with integrity check, XML.
    log.step(
        "get_issued_documents_v1",
        "GET",
        "/oauth2/1/files/issued",
        async {
            let list = client.get_issued_documents_v1().send().await?;
            Ok((
                list.status().as_u16(),
                format!("{} documents", list.items.len()),
                (),
            ))
        },
    )
    .await;
    let issued = log
        .step(
            "get_issued_documents",
            "GET",
            "/oauth2/2/files/issued",
            async {
                let list = client.get_issued_documents().send().await?;
                Ok((
                    list.status().as_u16(),
                    format!("{} documents", list.items.len()),
                    list.into_inner(),
                ))
            },
        )
        .await;
    let first = issued.and_then(|l| l.items.into_iter().next());
    if let Some(doc) = &first {
        log.step(
            "get_file (HMAC verified)",
            "GET",
            "/oauth2/1/file/{uri}",
            async {
                let file = client.download(&doc.uri).await?;
                Ok((
                    200,
                    format!(
                        "{} bytes of {}, hmac {:?}",
                        file.bytes.len(),
                        file.content_type.as_deref().unwrap_or("?"),
                        file.hmac
                    ),
                    (),
                ))
            },
        )
        .await;
        log.step(
            "get_certificate_xml (typed)",
            "GET",
            "/oauth2/1/xml/{uri}",
            async {
                let Some(anchors) = &anchors else {
                    let cert = client.certificate(&doc.uri).await?;
                    let summary = format!("{:?}, signature not checked", cert.name);
                    return Ok((200, summary, ()));
                };
                let cert = client.verified_certificate(&doc.uri, anchors).await?;
                let summary = format!(
                    "{} no. {}, {}",
                    cert.name.as_deref().unwrap_or_default(),
                    cert.number.as_deref().unwrap_or_default(),
                    signed_by(cert.report())
                );
                Ok((200, summary, ()))
            },
        )
        .await;
    }
    log.step(
        "get_eaadhaar_xml_v2",
        "GET",
        "/oauth2/2/xml/eaadhaar",
        async {
            let xml = client.eaadhaar_xml_v2().await?;
            Ok((
                200,
                format!("{} bytes, hmac {:?}", xml.bytes.len(), xml.hmac),
                (),
            ))
        },
    )
    .await;
    log.step(
        "get_eaadhaar_xml (v3, typed)",
        "GET",
        "/oauth2/3/xml/eaadhaar",
        async {
            let Some(anchors) = &anchors else {
                let kyc = client.eaadhaar().await?;
                let summary = format!("uid {:?}, signature not checked", kyc.masked_uid);
                return Ok((200, summary, ()));
            };
            let kyc = client.verified_eaadhaar(anchors).await?;
            let summary = format!(
                "KycRes for uid {}, photo: {}, {}",
                kyc.masked_uid.as_deref().unwrap_or_default(),
                kyc.photo_present,
                signed_by(kyc.report())
            );
            Ok((200, summary, ()))
        },
    )
    .await;

    // 4. Find a folder, upload into it, and see the file listed there.
    let folder = log
        .step("get_uploaded_documents", "GET", "/oauth2/1/files/", async {
            let root = client.get_uploaded_documents().send().await?;
            let folder = root
                .items
                .iter()
                .find(|i| i.type_ == digilocker_authpartner::types::ItemType::Dir)
                .map(|i| (i.name.clone(), i.id.clone().unwrap_or_default()));
            let dir = root.directory.clone().unwrap_or_default();
            Ok((
                root.status().as_u16(),
                format!("{} items in {dir}", root.items.len()),
                folder,
            ))
        })
        .await
        .flatten();
    if let Some((name, id)) = folder {
        let pdf = sample_pdf();
        let dest = format!("/{name}/walkthrough-receipt.pdf");
        log.step("upload_file", "POST", "/oauth2/1/file/upload", async {
            let stored = client.upload_bytes(pdf, &dest).await?;
            Ok((
                200,
                format!("stored {} ({} bytes)", stored.path, stored.size),
                (),
            ))
        })
        .await;
        log.step(
            "get_uploaded_documents_in_folder",
            "GET",
            "/oauth2/1/files/{id}",
            async {
                let listing = client
                    .get_uploaded_documents_in_folder()
                    .id(id)
                    .send()
                    .await?;
                let names: Vec<_> = listing.items.iter().map(|i| i.name.as_str()).collect();
                Ok((
                    listing.status().as_u16(),
                    format!("{name} contains {names:?}"),
                    (),
                ))
            },
        )
        .await;
    }

    // 5. The meta APIs, then pull a document and see it issued.
    // The issuer and document type to pull: from the environment, else the
    // first listed.
    let orgid = log
        .step("list_issuers", "POST", "/oauth2/1/pull/issuers", async {
            let r = client.list_issuers().send().await?;
            let orgid = env("DIGILOCKER_TEST_PULL_ORGID")
                .or_else(|| r.issuers.first().map(|i| i.orgid.clone()));
            Ok((
                r.status().as_u16(),
                format!("{} issuers", r.issuers.len()),
                orgid,
            ))
        })
        .await
        .flatten();
    let pull_from = match orgid {
        Some(orgid) => log
            .step("list_doctypes", "POST", "/oauth2/1/pull/doctype", async {
                let r = client
                    .list_doctypes()
                    .body_map(|b| b.orgid(orgid.clone()))
                    .send()
                    .await?;
                let kinds: Vec<_> = r.documents.iter().map(|d| d.doctype.clone()).collect();
                let doctype =
                    env("DIGILOCKER_TEST_PULL_DOCTYPE").or_else(|| kinds.first().cloned());
                Ok((
                    r.status().as_u16(),
                    format!("orgid {orgid} issues {kinds:?}"),
                    doctype.map(|d| (orgid.clone(), d)),
                ))
            })
            .await
            .flatten(),
        None => {
            log.skip(
                "list_doctypes",
                "POST",
                "/oauth2/1/pull/doctype",
                "no issuer listed; set DIGILOCKER_TEST_PULL_ORGID",
            );
            None
        }
    };
    let params = match &pull_from {
        None => {
            log.skip(
                "get_search_parameters",
                "POST",
                "/oauth2/1/pull/parameters",
                "no document type; set DIGILOCKER_TEST_PULL_DOCTYPE",
            );
            None
        }
        Some((orgid, doctype)) => {
            log.step(
                "get_search_parameters",
                "POST",
                "/oauth2/1/pull/parameters",
                async {
                    let r = client
                        .get_search_parameters()
                        .body_map(|b| b.orgid(orgid.clone()).doctype(doctype.clone()))
                        .send()
                        .await?;
                    let names: Vec<_> = r.parameters.iter().map(|p| p.paramname.clone()).collect();
                    Ok((
                        r.status().as_u16(),
                        format!("parameters {names:?}"),
                        r.into_inner(),
                    ))
                },
            )
            .await
        }
    };
    if let (Some(params), Some((orgid, doctype))) = (params, &pull_from) {
        // Each search parameter from DIGILOCKER_TEST_PULL_<PARAMNAME>, else its example.
        let values: BTreeMap<String, String> = params
            .parameters
            .iter()
            .map(|p| {
                let var = format!("DIGILOCKER_TEST_PULL_{}", p.paramname.to_uppercase());
                let value = env(&var).or_else(|| p.example.clone()).unwrap_or_default();
                (p.paramname.clone(), value)
            })
            .collect();
        log.step(
            "pull_document",
            "POST",
            "/oauth2/1/pull/pulldocument",
            async {
                let pulled = client
                    .pull_document_with(orgid, doctype, values, PullConsent::Yes)
                    .await?;
                let issued = client.get_issued_documents().send().await?;
                let seen = issued.items.iter().any(|d| d.uri == pulled.uri);
                Ok((
                    200,
                    format!("pulled {}, in issued list: {seen}", pulled.uri),
                    (),
                ))
            },
        )
        .await;
    }

    // 6. Account verification, push URI, statistics, sign-up, the device flow.
    let mobile =
        env("DIGILOCKER_TEST_MOBILE").or_else(|| sandbox.as_ref().map(|sb| sb.test_user().mobile));
    match &mobile {
        Some(mobile) => {
            log.step("verify_account", "POST", "/account/2/verify", async {
                let r = client
                    .verify_account()
                    .body_map(|b| b.mobile(Some(mobile.clone())))
                    .send()
                    .await?;
                Ok((
                    r.status().as_u16(),
                    format!("registered: {}", r.registered),
                    (),
                ))
            })
            .await;
        }
        None => log.skip(
            "verify_account",
            "POST",
            "/account/2/verify",
            "set DIGILOCKER_TEST_MOBILE to the mobile number to look up",
        ),
    }
    match &digilockerid {
        Some(digilockerid) => {
            // A URI of this run, added to the signed-in user's account and deleted again.
            let issuerid = env("DIGILOCKER_TEST_PUSH_ISSUERID")
                .unwrap_or_else(|| "in.gov.sandboxstate".to_string());
            let doctype =
                env("DIGILOCKER_TEST_PUSH_DOCTYPE").unwrap_or_else(|| "INCER".to_string());
            let docid = format!("WT{}", unix_seconds());
            let uri = format!("{issuerid}-{doctype}-{docid}");
            for (op, action, summary) in [
                ("push_uri (add)", PushUriRequestAction::A, "added"),
                ("push_uri (delete)", PushUriRequestAction::D, "deleted"),
            ] {
                log.step(op, "POST", "/account/1/pushuri", async {
                    let r = client
                        .push_uri()
                        .body_map(|b| {
                            b.digilockerid(digilockerid.clone())
                                .uri(uri.clone())
                                .doctype(doctype.clone())
                                .description("Walkthrough certificate")
                                .docid(docid.clone())
                                .issuedate("01042024")
                                .action(action)
                        })
                        .send()
                        .await?;
                    Ok((r.status().as_u16(), format!("{uri} {summary}"), ()))
                })
                .await;
            }
        }
        None => log.skip(
            "push_uri",
            "POST",
            "/account/1/pushuri",
            "no DigiLocker id: get_user_details failed",
        ),
    }
    log.step("get_statistics", "POST", "/statistics/1/counts", async {
        let r = client.get_statistics().send().await?;
        Ok((
            r.status().as_u16(),
            format!("{} users as on {}", r.users, r.count_as_on),
            (),
        ))
    })
    .await;
    const OTP_ONLY_IN_SANDBOX: &str =
        "needs the OTP sent to the user's mobile; only the sandbox reveals it";
    if data.is_none() {
        log.skip(
            "signup (deprecated)",
            "POST",
            "/signup/2/demoauth",
            OTP_ONLY_IN_SANDBOX,
        );
        log.skip(
            "get_device_code (deprecated)",
            "POST",
            "/oauth2/1/code",
            OTP_ONLY_IN_SANDBOX,
        );
    }
    if let (Some(data), Some(mobile)) = (&data, &mobile) {
        #[allow(deprecated)]
        {
            log.step("signup (deprecated)", "POST", "/signup/2/demoauth", async {
                let r = client
                    .signup()
                    .body_map(|b| {
                        b.uid(data.uid.replace("1234", "5678"))
                            .name("Walkthrough Sandbox")
                            .dob("01011991")
                            .gender(Gender::Female)
                            .mobile("9999900055")
                            .consent(SignupRequestConsent::Y)
                            .verification(Some(SignupRequestVerification::Y))
                    })
                    .send()
                    .await?;
                Ok((
                    r.status().as_u16(),
                    format!("OTP sent to {}", r.mobile.clone().unwrap_or_default()),
                    (),
                ))
            })
            .await;
            log.step(
                "verify_signup_otp (deprecated)",
                "POST",
                "/signup/1/demoauthverify",
                async {
                    let r = client
                        .verify_signup_otp()
                        .body_map(|b| b.mobile("9999900055").otp(data.signup_otp.clone()))
                        .send()
                        .await?;
                    Ok((
                        r.status().as_u16(),
                        format!("{} token issued", r.token_type),
                        (),
                    ))
                },
            )
            .await;
            let device_client = client.session("walkthrough-device")?;
            let code = log
                .step(
                    "get_device_code (deprecated)",
                    "POST",
                    "/oauth2/1/code",
                    async {
                        let c = device_client
                            .start_device_login(DeviceLogin::Mobile(mobile.clone()))
                            .await?;
                        Ok((
                            200,
                            format!(
                                "OTP sent to {}",
                                c.dl_masked_mobile.clone().unwrap_or_default()
                            ),
                            c,
                        ))
                    },
                )
                .await;
            if let Some(code) = code {
                log.step(
                    "get_access_token (device+OTP)",
                    "POST",
                    "/oauth2/1/token",
                    async {
                        let t = device_client
                            .complete_device_login(&code.device_code, &data.device_otp)
                            .await?;
                        Ok((200, format!("{} token for the device", t.token_type), ()))
                    },
                )
                .await;
            }
        }
    }

    // 7. Refresh, then revoke.
    log.step(
        "get_access_token (refresh)",
        "POST",
        "/oauth2/1/token",
        async {
            let t = client.refresh().await?;
            let left = t
                .expires_at
                .duration_since(std::time::SystemTime::now())
                .unwrap_or_default();
            Ok((
                200,
                format!("new token, expires in {} s", left.as_secs()),
                (),
            ))
        },
    )
    .await;
    log.step("revoke_token", "POST", "/oauth2/1/revoke", async {
        client.revoke(TokenKind::Refresh).await?;
        Ok((200, "session revoked".to_string(), ()))
    })
    .await;

    finish(&log, sandbox).await
}

async fn finish(log: &Log, sandbox: Option<Sandbox>) -> Result<(), Box<dyn std::error::Error>> {
    let total = log.ok + log.failed;
    print!("\n{}/{} operations succeeded", log.ok, total);
    if log.skipped > 0 {
        print!(", {} skipped", log.skipped);
    }
    println!();
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    if log.failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// The session key of the walkthrough's user: the app-wide client holds no
/// tokens, so a single-user program works on one user's handle.
const WALKTHROUGH_USER: &str = "walkthrough-user";

/// The embedded sandbox, or the server named by the environment (the
/// walkthrough user's handle).
async fn connect()
-> Result<(Option<Sandbox>, Client, Option<SandboxData>), Box<dyn std::error::Error>> {
    if let (Some(base), Some(id), Some(secret), Some(redirect)) = (
        env("DIGILOCKER_BASE_URL"),
        env("DIGILOCKER_CLIENT_ID"),
        env("DIGILOCKER_CLIENT_SECRET"),
        env("DIGILOCKER_REDIRECT_URI"),
    ) {
        let mut builder = Client::builder(id, secret)
            .base_url(&base)
            .redirect_uri(redirect);
        if let Some(jwks) = env("DIGILOCKER_JWKS_URL") {
            builder = builder.jwks_url(&jwks);
        }
        return Ok((None, builder.build()?.session(WALKTHROUGH_USER)?, None));
    }
    let sb = Sandbox::start().await?;
    let client = testkit::client_builder(&sb)
        .build()?
        .session(WALKTHROUGH_USER)?;
    let data = SandboxData {
        uid: sb.test_user().uid,
        device_otp: sb.device_otp().to_string(),
        signup_otp: sb.signup_otp().to_string(),
    };
    Ok((Some(sb), client, Some(data)))
}

/// The user's consent: the sandbox plays the browser; a real server needs a
/// person, who pastes the callback URL.
async fn consent(url: &impl std::fmt::Display, sandbox: Option<&Sandbox>) -> Result<String, Error> {
    if let Some(sb) = sandbox {
        return sb
            .consent(url.to_string())
            .await
            .map_err(|e| Error::Config(e.to_string()));
    }
    println!("Open this URL, consent, then paste the URL you were redirected to:\n{url}\n");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Config(format!("cannot read the callback URL: {e}")))?;
    Ok(line.trim().to_string())
}

/// Seconds since the Unix epoch, to make this run's push URI unique.
fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A small, valid one-page PDF.
fn sample_pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n".to_vec();
    pdf.extend_from_slice(b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n");
    pdf.extend_from_slice(b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n");
    pdf.extend_from_slice(b"trailer<</Root 1 0 R>>\n%%EOF\n");
    pdf
}

/// Events and spans at the level `RUST_LOG` names (`debug`,
/// `digilocker_authpartner=trace`, …; default `warn`).
fn init_tracing() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(|| "warn".parse().expect("a valid filter"));
    tracing_subscriber::fmt()
        .with_target(false)
        .finish()
        .with(filter)
        .init();
}
