//! Request signing: the per-endpoint request hash of the meta and signup
//! APIs, and the HMAC-SHA256 of upload and download bodies.
//!
//! The concatenation order of each signed operation is data, read from the
//! patched spec's `x-digilocker-request-hash` extension (Requester API Spec
//! v1.12, each meta API's `hmac` parameter). The form and multipart paths
//! both sign through [`request_hash`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The placeholder for the client secret in a concatenation rule.
pub(crate) const CLIENT_SECRET: &str = "client_secret";

/// Lowercase hex SHA-256 of the fields of `concat`, in order.
///
/// Each entry names a field; `client_secret` stands for the secret, and
/// `a|b` for whichever of `a` and `b` is present. An absent field
/// contributes an empty string.
pub fn request_hash<'a>(
    concat: &[&str],
    client_secret: &str,
    value_of: impl Fn(&str) -> Option<&'a str>,
) -> String {
    let mut hasher = Sha256::new();
    for entry in concat {
        let value = if *entry == CLIENT_SECRET {
            Some(client_secret)
        } else {
            entry.split('|').find_map(&value_of)
        };
        hasher.update(value.unwrap_or("").as_bytes());
    }
    // Table-driven hex into a stack buffer: `format!("{:x}")` and
    // `hex::encode` go through the formatter or a char iterator, byte by byte.
    let mut out = [0u8; 64];
    hex::encode_to_slice(hasher.finalize(), &mut out).expect("64 hex digits for 32 bytes");
    String::from_utf8_lossy(&out).into_owned()
}

/// Unix time in seconds, as the `ts` field wants it.
pub fn timestamp_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string()
}

/// Streaming HMAC-SHA256 keyed with the client secret, for upload and download bodies.
///
/// Cloning a keyed signer is cheap: the key is processed once per client.
#[derive(Clone)]
pub struct BodySigner(Hmac<Sha256>);

impl std::fmt::Debug for BodySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BodySigner(..)")
    }
}

