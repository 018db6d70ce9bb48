//! Atomic file writes: a temp file next to the target, fsync, rename.
//!
//! Dropping an [`AtomicFile`] without [`AtomicFile::commit`] removes the
//! temp file, so every early return (`?`) cleans up.

use std::io;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use crate::{Error, ValidationError};

/// A temp file that becomes `target` on [`commit`](Self::commit).
pub(crate) struct AtomicFile {
    // Field order matters: the file is closed before the path is removed.
    file: tokio::fs::File,
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
            file: tokio::fs::File::from_std(file),
            temp,
            target: target.to_path_buf(),
            written: 0,
        })
    }

    /// The final path.
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// Appends a chunk, in slices of at most 64 KiB: tokio copies each
    /// write into a buffer of its size for the blocking pool.
    pub(crate) async fn write(&mut self, chunk: &[u8]) -> Result<(), Error> {
        for piece in chunk.chunks(64 * 1024) {
            self.file
                .write_all(piece)
                .await
                .map_err(|e| io_error(&self.temp, e))?;
        }
        self.written += chunk.len() as u64;
        Ok(())
    }

    /// Flushes, fsyncs, closes and renames the temp file onto the target
    /// (and fsyncs the directory on Unix). Returns the bytes written.
    pub(crate) async fn commit(self) -> Result<u64, Error> {
        let Self {
            mut file,
            temp,
            target,
            written,
        } = self;
        file.flush().await.map_err(|e| io_error(&temp, e))?;
        file.sync_all().await.map_err(|e| io_error(&temp, e))?;
        drop(file);
        // On failure `temp` is dropped, which removes the file.
        tokio::fs::rename(&temp, &target)
            .await
            .map_err(|e| io_error(&target, e))?;
        // Renamed: nothing left to clean up.
        let _ = temp.keep();
        sync_parent(&target).await;
        Ok(written)
    }
}

/// Best effort: make the rename itself durable (Unix; a no-op elsewhere).
async fn sync_parent(path: &Path) {
    if cfg!(unix) {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(d) = tokio::fs::File::open(dir).await {
            let _ = d.sync_all().await;
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
