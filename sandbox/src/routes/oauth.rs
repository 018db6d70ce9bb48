//! Authorization APIs: authorize, token (authorization code + PKCE,
//! refresh, device code + OTP), the OpenID Connect token endpoint and its
//! JWKS, revoke, logout and the device-code request.

use std::collections::HashMap;
use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;

use super::{AppState, field, json, parse_form};
use crate::consent_page;
use crate::error::ApiError;
use crate::faults::IdTokenFault;
use crate::hashes::{ct_eq, pkce_s256};
use crate::state::{AuthCode, ConsentDecision, DeviceCode, Grant};
use crate::util::{mask, now_unix, random_token, uuid_v4};

/// The device-code grant type (upstream OpenAPI, `DeviceAccessToken`).
pub(crate) const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// `purpose` values allowed by Requester v1.12 p.4.
const PURPOSES: &[&str] = &[
    "kyc",
    "verification",
    "compliance",
    "availing_services",
    "educational",
];

/// `acr` values (MeriPehchaan v2.3 p.6).
const ACRS: &[&str] = &["pan", "aadhaar", "driving_licence"];

/// `amr` values (MeriPehchaan v2.3 p.6).
const AMRS: &[&str] = &[
    "all",
    "driving_licence",
    "aadhaar",
    "pan",
    "ndlemail",
    "username",
    "mobile",
    "other",
];

/// Whether `s` is a scope a token can carry (Requester v1.12 p.6-7, and
/// `openid` from MeriPehchaan v2.3 p.6).
fn is_known_scope(s: &str) -> bool {
    let alnum =
        |v: &str| !v.is_empty() && v.len() <= 10 && v.bytes().all(|b| b.is_ascii_alphanumeric());
    match s {
        "openid" | "userdetails" | "files.issueddocs" | "files.uploadeddocs" => true,
        _ => {
            s.strip_prefix("partners.").is_some_and(alnum)
                || s.strip_prefix("issued/")
                    .is_some_and(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_graphic()))
        }
    }
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    redirect_status(StatusCode::FOUND, redirect_uri, params)
}

