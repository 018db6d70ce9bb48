//! The sandbox's own implementation of the PDF's hashing rules: request
//! hashes (lowercase hex SHA-256 of a per-endpoint concatenation), file
//! HMACs (Base64 HMAC-SHA256 keyed with the client secret) and PKCE S256.
//! Written independently of the SDK so that a shared mistake cannot pass.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::util::hex;

type HmacSha256 = Hmac<Sha256>;

/// Which endpoint's concatenation rule applies to a request hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HashRule {
    /// `/oauth2/1/pull/issuers`: secret + clientid + ts (Requester v1.12 p.25).
    Issuers,
    /// `/oauth2/1/pull/doctype`: secret + clientid + orgid + ts (p.27).
    Doctype,
    /// `/oauth2/1/pull/parameters`: secret + clientid + orgid + doctype + ts (p.28).
    Parameters,
    /// `/account/2/verify`: secret + clientid + (uid or mobile) + ts (p.30).
    Verify,
    /// `/account/1/pushuri`: secret + clientid + digilockerid + uri + doctype +
    /// description + docid + issuedate + validfrom + validto + action + ts (p.32),
    /// then doccontent + datacontent (Meri Pehchaan v2.3 p.35; empty when absent).
    PushUri,
    /// `/statistics/1/counts`: secret + clientid + ts (p.34).
    Statistics,
    /// `/signup/2/demoauth` and `/signup/1/demoauthverify`: secret + clientid +
    /// ts. No PDF describes them; the rule is the upstream OpenAPI text.
    Signup,
}

/// The pseudo-field standing for "uid, or mobile when uid is absent".
const UID_OR_MOBILE: &str = "uid|mobile";

impl HashRule {
    /// The fields concatenated after the client secret, in order.
    pub(crate) fn fields(self) -> &'static [&'static str] {
        match self {
            HashRule::Issuers | HashRule::Statistics | HashRule::Signup => &["clientid", "ts"],
            HashRule::Doctype => &["clientid", "orgid", "ts"],
            HashRule::Parameters => &["clientid", "orgid", "doctype", "ts"],
            HashRule::Verify => &["clientid", UID_OR_MOBILE, "ts"],
            HashRule::PushUri => &[
                "clientid",
                "digilockerid",
                "uri",
                "doctype",
                "description",
                "docid",
                "issuedate",
                "validfrom",
                "validto",
                "action",
                "ts",
                "doccontent",
                "datacontent",
            ],
        }
    }

    /// The lowercase hex SHA-256 the client must send as `hmac`.
    pub(crate) fn expected(self, secret: &str, form: &HashMap<String, String>) -> String {
        let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
        let mut input = String::from(secret);
        for field in self.fields() {
            if *field == UID_OR_MOBILE {
                let uid = get("uid");
                input.push_str(if uid.is_empty() { get("mobile") } else { uid });
            } else {
                input.push_str(get(field));
            }
        }
        sha256_hex(input.as_bytes())
    }
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Base64 (standard, padded) HMAC-SHA256 of `body` keyed with `key`.
pub(crate) fn hmac_b64(key: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Constant-time check of a Base64 HMAC-SHA256 sent by a client.
pub(crate) fn verify_hmac_b64(key: &str, body: &[u8], sent: &str) -> bool {
    let Ok(sent) = STANDARD.decode(sent.trim()) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.verify_slice(&sent).is_ok()
}

/// Raw HMAC-SHA256 bytes (for the RFC 4231 check).
#[cfg(test)]
pub(crate) fn hmac_raw(key: &str, data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// PKCE S256: BASE64URL-NOPAD(SHA256(verifier)).
pub(crate) fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Constant-time string equality.
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn rfc4231_case_2() {
        // Key "Jefe", data "what do ya want for nothing?".
        let mac = hmac_raw("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify_hmac_b64(
            "Jefe",
            b"what do ya want for nothing?",
            &STANDARD.encode(&mac)
        ));
    }

    #[test]
    fn concatenation_orders() {
        // sha256("S" "C" "O" "D" "1") == sha256("SCOD1")
        let f = form(&[
            ("clientid", "C"),
            ("orgid", "O"),
            ("doctype", "D"),
            ("ts", "1"),
        ]);
        assert_eq!(HashRule::Parameters.expected("S", &f), sha256_hex(b"SCOD1"));
        assert_eq!(HashRule::Doctype.expected("S", &f), sha256_hex(b"SCO1"));
        assert_eq!(HashRule::Issuers.expected("S", &f), sha256_hex(b"SC1"));
        let v = form(&[("clientid", "C"), ("mobile", "M"), ("ts", "1")]);
        assert_eq!(HashRule::Verify.expected("S", &v), sha256_hex(b"SCM1"));
        let v = form(&[
            ("clientid", "C"),
            ("uid", "U"),
            ("mobile", "M"),
            ("ts", "1"),
        ]);
        assert_eq!(HashRule::Verify.expected("S", &v), sha256_hex(b"SCU1"));
    }
}
