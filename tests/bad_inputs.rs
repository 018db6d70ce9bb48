//! The bad-input catalogue: one table of bad inputs across the public API,
//! each rejected with a specific typed error before anything is sent — the
//! sandbox's request log stays empty throughout.
#![allow(deprecated)] // sign-up and device-login are deprecated but still public

mod common;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use digilocker_authpartner::auth::{DeviceLogin, PkceVerifier, TokenKind};
use digilocker_authpartner::types::{
    PullDocumentRequestConsent, PushUriRequestAction, SignupRequestConsent,
};
use digilocker_authpartner::{AuthError, Client, Error, ErrorCode, Gender, PullConsent};
use digilocker_sandbox::Sandbox;

/// The typed error a case must produce.
#[derive(Debug)]
enum Expect {
    /// `Error::Validation` naming this field.
    Validation(&'static str),
    /// `Error::Config`.
    Config,
    /// `Error::Auth` equal to this.
    Auth(AuthError),
}

impl Expect {
    fn matches(&self, err: &Error) -> bool {
        match (self, err) {
            (Self::Validation(field), Error::Validation(v)) => {
                v.field == *field && !v.reason.is_empty()
            }
            (Self::Config, Error::Config(m)) => !m.is_empty(),
            (Self::Auth(want), Error::Auth(got)) => want == got,
            _ => false,
        }
    }
}

type Outcome<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

struct Case<'a> {
    name: String,
    expect: Expect,
    run: Outcome<'a>,
}

fn case<'a, T>(
    name: impl Into<String>,
    expect: Expect,
    fut: impl Future<Output = Result<T, Error>> + 'a,
) -> Case<'a> {
    Case {
        name: name.into(),
        expect,
        run: Box::pin(async move { fut.await.map(|_| ()) }),
    }
}

/// A case whose input is rejected synchronously.
fn now<'a, T, E: Into<Error>>(
    name: impl Into<String>,
    expect: Expect,
    result: Result<T, E>,
) -> Case<'a> {
    let result = result.map(|_| ()).map_err(Into::into);
    case(name, expect, async move { result })
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
];

/// The first bytes of a Windows executable (DOS header + PE signature offset).
fn exe() -> Vec<u8> {
    let mut bytes = vec![0u8; 256];
    bytes[0] = b'M';
    bytes[1] = b'Z';
    bytes[0x3c] = 0x80;
    bytes[0x80..0x84].copy_from_slice(b"PE\0\0");
    bytes
}

fn builder_for(sb: &Sandbox) -> digilocker_authpartner::ClientBuilder {
    Client::builder(sb.client_id(), sb.client_secret()).base_url(&sb.base_url())
}

