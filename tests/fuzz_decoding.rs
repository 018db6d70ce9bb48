//! Property tests ("fuzzed decoding"): arbitrary and mutated bodies fed to
//! every response decoder, the error-body path end to end over loopback
//! HTTP, the XML parsers and the callback parser. Requirement: no panic,
//! only typed errors, and no token in the text of a decode error.
//!
//! Every property runs a fixed number of cases from a fixed seed, so runs are
//! reproducible; set `FUZZ_SEED` (any text) to explore other inputs and
//! `FUZZ_SCALE` (a multiplier, e.g. `10`) for longer runs. Each property
//! prints how many cases it ran.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use digilocker_authpartner::auth::{
    Callback, PendingAuthorization, SignupResponse, StoredTokens, TokenResponse,
};
use digilocker_authpartner::retry::RetryPolicy;
use digilocker_authpartner::xml::{Certificate, EAadhaar};
use digilocker_authpartner::{Client, Error, ErrorCode, PullConsent, types};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde::de::DeserializeOwned;
use serde_json::Value;

// ---------------------------------------------------------------------------
// The runner: fixed seed, fixed case count, no regression files.

fn scale() -> u32 {
    std::env::var("FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1)
}

fn run<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let cases = cases * scale();
    let seed_text = format!("{}/{name}", std::env::var("FUZZ_SEED").unwrap_or_default());
    let mut seed = [0u8; 32];
    for (i, b) in seed_text.bytes().enumerate() {
        seed[i % 32] = seed[i % 32].wrapping_mul(31).wrapping_add(b);
    }
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{name}: {e}");
    }
    println!("{name}: {cases} cases, 0 panics");
}

// ---------------------------------------------------------------------------
// Decoders and valid seed bodies.

type Decoder = fn(&[u8]) -> Result<(), String>;

fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<T>(bytes)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Every JSON response type of the API, the overlay's token types, and the
/// persisted pending authorization.
const DECODERS: &[(&str, Decoder)] = &[
    ("UserDetails", json::<types::UserDetails>),
    ("IssuedDocumentList", json::<types::IssuedDocumentList>),
    ("IssuedDocumentListV1", json::<types::IssuedDocumentListV1>),
    ("UploadedDocumentList", json::<types::UploadedDocumentList>),
    ("IssuersResponse", json::<types::IssuersResponse>),
    ("DocTypesResponse", json::<types::DocTypesResponse>),
    (
        "SearchParametersResponse",
        json::<types::SearchParametersResponse>,
    ),
    ("StatisticsResponse", json::<types::StatisticsResponse>),
    (
        "VerifyAccountResponse",
        json::<types::VerifyAccountResponse>,
    ),
    ("PullDocumentResponse", json::<types::PullDocumentResponse>),
    ("UploadResponse", json::<types::UploadResponse>),
    ("DeviceCodeResponse", json::<types::DeviceCodeResponse>),
    ("ErrorResponse", json::<types::ErrorResponse>),
    ("TokenResponse", json::<TokenResponse>),
    ("SignupResponse", json::<SignupResponse>),
    ("PendingAuthorization", persisted_pending),
    ("StoredTokens", persisted_tokens),
];

