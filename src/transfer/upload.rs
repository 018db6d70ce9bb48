//! `POST /oauth2/1/file/upload`: input checks, a streaming signature and a
//! streamed body with an exact `Content-Length`.

use std::io::{self, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt};

use crate::signing::BodySigner;
use crate::types::{UploadFileContentType, UploadResponse};
use crate::{Client, Error, ValidationError};

/// The largest upload DigiLocker accepts: "10MB", read as 10 MiB
/// (10 × 1024 × 1024 = 10 485 760 bytes).
///
/// The Requester API Spec v1.12 (p.20, "The file size must not exceed 10MB")
/// does not define the unit; this crate uses the same reading as the
/// `digilocker-sandbox` (`SandboxConfig::max_upload`).
pub const MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// Read and send buffer size: the only part of a file held in memory at once.
const CHUNK: usize = 64 * 1024;

/// Characters DigiLocker forbids in a file name (v1.12 p.21, `invalid_filename`).
const FORBIDDEN_FILENAME_CHARS: &[char] =
    &['\\', '/', ':', '*', '?', '<', '>', '|', '\'', '^', '~'];

/// A file type DigiLocker accepts for upload: PDF, PNG or JPEG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileKind {
    /// `application/pdf`, extension `.pdf`.
    Pdf,
    /// `image/png`, extension `.png`.
    Png,
    /// `image/jpeg`, extension `.jpg` or `.jpeg`.
    Jpeg,
}

impl FileKind {
    /// The type of `content`, sniffed from its magic bytes (the first few
    /// bytes are enough); `None` if it is none of PDF, PNG and JPEG.
    ///
    /// ```
    /// use digilocker_authpartner::transfer::FileKind;
    ///
    /// assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
    /// assert_eq!(FileKind::sniff(b"MZ\x90\x00"), None); // a Windows executable
    /// ```
    pub fn sniff(content: &[u8]) -> Option<Self> {
        infer::get(content).and_then(|t| Self::from_mime(t.mime_type()))
    }

    /// The type named by a file extension (without the dot, any case).
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension.to_ascii_lowercase().as_str() {
            "pdf" => Some(Self::Pdf),
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            _ => None,
        }
    }

    /// The MIME type sent as `Content-Type`.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }

    fn from_mime(mime: &str) -> Option<Self> {
        match mime {
            "application/pdf" => Some(Self::Pdf),
            "image/png" => Some(Self::Png),
            "image/jpeg" | "image/jpg" => Some(Self::Jpeg),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Png => "PNG",
            Self::Jpeg => "JPEG",
        }
    }

    fn content_type(self) -> UploadFileContentType {
        match self {
            Self::Pdf => UploadFileContentType::ApplicationPdf,
            Self::Png => UploadFileContentType::ImagePng,
            Self::Jpeg => UploadFileContentType::ImageJpeg,
        }
    }
}

/// Checks a destination path such as `/Documents/payslip.pdf` and returns
/// the file type its extension names.
///
/// Well formed means: starts with `/`; printable ASCII (the path travels in
/// an HTTP header); no empty, `.` or `..` segments; no segment with leading
/// or trailing whitespace; ends with a file name that has none of
/// `\ / : * ? < > | ' ^ ~` and the extension `.pdf`, `.png`, `.jpg` or `.jpeg`.
/// The longest destination path accepted, in bytes.
pub(crate) const MAX_DESTINATION_LEN: usize = 1024;

/// The longest folder or file name in a destination path, in bytes.
pub(crate) const MAX_SEGMENT_LEN: usize = 255;

