//! Checking an id_token: header and algorithm policy, key choice, signature
//! (by `jsonwebtoken`), then `iss`, `aud`, `azp`, `exp`, `nbf`, `iat` and
//! `nonce`.

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use subtle::ConstantTimeEq;

use super::claims::{from_value, json_part, split};
use super::config::{KeySource, OidcSettings};
use super::keys::VerificationKey;
use super::{IdTokenError, VerifiedIdToken};
use crate::{AuthError, Client, Error};

impl Client {
    /// Verifies an id_token obtained elsewhere (or again) with the client's
    /// key source: RS256 (or the configured algorithms) with the key whose
    /// `kid` matches, then `iss`, `aud` (the client id), `exp`, `nbf` and
    /// `iat` within the leeway, and `nonce` when `expected_nonce` is given.
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client, id_token: &str) -> Result<(), digilocker_authpartner::Error> {
    /// let verified = client.verify_id_token(id_token, None).await?;
    /// println!("{:?} signed by {:?}", verified.claims().given_name, verified.kid());
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "oidc")]
    pub async fn verify_id_token(
        &self,
        id_token: &str,
        expected_nonce: Option<&str>,
    ) -> Result<VerifiedIdToken, Error> {
        verify(self, id_token, expected_nonce)
            .await
            .map_err(|e| AuthError::IdToken(e).into())
    }
}

/// The header values the checks need.
struct Header {
    alg: Algorithm,
    alg_name: String,
    kid: Option<String>,
}

fn header(settings: &OidcSettings, part: &str) -> Result<Header, IdTokenError> {
    let map = json_part(part, "header is not base64url JSON")?;
    let alg_name = match map.get("alg") {
        Some(serde_json::Value::String(a)) => a.clone(),
        _ => return Err(IdTokenError::Malformed("header has no alg")),
    };
    if alg_name.eq_ignore_ascii_case("none") {
        return Err(IdTokenError::AlgorithmNone);
    }
    let alg = settings
        .algorithms
        .iter()
        .find(|a| a.as_str() == alg_name)
        .map(|a| a.jose())
        .ok_or_else(|| IdTokenError::AlgorithmNotAllowed(alg_name.clone()))?;
    let kid = match map.get("kid") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(IdTokenError::Malformed("kid is not a string")),
    };
    if map.contains_key("crit") {
        return Err(IdTokenError::Malformed(
            "crit header parameters are not supported",
        ));
    }
    Ok(Header { alg, alg_name, kid })
}

async fn keys_for(
    client: &Client,
    source: &KeySource,
    kid: Option<&str>,
) -> Result<Vec<VerificationKey>, IdTokenError> {
    match source {
        KeySource::Keys(keys) => {
            let found = keys.candidates(kid);
            if found.is_empty() {
                return Err(IdTokenError::UnknownKid(kid.map(str::to_string)));
            }
            Ok(found.into_iter().cloned().collect())
        }
        KeySource::Jwks(jwks) => jwks.keys_for(client.http(), kid).await,
    }
}

fn map_error(kind: &ErrorKind, alg: &str, issuer: &str) -> IdTokenError {
    match kind {
        ErrorKind::InvalidSignature => IdTokenError::InvalidSignature,
        ErrorKind::ExpiredSignature => IdTokenError::Expired,
        ErrorKind::ImmatureSignature => IdTokenError::NotYetValid,
        ErrorKind::InvalidIssuer => IdTokenError::WrongIssuer {
            expected: issuer.to_string(),
        },
        ErrorKind::InvalidAudience => IdTokenError::WrongAudience,
        ErrorKind::MissingRequiredClaim(c) => IdTokenError::MissingClaim(match c.as_str() {
            "exp" => "exp",
            "iss" => "iss",
            "aud" => "aud",
            "sub" => "sub",
            _ => "nbf",
        }),
        ErrorKind::InvalidClaimFormat(c) => {
            IdTokenError::InvalidClaims(format!("{c} is not a number"))
        }
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::InvalidAlgorithmName => IdTokenError::AlgorithmNotAllowed(alg.to_string()),
        ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidKeyFormat => {
            IdTokenError::KeyMismatch("the key is not valid for this algorithm".into())
        }
        ErrorKind::Base64(_) | ErrorKind::Utf8(_) => {
            IdTokenError::Malformed("a part is not base64url")
        }
        ErrorKind::Json(_) => IdTokenError::Malformed("a part is not JSON"),
        _ => IdTokenError::Malformed("not a valid JWS"),
    }
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Verifies `token` with the client's settings.
pub(crate) async fn verify(
    client: &Client,
    token: &str,
    expected_nonce: Option<&str>,
) -> Result<VerifiedIdToken, IdTokenError> {
    let settings = &client.config().oidc;
    let source = settings.keys.as_ref().ok_or(IdTokenError::NoKeys)?;
    let [header_part, _, _] = split(token)?;
    let header = header(settings, header_part)?;
    let keys = keys_for(client, source, header.kid.as_deref()).await?;

    let client_id = &client.config().client_id;
    let mut validation = Validation::new(header.alg);
    validation.leeway = settings.leeway.as_secs();
    validation.validate_nbf = true;
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[client_id]);
    validation.required_spec_claims = ["exp", "iss", "aud", "sub"]
        .into_iter()
        .map(String::from)
        .collect::<HashSet<_>>();
    // Each candidate in turn: the first whose signature checks decides.
    let mut outcome = Err(IdTokenError::InvalidSignature);
    let mut fitting = 0;
    for key in &keys {
        if let Err(e) = key.check_fits(header.alg) {
            if fitting == 0 {
                outcome = Err(e);
            }
            continue;
        }
        fitting += 1;
        outcome = jsonwebtoken::decode::<serde_json::Value>(token, &key.key, &validation)
            .map_err(|e| map_error(e.kind(), &header.alg_name, &settings.issuer));
        if !matches!(outcome, Err(IdTokenError::InvalidSignature)) {
            break;
        }
    }
    let data = outcome?;
    let claims = from_value(data.claims)?;

    // jsonwebtoken checked these; they are checked again on the typed claims
    // so that the result never depends on how it parses odd shapes.
    if claims.iss != settings.issuer {
        return Err(IdTokenError::WrongIssuer {
            expected: settings.issuer.clone(),
        });
    }
    if !claims.aud.iter().any(|a| a == client_id) {
        return Err(IdTokenError::WrongAudience);
    }
    // OIDC Core 3.1.3.7: with several audiences, azp must name this client.
    if (claims.aud.len() > 1 || claims.azp.is_some())
        && claims.azp.as_deref() != Some(client_id.as_str())
    {
        return Err(IdTokenError::WrongAudience);
    }
    let leeway = i64::try_from(settings.leeway.as_secs()).unwrap_or(i64::MAX);
    if claims.iat > now_unix().saturating_add(leeway) {
        return Err(IdTokenError::IssuedInFuture);
    }
    if let Some(expected) = expected_nonce {
        let matches = claims
            .nonce
            .as_deref()
            .is_some_and(|n| bool::from(n.as_bytes().ct_eq(expected.as_bytes())));
        if !matches {
            return Err(IdTokenError::NonceMismatch);
        }
    }
    Ok(VerifiedIdToken {
        claims,
        kid: header.kid,
        alg: header.alg_name,
    })
}