/// A redirect with `status` to `redirect_uri` with `params` added to its query.
pub(crate) fn redirect_status(
    status: StatusCode,
    redirect_uri: &str,
    params: &[(&str, &str)],
) -> Response {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{sep}{query}");
    let mut resp = status.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

fn is_unreserved(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `GET /oauth2/1/authorize`.
pub(crate) async fn authorize(
    State(shared): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let cfg = &shared.config;
    let q: HashMap<String, String> =
        match serde_urlencoded::from_str::<Vec<(String, String)>>(query.as_deref().unwrap_or("")) {
            Ok(pairs) => pairs.into_iter().collect(),
            Err(_) => {
                return ApiError::invalid_request("The query string is malformed").into_response();
            }
        };
    // Errors about the client or the redirect URI are shown, never redirected.
    match field(&q, "client_id") {
        Some(id) if ct_eq(id, &cfg.client_id) => {}
        _ => {
            return ApiError::new(
                400,
                "invalid_client",
                "The client_id parameter is missing or invalid",
            )
            .into_response();
        }
    }
    match field(&q, "redirect_uri") {
        Some(uri) if uri == cfg.redirect_uri => {}
        _ => {
            return ApiError::invalid_request(
                "The redirect_uri parameter is missing or does not match the registered redirect URI",
            )
            .into_response();
        }
    }
    let redirect = cfg.redirect_uri.as_str();
    let state = q.get("state").cloned().unwrap_or_default();
    let fail = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if !state.is_empty() {
            params.push(("state", state.as_str()));
        }
        redirect_with(redirect, &params)
    };
    if field(&q, "response_type") != Some("code") {
        return fail(
            "unsupported_response_type",
            "The response_type parameter must be code",
        );
    }
    if state.is_empty() {
        return fail("invalid_request", "The state parameter is required");
    }
    let Some(challenge) = field(&q, "code_challenge") else {
        return fail(
            "invalid_request",
            "The code_challenge parameter is required",
        );
    };
    if challenge.len() != 43 || URL_SAFE_NO_PAD.decode(challenge).map(|b| b.len()) != Ok(32) {
        return fail(
            "invalid_request",
            "The code_challenge must be BASE64URL(SHA256(code_verifier)) without padding",
        );
    }
    if field(&q, "code_challenge_method") != Some("S256") {
        return fail(
            "invalid_request",
            "The code_challenge_method parameter must be S256",
        );
    }
    if field(&q, "dl_flow").is_some_and(|f| f != "signup") {
        return fail("invalid_request", "The dl_flow parameter must be signup");
    }
    if field(&q, "purpose").is_some_and(|p| !PURPOSES.contains(&p)) {
        return fail("invalid_request", "The purpose parameter is invalid");
    }
    if field(&q, "verified_mobile")
        .is_some_and(|m| m.len() != 10 || !m.bytes().all(|b| b.is_ascii_digit()))
    {
        return fail(
            "invalid_request",
            "The verified_mobile parameter is invalid",
        );
    }
    if let Some(doctypes) = field(&q, "req_doctype") {
        let ok = doctypes.split(',').all(|d| {
            let d = d.trim();
            !d.is_empty() && d.len() <= 5 && d.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !ok {
            return fail(
                "invalid_request",
                "The req_doctype parameter must be a comma-separated list of document types",
            );
        }
    }
    let now = now_unix();
    let consent_valid_till = match field(&q, "consent_valid_till") {
        Some(v) => match v.parse::<i64>() {
            Ok(t) if t > now => t,
            _ => {
                return fail(
                    "invalid_request",
                    "The consent_valid_till parameter is invalid",
                );
            }
        },
        None => now + 30 * 86_400,
    };
    // MeriPehchaan v2.3 p.6: scope (openid), acr, amr, pla, plsignup, ulsignup.
    let scope = field(&q, "scope").unwrap_or("");
    if !scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .all(is_known_scope)
    {
        return fail("invalid_scope", "The scope parameter is invalid");
    }
    let openid = scope.split(' ').any(|s| s == "openid");
    let acr = field(&q, "acr");
    if acr.is_some_and(|a| !ACRS.contains(&a)) {
        return fail(
            "invalid_request",
            "The acr parameter must be pan, aadhaar or driving_licence",
        );
    }
    if acr.is_some() && !openid {
        return fail(
            "invalid_request",
            "The acr parameter needs scope=openid: its result is sent in the id_token",
        );
    }
    let signup = field(&q, "dl_flow") == Some("signup");
    // amr is used only with dl_flow=signup and ignored otherwise.
    if signup && field(&q, "amr").is_some_and(|m| !m.split(' ').all(|m| AMRS.contains(&m))) {
        return fail(
            "invalid_request",
            "The amr parameter must be a space-separated list of authentication methods",
        );
    }
    for flag in ["pla", "plsignup", "ulsignup"] {
        if field(&q, flag).is_some_and(|v| v != "Y") {
            return fail(
                "invalid_request",
                &format!("The {flag} parameter must be Y"),
            );
        }
    }
    let nonce = field(&q, "nonce").map(str::to_string);
    if nonce.as_deref().is_some_and(|n| n.len() > 255) {
        return fail("invalid_request", "The nonce parameter is too long");
    }

    let code = AuthCode {
        user: cfg.test_user.digilockerid.clone(),
        challenge: challenge.to_string(),
        redirect_uri: cfg.redirect_uri.clone(),
        expires: Instant::now() + cfg.code_ttl,
        openid,
        new_account: signup,
        consent_valid_till,
        acr: acr.map(str::to_string),
        nonce,
    };
    if consent_page::wanted(cfg.consent_page, &headers) {
        let request = consent_page::ConsentRequest::new(code, state.clone(), &q, cfg);
        return consent_page::show(&shared, request);
    }
    let decision = shared.lock().consent;
    match decision {
        ConsentDecision::Deny => fail("access_denied", DENIED),
        ConsentDecision::LoggedOut => fail("user_loggedout", "user"),
        ConsentDecision::Approve => approve(&shared, code, &state, StatusCode::FOUND),
    }
}

/// `error_description` of a denied authorization.
pub(crate) const DENIED: &str = "The user denied the authorization request";

/// Issue `code` (its lifetime starting now) and redirect to its redirect URI
/// with it and `state`.
pub(crate) fn approve(
    shared: &AppState,
    mut code: AuthCode,
    state: &str,
    status: StatusCode,
) -> Response {
    let value = random_token(20);
    code.expires = Instant::now() + shared.config.code_ttl;
    let redirect = code.redirect_uri.clone();
    shared.lock().codes.insert(value.clone(), code);
    redirect_status(
        status,
        &redirect,
        &[("code", value.as_str()), ("state", state)],
    )
}

/// The token response of Requester v1.12 p.6-9 (+ `id_token`, v2.3 p.8).
#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
    token_type: &'static str,
    scope: String,
    consent_valid_till: i64,
    refresh_token: String,
    digilockerid: String,
    name: String,
    dob: String,
    gender: String,
    eaadhaar: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_account: Option<&'static str>,
    reference_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

/// Client credentials from HTTP Basic or the body. `Err` on conflict.
fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(Option<String>, Option<String>), ()> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then_some(rest.trim().to_string())
        });
    let body_id = field(form, "client_id").map(str::to_string);
    let body_secret = field(form, "client_secret").map(str::to_string);
    match basic {
        Some(b64) => {
            let decoded = STANDARD.decode(b64).map_err(|_| ())?;
            let text = String::from_utf8(decoded).map_err(|_| ())?;
            let (id, secret) = text.split_once(':').ok_or(())?;
            if body_secret.is_some() || body_id.as_deref().is_some_and(|b| b != id) {
                return Err(());
            }
            Ok((Some(id.to_string()), Some(secret.to_string())))
        }
        None => Ok((body_id, body_secret)),
    }
}

