//! The one error type of the commands: a message for the user.

use std::fmt;
use std::path::Path;

/// A failed command, with the message to print.
#[derive(Debug)]
pub struct Failure(pub String);

impl Failure {
    /// Maps an I/O error on `path` to a failure naming the path.
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |e| Self(format!("{}: {e}", path.display()))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<digilocker_authpartner_codegen::PipelineError> for Failure {
    fn from(e: digilocker_authpartner_codegen::PipelineError) -> Self {
        Self(e.to_string())
    }
}

/// The result of a command.
pub type Result<T = ()> = std::result::Result<T, Failure>;
