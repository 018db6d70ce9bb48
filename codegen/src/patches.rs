use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::PipelineError;

/// One patch file: a defect, its evidence, and the RFC 6902 operations that fix it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// File name inside `patches/`, e.g. `0004-one-error-response.json`.
    #[serde(skip)]
    pub file: String,
    /// What is wrong upstream.
    pub defect: String,
    /// Where the truth comes from (PDF sections, or the spec's own contradictions).
    pub evidence: Vec<String>,
    /// The RFC 6902 JSON Patch document.
    pub patch: json_patch::Patch,
}

/// Loads every `*.json` patch in `dir`, in file-name order.
pub fn load_patches(dir: &Path) -> Result<Vec<Patch>, PipelineError> {
    let io = |e| PipelineError::Io {
        path: dir.to_path_buf(),
        source: e,
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(|e| PipelineError::Io {
                path: path.clone(),
                source: e,
            })?;
            let mut patch: Patch =
                serde_json::from_str(&text).map_err(|e| PipelineError::BadPatchFile {
                    file: file.clone(),
                    reason: e.to_string(),
                })?;
            if !patch
                .patch
                .0
                .iter()
                .any(|op| matches!(op, json_patch::PatchOperation::Test(_)))
            {
                return Err(PipelineError::BadPatchFile {
                    file,
                    reason: "has no `test` operation guarding the upstream values it changes"
                        .into(),
                });
            }
            patch.file = file;
            Ok(patch)
        })
        .collect()
}

/// Applies `patches` to `doc` in order. On failure `doc` is left as it was
/// before the failing patch, and the error names the patch file and pointer.
pub fn apply_patches(doc: &mut Value, patches: &[Patch]) -> Result<(), PipelineError> {
    for patch in patches {
        if let Err(err) = json_patch::patch(doc, &patch.patch) {
            let pointer = err.path.to_string();
            let failing = patch.patch.0.get(err.operation);
            return Err(match (&err.kind, failing) {
                (
                    json_patch::PatchErrorKind::TestFailed,
                    Some(json_patch::PatchOperation::Test(t)),
                ) => PipelineError::TestFailed {
                    file: patch.file.clone(),
                    pointer,
                    expected: Box::new(t.value.clone()),
                    actual: doc.pointer(&t.path.to_string()).cloned().map(Box::new),
                },
                (kind, _) => PipelineError::ApplyFailed {
                    file: patch.file.clone(),
                    pointer,
                    reason: kind.to_string(),
                },
            });
        }
    }
    Ok(())
}