/// The id_token (MeriPehchaan v2.3 p.8 sample claims), RS256.
fn id_token(
    shared: &AppState,
    user: &crate::config::TestUser,
    grant: &Grant,
    nonce: Option<&str>,
    fault: Option<IdTokenFault>,
) -> String {
    let dob = if user.dob.len() == 8 && user.dob.is_ascii() {
        format!(
            "{}/{}/{}",
            &user.dob[0..2],
            &user.dob[2..4],
            &user.dob[4..8]
        )
    } else {
        user.dob.clone()
    };
    let mut claims = serde_json::json!({
        "sub": user.username,
        "aud": shared.config.client_id,
        "given_name": user.name,
        "preferred_username": user.username,
        "email": user.email,
        "birthdate": dob,
        "gender": user.gender,
        "phone_number": user.mobile,
        "jti": uuid_v4(),
        "user_sso_id": format!("DL-{}", user.digilockerid),
        "masked_aadhaar": user.masked_aadhaar,
    });
    let map = claims.as_object_mut().expect("an object literal");
    match grant.acr.as_deref() {
        Some("pan") => {
            map.insert("pan_number".into(), user.pan.clone().into());
        }
        Some("driving_licence") => {
            map.insert(
                "driving_licence".into(),
                user.driving_licence.clone().into(),
            );
        }
        _ => {}
    }
    if let Some(acr) = &grant.acr {
        map.insert("acr".into(), acr.clone().into());
    }
    if let Some(n) = nonce {
        map.insert("nonce".into(), n.into());
    }
    let lifetime = shared.config.access_token_ttl.as_secs() as i64;
    shared.oidc.sign(std::mem::take(map), lifetime, fault)
}

/// Which token endpoint answers, and what the id_token gets.
struct IdTokenPlan<'a> {
    nonce: Option<&'a str>,
    fault: Option<IdTokenFault>,
}