pub(crate) fn check_destination(path: &str) -> Result<FileKind, ValidationError> {
    let bad = |reason: String| ValidationError::new("path", reason);
    if path.is_empty() {
        return Err(bad("must not be empty".into()));
    }
    if path.chars().any(char::is_control) {
        return Err(bad("must not contain control characters".into()));
    }
    if !path.is_ascii() {
        return Err(bad(
            "must be ASCII: it is sent as an HTTP header, which cannot carry other characters reliably".into(),
        ));
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(bad(
            "must start with '/', e.g. /Documents/payslip.pdf".into()
        ));
    };
    if rest.is_empty() || rest.ends_with('/') {
        return Err(bad("has no file name (it ends with '/')".into()));
    }
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(bad("must not contain empty segments ('//')".into()));
    }
    if segments.iter().any(|s| s.trim() != *s) {
        return Err(bad("segments must not start or end with whitespace".into()));
    }
    let file_name = segments.last().copied().unwrap_or_default();
    if let Some(c) = file_name
        .chars()
        .find(|c| FORBIDDEN_FILENAME_CHARS.contains(c))
    {
        return Err(bad(format!(
            "file name {file_name:?} contains {c:?}; none of \\ / : * ? < > | ' ^ ~ is allowed"
        )));
    }
    if path.len() > MAX_DESTINATION_LEN {
        return Err(bad(format!(
            "is longer than {MAX_DESTINATION_LEN} bytes ({} bytes)",
            path.len()
        )));
    }
    for segment in &segments {
        // No '.'/'..' (decoded or not), no '\' (also encoded), no '/'
        // hidden as %2f, and a length limit: the same rule as every path
        // parameter.
        crate::transport::check_segment("path", segment, crate::transport::Separators::Refused)?;
        if segment.len() > MAX_SEGMENT_LEN {
            return Err(bad(format!(
                "segment {:?}… is longer than {MAX_SEGMENT_LEN} bytes",
                segment.chars().take(16).collect::<String>()
            )));
        }
    }
    let kind = file_name
        .rsplit_once('.')
        .filter(|(stem, _)| !stem.trim().is_empty())
        .and_then(|(_, ext)| FileKind::from_extension(ext));
    kind.ok_or_else(|| {
        bad(format!(
            "file name {file_name:?} must end in .pdf, .png, .jpg or .jpeg (only PDF, PNG and JPEG can be uploaded)"
        ))
    })
}

/// Checks the size: not empty, at most [`MAX_UPLOAD_BYTES`].
pub(crate) fn check_size(len: u64) -> Result<(), ValidationError> {
    if len == 0 {
        return Err(ValidationError::new("file", "is empty"));
    }
    if len > MAX_UPLOAD_BYTES {
        return Err(ValidationError::new(
            "file",
            format!("is {len} bytes; at most 10 MB ({MAX_UPLOAD_BYTES} bytes) can be uploaded"),
        ));
    }
    Ok(())
}

/// Checks that the content's magic bytes name an allowed type that agrees
/// with the destination's extension.
pub(crate) fn check_content(prefix: &[u8], expected: FileKind) -> Result<(), ValidationError> {
    match infer::get(prefix) {
        None => Err(ValidationError::new(
            "file",
            "content is not a PDF, PNG or JPEG file (type not recognised)",
        )),
        Some(t) => match FileKind::from_mime(t.mime_type()) {
            None => Err(ValidationError::new(
                "file",
                format!(
                    "content is {} ({}); only PDF, PNG and JPEG can be uploaded",
                    t.mime_type(),
                    t.extension()
                ),
            )),
            Some(found) if found != expected => Err(ValidationError::new(
                "file",
                format!(
                    "content is {} but the destination's extension says {}",
                    found.label(),
                    expected.label()
                ),
            )),
            Some(_) => Ok(()),
        },
    }
}

