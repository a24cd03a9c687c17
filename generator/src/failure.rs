//! refgen's failures beyond the shared ones ([`refcenter_common::Failure`]): problems in the
//! pages, hosts a program does not fit, a build that could not be written.

use std::fmt::Write as _;

use refcenter_pages::Problems;

pub use refcenter_common::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Failure};

use crate::build::BuildError;

/// What a failed refgen command leaves undone.
pub const NOTHING_WRITTEN: &str = "nothing was written";

/// Problems in the content or templates of the program named `name`.
pub fn pages(name: &str, problems: &Problems) -> Failure {
    let mut details = String::new();
    for p in &problems.0 {
        let _ = writeln!(details, "error: {p}\n");
    }
    Failure {
        details,
        ..Failure::new(
            format!("{problems} of `{name}`; {NOTHING_WRITTEN}"),
            "fix the problems above and run `refgen check` again",
            EXIT_PROBLEMS,
        )
    }
}

/// A program too big for one or more of its hosts (in `check` as in `build`).
pub fn limits(limits: Vec<refcenter_redirects::LimitError>) -> Failure {
    let hint = limits.iter().map(|l| format!("{}: {}", l.target, l.alternatives)).collect::<Vec<_>>().join("; ");
    Failure {
        causes: limits.iter().map(ToString::to_string).collect(),
        ..Failure::new(format!("{}; {NOTHING_WRITTEN}", BuildError::Limits(limits)), hint, EXIT_PROBLEMS)
    }
}

/// A failed build: limits and content problems are problems of the program (exit 1),
/// writing is I/O (exit 2).
pub fn build(name: &str, out: &std::path::Path, error: BuildError) -> Failure {
    match error {
        BuildError::Pages(problems) => pages(name, &problems),
        BuildError::Limits(l) => limits(l),
        BuildError::Output(e) => Failure::usage(
            format!("cannot write the output folder {}; the previous output is unchanged", out.display()),
            &e,
            "check that the folder's parent exists and is writable, and that the disk has room",
        ),
    }
}
