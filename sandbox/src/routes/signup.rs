//! Sign-up APIs (`/signup/2/demoauth`, `/signup/1/demoauthverify`).
//! Removed from Requester v1.12 and Meri Pehchaan v2.3; fields, errors and
//! the request hash (secret + clientid + ts) come from the upstream OpenAPI.

use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{AppState, SignedCheck, check_signed, field, json as json_response, parse_multipart};
use crate::config::TestUser;
use crate::error::ApiError;
use crate::hashes::{HashRule, ct_eq};
use crate::state::{Account, Grant, PendingSignup};
use crate::util::{is_ddmmyyyy, mask, now_unix, random_token, uuid_v4};

/// How long a sign-up OTP stays valid.
const OTP_TTL: Duration = Duration::from_secs(600);

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn yes_no(v: Option<&str>) -> bool {
    matches!(v, Some("Y" | "N"))
}

fn tokens(shared: &AppState, digilockerid: &str, mobile: Option<&str>) -> Response {
    let ttl = shared.config.access_token_ttl;
    let (access, refresh) = shared.lock().new_grant(
        Grant {
            user: digilockerid.to_string(),
            openid: false,
            consent_valid_till: now_unix() + 30 * 86_400,
            acr: None,
        },
        ttl,
    );
    let mut body = json!({
        "access_token": access,
        "expires_in": ttl.as_secs(),
        "token_type": "Bearer",
        "scope": shared.config.scope,
        "refresh_token": refresh,
    });
    if let Some(m) = mobile {
        body["mobile"] = json!(mask(m, 4).replace('x', "*"));
    }
    json_response(body)
}

/// `POST /signup/2/demoauth`.
pub(crate) async fn demoauth(State(shared): State<AppState>, req: Request) -> Response {
    let form = match parse_multipart(req, |d| ApiError::invalid_parameter(&[d.to_string()])).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let mut problems = Vec::new();
    let uid = field(&form, "uid").filter(|u| digits(u, 12));
    let name = field(&form, "name");
    let dob = field(&form, "dob").filter(|d| is_ddmmyyyy(d));
    let gender = field(&form, "gender").filter(|g| matches!(*g, "M" | "F" | "T"));
    let mobile = field(&form, "mobile").filter(|m| digits(m, 10));
    let checks = [
        (uid.is_none(), "uid parameter is missing or invalid"),
        (name.is_none(), "Name parameter is missing or invalid"),
        (dob.is_none(), "Dob parameter is missing or invalid"),
        (gender.is_none(), "Gender parameter is missing or invalid"),
        (mobile.is_none(), "Mobile parameter is missing or invalid"),
        (
            !yes_no(field(&form, "verification")),
            "Verification parameter is missing or invalid",
        ),
        (
            field(&form, "consent") != Some("Y"),
            "Consent parameter is missing or invalid",
        ),
    ];
    for (bad, text) in checks {
        if bad {
            problems.push(text.to_string());
        }
    }
    if field(&form, "demoauth").is_some_and(|d| d != "Y" && d != "N") {
        problems.push("Demoauth parameter is missing or invalid".to_string());
    }
    if let Err(e) = check_signed(&shared, &form, HashRule::Signup, problems) {
        return super::signed_error(e).into_response();
    }
    let (Some(uid), Some(name), Some(dob), Some(gender), Some(mobile)) =
        (uid, name, dob, gender, mobile)
    else {
        return ApiError::code(500, "unexpected_error").into_response();
    };
    let verification = field(&form, "verification") == Some("Y");
    let demoauth_strict = field(&form, "demoauth") != Some("N");

    let mut st = shared.lock();
    if let Some(existing) = st.accounts.iter().find(|a| a.user.uid == uid) {
        // The "UIDAI" record of a known resident is the account's data.
        let u = &existing.user;
        let matches = u.name.eq_ignore_ascii_case(name) && u.dob == dob && u.gender == gender;
        if demoauth_strict && !matches {
            return ApiError::code(400, "auth_failure").into_response();
        }
        // v1.7: an existing account gets tokens, not an error.
        let id = u.digilockerid.clone();
        let m = u.mobile.clone();
        drop(st);
        return tokens(&shared, &id, Some(&m));
    }
    if st.accounts.iter().any(|a| a.user.mobile == mobile) {
        return ApiError::code(400, "mobile_exists").into_response();
    }
    let user = TestUser {
        digilockerid: uuid_v4(),
        name: name.to_string(),
        dob: dob.to_string(),
        gender: gender.to_string(),
        mobile: mobile.to_string(),
        username: String::new(),
        email: String::new(),
        uid: uid.to_string(),
        masked_aadhaar: mask(uid, 4),
        pan: String::new(),
        driving_licence: String::new(),
        eaadhaar: "N".into(),
        reference_key: random_token(32),
    };
    if verification {
        st.pending_signups.insert(
            mobile.to_string(),
            PendingSignup {
                user,
                expires: Instant::now() + OTP_TTL,
            },
        );
        drop(st);
        return json_response(json!({ "mobile": mask(mobile, 4).replace('x', "*") }));
    }
    let id = user.digilockerid.clone();
    st.accounts.push(Account::new(user));
    drop(st);
    tokens(&shared, &id, Some(mobile))
}

/// `POST /signup/1/demoauthverify` (upstream error codes: parameter_missing,
/// invalid_ts, hmac_mismatch; a wrong OTP is `invalid_otp`).
pub(crate) async fn demoauth_verify(State(shared): State<AppState>, req: Request) -> Response {
    let form = match parse_multipart(req, |_| ApiError::code(400, "parameter_missing")).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let (Some(mobile), Some(otp)) = (field(&form, "mobile"), field(&form, "otp")) else {
        return ApiError::code(400, "parameter_missing").into_response();
    };
    if field(&form, "ts").is_none()
        || field(&form, "hmac").is_none()
        || field(&form, "clientid").is_none()
    {
        return ApiError::code(400, "parameter_missing").into_response();
    }
    match check_signed(&shared, &form, HashRule::Signup, Vec::new()) {
        Ok(()) => {}
        Err(SignedCheck::BadClient) => return ApiError::invalid_client_id().into_response(),
        Err(SignedCheck::Problems(p)) => {
            let code = if p.iter().any(|t| t.starts_with("Timestamp")) {
                "invalid_ts"
            } else {
                "hmac_mismatch"
            };
            return ApiError::code(400, code).into_response();
        }
    }
    let mut st = shared.lock();
    let pending = match st.pending_signups.get(mobile) {
        Some(p) if Instant::now() < p.expires => p.clone(),
        _ => return ApiError::code(400, "invalid_otp").into_response(),
    };
    if !ct_eq(otp, &shared.config.signup_otp) {
        return ApiError::code(400, "invalid_otp").into_response();
    }
    st.pending_signups.remove(mobile);
    let id = pending.user.digilockerid.clone();
    st.accounts.push(Account::new(pending.user));
    drop(st);
    tokens(&shared, &id, None)
}
