//! Pull, meta and signup APIs: request hashes computed here from literal
//! concatenations (Requester API Spec v1.12).

mod common;

use common::*;
use digilocker_sandbox::Sandbox;
use serde_json::Value;

fn ts() -> String {
    now().to_string()
}

async fn issuers(sb: &Sandbox, clientid: &str, ts: &str, hmac: &str) -> (u16, Value) {
    post_form(
        sb,
        "/oauth2/1/pull/issuers",
        &[("clientid", clientid), ("ts", ts), ("hmac", hmac)],
        None,
    )
    .await
}

#[tokio::test]
async fn known_sha256_vector() {
    assert_eq!(
        sha256_hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[tokio::test]
async fn pull_issuers_hash_and_ts() {
    let sb = start().await;
    let (secret, id) = (sb.client_secret().to_string(), sb.client_id().to_string());
    let t = ts();
    let (s, b) = issuers(&sb, &id, &t, &sha256_hex(&format!("{secret}{id}{t}"))).await;
    assert_eq!(s, 200, "{b}");
    let first = &b["issuers"][0];
    for key in ["orgid", "issuerid", "name", "category", "description"] {
        assert!(first[key].is_string(), "{key}");
    }
    // Wrong order (the upstream YAML's mistake does not apply here, but a
    // swapped concatenation must fail).
    let (s, b) = issuers(&sb, &id, &t, &sha256_hex(&format!("{id}{secret}{t}"))).await;
    assert_error(s, &b, 400, "invalid_parameter");
    assert!(b["error_description"].as_str().unwrap().contains("HMAC"));
    // Uppercase hex is not the documented format.
    let (s, _) = issuers(
        &sb,
        &id,
        &t,
        &sha256_hex(&format!("{secret}{id}{t}")).to_uppercase(),
    )
    .await;
    assert_eq!(s, 400);
    // Stale ts (31 minutes old) with a correct hash.
    let stale = (now() - 31 * 60).to_string();
    let (s, b) = issuers(
        &sb,
        &id,
        &stale,
        &sha256_hex(&format!("{secret}{id}{stale}")),
    )
    .await;
    assert_error(s, &b, 400, "invalid_parameter");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("Timestamp")
    );
    // 29 minutes old is fine.
    let fresh = (now() - 29 * 60).to_string();
    assert_eq!(
        issuers(
            &sb,
            &id,
            &fresh,
            &sha256_hex(&format!("{secret}{id}{fresh}"))
        )
        .await
        .0,
        200
    );
    // Unknown client id.
    let (s, b) = issuers(&sb, "other", &t, &sha256_hex(&format!("{secret}other{t}"))).await;
    assert_error(s, &b, 401, "invalid_client_id");
    // Multipart is not what the PDF documents for this endpoint.
    let (s, b) = post_multipart(
        &sb,
        "/oauth2/1/pull/issuers",
        &[("clientid", id.clone()), ("ts", t.clone())],
    )
    .await;
    assert_error(s, &b, 400, "invalid_parameter");
}

#[tokio::test]
async fn doctype_and_parameters() {
    let sb = start().await;
    let (secret, id) = (sb.client_secret().to_string(), sb.client_id().to_string());
    let t = ts();
    let h = sha256_hex(&format!("{secret}{id}000018{t}"));
    let (s, b) = post_form(
        &sb,
        "/oauth2/1/pull/doctype",
        &[
            ("clientid", &id),
            ("orgid", "000018"),
            ("ts", &t),
            ("hmac", &h),
        ],
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["documents"][0]["doctype"], "HSCER");
    assert!(b["documents"][0]["description"].is_string());
    // Hash without orgid (the YAML's rule) fails.
    let h = sha256_hex(&format!("{secret}{id}{t}"));
    let (s, b) = post_form(
        &sb,
        "/oauth2/1/pull/doctype",
        &[
            ("clientid", &id),
            ("orgid", "000018"),
            ("ts", &t),
            ("hmac", &h),
        ],
        None,
    )
    .await;
    assert_error(s, &b, 400, "invalid_parameter");
    // Unknown orgid.
    let h = sha256_hex(&format!("{secret}{id}123456{t}"));
    let (s, b) = post_form(
        &sb,
        "/oauth2/1/pull/doctype",
        &[
            ("clientid", &id),
            ("orgid", "123456"),
            ("ts", &t),
            ("hmac", &h),
        ],
        None,
    )
    .await;
    assert_error(s, &b, 400, "invalid_parameter");
    assert!(b["error_description"].as_str().unwrap().contains("orgid"));

    let h = sha256_hex(&format!("{secret}{id}000018HSCER{t}"));
    let (s, b) = post_form(
        &sb,
        "/oauth2/1/pull/parameters",
        &[
            ("clientid", &id),
            ("orgid", "000018"),
            ("doctype", "HSCER"),
            ("ts", &t),
            ("hmac", &h),
        ],
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let params = b["parameters"].as_array().unwrap();
    assert_eq!(params[0]["paramname"], "rollno");
    assert!(params[0]["valuelist"].is_null());
    assert!(params[1]["valuelist"].is_string());
    let h = sha256_hex(&format!("{secret}{id}000018{t}"));
    let (s, b) = post_form(
        &sb,
        "/oauth2/1/pull/parameters",
        &[
            ("clientid", &id),
            ("orgid", "000018"),
            ("doctype", "HSCER"),
            ("ts", &t),
            ("hmac", &h),
        ],
        None,
    )
    .await;
    assert_error(s, &b, 400, "invalid_parameter");
}

#[tokio::test]
async fn pull_document_lifecycle() {
    let sb = start().await;
    let token = access_token(&sb).await;
    let tok = Some(token.as_str());
    let pull = "/oauth2/1/pull/pulldocument";
    let (s, b) = post_form(
        &sb,
        pull,
        &[
            ("orgid", "000042"),
            ("doctype", "DRVLC"),
            ("consent", "Y"),
            ("dlno", "SB0120230000001"),
        ],
        tok,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let uri = b["uri"].as_str().unwrap().to_string();
    assert_eq!(uri, "in.gov.transport-DRVLC-SB0120230000001");
    let (_, list) = get_json(&sb, &token, "/oauth2/2/files/issued").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["uri"] == uri.as_str())
    );
    let (s, _, body) = get(&sb, &token, &format!("/oauth2/1/file/{uri}")).await;
    assert_eq!(s, 200);
    assert!(body.starts_with(b"%PDF"));

    let cases: [Case; 8] = [
        (
            &[
                ("orgid", "000042"),
                ("doctype", "DRVLC"),
                ("consent", "Y"),
                ("dlno", "SB0120230000001"),
            ],
            400,
            "uri_exists",
        ),
        (
            &[("orgid", "999"), ("doctype", "DRVLC"), ("consent", "Y")],
            400,
            "invalid_orgid",
        ),
        (
            &[("orgid", "000042"), ("doctype", "XXXXX"), ("consent", "Y")],
            400,
            "invalid_doctype",
        ),
        (
            &[
                ("orgid", "000042"),
                ("doctype", "DRVLC"),
                ("consent", "N"),
                ("dlno", "x"),
            ],
            400,
            "invalid_parameter",
        ),
        (
            &[("orgid", "000042"), ("doctype", "DRVLC"), ("consent", "Y")],
            400,
            "invalid_parameter",
        ),
        (
            &[
                ("orgid", "000042"),
                ("doctype", "DRVLC"),
                ("consent", "Y"),
                ("dlno", "SB0000000000000"),
            ],
            404,
            "record_not_found",
        ),
        (
            &[
                ("orgid", "000018"),
                ("doctype", "HSCER"),
                ("consent", "Y"),
                ("rollno", "9100001"),
                ("year", "2019"),
            ],
            400,
            "pull_response_pending",
        ),
        (
            &[
                ("orgid", "000999"),
                ("doctype", "OFFCR"),
                ("consent", "Y"),
                ("certno", "OFF0000001"),
            ],
            500,
            "repository_service_configerror",
        ),
    ];
    for (form, status, error) in cases {
        let (s, b) = post_form(&sb, pull, form, tok).await;
        assert_error(s, &b, status, error);
    }
    let (s, b) = post_form(&sb, pull, &[("orgid", "000042")], None).await;
    assert_error(s, &b, 401, "invalid_token");
}

#[tokio::test]
async fn verify_account() {
    let sb = start().await;
    let (secret, id) = (sb.client_secret().to_string(), sb.client_id().to_string());
    let user = sb.test_user();
    let t = ts();
    let (s, b) = post_multipart(
        &sb,
        "/account/2/verify",
        &[
            ("clientid", id.clone()),
            ("uid", user.uid.clone()),
            ("ts", t.clone()),
            ("hmac", sha256_hex(&format!("{secret}{id}{}{t}", user.uid))),
        ],
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["registered"], "true");
    assert_eq!(b["digilockerid"], user.digilockerid.as_str());
    let (s, b) = post_multipart(
        &sb,
        "/account/2/verify",
        &[
            ("clientid", id.clone()),
            ("mobile", "9000000000".into()),
            ("ts", t.clone()),
            ("hmac", sha256_hex(&format!("{secret}{id}9000000000{t}"))),
        ],
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["registered"], "false");
    let (s, b) = post_multipart(
        &sb,
        "/account/2/verify",
        &[
            ("clientid", id.clone()),
            ("ts", t.clone()),
            ("hmac", sha256_hex(&format!("{secret}{id}{t}"))),
        ],
    )
    .await;
    assert_error(s, &b, 400, "invalid_parameter");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("Either one of uid or mobile")
    );
    // A form body is rejected: the PDF's multipart operations are multipart.
    let (s, b) = post_form(&sb, "/account/2/verify", &[("clientid", &id)], None).await;
    assert_error(s, &b, 400, "invalid_parameter");
}

