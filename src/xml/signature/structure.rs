//! The shape rules checked before any cryptography: one signature, one
//! reference to the whole document, the signature enveloped in the signed
//! element, nothing unsigned inside it, only the allowed transforms and
//! algorithms.

use std::collections::HashMap;

use base64::Engine as _;
use uppsala::{Document, NodeId, NodeKind};

use super::algorithms::{Algorithms, Canonicalization, ENVELOPED};
use super::{AlgorithmPolicy, SignatureError};

const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Attribute local names treated as IDs (the XMLDSig library's set, less
/// SAML's `AssertionID`); `xml:id` has the local name `id`.
const ID_ATTRIBUTES: [&str; 3] = ["Id", "ID", "id"];

/// What the checks found: the parts verification and the report need.
pub(super) struct Plan {
    /// The document element, which the reference covers.
    pub root: NodeId,
    /// The one `<Signature>`, a direct child of `root`.
    pub signature: NodeId,
    /// The reference's `URI`.
    pub reference_uri: String,
    /// The declared algorithms, admitted by the policy.
    pub algorithms: Algorithms,
    /// The DER certificates of `<KeyInfo><X509Data>`, in document order.
    pub key_info_certificates: Vec<Vec<u8>>,
}

/// Checks the shape of `doc` and the algorithms it declares.
pub(super) fn inspect(
    doc: &Document<'_>,
    policy: &AlgorithmPolicy,
) -> Result<Plan, SignatureError> {
    let root = doc
        .document_element()
        .ok_or_else(|| SignatureError::Malformed("no document element".into()))?;
    let (signatures, ids) = scan(doc, root)?;
    let signature = match signatures.as_slice() {
        [] => return Err(SignatureError::MissingSignature),
        [one] => *one,
        many => {
            return Err(SignatureError::MultipleSignatures { count: many.len() });
        }
    };

    let parts = dsig_children(doc, signature)?;
    let (signed_info, mut rest) = match parts.as_slice() {
        [(si, "SignedInfo"), (_, "SignatureValue"), rest @ ..] => (*si, rest.iter()),
        _ => {
            return Err(SignatureError::Malformed(
                "Signature must start with SignedInfo and SignatureValue".into(),
            ));
        }
    };
    let key_info = match rest.next() {
        Some((ki, "KeyInfo")) => Some(*ki),
        Some((_, other)) => return Err(unsigned(other)),
        None => None,
    };
    if let Some((_, other)) = rest.next() {
        return Err(unsigned(other));
    }

    let info = dsig_children(doc, signed_info)?;
    let references: Vec<NodeId> = info
        .iter()
        .filter(|(_, name)| *name == "Reference")
        .map(|(id, _)| *id)
        .collect();
    let reference = match references.as_slice() {
        [one] => *one,
        other => return Err(SignatureError::UnexpectedReferences { count: other.len() }),
    };
    let (c14n, method) = match info.as_slice() {
        [
            (c, "CanonicalizationMethod"),
            (m, "SignatureMethod"),
            (_, "Reference"),
        ] => (*c, *m),
        _ => {
            return Err(SignatureError::Malformed(
                "SignedInfo must hold CanonicalizationMethod, SignatureMethod, Reference".into(),
            ));
        }
    };
    if !dsig_children(doc, method)?.is_empty() {
        return Err(SignatureError::DisallowedAlgorithm {
            algorithm: "SignatureMethod parameters (e.g. HMACOutputLength)".into(),
        });
    }
    let signed_info_canonicalization = canonicalization(algorithm(doc, c14n)?)?;
    let signature_method = policy.signature_method(algorithm(doc, method)?)?;

    let reference_uri = doc.get_attribute(reference, "URI").map(str::to_string);
    let target = match reference_uri.as_deref() {
        Some("") => root,
        Some(uri) => match uri.strip_prefix('#') {
            Some(id) if !id.is_empty() && !id.contains(['(', ')', '#', '/']) => ids
                .get(id)
                .copied()
                .ok_or_else(|| SignatureError::UnsupportedReference {
                    uri: Some(uri.to_string()),
                })?,
            _ => {
                return Err(SignatureError::UnsupportedReference {
                    uri: Some(uri.to_string()),
                });
            }
        },
        None => return Err(SignatureError::UnsupportedReference { uri: None }),
    };
    if target != root {
        return Err(SignatureError::SignedElementNotRoot {
            element: local_name(doc, target).to_string(),
        });
    }
    if doc.parent(signature) != Some(target) {
        return Err(SignatureError::SignatureMisplaced);
    }

    let (reference_canonicalization, digest) = reference_parts(doc, reference, policy)?;
    let key_info_certificates = match key_info {
        Some(ki) => certificates(doc, ki)?,
        None => Vec::new(),
    };
    Ok(Plan {
        root,
        signature,
        reference_uri: reference_uri.unwrap_or_default(),
        algorithms: Algorithms {
            signature: signature_method,
            digest,
            signed_info_canonicalization,
            reference_canonicalization,
        },
        key_info_certificates,
    })
}

/// Every `<ds:Signature>` under `root`, and the elements by ID (refusing
/// duplicates).
fn scan<'d>(
    doc: &'d Document<'_>,
    root: NodeId,
) -> Result<(Vec<NodeId>, HashMap<&'d str, NodeId>), SignatureError> {
    let mut signatures = Vec::new();
    let mut ids = HashMap::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let Some(element) = doc.element(node) else {
            continue;
        };
        if element.name.matches(Some(DSIG), "Signature") {
            signatures.push(node);
        }
        for attribute in &element.attributes {
            if ID_ATTRIBUTES.contains(&&*attribute.name.local_name)
                && ids.insert(&*attribute.value, node).is_some()
            {
                return Err(SignatureError::DuplicateId {
                    id: attribute.value.to_string(),
                });
            }
        }
        // Reverse, so the stack pops children in document order.
        stack.extend(doc.children_iter(node).rev());
    }
    Ok((signatures, ids))
}

