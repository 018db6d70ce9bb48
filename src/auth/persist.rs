//! Explicit, opt-in serialisation of the types that hold secrets.
//!
//! [`StoredTokens`] and [`PendingAuthorization`] are deliberately not
//! `Serialize`, so a stray `serde_json::to_string` (in a log line, an API
//! response, a cookie) cannot leak a token or a PKCE verifier. Code that
//! must persist them (a server-side session, a shared store) calls the
//! `to_json_exposing_secrets` / `from_json` pair, whose name says what it
//! does. The JSON holds the secrets in clear: keep it server-side, and
//! encrypt it where it rests outside the process.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{PendingAuthorization, PkceVerifier, StoredTokens};
use crate::Error;

/// The current format version, written as `"v"`.
const FORMAT: u32 = 1;

#[derive(Serialize)]
struct TokensOut<'a> {
    v: u32,
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    expires_at_unix_ms: u64,
}

#[derive(Deserialize)]
struct TokensIn {
    v: u32,
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    expires_at_unix_ms: u64,
}

#[derive(Serialize)]
struct PendingOut<'a> {
    v: u32,
    state: &'a str,
    verifier: &'a str,
    redirect_uri: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    openid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    /// The browser-session fingerprint of a bound record (hex SHA-256).
    #[serde(skip_serializing_if = "Option::is_none")]
    binding: Option<String>,
}

#[derive(Deserialize)]
struct PendingIn {
    v: u32,
    state: String,
    verifier: String,
    redirect_uri: String,
    #[serde(default)]
    openid: bool,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    binding: Option<String>,
}

/// A decode failure without any part of the input (which holds secrets).
fn persisted_decode_error(what: &str, message: String) -> Error {
    Error::Decode {
        operation: None,
        status: None,
        message: format!("persisted {what}: {message}"),
        snippet: String::new(),
    }
}

fn check_version(what: &str, v: u32) -> Result<(), Error> {
    if v == FORMAT {
        Ok(())
    } else {
        Err(persisted_decode_error(
            what,
            format!("unsupported format version {v} (expected {FORMAT})"),
        ))
    }
}

fn decode<T: for<'de> Deserialize<'de>>(what: &str, json: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(json)
        .map_err(|e| persisted_decode_error(what, crate::error::decode_message(&e)))
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising a struct of strings and integers cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

impl StoredTokens {
    /// The tokens as JSON **with the access and refresh tokens in clear**,
    /// for a store that persists them (see [`from_json`](Self::from_json)).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use digilocker_authpartner::auth::StoredTokens;
    ///
    /// let tokens = StoredTokens {
    ///     access_token: "at".to_string().into(),
    ///     refresh_token: Some("rt".to_string().into()),
    ///     expires_at: SystemTime::now() + Duration::from_secs(3600),
    /// };
    /// let json = tokens.to_json_exposing_secrets();
    /// let back = StoredTokens::from_json(json.as_bytes())?;
    /// assert_eq!(back.expires_at_unix_ms(), tokens.expires_at_unix_ms());
    /// # Ok::<(), digilocker_authpartner::Error>(())
    /// ```
    pub fn to_json_exposing_secrets(&self) -> String {
        to_json(&TokensOut {
            v: FORMAT,
            access_token: self.access_token.expose_secret(),
            refresh_token: self.refresh_token.as_ref().map(|t| t.expose_secret()),
            expires_at_unix_ms: self.expires_at_unix_ms(),
        })
    }

    /// Tokens from the JSON of [`to_json_exposing_secrets`](Self::to_json_exposing_secrets).
    /// A malformed input is an [`Error::Decode`] that quotes none of it.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        let t: TokensIn = decode("tokens", json)?;
        check_version("tokens", t.v)?;
        Ok(Self {
            access_token: SecretString::from(t.access_token),
            refresh_token: t.refresh_token.map(SecretString::from),
            expires_at: UNIX_EPOCH + Duration::from_millis(t.expires_at_unix_ms),
        })
    }

    /// When the access token expires, in milliseconds since the UNIX epoch
    /// (0 for an instant before it).
    pub fn expires_at_unix_ms(&self) -> u64 {
        self.expires_at
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }

    /// How long until the access token expires (zero once it has).
    pub fn remaining_lifetime(&self) -> Duration {
        self.expires_at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }
}

