//! `refgen build`: everything the program compiles into, written through one
//! [`OutputWriter`] so that a failed build changes nothing.
//!
//! Every host's rules are made in memory first, so a program that exceeds a host's limits
//! fails before a file is written; pages are written into the staging folder as they are
//! rendered, and a content problem found on the way drops the staging folder.

use std::path::PathBuf;

use refcenter_model::page_stats::StatsFile;
use refcenter_model::{Files, Program, RedirectTarget, Secret};
use refcenter_pages::{PRIVATE_ROOT, Problems, RenderError};
use refcenter_redirects::{Emitted, LimitError, RuleSet, emitter};

use refcenter_output::{OutputError, OutputWriter};

/// What to build and where.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The output folder, replaced as a whole.
    pub out: PathBuf,
    /// The click figures `refstats` wrote, if any.
    pub stats: Option<Stats>,
}

/// What `refstats` wrote for the site: each partner's figures and the admin's report page.
#[derive(Clone, Debug)]
pub struct Stats {
    /// Each partner's figures.
    pub pages: StatsFile,
    /// The admin report (`report.html`), copied to [`ADMIN_REPORT`].
    pub report: Option<Vec<u8>>,
}

/// Where the admin's statistics report goes, relative to the output folder.
pub const ADMIN_REPORT: &str = "private/stats.html";

/// What a build wrote, and the rule list it wrote the redirect files from.
#[derive(Clone, Debug)]
pub struct BuildReport {
    /// How many files.
    pub files: usize,
    /// The rule list every target's files were emitted from.
    pub rules: RuleSet,
    /// How many partners got private pages.
    pub partners: usize,
    /// The targets written.
    pub targets: Vec<RedirectTarget>,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The program does not fit one or more hosts.
    #[error("the program does not fit {}", .0.iter().map(|e| e.target.as_str()).collect::<Vec<_>>().join(", "))]
    Limits(Vec<LimitError>),
    /// The content or the templates have problems.
    #[error(transparent)]
    Pages(#[from] Problems),
    /// Writing failed.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// The `robots.txt` of the published site: tracking links and private pages are not for
/// crawlers. (It names the private root only, never a partner's folder.)
fn robots(rules: &RuleSet) -> String {
    let base = rules.root.rsplit_once('/').map_or("", |(base, _)| base);
    format!("User-agent: *\nDisallow: {}/\nDisallow: {base}/{PRIVATE_ROOT}/\n", rules.root)
}

/// The rule list of `program` and every target's files made from it, or every limit of a
/// host the program exceeds. `refgen check` runs this too, so a program too big for a host
/// fails the check as it would fail the build. A host of one file per rule (the `html`
/// target) has no limit and its files are not made here: [`build`] writes them as it makes
/// them.
pub fn redirect_rules(program: &Program) -> Result<(RuleSet, Vec<Emitted>), Vec<LimitError>> {
    let rules = RuleSet::new(program);
    let mut emitted = Vec::new();
    let mut limits = Vec::new();
    for &target in program.settings.targets.iter().filter(|t| !emitter(**t).streamed()) {
        match emitter(target).emit(&rules) {
            Ok(files) => emitted.extend(files),
            Err(e) => limits.push(e),
        }
    }
    if !limits.is_empty() {
        return Err(limits);
    }
    Ok((rules, emitted))
}

/// How many rules each target holds, e.g. `nginx 42, cloudfront 14`.
pub fn rule_counts(targets: &[RedirectTarget], rules: &RuleSet) -> String {
    targets.iter().map(|&t| format!("{} {}", t.as_str(), emitter(t).rule_count(rules))).collect::<Vec<_>>().join(", ")
}

/// Builds `program`, whose content and templates are in `files`, into `options.out`.
pub fn build(
    program: &Program,
    files: &dyn Files,
    secret: &Secret,
    options: &BuildOptions,
) -> Result<BuildReport, BuildError> {
    let (rules, emitted) = redirect_rules(program).map_err(BuildError::Limits)?;
    let out = OutputWriter::begin(&options.out)?;
    out.write("public/robots.txt", robots(&rules).as_bytes())?;
    // Pages go straight into the staging folder; on a problem the writer is dropped, which
    // removes it, and the previous output stays.
    let pages = options.stats.as_ref().map(|s| &s.pages);
    let site = refcenter_pages::render(program, files, secret, pages, &mut |path, bytes| out.write(path, bytes))
        .map_err(|e| match e {
            RenderError::Problems(p) => BuildError::Pages(p),
            RenderError::Write(e) => BuildError::Output(e),
        })?;
    if let Some(report) = options.stats.as_ref().and_then(|s| s.report.as_ref()) {
        out.write(ADMIN_REPORT, report)?;
    }
    for file in &emitted {
        out.write(&file.path, &file.bytes)?;
    }
    drop(emitted);
    for &target in program.settings.targets.iter().filter(|t| emitter(**t).streamed()) {
        let mut failed = None;
        emitter(target)
            .each_file(&rules, &mut |file| match out.write(&file.path, &file.bytes) {
                Ok(()) => true,
                Err(e) => {
                    failed = Some(e);
                    false
                }
            })
            .map_err(|e| BuildError::Limits(vec![e]))?;
        if let Some(e) = failed {
            return Err(e.into());
        }
    }
    let files = out.len();
    out.commit()?;
    Ok(BuildReport { files, rules, partners: site.partners, targets: program.settings.targets.clone() })
}
