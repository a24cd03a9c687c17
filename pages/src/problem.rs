//! A problem found in the program's content or templates: the file, the line when known,
//! what is wrong and what to do. Every problem of a build is collected before it fails.

use std::fmt;

/// One problem in a content file or template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file, as shown to the admin.
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl Problem {
    /// A problem in `file` at `line`.
    pub fn new(
        file: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Problem { file: file.into(), line, message: message.into(), hint: hint.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        write!(f, "\n  = help: {}", self.hint)
    }
}

/// The problems that stopped a build.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} in the content and templates", count(.0.len()))]
pub struct Problems(pub Vec<Problem>);

fn count(n: usize) -> String {
    if n == 1 { "1 problem".to_owned() } else { format!("{n} problems") }
}

/// The whole chain of a tera error, most general first, on one line.
pub fn tera_message(error: &tera::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        parts.push(e.to_string());
        source = e.source();
    }
    parts.join(": ")
}
