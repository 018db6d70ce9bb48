//! Account and file APIs, and upload.

mod common;

use common::*;
use digilocker_sandbox::{SandboxConfig, SeedDocument, TestUser};
use serde_json::Value;

#[tokio::test]
async fn user_details() {
    let sb = start().await;
    let token = access_token(&sb).await;
    let (s, b) = get_json(&sb, &token, "/oauth2/1/user").await;
    assert_eq!(s, 200);
    let u = sb.test_user();
    assert_eq!(b["digilockerid"], u.digilockerid.as_str());
    assert_eq!(b["digilockerid"].as_str().unwrap().len(), 36);
    assert_eq!(b["name"], u.name.as_str());
    assert_eq!(b["dob"], "01011990");
    assert_eq!(b["gender"], "F");
    assert_eq!(b["eaadhaar"], "Y");
    assert_eq!(b["reference_key"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn issued_lists_v1_and_v2() {
    let sb = start().await;
    let token = access_token(&sb).await;
    let (s, v1) = get_json(&sb, &token, "/oauth2/1/files/issued").await;
    assert_eq!(s, 200);
    let items = v1["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let first = &items[0];
    for key in [
        "name",
        "type",
        "size",
        "date",
        "parent",
        "mime",
        "uri",
        "doctype",
        "description",
        "issuerid",
        "issuer",
    ] {
        assert!(first[key].is_string(), "{key} in {first}");
    }
    assert_eq!(first["type"], "file");
    assert_eq!(first["mime"], "application/pdf");
    assert_eq!(first["doctype"], "HSCER");
    let (s, v2) = get_json(&sb, &token, "/oauth2/2/files/issued").await;
    assert_eq!(s, 200);
    let mime = v2["items"][0]["mime"].as_array().unwrap();
    assert_eq!(
        mime,
        &vec![
            Value::from("application/pdf"),
            Value::from("application/xml")
        ]
    );
}

#[tokio::test]
async fn uploaded_listings() {
    let sb = start().await;
    let token = access_token(&sb).await;
    for path in ["/oauth2/1/files/", "/oauth2/1/files"] {
        let (s, root) = get_json(&sb, &token, path).await;
        assert_eq!(s, 200);
        assert_eq!(root["directory"], "/");
        let items = root["items"].as_array().unwrap();
        let dir = items.iter().find(|i| i["type"] == "dir").unwrap();
        assert_eq!(dir["name"], "Documents");
        assert_eq!(dir["mime"], "");
        assert_eq!(dir["uri"], "");
        let file = items.iter().find(|i| i["type"] == "file").unwrap();
        assert_eq!(file["mime"], "image/png");
        assert_eq!(file["parent"], sb.root_folder_id().as_str());
        assert!(file["size"].is_string());
    }
    let (_, root) = get_json(&sb, &token, "/oauth2/1/files/").await;
    let dir_id = root["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "dir")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, docs) = get_json(&sb, &token, &format!("/oauth2/1/files/{dir_id}")).await;
    assert_eq!(s, 200);
    assert_eq!(docs["directory"], "/Documents");
    assert_eq!(docs["items"].as_array().unwrap().len(), 0);
    let (s, b) = get_json(&sb, &token, "/oauth2/1/files/000").await;
    assert_error(s, &b, 404, "invalid_id");
}

#[tokio::test]
async fn download_has_content_type_and_hmac() {
    let sb = start().await;
    let token = access_token(&sb).await;
    let (_, list) = get_json(&sb, &token, "/oauth2/1/files/issued").await;
    let uri = list["items"][0]["uri"].as_str().unwrap();
    let (s, headers, body) = get(&sb, &token, &format!("/oauth2/1/file/{uri}")).await;
    assert_eq!(s, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["content-length"], body.len().to_string().as_str());
    assert!(body.starts_with(b"%PDF-"));
    assert_eq!(
        headers["hmac"].to_str().unwrap(),
        hmac_b64(sb.client_secret(), &body)
    );
    let (s, headers, xml) = get(&sb, &token, &format!("/oauth2/1/xml/{uri}")).await;
    assert_eq!(s, 200);
    assert_eq!(headers["content-type"], "application/xml");
    assert!(String::from_utf8_lossy(&xml).contains("<Certificate"));
    assert_eq!(
        headers["hmac"].to_str().unwrap(),
        hmac_b64(sb.client_secret(), &xml)
    );
}

#[tokio::test]
async fn percent_encoded_uri_segment_is_decoded() {
    let sb = start().await;
    let uri = sb.seed_document(SeedDocument {
        uri: "in.gov.sandboxstate-INCER-2024/0001".into(),
        name: "Income Certificate".into(),
        doctype: "INCER".into(),
        issuer: "Sandbox State eDistrict".into(),
        mime: "image/png".into(),
        bytes: png_bytes(),
        ..SeedDocument::default()
    });
    let token = access_token(&sb).await;
    let (s, headers, body) = get(
        &sb,
        &token,
        "/oauth2/1/file/in.gov.sandboxstate-INCER-2024%2F0001",
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(body, png_bytes());
    let (_, list) = get_json(&sb, &token, "/oauth2/1/files/issued").await;
    let seeded = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uri"] == uri.as_str())
        .unwrap()
        .clone();
    assert_eq!(seeded["issuerid"], "in.gov.sandboxstate");
    // No XML for this one.
    let (s, _, _) = get(
        &sb,
        &token,
        "/oauth2/1/xml/in.gov.sandboxstate-INCER-2024%2F0001",
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn download_errors() {
    let sb = start().await;
    let token = access_token(&sb).await;
    let (s, _, b) = get(&sb, &token, "/oauth2/1/file/in.gov.nowhere-ABCDE-1").await;
    assert_error(s, &serde_json::from_slice(&b).unwrap(), 404, "invalid_uri");
    let (s, _, b) = get(&sb, &token, "/oauth2/1/file/").await;
    assert_error(s, &serde_json::from_slice(&b).unwrap(), 400, "uri_missing");
    let (s, _, b) = get(&sb, &token, "/oauth2/1/xml/").await;
    assert_error(s, &serde_json::from_slice(&b).unwrap(), 400, "uri_missing");
    let (s, _, b) = get(
        &sb,
        "not-a-token",
        "/oauth2/1/file/in.gov.cbse-HSCER-201900001234",
    )
    .await;
    assert_error(
        s,
        &serde_json::from_slice(&b).unwrap(),
        401,
        "invalid_token",
    );
}

#[tokio::test]
async fn eaadhaar_v2_and_v3() {
    let sb = start().await;
    let token = access_token(&sb).await;
    for v in [2, 3] {
        let (s, headers, body) = get(&sb, &token, &format!("/oauth2/{v}/xml/eaadhaar")).await;
        assert_eq!(s, 200);
        assert_eq!(headers["content-type"], "application/xml");
        assert_eq!(
            headers["hmac"].to_str().unwrap(),
            hmac_b64(sb.client_secret(), &body)
        );
        let xml = String::from_utf8(body).unwrap();
        for tag in ["<KycRes", "<UidData", "<Poi ", "<Poa ", "<Pht>"] {
            assert!(xml.contains(tag), "{tag}");
        }
        assert!(xml.contains("uid=\"xxxxxxxx1234\""));
        assert!(!xml.contains("999999991234"));
    }
}

#[tokio::test]
async fn eaadhaar_not_linked() {
    let sb = start_with(SandboxConfig {
        test_user: TestUser {
            eaadhaar: "N".into(),
            ..TestUser::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let token = access_token(&sb).await;
    let (s, b) = get_json(&sb, &token, "/oauth2/3/xml/eaadhaar").await;
    assert_error(s, &b, 404, "aadhaar_not_linked");
}

#[tokio::test]
async fn insufficient_scope() {
    let sb = start_with(SandboxConfig {
        scope: "files.issueddocs".into(),
        ..SandboxConfig::default()
    })
    .await;
    let token = access_token(&sb).await;
    let (s, b) = get_json(&sb, &token, "/oauth2/1/user").await;
    assert_error(s, &b, 403, "insufficient_scope");
    let (s, b) = get_json(&sb, &token, "/oauth2/1/files/").await;
    assert_error(s, &b, 403, "insufficient_scope");
    assert_eq!(get_json(&sb, &token, "/oauth2/2/files/issued").await.0, 200);
}

#[tokio::test]
async fn upload_pdf_png_jpeg_then_list_and_download() {
    let sb = start().await;
    let token = access_token(&sb).await;
    let cases = [
        ("/Documents/report.pdf", "application/pdf", pdf_bytes()),
        ("/photo.png", "image/png", png_bytes()),
        ("/Documents/scan.jpg", "image/jpg", jpeg_bytes()),
        ("card.jpeg", "image/jpeg", jpeg_bytes()),
    ];
    for (path, ct, body) in cases.clone() {
        let len = body.len();
        let (s, b) = upload_ok(&sb, &token, path, ct, body).await;
        assert_eq!(s, 200, "{path}: {b}");
        let want = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        assert_eq!(b["path"], want.as_str());
        assert_eq!(b["size"], len.to_string().as_str());
    }
    let (_, root) = get_json(&sb, &token, "/oauth2/1/files/").await;
    let items = root["items"].as_array().unwrap();
    let png = items
        .iter()
        .find(|i| i["name"] == "photo.png")
        .expect("uploaded png listed");
    assert_eq!(png["mime"], "image/png");
    let dir_id = items.iter().find(|i| i["name"] == "Documents").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, docs) = get_json(&sb, &token, &format!("/oauth2/1/files/{dir_id}")).await;
    let names: Vec<&str> = docs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"report.pdf") && names.contains(&"scan.jpg"),
        "{names:?}"
    );
    let uri = png["uri"].as_str().unwrap();
    let (s, headers, body) = get(&sb, &token, &format!("/oauth2/1/file/{uri}")).await;
    assert_eq!(s, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(body, png_bytes());
}

/// path, content type, hmac, body, expected error.
type UploadCase<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<String>,
    Vec<u8>,
    &'a str,
);

#[tokio::test]
async fn upload_rejections() {
    let sb = start_with(SandboxConfig {
        max_upload: 1024,
        ..SandboxConfig::default()
    })
    .await;
    let token = access_token(&sb).await;
    let pdf = pdf_bytes();
    let good = hmac_b64(sb.client_secret(), &pdf);
    let t = token.as_str();
    let cases: Vec<UploadCase> = vec![
        (
            None,
            Some("application/pdf"),
            Some(good.clone()),
            pdf.clone(),
            "path_missing",
        ),
        (
            Some("/Documents/"),
            Some("application/pdf"),
            Some(good.clone()),
            pdf.clone(),
            "filename_missing",
        ),
        (
            Some("/a.pdf"),
            None,
            Some(good.clone()),
            pdf.clone(),
            "contenttype_missing",
        ),
        (
            Some("/a.pdf"),
            Some("application/pdf"),
            None,
            pdf.clone(),
            "hmac_missing",
        ),
        (
            Some("/a.pdf"),
            Some("application/pdf"),
            Some(hmac_b64(sb.client_secret(), b"")),
            Vec::new(),
            "file_data_missing",
        ),
        (
            Some("/a.pdf"),
            Some("application/pdf"),
            Some(hmac_b64("wrong-secret", &pdf)),
            pdf.clone(),
            "hmac_mismatch",
        ),
        (
            Some("/a.pdf"),
            Some("application/pdf"),
            Some("not base64!".into()),
            pdf.clone(),
            "hmac_mismatch",
        ),
        (
            Some("/a.gif"),
            Some("image/gif"),
            Some(good.clone()),
            pdf.clone(),
            "invalid_filetype",
        ),
        (
            Some("/a.png"),
            Some("image/png"),
            Some(good.clone()),
            pdf.clone(),
            "mimetype_mismatch",
        ),
        (
            Some("/Nowhere/a.pdf"),
            Some("application/pdf"),
            Some(good.clone()),
            pdf.clone(),
            "invalid_path",
        ),
    ];
    for (path, ct, mac, body, want) in cases {
        let (s, b) = upload(&sb, t, path, ct, mac.as_deref(), body).await;
        assert_error(s, &b, 400, want);
    }
    // An executable renamed to .pdf.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    let (s, b) = upload_ok(&sb, t, "/setup.pdf", "application/pdf", exe).await;
    assert_error(s, &b, 400, "mimetype_mismatch");
    // Oversize (limit 1024 bytes here).
    let mut big = pdf_bytes();
    big.resize(2048, b' ');
    let (s, b) = upload_ok(&sb, t, "/big.pdf", "application/pdf", big).await;
    assert_error(s, &b, 400, "invalid_filesize");
    // Every forbidden character of the PDF's list.
    for c in ['\\', ':', '*', '?', '<', '>', '|', '\'', '^', '~'] {
        let path = format!("/bad{c}name.pdf");
        let (s, b) = upload_ok(&sb, t, &path, "application/pdf", pdf.clone()).await;
        assert_error(s, &b, 400, "invalid_filename");
    }
    // Nothing was stored.
    let (_, root) = get_json(&sb, t, "/oauth2/1/files/").await;
    assert_eq!(root["items"].as_array().unwrap().len(), 2);
    // Without a token.
    let (s, b) = upload(
        &sb,
        "nope",
        Some("/a.pdf"),
        Some("application/pdf"),
        Some(&good),
        pdf,
    )
    .await;
    assert_error(s, &b, 401, "invalid_token");
}

#[tokio::test]
async fn upload_default_limit_is_10_mib() {
    let sb = start().await;
    let token = access_token(&sb).await;
    let mut body = pdf_bytes();
    body.resize(10 * 1024 * 1024, b' ');
    let (s, b) = upload_ok(&sb, &token, "/ten.pdf", "application/pdf", body.clone()).await;
    assert_eq!(s, 200, "{b}");
    body.push(b' ');
    let (s, b) = upload_ok(&sb, &token, "/ten-plus-one.pdf", "application/pdf", body).await;
    assert_error(s, &b, 400, "invalid_filesize");
}
