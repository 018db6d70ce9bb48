//! Downloads whose `hmac` header is verified over the body as it streams:
//! `GET /oauth2/1/file/{uri}`, `/oauth2/1/xml/{uri}` and the e-Aadhaar XML.

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};

use super::atomic::AtomicFile;
use crate::client::MissingHmac;
use crate::signing::BodySigner;
use crate::{ByteStream, Client, Error, IntegrityFailure, ResponseValue, validate};

/// How a finished download's integrity was established.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HmacCheck {
    /// The body matched its `hmac` header (HMAC-SHA256 keyed with the client
    /// secret, compared in constant time).
    Verified,
    /// The server sent no `hmac` header and the client is configured with
    /// [`MissingHmac::WarnAndAccept`] (not the default): the body is
    /// unverified.
    Unsigned,
}

/// The XML documents DigiLocker serves.
#[derive(Clone, Copy, Debug)]
pub(crate) enum XmlDocument<'a> {
    /// `GET /oauth2/1/xml/{uri}`.
    Certificate(&'a str),
    /// `GET /oauth2/3/xml/eaadhaar`.
    EAadhaar,
    /// `GET /oauth2/2/xml/eaadhaar`.
    EAadhaarV2,
}

impl XmlDocument<'_> {
    fn operation(self) -> &'static str {
        match self {
            Self::Certificate(_) => "get_certificate_xml",
            Self::EAadhaar => "get_eaadhaar_xml",
            Self::EAadhaarV2 => "get_eaadhaar_xml_v2",
        }
    }
}

/// A whole download, held in memory, that passed its integrity check.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Download {
    /// The body.
    pub bytes: Bytes,
    /// The `Content-Type` the server sent, e.g. `application/pdf`.
    pub content_type: Option<String>,
    /// Whether the body was verified against an `hmac` header.
    pub hmac: HmacCheck,
}

/// A download written to a file by [`Client::download_to_path`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SavedFile {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub len: u64,
    /// The `Content-Type` the server sent.
    pub content_type: Option<String>,
    /// Whether the body was verified against an `hmac` header.
    pub hmac: HmacCheck,
}

/// A streamed download whose `hmac` header is checked as the body arrives.
///
/// Items are chunks of the body. To make sure no consumer ever holds the
/// complete body of a download that fails its check, the stream holds back
/// the most recent chunk and yields it only once the next one (or the end of
/// the body) has arrived and, at the end, only after the HMAC over the whole
/// body matched. On a mismatch the last item is an
/// [`Error::Integrity`] with [`IntegrityFailure::Mismatch`] instead of the
/// final chunk; a cut connection gives an [`Error::Transport`].
///
/// **Chunks are provisional until the stream ends with `None`.** Write them
/// somewhere you can discard, or use [`DownloadStream::save_to`] /
/// [`Client::download_to_path`], which do that for you.
pub struct DownloadStream {
    operation: &'static str,
    inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send + Sync>>,
    signer: BodySigner,
    /// The `hmac` header; `None` when absent and accepted.
    expected: Option<String>,
    held: Option<Bytes>,
    /// Off only inside this module, for consumers that discard everything
    /// unless the stream ends with `None` (the atomic file write).
    hold_back: bool,
    content_type: Option<String>,
    content_length: Option<u64>,
    /// Bytes received so far, and the most allowed.
    received: u64,
    limit: Option<u64>,
    status: u16,
    finished: bool,
}