/// Fills `buf` unless the reader ends first; returns the bytes read.
async fn read_full<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]).await {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Why the signing pass stopped.
enum SignFailure {
    Io(io::Error),
    /// The source ended after this many bytes, before the announced length.
    Short(u64),
    Content(ValidationError),
}

/// Reads exactly `len` bytes through a fixed buffer, checks the first
/// chunk's magic bytes, and returns the Base64 HMAC.
async fn sign_exact<R: AsyncRead + Unpin>(
    reader: &mut R,
    len: u64,
    expected: FileKind,
    mut signer: BodySigner,
) -> Result<String, SignFailure> {
    let mut buf = vec![0u8; CHUNK.min(usize::try_from(len).unwrap_or(CHUNK))];
    let mut read = 0u64;
    while read < len {
        let want = usize::try_from((len - read).min(buf.len() as u64)).unwrap_or(buf.len());
        let n = read_full(reader, &mut buf[..want])
            .await
            .map_err(SignFailure::Io)?;
        if read == 0 && n > 0 {
            check_content(&buf[..n], expected).map_err(SignFailure::Content)?;
        }
        signer.update(&buf[..n]);
        read += n as u64;
        if n < want {
            return Err(SignFailure::Short(read));
        }
    }
    Ok(signer.finish_base64())
}

/// What went wrong on the sending side of a streamed upload.
enum SendFailure {
    /// The source ended early or its bytes no longer match the signature.
    Changed,
    Io(io::Error),
}

type SharedFailure = Arc<Mutex<Option<SendFailure>>>;

fn record(failure: &SharedFailure, f: SendFailure) {
    *failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(f);
}

fn take(failure: &SharedFailure) -> Option<SendFailure> {
    failure
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
}

/// The second pass: exactly `len` bytes in chunks of at most [`CHUNK`],
/// re-hashed on the way. The last chunk is only yielded if the bytes still
/// match the signature; otherwise the stream fails, which aborts the request
/// before the server has the whole body.
fn send_stream<R>(
    reader: R,
    len: u64,
    signer: BodySigner,
    signed_mac: String,
    failure: SharedFailure,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static
where
    R: AsyncRead + Unpin + Send + 'static,
{
    struct State<R> {
        reader: R,
        remaining: u64,
        signer: Option<BodySigner>,
        signed_mac: String,
        failure: SharedFailure,
    }
    let state = State {
        reader,
        remaining: len,
        signer: Some(signer),
        signed_mac,
        failure,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        let mut signer = st.signer.take()?;
        if st.remaining == 0 {
            return None;
        }
        let want = usize::try_from(st.remaining.min(CHUNK as u64)).unwrap_or(CHUNK);
        let mut chunk = BytesMut::zeroed(want);
        let n = match read_full(&mut st.reader, &mut chunk).await {
            Ok(n) => n,
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                record(&st.failure, SendFailure::Io(e));
                return Some((Err(copy), st));
            }
        };
        if n < want {
            record(&st.failure, SendFailure::Changed);
            return Some((Err(changed_io_error()), st));
        }
        signer.update(&chunk);
        st.remaining -= n as u64;
        if st.remaining == 0 {
            if signer.verify_base64(&st.signed_mac) != Some(true) {
                record(&st.failure, SendFailure::Changed);
                return Some((Err(changed_io_error()), st));
            }
        } else {
            st.signer = Some(signer);
        }
        Some((Ok(chunk.freeze()), st))
    })
}

fn changed_io_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the source changed between signing and sending",
    )
}

/// A streamed body with an exact size hint, so the request carries a
/// `Content-Length` instead of chunked transfer encoding.
struct SizedBody {
    stream: Mutex<Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>>,
    len: u64,
}

impl http_body::Body for SizedBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        let stream = self
            .get_mut()
            .stream
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        stream
            .as_mut()
            .poll_next(cx)
            .map(|item| item.map(|r| r.map(http_body::Frame::data)))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.len)
    }
}

fn sized_body(
    stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static,
    len: u64,
) -> reqwest::Body {
    reqwest::Body::wrap(SizedBody {
        stream: Mutex::new(Box::pin(stream)),
        len,
    })
}

/// The name used in [`Error::Io`] for readers, which have no path.
fn reader_path() -> PathBuf {
    PathBuf::from("<reader>")
}

impl Client {
    /// Uploads `bytes` to `dest_path` in the user's locker
    /// (`POST /oauth2/1/file/upload`), e.g. `/Documents/payslip.pdf`.
    ///
    /// Before anything is sent, each failure an [`Error::Validation`]:
    /// the destination path is well formed (starts with `/`, ASCII, no empty,
    /// `.` or `..` segments, a file name without `\ / : * ? < > | ' ^ ~`);
    /// the content is not empty and at most [`MAX_UPLOAD_BYTES`] (10 MiB);
    /// its type, sniffed from its magic bytes, is PDF, PNG or JPEG and agrees
    /// with the extension of the destination (`.pdf`, `.png`, `.jpg`/`.jpeg`),
    /// which also sets the `Content-Type` header. The `hmac` header is the
    /// Base64 HMAC-SHA256 of the body keyed with the client secret.
    ///
    /// `bytes` is sent without being copied. Uploads are never retried.
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let pdf = std::fs::read("payslip.pdf").expect("readable");
    /// let stored = client.upload_bytes(pdf, "/Documents/payslip.pdf").await?;
    /// println!("{} ({} bytes)", stored.path, stored.size);
    /// # Ok(()) }
    /// ```
    pub async fn upload_bytes(
        &self,
        bytes: impl Into<Bytes>,
        dest_path: &str,
    ) -> Result<UploadResponse, Error> {
        let bytes = bytes.into();
        let kind = check_destination(dest_path)?;
        check_size(bytes.len() as u64)?;
        // Sniff the same prefix a file upload would see.
        check_content(&bytes[..bytes.len().min(CHUNK)], kind)?;
        let mut signer = self.config().body_signer.clone();
        signer.update(&bytes);
        let mac = signer.finish_base64();
        self.send_upload(dest_path, kind, mac, reqwest::Body::from(bytes))
            .await
    }