fn token_response(
    shared: &AppState,
    grant: &Grant,
    access: String,
    refresh: String,
    new_account: Option<&'static str>,
    plan: IdTokenPlan<'_>,
) -> Response {
    let st = shared.lock();
    let Some(account) = st.account(&grant.user) else {
        return ApiError::code(500, "unexpected_error").into_response();
    };
    let user = account.user.clone();
    drop(st);
    let resp = TokenResponse {
        access_token: access,
        expires_in: shared.config.access_token_ttl.as_secs(),
        token_type: "Bearer",
        scope: shared.config.scope.clone(),
        consent_valid_till: grant.consent_valid_till,
        refresh_token: refresh,
        digilockerid: user.digilockerid.clone(),
        name: user.name.clone(),
        dob: user.dob.clone(),
        gender: user.gender.clone(),
        eaadhaar: user.eaadhaar.clone(),
        new_account,
        reference_key: user.reference_key.clone(),
        id_token: grant
            .openid
            .then(|| id_token(shared, &user, grant, plan.nonce, plan.fault)),
    };
    let mut r = (StatusCode::OK, axum::Json(resp)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Checks the client credentials (HTTP Basic or body) for `grant_type`.
fn check_client(
    shared: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    grant_type: &str,
) -> Result<(), ApiError> {
    let cfg = &shared.config;
    let invalid = || ApiError::code(400, "invalid_client");
    let Ok((client_id, client_secret)) = client_credentials(headers, form) else {
        return Err(invalid());
    };
    let id_ok = client_id
        .as_deref()
        .is_some_and(|id| ct_eq(id, &cfg.client_id));
    let secret_ok = client_secret
        .as_deref()
        .is_some_and(|s| ct_eq(s, &cfg.client_secret));
    // Limited-input devices cannot keep a secret: the device grant needs the
    // client id, and a secret only if one is sent.
    // The refresh grant documents only HTTP Basic (Requester v1.12 p.8).
    let in_body = field(form, "client_secret").is_some() || field(form, "client_id").is_some();
    if grant_type == "refresh_token" && in_body && !cfg.refresh_body_credentials {
        return Err(ApiError::new(
            400,
            "invalid_client",
            "The refresh grant takes the client credentials in HTTP Basic only",
        ));
    }
    let client_ok = if grant_type == DEVICE_GRANT {
        id_ok && (client_secret.is_none() || secret_ok)
    } else {
        id_ok && secret_ok
    };
    if client_ok { Ok(()) } else { Err(invalid()) }
}

/// Redeems an authorization code: single use, unexpired, same redirect URI,
/// PKCE verifier matching the challenge.
fn redeem_code(shared: &AppState, form: &HashMap<String, String>) -> Result<AuthCode, ApiError> {
    let reject = |why: &str| ApiError::invalid_grant(why);
    let Some(code) = field(form, "code") else {
        return Err(reject("The code parameter is missing"));
    };
    // A code is consumed by any redemption attempt, successful or not.
    let Some(auth) = shared.lock().codes.remove(code) else {
        return Err(reject(
            "The authorization code is invalid or has already been used",
        ));
    };
    if Instant::now() >= auth.expires {
        return Err(reject("The authorization code has expired"));
    }
    if field(form, "redirect_uri") != Some(auth.redirect_uri.as_str()) {
        return Err(reject(
            "The redirect_uri does not match the authorization request",
        ));
    }
    let Some(verifier) = field(form, "code_verifier") else {
        return Err(reject("The code_verifier parameter is missing"));
    };
    if !(43..=128).contains(&verifier.len()) || !is_unreserved(verifier) {
        return Err(reject(
            "The code_verifier must be 43-128 unreserved characters",
        ));
    }
    if !ct_eq(&pkce_s256(verifier), &auth.challenge) {
        return Err(reject(
            "The code_verifier does not match the code_challenge",
        ));
    }
    Ok(auth)
}

/// `POST /oauth2/2/token` (MeriPehchaan v2.3 p.7-8): the authorization-code
/// grant only; answers access_token, expires_in, token_type, scope,
/// consent_valid_till and, for a code requested with `openid`, the id_token.
pub(crate) async fn token_oidc(
    State(shared): State<AppState>,
    fault: Option<Extension<IdTokenFault>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = fault.map(|Extension(f)| f);
    let form = match parse_form(&headers, &body, ApiError::invalid_request) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if field(&form, "grant_type") != Some("authorization_code") {
        return ApiError::code(400, "invalid_grant_type").into_response();
    }
    if let Err(e) = check_client(&shared, &headers, &form, "authorization_code") {
        return e.into_response();
    }
    let auth = match redeem_code(&shared, &form) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let grant = Grant {
        user: auth.user.clone(),
        openid: auth.openid,
        consent_valid_till: auth.consent_valid_till,
        acr: auth.acr.clone(),
    };
    let ttl = shared.config.access_token_ttl;
    let mut st = shared.lock();
    let (access, refresh) = st.new_grant(grant.clone(), ttl);
    // This endpoint issues no refresh token (MeriPehchaan v2.3 p.7-8).
    st.refresh.remove(&refresh);
    let user = st.account(&grant.user).map(|a| a.user.clone());
    drop(st);
    let Some(user) = user else {
        return ApiError::code(500, "unexpected_error").into_response();
    };
    let mut body = serde_json::json!({
        "access_token": access,
        "expires_in": ttl.as_secs(),
        "token_type": "Bearer",
        "scope": shared.config.scope,
        "consent_valid_till": grant.consent_valid_till,
    });
    if grant.openid {
        body["id_token"] = id_token(&shared, &user, &grant, auth.nonce.as_deref(), fault).into();
    }
    let mut r = json(body);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /.well-known/jwks.json`: the id_token keys (not in the PDFs, which
/// publish no key; the sandbox's own, generated at start).
pub(crate) async fn jwks(State(shared): State<AppState>) -> Response {
    json(shared.oidc.jwks())
}

/// `GET /signin/logout/Y` (MeriPehchaan v2.3 p.13-14): ends the browser
/// session and redirects to the registered redirect URI with
/// `error=user_loggedout&error_description=user`.
pub(crate) async fn logout(State(shared): State<AppState>) -> Response {
    redirect_with(
        &shared.config.redirect_uri,
        &[("error", "user_loggedout"), ("error_description", "user")],
    )
}

/// `POST /oauth2/1/token`.
pub(crate) async fn token(
    State(shared): State<AppState>,
    fault: Option<Extension<IdTokenFault>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = fault.map(|Extension(f)| f);
    let form = match parse_form(&headers, &body, ApiError::invalid_request) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let cfg = &shared.config;
    let grant_type = field(&form, "grant_type").unwrap_or("");
    if !matches!(
        grant_type,
        "authorization_code" | "refresh_token" | DEVICE_GRANT
    ) {
        return ApiError::code(400, "invalid_grant_type").into_response();
    }
    if let Err(e) = check_client(&shared, &headers, &form, grant_type) {
        return e.into_response();
    }
    let ttl = cfg.access_token_ttl;

    match grant_type {
        "authorization_code" => {
            let auth = match redeem_code(&shared, &form) {
                Ok(a) => a,
                Err(e) => return e.into_response(),
            };
            let mut st = shared.lock();
            let grant = Grant {
                user: auth.user,
                openid: auth.openid,
                consent_valid_till: auth.consent_valid_till,
                acr: auth.acr.clone(),
            };
            let (access, refresh) = st.new_grant(grant.clone(), ttl);
            drop(st);
            let new_account = if auth.new_account { "Y" } else { "N" };
            let plan = IdTokenPlan {
                nonce: auth.nonce.as_deref(),
                fault,
            };
            token_response(&shared, &grant, access, refresh, Some(new_account), plan)
        }
        "refresh_token" => {
            let Some(old) = field(&form, "refresh_token") else {
                return ApiError::code(400, "invalid_grant").into_response();
            };
            let mut st = shared.lock();
            let Some(grant_id) = st.refresh.remove(old) else {
                // A refresh token is spent by its first use; a second use is
                // counted, and may cost the whole grant.
                if let Some(&grant) = st.spent_refresh.get(old) {
                    st.refresh_reuses += 1;
                    if cfg.revoke_grant_on_refresh_reuse {
                        st.revoke_grant(grant);
                    }
                }
                return ApiError::code(400, "invalid_grant").into_response();
            };
            st.spent_refresh.insert(old.to_string(), grant_id);
            let Some(grant) = st.grants.get(&grant_id).cloned() else {
                return ApiError::code(400, "invalid_grant").into_response();
            };
            let (access, refresh) = st.issue_pair(grant_id, ttl);
            drop(st);
            let plan = IdTokenPlan { nonce: None, fault };
            token_response(&shared, &grant, access, refresh, None, plan)
        }
        _ => {
            let (Some(device_code), Some(otp)) =
                (field(&form, "device_code"), field(&form, "dl_otp"))
            else {
                return ApiError::invalid_grant(
                    "The device_code and dl_otp parameters are required",
                )
                .into_response();
            };
            let mut st = shared.lock();
            let Some(dc) = st.device_codes.get(device_code).cloned() else {
                return ApiError::invalid_grant("The device code is invalid").into_response();
            };
            if Instant::now() >= dc.expires {
                st.device_codes.remove(device_code);
                return ApiError::invalid_grant("The device code has expired").into_response();
            }
            if !ct_eq(otp, &cfg.device_otp) {
                return ApiError::invalid_grant("The OTP is invalid").into_response();
            }
            st.device_codes.remove(device_code);
            let grant = Grant {
                user: dc.user,
                openid: false,
                consent_valid_till: now_unix() + 30 * 86_400,
                acr: None,
            };
            let (access, refresh) = st.new_grant(grant.clone(), ttl);
            drop(st);
            let plan = IdTokenPlan { nonce: None, fault };
            token_response(&shared, &grant, access, refresh, Some("N"), plan)
        }
    }
}

/// `POST /oauth2/1/revoke`: always 200 for a known client, valid or not.
pub(crate) async fn revoke(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match parse_form(&headers, &body, ApiError::invalid_request) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let cfg = &shared.config;
    let creds = client_credentials(&headers, &form);
    let ok = matches!(&creds, Ok((Some(id), Some(secret))) if ct_eq(id, &cfg.client_id) && ct_eq(secret, &cfg.client_secret));
    if !ok {
        return ApiError::code(400, "invalid_client").into_response();
    }
    let Some(token) = field(&form, "token") else {
        return ApiError::invalid_request("The token parameter is required").into_response();
    };
    // token_type_hint only orders the lookup; an invalid hint is ignored.
    let mut st = shared.lock();
    let grant = st
        .access
        .get(token)
        .map(|t| t.grant)
        .or_else(|| st.refresh.get(token).copied());
    if let Some(grant) = grant {
        st.revoke_grant(grant);
    }
    StatusCode::OK.into_response()
}

/// `POST /oauth2/1/code` (form or JSON body: client_id, response_type=device_code,
/// dl_username or dl_mobile). Removed in Requester v1.12; rules from the
/// upstream OpenAPI (`DeviceAuthorizationCode`).
pub(crate) async fn device_code(
    State(shared): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    let form: HashMap<String, String> = if is_json {
        match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body) {
            Ok(map) => map
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, v)
                })
                .collect(),
            Err(_) => {
                return ApiError::invalid_request("The JSON body is malformed").into_response();
            }
        }
    } else {
        match parse_form(&headers, &body, ApiError::invalid_request) {
            Ok(f) => f,
            Err(e) => return e.into_response(),
        }
    };
    let cfg = &shared.config;
    match field(&form, "client_id") {
        Some(id) if ct_eq(id, &cfg.client_id) => {}
        _ => return ApiError::invalid_client_id().into_response(),
    }
    if field(&form, "response_type") != Some("device_code") {
        return ApiError::code(400, "invalid_response_type").into_response();
    }
    let mut st = shared.lock();
    let user = if let Some(username) = field(&form, "dl_username") {
        match st.accounts.iter().find(|a| a.user.username == username) {
            Some(a) => a.user.clone(),
            None => return ApiError::code(400, "invalid_username").into_response(),
        }
    } else if let Some(mobile) = field(&form, "dl_mobile") {
        let matches: Vec<_> = st
            .accounts
            .iter()
            .filter(|a| a.user.mobile == mobile)
            .collect();
        match matches.len() {
            0 => return ApiError::code(400, "invalid_mobile").into_response(),
            1 => matches[0].user.clone(),
            _ => return ApiError::code(400, "multiple_mobile_accounts").into_response(),
        }
    } else {
        return ApiError::code(400, "invalid_username").into_response();
    };
    if user.mobile.is_empty() && user.email.is_empty() {
        return ApiError::code(500, "otp_error").into_response();
    }
    let code = random_token(10);
    st.device_codes.insert(
        code.clone(),
        DeviceCode {
            user: user.digilockerid.clone(),
            expires: Instant::now() + cfg.device_code_ttl,
        },
    );
    drop(st);
    let masked_email = match user.email.split_once('@') {
        Some((local, domain)) => format!("{}@{}", "x".repeat(local.chars().count()), domain),
        None => String::new(),
    };
    json(serde_json::json!({
        "device_code": code,
        "dl_masked_mobile": mask(&user.mobile, 4).to_uppercase(),
        "dl_masked_email": masked_email,
        "expires_in": cfg.device_code_ttl.as_secs(),
    }))
}