fn push_fields(
    sb: &Sandbox,
    action: &str,
    digilockerid: &str,
    uri: &str,
) -> Vec<(&'static str, String)> {
    let (secret, id) = (sb.client_secret(), sb.client_id());
    let t = ts();
    let concat = format!(
        "{secret}{id}{digilockerid}{uri}PANCRPAN CardABCDE1234F010120240101202431122034{action}{t}"
    );
    vec![
        ("clientid", id.to_string()),
        ("digilockerid", digilockerid.to_string()),
        ("uri", uri.to_string()),
        ("doctype", "PANCR".into()),
        ("description", "PAN Card".into()),
        ("docid", "ABCDE1234F".into()),
        ("issuedate", "01012024".into()),
        ("validfrom", "01012024".into()),
        ("validto", "31122034".into()),
        ("action", action.to_string()),
        ("ts", t),
        ("hmac", sha256_hex(&concat)),
    ]
}

#[tokio::test]
async fn push_uri_add_update_delete() {
    let sb = start().await;
    let user = sb.test_user();
    let uri = "in.gov.pan-PANCR-ABCDE1234F";
    let (s, b) = post_multipart(
        &sb,
        "/account/1/pushuri",
        &push_fields(&sb, "A", &user.digilockerid, uri),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let token = access_token(&sb).await;
    let (_, list) = get_json(&sb, &token, "/oauth2/1/files/issued").await;
    let pushed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uri"] == uri)
        .cloned()
        .expect("pushed URI listed");
    assert_eq!(pushed["doctype"], "PANCR");
    assert_eq!(pushed["issuerid"], "in.gov.pan");
    let (s, b) = post_multipart(
        &sb,
        "/account/1/pushuri",
        &push_fields(&sb, "A", &user.digilockerid, uri),
    )
    .await;
    assert_error(s, &b, 400, "invalid_parameter");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
    assert_eq!(
        post_multipart(
            &sb,
            "/account/1/pushuri",
            &push_fields(&sb, "U", &user.digilockerid, uri)
        )
        .await
        .0,
        200
    );
    assert_eq!(
        post_multipart(
            &sb,
            "/account/1/pushuri",
            &push_fields(&sb, "D", &user.digilockerid, uri)
        )
        .await
        .0,
        200
    );
    let (_, list) = get_json(&sb, &token, "/oauth2/1/files/issued").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["uri"] != uri)
    );
    let (s, b) = post_multipart(
        &sb,
        "/account/1/pushuri",
        &push_fields(&sb, "A", "00000000-0000-4000-8000-000000000000", uri),
    )
    .await;
    assert_error(s, &b, 404, "invalid_digilocker_id");
    // Hash over secret+clientid+ts only (the YAML's rule) is rejected.
    let mut fields = push_fields(&sb, "A", &user.digilockerid, uri);
    let t = fields.iter().find(|(k, _)| *k == "ts").unwrap().1.clone();
    fields.last_mut().unwrap().1 =
        sha256_hex(&format!("{}{}{t}", sb.client_secret(), sb.client_id()));
    let (s, b) = post_multipart(&sb, "/account/1/pushuri", &fields).await;
    assert_error(s, &b, 400, "invalid_parameter");
}

