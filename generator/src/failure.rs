//! How a command fails: a headline, its causes and a hint on stderr, and an exit status that
//! tells a script what went wrong (1: the program has problems, 2: usage or I/O).

use std::fmt::Write as _;
use std::io::IsTerminal;

use refcenter_model::{LoadError, Style};

use refcenter_pages::Problems;

use crate::build::BuildError;

/// Exit status of a run that went well.
pub const EXIT_OK: i32 = 0;
/// Exit status when the input (the program) has problems.
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
    /// A usage or I/O failure.
    pub fn usage(headline: impl Into<String>, error: &dyn std::error::Error, hint: impl Into<String>) -> Self {
        let mut causes = Vec::new();
        let mut source: Option<&dyn std::error::Error> = Some(error);
        while let Some(e) = source {
            causes.push(e.to_string());
            source = e.source();
        }
        Failure {
            details: String::new(),
            headline: headline.into(),
            causes,
            hint: Some(hint.into()),
            status: EXIT_USAGE,
        }
    }

    /// A failure to load the program named `name`.
    pub fn load(name: &str, error: LoadError) -> Self {
        match &error {
            LoadError::Io { source, .. } => Failure::usage(
                format!("cannot read the program file `{name}`"),
                source,
                "name the program file with --config FILE, or run refgen in the program's folder",
            ),
            LoadError::Invalid { diagnostics, .. } => Failure {
                details: error.render(diagnostic_style()),
                headline: format!(
                    "{} found in `{name}` and the files it includes; nothing was written",
                    refcenter_model::error::problems(diagnostics.len())
                ),
                causes: Vec::new(),
                hint: Some("fix the problems above and run `refgen check` again".to_owned()),
                status: EXIT_PROBLEMS,
            },
        }
    }

    /// Problems in the content or templates of the program named `name`.
    pub fn pages(name: &str, problems: &Problems) -> Self {
        let mut details = String::new();
        for p in &problems.0 {
            let _ = writeln!(details, "error: {p}\n");
        }
        Failure {
            details,
            headline: format!("{problems} of `{name}`; nothing was written"),
            causes: Vec::new(),
            hint: Some("fix the problems above and run `refgen check` again".to_owned()),
            status: EXIT_PROBLEMS,
        }
    }

    /// A program too big for one or more of its hosts (in `check` as in `build`).
    pub fn limits(limits: Vec<refcenter_redirects::LimitError>) -> Self {
        Failure {
            details: String::new(),
            hint: Some(
                limits.iter().map(|l| format!("{}: {}", l.target, l.alternatives)).collect::<Vec<_>>().join("; "),
            ),
            causes: limits.iter().map(ToString::to_string).collect(),
            headline: format!("{error}; nothing was written", error = BuildError::Limits(limits)),
            status: EXIT_PROBLEMS,
        }
    }

    /// A failed build: limits and content problems are problems of the program (exit 1),
    /// writing is I/O (exit 2).
    pub fn build(name: &str, out: &std::path::Path, error: BuildError) -> Self {
        match error {
            BuildError::Pages(problems) => Failure::pages(name, &problems),
            BuildError::Limits(limits) => Failure::limits(limits),
            BuildError::Output(e) => Failure::usage(
                format!("cannot write the output folder {}; the previous output is unchanged", out.display()),
                &e,
                "check that the folder's parent exists and is writable, and that the disk has room",
            ),
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
fn diagnostic_style() -> Style {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() { Style::Color } else { Style::Plain }
}