impl fmt::Debug for DownloadStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadStream")
            .field("operation", &self.operation)
            .field("signed", &self.expected.is_some())
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl DownloadStream {
    /// Wraps a successful response, checking the `hmac` header's presence
    /// and form before any of the body is read.
    pub(crate) fn new(
        client: &Client,
        operation: &'static str,
        response: ResponseValue<ByteStream>,
    ) -> Result<Self, Error> {
        Self::with_policy(client, operation, response, client.config().missing_hmac)
    }

    /// [`new`](Self::new) with an explicit policy for a missing `hmac`.
    pub(crate) fn with_policy(
        client: &Client,
        operation: &'static str,
        response: ResponseValue<ByteStream>,
        missing_hmac: MissingHmac,
    ) -> Result<Self, Error> {
        let status = response.status().as_u16();
        let headers = response.headers();
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = text(CONTENT_TYPE);
        let content_length = text(CONTENT_LENGTH).and_then(|v| v.trim().parse().ok());
        let integrity = |reason| Error::Integrity { operation, reason };
        let expected = match headers.get("hmac") {
            Some(value) => {
                let header = value
                    .to_str()
                    .map(|v| v.trim().to_string())
                    .map_err(|_| integrity(IntegrityFailure::MalformedHeader))?;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(&header)
                    .map_err(|_| integrity(IntegrityFailure::MalformedHeader))?;
                if decoded.is_empty() {
                    return Err(integrity(IntegrityFailure::MalformedHeader));
                }
                Some(header)
            }
            None => match missing_hmac {
                MissingHmac::Reject => return Err(integrity(IntegrityFailure::MissingHeader)),
                MissingHmac::WarnAndAccept => {
                    #[cfg(feature = "tracing")]
                    tracing::warn!(
                        operation,
                        "response has no hmac header; accepting the body unverified \
                         (MissingHmac::WarnAndAccept)"
                    );
                    None
                }
            },
        };
        let limit = client.config().limits.stream;
        Self {
            operation,
            inner: response.into_inner().into_inner(),
            signer: client.config().body_signer.clone(),
            expected,
            held: None,
            hold_back: true,
            content_type,
            content_length,
            received: 0,
            limit: None,
            status,
            finished: false,
        }
        .limited(limit)
    }

    /// Fails the stream once more than `limit` bytes arrive (or are
    /// announced), with [`Error::ResponseTooLarge`].
    pub(crate) fn limited(mut self, limit: Option<u64>) -> Result<Self, Error> {
        self.limit = limit;
        match (limit, self.content_length) {
            (Some(max), Some(announced)) if announced > max => Err(self.too_large(max)),
            _ => Ok(self),
        }
    }

    fn too_large(&self, limit: u64) -> Error {
        Error::ResponseTooLarge {
            operation: self.operation,
            status: self.status,
            limit,
        }
    }

    /// The `Content-Type` the server sent.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The `Content-Length` the server announced.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// Whether the response carries an `hmac` header: if so, a stream that
    /// ends with `None` has been verified ([`HmacCheck::Verified`]).
    pub fn hmac_check(&self) -> HmacCheck {
        if self.expected.is_some() {
            HmacCheck::Verified
        } else {
            HmacCheck::Unsigned
        }
    }

    /// Reads the whole body into memory and returns it once verified.
    ///
    /// The stream's limit applies (unbounded unless
    /// [`BodyLimits::stream`](crate::BodyLimits::stream) is set); the
    /// client's own in-memory downloads use [`BodyLimits::download`](crate::BodyLimits::download).
    pub async fn collect_verified(mut self) -> Result<Download, Error> {
        // Pre-size from Content-Length, capped so a bogus header cannot
        // force a huge allocation.
        let capacity = self
            .content_length
            .unwrap_or(0)
            .min(self.limit.unwrap_or(u64::MAX))
            .min(16 * 1024 * 1024);
        let mut body = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
        while let Some(chunk) = self.next().await {
            body.extend_from_slice(&chunk?);
        }
        Ok(Download {
            bytes: body.freeze(),
            hmac: self.hmac_check(),
            content_type: self.content_type,
        })
    }

    /// Writes the body to `path` atomically; see [`Client::download_to_path`].
    pub async fn save_to(self, path: impl AsRef<Path>) -> Result<SavedFile, Error> {
        let file = AtomicFile::create(path.as_ref()).await?;
        self.write_into(file).await
    }

    async fn write_into(mut self, mut file: AtomicFile) -> Result<SavedFile, Error> {
        // The temp file is only renamed if the stream ends verified, so
        // there is no need to hold a chunk back in memory.
        self.hold_back = false;
        while let Some(chunk) = self.next().await {
            // On any error, `file` is dropped here, which removes the temp file.
            file.write(&chunk?).await?;
        }
        let path = file.target().to_path_buf();
        let len = file.commit().await?;
        Ok(SavedFile {
            path,
            len,
            hmac: self.hmac_check(),
            content_type: self.content_type,
        })
    }

    /// End of body: verify, then release the held-back chunk (or fail).
    fn finish(&mut self) -> Option<Result<Bytes, Error>> {
        self.finished = true;
        let held = self.held.take();
        if let Some(expected) = &self.expected {
            match self.signer.clone().verify_base64(expected) {
                Some(true) => {}
                Some(false) => {
                    // The operation's span closed with the headers; record
                    // the failure that only the body can reveal.
                    #[cfg(feature = "tracing")]
                    tracing::warn!(operation = self.operation, "download failed its hmac check");
                    return Some(Err(Error::Integrity {
                        operation: self.operation,
                        reason: IntegrityFailure::Mismatch,
                    }));
                }
                None => {
                    return Some(Err(Error::Integrity {
                        operation: self.operation,
                        reason: IntegrityFailure::MalformedHeader,
                    }));
                }
            }
        }
        held.map(Ok)
    }
}

