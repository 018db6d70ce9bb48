//! Uploads and downloads end to end against the sandbox: the three allowed
//! file types, bad input caught before the network, integrity failures,
//! dropped connections and atomic saves.

mod common;

use std::io::{Cursor, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use common::{client_for, sign_in, signed_in};
use digilocker_authpartner::client::MissingHmac;
use digilocker_authpartner::transfer::{HmacCheck, MAX_UPLOAD_BYTES};
use digilocker_authpartner::{Client, Error, ErrorCode, IntegrityFailure};
use digilocker_sandbox::{Fault, Sandbox, SeedDocument};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncSeek, ReadBuf};

const UPLOAD: &str = "/oauth2/1/file/upload";

/// A small but well-formed PDF.
fn pdf(extra: usize) -> Vec<u8> {
    let mut body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    body.extend(std::iter::repeat_n(b'%', extra));
    body.extend_from_slice(b"\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    body
}

/// PNG signature + IHDR start, then filler.
fn png() -> Vec<u8> {
    let mut body = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    body.extend(std::iter::repeat_n(0u8, 300));
    body
}

/// JPEG SOI + JFIF APP0, then filler.
fn jpeg() -> Vec<u8> {
    let mut body = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0".to_vec();
    body.extend(std::iter::repeat_n(0x55u8, 500));
    body.extend_from_slice(b"\xff\xd9");
    body
}

fn uploads(sb: &Sandbox) -> usize {
    sb.count("POST", UPLOAD)
}

fn downloads(sb: &Sandbox) -> usize {
    sb.requests()
        .iter()
        .filter(|r| r.path.starts_with("/oauth2/1/file/") && r.path != UPLOAD)
        .count()
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The URI of an uploaded file, from the root or a folder listing.
async fn uploaded_uri(client: &Client, folder: Option<&str>, name: &str) -> String {
    let listing = match folder {
        None => client.get_uploaded_documents().send().await,
        Some(folder) => {
            let root = client.get_uploaded_documents().send().await.unwrap();
            let id = root
                .items
                .iter()
                .find(|i| {
                    i.name == folder && i.type_ == digilocker_authpartner::types::ItemType::Dir
                })
                .and_then(|i| i.id.clone())
                .expect("folder listed");
            client
                .get_uploaded_documents_in_folder()
                .id(id)
                .send()
                .await
        }
    }
    .unwrap()
    .into_inner();
    let item = listing
        .items
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("{name} listed in {:?}", listing.items));
    item.uri.clone().expect("files have a uri")
}

#[tokio::test]
async fn pdf_png_and_jpeg_upload_list_and_download_back_byte_identical() {
    let (sb, client) = signed_in().await;
    let dir = tempfile::tempdir().unwrap();

    // PDF from bytes, into an existing folder.
    let pdf = pdf(2_000);
    let stored = client
        .upload_bytes(pdf.clone(), "/Documents/report.pdf")
        .await
        .unwrap();
    assert_eq!(stored.path, "/Documents/report.pdf");
    assert_eq!(stored.size.bytes(), Some(pdf.len() as u64));

    // PNG from a path (streamed), into the root.
    let png = png();
    let png_path = dir.path().join("photo.png");
    std::fs::write(&png_path, &png).unwrap();
    let stored = client.upload_path(&png_path, "/photo.png").await.unwrap();
    assert_eq!(
        (stored.path.as_str(), stored.size),
        (
            "/photo.png",
            digilocker_authpartner::shapes::FileSize(Some(png.len() as u64))
        )
    );

    // JPEG from a seekable reader, starting mid-stream.
    let jpeg = jpeg();
    let mut with_prefix = b"ignored prefix".to_vec();
    with_prefix.extend_from_slice(&jpeg);
    with_prefix.extend_from_slice(b"ignored suffix");
    let mut reader = Cursor::new(with_prefix);
    reader.set_position(14);
    let stored = client
        .upload_reader(reader, jpeg.len() as u64, "/scan.JPG")
        .await
        .unwrap();
    assert_eq!(stored.size.bytes(), Some(jpeg.len() as u64));

    // The wire: the sniffed Content-Type replaced the generated
    // application/octet-stream, with an exact Content-Length and the hmac.
    let sent: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|r| r.path == UPLOAD)
        .collect();
    assert_eq!(sent.len(), 3);
    for (r, (mime, len)) in sent.iter().zip([
        ("application/pdf", pdf.len()),
        ("image/png", png.len()),
        ("image/jpeg", jpeg.len()),
    ]) {
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some(mime));
        assert_eq!(r.header("content-length"), Some(len.to_string().as_str()));
        assert!(r.header("hmac").is_some_and(|h| h.len() == 44));
        assert_eq!(r.auth_scheme.as_deref(), Some("Bearer"));
    }

    // Listed, and byte-identical when downloaded (in memory and to a file).
    for (folder, name, original) in [
        (Some("Documents"), "report.pdf", &pdf),
        (None, "photo.png", &png),
        (None, "scan.JPG", &jpeg),
    ] {
        let uri = uploaded_uri(&client, folder, name).await;
        let got = client.download(&uri).await.unwrap();
        assert_eq!(&got.bytes[..], &original[..], "{name}");
        assert_eq!(got.hmac, HmacCheck::Verified);
        let target = dir.path().join(format!("back-{name}"));
        let saved = client.download_to_path(&uri, &target).await.unwrap();
        assert_eq!(saved.len, original.len() as u64);
        assert_eq!(saved.hmac, HmacCheck::Verified);
        assert_eq!(&std::fs::read(&target).unwrap(), original);
    }
    // No temp files left behind.
    assert!(
        dir_entries(dir.path())
            .iter()
            .all(|n| !n.ends_with(".part"))
    );
}