    /// Uploads the local file at `local` to `dest_path` in the user's locker
    /// (`POST /oauth2/1/file/upload`), streaming it.
    ///
    /// The same checks as [`upload_bytes`](Self::upload_bytes) run first (the
    /// size from the file's metadata, the type from its first bytes). The file
    /// is read twice through a 64 KiB buffer: once to compute the `hmac`
    /// header, once to send it with an exact `Content-Length`; it is never
    /// held in memory as a whole. While sending, the bytes are hashed again:
    /// if the file changed size (checked before sending) or content since it
    /// was signed, the request is aborted before the body is complete and
    /// the result is an [`Error::Io`] for `local` with
    /// [`std::io::ErrorKind::InvalidData`]. Read failures are [`Error::Io`] too.
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let stored = client
    ///     .upload_path("scans/marksheet.jpg", "/Documents/marksheet.jpg")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn upload_path(
        &self,
        local: impl AsRef<Path>,
        dest_path: &str,
    ) -> Result<UploadResponse, Error> {
        let local = local.as_ref();
        let kind = check_destination(dest_path)?;
        let io_err = |source: io::Error| Error::Io {
            path: local.to_path_buf(),
            source,
        };
        let mut file = tokio::fs::File::open(local).await.map_err(io_err)?;
        let meta = file.metadata().await.map_err(io_err)?;
        if !meta.is_file() {
            return Err(ValidationError::new("file", "is not a regular file").into());
        }
        let len = meta.len();
        check_size(len)?;
        let signer = self.config().body_signer.clone();
        let mac = match sign_exact(&mut file, len, kind, signer.clone()).await {
            Ok(mac) => mac,
            Err(SignFailure::Io(e)) => return Err(io_err(e)),
            Err(SignFailure::Content(v)) => return Err(v.into()),
            Err(SignFailure::Short(read)) => {
                return Err(io_err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("file shrank while it was read ({read} of {len} bytes)"),
                )));
            }
        };
        file.seek(SeekFrom::Start(0)).await.map_err(io_err)?;
        let now = file.metadata().await.map_err(io_err)?.len();
        if now != len {
            return Err(io_err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("file changed size between signing and sending ({len} → {now} bytes)"),
            )));
        }
        let failure = SharedFailure::default();
        let body = sized_body(
            send_stream(file, len, signer, mac.clone(), Arc::clone(&failure)),
            len,
        );
        let result = self.send_upload(dest_path, kind, mac, body).await;
        match take(&failure) {
            Some(SendFailure::Changed) => Err(io_err(io::Error::new(
                io::ErrorKind::InvalidData,
                "file changed between signing and sending; the upload was aborted",
            ))),
            Some(SendFailure::Io(e)) => Err(io_err(e)),
            None => result,
        }
    }

    /// Uploads `len` bytes read from `reader`, starting at its current
    /// position, to `dest_path` in the user's locker
    /// (`POST /oauth2/1/file/upload`).
    ///
    /// The reader must be seekable: it is read once to compute the `hmac`
    /// header, sought back, and read again while the body streams, so only a
    /// 64 KiB buffer is in memory. For a source that can be read only once,
    /// collect it into [`bytes::Bytes`] and use
    /// [`upload_bytes`](Self::upload_bytes), or spool it to a temporary file
    /// and use [`upload_path`](Self::upload_path).
    ///
    /// The checks of [`upload_bytes`](Self::upload_bytes) apply. If the
    /// reader ends before `len` bytes, that is an [`Error::Validation`] for
    /// `len`; extra bytes after `len` are not sent. If the bytes differ
    /// between the two passes, the request is aborted and the result is an
    /// [`Error::Io`] (path `<reader>`, [`std::io::ErrorKind::InvalidData`]).
    ///
    /// ```no_run
    /// # async fn run(client: digilocker_authpartner::Client) -> Result<(), digilocker_authpartner::Error> {
    /// let png: Vec<u8> = std::fs::read("photo.png").expect("readable");
    /// let len = png.len() as u64;
    /// let reader = std::io::Cursor::new(png);
    /// client.upload_reader(reader, len, "/photo.png").await?;
    /// # Ok(()) }
    /// ```
    pub async fn upload_reader<R>(
        &self,
        mut reader: R,
        len: u64,
        dest_path: &str,
    ) -> Result<UploadResponse, Error>
    where
        R: AsyncRead + AsyncSeek + Unpin + Send + 'static,
    {
        let kind = check_destination(dest_path)?;
        check_size(len)?;
        let io_err = |source: io::Error| Error::Io {
            path: reader_path(),
            source,
        };
        let start = reader.stream_position().await.map_err(io_err)?;
        let signer = self.config().body_signer.clone();
        let mac = match sign_exact(&mut reader, len, kind, signer.clone()).await {
            Ok(mac) => mac,
            Err(SignFailure::Io(e)) => return Err(io_err(e)),
            Err(SignFailure::Content(v)) => return Err(v.into()),
            Err(SignFailure::Short(read)) => {
                return Err(ValidationError::new(
                    "len",
                    format!("the reader ended after {read} bytes, before the {len} announced"),
                )
                .into());
            }
        };
        reader.seek(SeekFrom::Start(start)).await.map_err(io_err)?;
        let failure = SharedFailure::default();
        let body = sized_body(
            send_stream(reader, len, signer, mac.clone(), Arc::clone(&failure)),
            len,
        );
        let result = self.send_upload(dest_path, kind, mac, body).await;
        match take(&failure) {
            Some(SendFailure::Changed) => Err(io_err(changed_io_error())),
            Some(SendFailure::Io(e)) => Err(io_err(e)),
            None => result,
        }
    }

    /// Sends a checked and signed body through the generated operation (and
    /// so through the transport: bearer token, tracing, no retries).
    async fn send_upload(
        &self,
        dest_path: &str,
        kind: FileKind,
        mac: String,
        body: reqwest::Body,
    ) -> Result<UploadResponse, Error> {
        self.upload_file()
            .path(dest_path)
            .hmac(mac)
            .content_type(kind.content_type())
            .body(body)
            .send()
            .await
            .map(crate::ResponseValue::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0";
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";

    #[test]
    fn well_formed_destinations() {
        assert_eq!(check_destination("/a.pdf"), Ok(FileKind::Pdf));
        assert_eq!(
            check_destination("/Documents/2024/pay slip.PDF"),
            Ok(FileKind::Pdf)
        );
        assert_eq!(check_destination("/x/photo.png"), Ok(FileKind::Png));
        assert_eq!(check_destination("/x/photo.jpg"), Ok(FileKind::Jpeg));
        assert_eq!(check_destination("/x/photo.JPEG"), Ok(FileKind::Jpeg));
        assert_eq!(check_destination("/a.b.c.png"), Ok(FileKind::Png));
    }

    #[test]
    fn malformed_destinations() {
        for bad in [
            "",
            "a.pdf",
            "Documents/a.pdf",
            "/",
            "/Documents/",
            "/Documents//a.pdf",
            "//a.pdf",
            "/../a.pdf",
            "/Documents/../a.pdf",
            "/./a.pdf",
            "/Documents/a\n.pdf",
            "/Documents/a\0.pdf",
            "/Dokumente/Gehaltsabrechnung-\u{e4}.pdf",
            "/Documents/ a.pdf",
            "/Documents /a.pdf",
            "/Documents/a",
            "/Documents/.pdf",
            "/Documents/a.exe",
            "/Documents/a.pdf.exe",
            "/Documents/a.gif",
            // Traversal in every spelling, and over-long names.
            "/..\\..\\etc/a.pdf",
            "/%2e%2e/%2e%2e/a.pdf",
            "/%2E./a.pdf",
            "/a%2fb/c.pdf",
            "/a%5cb/c.pdf",
            "/a%252e%252e/../c.pdf",
            "/%252e%252e/c.pdf",
            &format!("/{}/a.pdf", "d".repeat(256)),
            &format!("/{}a.pdf", "d/".repeat(600)),
        ] {
            let err = check_destination(bad).unwrap_err();
            assert_eq!(err.field, "path", "{bad:?}");
        }
    }

    #[test]
    fn forbidden_filename_characters() {
        for c in ['\\', ':', '*', '?', '<', '>', '|', '\'', '^', '~'] {
            let path = format!("/Documents/a{c}b.pdf");
            let err = check_destination(&path).unwrap_err();
            assert!(err.reason.contains("none of"), "{path}: {}", err.reason);
        }
        // Folder names are not restricted by the PDF; `:` there is fine.
        assert!(check_destination("/a:b/c.pdf").is_ok());
    }

    #[test]
    fn sizes() {
        assert_eq!(check_size(0).unwrap_err().reason, "is empty");
        assert!(check_size(1).is_ok());
        assert!(check_size(MAX_UPLOAD_BYTES).is_ok());
        assert!(check_size(MAX_UPLOAD_BYTES + 1).is_err());
        assert_eq!(MAX_UPLOAD_BYTES, 10_485_760);
    }

    #[test]
    fn sniffing() {
        assert_eq!(FileKind::sniff(PDF), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(PNG), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(JPEG), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(EXE), None);
        assert_eq!(FileKind::sniff(b""), None);
        assert_eq!(FileKind::sniff(b"hello"), None);
        assert!(check_content(PDF, FileKind::Pdf).is_ok());
        assert!(check_content(JPEG, FileKind::Jpeg).is_ok());
        let exe = check_content(EXE, FileKind::Pdf).unwrap_err();
        assert!(
            exe.reason.contains("only PDF, PNG and JPEG"),
            "{}",
            exe.reason
        );
        let mismatch = check_content(PNG, FileKind::Pdf).unwrap_err();
        assert!(
            mismatch.reason.contains("content is PNG"),
            "{}",
            mismatch.reason
        );
        assert!(check_content(b"plain text", FileKind::Pdf).is_err());
    }

    #[tokio::test]
    async fn signing_streams_and_detects_short_sources() {
        let signer = BodySigner::new(b"key");
        let mut body = PDF.to_vec();
        body.resize(200_000, b'x');
        let mut whole = signer.clone();
        whole.update(&body);
        let expected = whole.finish_base64();

        let mut cursor = std::io::Cursor::new(body.clone());
        let mac = sign_exact(
            &mut cursor,
            body.len() as u64,
            FileKind::Pdf,
            signer.clone(),
        )
        .await
        .ok()
        .unwrap();
        assert_eq!(mac, expected);

        let mut cursor = std::io::Cursor::new(body.clone());
        let short = sign_exact(
            &mut cursor,
            body.len() as u64 + 1,
            FileKind::Pdf,
            signer.clone(),
        )
        .await;
        assert!(matches!(short, Err(SignFailure::Short(n)) if n == body.len() as u64));

        let mut cursor = std::io::Cursor::new(PNG.to_vec());
        let wrong = sign_exact(&mut cursor, PNG.len() as u64, FileKind::Pdf, signer).await;
        assert!(matches!(wrong, Err(SignFailure::Content(_))));
    }

    #[tokio::test]
    async fn the_send_pass_fails_before_the_last_chunk_if_the_bytes_changed() {
        use futures_util::StreamExt;
        let signer = BodySigner::new(b"key");
        let body = vec![7u8; CHUNK * 2 + 10];
        let mut s = signer.clone();
        s.update(&body);
        let mac = s.finish_base64();

        let failure = SharedFailure::default();
        let ok: Vec<_> = send_stream(
            std::io::Cursor::new(body.clone()),
            body.len() as u64,
            signer.clone(),
            mac.clone(),
            Arc::clone(&failure),
        )
        .collect()
        .await;
        assert_eq!(ok.len(), 3);
        assert!(ok.iter().all(Result::is_ok));
        assert!(take(&failure).is_none());

        let mut changed = body.clone();
        changed[5] ^= 1;
        let items: Vec<_> = send_stream(
            std::io::Cursor::new(changed),
            body.len() as u64,
            signer,
            mac,
            Arc::clone(&failure),
        )
        .collect()
        .await;
        assert_eq!(items.len(), 3);
        assert!(items[2].is_err(), "the last chunk is replaced by an error");
        assert!(matches!(take(&failure), Some(SendFailure::Changed)));
    }
}
