//! XML signing through the independent command-line tools: keys and X.509
//! certificates from `openssl`, enveloped XMLDSig signatures from `xmlsec1`
//! (Debian packages `openssl` and `xmlsec1`).
//!
//! The sandbox signs the certificate and e-Aadhaar XML it serves this way,
//! and tests use the same functions to produce fixtures, so the SDK's
//! verifier is always graded by an implementation other than its own.
//!
//! ```no_run
//! use digilocker_sandbox::xmlsec::{SigningKey, sign};
//!
//! let key = SigningKey::self_signed("CN=Test Signer,O=Example")?;
//! let template = r#"<Doc><Signature xmlns="http://www.w3.org/2000/09/xmldsig#">…</Signature></Doc>"#;
//! let signed = sign(template, &key, &[], None)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::util::iso8601;

/// Checks that `openssl` and `xmlsec1` can be run.
pub fn check_tools() -> io::Result<()> {
    run(Command::new("openssl").arg("version"))?;
    run(Command::new("xmlsec1").arg("--version"))?;
    Ok(())
}

/// An RSA-2048 private key and its X.509 certificate, both PEM.
#[derive(Clone)]
pub struct SigningKey {
    key_pem: String,
    cert_pem: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

/// Who signs a new certificate.
#[derive(Clone, Copy, Debug)]
pub enum Issuer<'a> {
    /// The certificate's own key.
    SelfSigned,
    /// A CA's key (its certificate must be a CA certificate).
    By(&'a SigningKey),
}

impl SigningKey {
    /// A self-signed leaf certificate for `subject` (e.g.
    /// `CN=Signer,O=Example`), valid from a day ago for two years.
    pub fn self_signed(subject: &str) -> io::Result<Self> {
        let now = SystemTime::now();
        Self::generate(
            subject,
            Issuer::SelfSigned,
            now - Duration::from_secs(86_400),
            now + Duration::from_secs(2 * 365 * 86_400),
            false,
        )
    }

    /// A new key with a certificate for `subject` signed by `issuer`, valid
    /// from `not_before` to `not_after`; `ca` makes it a CA certificate.
    pub fn generate(
        subject: &str,
        issuer: Issuer<'_>,
        not_before: SystemTime,
        not_after: SystemTime,
        ca: bool,
    ) -> io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let p = |name: &str| dir.path().join(name);
        run(Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
            ])
            .arg(p("key.pem")))?;
        run(Command::new("openssl")
            .args(["req", "-new", "-subj", &openssl_subject(subject), "-key"])
            .arg(p("key.pem"))
            .arg("-out")
            .arg(p("req.pem")))?;
        std::fs::write(p("index.txt"), "")?;
        std::fs::write(p("serial"), "01\n")?;
        std::fs::write(p("ca.cnf"), ca_config(dir.path()))?;
        let mut ca_cmd = Command::new("openssl");
        ca_cmd
            .args(["ca", "-batch", "-notext", "-rand_serial", "-config"])
            .arg(p("ca.cnf"))
            .args(["-extensions", if ca { "v3_ca" } else { "v3_leaf" }])
            .args(["-startdate", &asn1_time(not_before)])
            .args(["-enddate", &asn1_time(not_after)])
            .arg("-in")
            .arg(p("req.pem"))
            .arg("-out")
            .arg(p("cert.pem"));
        match issuer {
            Issuer::SelfSigned => {
                ca_cmd.arg("-selfsign").arg("-keyfile").arg(p("key.pem"));
            }
            Issuer::By(ca_key) => {
                std::fs::write(p("issuer.pem"), &ca_key.cert_pem)?;
                std::fs::write(p("issuer-key.pem"), &ca_key.key_pem)?;
                ca_cmd
                    .arg("-cert")
                    .arg(p("issuer.pem"))
                    .arg("-keyfile")
                    .arg(p("issuer-key.pem"));
            }
        }
        run(&mut ca_cmd)?;
        Ok(Self {
            key_pem: std::fs::read_to_string(p("key.pem"))?,
            cert_pem: std::fs::read_to_string(p("cert.pem"))?,
        })
    }

    /// The certificate, PEM.
    pub fn certificate_pem(&self) -> &str {
        &self.cert_pem
    }

    /// A CRL signed by this (CA) key that revokes `revoked` (certificates
    /// it issued), made with `openssl ca -revoke` and `-gencrl`; PEM.
    pub fn crl_pem(&self, revoked: &[&SigningKey]) -> io::Result<String> {
        let dir = tempfile::tempdir()?;
        let p = |name: &str| dir.path().join(name);
        std::fs::write(p("index.txt"), "")?;
        std::fs::write(p("serial"), "01\n")?;
        // A `crlnumber` makes a version 2 CRL, as CAs issue them.
        std::fs::write(p("crlnumber"), "01\n")?;
        let config = ca_config(dir.path()).replace(
            "serial = ",
            &format!("crlnumber = {}\nserial = ", p("crlnumber").display()),
        );
        std::fs::write(p("ca.cnf"), config)?;
        std::fs::write(p("ca.pem"), &self.cert_pem)?;
        std::fs::write(p("ca-key.pem"), &self.key_pem)?;
        let ca = |cmd: &mut Command| {
            cmd.args(["ca", "-batch", "-config"])
                .arg(p("ca.cnf"))
                .arg("-cert")
                .arg(p("ca.pem"))
                .arg("-keyfile")
                .arg(p("ca-key.pem"));
        };
        for (i, cert) in revoked.iter().enumerate() {
            let path = p(&format!("revoked{i}.pem"));
            std::fs::write(&path, &cert.cert_pem)?;
            let mut cmd = Command::new("openssl");
            ca(&mut cmd);
            run(cmd.arg("-revoke").arg(&path))?;
        }
        let mut cmd = Command::new("openssl");
        ca(&mut cmd);
        run(cmd
            .args(["-gencrl", "-crldays", "30", "-out"])
            .arg(p("crl.pem")))?;
        std::fs::read_to_string(p("crl.pem"))
    }

    /// The public key, PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn public_key_pem(&self) -> io::Result<String> {
        let dir = tempfile::tempdir()?;
        let key = dir.path().join("key.pem");
        std::fs::write(&key, &self.key_pem)?;
        let out = run(Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&key))?;
        String::from_utf8(out).map_err(io::Error::other)
    }
}

