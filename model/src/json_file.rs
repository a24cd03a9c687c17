//! Reading a JSON file one binary wrote for the other (or for itself): a missing or unreadable
//! file, and a file that is not what was expected, each reported with its path, and for the
//! latter the line and column.

use std::path::Path;

use serde::de::DeserializeOwned;

/// Why a JSON file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JsonFileError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not what was expected.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The line (1-based).
        line: usize,
        /// The column (1-based).
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads the JSON file at `path` as a `T`, as a stream (a big file's text is not held whole
/// beside what it is read into).
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<T, JsonFileError> {
    let name = || path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| JsonFileError::Io { path: name(), source })?;
    serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| match e.io_error_kind() {
        Some(kind) => JsonFileError::Io { path: name(), source: std::io::Error::new(kind, e.to_string()) },
        None => JsonFileError::Invalid { path: name(), line: e.line(), column: e.column(), message: e.to_string() },
    })
}