fn persisted_pending(bytes: &[u8]) -> Result<(), String> {
    PendingAuthorization::from_json(bytes)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn persisted_tokens(bytes: &[u8]) -> Result<(), String> {
    StoredTokens::from_json(bytes)
        .map(drop)
        .map_err(|e| e.to_string())
}

const AT: &str = "a7c3e1f09b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f";
const RT: &str = "f0e9d8c7b6a5948372615041f2e3d4c5b6a79881";
const IDT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYW5kYm94In0.c2VjcmV0LXNpZ25hdHVyZQ";
const SECRETS: [&str; 3] = [AT, RT, IDT];
const FULL_UID: &str = "999999991234";

fn token_body() -> Value {
    serde_json::json!({
        "access_token": AT, "expires_in": 3600, "token_type": "Bearer",
        "scope": "openid userdetails files.issueddocs", "consent_valid_till": 1_684_731_048,
        "refresh_token": RT, "digilockerid": "123e4567-e89b-12d3-a456-426655440000",
        "name": "Ajit Kumar", "dob": "31121970", "gender": "M", "eaadhaar": "Y", "new_account": "Y",
        "reference_key": "2a33349e7e606a8ad2e30e3c84521f9377450cf09083e162e0a9b1480ce0f972",
        "id_token": IDT
    })
}

/// One valid body per decoder (the PDF samples where the PDF has one).
fn seeds() -> Vec<(&'static str, Value)> {
    use serde_json::json;
    vec![
        (
            "UserDetails",
            json!({"digilockerid": "123e4567-e89b-12d3-a456-426655440000", "name": "Sunil Kumar",
                "dob": "31121970", "gender": "M", "eaadhaar": "Y",
                "reference_key": "2a33349e7e606a8ad2e30e3c84521f9377450cf09083e162e0a9b1480ce0f972"}),
        ),
        (
            "IssuedDocumentList",
            json!({"items": [{"name": "Income Certificate", "type": "file", "size": "", "date": " 2015-05-12T15:50:38Z",
                "parent": "", "mime": ["application/pdf", "application/xml"], "uri": " in.gov.delhi-INCER-98765432",
                "doctype": "INCER", "description": "Income Certificate", "issuerid": "in.gov.delhi",
                "issuer": "Delhi eDistrict"}]}),
        ),
        (
            "IssuedDocumentListV1",
            json!({"items": [{"name": "Class XII Marksheet", "type": "file", "size": "", "date": "2019-05-12",
                "parent": "", "mime": "application/pdf", "uri": "in.gov.cbse-HSCER-201900001234",
                "doctype": "HSCER", "description": "Class XII", "issuerid": "in.gov.cbse", "issuer": "CBSE"}]}),
        ),
        (
            "UploadedDocumentList",
            json!({"directory": "/", "items": [
                {"name": "My Documents", "type": "dir", "id": "5678", "size": "366481", "date": " 2015-05-12T15:50:38Z",
                 "parent": "1234", "mime": "", "uri": "", "description": "", "issuer": ""},
                {"name": "myfile.pdf", "type": "file", "id": "", "size": "366481", "date": " 2015-05-12T15:50:38Z",
                 "parent": "1234", "mime": "application/pdf", "uri": "in.gov.digilocker-OTHER-39491058586222",
                 "description": "Income Certificate", "issuer": ""}]}),
        ),
        (
            "IssuersResponse",
            json!({"issuers": [{"orgid": "000201", "issuerid": "in.gov.aktu",
                "name": "APJ Abdul Kalam Technical University, UP", "category": "Education,State Government",
                "description": "Mark sheets of degree certificates."}]}),
        ),
        (
            "DocTypesResponse",
            json!({"documents": [{"doctype": "INCER", "description": "Income Certificate"},
                {"doctype": "BTCER", "description": "Birth Certificate"}]}),
        ),
        (
            "SearchParametersResponse",
            json!({"parameters": [
                {"label": "Year", "paramname": "year", "valuelist": "2001,2002,2003,2004", "example": "2002"},
                {"label": "Roll Number", "paramname": "rollno", "valuelist": null, "example": "C525690"}]}),
        ),
        (
            "StatisticsResponse",
            json!({"users": "150000000", "authentic_documents": "5600000000", "issuers": "1800",
                "requesters": "900", "count_as_on": "2023-09-01",
                "monthwise_registrations": [{"id": "1", "month": "08", "year": "2023", "count": "1200000"}],
                "yearwise_authentic_documents": [{"id": "1", "year": "2023", "count": "500000000"}]}),
        ),
        (
            "VerifyAccountResponse",
            json!({"registered": "true", "digilockerid": "123e4567-e89b-12d3-a456-426655440000"}),
        ),
        (
            "PullDocumentResponse",
            json!({"uri": "in.gov.cbse-HSCER-201412345678"}),
        ),
        (
            "UploadResponse",
            json!({"path": "/Documents/a.pdf", "size": "1234"}),
        ),
        (
            "DeviceCodeResponse",
            json!({"device_code": "0a1b2c3d4e5f60718293", "dl_masked_mobile": "XXXXXX0001",
                "dl_masked_email": "xxxx@example.invalid", "expires_in": 600}),
        ),
        (
            "ErrorResponse",
            json!({"error": "invalid_parameter ", "error_description": "Timestamp parameter is missing or invalid"}),
        ),
        ("TokenResponse", token_body()),
        (
            "SignupResponse",
            json!({"access_token": AT, "expires_in": 3600, "token_type": "Bearer", "scope": "userdetails",
                "refresh_token": RT, "mobile": "******0042"}),
        ),
        (
            "PendingAuthorization",
            json!({"v": 1, "state": "c3RhdGUtc3RhdGUtc3RhdGU", "verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                "redirect_uri": "https://partner.example/callback"}),
        ),
        (
            "StoredTokens",
            json!({"v": 1, "access_token": AT, "refresh_token": RT, "expires_at_unix_ms": 1_700_000_000_000u64}),
        ),
    ]
}

const CERTIFICATE_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Certificate language="99" name="Class XII Marksheet" type="HSCER" number="201900001234" prevNumber="" expiryDate="" validFromDate="" issuedAt="Delhi" issueDate="2019-05-12" status="A">
  <IssuedBy><Organization name="CBSE" code="in.gov.cbse" tin="" uid="" type="CG"/></IssuedBy>
  <IssuedTo><Person uid="999999991234" title="" name="Asha &amp; Kumari" dob="31-12-1970" gender="F" phone="" email=""/></IssuedTo>
  <CertificateData><Document uri="in.gov.cbse-HSCER-201900001234">Marks: &lt;A+&gt;</Document></CertificateData>
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/><SignatureValue>U0FOREJPWA==</SignatureValue></Signature>
</Certificate>
"#;

const KYC_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<KycRes code="k1" ret="Y" ts="2024-01-01T10:00:00" ttl="2025-01-01T10:00:00" txn="T-1">
  <UidData tkn="" uid="999999991234">
    <Poi dob="31-12-1970" gender="F" name="Asha Sandbox Kumari" phone="" email=""/>
    <Poa co="" country="India" dist="Sandbox District" house="1" lm="Near Park" loc="Sample Nagar" pc="999999" po="Sandbox" state="Sandbox State" street="Example Street" subdist="Sandbox" vtc="Sandbox City"/>
    <LData co="" country="" name=""/>
    <Pht>/9j/4AAQSkZJRgABAQAAAQABAAD/2wBD</Pht>
  </UidData>
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignatureValue>U0FOREJPWA==</SignatureValue></Signature>
</KycRes>
"#;

/// Feeds `bytes` to every decoder and parser. Panics are what the runner
/// catches; errors must be the documented typed ones.
fn decode_everything(bytes: &[u8]) -> Result<(), TestCaseError> {
    for (name, decode) in DECODERS {
        if let Err(message) = decode(bytes) {
            prop_assert!(!message.is_empty(), "{name}: empty error message");
        }
    }
    // The error-body decoder as the transport and the error mapping use it.
    if let Ok(e) = serde_json::from_slice::<types::ErrorResponse>(bytes) {
        let code = ErrorCode::parse(&e.error);
        prop_assert_eq!(code.as_str(), e.error.trim());
    }
    // A body that fails to decode becomes a typed Decode error with a bounded snippet.
    if let Err(e) = serde_json::from_slice::<types::UserDetails>(bytes) {
        let err = Error::decode(None, Some(200), bytes, &e);
        match &err {
            Error::Decode { snippet, .. } => prop_assert!(snippet.chars().count() <= 200),
            other => prop_assert!(false, "expected Decode, got {other:?}"),
        }
        let _ = err.to_string();
    }
    check_xml(bytes)?;
    Ok(())
}

/// The XML parsers: `Ok`, or `Error::Decode`; never a full Aadhaar number.
fn check_xml(bytes: &[u8]) -> Result<(), TestCaseError> {
    let outcomes: [(&str, Result<String, Error>); 2] = [
        (
            "Certificate",
            Certificate::from_xml(bytes).map(|c| format!("{c:?}")),
        ),
        (
            "EAadhaar",
            EAadhaar::from_xml(bytes).map(|k| format!("{k:?}")),
        ),
    ];
    for (name, outcome) in outcomes {
        let shown = match outcome {
            Ok(parsed) => parsed,
            Err(e @ Error::Decode { .. }) => format!("{e} {e:?}"),
            Err(other) => {
                return Err(TestCaseError::fail(format!(
                    "{name}: not a Decode error: {other:?}"
                )));
            }
        };
        prop_assert!(
            !shown.contains(FULL_UID),
            "{name} exposed the full Aadhaar number: {shown}"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Mutations.

/// Byte-level mutations; positions are taken modulo the body's length.
#[derive(Clone, Debug)]
enum ByteOp {
    FlipBit(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

fn nasty_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 1..16),
        Just(b"\xff\xfe".to_vec()),     // invalid UTF-8
        Just(b"\xc0\x80".to_vec()),     // overlong NUL
        Just(b"\xed\xa0\x80".to_vec()), // UTF-8-encoded surrogate
        Just(b"\\ud800".to_vec()),      // lone surrogate escape
        Just(b"\\u00".to_vec()),        // cut escape
        Just(b"\"".to_vec()),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b",".to_vec()),
        Just(b":".to_vec()),
        Just(b"null".to_vec()),
        Just(b"[".repeat(400)), // deep nesting
        Just(b"{\"a\":".repeat(200)),
        Just(b"18446744073709551616".to_vec()), // u64::MAX + 1
        Just(b"-9223372036854775809".to_vec()), // i64::MIN - 1
        Just(b"1e999999".to_vec()),             // overflows f64
        Just(b"123456789012345678901234567890123456789".to_vec()),
        Just(b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>".to_vec()),
        Just(b"&b;&#0;&#xD800;&unknown;".to_vec()),
        Just(b"<![CDATA[".to_vec()),
        Just(b"</".to_vec()),
        Just(b"<a>".repeat(300)),
    ]
}

fn byte_op() -> impl Strategy<Value = ByteOp> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| ByteOp::FlipBit(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| ByteOp::Set(i, b)),
        any::<usize>().prop_map(ByteOp::Truncate),
        (any::<usize>(), nasty_bytes()).prop_map(|(i, b)| ByteOp::Insert(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| ByteOp::Delete(i, n)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| ByteOp::Duplicate(i, n)),
    ]
}

fn apply_bytes(mut bytes: Vec<u8>, ops: &[ByteOp]) -> Vec<u8> {
    for op in ops {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match op {
            ByteOp::FlipBit(i, b) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] ^= 1 << b;
            }
            ByteOp::Set(i, v) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] = *v;
            }
            ByteOp::Truncate(i) => bytes.truncate(at(*i, bytes.len())),
            ByteOp::Insert(i, new) => {
                let i = at(*i, bytes.len());
                bytes.splice(i..i, new.iter().copied());
            }
            ByteOp::Delete(i, n) => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            ByteOp::Duplicate(i, n) => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                let copy = bytes[i..end].to_vec();
                bytes.splice(end..end, copy);
            }
            _ => {}
        }
    }
    bytes
}

