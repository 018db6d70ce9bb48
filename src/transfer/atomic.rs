//! Atomic file writes: a temp file next to the target, fsync, rename.
//!
//! Writes are batched: bytes are copied into a buffer of [`BATCH`] bytes,
//! and each full buffer is written in one blocking-pool section while the
//! next one fills (two buffers, used in turn). So a 10 MB download costs
//! about 40 blocking round trips instead of one per 64 KiB, and at most
//! two batches are held, whatever the sizes of the chunks that arrive
//! (copying frees the connection's read buffer at once; holding its chunks
//! would keep their allocations alive).
//!
//! Dropping an [`AtomicFile`] without [`AtomicFile::commit`] removes the
//! temp file, so every early return (`?`) cleans up.

use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use tokio::task::JoinHandle;

use crate::{Error, ValidationError};

/// The size of one batch (benches/RESULTS.md §3 has the batch-size table).
pub(crate) const BATCH: usize = 256 * 1024;

/// A blocking write in flight: it hands the file and the buffer back.
type Pending = JoinHandle<(File, Vec<u8>, io::Result<()>)>;

/// A temp file that becomes `target` on [`commit`](Self::commit).
pub(crate) struct AtomicFile {
    /// `None` while a batch is being written.
    file: Option<File>,
    pending: Option<Pending>,
    /// The batch being filled, and the other buffer once it is written.
    buf: Vec<u8>,
    spare: Option<Vec<u8>>,
    temp: tempfile::TempPath,
    target: PathBuf,
    written: u64,
}

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The longest file name most file systems accept, in bytes.
pub(crate) const NAME_MAX: usize = 255;

/// What the temp name adds to the target's name: `.`, `.`, six random
/// characters and `.part`.
const TEMP_OVERHEAD: usize = 1 + 1 + 6 + 5;

