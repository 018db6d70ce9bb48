//! The HTML sign-in and consent page of `GET /oauth2/1/authorize`, and its
//! answer, `POST /oauth2/1/authorize`: Allow redirects (303) to the callback
//! with `code` and `state`, Deny with `error=access_denied` and `state`.
//!
//! A shown page waits in [`State::consent_requests`](crate::state::State)
//! under a random id, is answered at most once, and is forgotten after
//! [`SandboxConfig::consent_page_ttl`] when abandoned (a closed browser).

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::catalogue::ISSUERS;
use crate::config::{ConsentPage, SandboxConfig, TestUser};
use crate::error::ApiError;
use crate::routes::oauth::{DENIED, approve, redirect_status};
use crate::routes::{AppState, field, parse_form};
use crate::state::{AuthCode, Shared};
use crate::util::{mask, now_unix, random_token};

/// The form field naming the consent request a page answers.
const REQUEST_FIELD: &str = "consent_request";
/// The form field with the user's choice, `allow` or `deny`.
const DECISION_FIELD: &str = "decision";

/// An authorization request waiting for the user's click.
#[derive(Clone, Debug)]
pub(crate) struct ConsentRequest {
    /// The code to issue on Allow (its lifetime starts then).
    code: AuthCode,
    state: String,
    purpose: Option<String>,
    doctypes: Vec<String>,
    scopes: Vec<String>,
    expires: Instant,
}

