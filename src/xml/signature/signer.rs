//! The signer certificate as reported: subject, issuer, serial, validity.

use std::time::SystemTime;

use x509_cert::der::{Decode, Encode};

use super::SignatureError;

/// The certificate of the signer, as reported after verification.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignerCertificate {
    /// Subject, RFC 4514 style (e.g. `CN=DS NATIONAL E-GOVERNANCE DIVISION,O=…`).
    pub subject: String,
    /// The subject's organisation (`O=`), when it has exactly one.
    pub organization: Option<String>,
    /// Issuer, RFC 4514 style.
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// Start of the validity window (`notBefore`).
    pub not_before: SystemTime,
    /// End of the validity window (`notAfter`).
    pub not_after: SystemTime,
    /// The certificate, DER.
    pub der: Vec<u8>,
}

impl std::fmt::Debug for SignerCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignerCertificate")
            .field("subject", &self.subject)
            .field("organization", &self.organization)
            .field("issuer", &self.issuer)
            .field("serial", &self.serial)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("der", &format_args!("<{} bytes>", self.der.len()))
            .finish()
    }
}

impl SignerCertificate {
    pub(super) fn from_der(der: &[u8]) -> Result<Self, SignatureError> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| SignatureError::Malformed(format!("X.509 certificate: {e}")))?;
        let tbs = &cert.tbs_certificate;
        Ok(Self {
            subject: tbs.subject.to_string(),
            organization: organization(&tbs.subject),
            issuer: tbs.issuer.to_string(),
            serial: tbs
                .serial_number
                .as_bytes()
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect(),
            not_before: tbs.validity.not_before.to_system_time(),
            not_after: tbs.validity.not_after.to_system_time(),
            der: der.to_vec(),
        })
    }

    /// Whether `time` falls inside the validity window.
    pub fn is_valid_at(&self, time: SystemTime) -> bool {
        self.not_before <= time && time <= self.not_after
    }

    /// Fails unless `time` falls inside the validity window.
    pub(super) fn check_valid_at(&self, time: SystemTime) -> Result<(), SignatureError> {
        if time < self.not_before {
            Err(SignatureError::SignerNotYetValid {
                not_before: self.not_before,
            })
        } else if time > self.not_after {
            Err(SignatureError::SignerExpired {
                not_after: self.not_after,
            })
        } else {
            Ok(())
        }
    }
}

/// The one organisation (`O=`, OID 2.5.4.10) of `name`, as text.
fn organization(name: &x509_cert::name::Name) -> Option<String> {
    use x509_cert::der::asn1::{Ia5StringRef, ObjectIdentifier, PrintableStringRef, Utf8StringRef};
    const O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
    let mut values = name
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == O)
        .map(|atv| {
            let value = &atv.value;
            value
                .decode_as::<Utf8StringRef<'_>>()
                .map(|s| s.as_str().to_string())
                .or_else(|_| {
                    value
                        .decode_as::<PrintableStringRef<'_>>()
                        .map(|s| s.as_str().to_string())
                })
                .or_else(|_| {
                    value
                        .decode_as::<Ia5StringRef<'_>>()
                        .map(|s| s.as_str().to_string())
                })
                .ok()
        });
    match (values.next(), values.next()) {
        (Some(only), None) => only,
        _ => None,
    }
}

/// Fails if a CRL whose issuer is the signer's issuer lists the signer's
/// serial with a revocation date at or before `at`.
pub(super) fn check_not_revoked(
    signer: &SignerCertificate,
    crls: &[super::anchors::Crl],
    at: SystemTime,
) -> Result<(), SignatureError> {
    if crls.is_empty() {
        return Ok(());
    }
    let cert = x509_cert::Certificate::from_der(&signer.der)
        .map_err(|e| SignatureError::Malformed(format!("X.509 certificate: {e}")))?;
    let tbs = &cert.tbs_certificate;
    for crl in crls {
        let list = &crl.0.tbs_cert_list;
        if list.issuer != tbs.issuer {
            continue;
        }
        for revoked in list.revoked_certificates.iter().flatten() {
            let revoked_at = revoked.revocation_date.to_system_time();
            if revoked.serial_number == tbs.serial_number && revoked_at <= at {
                return Err(SignatureError::SignerRevoked { revoked_at });
            }
        }
    }
    Ok(())
}

/// The DER `SubjectPublicKeyInfo` of a certificate.
pub(super) fn spki_of(der: &[u8]) -> Result<Vec<u8>, SignatureError> {
    x509_cert::Certificate::from_der(der)
        .and_then(|c| c.tbs_certificate.subject_public_key_info.to_der())
        .map_err(|e| SignatureError::Malformed(format!("X.509 certificate: {e}")))
}

/// The leaf among the certificates of `<KeyInfo>`: the one that issued none
/// of the others (the first such, in document order).
pub(super) fn leaf_of(certs: &[Vec<u8>]) -> Result<Option<&Vec<u8>>, SignatureError> {
    let parsed = certs
        .iter()
        .map(|der| {
            x509_cert::Certificate::from_der(der)
                .map_err(|e| SignatureError::Malformed(format!("X.509 certificate: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let issued_another = |i: usize| {
        parsed.iter().enumerate().any(|(j, other)| {
            i != j
                && other.tbs_certificate.issuer == parsed[i].tbs_certificate.subject
                && other.tbs_certificate.subject != parsed[i].tbs_certificate.subject
        })
    };
    Ok((0..certs.len())
        .find(|&i| !issued_another(i))
        .map(|i| &certs[i]))
}