impl Stream for DownloadStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.finished {
                return Poll::Ready(None);
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => {
                    if chunk.is_empty() {
                        continue;
                    }
                    this.received = this.received.saturating_add(chunk.len() as u64);
                    if let Some(limit) = this.limit.filter(|l| this.received > *l) {
                        this.finished = true;
                        this.held = None;
                        return Poll::Ready(Some(Err(this.too_large(limit))));
                    }
                    this.signer.update(&chunk);
                    if !this.hold_back {
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                    if let Some(previous) = this.held.replace(chunk) {
                        return Poll::Ready(Some(Ok(previous)));
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.finished = true;
                    this.held = None;
                    return Poll::Ready(Some(Err(crate::error::from_reqwest(
                        e,
                        Some(this.operation),
                    ))));
                }
                Poll::Ready(None) => return Poll::Ready(this.finish()),
            }
        }
    }
}

impl Client {
    /// Downloads the document at `uri` (issued or uploaded) into memory,
    /// verified: `GET /oauth2/1/file/{uri}`.
    ///
    /// The URI is checked first (printable ASCII, no spaces, no `.`/`..`
    /// segments, at most 256 characters) and sent percent-encoded as one path
    /// segment. The body's HMAC-SHA256 (keyed with the client secret) is
    /// compared in constant time with the `hmac` header; a mismatch is an
    /// [`Error::Integrity`] and no data is returned. Without the header, the
    /// client's [`MissingHmac`] policy decides (default: reject; with
    /// [`MissingHmac::WarnAndAccept`] the result says [`HmacCheck::Unsigned`]).
    /// At most [`BodyLimits::download`](crate::BodyLimits::download) bytes are
    /// held, within the total deadline.
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let doc = client.download("in.gov.cbse-HSCER-201412345678").await?;
    /// println!("{} bytes of {:?}", doc.bytes.len(), doc.content_type);
    /// # Ok(()) }
    /// ```
    pub async fn download(&self, uri: &str) -> Result<Download, Error> {
        validate::document_uri("uri", uri)?;
        let limit = self.config().limits.download;
        self.buffered("get_file", async {
            let response = self.get_file().uri(uri).send().await?;
            DownloadStream::new(self, "get_file", response)?
                .limited(Some(limit as u64))?
                .collect_verified()
                .await
        })
        .await
    }

    /// Runs a download that is collected in memory within the client's
    /// total deadline ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)).
    async fn buffered<T>(
        &self,
        operation: &'static str,
        call: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        tokio::time::timeout(self.config().timeouts.total, call)
            .await
            .map_err(|_| Error::Timeout {
                operation: Some(operation),
            })?
    }

    /// The raw XML of `document`, verified against its `hmac` header under
    /// `missing_hmac`, bounded by [`BodyLimits::xml`](crate::BodyLimits::xml)
    /// and the total deadline.
    pub(crate) async fn xml_document(
        &self,
        document: XmlDocument<'_>,
        missing_hmac: MissingHmac,
    ) -> Result<Download, Error> {
        let limit = self.config().limits.xml as u64;
        let operation = document.operation();
        self.buffered(operation, async {
            let response = match document {
                XmlDocument::Certificate(uri) => {
                    validate::document_uri("uri", uri)?;
                    self.get_certificate_xml().uri(uri).send().await?
                }
                XmlDocument::EAadhaar => self.get_eaadhaar_xml().send().await?,
                XmlDocument::EAadhaarV2 => self.get_eaadhaar_xml_v2().send().await?,
            };
            DownloadStream::with_policy(self, operation, response, missing_hmac)?
                .limited(Some(limit))?
                .collect_verified()
                .await
        })
        .await
    }