/// The element children of a signature element with their local names;
/// anything outside the XMLDSig namespace is unsigned content.
fn dsig_children<'d>(
    doc: &'d Document<'_>,
    parent: NodeId,
) -> Result<Vec<(NodeId, &'d str)>, SignatureError> {
    let mut out = Vec::new();
    for child in doc.children_iter(parent) {
        match doc.node_kind(child) {
            Some(NodeKind::Element(e)) => {
                if e.name.namespace_uri.as_deref() != Some(DSIG) {
                    return Err(unsigned(&e.name.local_name));
                }
                out.push((child, &*e.name.local_name));
            }
            Some(NodeKind::Text(t) | NodeKind::CData(t)) if !t.trim().is_empty() => {
                return Err(SignatureError::Malformed(format!(
                    "unexpected text in <{}>",
                    local_name(doc, parent)
                )));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The `<Transforms>` and `<DigestMethod>` of the reference.
fn reference_parts(
    doc: &Document<'_>,
    reference: NodeId,
    policy: &AlgorithmPolicy,
) -> Result<(Option<Canonicalization>, super::DigestMethod), SignatureError> {
    let parts = dsig_children(doc, reference)?;
    let (transforms, digest) = match parts.as_slice() {
        [(t, "Transforms"), (d, "DigestMethod"), (_, "DigestValue")] => (Some(*t), *d),
        [(d, "DigestMethod"), (_, "DigestValue")] => (None, *d),
        _ => {
            return Err(SignatureError::Malformed(
                "Reference must hold Transforms, DigestMethod, DigestValue".into(),
            ));
        }
    };
    let mut chain = Vec::new();
    for (transform, name) in match transforms {
        Some(t) => dsig_children(doc, t)?,
        None => Vec::new(),
    } {
        if name != "Transform" {
            return Err(unsigned(name));
        }
        let uri = algorithm(doc, transform)?;
        if uri != ENVELOPED {
            canonicalization(uri)?;
        }
        // Only exclusive C14N's InclusiveNamespaces may be a parameter.
        let exclusive_ns = "http://www.w3.org/2001/10/xml-exc-c14n#";
        for child in doc.children_iter(transform) {
            if let Some(e) = doc.element(child)
                && !e.name.matches(Some(exclusive_ns), "InclusiveNamespaces")
            {
                return Err(SignatureError::DisallowedTransform {
                    algorithm: format!("{uri} with a <{}> parameter", e.name.local_name),
                });
            }
        }
        chain.push(uri);
    }
    let reference_canonicalization = match chain.as_slice() {
        [ENVELOPED] => None,
        [ENVELOPED, c14n] => Canonicalization::from_uri(c14n),
        other => {
            return Err(SignatureError::DisallowedTransform {
                algorithm: format!(
                    "chain [{}]; expected enveloped-signature, then at most one C14N",
                    other.join(", ")
                ),
            });
        }
    };
    if !dsig_children(doc, digest)?.is_empty() {
        return Err(SignatureError::Malformed(
            "DigestMethod takes no parameters".into(),
        ));
    }
    let digest = policy.digest_method(algorithm(doc, digest)?)?;
    Ok((reference_canonicalization, digest))
}

/// The DER certificates in `<KeyInfo><X509Data>`; other key-info forms that
/// could pull in content (`RetrievalMethod`, …) are refused.
fn certificates(doc: &Document<'_>, key_info: NodeId) -> Result<Vec<Vec<u8>>, SignatureError> {
    let mut out = Vec::new();
    for (child, name) in dsig_children(doc, key_info)? {
        match name {
            "KeyName" | "KeyValue" => {}
            "X509Data" => {
                for (item, name) in dsig_children(doc, child)? {
                    match name {
                        "X509Certificate" => {
                            let text: String = doc
                                .text_content_deep(item)
                                .chars()
                                .filter(|c| !c.is_ascii_whitespace())
                                .collect();
                            let der = base64::engine::general_purpose::STANDARD
                                .decode(text)
                                .map_err(|e| {
                                    SignatureError::Malformed(format!("X509Certificate: {e}"))
                                })?;
                            out.push(der);
                        }
                        "X509SubjectName" | "X509IssuerSerial" | "X509SKI" => {}
                        other => return Err(unsigned(other)),
                    }
                }
            }
            other => return Err(unsigned(other)),
        }
    }
    Ok(out)
}

fn canonicalization(uri: &str) -> Result<Canonicalization, SignatureError> {
    Canonicalization::from_uri(uri).ok_or_else(|| SignatureError::DisallowedTransform {
        algorithm: uri.to_string(),
    })
}

fn algorithm<'d>(doc: &'d Document<'_>, node: NodeId) -> Result<&'d str, SignatureError> {
    doc.get_attribute(node, "Algorithm").ok_or_else(|| {
        SignatureError::Malformed(format!("<{}> has no Algorithm", local_name(doc, node)))
    })
}

fn local_name<'d>(doc: &'d Document<'_>, node: NodeId) -> &'d str {
    doc.element(node)
        .map(|e| &*e.name.local_name)
        .unwrap_or_default()
}

fn unsigned(element: &str) -> SignatureError {
    SignatureError::UnsignedContent {
        element: element.to_string(),
    }
}
