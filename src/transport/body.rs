//! Bounded reading of response bodies, JSON decoding, and the mapping of
//! error responses into [`Error::Api`].

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use crate::error::{Secrets, from_reqwest};
use crate::operations::OperationSpec;
use crate::{Client, Error, ErrorCode, ResponseValue};

/// Reads the whole body, failing with [`Error::ResponseTooLarge`] as soon as
/// it (or its announced `Content-Length`) exceeds `limit` bytes: nothing
/// past the limit is read.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    op: &'static str,
) -> Result<Bytes, Error> {
    let status = response.status().as_u16();
    let too_large = || Error::ResponseTooLarge {
        operation: op,
        status,
        limit: limit as u64,
    };
    let announced = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut next = async || {
        response
            .chunk()
            .await
            .map_err(|e| from_reqwest(e, Some(op)))
    };
    // A body that arrives in one chunk (the usual JSON answer) is
    // returned as it is, without a copy.
    let Some(first) = next().await? else {
        return Ok(Bytes::new());
    };
    if first.len() > limit {
        return Err(too_large());
    }
    let Some(mut chunk) = next().await? else {
        return Ok(first);
    };
    // Pre-sized from Content-Length (already checked against the limit).
    let capacity = announced.map_or(0, |n| usize::try_from(n).unwrap_or(0).min(limit));
    let mut body = BytesMut::with_capacity(capacity.max(first.len()));
    body.extend_from_slice(&first);
    loop {
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
        match next().await? {
            Some(more) => chunk = more,
            None => return Ok(body.freeze()),
        }
    }
}

/// Decodes a successful JSON response (bounded by the client's JSON limit).
/// An empty body decodes as `null`, so optional or empty responses work.
pub(crate) async fn decode_json<T: DeserializeOwned>(
    client: &Client,
    response: reqwest::Response,
    op: &'static OperationSpec,
) -> Result<ResponseValue<T>, Error> {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = read_limited(response, client.config().limits.json, op.id).await?;
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        &bytes
    };
    serde_json::from_slice(text)
        .map(|inner| ResponseValue::new(inner, status, headers))
        .map_err(|e| Error::decode(Some(op.id), Some(status.as_u16()), &bytes, &e))
}

/// A status the spec does not describe for this operation (1xx, 3xx, an
/// undeclared 2xx).
pub(crate) fn unexpected_status(response: reqwest::Response, op: &'static OperationSpec) -> Error {
    Error::Decode {
        operation: Some(op.id),
        status: Some(response.status().as_u16()),
        message: "status not described by the spec".into(),
        snippet: String::new(),
    }
}

/// Reads an error response (bounded by the client's error-body limit) into
/// [`Error::Api`]. A body that is not `{error, error_description}` (a
/// gateway's HTML page, an empty 502) keeps its status with an empty code.
/// Every secret the client knows, and anything token-like, is masked in the
/// description, in case the server echoes the request.
pub(crate) async fn api_error(
    client: &Client,
    response: reqwest::Response,
    op: &'static OperationSpec,
    secrets: &Secrets,
) -> Error {
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .chars()
        .take(64)
        .collect::<String>();
    let bytes = match read_limited(response, client.config().limits.error_body, op.id).await {
        Ok(bytes) => bytes,
        Err(e) => return e,
    };
    let (code, description) = match serde_json::from_slice::<crate::types::ErrorResponse>(&bytes) {
        Ok(body) => (
            ErrorCode::parse(&secrets.mask_code(&body.error)),
            body.error_description.map(|d| secrets.mask(&d)),
        ),
        Err(_) => (
            ErrorCode::parse(""),
            Some(format!(
                "the server sent a non-JSON error body ({}, {} bytes)",
                secrets.mask(&kind),
                bytes.len()
            )),
        ),
    };
    Error::Api {
        status,
        code,
        description,
        operation: Some(op.id),
    }
}