impl ConsentRequest {
    /// The request behind a validated authorize query `q`.
    pub(crate) fn new(
        code: AuthCode,
        state: String,
        q: &HashMap<String, String>,
        cfg: &SandboxConfig,
    ) -> Self {
        let list = |name: &str, sep: char| -> Vec<String> {
            field(q, name)
                .map(|v| {
                    v.split(sep)
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        ConsentRequest {
            code,
            state,
            purpose: field(q, "purpose").map(str::to_string),
            doctypes: list("req_doctype", ','),
            scopes: list("scope", ' '),
            expires: Instant::now() + cfg.consent_page_ttl,
        }
    }
}

/// Whether this authorize request gets the page rather than the
/// programmatic decision.
pub(crate) fn wanted(mode: ConsentPage, headers: &HeaderMap) -> bool {
    match mode {
        ConsentPage::Always => true,
        ConsentPage::Never => false,
        ConsentPage::WhenBrowserAsks => headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|media| {
                media
                    .split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/html"))
            }),
    }
}

/// Keep `request` under a fresh id and answer with its page. Abandoned
/// requests past their lifetime are dropped first.
pub(crate) fn show(shared: &Shared, request: ConsentRequest) -> Response {
    let id = random_token(16);
    let markup = consent_markup(&shared.config, &id, &request);
    {
        let mut st = shared.lock();
        let now = Instant::now();
        st.consent_requests.retain(|_, r| r.expires > now);
        st.consent_requests.insert(id, request);
    }
    html_response(StatusCode::OK, markup)
}

/// `POST /oauth2/1/authorize`: the Allow or Deny button of a consent page.
pub(crate) async fn answer(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match parse_form(&headers, &body, ApiError::invalid_request) {
        Ok(form) => form,
        Err(e) => return e.into_response(),
    };
    let allow = match field(&form, DECISION_FIELD) {
        Some("allow") => true,
        Some("deny") => false,
        _ => {
            return notice(StatusCode::BAD_REQUEST, "The answer must be Allow or Deny.");
        }
    };
    let request = field(&form, REQUEST_FIELD).and_then(|id| {
        let mut st = shared.lock();
        st.consent_requests
            .remove(id)
            .filter(|r| r.expires > Instant::now())
    });
    let Some(request) = request else {
        return notice(
            StatusCode::BAD_REQUEST,
            "This consent request has expired or was already answered. \
             Go back to the partner's site and sign in again.",
        );
    };
    if allow {
        approve(&shared, request.code, &request.state, StatusCode::SEE_OTHER)
    } else {
        redirect_status(
            StatusCode::SEE_OTHER,
            &request.code.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", DENIED),
                ("state", request.state.as_str()),
            ],
        )
    }
}

fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut resp = (status, markup.into_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    resp
}

/// A page with one message, for answers that cannot redirect.
fn notice(status: StatusCode, message: &str) -> Response {
    html_response(
        status,
        layout("DigiLocker Sandbox", html! { p.notice { (message) } }),
    )
}

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (STYLE) }
            }
            body { main { (body) } }
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#eef2f7;margin:0}\
main{max-width:34rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;\
box-shadow:0 1px 4px #0002}h1{font-size:1.3rem;color:#1b3a6b}h2{font-size:1rem;margin-top:1.4rem}\
.banner{background:#fff4d6;padding:.4rem .8rem;border-radius:4px;font-size:.85rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#555}\
.buttons{display:flex;gap:1rem;margin-top:1.5rem}button{font-size:1rem;padding:.6rem 1.6rem;\
border-radius:4px;border:1px solid #1b3a6b;cursor:pointer}button.allow{background:#1b3a6b;color:#fff}\
button.deny{background:#fff;color:#1b3a6b}";

/// The sign-in and consent page.
fn consent_markup(cfg: &SandboxConfig, id: &str, request: &ConsentRequest) -> Markup {
    let user = &cfg.test_user;
    layout(
        "DigiLocker Sandbox: sign in and consent",
        html! {
            p.banner { "Sandbox: synthetic data only. No real account is involved." }
            h1 { "Sign in to DigiLocker" }
            (signed_in(user))
            h2 { "Consent" }
            p { "The partner " strong #client { (cfg.client_id) } " asks for access to:" }
            ul #documents {
                @for item in requested_items(request) { li { (item) } }
            }
            dl {
                dt { "Purpose" } dd #purpose { (purpose_label(request.purpose.as_deref())) }
                dt { "Valid for" } dd { (validity(request.code.consent_valid_till)) }
            }
            form method="post" action="authorize" {
                input type="hidden" name=(REQUEST_FIELD) value=(id);
                div.buttons {
                    button.allow #allow type="submit" name=(DECISION_FIELD) value="allow" { "Allow" }
                    button.deny #deny type="submit" name=(DECISION_FIELD) value="deny" { "Deny" }
                }
            }
        },
    )
}

fn signed_in(user: &TestUser) -> Markup {
    html! {
        dl #user {
            dt { "Signed in as" } dd #user-name { (user.name) }
            dt { "Aadhaar" } dd { (user.masked_aadhaar) }
            dt { "Mobile" } dd { (mask(&user.mobile, 4)) }
        }
    }
}

/// What the page lists as requested: each `req_doctype` with its
/// catalogue name, then what the scopes reach.
fn requested_items(request: &ConsentRequest) -> Vec<String> {
    let mut items: Vec<String> = request.doctypes.iter().map(|d| doctype_label(d)).collect();
    for scope in &request.scopes {
        let item = match scope.as_str() {
            "openid" => "Your identity (OpenID Connect sign-in)".to_string(),
            "userdetails" => "Your profile: name, date of birth, gender".to_string(),
            "files.issueddocs" => "Your issued documents".to_string(),
            "files.uploadeddocs" => "Your uploaded documents".to_string(),
            other => match other.strip_prefix("partners.") {
                Some(d) => format!("Fetching {} from its issuer", doctype_label(d)),
                None => other.to_string(),
            },
        };
        items.push(item);
    }
    if items.is_empty() {
        items.push("Your profile and the documents in your DigiLocker".to_string());
    }
    items
}

/// `HSCER: Class XII Marksheet (CBSE)`, or the bare code if the catalogue
/// does not know it.
fn doctype_label(doctype: &str) -> String {
    ISSUERS
        .iter()
        .flat_map(|i| i.doctypes.iter().map(move |d| (i, d)))
        .find(|(_, d)| d.doctype.eq_ignore_ascii_case(doctype))
        .map(|(i, d)| format!("{}: {} ({})", d.doctype, d.description, i.name))
        .unwrap_or_else(|| doctype.to_string())
}

fn purpose_label(purpose: Option<&str>) -> String {
    match purpose {
        Some("kyc") => "Know your customer (kyc)".into(),
        Some("verification") => "Verification".into(),
        Some("compliance") => "Compliance".into(),
        Some("availing_services") => "Availing services".into(),
        Some("educational") => "Educational".into(),
        Some(other) => other.into(),
        None => "Not stated".into(),
    }
}

fn validity(consent_valid_till: i64) -> String {
    let days = (consent_valid_till - now_unix()).max(0) / 86_400;
    match days {
        0 => "less than a day".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn browsers_get_the_page_other_clients_do_not() {
        let browser = accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assert!(wanted(ConsentPage::WhenBrowserAsks, &browser));
        assert!(!wanted(ConsentPage::WhenBrowserAsks, &accept("*/*")));
        assert!(!wanted(
            ConsentPage::WhenBrowserAsks,
            &accept("application/json")
        ));
        assert!(!wanted(ConsentPage::WhenBrowserAsks, &HeaderMap::new()));
        assert!(wanted(ConsentPage::Always, &HeaderMap::new()));
        assert!(!wanted(ConsentPage::Never, &browser));
    }

    #[test]
    fn requested_items_name_catalogue_documents() {
        assert_eq!(
            doctype_label("HSCER"),
            "HSCER: Class XII Marksheet (Sandbox Board of Secondary Education)"
        );
        assert_eq!(doctype_label("ZZZZZ"), "ZZZZZ");
    }
}
