//! Building the program a command works on ([`ProgramSource`], shared with refstats): its
//! secret, the click figures refstats wrote, and the build into an output folder.

use std::path::{Path, PathBuf};

use refcenter_model::page_stats::{PAGE_STATS_FILE, PageStatsError, StatsFile};
use refcenter_model::secret::SecretSource;
use refcenter_model::{Loaded, Secret};

pub use refcenter_common::ProgramSource;

use crate::build::{BuildOptions, BuildReport, Stats, build};
use crate::failure::{self, EXIT_PROBLEMS, Failure, NOTHING_WRITTEN};

/// A program built into an output folder.
pub struct Built {
    /// The program as loaded.
    pub loaded: Loaded,
    /// Its secret.
    pub secret: Secret,
    /// What the build wrote.
    pub report: BuildReport,
    /// The report folder the click figures came from, if any.
    pub stats: Option<PathBuf>,
}

/// Where `refstats --store stats` writes its report, relative to the program file's folder.
pub const DEFAULT_STATS: &str = "stats/report";

/// Building a program: its secret, its click figures and its output.
pub trait BuildProgram {
    /// Loads the program, gets its secret and the click figures (from `stats`, else the
    /// default report folder when it has them) and builds it into `out`.
    fn build(&self, out: &Path, stats: Option<&Path>) -> Result<Built, Failure>;

    /// The program's secret; a newly generated one is announced on stderr, loudly.
    fn secret(&self) -> Result<Secret, Failure>;
}

impl BuildProgram for ProgramSource {
    fn build(&self, out: &Path, stats: Option<&Path>) -> Result<Built, Failure> {
        let loaded = self.load(NOTHING_WRITTEN)?;
        let secret = self.secret()?;
        let (stats, stats_dir) = click_figures(self, stats)?;
        let (files, _) = self.files();
        let options = BuildOptions { out: out.to_path_buf(), stats };
        let report = build(&loaded.program, files.as_ref(), &secret, &options)
            .map_err(|e| failure::build(&self.name(), out, e))?;
        Ok(Built { loaded, secret, report, stats: stats_dir })
    }

    fn secret(&self) -> Result<Secret, Failure> {
        let (secret, source) = Secret::for_program(&self.dir()).map_err(|e| {
            Failure::usage(
                "cannot get the program's secret",
                &e,
                "set REFGEN_SECRET (at least 16 characters), or fix the .refgen-secret file beside partners.toml",
            )
        })?;
        if let SecretSource::Generated(path) = source {
            anstream::eprintln!(
                "warning: no REFGEN_SECRET and no secret file: generated a new secret in {} (git-ignored).\n\
                 warning: every partner's private address is derived from it. Keep it safe and never commit it; \
                 give the same value to CI as REFGEN_SECRET, or the addresses change.",
                path.display()
            );
        }
        Ok(secret)
    }
}

/// The click figures in the report folder `dir` (named: it must hold them), else in the
/// default one beside the program file (if it has them).
fn click_figures(source: &ProgramSource, dir: Option<&Path>) -> Result<(Option<Stats>, Option<PathBuf>), Failure> {
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => {
            let default = source.dir().join(DEFAULT_STATS);
            if !default.join(PAGE_STATS_FILE).is_file() {
                return Ok((None, None));
            }
            default
        }
    };
    let pages = StatsFile::read(&dir.join(PAGE_STATS_FILE)).map_err(|e| match &e {
        PageStatsError::Io { .. } => Failure::usage(
            format!("cannot read the click figures in {}; nothing was written", dir.display()),
            &e,
            "name the report folder refstats wrote (refstats --store DIR writes DIR/report), or leave out --stats",
        ),
        PageStatsError::Invalid { .. } => Failure {
            status: EXIT_PROBLEMS,
            ..Failure::usage(
                format!("the click figures in {} cannot be read; nothing was written", dir.display()),
                &e,
                "refstats writes this file: run it again, or restore the file from git",
            )
        },
    })?;
    let report = std::fs::read(dir.join("report.html")).ok();
    Ok((Some(Stats { pages, report }), Some(dir)))
}
