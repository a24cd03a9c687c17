//! The `refgen` command line: parsing arguments and running one command.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::failure::NOTHING_WRITTEN;
use crate::failure::{EXIT_OK, EXIT_USAGE, Failure};
use crate::program_source::{BuildProgram as _, ProgramSource};

/// Compiles a referral program (partners.toml) into private partner pages and redirect rules.
#[derive(Debug, Parser)]
#[command(name = "refgen", version, about, propagate_version = true)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and validate the program and every file it includes; write nothing.
    ///
    /// Exits 0 when the program is clean, 1 when it has problems (all are listed, each with
    /// file, line, column and a hint), 2 on usage or I/O errors.
    Check {
        /// The root program file [default: ./partners.toml, else the built-in sample].
        #[arg(long, short, value_name = "FILE", env = "REFCENTER_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Check the program, then write the site and the redirect rules into the output folder.
    ///
    /// The new output replaces the old one only once it is complete: a failed build leaves
    /// the previous output as it was. The same input always gives the same bytes.
    Build {
        /// The root program file [default: ./partners.toml, else the built-in sample].
        #[arg(long, short, value_name = "FILE", env = "REFCENTER_CONFIG")]
        config: Option<PathBuf>,
        /// The output folder, replaced as a whole.
        #[arg(long, short, value_name = "DIR", default_value = "output", env = "REFGEN_OUT")]
        out: PathBuf,
        /// The report folder of `refstats` whose partners.json fills the partners' Link
        /// Tracking Stats pages [default: stats/report beside the program file, if present].
        #[arg(long, value_name = "DIR", env = "REFGEN_STATS")]
        stats: Option<PathBuf>,
    },
    /// Build, then serve the site on localhost and answer tracking links as the redirect rules
    /// would; rebuild when the program, content/ or templates/ change.
    Serve {
        /// The root program file [default: ./partners.toml, else the built-in sample].
        #[arg(long, short, value_name = "FILE", env = "REFCENTER_CONFIG")]
        config: Option<PathBuf>,
        /// The output folder, replaced as a whole on every build.
        #[arg(long, short, value_name = "DIR", default_value = "output", env = "REFGEN_OUT")]
        out: PathBuf,
        /// The port to listen on (0 picks a free one).
        #[arg(long, short, default_value_t = 8000)]
        port: u16,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
    },
    /// Write a new program, copied from the sample, into DIR (which must be empty or new).
    Init {
        /// The folder of the new program.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print the JSON Schema of the program file, for editors that complete and check TOML.
    Schema,
}

/// Runs `refgen` with `args` and returns the exit status.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> i32 {
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    match execute(args.command) {
        Ok(()) => EXIT_OK,
        Err(failure) => {
            anstream::eprint!("{}", failure.render());
            failure.status
        }
    }
}

fn execute(command: Command) -> Result<(), Failure> {
    match command {
        Command::Check { config } => check(config),
        Command::Build { config, out, stats } => build(config, out, stats),
        Command::Serve { config, out, port, bind } => {
            crate::serve::serve(config, out, std::net::SocketAddr::new(bind, port))
        }
        Command::Init { dir } => crate::init::init(&dir).and_then(|text| print(&text)),
        Command::Schema => print(&refcenter_model::schema::json_schema()),
    }
}

fn check(config: Option<PathBuf>) -> Result<(), Failure> {
    let source = ProgramSource::resolve(config.as_deref());
    if source == ProgramSource::Sample {
        anstream::eprintln!("note: no partners.toml here and no --config given; checking the built-in sample program");
    }
    let loaded = source.load(NOTHING_WRITTEN)?;
    // Render every page in memory (with a throwaway key: paths do not matter here), so that a
    // content template naming an unknown link fails the check as it would fail the build.
    let (program_files, _) = source.files();
    let key = refcenter_model::Secret::from_text("refgen check renders pages in memory only")
        .map_err(|e| Failure::usage("internal key", &e, "report this as a bug"))?;
    let mut discard = |_: &str, _: &[u8]| Ok::<(), std::convert::Infallible>(());
    if let Err(refcenter_pages::RenderError::Problems(p)) =
        refcenter_pages::render(&loaded.program, program_files.as_ref(), &key, None, &mut discard)
    {
        return Err(crate::failure::pages(&source.name(), &p));
    }
    let program = &loaded.program;
    // Compile every target's rules as the build does: a program too big for a host fails here.
    let (rules, _) = crate::build::redirect_rules(program).map_err(crate::failure::limits)?;
    let files = loaded.sources.files().count();
    print(&format!(
        "ok: {} ({}, {} {}): {} links, {} partners, {} ads{}; redirect rules: {}; nothing written\n",
        program.settings.name,
        source.name(),
        files,
        if files == 1 { "file" } else { "files" },
        program.links().len(),
        program.partners().len(),
        program.ad_count(),
        match &program.settings.commissions {
            Some(c) => format!(", {} commission plans in {}", c.plans.len(), c.currency),
            None => String::new(),
        },
        crate::build::rule_counts(&program.settings.targets, &rules),
    ))
}

fn build(config: Option<PathBuf>, out: PathBuf, stats: Option<PathBuf>) -> Result<(), Failure> {
    let source = ProgramSource::resolve(config.as_deref());
    if source == ProgramSource::Sample {
        anstream::eprintln!("note: no partners.toml here and no --config given; building the built-in sample program");
    }
    let built = source.build(&out, stats.as_deref())?;
    let report = &built.report;
    print(&format!(
        "built {}: {} files in {} (pages for {} partners; redirect rules: {}; {}); private addresses in {}\n",
        built.loaded.program.settings.name,
        report.files,
        out.display(),
        report.partners,
        crate::build::rule_counts(&report.targets, &report.rules),
        match &built.stats {
            Some(dir) => format!("click figures from {}", dir.display()),
            None => "no click figures yet".to_owned(),
        },
        out.join(refcenter_pages::ACCESS_FILE).display(),
    ))
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::usage("cannot write to standard output", &e, "check where the output is redirected"))
}
