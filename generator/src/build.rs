//! `refgen build`: everything the program compiles into, written through one
//! [`OutputWriter`] so that a failed build changes nothing.
//!
//! Every host's rules are emitted in memory first, so a program that exceeds any host's
//! limits fails before a single file is written.

use std::path::PathBuf;

use refcenter_model::{Program, RedirectTarget};
use refcenter_redirects::{LimitError, RuleSet, emitter};

use crate::output::{OutputError, OutputWriter};

/// What to build and where.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The output folder, replaced as a whole.
    pub out: PathBuf,
}

/// What a build wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildReport {
    /// How many files.
    pub files: usize,
    /// The redirect rules per target.
    pub rules: usize,
    /// The targets written.
    pub targets: Vec<RedirectTarget>,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The program does not fit one or more hosts.
    #[error("the program does not fit {}", .0.iter().map(|e| e.target.as_str()).collect::<Vec<_>>().join(", "))]
    Limits(Vec<LimitError>),
    /// Writing failed.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// The `robots.txt` of the published site: tracking links are not for crawlers.
fn robots(rules: &RuleSet) -> String {
    format!("User-agent: *\nDisallow: {}/\n", rules.root)
}

/// Builds `program` into `options.out`.
pub fn build(program: &Program, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let rules = RuleSet::new(program);
    let mut emitted = Vec::new();
    let mut limits = Vec::new();
    for &target in &program.settings.targets {
        match emitter(target).emit(&rules) {
            Ok(files) => emitted.extend(files),
            Err(e) => limits.push(e),
        }
    }
    if !limits.is_empty() {
        return Err(BuildError::Limits(limits));
    }
    let mut out = OutputWriter::begin(&options.out)?;
    out.write("public/robots.txt", robots(&rules).as_bytes())?;
    for file in &emitted {
        out.write(&file.path, &file.bytes)?;
    }
    let files = out.len();
    out.commit()?;
    Ok(BuildReport { files, rules: rules.rules.len(), targets: program.settings.targets.clone() })
}
