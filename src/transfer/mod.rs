//! Uploads and downloads with HMAC-SHA256 integrity checks.
//!
//! - **Upload** (`POST /oauth2/1/file/upload`): [`Client::upload_bytes`],
//!   [`Client::upload_path`] and [`Client::upload_reader`] check the input
//!   before anything is sent (file type sniffed from its magic bytes and
//!   matched against the destination's extension, size, file name, path),
//!   sign the body with a streaming HMAC-SHA256 keyed with the client secret,
//!   and stream it. A file is read twice (once to sign, once to send) and is
//!   never held in memory.
//! - **Download** (`GET /oauth2/1/file/{uri}`, `/oauth2/1/xml/{uri}`,
//!   e-Aadhaar XML): the `hmac` response header is verified over the body as
//!   it streams, in constant time. [`Client::download`] collects verified
//!   bytes, [`Client::download_stream`] streams them (holding back the last
//!   chunk until the check passes), and [`Client::download_to_path`] writes a
//!   file atomically (temp file in the same directory, fsync, rename).
//!
//! [`Client::upload_bytes`]: crate::Client::upload_bytes
//! [`Client::upload_path`]: crate::Client::upload_path
//! [`Client::upload_reader`]: crate::Client::upload_reader
//! [`Client::download`]: crate::Client::download
//! [`Client::download_stream`]: crate::Client::download_stream
//! [`Client::download_to_path`]: crate::Client::download_to_path

mod atomic;
mod download;
mod upload;

pub(crate) use download::XmlDocument;
pub use download::{Download, DownloadStream, HmacCheck, SavedFile};
pub use upload::{FileKind, MAX_UPLOAD_BYTES};
