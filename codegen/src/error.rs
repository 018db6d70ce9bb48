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
    /// Some patch steps could not apply (each one primary or a knock-on).
    Patches(Vec<crate::PatchProblem>),
    /// A `$ref` points nowhere.
    DanglingReference {
        /// Where the `$ref` is.
        at: String,
        /// The reference.
        reference: String,
    },
    /// A security requirement names a scheme `components/securitySchemes` does not declare.
    UnknownSecurityScheme {
        /// Where the requirement is.
        at: String,
        /// The scheme name.
        name: String,
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
    /// Two operations would get the same `Client` method name.
    MethodNameCollision {
        /// The method name.
        name: String,
        /// The first operation, e.g. `GET /a`.
        first: String,
        /// The second operation.
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

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Json { path, source } => write!(f, "{}: invalid JSON: {source}", path.display()),
            Self::BadPatchFile { file, reason } => write!(f, "patches/{file}: {reason}"),
            Self::Patches(problems) => crate::patch_report::render_problems(problems, f),
            Self::DanglingReference { at, reference } => write!(
                f,
                "{at}: `$ref` {reference} points to nothing in the patched spec"
            ),
            Self::UnknownSecurityScheme { at, name } => write!(
                f,
                "{at}: security requirement names `{name}`, which components/securitySchemes does not declare"
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
            Self::MethodNameCollision {
                name,
                first,
                second,
            } => write!(
                f,
                "method name collision: {first} and {second} would both become `Client::{name}()`; give one an operationId in patches/ (see patches/0001-operation-ids.json)"
            ),
            Self::Generation { operation, reason } => match operation {
                Some(op) => write!(f, "generation failed in operation `{op}`: {reason}"),
                None => write!(f, "generation failed: {reason}"),
            },
        }
    }
}

impl std::error::Error for PipelineError {}