impl BodySigner {
    /// A signer keyed with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self(Hmac::new_from_slice(secret).expect("HMAC accepts keys of any length"))
    }

    /// Feeds the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        self.0.update(chunk);
    }

    /// Base64 of the MAC, as the `hmac` header carries it.
    pub fn finish_base64(self) -> String {
        STANDARD.encode(self.0.finalize().into_bytes())
    }

    /// Checks the MAC against a Base64 `hmac` header, in constant time.
    ///
    /// Returns `None` when the header is not valid Base64.
    pub fn verify_base64(self, header: &str) -> Option<bool> {
        let expected = STANDARD.decode(header.trim()).ok()?;
        Some(self.0.verify_slice(&expected).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::by_id;

    /// RFC 4231 HMAC-SHA-256 test cases 1, 2, 3, 4, 6 and 7 (hex key, data, MAC).
    #[test]
    fn rfc4231_vectors() {
        let cases: [(Vec<u8>, Vec<u8>, &str); 6] = [
            (vec![0x0b; 20], b"Hi There".to_vec(), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (vec![0xaa; 20], vec![0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            ((1..=25).collect(), vec![0xcd; 50], "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            (vec![0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            (vec![0xaa; 131], b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ];
        for (key, data, mac_hex) in cases {
            let mut signer = BodySigner::new(&key);
            // Feed in uneven chunks: streaming must not change the result.
            for chunk in data.chunks(7) {
                signer.update(chunk);
            }
            let mac = STANDARD.decode(signer.clone().finish_base64()).unwrap();
            let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, mac_hex);
            assert_eq!(signer.verify_base64(&STANDARD.encode(&mac)), Some(true));
        }
    }

    #[test]
    fn verify_rejects_wrong_and_malformed_macs() {
        let signer = BodySigner::new(b"k");
        assert_eq!(signer.clone().verify_base64("AAAA"), Some(false));
        assert_eq!(signer.verify_base64("not base64!"), None);
    }

    fn rule(op: &str) -> &'static [&'static str] {
        by_id(op)
            .and_then(|o| o.request_hash)
            .map(|r| r.concat)
            .unwrap()
    }

    fn hash(op: &str, fields: &[(&str, &str)]) -> String {
        request_hash(rule(op), "s3cr3t", |name| {
            fields.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
        })
    }

    /// Expected values computed outside this crate from the PDF's orders, e.g.
    /// `printf '%s' 's3cr3tCLIENT11700000000' | sha256sum`.
    #[test]
    fn per_endpoint_hash_vectors_from_the_pdf() {
        let base = [("clientid", "CLIENT1"), ("ts", "1700000000")];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            v
        };
        let issuers = "24635ddfef6de38534f911fbba50ab4f8084eaa250a25a92eb5116cf20934bed";
        assert_eq!(hash("list_issuers", &base), issuers);
        assert_eq!(hash("get_statistics", &base), issuers);
        assert_eq!(
            hash("list_doctypes", &with(&[("orgid", "000018")])),
            "bcd7a838d7c9e193ffdb71a4ca990c7dd677fce813a8f6183096eb6c2a538cb0"
        );
        assert_eq!(
            hash(
                "get_search_parameters",
                &with(&[("orgid", "000018"), ("doctype", "HSCER")])
            ),
            "beb766af6526898a007fdaf08fa99ea4cf469ad58a95e78430ee19c3591cc629"
        );
        assert_eq!(
            hash("verify_account", &with(&[("uid", "999999991234")])),
            "fe2bc99dfd1dfce9eecb2270dcc401c30f175c48ce06de9546c266fcc8d2bb99"
        );
        assert_eq!(
            hash("verify_account", &with(&[("mobile", "9999900001")])),
            "30578a1b17160c0038e6e144713b145a9154bb8f949c726eff0345e7de2c5770"
        );
        let push = [
            ("digilockerid", "5a1d0c4e-0000-4000-8000-5a0d0b0c0001"),
            ("uri", "in.gov.x-INCER-1"),
            ("doctype", "INCER"),
            ("description", "Income Certificate"),
            ("docid", "1"),
            ("issuedate", "01012024"),
            ("validto", "31122030"),
            ("action", "A"),
        ];
        // validfrom is absent: it contributes an empty string.
        assert_eq!(
            hash("push_uri", &with(&push)),
            "0303e0c9b94458a8325b3f2ce9e9bdc86158573faef6d960fb65d14ef845ac06"
        );
        let push_full = [
            ("digilockerid", "dlid-1"),
            ("uri", "in.gov.x-INCER-1"),
            ("doctype", "INCER"),
            ("description", "Income Certificate"),
            ("docid", "1"),
            ("issuedate", "01012024"),
            ("validfrom", "01012024"),
            ("validto", "31122030"),
            ("action", "U"),
        ];
        assert_eq!(
            hash("push_uri", &with(&push_full)),
            "dc990d0842fa6f3d5f94aae7976248f00404222bfeaaf9aaf13856cd567dd1eb"
        );
        // MeriPehchaan v2.3 p.35: doccontent and datacontent come after ts;
        // absent, they leave the hash above unchanged.
        let pdf = ("doccontent", "JVBERi0xLjQK");
        let xml = ("datacontent", "PENlcnRpZmljYXRlLz4=");
        let mut both = with(&push_full);
        both.extend([pdf, xml]);
        assert_eq!(
            hash("push_uri", &both),
            "24a54c0e01a062e2e4dd70e43c8634b52c1f915554868979f402a6a28a27b6c8"
        );
        let mut xml_only = with(&push_full);
        xml_only.push(xml);
        assert_eq!(
            hash("push_uri", &xml_only),
            "3bdb85437aa8eede2e671a5c8f5a32317d6208bd24cc3a09f3259e3c6a4238e1"
        );
        // Sign-up: (client secret, clientid, ts), the only rule any source gives.
        assert_eq!(hash("signup", &base), issuers);
        assert_eq!(hash("verify_signup_otp", &base), issuers);
    }

    /// Every order starts with (secret, clientid) and has `ts`; after `ts`
    /// come only push URI's optional document contents (MP v2.3 p.35).
    #[test]
    fn every_signed_operation_starts_with_the_secret_and_signs_ts() {
        let signed: Vec<_> = crate::operations::OPERATIONS
            .iter()
            .filter_map(|o| o.request_hash.map(|r| (o.id, r.concat)))
            .collect();
        assert_eq!(signed.len(), 8);
        for (id, concat) in signed {
            assert_eq!(concat.first(), Some(&CLIENT_SECRET), "{id}");
            assert_eq!(concat.get(1), Some(&"clientid"), "{id}");
            let ts = concat.iter().position(|f| *f == "ts");
            let after = &concat[ts.expect(id) + 1..];
            let expected: &[&str] = match id {
                "push_uri" => &["doccontent", "datacontent"],
                _ => &[],
            };
            assert_eq!(after, expected, "{id}");
        }
    }
}