/// `name` cut (at a character boundary) so the temp name fits in NAME_MAX.
fn shortened(name: &str) -> &str {
    let max = NAME_MAX - TEMP_OVERHEAD;
    if name.len() <= max {
        return name;
    }
    let mut end = max;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

impl AtomicFile {
    /// Creates `.<name>.XXXXXX.part` in `target`'s directory, with `<name>`
    /// shortened so the temp name fits in [`NAME_MAX`] bytes whatever the
    /// target's name.
    pub(crate) async fn create(target: &Path) -> Result<Self, Error> {
        let Some(name) = target.file_name() else {
            return Err(ValidationError::new("path", "has no file name").into());
        };
        if tokio::fs::metadata(target).await.is_ok_and(|m| m.is_dir()) {
            return Err(ValidationError::new("path", "is a directory").into());
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // One open(2) with O_EXCL; quick enough to run inline.
        let named = tempfile::Builder::new()
            .prefix(&format!(".{}.", shortened(&name.to_string_lossy())))
            .suffix(".part")
            .tempfile_in(&dir)
            .map_err(|e| io_error(&dir, e))?;
        let (file, temp) = named.into_parts();
        Ok(Self {
            file: Some(file),
            pending: None,
            buf: Vec::new(),
            spare: None,
            temp,
            target: target.to_path_buf(),
            written: 0,
        })
    }

    /// The final path.
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// Appends a chunk. Every full batch is written in one blocking
    /// section while the caller goes on; a write error surfaces on a later
    /// call or on [`commit`](Self::commit).
    pub(crate) async fn write(&mut self, mut chunk: &[u8]) -> Result<(), Error> {
        self.written += chunk.len() as u64;
        while !chunk.is_empty() {
            if self.buf.capacity() == 0 {
                self.buf.reserve_exact(BATCH);
            }
            let take = chunk.len().min(BATCH - self.buf.len());
            self.buf.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if self.buf.len() == BATCH {
                let mut file = self.idle_file().await?;
                let next = self.spare.take().unwrap_or_default();
                let full = std::mem::replace(&mut self.buf, next);
                self.pending = Some(tokio::task::spawn_blocking(move || {
                    let result = file.write_all(&full);
                    (file, full, result)
                }));
            }
        }
        Ok(())
    }

    /// The file, once the batch in flight (if any) is written; its buffer
    /// becomes the spare.
    async fn idle_file(&mut self) -> Result<File, Error> {
        if let Some(pending) = self.pending.take() {
            let (file, mut buf, result) = pending
                .await
                .map_err(|e| io_error(&self.temp, io::Error::other(e)))?;
            self.file = Some(file);
            result.map_err(|e| io_error(&self.temp, e))?;
            buf.clear();
            self.spare = Some(buf);
        }
        self.file
            .take()
            .ok_or_else(|| io_error(&self.temp, io::Error::other("file lost by a failed write")))
    }

    /// Writes what is left, fsyncs, closes and renames the temp file onto
    /// the target (and fsyncs the directory on Unix), in one blocking
    /// section. Returns the bytes written.
    pub(crate) async fn commit(mut self) -> Result<u64, Error> {
        let mut file = self.idle_file().await?;
        let rest = std::mem::take(&mut self.buf);
        self.spare = None;
        let Self {
            temp,
            target,
            written,
            ..
        } = self;
        let failed = target.clone();
        tokio::task::spawn_blocking(move || {
            file.write_all(&rest)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(&temp, e))?;
            drop(file);
            // On failure the temp path comes back in the error and is
            // dropped, which removes the file.
            temp.persist(&target)
                .map_err(|e| io_error(&target, e.error))?;
            sync_parent(&target);
            Ok(written)
        })
        .await
        .map_err(|e| io_error(&failed, io::Error::other(e)))?
    }
}

/// Best effort: make the rename itself durable (Unix; a no-op elsewhere).
fn sync_parent(path: &Path) {
    if cfg!(unix) {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A 250-byte name (and a 255-byte one of multi-byte characters) is
    /// valid on Linux; the temp name must fit too.
    #[tokio::test]
    async fn longest_valid_names_work() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            format!("{}.pdf", "a".repeat(246)),
            format!("{}.pdf", "अ".repeat(83)),
        ] {
            assert!(name.len() <= NAME_MAX, "{}", name.len());
            let target = dir.path().join(&name);
            let mut f = AtomicFile::create(&target).await.unwrap();
            f.write(b"x").await.unwrap();
            assert_eq!(f.commit().await.unwrap(), 1);
            assert_eq!(std::fs::read(&target).unwrap(), b"x");
        }
    }

    #[tokio::test]
    async fn commit_renames_and_drop_removes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.pdf");

        let mut f = AtomicFile::create(&target).await.unwrap();
        f.write(b"hello ").await.unwrap();
        f.write(b"world").await.unwrap();
        assert_eq!(entries(dir.path()).len(), 1);
        assert!(!target.exists());
        assert_eq!(f.commit().await.unwrap(), 11);
        assert_eq!(std::fs::read(&target).unwrap(), b"hello world");
        assert_eq!(entries(dir.path()), vec!["out.pdf".to_string()]);

        let mut f = AtomicFile::create(&target).await.unwrap();
        f.write(b"partial").await.unwrap();
        drop(f);
        assert_eq!(entries(dir.path()), vec!["out.pdf".to_string()]);
        assert_eq!(std::fs::read(&target).unwrap(), b"hello world");
    }

    /// Chunks of odd sizes across several batches arrive in order, and
    /// nothing is visible at the target before the commit.
    #[tokio::test]
    async fn batches_keep_order() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("big.bin");
        let mut f = AtomicFile::create(&target).await.unwrap();
        let mut expected = Vec::new();
        for i in 0..200u32 {
            let len = 1 + (i as usize * 7919) % 20_000;
            let chunk: Vec<u8> = (0..len).map(|j| (i as usize + j) as u8).collect();
            expected.extend_from_slice(&chunk);
            f.write(&chunk).await.unwrap();
        }
        assert!(expected.len() > 3 * BATCH, "{}", expected.len());
        assert!(!target.exists());
        assert_eq!(f.commit().await.unwrap(), expected.len() as u64);
        assert_eq!(std::fs::read(&target).unwrap(), expected);
        assert_eq!(entries(dir.path()), vec!["big.bin".to_string()]);
    }

    /// Dropped with a batch in flight: the temp file still goes away (on
    /// Unix an open file can be unlinked).
    #[cfg(unix)]
    #[tokio::test]
    async fn drop_during_a_write_removes_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("cut.bin");
        let mut f = AtomicFile::create(&target).await.unwrap();
        f.write(&vec![1u8; BATCH + 1]).await.unwrap();
        assert!(f.pending.is_some());
        drop(f);
        assert!(entries(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn bad_targets() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            AtomicFile::create(dir.path()).await,
            Err(Error::Validation(_))
        ));
        assert!(matches!(
            AtomicFile::create(&dir.path().join("missing/x.pdf")).await,
            Err(Error::Io { .. })
        ));
    }
}
