//! The synthetic issuer catalogue: issuers, their document types and each
//! document type's search parameters. A pull succeeds when every search
//! parameter equals its `example` value (the record the issuer "holds").

/// One search parameter of a document type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Param {
    pub label: &'static str,
    pub paramname: &'static str,
    pub valuelist: Option<&'static str>,
    pub example: &'static str,
}

/// One document type an issuer provides.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DocType {
    pub doctype: &'static str,
    pub description: &'static str,
    pub params: &'static [Param],
    /// Whether the issuer also provides certificate XML.
    pub xml: bool,
}

/// One issuer organisation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Issuer {
    pub orgid: &'static str,
    pub issuerid: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    pub doctypes: &'static [DocType],
    /// An issuer whose repository is down: pulls answer
    /// `repository_service_configerror`.
    pub offline: bool,
}

const ROLL_YEAR: &[Param] = &[
    Param {
        label: "Roll Number",
        paramname: "rollno",
        valuelist: None,
        example: "9100001",
    },
    Param {
        label: "Year",
        paramname: "year",
        valuelist: Some("2019,2020,2021,2022,2023"),
        example: "2021",
    },
];

/// The catalogue served by the pull/meta APIs.
pub(crate) const ISSUERS: &[Issuer] = &[
    Issuer {
        orgid: "000018",
        issuerid: "in.gov.cbse",
        name: "Sandbox Board of Secondary Education",
        category: "Education,Central Government",
        description: "Synthetic board issuing mark sheets for sandbox testing.",
        doctypes: &[
            DocType {
                doctype: "HSCER",
                description: "Class XII Marksheet",
                params: ROLL_YEAR,
                xml: true,
            },
            DocType {
                doctype: "SSCER",
                description: "Class X Marksheet",
                params: ROLL_YEAR,
                xml: true,
            },
        ],
        offline: false,
    },
    Issuer {
        orgid: "000042",
        issuerid: "in.gov.transport",
        name: "Sandbox Transport Department",
        category: "Central Government",
        description: "Synthetic transport department issuing licences and registrations.",
        doctypes: &[
            DocType {
                doctype: "DRVLC",
                description: "Driving License",
                params: &[Param {
                    label: "Driving Licence Number",
                    paramname: "dlno",
                    valuelist: None,
                    example: "SB0120230000001",
                }],
                xml: true,
            },
            DocType {
                doctype: "RVCER",
                description: "Registration of Vehicles",
                params: &[
                    Param {
                        label: "Registration Number",
                        paramname: "reg_no",
                        valuelist: None,
                        example: "SB01AB0001",
                    },
                    Param {
                        label: "Chassis Number (last 5 characters)",
                        paramname: "chasis_no",
                        valuelist: None,
                        example: "12345",
                    },
                ],
                xml: false,
            },
        ],
        offline: false,
    },
    Issuer {
        orgid: "000101",
        issuerid: "in.gov.sandboxstate",
        name: "Sandbox State eDistrict",
        category: "State Government",
        description: "Synthetic state e-District issuing income and birth certificates.",
        doctypes: &[
            DocType {
                doctype: "INCER",
                description: "Income Certificate",
                params: &[Param {
                    label: "Application Number",
                    paramname: "appno",
                    valuelist: None,
                    example: "INC0000001",
                }],
                xml: true,
            },
            DocType {
                doctype: "BTCER",
                description: "Birth Certificate",
                params: &[Param {
                    label: "Registration Number",
                    paramname: "regno",
                    valuelist: None,
                    example: "BR0000001",
                }],
                xml: false,
            },
        ],
        offline: false,
    },
    Issuer {
        orgid: "000999",
        issuerid: "in.gov.sandboxoffline",
        name: "Sandbox Offline Registry",
        category: "State Government",
        description: "Synthetic issuer whose repository is always unavailable.",
        doctypes: &[DocType {
            doctype: "OFFCR",
            description: "Offline Certificate",
            params: &[Param {
                label: "Certificate Number",
                paramname: "certno",
                valuelist: None,
                example: "OFF0000001",
            }],
            xml: false,
        }],
        offline: true,
    },
];

/// The issuer with this orgid.
pub(crate) fn issuer_by_orgid(orgid: &str) -> Option<&'static Issuer> {
    ISSUERS.iter().find(|i| i.orgid == orgid)
}

/// The issuer with this issuer id (the URI prefix).
pub(crate) fn issuer_by_issuerid(issuerid: &str) -> Option<&'static Issuer> {
    ISSUERS.iter().find(|i| i.issuerid == issuerid)
}

/// The document type `doctype` of `issuer`.
pub(crate) fn doctype_of(issuer: &Issuer, doctype: &str) -> Option<&'static DocType> {
    issuer.doctypes.iter().find(|d| d.doctype == doctype)
}

/// Scope granted by default: everything the sandbox checks.
pub(crate) fn default_scope() -> String {
    let mut scope = vec![
        "openid".to_string(),
        "userdetails".to_string(),
        "files.issueddocs".to_string(),
        "files.uploadeddocs".to_string(),
    ];
    for issuer in ISSUERS {
        for d in issuer.doctypes {
            let s = format!("partners.{}", d.doctype);
            if !scope.contains(&s) {
                scope.push(s);
            }
        }
    }
    scope.join(" ")
}