/// Signs `template` with `xmlsec1 --sign`: the template carries the
/// `<Signature>` with empty `DigestValue`, `SignatureValue` and (to embed
/// certificates) `X509Certificate`; `chain` adds intermediate certificates.
/// `id` names the ID attribute and its element (e.g. `("ID", "KycRes")`)
/// for templates that reference `#id`.
pub fn sign(
    template: &str,
    key: &SigningKey,
    chain: &[&SigningKey],
    id: Option<(&str, &str)>,
) -> io::Result<String> {
    let dir = tempfile::tempdir()?;
    let p = |name: &str| dir.path().join(name);
    std::fs::write(p("key.pem"), &key.key_pem)?;
    let mut files = vec![p("key.pem"), p("cert.pem")];
    std::fs::write(p("cert.pem"), &key.cert_pem)?;
    for (i, extra) in chain.iter().enumerate() {
        let path = p(&format!("chain{i}.pem"));
        std::fs::write(&path, &extra.cert_pem)?;
        files.push(path);
    }
    std::fs::write(p("template.xml"), template)?;
    let key_files = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut cmd = Command::new("xmlsec1");
    cmd.args(["--sign", "--privkey-pem", &key_files]);
    if let Some((attr, element)) = id {
        cmd.arg(format!("--id-attr:{attr}")).arg(element);
    }
    cmd.arg("--output")
        .arg(p("signed.xml"))
        .arg(p("template.xml"));
    run(&mut cmd)?;
    std::fs::read_to_string(p("signed.xml"))
}

/// Verifies `xml` with `xmlsec1 --verify` against the certificate
/// `cert_pem` (its key alone, no chain); `id` as for [`sign`]. `Ok` means
/// `xmlsec1` accepted the signature.
pub fn xmlsec1_verify(xml: &str, cert_pem: &str, id: Option<(&str, &str)>) -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let p = |name: &str| dir.path().join(name);
    std::fs::write(p("cert.pem"), cert_pem)?;
    std::fs::write(p("doc.xml"), xml)?;
    let mut cmd = Command::new("xmlsec1");
    cmd.arg("--verify")
        .arg("--pubkey-cert-pem")
        .arg(p("cert.pem"));
    if let Some((attr, element)) = id {
        cmd.arg(format!("--id-attr:{attr}")).arg(element);
    }
    run(cmd.arg(p("doc.xml"))).map(|_| ())
}

