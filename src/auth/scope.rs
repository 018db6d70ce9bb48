//! The `scope`, `acr` and `amr` values of the authorize request
//! (MeriPehchaan v2.3 p.6; scope names from Requester API Spec v1.12 p.6-7).

use std::fmt;

use crate::ValidationError;

/// One scope of the authorize request's space-separated `scope`.
///
/// The names are those a token's `scope` carries (Requester API Spec v1.12
/// p.6-7). The PDF's prose spells pull-document scopes `file.partners/PANCR`
/// while its sample responses say `partners.PANCR`; this crate sends the
/// sample spelling.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// `openid`: an id_token from the OpenID Connect token endpoint.
    OpenId,
    /// `userdetails`: Get User Details.
    UserDetails,
    /// `files.issueddocs`: the list of issued documents.
    IssuedDocuments,
    /// `files.uploadeddocs`: the list of uploaded documents.
    UploadedDocuments,
    /// `partners.<DOCTYPE>`: Pull Document for one document type, e.g. `PANCR`.
    PullDocument(String),
    /// `issued/<uri>`: Get File from URI for one document.
    IssuedDocument(String),
    /// Any other scope token, sent as is.
    Other(String),
}

impl Scope {
    /// The scope token as sent.
    pub fn as_string(&self) -> String {
        match self {
            Self::OpenId => "openid".into(),
            Self::UserDetails => "userdetails".into(),
            Self::IssuedDocuments => "files.issueddocs".into(),
            Self::UploadedDocuments => "files.uploadeddocs".into(),
            Self::PullDocument(doctype) => format!("partners.{doctype}"),
            Self::IssuedDocument(uri) => format!("issued/{uri}"),
            Self::Other(s) => s.clone(),
        }
    }

    /// Checks the value: a document type, a document URI, or an RFC 6749
    /// scope token (printable ASCII without space, `"` or `\`).
    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Self::PullDocument(doctype) => crate::validate::doctype("scope", doctype),
            Self::IssuedDocument(uri) => crate::validate::document_uri("scope", uri),
            Self::Other(s) => {
                let ok = !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
                if ok {
                    Ok(())
                } else {
                    Err(ValidationError::new(
                        "scope",
                        "must be one scope token: printable ASCII without spaces, quotes or backslashes",
                    ))
                }
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

/// The document the user verifies while signing in (`acr`); its verified
/// data arrives in the id_token, so it needs [`Scope::OpenId`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Acr {
    /// `pan`: the id_token carries `pan_number`.
    Pan,
    /// `aadhaar`: the id_token carries `masked_aadhaar`.
    Aadhaar,
    /// `driving_licence`: the id_token carries `driving_licence`.
    DrivingLicence,
}

impl Acr {
    /// The value DigiLocker expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pan => "pan",
            Self::Aadhaar => "aadhaar",
            Self::DrivingLicence => "driving_licence",
        }
    }
}

/// An authentication method offered during sign-up (`amr`); only used with
/// `dl_flow=signup`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMethod {
    /// `all`.
    All,
    /// `driving_licence`.
    DrivingLicence,
    /// `aadhaar`.
    Aadhaar,
    /// `pan`.
    Pan,
    /// `ndlemail`.
    NdlEmail,
    /// `username`.
    Username,
    /// `mobile`.
    Mobile,
    /// `other`.
    Other,
}

impl AuthMethod {
    /// The value DigiLocker expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::DrivingLicence => "driving_licence",
            Self::Aadhaar => "aadhaar",
            Self::Pan => "pan",
            Self::NdlEmail => "ndlemail",
            Self::Username => "username",
            Self::Mobile => "mobile",
            Self::Other => "other",
        }
    }
}
