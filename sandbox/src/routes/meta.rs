//! Meta APIs with multipart bodies: verify account, push URI, statistics.
//! Client credentials (clientid + ts + request hash) only; no bearer token.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::{AppState, check_signed, field, json as json_response, parse_multipart, signed_error};
use crate::catalogue;
use crate::documents;
use crate::error::ApiError;
use crate::hashes::HashRule;
use crate::state::IssuedDoc;
use crate::util::{is_ddmmyyyy, now_unix};

fn reject_body(description: &str) -> ApiError {
    ApiError::invalid_parameter(&[description.to_string()])
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `POST /account/2/verify`.
pub(crate) async fn verify(State(shared): State<AppState>, req: Request) -> Response {
    let form = match parse_multipart(req, reject_body).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let uid = field(&form, "uid");
    let mobile = field(&form, "mobile");
    let mut problems = Vec::new();
    match (uid, mobile) {
        (None, None) => {
            problems.push("Either one of uid or mobile number is mandatory".to_string())
        }
        (Some(u), _) if !digits(u, 12) => {
            problems.push("uid parameter is missing or invalid".to_string())
        }
        (None, Some(m)) if !digits(m, 10) => {
            problems.push("Mobile parameter is missing or invalid".to_string())
        }
        _ => {}
    }
    if let Err(e) = check_signed(&shared, &form, HashRule::Verify, problems) {
        return signed_error(e).into_response();
    }
    let st = shared.lock();
    let found = st.accounts.iter().find(|a| match uid {
        Some(u) => a.user.uid == u,
        None => Some(a.user.mobile.as_str()) == mobile,
    });
    let (registered, id) = match found {
        Some(a) => ("true", a.user.digilockerid.clone()),
        None => ("false", String::new()),
    };
    drop(st);
    json_response(json!({ "registered": registered, "digilockerid": id }))
}

/// `POST /account/1/pushuri`.
pub(crate) async fn push_uri(State(shared): State<AppState>, req: Request) -> Response {
    let form = match parse_multipart(req, reject_body).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let mut problems = Vec::new();
    let uri = field(&form, "uri");
    let doctype = field(&form, "doctype");
    let action = field(&form, "action");
    let parts = uri.and_then(|u| {
        let (rest, docid) = u.rsplit_once('-')?;
        let (issuerid, dt) = rest.rsplit_once('-')?;
        (!issuerid.is_empty() && !docid.is_empty()).then_some((issuerid, dt))
    });
    if parts.is_none() {
        problems.push("URI parameter is missing or invalid".to_string());
    }
    if doctype.is_none_or(|d| d.len() != 5 || !d.bytes().all(|b| b.is_ascii_alphanumeric())) {
        problems.push("Doctype parameter is missing or invalid".to_string());
    }
    if field(&form, "description").is_none() {
        problems.push("Description parameter is missing or invalid".to_string());
    }
    if field(&form, "docid").is_none() {
        problems.push("Docid parameter is missing or invalid".to_string());
    }
    if !field(&form, "issuedate").is_some_and(is_ddmmyyyy) {
        problems.push("Issuedate parameter is missing or invalid".to_string());
    }
    for optional in ["validfrom", "validto"] {
        if field(&form, optional).is_some_and(|d| !is_ddmmyyyy(d)) {
            problems.push(format!("{optional} parameter is missing or invalid"));
        }
    }
    if !matches!(action, Some("A" | "U" | "D")) {
        problems.push("Action parameter is missing or invalid".to_string());
    }
    let doccontent = match field(&form, "doccontent").map(|c| STANDARD.decode(c)) {
        Some(Ok(b)) => Some(b),
        Some(Err(_)) => {
            problems.push("doccontent parameter is missing or invalid".to_string());
            None
        }
        None => None,
    };
    let datacontent = match field(&form, "datacontent").map(|c| STANDARD.decode(c)) {
        Some(Ok(b)) => Some(b),
        Some(Err(_)) => {
            problems.push("datacontent parameter is missing or invalid".to_string());
            None
        }
        None => None,
    };
    if let Err(e) = check_signed(&shared, &form, HashRule::PushUri, problems) {
        return signed_error(e).into_response();
    }
    let (Some(uri), Some(doctype), Some(action), Some((issuerid, _))) =
        (uri, doctype, action, parts)
    else {
        return ApiError::code(500, "unexpected_error").into_response();
    };
    let digilockerid = field(&form, "digilockerid").unwrap_or("");
    let description = field(&form, "description").unwrap_or("").to_string();
    let mut st = shared.lock();
    let exists_elsewhere = st
        .accounts
        .iter()
        .any(|a| a.user.digilockerid != digilockerid && a.issued.iter().any(|d| d.uri == uri));
    let Some(account) = st.account_mut(digilockerid) else {
        return ApiError::code(404, "invalid_digilocker_id").into_response();
    };
    let existing = account.issued.iter().position(|d| d.uri == uri);
    match (action, existing) {
        ("A", Some(_)) => {
            return ApiError::invalid_parameter(&["URI already exists in this account".into()])
                .into_response();
        }
        ("A", None) if exists_elsewhere => {
            return ApiError::invalid_parameter(&["URI already exists in another account".into()])
                .into_response();
        }
        ("U" | "D", None) => {
            return ApiError::invalid_parameter(&["URI parameter is missing or invalid".into()])
                .into_response();
        }
        ("D", Some(i)) => {
            account.issued.remove(i);
        }
        _ => {
            let issuer = catalogue::issuer_by_issuerid(issuerid)
                .map(|i| i.name.to_string())
                .unwrap_or_else(|| issuerid.to_string());
            let body = doccontent.unwrap_or_else(|| {
                documents::certificate_pdf(&description, uri, &issuer, &account.user)
            });
            let doc = IssuedDoc {
                uri: uri.to_string(),
                name: description.clone(),
                doctype: doctype.to_string(),
                description: description.clone(),
                issuerid: issuerid.to_string(),
                issuer,
                date: now_unix(),
                mime: "application/pdf".into(),
                body,
                xml: datacontent,
            };
            match existing {
                Some(i) => account.issued[i] = doc,
                None => account.issued.push(doc),
            }
        }
    }
    drop(st);
    json_response(json!({}))
}

/// `POST /statistics/1/counts` (field names as in the PDF's sample response).
pub(crate) async fn statistics(State(shared): State<AppState>, req: Request) -> Response {
    let form = match parse_multipart(req, reject_body).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = check_signed(&shared, &form, HashRule::Statistics, Vec::new()) {
        return signed_error(e).into_response();
    }
    let st = shared.lock();
    let users = st.accounts.len();
    let docs: usize = st.accounts.iter().map(|a| a.issued.len()).sum();
    drop(st);
    json_response(json!({
        "users": users.to_string(),
        "authentic_documents": docs.to_string(),
        "issuers": catalogue::ISSUERS.len().to_string(),
        "requesters": "1",
        "count_as_on": crate::util::ddmmyyyy(now_unix()),
        "monthwise_registrations": [
            {"id": "1", "month": "1", "year": "2024", "count": "1"},
            {"id": "2", "month": "2", "year": "2024", "count": users.to_string()}
        ],
        "yearwise_authentic_documents": [
            {"id": "1", "year": "2023", "count": "1"},
            {"id": "2", "year": "2024", "count": docs.to_string()}
        ]
    }))
}