/// `CN=a,O=b` → `/CN=a/O=b`.
fn openssl_subject(subject: &str) -> String {
    subject
        .split(',')
        .map(|part| format!("/{}", part.trim()))
        .collect()
}

/// `YYYYMMDDHHMMSSZ`, as `openssl ca -startdate` takes it.
fn asn1_time(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut stamp: String = iso8601(secs).chars().filter(char::is_ascii_digit).collect();
    stamp.push('Z');
    stamp
}

fn ca_config(dir: &Path) -> String {
    format!(
        "[ca]\ndefault_ca = sandbox\n\
         [sandbox]\ndatabase = {dir}/index.txt\nnew_certs_dir = {dir}\nserial = {dir}/serial\n\
         default_md = sha256\npolicy = any\nunique_subject = no\ncopy_extensions = none\n\
         [any]\ncommonName = supplied\norganizationName = optional\n\
         [v3_leaf]\nbasicConstraints = critical,CA:FALSE\n\
         keyUsage = critical,digitalSignature,nonRepudiation\n\
         subjectKeyIdentifier = hash\n\
         [v3_ca]\nbasicConstraints = critical,CA:TRUE\n\
         keyUsage = critical,keyCertSign,cRLSign,digitalSignature\n\
         subjectKeyIdentifier = hash\n",
        dir = dir.display()
    )
}

/// Runs `cmd`, returning its standard output; a failure names the program
/// and carries its standard error.
fn run(cmd: &mut Command) -> io::Result<Vec<u8>> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot run {program} ({e}); install the Debian packages xmlsec1 and openssl"),
        )
    })?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{program} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

/// `SignatureMethod` RSA-SHA1 (what DigiLocker uses for e-Aadhaar).
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
/// `SignatureMethod` RSA-SHA256.
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// `DigestMethod` SHA-1.
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
/// `DigestMethod` SHA-256.
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// An unsigned enveloped `<Signature>` template for [`sign`]: inclusive
/// C14N, the enveloped-signature transform, `reference_uri` (`""` for the
/// whole document, or `#id`), and an empty `X509Certificate` that `xmlsec1`
/// fills with the signer's certificate chain.
pub fn signature_template(
    signature_method: &str,
    digest_method: &str,
    reference_uri: &str,
) -> String {
    format!(
        concat!(
            r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>"#,
            r#"<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>"#,
            r#"<SignatureMethod Algorithm="{method}"/><Reference URI="{uri}"><Transforms>"#,
            r#"<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
            r#"</Transforms><DigestMethod Algorithm="{digest}"/><DigestValue/></Reference>"#,
            r#"</SignedInfo><SignatureValue/><KeyInfo><X509Data><X509Certificate/>"#,
            r#"</X509Data></KeyInfo></Signature>"#
        ),
        method = signature_method,
        digest = digest_method,
        uri = reference_uri,
    )
}

/// The subject of the sandbox's document signer.
pub(crate) const SANDBOX_SIGNER_SUBJECT: &str =
    "CN=DigiLocker Sandbox Document Signer,O=Sandbox (synthetic)";

/// The sandbox's signer: one key per process, made on first use (key
/// generation takes a moment; every sandbox of a test run shares it).
pub(crate) fn sandbox_signer() -> io::Result<&'static SigningKey> {
    static SIGNER: std::sync::OnceLock<Result<SigningKey, String>> = std::sync::OnceLock::new();
    SIGNER
        .get_or_init(|| {
            check_tools()
                .and_then(|()| SigningKey::self_signed(SANDBOX_SIGNER_SUBJECT))
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| io::Error::other(e.clone()))
}

/// Signs a document the sandbox generated (one that carries an unsigned
/// [`signature_template`]); other documents, e.g. seeded test XML, are
/// served as they are. Without the tools the template stays unsigned and a
/// warning is printed once.
pub(crate) fn sign_served(xml: Vec<u8>) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(&xml) else {
        return xml;
    };
    if !text.contains("<DigestValue/></Reference></SignedInfo><SignatureValue/>") {
        return xml;
    }
    match sandbox_signer().and_then(|key| sign(text, key, &[], None)) {
        Ok(signed) => signed.into_bytes(),
        Err(e) => {
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| eprintln!("digilocker-sandbox: serving unsigned XML: {e}"));
            xml
        }
    }
}