/// Values swapped into JSON bodies. The textual ones cannot be built as a
/// `serde_json::Value` and are spliced in after serialising.
#[derive(Clone, Debug)]
enum Nasty {
    Json(Value),
    Text(&'static [u8]),
    Deep(usize),
}

fn nasty() -> impl Strategy<Value = Nasty> {
    prop_oneof![
        Just(Nasty::Json(Value::Null)),
        Just(Nasty::Json(true.into())),
        Just(Nasty::Json(0.into())),
        Just(Nasty::Json((-1).into())),
        Just(Nasty::Json(u64::MAX.into())),
        Just(Nasty::Json(i64::MIN.into())),
        Just(Nasty::Json(1.5e300.into())),
        Just(Nasty::Json("".into())),
        Just(Nasty::Json(" ".into())),
        Just(Nasty::Json("x".repeat(100_000).into())),
        Just(Nasty::Json("\u{0}\u{1f}\u{202e}\u{feff}é漢字🎉".into())),
        Just(Nasty::Json(Value::Array(vec![]))),
        Just(Nasty::Json(Value::Object(Default::default()))),
        Just(Nasty::Json(serde_json::json!([null, 1, "a", {"b": []}]))),
        any::<String>().prop_map(|s| Nasty::Json(s.into())),
        any::<i64>().prop_map(|n| Nasty::Json(n.into())),
        Just(Nasty::Text(b"18446744073709551616")),
        Just(Nasty::Text(b"-9223372036854775809")),
        Just(Nasty::Text(b"1e999999")),
        Just(Nasty::Text(b"-0")),
        Just(Nasty::Text(b"123456789012345678901234567890.5e-400")),
        Just(Nasty::Text(b"\"\\ud800\"")),
        Just(Nasty::Text(b"\"\\udc00\\ud800\"")),
        Just(Nasty::Text(b"\"\xff\xfe\xfd\"")),
        Just(Nasty::Text(b"\"\xed\xa0\x80\"")),
        Just(Nasty::Text(b"NaN")),
        Just(Nasty::Text(b"Infinity")),
        (1usize..4_000).prop_map(Nasty::Deep),
    ]
}

/// Field names of every response type, so renamed and added keys hit real fields.
const KEYS: &[&str] = &[
    "access_token",
    "expires_in",
    "token_type",
    "scope",
    "consent_valid_till",
    "refresh_token",
    "digilockerid",
    "name",
    "dob",
    "gender",
    "eaadhaar",
    "new_account",
    "reference_key",
    "id_token",
    "mobile",
    "items",
    "directory",
    "type",
    "id",
    "size",
    "date",
    "parent",
    "mime",
    "uri",
    "description",
    "issuer",
    "issuerid",
    "doctype",
    "issuers",
    "orgid",
    "category",
    "documents",
    "parameters",
    "label",
    "paramname",
    "valuelist",
    "example",
    "registered",
    "path",
    "device_code",
    "dl_masked_mobile",
    "dl_masked_email",
    "error",
    "error_description",
    "users",
    "authentic_documents",
    "requesters",
    "count_as_on",
    "monthwise_registrations",
    "yearwise_authentic_documents",
    "month",
    "year",
    "count",
    "state",
    "verifier",
    "redirect_uri",
];

/// Structure-aware mutations of a JSON body; node indexes are taken modulo
/// the number of candidate nodes.
#[derive(Clone, Debug)]
enum JsonOp {
    Replace(usize, Nasty),
    Remove(usize),
    Add(usize, &'static str, Nasty),
    Rename(usize, &'static str),
    WrapInArray(usize),
    Stringify(usize),
}

fn json_op() -> impl Strategy<Value = JsonOp> {
    let key = proptest::sample::select(KEYS);
    prop_oneof![
        3 => (any::<usize>(), nasty()).prop_map(|(i, n)| JsonOp::Replace(i, n)),
        1 => any::<usize>().prop_map(JsonOp::Remove),
        1 => (any::<usize>(), key.clone(), nasty()).prop_map(|(i, k, n)| JsonOp::Add(i, k, n)),
        1 => (any::<usize>(), key).prop_map(|(i, k)| JsonOp::Rename(i, k)),
        1 => any::<usize>().prop_map(JsonOp::WrapInArray),
        1 => any::<usize>().prop_map(JsonOp::Stringify),
    ]
}

/// JSON pointers of every node (root first) and of every object member.
fn pointers(v: &Value, here: String, nodes: &mut Vec<String>, members: &mut Vec<(String, String)>) {
    nodes.push(here.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                members.push((here.clone(), k.clone()));
                let escaped = k.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{here}/{escaped}"), nodes, members);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{here}/{i}"), nodes, members);
            }
        }
        _ => {}
    }
}

