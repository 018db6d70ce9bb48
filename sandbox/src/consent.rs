//! The browser's part of the consent step: open the authorize URL, let the
//! user decide (the configured [`ConsentDecision`](crate::ConsentDecision)),
//! and return the URL the browser is redirected to.

use std::fmt;
use std::time::Duration;

use reqwest::redirect::Policy;

/// How long the consent step waits for authorize (injected delays included).
const TIMEOUT: Duration = Duration::from_secs(60);

/// Why [`Sandbox::consent`](crate::Sandbox::consent) returned no callback URL.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConsentError {
    /// The URL is not an authorize URL of this sandbox; it is never requested.
    NotThisSandbox {
        /// The URL given, without its query (which holds the PKCE challenge
        /// and state).
        url: String,
    },
    /// The authorize request failed on the way (connection, I/O, no answer
    /// within 60 s).
    Http(reqwest::Error),
    /// Authorize answered without redirecting: the request was refused
    /// outright (an unknown client or redirect URI gives an error page).
    NoRedirect {
        /// The HTTP status of the answer.
        status: u16,
        /// Its body, at most 1 KiB.
        body: String,
    },
}

impl fmt::Display for ConsentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotThisSandbox { url } => {
                write!(f, "{url} is not the authorize URL of this sandbox")
            }
            Self::Http(e) => write!(f, "authorize request failed: {e}"),
            Self::NoRedirect { status, body } => {
                write!(f, "authorize answered {status} without a redirect: {body}")
            }
        }
    }
}

impl std::error::Error for ConsentError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Http(e) => Some(e),
            _ => None,
        }
    }
}

/// The authorize URL's origin and path, which must be `authorize`'s.
fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// GET `url` (an authorize URL of the sandbox at `base`, e.g.
/// `http://127.0.0.1:PORT/public`) and return the `Location` it redirects to.
pub(crate) async fn follow(base: &str, url: &str) -> Result<String, ConsentError> {
    let endpoint = format!("{base}/oauth2/1/authorize");
    if without_query(url) != endpoint {
        return Err(ConsentError::NotThisSandbox {
            url: without_query(url).to_string(),
        });
    }
    let browser = reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(TIMEOUT)
        .build()
        .map_err(ConsentError::Http)?;
    let response = browser.get(url).send().await.map_err(ConsentError::Http)?;
    let status = response.status();
    if status.is_redirection()
        && let Some(location) = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
    {
        return Ok(location.to_string());
    }
    let body = response.text().await.unwrap_or_default();
    let mut end = body.len().min(1024);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    Err(ConsentError::NoRedirect {
        status: status.as_u16(),
        body: body[..end].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::without_query;

    #[test]
    fn the_query_and_fragment_are_cut() {
        assert_eq!(without_query("http://h/p?a=1#f"), "http://h/p");
        assert_eq!(without_query("http://h/p#f?x"), "http://h/p");
        assert_eq!(without_query("http://h/p"), "http://h/p");
    }
}
