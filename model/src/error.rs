//! The errors of loading a program.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Style, render};
use crate::source::SourceMap;

/// Why a program could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The root program file could not be read at all.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The program has problems; every one found is listed.
    #[error("{} in the program", problems(diagnostics.len()))]
    Invalid {
        /// The files read, to show the problems in.
        sources: SourceMap,
        /// The problems, in file and line order.
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// The problems rendered with their source lines (empty for an I/O error).
    pub fn render(&self, style: Style) -> String {
        match self {
            LoadError::Io { .. } => String::new(),
            LoadError::Invalid { sources, diagnostics } => render(diagnostics, sources, style),
        }
    }
}

/// "1 problem", "3 problems".
pub fn problems(n: usize) -> String {
    if n == 1 { "1 problem".to_owned() } else { format!("{n} problems") }
}
