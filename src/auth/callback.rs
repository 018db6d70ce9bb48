//! Parsing and checking the authorization redirect.

use secrecy::SecretString;
use subtle::ConstantTimeEq;

use super::PendingAuthorization;
use crate::{AuthError, Error, ErrorCode, ValidationError};

/// The query of the redirect DigiLocker sends the user back with.
#[derive(Clone, Debug, Default)]
pub struct Callback {
    code: Option<SecretString>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl Callback {
    /// Parses a full redirect URL (`https://partner.example/cb?code=…&state=…`)
    /// or just its query string (with or without the leading `?`).
    pub fn parse(input: &str) -> Result<Self, Error> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ValidationError::new("callback", "is empty").into());
        }
        let query = match url::Url::parse(input) {
            Ok(url) => url.query().unwrap_or("").to_string(),
            Err(_) => input.trim_start_matches('?').to_string(),
        };
        let mut cb = Self::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "code" if !v.is_empty() => cb.code = Some(SecretString::from(v.into_owned())),
                "state" => cb.state = Some(v.into_owned()),
                "error" if !v.trim().is_empty() => cb.error = Some(v.into_owned()),
                "error_description" => cb.error_description = Some(v.into_owned()),
                _ => {}
            }
        }
        Ok(cb)
    }

    /// The `state` the redirect carries.
    pub fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }

    /// The `error` code the redirect carries, if any.
    pub fn error(&self) -> Option<ErrorCode> {
        self.error.as_deref().map(ErrorCode::parse)
    }

    /// Whether this is the redirect after the user logged out
    /// (`error=user_loggedout`, MeriPehchaan v2.3 p.14): it comes after
    /// [`Client::logout_url`](crate::Client::logout_url), outside any
    /// authorization, so it has no `state` to check.
    pub fn is_logged_out(&self) -> bool {
        self.error() == Some(ErrorCode::UserLoggedout)
    }
}

impl PendingAuthorization {
    /// Checks the callback against this authorization: the state must match
    /// (compared in constant time) and the redirect must carry a code.
    ///
    /// Returns the authorization code, or a typed error: the user logged out
    /// (recognised before the state, which that redirect lacks), state
    /// mismatch, denial (`access_denied`, …) or a missing code.
    pub fn verify(&self, callback: &Callback) -> Result<SecretString, Error> {
        if callback.is_logged_out() {
            return Err(AuthError::LoggedOut {
                description: callback.error_description.clone(),
            }
            .into());
        }
        let state_ok = callback
            .state
            .as_deref()
            .is_some_and(|s| bool::from(s.as_bytes().ct_eq(self.state.as_bytes())));
        if !state_ok {
            return Err(AuthError::StateMismatch.into());
        }
        if let Some(code) = &callback.error {
            return Err(AuthError::Denied {
                code: ErrorCode::parse(code),
                description: callback.error_description.clone(),
            }
            .into());
        }
        callback
            .code
            .clone()
            .ok_or_else(|| AuthError::MissingCode.into())
    }
}