#[tokio::test]
async fn bad_uploads_are_rejected_before_the_network() {
    let (sb, client) = signed_in().await;
    let dir = tempfile::tempdir().unwrap();
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0".repeat(10);
    let eleven_mb = {
        let mut b = pdf(0);
        b.resize(11 * 1024 * 1024, b' ');
        b
    };
    let just_over = {
        let mut b = pdf(0);
        b.resize(MAX_UPLOAD_BYTES as usize + 1, b' ');
        b
    };

    let mut cases: Vec<(&str, Vec<u8>, String, &str)> = vec![
        ("empty file", Vec::new(), "/a.pdf".into(), "file"),
        ("11 MB file", eleven_mb.clone(), "/a.pdf".into(), "file"),
        ("10 MiB + 1 byte", just_over, "/a.pdf".into(), "file"),
        (
            ".exe renamed .pdf",
            exe.clone(),
            "/setup.pdf".into(),
            "file",
        ),
        ("PNG content, .pdf name", png(), "/a.pdf".into(), "file"),
        (
            "plain text as .pdf",
            b"hello world".to_vec(),
            "/a.pdf".into(),
            "file",
        ),
        (
            "path without filename",
            pdf(10),
            "/Documents/".into(),
            "path",
        ),
        ("root only", pdf(10), "/".into(), "path"),
        (
            "no leading slash",
            pdf(10),
            "Documents/a.pdf".into(),
            "path",
        ),
        (
            "parent segment",
            pdf(10),
            "/Documents/../a.pdf".into(),
            "path",
        ),
        ("empty segment", pdf(10), "/Documents//a.pdf".into(), "path"),
        ("control character", pdf(10), "/a\r\n.pdf".into(), "path"),
        ("non-ASCII", pdf(10), "/प्रमाणपत्र.pdf".into(), "path"),
        ("no extension", pdf(10), "/Documents/report".into(), "path"),
        (
            ".exe extension",
            pdf(10),
            "/Documents/report.exe".into(),
            "path",
        ),
    ];
    for c in ['\\', ':', '*', '?', '<', '>', '|', '\'', '^', '~'] {
        cases.push((
            "forbidden filename char",
            pdf(10),
            format!("/Documents/re{c}port.pdf"),
            "path",
        ));
    }

    for (name, bytes, dest, field) in &cases {
        match client.upload_bytes(bytes.clone(), dest).await {
            Err(Error::Validation(v)) => assert_eq!(v.field, *field, "{name}: {v:?}"),
            other => panic!("{name}: expected a validation error, got {other:?}"),
        }
        // The same through a file path.
        let local = dir.path().join("input.bin");
        std::fs::write(&local, bytes).unwrap();
        match client.upload_path(&local, dest).await {
            Err(Error::Validation(v)) => assert_eq!(v.field, *field, "{name} (path): {v:?}"),
            other => panic!("{name} (path): expected a validation error, got {other:?}"),
        }
    }

    // Path-specific inputs.
    let missing = client
        .upload_path(dir.path().join("nope.pdf"), "/a.pdf")
        .await;
    assert!(matches!(missing, Err(Error::Io { .. })), "{missing:?}");
    let a_dir = client.upload_path(dir.path(), "/a.pdf").await;
    assert!(
        matches!(a_dir, Err(Error::Validation(ref v)) if v.field == "file"),
        "{a_dir:?}"
    );
    // A reader shorter than announced.
    let short = client
        .upload_reader(Cursor::new(pdf(10)), 10_000, "/a.pdf")
        .await;
    assert!(
        matches!(short, Err(Error::Validation(ref v)) if v.field == "len"),
        "{short:?}"
    );

    assert_eq!(uploads(&sb), 0, "no upload request reached the sandbox");
}

