//! `POST /oauth2/1/file/upload`: input checks, a streaming signature and a
//! streamed body with an exact `Content-Length`.

use std::io::{self, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

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

/// A file was changed within this long before an upload opened it: its
/// timestamps may not move on a further change within the same clock tick
/// of the file system (a few ms on ext4/XFS/btrfs, 1 s on ext3 and HFS+,
/// 2 s on FAT), so its bytes are re-hashed while sending instead.
const RACY_WINDOW: Duration = Duration::from_secs(3);

/// What identifies one version of a file's content without reading it:
/// size, modification time and (on Unix) inode change time, device and
/// inode. Every `write(2)`, truncation or `utimes` updates the change
/// time, which only the system clock can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    changed: (i64, i64),
    #[cfg(unix)]
    inode: (u64, u64),
}

impl FileStamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt as _;
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec()),
            #[cfg(unix)]
            inode: (meta.dev(), meta.ino()),
        }
    }

    /// Whether a change after `now` could leave this stamp as it is: the
    /// file changed within [`RACY_WINDOW`] of `now` (or its times are
    /// unknown, or in the future). Off Unix, without a change time that
    /// only the clock sets, every file counts as racy.
    fn is_racy(&self, now: SystemTime) -> bool {
        if cfg!(not(unix)) {
            return true;
        }
        let recent = |t: SystemTime| t + RACY_WINDOW >= now;
        #[cfg(unix)]
        let changed = u64::try_from(self.changed.0).ok().map(|secs| {
            SystemTime::UNIX_EPOCH + Duration::new(secs, u32::try_from(self.changed.1).unwrap_or(0))
        });
        #[cfg(not(unix))]
        let changed: Option<SystemTime> = None;
        match (self.modified, changed) {
            (Some(m), Some(c)) => recent(m) || recent(c),
            _ => true,
        }
    }
}

/// How the sending pass makes sure it sends the bytes that were signed.
enum Verify {
    /// Hash the bytes again as they are sent and compare with the signature.
    Rehash { signer: BodySigner, mac: String },
    /// After the last read, compare the file's stamp (through a second
    /// handle on the same open file) with the one taken before signing.
    Stamp {
        file: tokio::fs::File,
        before: FileStamp,
    },
}

impl Verify {
    /// For a file whose stamp was taken before signing: the stamp check,
    /// unless the file is racy at `now`.
    async fn for_file(
        file: &tokio::fs::File,
        before: FileStamp,
        now: SystemTime,
        signer: &BodySigner,
        mac: &str,
    ) -> io::Result<Self> {
        if before.is_racy(now) {
            return Ok(Self::Rehash {
                signer: signer.clone(),
                mac: mac.to_string(),
            });
        }
        Ok(Self::Stamp {
            file: file.try_clone().await?,
            before,
        })
    }
}

