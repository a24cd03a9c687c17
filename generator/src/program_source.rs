//! Which program a command works on: the file named with `--config`, else `partners.toml`
//! in the current folder, else the sample program built into the binary.

use std::path::{Path, PathBuf};

use refcenter_model::page_stats::{PAGE_STATS_FILE, PageStats, PageStatsError};
use refcenter_model::secret::SecretSource;
use refcenter_model::{DiskFiles, Files, Loaded, Secret, load};

use crate::build::{BuildOptions, BuildReport, Stats, build};
use crate::failure::Failure;

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

/// Where the program comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramSource {
    /// A root program file on disk.
    File(PathBuf),
    /// The built-in sample.
    Sample,
}

/// The name of the program file looked for in the current folder.
pub const DEFAULT_FILE: &str = "partners.toml";

impl ProgramSource {
    /// The program named on the command line, or the default one.
    pub fn resolve(config: Option<&Path>) -> ProgramSource {
        match config {
            Some(path) => ProgramSource::File(path.to_path_buf()),
            None if Path::new(DEFAULT_FILE).is_file() => ProgramSource::File(PathBuf::from(DEFAULT_FILE)),
            None => ProgramSource::Sample,
        }
    }

    /// How to name this program in messages.
    pub fn name(&self) -> String {
        match self {
            ProgramSource::File(path) => path.display().to_string(),
            ProgramSource::Sample => "the built-in sample program".to_owned(),
        }
    }

    /// The program's files and the root file's path among them.
    pub fn files(&self) -> (Box<dyn Files + Send + Sync>, PathBuf) {
        match self {
            ProgramSource::File(path) => {
                let (files, root) = DiskFiles::for_program_file(path);
                (Box::new(files), root)
            }
            ProgramSource::Sample => (Box::new(refcenter_sample::files()), PathBuf::from(refcenter_sample::ROOT)),
        }
    }

    /// The folder of the program file (the current folder for the sample): where the secret
    /// file and the program's own folders are.
    pub fn dir(&self) -> PathBuf {
        match self {
            ProgramSource::File(path) => match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            },
            ProgramSource::Sample => PathBuf::from("."),
        }
    }

    /// Loads and checks the program.
    pub fn load(&self) -> Result<Loaded, Failure> {
        let (files, root) = self.files();
        load(files.as_ref(), &root).map_err(|e| Failure::load(&self.name(), e))
    }

    /// Loads the program, gets its secret and the click figures (from `stats`, else the
    /// default report folder when it has them) and builds it into `out`.
    pub fn build(&self, out: &Path, stats: Option<&Path>) -> Result<Built, Failure> {
        let loaded = self.load()?;
        let secret = self.secret()?;
        let (stats, stats_dir) = self.stats(stats)?;
        let (files, _) = self.files();
        let options = BuildOptions { out: out.to_path_buf(), stats };
        let report = build(&loaded.program, files.as_ref(), &secret, &options)
            .map_err(|e| Failure::build(&self.name(), out, e))?;
        Ok(Built { loaded, secret, report, stats: stats_dir })
    }

    /// The click figures in the report folder `dir` (named: it must hold them), else in the
    /// default one beside the program file (if it has them).
    fn stats(&self, dir: Option<&Path>) -> Result<(Option<Stats>, Option<PathBuf>), Failure> {
        let dir = match dir {
            Some(dir) => dir.to_path_buf(),
            None => {
                let default = self.dir().join(DEFAULT_STATS);
                if !default.join(PAGE_STATS_FILE).is_file() {
                    return Ok((None, None));
                }
                default
            }
        };
        let pages = PageStats::read(&dir.join(PAGE_STATS_FILE)).map_err(|e| match &e {
            PageStatsError::Io { .. } => Failure::usage(
                format!("cannot read the click figures in {}; nothing was written", dir.display()),
                &e,
                "name the report folder refstats wrote (refstats --store DIR writes DIR/report), or leave out --stats",
            ),
            PageStatsError::Invalid { .. } => Failure {
                status: crate::failure::EXIT_PROBLEMS,
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

    /// The program's secret; a newly generated one is announced on stderr, loudly.
    pub fn secret(&self) -> Result<Secret, Failure> {
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