/// Returns different bytes after the first seek: the file "changed" between
/// the signing pass and the sending pass.
struct ChangesAfterSeek {
    inner: Cursor<Vec<u8>>,
    seeks: usize,
}

impl AsyncRead for ChangesAfterSeek {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncSeek for ChangesAfterSeek {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> std::io::Result<()> {
        self.seeks += 1;
        if self.seeks == 2 {
            // stream_position() is the first seek; the rewind is the second.
            let last = self.inner.get_ref().len() - 10;
            self.inner.get_mut()[last] ^= 0xff;
        }
        Pin::new(&mut self.inner).start_seek(position)
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<u64>> {
        Pin::new(&mut self.inner).poll_complete(cx)
    }
}

#[tokio::test]
async fn a_source_that_changes_between_signing_and_sending_is_aborted() {
    let (_sb, client) = signed_in().await;
    let body = pdf(200_000);
    let reader = ChangesAfterSeek {
        inner: Cursor::new(body.clone()),
        seeks: 0,
    };
    let result = client
        .upload_reader(reader, body.len() as u64, "/changing.pdf")
        .await;
    match result {
        Err(Error::Io { source, .. }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::InvalidData, "{source}")
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
    let root = client.get_uploaded_documents().send().await.unwrap();
    assert!(root.items.iter().all(|i| i.name != "changing.pdf"));
}

#[tokio::test]
async fn the_server_still_checks_what_the_client_cannot() {
    let (sb, client) = signed_in().await;
    // A folder that does not exist is only known to the server.
    let err = client
        .upload_bytes(pdf(10), "/NoSuchFolder/a.pdf")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidPath), "{err}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(uploads(&sb), 1);
}

#[tokio::test]
async fn bad_uris_are_rejected_before_the_network() {
    let (sb, client) = signed_in().await;
    let dir = tempfile::tempdir().unwrap();
    for uri in [
        "",
        "../etc/passwd",
        "in.gov.cbse/../../secret",
        "in.gov.cbse-HSCER-1 2",
        " in.gov.cbse-HSCER-1",
        "in.gov.cbse-HSCER-१२३",
        "in.gov.cbse-HSCER-é",
        "in.gov.cbse-HSCER-1\n",
    ] {
        let e = client.download(uri).await.unwrap_err();
        assert!(
            matches!(e, Error::Validation(ref v) if v.field == "uri"),
            "{uri:?}: {e:?}"
        );
        let e = client
            .download_to_path(uri, dir.path().join("x.pdf"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Validation(_)), "{uri:?}: {e:?}");
        let e = client.certificate_xml(uri).await.unwrap_err();
        assert!(matches!(e, Error::Validation(_)), "{uri:?}: {e:?}");
    }
    assert_eq!(downloads(&sb), 0);
    assert!(
        sb.requests()
            .iter()
            .all(|r| !r.path.starts_with("/oauth2/1/xml/"))
    );
    assert!(dir_entries(dir.path()).is_empty());
}

#[tokio::test]
async fn a_uri_with_a_slash_travels_as_one_encoded_segment() {
    let (sb, client) = signed_in().await;
    let body = pdf(100);
    let uri = sb.seed_document(SeedDocument {
        uri: "in.gov.sandboxstate-INCER-2024/0042".into(),
        name: "Income Certificate".into(),
        doctype: "INCER".into(),
        issuer: "Sandbox State".into(),
        mime: "application/pdf".into(),
        bytes: body.clone(),
        ..Default::default()
    });
    let got = client.download(&uri).await.unwrap();
    assert_eq!(&got.bytes[..], &body[..]);
    assert_eq!(got.content_type.as_deref(), Some("application/pdf"));
    let last = sb.requests().pop().unwrap();
    assert_eq!(
        last.path,
        "/oauth2/1/file/in.gov.sandboxstate-INCER-2024%2F0042"
    );
}

async fn seeded_pdf(sb: &Sandbox) -> (String, Vec<u8>) {
    let body = pdf(100_000);
    let uri = sb.seed_document(SeedDocument {
        uri: "in.gov.cbse-HSCER-777".into(),
        name: "Marksheet".into(),
        doctype: "HSCER".into(),
        issuer: "CBSE".into(),
        mime: "application/pdf".into(),
        bytes: body.clone(),
        ..Default::default()
    });
    (uri, body)
}

#[tokio::test]
async fn a_tampered_download_is_an_integrity_error_and_leaves_no_file() {
    let (sb, client) = signed_in().await;
    let (uri, body) = seeded_pdf(&sb).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("marksheet.pdf");
    let tamper = |times| Fault::TamperBody {
        path: "/oauth2/1/file/".into(),
        times,
    };

    sb.inject(tamper(1));
    let e = client.download(&uri).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Integrity {
                operation: "get_file",
                reason: IntegrityFailure::Mismatch
            }
        ),
        "{e:?}"
    );