impl PendingAuthorization {
    /// The pending authorization as JSON **with the PKCE verifier in
    /// clear**, for a server-side session or a shared store (see
    /// [`from_json`](Self::from_json)). Never send it to the browser.
    ///
    /// ```
    /// # let client = digilocker_authpartner::Client::builder("id", "secret")
    /// #     .redirect_uri("https://partner.example/callback").build()?;
    /// use digilocker_authpartner::auth::PendingAuthorization;
    ///
    /// let (_url, pending) = client.authorize_url().build()?;
    /// let json = pending.to_json_exposing_secrets();
    /// let back = PendingAuthorization::from_json(json.as_bytes())?;
    /// assert_eq!(back.state(), pending.state());
    /// # Ok::<(), digilocker_authpartner::Error>(())
    /// ```
    pub fn to_json_exposing_secrets(&self) -> String {
        self.to_json_with(None)
    }

    /// Like [`to_json_exposing_secrets`](Self::to_json_exposing_secrets),
    /// bound to the browser session that started the sign-in: only
    /// [`from_json_bound`](Self::from_json_bound) with the same binding
    /// reads it back. For pending authorizations kept in a store shared by
    /// every browser (looked up by `state`), see [`PendingStore`](super::PendingStore).
    pub fn to_json_bound(&self, binding: &super::SessionBinding) -> String {
        self.to_json_with(Some(binding.fingerprint_hex()))
    }

    fn to_json_with(&self, binding: Option<String>) -> String {
        to_json(&PendingOut {
            v: FORMAT,
            state: &self.state,
            verifier: self.verifier.secret().expose_secret(),
            redirect_uri: &self.redirect_uri,
            openid: self.openid,
            nonce: self.nonce.as_deref(),
            binding,
        })
    }

    /// A pending authorization from the JSON of
    /// [`to_json_bound`](Self::to_json_bound), if `binding` is the browser
    /// session it was bound to (compared in constant time); otherwise
    /// [`AuthError::SessionBindingMismatch`](crate::AuthError::SessionBindingMismatch).
    /// An unbound record is refused the same way.
    pub fn from_json_bound(json: &[u8], binding: &super::SessionBinding) -> Result<Self, Error> {
        let p: PendingIn = decode("pending authorization", json)?;
        let bound_to = p.binding.as_deref().unwrap_or_default();
        if !binding.matches_hex(bound_to) {
            return Err(crate::AuthError::SessionBindingMismatch.into());
        }
        Self::from_parts(p)
    }

    /// A pending authorization from the JSON of
    /// [`to_json_exposing_secrets`](Self::to_json_exposing_secrets). The
    /// verifier is checked as [`PkceVerifier::new`] does; a malformed input
    /// is an [`Error::Decode`] that quotes none of it.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        Self::from_parts(decode("pending authorization", json)?)
    }

    fn from_parts(p: PendingIn) -> Result<Self, Error> {
        check_version("pending authorization", p.v)?;
        let verifier = PkceVerifier::new(p.verifier).map_err(|e| {
            persisted_decode_error("pending authorization", format!("verifier: {}", e.reason))
        })?;
        Ok(Self {
            state: p.state,
            verifier,
            redirect_uri: p.redirect_uri,
            openid: p.openid,
            nonce: p.nonce,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: &str = "a7c3e1f09b2d4c6e8a0b1c2d3e4f5a6b";
    const RT: &str = "f0e9d8c7b6a5948372615041f2e3d4c5";

    fn tokens() -> StoredTokens {
        StoredTokens {
            access_token: AT.to_string().into(),
            refresh_token: Some(RT.to_string().into()),
            expires_at: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
        }
    }

    #[test]
    fn tokens_round_trip_with_millisecond_expiry() {
        let json = tokens().to_json_exposing_secrets();
        assert!(
            json.contains(AT) && json.contains(RT),
            "opt-in exposes them"
        );
        let back = StoredTokens::from_json(json.as_bytes()).unwrap();
        assert_eq!(back.access_token.expose_secret(), AT);
        assert_eq!(back.refresh_token.as_ref().unwrap().expose_secret(), RT);
        assert_eq!(back.expires_at_unix_ms(), 1_700_000_000_123);
    }

    #[test]
    fn malformed_input_is_typed_and_quotes_no_secret() {
        let bad = format!(r#"{{"v":1,"access_token":"{AT}","refresh_token":{RT}}}"#);
        let err = StoredTokens::from_json(bad.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        for shown in [format!("{err}"), format!("{err:?}")] {
            assert!(!shown.contains(AT) && !shown.contains(RT), "{shown}");
        }
        let future = r#"{"v":2,"access_token":"a","expires_at_unix_ms":0}"#;
        let err = StoredTokens::from_json(future.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("version 2"), "{err}");
    }

    #[test]
    fn pending_rejects_an_invalid_verifier_without_quoting_it() {
        let json = r#"{"v":1,"state":"s","verifier":"short-secret","redirect_uri":"https://x"}"#;
        let err = PendingAuthorization::from_json(json.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(!format!("{err} {err:?}").contains("short-secret"));
    }
}
