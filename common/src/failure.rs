//! How a command fails: rendered diagnostics, a headline, its causes and a hint on stderr, and
//! an exit status that tells a script what went wrong (1: the input has problems, 2: usage or
//! I/O).

use std::fmt::Write as _;
use std::io::IsTerminal;

use refcenter_model::{LoadError, Style};

/// Exit status of a run that went well.
pub const EXIT_OK: i32 = 0;
/// Exit status when the input (the program, a log, an export) has problems.
pub const EXIT_PROBLEMS: i32 = 1;
/// Exit status of a usage or I/O error.
pub const EXIT_USAGE: i32 = 2;

/// A failed command, ready to be shown.
#[derive(Debug)]
pub struct Failure {
    /// Rendered diagnostics shown before the headline (empty for most failures).
    pub details: String,
    /// What failed, in one line.
    pub headline: String,
    /// Why, most direct cause first.
    pub causes: Vec<String>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The exit status.
    pub status: i32,
}

impl Failure {
    /// A failure with a headline, a hint and a status.
    pub fn new(headline: impl Into<String>, hint: impl Into<String>, status: i32) -> Self {
        Failure {
            details: String::new(),
            headline: headline.into(),
            causes: Vec::new(),
            hint: Some(hint.into()),
            status,
        }
    }

    /// A usage or I/O failure, with `error` and its sources as the causes.
    pub fn usage(headline: impl Into<String>, error: &dyn std::error::Error, hint: impl Into<String>) -> Self {
        let mut causes = Vec::new();
        let mut source: Option<&dyn std::error::Error> = Some(error);
        while let Some(e) = source {
            causes.push(e.to_string());
            source = e.source();
        }
        Failure { causes, ..Failure::new(headline, hint, EXIT_USAGE) }
    }

    /// A failure to load the program named `name`; `consequence` says what was not done
    /// (e.g. "nothing was written").
    pub fn load(name: &str, error: LoadError, consequence: &str) -> Self {
        match &error {
            LoadError::Io { source, .. } => Failure::usage(
                format!("cannot read the program file `{name}`"),
                source,
                "name the program file with --config FILE, or run in the program's folder",
            ),
            LoadError::Invalid { diagnostics, .. } => Failure {
                details: error.render(diagnostic_style()),
                headline: format!(
                    "{} found in `{name}` and the files it includes; {consequence}",
                    refcenter_model::error::problems(diagnostics.len())
                ),
                ..Failure::new("", "fix the problems above and run `refgen check` again", EXIT_PROBLEMS)
            },
        }
    }

    /// The whole text for stderr.
    pub fn render(&self) -> String {
        let mut out = self.details.clone();
        let _ = writeln!(out, "error: {}", self.headline);
        for cause in &self.causes {
            let _ = writeln!(out, "  cause: {cause}");
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  hint: {hint}");
        }
        out
    }
}

/// Colour on a terminal unless `NO_COLOR` is set; plain text otherwise.
pub fn diagnostic_style() -> Style {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() { Style::Color } else { Style::Plain }
}