#[tokio::test]
async fn statistics() {
    let sb = start().await;
    let (secret, id) = (sb.client_secret().to_string(), sb.client_id().to_string());
    let t = ts();
    let (s, b) = post_multipart(
        &sb,
        "/statistics/1/counts",
        &[
            ("clientid", id.clone()),
            ("ts", t.clone()),
            ("hmac", sha256_hex(&format!("{secret}{id}{t}"))),
        ],
    )
    .await;
    assert_eq!(s, 200, "{b}");
    for key in [
        "users",
        "authentic_documents",
        "issuers",
        "requesters",
        "count_as_on",
    ] {
        assert!(b[key].is_string(), "{key}");
    }
    assert!(b["monthwise_registrations"].is_array());
    assert!(b["yearwise_authentic_documents"][0]["count"].is_string());
    let (s, b) = post_multipart(
        &sb,
        "/statistics/1/counts",
        &[
            ("clientid", id.clone()),
            ("ts", "yesterday".into()),
            ("hmac", sha256_hex(&format!("{secret}{id}yesterday"))),
        ],
    )
    .await;
    assert_error(s, &b, 400, "invalid_parameter");
}

fn signup_fields(
    sb: &Sandbox,
    uid: &str,
    name: &str,
    mobile: &str,
    verification: &str,
) -> Vec<(&'static str, String)> {
    let t = ts();
    vec![
        ("clientid", sb.client_id().to_string()),
        ("uid", uid.to_string()),
        ("name", name.to_string()),
        ("dob", "15081995".into()),
        ("gender", "M".into()),
        ("mobile", mobile.to_string()),
        ("verification", verification.to_string()),
        ("consent", "Y".into()),
        ("ts", t.clone()),
        (
            "hmac",
            sha256_hex(&format!("{}{}{t}", sb.client_secret(), sb.client_id())),
        ),
    ]
}

