//! Who may sign what under a CA root: a chain to a root proves who signed,
//! not that the signer speaks for the issuer the document names. India's
//! CCA hierarchy sells Class-3 signing certificates to individuals, so in
//! root mode every document also needs a [`SignerRule`] that allows its
//! signer for what it claims.

use std::fmt;
use std::sync::Arc;

use super::SignerCertificate;

/// What a signed document says about itself, read from the signed content
/// (attributes only, so comments cannot change it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedClaims {
    /// The local name of the document element, e.g. `Certificate` or
    /// `KycRes`.
    pub element: String,
    /// The document element's `type` (a certificate's document type, e.g.
    /// `INCER`).
    pub doc_type: Option<String>,
    /// `IssuedBy/Organization/@code`: the issuer the document names, when
    /// it names exactly one.
    pub issuer_code: Option<String>,
    /// `IssuedBy/Organization/@name`, under the same condition.
    pub issuer_name: Option<String>,
}

type Predicate = dyn Fn(&SignerCertificate, &SignedClaims) -> bool + Send + Sync;

/// A rule of root mode ([`TrustAnchors::add_root_pem`](super::TrustAnchors::add_root_pem)):
/// which signer may sign which documents. A document whose signer chains
/// to a root verifies only if a rule allows that signer for what the
/// document claims; the report names the rule
/// ([`SignatureReport::signer_rule`](super::SignatureReport::signer_rule)).
///
/// ```
/// use digilocker_authpartner::xml::signature::SignerRule;
///
/// // The state revenue department's own signing certificates (O=…) sign
/// // its certificates, and nothing else.
/// let revenue = SignerRule::organization_for_issuer("Revenue Department", "in.gov.revenue");
/// // Anything finer: a predicate over the signer and the document.
/// let marks = SignerRule::new("board signs mark sheets", |signer, doc| {
///     signer.organization.as_deref() == Some("Example Board")
///         && doc.issuer_code.as_deref() == Some("in.example.board")
///         && doc.doc_type.as_deref() == Some("HSCER")
/// });
/// assert_eq!(marks.name(), "board signs mark sheets");
/// # let _ = revenue;
/// ```
#[derive(Clone)]
pub struct SignerRule {
    name: String,
    allows: Arc<Predicate>,
}

impl fmt::Debug for SignerRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SignerRule").field(&self.name).finish()
    }
}

impl SignerRule {
    /// A rule named `name` allowing what `allows` returns `true` for.
    pub fn new(
        name: impl Into<String>,
        allows: impl Fn(&SignerCertificate, &SignedClaims) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            allows: Arc::new(allows),
        }
    }

    /// Signers whose certificate subject has the organisation (`O=`)
    /// `organization` may sign documents naming the issuer code
    /// `issuer_code` (`IssuedBy/Organization/@code`). Both compare exactly.
    pub fn organization_for_issuer(
        organization: impl Into<String>,
        issuer_code: impl Into<String>,
    ) -> Self {
        let (organization, code) = (organization.into(), issuer_code.into());
        Self::new(
            format!("O={organization} signs for issuer {code}"),
            move |signer, doc| {
                signer.organization.as_deref() == Some(organization.as_str())
                    && doc.issuer_code.as_deref() == Some(code.as_str())
            },
        )
    }

    /// The signer with exactly this subject (RFC 4514, as in
    /// [`SignerCertificate::subject`]) may sign documents naming the issuer
    /// code `issuer_code`.
    pub fn subject_for_issuer(subject: impl Into<String>, issuer_code: impl Into<String>) -> Self {
        let (subject, code) = (subject.into(), issuer_code.into());
        Self::new(
            format!("{subject} signs for issuer {code}"),
            move |signer, doc| {
                signer.subject == subject && doc.issuer_code.as_deref() == Some(code.as_str())
            },
        )
    }

    /// The signer with exactly this subject may sign documents whose
    /// document element is `element` (e.g. `KycRes` for a bare e-Aadhaar).
    pub fn subject_for_element(subject: impl Into<String>, element: impl Into<String>) -> Self {
        let (subject, element) = (subject.into(), element.into());
        Self::new(
            format!("{subject} signs <{element}>"),
            move |signer, doc| signer.subject == subject && doc.element == element,
        )
    }

    /// The rule's name, as reported.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(super) fn allows(&self, signer: &SignerCertificate, doc: &SignedClaims) -> bool {
        (self.allows)(signer, doc)
    }
}

/// The claims of the signed element `root`. An element or attribute that
/// appears more than once (by local name) gives no claim.
pub(super) fn claims_of(doc: &uppsala::Document<'_>, root: uppsala::NodeId) -> SignedClaims {
    let element = |node| doc.element(node);
    let children = |node, name: &'static str| {
        doc.children_iter(node)
            .filter(move |&n| element(n).is_some_and(|e| &*e.name.local_name == name))
            .collect::<Vec<_>>()
    };
    let organization = match children(root, "IssuedBy").as_slice() {
        [issued_by] => match children(*issued_by, "Organization").as_slice() {
            [org] => element(*org),
            _ => None,
        },
        _ => None,
    };
    // Exactly one attribute of that local name, whatever its prefix: a
    // `p:code` next to `code` must not let the rule read one and the
    // document parser the other.
    let attribute = |e: Option<&uppsala::Element<'_>>, name: &str| {
        let mut found = e?.attributes.iter().filter(|a| &*a.name.local_name == name);
        match (found.next(), found.next()) {
            (Some(only), None) if !only.value.is_empty() => Some(only.value.to_string()),
            _ => None,
        }
    };
    let root_element = element(root);
    SignedClaims {
        element: root_element
            .map(|e| e.name.local_name.to_string())
            .unwrap_or_default(),
        doc_type: attribute(root_element, "type"),
        issuer_code: attribute(organization, "code"),
        issuer_name: attribute(organization, "name"),
    }
}
