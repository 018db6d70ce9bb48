//! Fault injection: scripted failures for the next N requests to a path.

use std::time::Duration;

/// A failure to inject. `path` is matched against the request path without
/// the `/public` prefix and before percent-decoding: exactly, or as a prefix
/// when it ends with `/` (so `"/oauth2/1/file/"` covers every download).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer `status` with `{"error": error, ...}` instead of running the handler.
    Status {
        /// Path (or prefix ending in `/`).
        path: String,
        /// How many matching requests fail.
        times: usize,
        /// HTTP status, e.g. 503.
        status: u16,
        /// Error code, e.g. `repository_service_unresponsive`.
        error: String,
    },
    /// Wait `delay` before answering.
    Delay {
        /// Path (or prefix ending in `/`).
        path: String,
        /// How long to wait.
        delay: Duration,
        /// How many matching requests are delayed.
        times: usize,
    },
    /// Send the headers (with the full Content-Length) and half of the body,
    /// then cut the connection.
    DropMidBody {
        /// Path (or prefix ending in `/`).
        path: String,
        /// How many matching requests are cut.
        times: usize,
    },
    /// Flip one byte in the middle of the body but keep the original `hmac` header.
    TamperBody {
        /// Path (or prefix ending in `/`).
        path: String,
        /// How many matching responses are tampered with.
        times: usize,
    },
    /// Remove the `hmac` response header.
    OmitHmacHeader {
        /// Path (or prefix ending in `/`).
        path: String,
        /// How many matching responses lose the header.
        times: usize,
    },
    /// Spoil the id_token of the next token responses (`/oauth2/1/token`
    /// and `/oauth2/2/token`; a response without an id_token uses one up too).
    IdToken {
        /// What is wrong with the id_token.
        fault: IdTokenFault,
        /// How many token responses are affected.
        times: usize,
    },
}

/// What [`Fault::IdToken`] does to an id_token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdTokenFault {
    /// `exp` an hour ago (and `iat` two hours ago).
    Expired,
    /// `aud` is another client's id.
    WrongAudience,
    /// `iss` is another issuer.
    WrongIssuer,
    /// `nonce` differs from the one the authorization request sent.
    WrongNonce,
    /// One character of the signature changed.
    TamperedSignature,
    /// The signing key is rotated first: the token has a new `kid`, which the
    /// JWKS publishes beside the previous key.
    RotatedKey,
    /// Signed with a throwaway key the JWKS never publishes.
    UnpublishedKey,
}

/// The token endpoints, where [`Fault::IdToken`] applies.
const TOKEN_PATHS: [&str; 2] = ["/oauth2/1/token", "/oauth2/2/token"];

impl Fault {
    fn path(&self) -> &str {
        match self {
            Fault::Status { path, .. }
            | Fault::Delay { path, .. }
            | Fault::DropMidBody { path, .. }
            | Fault::TamperBody { path, .. }
            | Fault::OmitHmacHeader { path, .. } => path,
            Fault::IdToken { .. } => "",
        }
    }

    fn times_mut(&mut self) -> &mut usize {
        match self {
            Fault::Status { times, .. }
            | Fault::Delay { times, .. }
            | Fault::DropMidBody { times, .. }
            | Fault::TamperBody { times, .. }
            | Fault::OmitHmacHeader { times, .. }
            | Fault::IdToken { times, .. } => times,
        }
    }

    fn matches(&self, path: &str) -> bool {
        if matches!(self, Fault::IdToken { .. }) {
            return TOKEN_PATHS.contains(&path);
        }
        let want = self.path();
        let want = want.strip_prefix("/public").unwrap_or(want);
        if want.ends_with('/') {
            path.starts_with(want)
        } else {
            path == want
        }
    }
}

/// What to do to one request, gathered from all matching faults.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub status: Option<(u16, String)>,
    pub delay: Option<Duration>,
    pub drop_mid_body: bool,
    pub tamper: bool,
    pub omit_hmac: bool,
    pub id_token: Option<IdTokenFault>,
}

/// Consume one use of every fault matching `path` and return the plan.
pub(crate) fn take(faults: &mut Vec<Fault>, path: &str) -> Plan {
    let mut plan = Plan::default();
    let mut seen = [false; 6];
    for fault in faults.iter_mut() {
        if *fault.times_mut() == 0 || !fault.matches(path) {
            continue;
        }
        let kind = match fault {
            Fault::Status { .. } => 0,
            Fault::Delay { .. } => 1,
            Fault::DropMidBody { .. } => 2,
            Fault::TamperBody { .. } => 3,
            Fault::OmitHmacHeader { .. } => 4,
            Fault::IdToken { .. } => 5,
        };
        if seen[kind] {
            continue;
        }
        seen[kind] = true;
        *fault.times_mut() -= 1;
        match fault {
            Fault::Status { status, error, .. } => plan.status = Some((*status, error.clone())),
            Fault::Delay { delay, .. } => plan.delay = Some(*delay),
            Fault::DropMidBody { .. } => plan.drop_mid_body = true,
            Fault::TamperBody { .. } => plan.tamper = true,
            Fault::OmitHmacHeader { .. } => plan.omit_hmac = true,
            Fault::IdToken { fault, .. } => plan.id_token = Some(*fault),
        }
    }
    faults.retain_mut(|f| *f.times_mut() > 0);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_and_consumption() {
        let mut faults = vec![
            Fault::Status {
                path: "/oauth2/1/user".into(),
                times: 2,
                status: 503,
                error: "repository_service_unresponsive".into(),
            },
            Fault::TamperBody {
                path: "/public/oauth2/1/file/".into(),
                times: 1,
            },
        ];
        assert!(take(&mut faults, "/oauth2/1/user").status.is_some());
        assert!(take(&mut faults, "/oauth2/1/users").status.is_none());
        assert!(take(&mut faults, "/oauth2/1/file/in.gov.x-ABCDE-1").tamper);
        assert!(!take(&mut faults, "/oauth2/1/file/in.gov.x-ABCDE-1").tamper);
        assert!(take(&mut faults, "/oauth2/1/user").status.is_some());
        assert!(faults.is_empty());
    }

    #[test]
    fn id_token_faults_apply_to_the_token_endpoints_only() {
        let mut faults = vec![Fault::IdToken {
            fault: IdTokenFault::Expired,
            times: 2,
        }];
        assert_eq!(take(&mut faults, "/oauth2/1/authorize").id_token, None);
        assert_eq!(
            take(&mut faults, "/oauth2/2/token").id_token,
            Some(IdTokenFault::Expired)
        );
        assert_eq!(
            take(&mut faults, "/oauth2/1/token").id_token,
            Some(IdTokenFault::Expired)
        );
        assert!(faults.is_empty());
    }
}