fn apply_json(mut v: Value, ops: &[JsonOp]) -> Vec<u8> {
    let mut splices: Vec<(String, Vec<u8>)> = Vec::new();
    let mut placeholder = |n: &Nasty| -> Value {
        match n {
            Nasty::Json(j) => j.clone(),
            Nasty::Text(t) => {
                let mark = format!("@@NASTY{}@@", splices.len());
                splices.push((format!("\"{mark}\""), t.to_vec()));
                Value::String(mark)
            }
            Nasty::Deep(depth) => {
                let mark = format!("@@NASTY{}@@", splices.len());
                let mut text = b"[".repeat(*depth);
                text.extend(b"]".repeat(*depth));
                splices.push((format!("\"{mark}\""), text));
                Value::String(mark)
            }
        }
    };
    for op in ops {
        let (mut nodes, mut members) = (Vec::new(), Vec::new());
        pointers(&v, String::new(), &mut nodes, &mut members);
        match op {
            JsonOp::Replace(i, n) => {
                let ptr = &nodes[i % nodes.len()];
                let new = placeholder(n);
                if let Some(slot) = v.pointer_mut(ptr) {
                    *slot = new;
                }
            }
            JsonOp::Remove(i) if !members.is_empty() => {
                let (parent, key) = &members[i % members.len()];
                if let Some(Value::Object(map)) = v.pointer_mut(parent) {
                    map.remove(key);
                }
            }
            JsonOp::Add(i, key, n) => {
                let new = placeholder(n);
                let ptr = &nodes[i % nodes.len()];
                if let Some(Value::Object(map)) = v.pointer_mut(ptr) {
                    map.insert((*key).to_string(), new);
                }
            }
            JsonOp::Rename(i, to) if !members.is_empty() => {
                let (parent, key) = &members[i % members.len()];
                if let Some(Value::Object(map)) = v.pointer_mut(parent)
                    && let Some(value) = map.remove(key)
                {
                    map.insert((*to).to_string(), value);
                }
            }
            JsonOp::WrapInArray(i) => {
                let ptr = &nodes[i % nodes.len()];
                if let Some(slot) = v.pointer_mut(ptr) {
                    *slot = Value::Array(vec![slot.take()]);
                }
            }
            JsonOp::Stringify(i) => {
                let ptr = &nodes[i % nodes.len()];
                if let Some(slot) = v.pointer_mut(ptr) {
                    *slot = Value::String(slot.to_string());
                }
            }
            _ => {}
        }
    }
    let mut bytes = serde_json::to_vec(&v).expect("serialisable");
    for (mark, text) in splices {
        if let Some(at) = find(&bytes, mark.as_bytes()) {
            bytes.splice(at..at + mark.len(), text);
        }
    }
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A seed, by index, mutated at the byte level.
fn mutated_seed() -> impl Strategy<Value = Vec<u8>> {
    let seeds: Vec<Vec<u8>> = seeds()
        .into_iter()
        .map(|(_, v)| serde_json::to_vec(&v).unwrap())
        .chain([
            CERTIFICATE_XML.as_bytes().to_vec(),
            KYC_XML.as_bytes().to_vec(),
        ])
        .collect();
    (proptest::sample::select(seeds), vec(byte_op(), 1..8))
        .prop_map(|(seed, ops)| apply_bytes(seed, &ops))
}

/// A JSON seed, by index, mutated structurally (and sometimes bytewise after).
fn json_mutated_seed() -> impl Strategy<Value = Vec<u8>> {
    let seeds: Vec<Value> = seeds().into_iter().map(|(_, v)| v).collect();
    (
        proptest::sample::select(seeds),
        vec(json_op(), 1..6),
        vec(byte_op(), 0..2),
    )
        .prop_map(|(seed, ops, bytes)| apply_bytes(apply_json(seed, &ops), &bytes))
}

/// Random JSON whose object keys are mostly real field names.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
        proptest::sample::select(vec![
            "Y", "N", "true", "false", "M", "F", "T", "Bearer", "A", "3600"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        let key = prop_oneof![4 => proptest::sample::select(KEYS).prop_map(str::to_string), 1 => ".{0,8}"];
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key, inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ---------------------------------------------------------------------------
// Properties: decoders.

#[test]
fn seeds_are_valid() {
    for (name, body) in seeds() {
        let decode = DECODERS
            .iter()
            .find(|(n, _)| *n == name)
            .expect("a decoder per seed")
            .1;
        decode(&serde_json::to_vec(&body).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_eq!(seeds().len(), DECODERS.len(), "one seed per decoder");
    Certificate::from_xml(CERTIFICATE_XML.as_bytes()).expect("certificate seed parses");
    let kyc = EAadhaar::from_xml(KYC_XML.as_bytes()).expect("e-Aadhaar seed parses");
    assert!(!format!("{kyc:?}").contains(FULL_UID));
}

#[test]
fn arbitrary_bytes_never_panic_a_decoder() {
    run(
        "arbitrary bytes",
        1_500,
        vec(any::<u8>(), 0..512),
        |bytes| decode_everything(&bytes),
    );
}

#[test]
fn byte_mutated_bodies_never_panic_a_decoder() {
    run(
        "byte-mutated seeds (JSON and XML)",
        2_500,
        mutated_seed(),
        |bytes| decode_everything(&bytes),
    );
}

#[test]
fn structurally_mutated_bodies_never_panic_a_decoder() {
    run(
        "structurally mutated JSON seeds",
        2_500,
        json_mutated_seed(),
        |bytes| decode_everything(&bytes),
    );
}

#[test]
fn random_json_never_panics_a_decoder() {
    run(
        "random JSON with real field names",
        1_500,
        arb_json(),
        |v| decode_everything(&serde_json::to_vec(&v).unwrap()),
    );
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    let shape = (1usize..20_000, 0u8..4, any::<bool>()).prop_map(|(depth, kind, close)| {
        let (open, shut): (&[u8], &[u8]) = match kind {
            0 => (b"[", b"]"),
            1 => (b"{\"items\":", b"}"),
            2 => (b"<a>", b"</a>"),
            _ => (b"<KycRes><UidData>", b"</UidData></KycRes>"),
        };
        let mut body = open.repeat(depth);
        if close {
            body.extend(shut.repeat(depth));
        }
        body
    });
    run("deep nesting (JSON and XML)", 150, shape, |bytes| {
        decode_everything(&bytes)
    });
}

#[test]
fn xml_mutations_never_panic_or_expose_the_aadhaar_number() {
    let seeds = vec![
        CERTIFICATE_XML.as_bytes().to_vec(),
        KYC_XML.as_bytes().to_vec(),
    ];
    let strategy = (proptest::sample::select(seeds), vec(byte_op(), 1..10))
        .prop_map(|(seed, ops)| apply_bytes(seed, &ops));
    run("byte-mutated XML", 2_000, strategy, |bytes| {
        check_xml(&bytes)
    });
}

/// The redaction property: a token body that fails to decode becomes a
/// `Decode` error whose text holds no token. Checked for every 12-character
/// window of each token so a partial leak is caught too.
#[test]

fn decode_errors_of_token_bodies_never_show_a_token() {
    let strategy = prop_oneof![
        (
            Just(token_body()),
            vec(json_op(), 1..5),
            vec(byte_op(), 0..3)
        )
            .prop_map(|(seed, ops, bytes)| apply_bytes(apply_json(seed, &ops), &bytes)),
        (
            Just(serde_json::to_vec(&token_body()).unwrap()),
            vec(byte_op(), 1..6)
        )
            .prop_map(|(seed, ops)| apply_bytes(seed, &ops)),
    ];
    run(
        "token bodies: no token in decode errors",
        2_000,
        strategy,
        |bytes| check_no_token_in_decode_error(&bytes),
    );
}

/// The two leaks the property above finds, as fixed inputs.
#[test]

fn token_leak_regressions() {
    let mut broken = serde_json::to_vec(&token_body()).unwrap();
    broken[0] = 0; // one flipped byte: no longer JSON, so the snippet is the raw text
    let mut swapped = token_body();
    swapped["expires_in"] = AT.into(); // a token where serde wants a number: quoted in its message
    for bytes in [serde_json::to_vec(&swapped).unwrap(), broken] {
        if let Err(e) = check_no_token_in_decode_error(&bytes) {
            panic!("{e}");
        }
    }
}

fn check_no_token_in_decode_error(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Err(e) = serde_json::from_slice::<TokenResponse>(bytes) else {
        return Ok(());
    };
    let err = Error::decode(None, Some(200), bytes, &e);
    let shown = format!("{err} {err:?}");
    for secret in SECRETS {
        for window in secret.as_bytes().windows(12) {
            let window = std::str::from_utf8(window).unwrap();
            prop_assert!(
                !shown.contains(window),
                "token fragment {window:?} in {shown}"
            );
        }
    }
    Ok(())
}

/// What holds today: a token body that is valid JSON but does not match the
/// schema (wrong types, missing fields, extra nesting) keeps no token in the
/// snippet. Structural mutations only, and renames are left out (a renamed
/// token can land where serde quotes it in its message).
#[test]
fn decode_errors_of_well_formed_token_bodies_redact_the_snippet() {
    let op = prop_oneof![
        (any::<usize>(), nasty()).prop_map(|(i, n)| JsonOp::Replace(i, n)),
        any::<usize>().prop_map(JsonOp::Remove),
        any::<usize>().prop_map(JsonOp::WrapInArray),
    ];
    let strategy =
        (Just(token_body()), vec(op, 1..4)).prop_map(|(seed, ops)| apply_json(seed, &ops));
    run(
        "well-formed token bodies: snippet redacted",
        1_500,
        strategy,
        |bytes| {
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return Ok(());
            };
            if serde_json::from_str::<Value>(text).is_err() {
                return Ok(()); // a spliced textual nasty made it ill-formed
            }
            let Err(e) = serde_json::from_slice::<TokenResponse>(&bytes) else {
                return Ok(());
            };
            let err = Error::decode(None, Some(200), &bytes, &e);
            let Error::Decode { snippet, .. } = &err else {
                return Err(TestCaseError::fail(format!("expected Decode, got {err:?}")));
            };
            for secret in SECRETS {
                prop_assert!(
                    !snippet.contains(&secret[..12]),
                    "token in snippet {snippet}"
                );
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------
// Properties: the callback parser and PendingAuthorization::verify.

fn pending() -> PendingAuthorization {
    let client = Client::builder("SBXCLIENT01", "secret")
        .redirect_uri("https://partner.example.invalid/digilocker/callback")
        .build()
        .expect("client");
    client.authorize_url().build().expect("authorize url").1
}

fn check_callback(pending: &PendingAuthorization, input: &str) -> Result<(), TestCaseError> {
    let callback = match Callback::parse(input) {
        Ok(cb) => cb,
        Err(Error::Validation(v)) => {
            prop_assert_eq!(v.field, "callback");
            return Ok(());
        }
        Err(other) => return Err(TestCaseError::fail(format!("parse: untyped {other:?}"))),
    };
    match pending.verify(&callback) {
        Ok(code) => {
            prop_assert_eq!(
                callback.state(),
                Some(pending.state()),
                "a code only with the right state"
            );
            use secrecy::ExposeSecret;
            let code = code.expose_secret().to_string();
            prop_assert!(!code.is_empty());
            // (The code may repeat the state, which Debug does show.)
            if code.len() >= 8 && !pending.state().contains(&code) {
                prop_assert!(
                    !format!("{callback:?}").contains(&code),
                    "Debug shows the code"
                );
            }
        }
        Err(Error::Auth(a)) => {
            use digilocker_authpartner::AuthError as A;
            prop_assert!(
                matches!(
                    a,
                    A::StateMismatch | A::MissingCode | A::Denied { .. } | A::LoggedOut { .. }
                ),
                "unexpected {a:?}"
            );
            // The logged-out redirect is recognised whatever its state.
            prop_assert_eq!(matches!(a, A::LoggedOut { .. }), callback.is_logged_out());
            if !matches!(a, A::StateMismatch | A::LoggedOut { .. }) {
                prop_assert_eq!(callback.state(), Some(pending.state()));
            }
        }
        Err(other) => return Err(TestCaseError::fail(format!("verify: untyped {other:?}"))),
    }
    Ok(())
}

#[test]
fn arbitrary_callbacks_are_parsed_or_rejected_typed() {
    let pending = pending();
    run("callback: arbitrary strings", 1_500, any::<String>(), |s| {
        check_callback(&pending, &s)
    });
}

#[test]
fn structured_callbacks_are_parsed_or_rejected_typed() {
    let pending = pending();
    let state = pending.state().to_string();
    let prefix = proptest::sample::select(vec![
        "https://partner.example.invalid/digilocker/callback?",
        "?",
        "",
        "http://[::1]:8080/cb?x=1&",
        "https://partner.example/cb#frag?",
        "not a url at all ?",
        "https://user:pass@host/cb?",
    ]);
    let key = proptest::sample::select(vec![
        "code",
        "state",
        "error",
        "error_description",
        "CODE",
        "",
        "state ",
        "code%00",
        "st%61te",
    ]);
    let value = prop_oneof![
        3 => Just(state.clone()),
        2 => "[A-Za-z0-9]{8,40}",
        2 => ".{0,16}",
        1 => Just("access_denied".to_string()),
        1 => Just(" user_loggedout ".to_string()),
        1 => Just("%zz%".to_string()),
        1 => Just("%E0%A4%A".to_string()),
        1 => Just("a+b%20c&d=e".to_string()),
        1 => Just(String::new()),
    ];
    let strategy = (prefix, vec((key, value, any::<bool>()), 0..6)).prop_map(|(prefix, pairs)| {
        let query: Vec<String> = pairs
            .into_iter()
            .map(|(k, v, encode)| {
                let v = if encode {
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
                } else {
                    v
                };
                format!("{k}={v}")
            })
            .collect();
        format!("{prefix}{}", query.join("&"))
    });
    run("callback: structured queries", 2_000, strategy, |s| {
        check_callback(&pending, &s)
    });
}

// ---------------------------------------------------------------------------
// The error-body path end to end: a raw loopback HTTP server answering
// arbitrary statuses and bodies to real client calls.

#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    hmac: Option<String>,
}

type Current = Arc<Mutex<Option<Answer>>>;

/// Reads one request (headers, then a Content-Length or chunked body).
async fn read_request(stream: &mut tokio::net::TcpStream) -> std::io::Result<()> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head.contains("transfer-encoding: chunked");
    loop {
        let body = &buf[header_end..];
        let done = match length {
            Some(len) => body.len() >= len,
            None if chunked => find(body, b"0\r\n\r\n").is_some(),
            None => true,
        };
        if done {
            return Ok(());
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn serve(listener: tokio::net::TcpListener, current: Current) {
    use tokio::io::AsyncWriteExt;
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let current = current.clone();
        tokio::spawn(async move {
            if read_request(&mut stream).await.is_err() {
                return;
            }
            let answer = current.lock().unwrap().clone().expect("an answer is set");
            let mut head = format!(
                "HTTP/1.1 {} Fuzz\r\nContent-Length: {}\r\nConnection: close\r\n",
                answer.status,
                answer.body.len()
            );
            if let Some(ct) = answer.content_type {
                head.push_str(&format!("Content-Type: {ct}\r\n"));
            }
            if let Some(h) = &answer.hmac {
                head.push_str(&format!("hmac: {h}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&answer.body).await;
            let _ = stream.shutdown().await;
        });
    }
}

#[derive(Clone, Copy, Debug)]
enum Call {
    UserDetails,
    ListIssuers,
    VerifyAccount,
    Statistics,
    Refresh,
    Download,
    PullDocument,
    Upload,
}

const CALLS: [Call; 8] = [
    Call::UserDetails,
    Call::ListIssuers,
    Call::VerifyAccount,
    Call::Statistics,
    Call::Refresh,
    Call::Download,
    Call::PullDocument,
    Call::Upload,
];

async fn call(client: &Client, which: Call) -> Result<(), Error> {
    const PDF: &[u8] = b"%PDF-1.4\n%fuzz\n";
    match which {
        Call::UserDetails => client.get_user_details().send().await.map(drop),
        Call::ListIssuers => client.list_issuers().send().await.map(drop),
        Call::VerifyAccount => client
            .verify_account()
            .body_map(|b| b.mobile(Some("9999999999".to_string())))
            .send()
            .await
            .map(drop),
        Call::Statistics => client.get_statistics().send().await.map(drop),
        Call::Refresh => client.refresh().await.map(drop),
        Call::Download => client
            .download("in.gov.cbse-HSCER-201900001234")
            .await
            .map(drop),
        Call::PullDocument => client
            .pull_document_with("000018", "HSCER", [("rollno", "1234567")], PullConsent::Yes)
            .await
            .map(drop),
        Call::Upload => client
            .upload_bytes(PDF.to_vec(), "/Documents/fuzz.pdf")
            .await
            .map(drop),
    }
}

/// Whether `outcome` is what a call answered with `answer` may give: `Ok`
/// only for a 2xx; an API error with the status sent, 400 or above (HTTP
/// carries any three digits); a decode
/// error with the status sent; an integrity error only for a download's
/// 2xx (its `hmac` header); an auth error only for the refresh grant or
/// after a 401 (whose refresh gets the same answer); never a transport
/// error or a timeout (the server always answers in full).
fn fits(which: Call, answer: &Answer, outcome: &Result<(), Error>) -> Result<(), String> {
    let status = answer.status;
    let success = (200..300).contains(&status);
    let fits = match outcome {
        Ok(()) => success,
        Err(Error::Api { status: sent, .. }) => *sent == status && status >= 400,
        Err(Error::Decode { status: sent, .. }) => *sent == Some(status),
        Err(Error::Integrity { .. }) => matches!(which, Call::Download) && success,
        Err(Error::Redirected { status: sent, .. }) => {
            *sent == status && (300..400).contains(&status)
        }
        Err(Error::Auth(_)) => matches!(which, Call::Refresh) || status == 401,
        Err(_) => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!("does not fit: {outcome:?}"))
    }
}

#[test]
fn the_error_body_path_end_to_end_gives_the_error_the_answer_calls_for() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let current: Current = Arc::default();
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(serve(listener, current.clone()));
        addr
    });
    let client = Client::builder("SBXCLIENT01", "fuzz-client-secret")
        .base_url(&format!("http://{addr}/public"))
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
        .session("fuzz-user")
        .expect("session");

    let body = prop_oneof![
        2 => mutated_seed(),
        2 => json_mutated_seed(),
        1 => vec(any::<u8>(), 0..256),
        2 => proptest::sample::select(seeds().into_iter().map(|(_, v)| serde_json::to_vec(&v).unwrap()).collect::<Vec<_>>()),
        1 => Just(Vec::new()),
    ];
    let status = prop_oneof![
        3 => Just(200u16),
        3 => proptest::sample::select(vec![400u16, 401, 403, 404, 500, 502, 503, 504, 530]),
        1 => 200u16..600,
        1 => 600u16..1000,
    ];
    let content_type = proptest::option::of(proptest::sample::select(vec![
        "application/json",
        "application/json;charset=UTF-8",
        "text/html",
        "application/pdf",
        "application/xml",
    ]));
    let hmac = proptest::option::of("[A-Za-z0-9+/=]{0,48}");
    let strategy = (
        proptest::sample::select(CALLS.to_vec()),
        status,
        body,
        content_type,
        hmac,
    )
        .prop_map(|(which, status, body, content_type, hmac)| {
            (
                which,
                Answer {
                    status,
                    body,
                    content_type,
                    hmac,
                },
            )
        });
    let stats = Arc::new(Mutex::new(BTreeMap::<String, usize>::new()));
    run(
        "end to end: arbitrary statuses and bodies",
        160,
        strategy,
        |(which, answer)| {
            *current.lock().unwrap() = Some(answer.clone());
            let outcome = rt.block_on(async {
                client
                    .set_tokens(StoredTokens {
                        access_token: AT.to_string().into(),
                        refresh_token: Some(RT.to_string().into()),
                        expires_at: SystemTime::now() + Duration::from_secs(3600),
                    })
                    .await
                    .expect("store");
                call(&client, which).await
            });
            let kind = match &outcome {
                Ok(()) => "Ok".to_string(),
                Err(e) => {
                    let _ = (
                        e.to_string(),
                        e.code(),
                        e.status(),
                        e.operation(),
                        e.is_retryable(),
                    );
                    if let Error::Decode { snippet, .. } = e {
                        prop_assert!(snippet.chars().count() <= 200);
                    }
                    match e {
                        Error::Auth(a) => format!("Auth({a:?})").chars().take(20).collect(),
                        other => format!("{other:?}")
                            .chars()
                            .take_while(char::is_ascii_alphanumeric)
                            .collect(),
                    }
                }
            };
            if let Err(why) = fits(which, &answer, &outcome) {
                return Err(TestCaseError::fail(format!(
                    "{which:?} answered {} ({:?}, {} bytes): {why}",
                    answer.status,
                    answer.content_type,
                    answer.body.len()
                )));
            }
            *stats.lock().unwrap().entry(kind).or_default() += 1;
            Ok(())
        },
    );
    let stats = stats.lock().unwrap();
    println!("end to end outcomes: {stats:?}");
    let _ = std::io::stdout().flush();
    assert!(
        stats.contains_key("Api") && stats.contains_key("Decode"),
        "{stats:?}"
    );
}

/// Fragments that stress the diagnostics: many short `"key":"value"`
/// pairs, secret keys, long token-like runs, deep nesting.
const STRESS_FRAGMENTS: &[&str] = &[
    r#""k":"v","#,
    r#""refresh_token":"RT-0123456789abcdef","#,
    r#""code":"#,
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "[[[[[[[[",
    r#"{"items":[{"mime":["a","b"],"size":"1"},"#,
    "\u{fffd}\"\\",
    "<KycRes><UidData><Poi name=\"",
];

/// `{` and then `unit` repeated to at least `len` bytes.
fn repeated_body(unit: &str, len: usize) -> Vec<u8> {
    let mut body = String::with_capacity(len + unit.len());
    body.push('{');
    while body.len() < len {
        body.push_str(unit);
    }
    body.into_bytes()
}

/// Bodies up to several MB through every decoder and the error path: typed
/// results only, and the error's text stays short.
#[test]
fn multi_megabyte_bodies_decode_to_typed_errors_with_short_text() {
    let strategy = (
        proptest::sample::select(STRESS_FRAGMENTS.to_vec()),
        proptest::sample::select(STRESS_FRAGMENTS.to_vec()),
        1usize..6 * 1024 * 1024,
    )
        .prop_map(|(a, b, len)| repeated_body(&format!("{a}{b}"), len));
    run("multi-megabyte bodies", 24, strategy, |bytes| {
        decode_everything(&bytes)?;
        let snippet = digilocker_authpartner::Error::decode(
            None,
            Some(200),
            &bytes,
            &serde_json::from_slice::<Value>(b"{").unwrap_err(),
        );
        prop_assert!(snippet.to_string().len() < 1024);
        Ok(())
    });
}

/// Decoding is linear in the body's size: for each stress fragment, a body
/// 16 times larger takes at most 100 times as long through every decoder;
/// a quadratic step would take about 256 times (the slowest fragment
/// measured about 28 times, from cache effects). The two sizes are timed
/// alternately, 9 times each, and the median of the 9 ratios counts, so
/// load from other work slows both sides alike and one descheduled run
/// does not count; a fixed cost in the small body only lowers the ratio.
#[test]
fn decoding_time_grows_linearly_with_body_size() {
    const SMALL: usize = 64 * 1024;
    const FACTOR: usize = 16;
    const BOUND: f64 = 100.0;
    let time = |bytes: &[u8]| {
        let started = std::time::Instant::now();
        decode_everything(bytes).expect("typed results");
        started.elapsed().as_secs_f64()
    };
    for unit in STRESS_FRAGMENTS {
        let small = repeated_body(unit, SMALL);
        let large = repeated_body(unit, SMALL * FACTOR);
        let size_ratio = large.len() as f64 / small.len() as f64;
        let mut ratios: Vec<f64> = (0..9).map(|_| time(&large) / time(&small)).collect();
        ratios.sort_by(f64::total_cmp);
        let ratio = ratios[4];
        println!("{unit:?}: {size_ratio:.1} x the bytes, {ratio:.1} x the time");
        assert!(
            ratio <= BOUND,
            "{unit:?}: {size_ratio:.1} x the bytes took {ratio:.1} x the time (bound {BOUND})"
        );
    }
}
