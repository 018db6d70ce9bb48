//! Pull Document (`POST /oauth2/1/pull/pulldocument`) with the issuer's
//! dynamic search parameters and an explicit consent flag.

use std::collections::HashMap;

use crate::types::{PullDocumentRequest, PullDocumentRequestConsent, PullDocumentResponse};
use crate::{Client, Error, ValidationError, validate};

/// The user's answer to DigiLocker's consent text for a pull.
///
/// DigiLocker processes a pull only with consent, and the partner must show
/// the user this text (Requester API Spec v1.12 p.22) and capture the answer:
///
/// > I provide my consent to share my Aadhaar Number, Date of Birth and Name
/// > from my Aadhaar eKYC information with the *Issuer Name* for the purpose
/// > of fetching my *Certificate Name* into DigiLocker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullConsent {
    /// The user agreed (`consent=Y`).
    Yes,
    /// The user did not agree: the pull is refused before anything is sent.
    No,
}

impl From<bool> for PullConsent {
    fn from(given: bool) -> Self {
        if given { Self::Yes } else { Self::No }
    }
}

/// Form fields the request sets itself; search parameters may not reuse them.
const RESERVED: &[&str] = &["orgid", "doctype", "consent"];

/// Checks the input and builds the request body.
fn request<K, V>(
    orgid: &str,
    doctype: &str,
    params: impl IntoIterator<Item = (K, V)>,
    consent: PullConsent,
) -> Result<PullDocumentRequest, ValidationError>
where
    K: Into<String>,
    V: Into<String>,
{
    if consent != PullConsent::Yes {
        return Err(ValidationError::new(
            "consent",
            "the user has not consented to sharing their Aadhaar details with the issuer; \
             DigiLocker processes a pull only with consent",
        ));
    }
    validate::non_empty("orgid", orgid)?;
    if orgid.trim() != orgid || orgid.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "orgid",
            "must not contain whitespace at either end or control characters",
        ));
    }
    validate::doctype("doctype", doctype)?;
    let mut extra = HashMap::new();
    for (name, value) in params {
        let (name, value): (String, String) = (name.into(), value.into());
        if name.trim().is_empty() || name.trim() != name || name.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "params",
                format!(
                    "search parameter name {name:?} is empty or has stray whitespace or control characters"
                ),
            ));
        }
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&name)) {
            return Err(ValidationError::new(
                "params",
                format!(
                    "search parameter {name:?} collides with a field the request sets itself (orgid, doctype, consent)"
                ),
            ));
        }
        if value.trim().is_empty() {
            return Err(ValidationError::new(
                "params",
                format!("search parameter {name:?} has no value"),
            ));
        }
        if extra.insert(name.clone(), value).is_some() {
            return Err(ValidationError::new(
                "params",
                format!("search parameter {name:?} is given twice"),
            ));
        }
    }
    if extra.is_empty() {
        return Err(ValidationError::new(
            "params",
            "no search parameters: pass those named by get_search_parameters",
        ));
    }
    Ok(PullDocumentRequest {
        consent: PullDocumentRequestConsent::Y,
        doctype: doctype.to_string(),
        orgid: orgid.to_string(),
        extra,
    })
}

impl Client {
    /// Pulls a document from an issuer's repository into the user's issued
    /// documents: `POST /oauth2/1/pull/pulldocument`.
    ///
    /// `params` are the issuer's search parameters for `doctype`, named by
    /// the `paramname` fields of
    /// [`get_search_parameters`](Self::get_search_parameters) (e.g. `rollno`,
    /// `year`); they are sent as flat form fields next to `orgid`, `doctype`
    /// and `consent=Y`. Any `IntoIterator` of string pairs works: a
    /// `BTreeMap`, a `HashMap`, a `&BTreeMap<String, String>`, an array of
    /// tuples.
    ///
    /// Rejected before anything is sent, with an [`Error::Validation`]:
    /// [`PullConsent::No`]; an empty `orgid`; a `doctype` that is not 1–10 ASCII
    /// letters or digits; no parameters, an empty or duplicated name, an
    /// empty value, or a name that collides with `orgid`, `doctype` or
    /// `consent`. Pulls are never retried.
    ///
    /// ```no_run
    /// use digilocker_authpartner::PullConsent;
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let pulled = client
    ///     .pull_document_with(
    ///         "000018",
    ///         "HSCER",
    ///         [("rollno", "1234567"), ("year", "2019")],
    ///         PullConsent::Yes,
    ///     )
    ///     .await?;
    /// println!("now in the locker: {}", pulled.uri);
    /// # Ok(()) }
    /// ```
    pub async fn pull_document_with<K, V>(
        &self,
        orgid: &str,
        doctype: &str,
        params: impl IntoIterator<Item = (K, V)>,
        consent: PullConsent,
    ) -> Result<PullDocumentResponse, Error>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let body = request(orgid, doctype, params, consent)?;
        self.pull_document()
            .body(body)
            .send()
            .await
            .map(crate::ResponseValue::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn builds_a_flat_body() {
        let mut params = BTreeMap::new();
        params.insert("rollno".to_string(), "1234".to_string());
        params.insert("year".to_string(), "2019".to_string());
        let body = request("000018", "HSCER", &params, PullConsent::Yes).unwrap();
        assert_eq!(body.extra.len(), 2);
        let form = serde_urlencoded::to_string(&body).unwrap();
        for field in [
            "orgid=000018",
            "doctype=HSCER",
            "consent=Y",
            "rollno=1234",
            "year=2019",
        ] {
            assert!(form.split('&').any(|f| f == field), "{form}");
        }
    }

    #[test]
    fn rejects_bad_input() {
        let ok = [("rollno", "1")];
        let field = |r: Result<PullDocumentRequest, ValidationError>| r.unwrap_err().field;
        assert_eq!(
            field(request("000018", "HSCER", ok, PullConsent::No)),
            "consent"
        );
        assert_eq!(
            field(request("000018", "HSCER", ok, false.into())),
            "consent"
        );
        assert_eq!(field(request("", "HSCER", ok, PullConsent::Yes)), "orgid");
        assert_eq!(field(request(" 18", "HSCER", ok, PullConsent::Yes)), "orgid");
        assert_eq!(field(request("000018", "", ok, PullConsent::Yes)), "doctype");
        assert_eq!(
            field(request("000018", "HS CER", ok, PullConsent::Yes)),
            "doctype"
        );
        for bad in [
            vec![],
            vec![("", "1")],
            vec![("roll no ", "1")],
            vec![("orgid", "1")],
            vec![("Consent", "Y")],
            vec![("doctype", "X")],
            vec![("rollno", " ")],
            vec![("rollno", "1"), ("rollno", "2")],
        ] {
            assert_eq!(
                field(request("000018", "HSCER", bad.clone(), PullConsent::Yes)),
                "params",
                "{bad:?}"
            );
        }
    }
}
