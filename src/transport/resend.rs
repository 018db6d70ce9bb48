//! What a further attempt is rebuilt from: the method, URL, headers (as
//! sent before authentication) and a reusable body, without copying the
//! whole request up front.
//!
//! Header names and values are `Bytes` underneath, so keeping them is a
//! reference count (nothing at all for the static ones the generated code
//! uses). Signed form bodies are not kept here: each attempt re-signs the
//! unsigned body the transport holds anyway. Other byte bodies (the
//! refresh grant's form) are copied once.

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Body, Method, Request, Version};
use url::Url;

use super::sign;
use crate::operations::OperationSpec;

/// The parts of a request needed to send it again.
pub(super) struct Resend {
    method: Method,
    url: Url,
    version: Version,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Bytes>,
}

impl Resend {
    /// Keeps what `request` can be rebuilt from; `None` for a streamed
    /// body, which cannot be sent twice.
    pub(super) fn keep(op: &OperationSpec, request: &Request) -> Option<Self> {
        let body = match request.body() {
            // Re-signed from the unsigned body on every attempt.
            Some(_) if sign::is_signed_form(op) => None,
            Some(body) => Some(Bytes::copy_from_slice(body.as_bytes()?)),
            None => None,
        };
        Some(Self {
            method: request.method().clone(),
            url: request.url().clone(),
            version: request.version(),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
            body,
        })
    }

    /// A new request from the kept parts (without authentication, which
    /// the transport adds to every attempt).
    pub(super) fn rebuild(&self) -> Request {
        let mut request = Request::new(self.method.clone(), self.url.clone());
        *request.version_mut() = self.version;
        let mut headers = HeaderMap::with_capacity(self.headers.len() + 1);
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        *request.headers_mut() = headers;
        *request.body_mut() = self.body.clone().map(Body::from);
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::by_id;

    #[test]
    fn a_rebuilt_request_is_the_original() {
        let op = by_id("get_access_token").expect("known operation");
        let mut original = Request::new(
            Method::POST,
            Url::parse("https://api.example/public/oauth2/1/token?x=1").unwrap(),
        );
        let h = original.headers_mut();
        h.insert("accept", HeaderValue::from_static("application/json"));
        h.append("x-twice", HeaderValue::from_static("a"));
        h.append("x-twice", HeaderValue::from_static("b"));
        *original.body_mut() = Some(Body::from("grant_type=refresh_token&refresh_token=r"));
        let kept = Resend::keep(op, &original).expect("a byte body is kept");
        for _ in 0..2 {
            let again = kept.rebuild();
            assert_eq!(again.method(), original.method());
            assert_eq!(again.url(), original.url());
            assert_eq!(again.version(), original.version());
            assert_eq!(again.headers(), original.headers());
            assert_eq!(
                again.body().and_then(Body::as_bytes),
                original.body().and_then(Body::as_bytes)
            );
        }
    }

    #[test]
    fn a_streamed_body_is_not_kept_and_a_signed_form_is_re_signed() {
        let op = by_id("get_access_token").expect("known operation");
        let mut streamed = Request::new(Method::POST, Url::parse("https://a.example/").unwrap());
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("x"))]);
        *streamed.body_mut() = Some(Body::wrap_stream(chunks));
        assert!(Resend::keep(op, &streamed).is_none());

        let signed = by_id("list_issuers").expect("known operation");
        let mut form = Request::new(Method::POST, Url::parse("https://a.example/").unwrap());
        *form.body_mut() = Some(Body::from("clientid=&ts=&hmac="));
        let kept = Resend::keep(signed, &form).expect("kept");
        assert!(kept.rebuild().body().is_none(), "the transport re-signs it");
    }
}