#[tokio::test]
#[allow(clippy::vec_init_then_push)] // the table is built section by section
async fn bad_inputs_are_rejected_before_the_network() {
    let sb = Sandbox::start().await.expect("sandbox");
    let client = common::client_for(&sb, |b| b);
    let user = sb.test_user();
    let dir = tempfile::tempdir().expect("temp dir");

    // Local files for the path-based upload cases.
    let big = dir.path().join("big.pdf");
    {
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(11 * 1024 * 1024).unwrap(); // 11 MiB, sparse
    }
    let empty = dir.path().join("empty.pdf");
    std::fs::write(&empty, b"").unwrap();
    let renamed_exe = dir.path().join("setup.pdf");
    std::fs::write(&renamed_exe, exe()).unwrap();
    let good_pdf = dir.path().join("good.pdf");
    std::fs::write(&good_pdf, PDF).unwrap();

    // A pending authorization for the callback cases (built locally).
    let (_, pending) = client.authorize_url().build().expect("authorize url");
    let cb = |query: &str| format!("{}?{query}", sb.redirect_uri());
    let right_state = pending.state().to_string();

    let target = dir.path().join("must-not-exist.pdf");
    let long_uri = "a".repeat(300);
    let c = &client;
    let mut cases: Vec<Case<'_>> = Vec::new();

    // ---- Upload ----------------------------------------------------------
    cases.push(case(
        "upload: empty bytes",
        Expect::Validation("file"),
        client.upload_bytes(Vec::new(), "/a.pdf"),
    ));
    cases.push(case(
        "upload: empty file",
        Expect::Validation("file"),
        client.upload_path(&empty, "/a.pdf"),
    ));
    cases.push(case(
        "upload: 11 MB file",
        Expect::Validation("file"),
        client.upload_path(&big, "/big.pdf"),
    ));
    cases.push(case(
        "upload: 11 MB bytes",
        Expect::Validation("file"),
        client.upload_bytes(vec![b'%'; 11 * 1024 * 1024], "/big.pdf"),
    ));
    cases.push(case(
        "upload: 11 MB reader",
        Expect::Validation("file"),
        client.upload_reader(
            std::io::Cursor::new(PDF.to_vec()),
            11 * 1024 * 1024,
            "/big.pdf",
        ),
    ));
    cases.push(case(
        "upload: .exe renamed to .pdf (file)",
        Expect::Validation("file"),
        client.upload_path(&renamed_exe, "/setup.pdf"),
    ));
    cases.push(case(
        "upload: .exe renamed to .pdf (bytes)",
        Expect::Validation("file"),
        client.upload_bytes(exe(), "/setup.pdf"),
    ));
    cases.push(case(
        "upload: PNG content, .pdf name",
        Expect::Validation("file"),
        client.upload_bytes(PNG.to_vec(), "/photo.pdf"),
    ));
    cases.push(case(
        "upload: text content",
        Expect::Validation("file"),
        client.upload_bytes(b"just some text".to_vec(), "/notes.pdf"),
    ));
    for ch in ['\\', ':', '*', '?', '<', '>', '|', '\'', '^', '~'] {
        cases.push(case(
            format!("upload: forbidden {ch:?} in file name"),
            Expect::Validation("path"),
            {
                let path = format!("/Documents/bad{ch}name.pdf");
                async move { c.upload_bytes(PDF.to_vec(), &path).await }
            },
        ));
    }
    cases.push(case(
        "upload: path without a file name",
        Expect::Validation("path"),
        client.upload_path(&good_pdf, "/Documents/"),
    ));
    cases.push(case(
        "upload: empty path",
        Expect::Validation("path"),
        client.upload_bytes(PDF.to_vec(), ""),
    ));
    cases.push(case(
        "upload: relative path",
        Expect::Validation("path"),
        client.upload_bytes(PDF.to_vec(), "Documents/a.pdf"),
    ));
    cases.push(case(
        "upload: '..' in path",
        Expect::Validation("path"),
        client.upload_bytes(PDF.to_vec(), "/Documents/../a.pdf"),
    ));
    cases.push(case(
        "upload: non-ASCII path",
        Expect::Validation("path"),
        client.upload_bytes(PDF.to_vec(), "/Dokumente/zeugnis-ä.pdf"),
    ));
    cases.push(case(
        "upload: unsupported extension",
        Expect::Validation("path"),
        client.upload_bytes(PDF.to_vec(), "/Documents/a.docx"),
    ));
    cases.push(case(
        "upload: a directory as the file",
        Expect::Validation("file"),
        client.upload_path(dir.path(), "/dir.pdf"),
    ));
    cases.push(case(
        "upload: reader shorter than len",
        Expect::Validation("len"),
        client.upload_reader(
            std::io::Cursor::new(PDF.to_vec()),
            PDF.len() as u64 + 100,
            "/short.pdf",
        ),
    ));

    // ---- Download and XML ------------------------------------------------
    for (what, uri) in [
        ("'../'", "../etc/passwd"),
        ("'..' segment", "in.gov.cbse/../HSCER-1"),
        ("a space", "in.gov.cbse-HSCER 201900001234"),
        ("non-ASCII", "in.gov.cbse-HSCER-२०१९"),
        ("nothing", ""),
        ("300 characters", long_uri.as_str()),
    ] {
        cases.push(case(
            format!("download: URI with {what}"),
            Expect::Validation("uri"),
            client.download(uri),
        ));
    }
    cases.push(case(
        "download_to_path: URI with '../'",
        Expect::Validation("uri"),
        client.download_to_path("../in.gov.cbse-HSCER-1", &target),
    ));
    cases.push(case(
        "download_stream: URI with a space",
        Expect::Validation("uri"),
        client.download_stream("in.gov.cbse HSCER"),
    ));
    cases.push(case(
        "certificate XML: URI with a space",
        Expect::Validation("uri"),
        client.certificate_xml("in.gov.cbse-HSCER 1"),
    ));
    cases.push(case(
        "certificate XML: URI with '../'",
        Expect::Validation("uri"),
        client.certificate_xml("../../xml"),
    ));

    // ---- Verify account --------------------------------------------------
    cases.push(case(
        "verify account: mobile with letters",
        Expect::Validation("mobile"),
        client
            .verify_account()
            .body_map(|b| b.mobile(Some("98765abcde".to_string())))
            .send(),
    ));
    cases.push(case(
        "verify account: mobile too short",
        Expect::Validation("mobile"),
        client
            .verify_account()
            .body_map(|b| b.mobile(Some("98765".to_string())))
            .send(),
    ));
    cases.push(case(
        "verify account: Aadhaar of 11 digits",
        Expect::Validation("uid"),
        client
            .verify_account()
            .body_map(|b| b.uid(Some("99999999123".to_string())))
            .send(),
    ));
    cases.push(case(
        "verify account: both uid and mobile",
        Expect::Validation("uid"),
        client
            .verify_account()
            .body_map(|b| {
                b.uid(Some(user.uid.clone()))
                    .mobile(Some(user.mobile.clone()))
            })
            .send(),
    ));
    cases.push(case(
        "verify account: neither uid nor mobile",
        Expect::Validation("uid"),
        client.verify_account().send(),
    ));

    // ---- Sign-up ---------------------------------------------------------
    let signup = |uid: &str, mobile: &str, dob: &str, consent: Option<SignupRequestConsent>| {
        let (uid, mobile, dob) = (uid.to_string(), mobile.to_string(), dob.to_string());
        client
            .signup()
            .body_map(move |b| {
                let b = b
                    .uid(uid)
                    .name("Ravi Sandbox")
                    .dob(dob)
                    .gender(Gender::Male)
                    .mobile(mobile);
                match consent {
                    Some(c) => b.consent(c),
                    None => b,
                }
            })
            .send()
    };
    cases.push(case(
        "signup: Aadhaar of 13 digits",
        Expect::Validation("uid"),
        signup(
            "9999999912345",
            "9000000042",
            "01011990",
            Some(SignupRequestConsent::Y),
        ),
    ));
    cases.push(case(
        "signup: mobile with letters",
        Expect::Validation("mobile"),
        signup(
            "999999990042",
            "90000000ab",
            "01011990",
            Some(SignupRequestConsent::Y),
        ),
    ));
    cases.push(case(
        "signup: impossible date of birth",
        Expect::Validation("dob"),
        signup(
            "999999990042",
            "9000000042",
            "31131990",
            Some(SignupRequestConsent::Y),
        ),
    ));
    cases.push(case(
        "signup: consent N",
        Expect::Validation("consent"),
        signup(
            "999999990042",
            "9000000042",
            "01011990",
            Some(SignupRequestConsent::N),
        ),
    ));
    cases.push(case(
        "signup: consent missing",
        Expect::Validation("body"),
        signup("999999990042", "9000000042", "01011990", None),
    ));
    cases.push(case(
        "signup OTP: OTP with letters",
        Expect::Validation("otp"),
        client
            .verify_signup_otp()
            .body_map(|b| b.mobile("9000000042").otp("12ab56"))
            .send(),
    ));

    // ---- Pull document ---------------------------------------------------
    let params = [("rollno", "1234567"), ("year", "2019")];
    cases.push(case(
        "pull: consent missing (No)",
        Expect::Validation("consent"),
        client.pull_document_with("000018", "HSCER", params, PullConsent::No),
    ));
    cases.push(case(
        "pull: consent from `false`",
        Expect::Validation("consent"),
        client.pull_document_with("000018", "HSCER", params, PullConsent::from(false)),
    ));
    cases.push(case(
        "pull: empty orgid",
        Expect::Validation("orgid"),
        client.pull_document_with("", "HSCER", params, PullConsent::Yes),
    ));
    cases.push(case(
        "pull: orgid with stray whitespace",
        Expect::Validation("orgid"),
        client.pull_document_with(" 000018", "HSCER", params, PullConsent::Yes),
    ));
    cases.push(case(
        "pull: doctype with a hyphen",
        Expect::Validation("doctype"),
        client.pull_document_with("000018", "HSC-ER", params, PullConsent::Yes),
    ));
    cases.push(case(
        "pull: no search parameters",
        Expect::Validation("params"),
        client.pull_document_with(
            "000018",
            "HSCER",
            Vec::<(String, String)>::new(),
            PullConsent::Yes,
        ),
    ));
    cases.push(case(
        "pull: parameter named consent",
        Expect::Validation("params"),
        client.pull_document_with("000018", "HSCER", [("consent", "Y")], PullConsent::Yes),
    ));
    cases.push(case(
        "pull: empty parameter value",
        Expect::Validation("params"),
        client.pull_document_with("000018", "HSCER", [("rollno", " ")], PullConsent::Yes),
    ));

    // ---- Push URI ----------------------------------------------------------
    let push =
        |uri: &str, issuedate: &str, validto: Option<&str>, digilockerid: &str, doctype: &str| {
            let (uri, issuedate, digilockerid, doctype) = (
                uri.to_string(),
                issuedate.to_string(),
                digilockerid.to_string(),
                doctype.to_string(),
            );
            let validto = validto.map(str::to_string);
            client
                .push_uri()
                .body_map(move |b| {
                    b.digilockerid(digilockerid)
                        .uri(uri)
                        .doctype(doctype)
                        .description("Class XII Marksheet")
                        .docid("900001")
                        .issuedate(issuedate)
                        .validto(validto)
                        .action(PushUriRequestAction::A)
                })
                .send()
        };
    let id = user.digilockerid.clone();
    cases.push(case(
        "push URI: ISO date",
        Expect::Validation("issuedate"),
        push("in.gov.cbse-HSCER-1", "2024-06-01", None, &id, "HSCER"),
    ));
    cases.push(case(
        "push URI: month 13",
        Expect::Validation("issuedate"),
        push("in.gov.cbse-HSCER-1", "01132024", None, &id, "HSCER"),
    ));
    cases.push(case(
        "push URI: day 32 in validto",
        Expect::Validation("validto"),
        push(
            "in.gov.cbse-HSCER-1",
            "01062024",
            Some("32062030"),
            &id,
            "HSCER",
        ),
    ));
    cases.push(case(
        "push URI: URI with '../'",
        Expect::Validation("uri"),
        push("../in.gov.cbse-HSCER-1", "01062024", None, &id, "HSCER"),
    ));
    cases.push(case(
        "push URI: empty digilockerid",
        Expect::Validation("digilockerid"),
        push("in.gov.cbse-HSCER-1", "01062024", None, " ", "HSCER"),
    ));
    cases.push(case(
        "push URI: doctype with a space",
        Expect::Validation("doctype"),
        push("in.gov.cbse-HSCER-1", "01062024", None, &id, "HSC ER"),
    ));

    // ---- Device login ----------------------------------------------------
    cases.push(case(
        "device login: mobile with letters",
        Expect::Validation("dl_mobile"),
        client.start_device_login(DeviceLogin::Mobile("98765abcde".into())),
    ));
    cases.push(case(
        "device login: empty user name",
        Expect::Validation("dl_username"),
        client.start_device_login(DeviceLogin::Username("  ".into())),
    ));
    cases.push(case(
        "device login: OTP with letters",
        Expect::Validation("dl_otp"),
        client.complete_device_login("0123456789abcdef0123", "12a456"),
    ));
    cases.push(case(
        "device login: empty device code",
        Expect::Validation("device_code"),
        client.complete_device_login("", "123456"),
    ));

    // ---- Client configuration ---------------------------------------------
    cases.push(now(
        "builder: invalid redirect URI",
        Expect::Validation("redirect_uri"),
        builder_for(&sb).redirect_uri("not a url").build(),
    ));
    cases.push(now(
        "builder: empty client id",
        Expect::Config,
        Client::builder("  ", sb.client_secret())
            .base_url(&sb.base_url())
            .build(),
    ));
    cases.push(now(
        "builder: empty client secret",
        Expect::Config,
        Client::builder(sb.client_id(), "")
            .base_url(&sb.base_url())
            .build(),
    ));
    cases.push(now(
        "builder: plain http to a remote host",
        Expect::Config,
        builder_for(&sb)
            .base_url("http://api.digitallocker.gov.in/public")
            .build(),
    ));
    cases.push(now(
        "builder: plain http to a private address",
        Expect::Config,
        builder_for(&sb)
            .base_url("http://10.0.0.7:8080/public")
            .build(),
    ));
    cases.push(now(
        "builder: unparsable base URL",
        Expect::Config,
        builder_for(&sb).base_url("::not a url::").build(),
    ));
    cases.push(now(
        "builder: ftp base URL",
        Expect::Config,
        builder_for(&sb).base_url("ftp://127.0.0.1/public").build(),
    ));

    // ---- Authorization flow -----------------------------------------------
    cases.push(case(
        "exchange_code: state mismatch",
        Expect::Auth(AuthError::StateMismatch),
        {
            let url = cb("code=0123456789abcdef&state=forged-state");
            let pending = &pending;
            async move { c.exchange_code(pending, &url).await }
        },
    ));
    cases.push(case(
        "exchange_code: no state at all",
        Expect::Auth(AuthError::StateMismatch),
        {
            let url = cb("code=0123456789abcdef");
            let pending = &pending;
            async move { c.exchange_code(pending, &url).await }
        },
    ));
    cases.push(case(
        "exchange_code: empty callback",
        Expect::Validation("callback"),
        client.exchange_code(&pending, "   "),
    ));
    cases.push(case(
        "exchange_code: neither code nor error",
        Expect::Auth(AuthError::MissingCode),
        {
            let url = cb(&format!("state={right_state}"));
            let pending = &pending;
            async move { c.exchange_code(pending, &url).await }
        },
    ));
    cases.push(case(
        "exchange_code: consent denied",
        Expect::Auth(AuthError::Denied {
            code: ErrorCode::AccessDenied,
            description: None,
        }),
        {
            let url = cb(&format!("error=access_denied&state={right_state}"));
            let pending = &pending;
            async move { c.exchange_code(pending, &url).await }
        },
    ));
    cases.push(now(
        "PKCE verifier: too short",
        Expect::Validation("code_verifier"),
        PkceVerifier::new("too-short"),
    ));
    cases.push(now(
        "PKCE verifier: too long",
        Expect::Validation("code_verifier"),
        PkceVerifier::new("a".repeat(129)),
    ));
    cases.push(now(
        "PKCE verifier: forbidden character",
        Expect::Validation("code_verifier"),
        PkceVerifier::new(format!("{}+/=", "a".repeat(43))),
    ));
    cases.push(now(
        "authorize URL: verified mobile with letters",
        Expect::Validation("verified_mobile"),
        client
            .authorize_url()
            .signup()
            .verified_mobile("98765abcde")
            .build(),
    ));
    cases.push(now(
        "authorize URL: doctype with a space",
        Expect::Validation("req_doctype"),
        client.authorize_url().req_doctype(["PAN CR"]).build(),
    ));
    let no_redirect = builder_for(&sb)
        .build()
        .expect("client without redirect URI");
    cases.push(now(
        "authorize URL: no redirect URI configured",
        Expect::Validation("redirect_uri"),
        no_redirect.authorize_url().build(),
    ));
    cases.push(case(
        "user details: not signed in",
        Expect::Auth(AuthError::NoToken),
        async { client.get_user_details().send().await },
    ));
    cases.push(case(
        "download: not signed in",
        Expect::Auth(AuthError::NoToken),
        client.download("in.gov.cbse-HSCER-201900001234"),
    ));
    cases.push(case(
        "pull document (generated): not signed in",
        Expect::Auth(AuthError::NoToken),
        async {
            client
                .pull_document()
                .body_map(|b| {
                    b.orgid("000018")
                        .doctype("HSCER")
                        .consent(PullDocumentRequestConsent::Y)
                        .extra(HashMap::from([("rollno".to_string(), "1".to_string())]))
                })
                .send()
                .await
        },
    ));
    cases.push(case(
        "refresh: not signed in",
        Expect::Auth(AuthError::NoToken),
        client.refresh(),
    ));
    cases.push(case(
        "revoke: not signed in",
        Expect::Auth(AuthError::NoToken),
        client.revoke(TokenKind::Access),
    ));

    // ---- Path traversal and header parameters ----------------------------
    // Each is refused before anything is sent; what is allowed travels as
    // exactly one encoded segment (see tests/hostile_server.rs).
    for uri in [
        "..\\..\\..\\oauth2\\1\\user",
        "a\\..\\..\\..\\..\\steal",
        "..",
        "%2e%2e",
        "%2E.",
        "..%2f..%2fuser",
        "..%5c..%5cuser",
        "%252e%252e",
        // Dots that NFKC or a lax UTF-8 decoder turns into ASCII dots.
        "\u{2025}",
        "\u{FF0E}\u{FF0E}",
        "\u{2024}\u{2024}",
        "\u{FE52}\u{FE52}",
        "\u{3002}\u{3002}",
        "\u{FF0E}\u{FF0E}\u{FF0F}user",
        "%E2%80%A5",
        "%EF%BC%8E%EF%BC%8E",
        "%c0%ae%c0%ae",
        "%c0%ae%c0%ae%2fuser",
        "%25c0%25ae%25c0%25ae",
    ] {
        cases.push(case(
            "download: traversal uri",
            Expect::Validation("uri"),
            c.download(uri),
        ));
        cases.push(case(
            "get_file (raw): traversal uri",
            Expect::Validation("uri"),
            async move { c.get_file().uri(uri).send().await.map(drop) },
        ));
        cases.push(case(
            "get_certificate_xml (raw): traversal uri",
            Expect::Validation("uri"),
            async move { c.get_certificate_xml().uri(uri).send().await.map(drop) },
        ));
        cases.push(case(
            "folder listing (raw): traversal id",
            Expect::Validation("id"),
            async move {
                c.get_uploaded_documents_in_folder()
                    .id(uri)
                    .send()
                    .await
                    .map(drop)
            },
        ));
    }
    for dest in [
        "/..\\..\\etc/a.pdf",
        "/%2e%2e/%2e%2e/a.pdf",
        "/a%2fb/c.pdf",
        "/a%5cb/c.pdf",
        "/%252e%252e/a.pdf",
    ] {
        cases.push(case(
            "upload: traversal destination",
            Expect::Validation("path"),
            c.upload_bytes(PDF.to_vec(), dest),
        ));
    }
    cases.push(case(
        "upload: over-long folder name",
        Expect::Validation("path"),
        async move {
            let dest = format!("/{}/a.pdf", "d".repeat(300));
            c.upload_bytes(PDF.to_vec(), &dest).await.map(drop)
        },
    ));
    cases.push(case(
        "get_file (raw): missing uri",
        Expect::Validation("uri"),
        async move { c.get_file().send().await.map(drop) },
    ));
    cases.push(case(
        "upload_file (raw): header with a newline",
        Expect::Validation("path"),
        async move {
            c.upload_file()
                .path("/a\nb.pdf")
                .hmac("x")
                .content_type("application/pdf")
                .body(PDF.to_vec())
                .send()
                .await
                .map(drop)
        },
    ));

    // ---- Run the table ---------------------------------------------------
    let total = cases.len();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for Case { name, expect, run } in cases {
        let result = run.await;
        let sent = sb.requests();
        let verdict = match &result {
            Ok(()) => format!("FAIL: accepted (expected {expect:?})"),
            Err(e) if !expect.matches(e) => format!("FAIL: {e:?} (expected {expect:?})"),
            Err(_) if !sent.is_empty() => {
                format!("FAIL: {} request(s) reached the sandbox", sent.len())
            }
            Err(e) => format!("ok: {e}"),
        };
        if verdict.starts_with("FAIL") {
            failures.push(format!("{name}: {verdict}"));
        }
        report.push(format!("{name:<48} {verdict}"));
        sb.clear_requests();
    }
    println!("bad-input catalogue: {total} cases\n{}", report.join("\n"));
    assert!(!target.exists(), "download_to_path left a file behind");
    assert!(total >= 30, "only {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
