use std::fmt;
use std::path::PathBuf;

/// A failure of the pipeline, naming the file, patch operation, operation or type at fault.
#[derive(Debug)]
pub enum PipelineError {
    /// A file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// A patch file is not a valid `{defect, evidence, patch}` document.
    BadPatchFile {
        /// The patch file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A patch's `test` operation found a different value upstream.
    TestFailed {
        /// The patch file.
        file: String,
        /// The JSON pointer that was tested.
        pointer: String,
        /// The value the patch expects.
        expected: Box<serde_json::Value>,
        /// The value upstream has now (`None` when the pointer no longer resolves).
        actual: Option<Box<serde_json::Value>>,
    },
    /// A patch operation other than `test` failed to apply.
    ApplyFailed {
        /// The patch file.
        file: String,
        /// The JSON pointer of the failing operation.
        pointer: String,
        /// What went wrong.
        reason: String,
    },
    /// The patched spec is not valid OpenAPI 3.0.
    OpenApi(String),
    /// Two different schemas would generate the same Rust type name.
    TypeNameCollision {
        /// The Rust type name.
        name: String,
        /// Where the first schema lives.
        first: String,
        /// Where the second schema lives.
        second: String,
    },
    /// progenitor rejected an operation.
    Generation {
        /// The operation at fault, when it could be isolated.
        operation: Option<String>,
        /// progenitor's message.
        reason: String,
    },
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.len() > 400 {
        let mut end = 400;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &s[..end], s.len())
    } else {
        s
    }
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Json { path, source } => write!(f, "{}: invalid JSON: {source}", path.display()),
            Self::BadPatchFile { file, reason } => write!(f, "patches/{file}: {reason}"),
            Self::TestFailed {
                file,
                pointer,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "patches/{file}: test failed at {pointer}\n  expected: {}\n  upstream: {}\n  hint: if upstream fixed this defect, drop the patch (or its ops); otherwise adapt the patch to the new upstream value",
                    short(expected),
                    actual
                        .as_deref()
                        .map_or_else(|| "<absent>".to_string(), short),
                )
            }
            Self::ApplyFailed {
                file,
                pointer,
                reason,
            } => write!(
                f,
                "patches/{file}: cannot apply operation at {pointer}: {reason}"
            ),
            Self::OpenApi(reason) => write!(f, "patched spec is not valid OpenAPI 3.0: {reason}"),
            Self::TypeNameCollision {
                name,
                first,
                second,
            } => write!(
                f,
                "type name collision: `{name}` would be generated from two different schemas ({first} and {second}); give one a distinct title or name"
            ),
            Self::Generation { operation, reason } => match operation {
                Some(op) => write!(f, "generation failed in operation `{op}`: {reason}"),
                None => write!(f, "generation failed: {reason}"),
            },
        }
    }
}

impl std::error::Error for PipelineError {}