    /// Starts a streamed, verified download of `uri`:
    /// `GET /oauth2/1/file/{uri}`. See [`DownloadStream`] for how chunks are
    /// released.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let mut stream = client.download_stream("in.gov.cbse-HSCER-201412345678").await?;
    /// let mut scratch = Vec::new();
    /// while let Some(chunk) = stream.next().await {
    ///     scratch.extend_from_slice(&chunk?); // provisional until the end
    /// }
    /// // Here the whole body matched its hmac header.
    /// # Ok(()) }
    /// ```
    pub async fn download_stream(&self, uri: &str) -> Result<DownloadStream, Error> {
        validate::document_uri("uri", uri)?;
        let response = self.get_file().uri(uri).send().await?;
        DownloadStream::new(self, "get_file", response)
    }

    /// Downloads `uri` into the file `path`, atomically:
    /// `GET /oauth2/1/file/{uri}`.
    ///
    /// The body is written to a temporary file in the same directory as
    /// `path` while its HMAC is computed; once the whole body is verified the
    /// file is flushed to disk (fsync) and renamed onto `path` (replacing an
    /// existing file; the directory is fsynced too on Unix). On any error —
    /// integrity, transport, I/O — the temporary file is removed, `path` is
    /// not created, and an existing file at `path` is left untouched.
    ///
    /// The temporary file is created before the request is sent, so an
    /// unwritable directory fails without network traffic.
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let saved = client
    ///     .download_to_path("in.gov.cbse-HSCER-201412345678", "marksheet.pdf")
    ///     .await?;
    /// assert_eq!(saved.hmac, digilocker_authpartner::transfer::HmacCheck::Verified);
    /// # Ok(()) }
    /// ```
    pub async fn download_to_path(
        &self,
        uri: &str,
        path: impl AsRef<Path>,
    ) -> Result<SavedFile, Error> {
        validate::document_uri("uri", uri)?;
        let file = AtomicFile::create(path.as_ref()).await?;
        let response = self.get_file().uri(uri).send().await?;
        DownloadStream::new(self, "get_file", response)?
            .write_into(file)
            .await
    }

    /// The certificate data of an issued document as raw XML, verified
    /// against its `hmac` header: `GET /oauth2/1/xml/{uri}`.
    ///
    /// Returned as DigiLocker sent it. The XML's own digital signature is
    /// **not** verified. For a typed view use
    /// [`certificate`](Self::certificate) or
    /// [`xml::Certificate::from_xml`](crate::xml::Certificate::from_xml).
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let xml = client.certificate_xml("in.gov.cbse-HSCER-201412345678").await?;
    /// std::fs::write("marksheet.xml", &xml.bytes).expect("writable");
    /// # Ok(()) }
    /// ```
    pub async fn certificate_xml(&self, uri: &str) -> Result<Download, Error> {
        let policy = self.config().missing_hmac;
        self.xml_document(XmlDocument::Certificate(uri), policy)
            .await
    }

    /// The account's e-Aadhaar data as raw `KycRes` XML (format v3), verified
    /// against its `hmac` header: `GET /oauth2/3/xml/eaadhaar`.
    ///
    /// The XML's own (UIDAI) digital signature is **not** verified. For a
    /// typed view use [`eaadhaar`](Self::eaadhaar).
    pub async fn eaadhaar_xml(&self) -> Result<Download, Error> {
        let policy = self.config().missing_hmac;
        self.xml_document(XmlDocument::EAadhaar, policy).await
    }

    /// The account's e-Aadhaar data as raw XML from the older v2 endpoint,
    /// verified against its `hmac` header: `GET /oauth2/2/xml/eaadhaar`.
    ///
    /// The XML's own digital signature is **not** verified. For a typed view,
    /// pass the bytes to
    /// [`xml::EAadhaar::from_xml`](crate::xml::EAadhaar::from_xml).
    pub async fn eaadhaar_xml_v2(&self) -> Result<Download, Error> {
        let policy = self.config().missing_hmac;
        self.xml_document(XmlDocument::EAadhaarV2, policy).await
    }
}