/// The second pass: exactly `len` bytes in chunks of at most [`CHUNK`].
/// The last chunk is only yielded once `verify` confirms the bytes are the
/// signed ones; otherwise the stream fails, which aborts the request before
/// the server has the whole body.
fn send_stream<R>(
    reader: R,
    len: u64,
    verify: Verify,
    failure: SharedFailure,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static
where
    R: AsyncRead + Unpin + Send + 'static,
{
    struct State<R> {
        reader: R,
        remaining: u64,
        verify: Option<Verify>,
        failure: SharedFailure,
    }
    let state = State {
        reader,
        remaining: len,
        verify: Some(verify),
        failure,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        let mut verify = st.verify.take()?;
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
        if let Verify::Rehash { signer, .. } = &mut verify {
            signer.update(&chunk);
        }
        st.remaining -= n as u64;
        if st.remaining > 0 {
            st.verify = Some(verify);
            return Some((Ok(chunk.freeze()), st));
        }
        let unchanged = match verify {
            Verify::Rehash { signer, mac } => Ok(signer.verify_base64(&mac) == Some(true)),
            Verify::Stamp { file, before } => file
                .metadata()
                .await
                .map(|meta| FileStamp::of(&meta) == before),
        };
        match unchanged {
            Ok(true) => Some((Ok(chunk.freeze()), st)),
            Ok(false) => {
                record(&st.failure, SendFailure::Changed);
                Some((Err(changed_io_error()), st))
            }
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                record(&st.failure, SendFailure::Io(e));
                Some((Err(copy), st))
            }
        }
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
    /// held in memory as a whole.
    ///
    /// # A file that changes while it is uploaded
    ///
    /// The bytes sent must be the bytes signed. On Unix the client takes the
    /// file's *stamp* (size, modification time, inode change time, device
    /// and inode, from `fstat` on the open file) when it opens it, compares
    /// it after signing and again after the last byte is read for sending.
    /// If it differs, the request is aborted before the body is complete —
    /// the server never receives a full body, so it cannot accept it — and
    /// the result is an [`Error::Io`] for `local` with
    /// [`std::io::ErrorKind::InvalidData`]; nothing is sent at all if the
    /// change is seen after signing. This catches every change made through
    /// `write(2)`, truncation or `utimes` (each sets the change time, which
    /// only the system clock can set), and a file that shrinks or grows.
    ///
    /// Timestamps have a resolution (a few ms on ext4, XFS and btrfs, 1 s on
    /// ext3 and HFS+, 2 s on FAT), so a file changed less than 3 s before the
    /// upload opened it (or with timestamps in the future) is checked the
    /// expensive way instead: its bytes are hashed again while sending and
    /// compared with the signature before the last chunk goes out. So are
    /// all files on platforms other than Unix.
    ///
    /// Not seen by the client: writes through a shared memory map to pages
    /// already dirty (the kernel updates the times only when a clean page is
    /// first written), and changes made while the system clock was set back
    /// to the file's change time. Such a body no longer matches its `hmac`
    /// header, so DigiLocker rejects it. Read failures are [`Error::Io`] too.
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
        let before = FileStamp::of(&meta);
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
        let after = FileStamp::of(&file.metadata().await.map_err(io_err)?);
        if after.len != len {
            return Err(io_err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "file changed size between signing and sending ({len} → {} bytes)",
                    after.len
                ),
            )));
        }
        if after != before {
            return Err(io_err(io::Error::new(
                io::ErrorKind::InvalidData,
                "file changed while it was signed; nothing was sent",
            )));
        }
        let verify = Verify::for_file(&file, before, SystemTime::now(), &signer, &mac)
            .await
            .map_err(io_err)?;
        let failure = SharedFailure::default();
        let body = sized_body(send_stream(file, len, verify, Arc::clone(&failure)), len);
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
        let verify = Verify::Rehash {
            signer,
            mac: mac.clone(),
        };
        let body = sized_body(send_stream(reader, len, verify, Arc::clone(&failure)), len);
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
        let rehash = |signer: &BodySigner, mac: &String| Verify::Rehash {
            signer: signer.clone(),
            mac: mac.clone(),
        };
        let ok: Vec<_> = send_stream(
            std::io::Cursor::new(body.clone()),
            body.len() as u64,
            rehash(&signer, &mac),
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
            rehash(&signer, &mac),
            Arc::clone(&failure),
        )
        .collect()
        .await;
        assert_eq!(items.len(), 3);
        assert!(items[2].is_err(), "the last chunk is replaced by an error");
        assert!(matches!(take(&failure), Some(SendFailure::Changed)));
    }

    /// A file on disk: its stamp, and a handle opened before any change.
    async fn stamped(dir: &Path, body: &[u8]) -> (PathBuf, tokio::fs::File, FileStamp) {
        let path = dir.join("src.pdf");
        std::fs::write(&path, body).unwrap();
        let file = tokio::fs::File::open(&path).await.unwrap();
        let stamp = FileStamp::of(&file.metadata().await.unwrap());
        (path, file, stamp)
    }

    /// Long after the file was written: the stamp check.
    fn later() -> SystemTime {
        SystemTime::now() + Duration::from_secs(3600)
    }

    #[tokio::test]
    async fn a_file_changed_just_before_is_rehashed_an_older_one_is_stamped() {
        let dir = tempfile::tempdir().unwrap();
        let signer = BodySigner::new(b"key");
        let (_, file, stamp) = stamped(dir.path(), b"%PDF-1.4 body").await;
        assert!(stamp.is_racy(SystemTime::now()));
        let now = Verify::for_file(&file, stamp, SystemTime::now(), &signer, "m")
            .await
            .unwrap();
        assert!(matches!(now, Verify::Rehash { .. }));
        assert!(!stamp.is_racy(later()));
        let then = Verify::for_file(&file, stamp, later(), &signer, "m")
            .await
            .unwrap();
        assert!(matches!(then, Verify::Stamp { .. }));
    }

    /// The stamp check sees a same-size rewrite between signing and the end
    /// of sending, and replaces the last chunk by an error.
    #[tokio::test]
    async fn the_stamp_check_fails_the_last_chunk_after_a_same_size_rewrite() {
        use futures_util::StreamExt;
        let dir = tempfile::tempdir().unwrap();
        let signer = BodySigner::new(b"key");
        let mut body = PDF.to_vec();
        body.resize(CHUNK * 2 + 10, b'x');
        let (path, file, stamp) = stamped(dir.path(), &body).await;

        // Unchanged: every chunk goes out.
        let reader = tokio::fs::File::open(&path).await.unwrap();
        let verify = Verify::for_file(&file, stamp, later(), &signer, "m")
            .await
            .unwrap();
        let failure = SharedFailure::default();
        let ok: Vec<_> = send_stream(reader, body.len() as u64, verify, Arc::clone(&failure))
            .collect()
            .await;
        assert_eq!(ok.len(), 3);
        assert!(ok.iter().all(Result::is_ok));
        assert!(take(&failure).is_none());

        // Rewritten in place with the same size: caught by the change time
        // (and, for a write in a later tick, the modification time).
        let reader = tokio::fs::File::open(&path).await.unwrap();
        let verify = Verify::for_file(&file, stamp, later(), &signer, "m")
            .await
            .unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let mut changed = body.clone();
        changed[5] ^= 1;
        std::fs::write(&path, &changed).unwrap();
        let items: Vec<_> = send_stream(reader, body.len() as u64, verify, Arc::clone(&failure))
            .collect()
            .await;
        assert_eq!(items.len(), 3);
        assert!(items[..2].iter().all(Result::is_ok));
        assert!(items[2].is_err(), "the last chunk is replaced by an error");
        assert!(matches!(take(&failure), Some(SendFailure::Changed)));
    }
}