#[tokio::test]
async fn signup_without_verification_returns_tokens() {
    let sb = start().await;
    let (s, b) = post_multipart(
        &sb,
        "/signup/2/demoauth",
        &signup_fields(&sb, "999999990042", "Ravi Sandbox", "9000000042", "N"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["mobile"], "******0042");
    let (s, user) = get_json(&sb, b["access_token"].as_str().unwrap(), "/oauth2/1/user").await;
    assert_eq!(s, 200);
    assert_eq!(user["name"], "Ravi Sandbox");
    // The mobile is now taken by that account.
    let (s, b) = post_multipart(
        &sb,
        "/signup/2/demoauth",
        &signup_fields(&sb, "999999990043", "Other Person", "9000000042", "N"),
    )
    .await;
    assert_error(s, &b, 400, "mobile_exists");
}

#[tokio::test]
async fn signup_with_otp_verification() {
    let sb = start().await;
    let (s, b) = post_multipart(
        &sb,
        "/signup/2/demoauth",
        &signup_fields(&sb, "999999990077", "Meera Sandbox", "9000000077", "Y"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["mobile"], "******0077");
    assert!(b.get("access_token").is_none());
    let t = ts();
    let hmac = sha256_hex(&format!("{}{}{t}", sb.client_secret(), sb.client_id()));
    let verify = |otp: &str| {
        vec![
            ("clientid", sb.client_id().to_string()),
            ("mobile", "9000000077".to_string()),
            ("otp", otp.to_string()),
            ("ts", t.clone()),
            ("hmac", hmac.clone()),
        ]
    };
    let (s, b) = post_multipart(&sb, "/signup/1/demoauthverify", &verify("111111")).await;
    assert_error(s, &b, 400, "invalid_otp");
    let (s, b) = post_multipart(&sb, "/signup/1/demoauthverify", &verify(sb.signup_otp())).await;
    assert_eq!(s, 200, "{b}");
    assert!(b["refresh_token"].is_string());
    assert_eq!(
        get_json(&sb, b["access_token"].as_str().unwrap(), "/oauth2/1/user")
            .await
            .0,
        200
    );
    // Upstream error codes of the verify call.
    let mut missing = verify(sb.signup_otp());
    missing.retain(|(k, _)| *k != "otp");
    let (s, b) = post_multipart(&sb, "/signup/1/demoauthverify", &missing).await;
    assert_error(s, &b, 400, "parameter_missing");
    let mut bad = verify(sb.signup_otp());
    bad.last_mut().unwrap().1 = sha256_hex("nope");
    let (s, b) = post_multipart(&sb, "/signup/1/demoauthverify", &bad).await;
    assert_error(s, &b, 400, "hmac_mismatch");
    let stale = (now() - 3600).to_string();
    let mut old = verify(sb.signup_otp());
    old[3].1 = stale.clone();
    old[4].1 = sha256_hex(&format!("{}{}{stale}", sb.client_secret(), sb.client_id()));
    let (s, b) = post_multipart(&sb, "/signup/1/demoauthverify", &old).await;
    assert_error(s, &b, 400, "invalid_ts");
}

#[tokio::test]
async fn signup_existing_resident() {
    let sb = start().await;
    let user = sb.test_user();
    // Demographics that do not match the existing resident.
    let (s, b) = post_multipart(
        &sb,
        "/signup/2/demoauth",
        &signup_fields(&sb, &user.uid, "Wrong Name", &user.mobile, "N"),
    )
    .await;
    assert_error(s, &b, 400, "auth_failure");
    // Matching demographics: tokens for the existing account (v1.7).
    let mut f = signup_fields(&sb, &user.uid, &user.name, &user.mobile, "Y");
    f[3].1 = user.dob.clone();
    f[4].1 = user.gender.clone();
    let (s, b) = post_multipart(&sb, "/signup/2/demoauth", &f).await;
    assert_eq!(s, 200, "{b}");
    let (_, me) = get_json(&sb, b["access_token"].as_str().unwrap(), "/oauth2/1/user").await;
    assert_eq!(me["digilockerid"], user.digilockerid.as_str());
    // Missing consent and a bad client id.
    let mut f = signup_fields(&sb, "999999990099", "A B", "9000000099", "N");
    f[7].1 = "N".into();
    let (s, b) = post_multipart(&sb, "/signup/2/demoauth", &f).await;
    assert_error(s, &b, 400, "invalid_parameter");
    let mut f = signup_fields(&sb, "999999990099", "A B", "9000000099", "N");
    f[0].1 = "someone-else".into();
    let (s, b) = post_multipart(&sb, "/signup/2/demoauth", &f).await;
    assert_error(s, &b, 401, "invalid_client_id");
}

/// Every signature is recorded as received, faulted requests included; a
/// hash sent again to the same path is marked reused (and still accepted:
/// one request signed twice in the same second has the same hash).
#[tokio::test]
async fn signatures_are_recorded_and_a_repeat_is_marked_reused() {
    let sb = start().await;
    let (secret, id) = (sb.client_secret().to_string(), sb.client_id().to_string());
    let t = ts();
    let hmac = sha256_hex(&format!("{secret}{id}{t}"));
    sb.inject(digilocker_sandbox::Fault::Status {
        path: "/oauth2/1/pull/issuers".into(),
        times: 1,
        status: 503,
        error: "repository_service_unresponsive".into(),
    });
    let (s, _) = issuers(&sb, &id, &t, &hmac).await;
    assert_eq!(s, 503);
    let (s, b) = issuers(&sb, &id, &t, &hmac).await;
    assert_eq!(s, 200, "{b}");
    let reused: Vec<(String, String, bool)> = sb
        .signatures()
        .into_iter()
        .map(|r| (r.ts, r.hmac, r.reused))
        .collect();
    assert_eq!(
        reused,
        [
            (t.clone(), hmac.clone(), false),
            (t.clone(), hmac.clone(), true)
        ]
    );
    assert_eq!(sb.reused_signatures().len(), 1);
    sb.clear_requests();
    assert!(sb.signatures().is_empty());
}