    sb.inject(tamper(1));
    let e = client.download_to_path(&uri, &target).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Integrity {
                reason: IntegrityFailure::Mismatch,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(dir_entries(dir.path()).is_empty(), "no file, no temp file");

    // An existing file is left untouched.
    std::fs::write(&target, b"previous version").unwrap();
    sb.inject(tamper(1));
    client.download_to_path(&uri, &target).await.unwrap_err();
    assert_eq!(std::fs::read(&target).unwrap(), b"previous version");
    assert_eq!(dir_entries(dir.path()), vec!["marksheet.pdf".to_string()]);

    // The stream never yields the whole body of a tampered download.
    sb.inject(tamper(1));
    let mut stream = client.download_stream(&uri).await.unwrap();
    let mut handed_out = 0usize;
    let mut last_error = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(chunk) => handed_out += chunk.len(),
            Err(e) => last_error = Some(e),
        }
    }
    assert!(handed_out < body.len());
    assert!(matches!(last_error, Some(Error::Integrity { .. })));

    // Untampered, the same file is replaced atomically.
    client.download_to_path(&uri, &target).await.unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), body);
    assert_eq!(dir_entries(dir.path()), vec!["marksheet.pdf".to_string()]);
}

/// Requester API Spec v1.12 says DigiLocker sends `hmac` with files,
/// certificate XML and e-Aadhaar XML: without it, every download path fails
/// by default, and the typed XML views fail even when the caller opted out.
#[tokio::test]
async fn a_missing_hmac_header_is_rejected_by_default_and_only_raw_bytes_are_accepted_unverified() {
    let (sb, client) = signed_in().await;
    let (uri, body) = seeded_pdf(&sb).await;
    let omit = |path: &str| Fault::OmitHmacHeader {
        path: path.into(),
        times: 1,
    };
    let missing = |e: &Error| {
        matches!(
            e,
            Error::Integrity {
                reason: IntegrityFailure::MissingHeader,
                ..
            }
        )
    };

    let dir = tempfile::tempdir().unwrap();
    sb.inject(omit("/oauth2/1/file/"));
    let e = client.download(&uri).await.unwrap_err();
    assert!(missing(&e), "{e:?}");
    sb.inject(omit("/oauth2/1/file/"));
    let e = client
        .download_to_path(&uri, dir.path().join("x.pdf"))
        .await
        .unwrap_err();
    assert!(missing(&e), "{e:?}");
    assert!(dir_entries(dir.path()).is_empty());
    sb.inject(omit("/oauth2/1/file/"));
    let e = client.download_stream(&uri).await.unwrap_err();
    assert!(missing(&e), "{e:?}");
    sb.inject(omit("/oauth2/1/xml/"));
    let e = client
        .certificate_xml("in.gov.sandboxstate-INCER-INC0000777")
        .await
        .unwrap_err();
    assert!(missing(&e), "{e:?}");
    sb.inject(omit("/oauth2/3/xml/eaadhaar"));
    let e = client.eaadhaar().await.unwrap_err();
    assert!(missing(&e), "{e:?}");

    // Opting out hands out raw bytes marked unverified; typed XML still
    // refuses unverified bytes.
    let lenient = client_for(&sb, |b| b.missing_download_hmac(MissingHmac::WarnAndAccept));
    sign_in(&lenient).await;
    sb.inject(omit("/oauth2/1/file/"));
    let got = lenient.download(&uri).await.unwrap();
    assert_eq!(got.hmac, HmacCheck::Unsigned);
    assert_eq!(&got.bytes[..], &body[..]);
    sb.inject(omit("/oauth2/1/xml/"));
    let e = lenient
        .certificate("in.gov.sandboxstate-INCER-INC0000777")
        .await
        .unwrap_err();
    assert!(missing(&e), "{e:?}");
    sb.inject(omit("/oauth2/3/xml/eaadhaar"));
    let e = lenient.eaadhaar().await.unwrap_err();
    assert!(missing(&e), "{e:?}");
    // With the header, both are happy.
    assert_eq!(
        client.download(&uri).await.unwrap().hmac,
        HmacCheck::Verified
    );
    assert_eq!(
        lenient.download(&uri).await.unwrap().hmac,
        HmacCheck::Verified
    );
}

#[tokio::test]
async fn a_connection_dropped_mid_download_is_a_transport_error_and_leaves_no_file() {
    let (sb, client) = signed_in().await;
    let (uri, _) = seeded_pdf(&sb).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("cut.pdf");
    let drop_mid_body = || Fault::DropMidBody {
        path: "/oauth2/1/file/".into(),
        times: 1,
    };

    sb.inject(drop_mid_body());
    let e = client.download_to_path(&uri, &target).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                operation: Some("get_file"),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(dir_entries(dir.path()).is_empty(), "no file, no temp file");

    sb.inject(drop_mid_body());
    let e = client.download(&uri).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
}

#[tokio::test]
async fn download_errors_from_the_server_are_typed() {
    let (_sb, client) = signed_in().await;
    let e = client.download("in.gov.cbse-HSCER-404").await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::InvalidUri), "{e}");
    assert_eq!(e.status(), Some(404));
}
