//! The report of a store brought up to date by what a run added to its open days, instead of
//! computed again from every stored visit: an hourly run costs about what its new logs do.
//!
//! A full run of a store (any run that is not an increment) writes a cache beside the ledger,
//! `cache/last-seen.bin` ([`crate::store::last_seen`]): the last day each visitor clicked each
//! key on the closed days, the days before the day before `--as-of`. A later run whose new
//! clicks all fall on the open days (that day and the next, up to `--as-of`), made with the same
//! program, options and `--as-of` as the previous report, over the store that report was made
//! from, then:
//!
//! 1. works out what its rows add to each group of the whole period's tables and of the partner
//!    pages' windows ([`added`]), looking each new visitor up in the cache and in the open
//!    days' partitions;
//! 2. stores its counts, and computes the per-day tables of the days it changed from their
//!    partitions alone (per-day figures need no other day);
//! 3. writes the whole period's tables with the changed rows spliced in ([`csv_splice`]), and
//!    `partners.json` with the changed partners' entries ([`page_splice`]), copying every other
//!    row and entry as it was.
//!
//! Anything else (no cache or an outdated one, a late file for a closed day, another program or
//! options, breakdowns counted by this run, JSON or Parquet tables, commissions, shop exports)
//! makes the report in full, as does any surprise in the previous report.

pub mod added;
pub mod csv_splice;
pub mod page_splice;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;
use refcenter_model::Program;
use refcenter_model::page_stats::{Figures, PAGE_STATS_FILE, PartnerStats};
use refcenter_output::OutputWriter;
use rustc_hash::FxHashSet;

use crate::accounting::Accounting;
use crate::bots::Bots;
use crate::classify::Known;
use crate::counted::Counted;
use crate::days::{Day, day_from_name, day_name};
use crate::report::{Formats, Layout};
use crate::run_info::RunInfo;
use crate::sink::ReportError;
use crate::store::last_seen::{self, LAST_SEEN_FILE, LastSeen};
use crate::store::{CACHE_DIR, Store};
use crate::tables::Tables;
use crate::tally::Stored;
use added::{Added, Earlier, Sums};
use csv_splice::{SpliceError, plus, splice};
use page_splice::{INDEX_FILE, PageSpliceError, PartnerIndex, add_to};

/// Why the report could not be brought up to date in place (it is then made in full).
#[derive(Debug, thiserror::Error)]
pub enum IncrementError {
    /// Reading the previous report or the store failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A previous table could not be read.
    #[error(transparent)]
    Table(#[from] SpliceError),
    /// The previous `partners.json` could not be read.
    #[error(transparent)]
    Pages(#[from] PageSpliceError),
    /// A table could not be computed or read.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The previous report says something this run cannot use.
    #[error("{0}")]
    Previous(String),
}

impl From<PolarsError> for IncrementError {
    fn from(e: PolarsError) -> Self {
        IncrementError::Report(e.into())
    }
}

/// The files of the previous report an increment reads.
const PREVIOUS: [&str; 12] = [
    "summary.json",
    PAGE_STATS_FILE,
    INDEX_FILE,
    "by_link_partner_ad.csv",
    "by_partner.csv",
    "by_link.csv",
    "by_partner_link.csv",
    "by_ad.csv",
    "by_parent.csv",
    "by_day.csv",
    "breakdown.csv",
    "breakdown_by_partner.csv",
];

/// The first open day of a report as of `as_of`: the day before it, so that a file of
/// yesterday delivered late is still added in place.
pub fn open_day(as_of: Day) -> Day {
    as_of.saturating_sub(1)
}

fn cache_path(store_dir: &Path) -> PathBuf {
    store_dir.join(CACHE_DIR).join(LAST_SEEN_FILE)
}

/// The digest of the store's partitions of the days before `open`.
fn closed_digest(store: &Store, open: Day) -> [u8; 32] {
    let days = store.ledger().days.iter().filter(|(day, _)| day_from_name(day).is_some_and(|d| d < open));
    last_seen::closed_digest(days.map(|(day, files)| (day.as_str(), files.rows.as_str())))
}

/// Writes the cache for later runs, from `counted` holding every day of the store, for
/// reports as of `as_of`.
pub fn write_cache(store: &Store, counted: &mut Counted, as_of: Day) -> std::io::Result<()> {
    let path = cache_path(store.dir());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(ignore, "# Made again by refstats when missing: not worth keeping.\n*\n")?;
        }
    }
    let open = open_day(as_of);
    let (keys, visits) = counted.tally.keys_and_visits();
    last_seen::write(&path, open, closed_digest(store, open), keys, visits).map(|_| ())
}

/// What a run adds to the previous report.
pub struct Increment {
    added: Added,
}

/// What working out an increment needs, gathered before the run's counts are stored: the
/// run's rows, the open days' visits of its visitors, and the cache. Working it out reads
/// nothing storing the counts changes, so the two can go side by side.
pub struct Pending {
    rows: Vec<(Day, [String; 3], Stored)>,
    earlier: Vec<Earlier>,
    seen: LastSeen,
    as_of: Day,
}

impl Pending {
    /// What the run adds ([`added::added`]).
    pub fn added(self, program: &Program) -> Result<Increment, IncrementError> {
        let rows: Vec<(Day, [&str; 3], Stored)> = self
            .rows
            .iter()
            .map(|(day, key, row)| (*day, [&key[0], &key[1], &key[2]].map(String::as_str), *row))
            .collect();
        let tree = program.tree();
        let ancestors = |p: &str| tree.ancestors(p).into_iter().map(|c| c.as_str().to_owned()).collect();
        let earlier = self.earlier;
        let added = added::added(&rows, self.as_of, &self.seen, earlier, &ancestors)?;
        Ok(Increment { added })
    }
}

/// Whether the run's `counted` (not stored yet) can be added to the previous report in place,
/// and if so what working it out needs. `allowed`: whether the previous report was made from
/// this store, program and options, and the run counts nothing an increment leaves out.
pub fn prepare(
    store: &Store,
    counted: &mut Counted,
    as_of: Day,
    (allowed, out_dir): (bool, &Path),
) -> Result<Option<Pending>, IncrementError> {
    // A report folder kept without its tables (as the example workflow downloads it) is made
    // in full.
    if !allowed || !PREVIOUS.iter().all(|name| out_dir.join(name).is_file()) {
        return Ok(None);
    }
    let Some(seen) = LastSeen::open(&cache_path(store.dir()))? else { return Ok(None) };
    let open = open_day(as_of);
    if seen.open_day() != open || seen.closed() != closed_digest(store, open) {
        return Ok(None);
    }
    let days = counted.tally.days();
    let stored_days: Vec<Day> = store.ledger().days.keys().filter_map(|d| day_from_name(d)).collect();
    let within = |d: &Day| (open..=as_of).contains(d);
    if days.is_empty() || !days.iter().all(within) || stored_days.iter().any(|d| *d > as_of) {
        return Ok(None);
    }
    let rows = counted.tally.stored_rows(&days.iter().copied().collect());
    let keys = &counted.tally.keys;
    let rows: Vec<(Day, [String; 3], Stored)> =
        rows.into_iter().map(|(d, k, row)| (d, keys.names(k).map(str::to_owned), row)).collect();
    let visitors: FxHashSet<u64> = rows
        .iter()
        .filter_map(|(_, _, row)| match row {
            Stored::Visitor(v) => Some(*v),
            _ => None,
        })
        .collect();
    // Read now: storing the run's counts replaces these partitions.
    let open_days: Vec<(Day, PathBuf)> = store
        .ledger()
        .days
        .iter()
        .filter_map(|(name, files)| day_from_name(name).filter(within).map(|d| (d, store.dir().join(&files.rows))))
        .collect();
    let earlier = earlier_visits(&open_days, &visitors)?;
    Ok(Some(Pending { rows, earlier, seen, as_of }))
}

/// The visits of `visitors` stored in the partitions `days`: per day and key, its codes and
/// those of `visitors` who clicked it.
fn earlier_visits(days: &[(Day, PathBuf)], visitors: &FxHashSet<u64>) -> std::io::Result<Vec<Earlier>> {
    let mut out: Vec<Earlier> = Vec::new();
    for (day, path) in days {
        let df = crate::store::partition::read_columns(path, &["link", "partner", "ad", "kind", "visitor"])
            .map_err(std::io::Error::other)?;
        let column = |name: &str| df.column(name).and_then(|c| c.str().cloned()).map_err(std::io::Error::other);
        let (link, partner, ad, kind) = (column("link")?, column("partner")?, column("ad")?, column("kind")?);
        let visitor = df.column("visitor").and_then(|c| c.u64().cloned()).map_err(std::io::Error::other)?;
        let rows = link.iter().zip(partner.iter()).zip(ad.iter()).zip(kind.iter()).zip(visitor.iter());
        for ((((l, p), a), kind), v) in rows {
            if kind == Some("visitor")
                && let Some(v) = v.filter(|v| visitors.contains(v))
            {
                let names = [l, p, a].map(|n| n.unwrap_or(""));
                // Rows are sorted by key: a key's visitors come together.
                match out.last_mut() {
                    Some((d, key, list)) if d == day && key.iter().map(String::as_str).eq(names) => list.push(v),
                    _ => out.push((*day, names.map(str::to_owned), vec![v])),
                }
            }
        }
    }
    Ok(out)
}

/// What fills a spliced row of a whole-period table: its names and what the run adds.
struct Fill<'a> {
    link: &'a str,
    partner: &'a str,
    ad: &'a str,
    sums: Sums,
    /// A parent's downline's, in `by_parent`.
    downline: Sums,
}

/// The text of `column` of a row `row` of a whole-period table, `before` as it was.
fn fill_column(known: &Known, row: &Fill<'_>, column: &str, before: Option<&str>) -> Result<String, SpliceError> {
    let flag = |known: bool| Ok(before.map_or_else(|| known.to_string(), str::to_owned));
    match column {
        "clicks" => plus(before, row.sums.clicks),
        "unique_clicks" => plus(before, row.sums.all_time()),
        "bot_hits" => plus(before, row.sums.bot_hits),
        "head_hits" => plus(before, row.sums.head_hits),
        "downline_clicks" => plus(before, row.downline.clicks),
        "downline_unique_clicks" => plus(before, row.downline.all_time()),
        "known_link" => flag(known.link(row.link)),
        "known_partner" => flag(known.partner(row.partner)),
        "known_ad" => flag(known.ad(row.partner, row.ad)),
        other => Err(SpliceError::new(format!("a column `{other}`"))),
    }
}

/// The previous report's table `name` with `rows` spliced in ([`splice`]; its first `names`
/// columns name its rows), written into `out`; `written` is handed the rows written. Returns the
/// table's header line.
fn splice_into<R>(
    out: &OutputWriter,
    out_dir: &Path,
    name: &str,
    names: usize,
    rows: &BTreeMap<Vec<String>, R>,
    fill: impl Fn(&R, &str, Option<&str>) -> Result<String, SpliceError>,
    written: impl FnMut(&[u8]),
) -> Result<Vec<u8>, IncrementError> {
    let file = format!("{name}.csv");
    let before = previous(out_dir, &file)?;
    let mut spliced = None;
    out.write_with(&file, |w| {
        spliced = Some(splice(&before, names, rows, fill, written, w));
        Ok(())
    })
    .map_err(ReportError::from)?;
    Ok(spliced.ok_or_else(|| IncrementError::Previous(format!("{file} was not written")))??)
}

/// The previous report's table `name` with `rows` spliced in, as bytes.
fn spliced<R>(
    out_dir: &Path,
    name: &str,
    names: usize,
    rows: &BTreeMap<Vec<String>, R>,
    fill: impl Fn(&R, &str, Option<&str>) -> Result<String, SpliceError>,
) -> Result<Vec<u8>, IncrementError> {
    let before = previous(out_dir, &format!("{name}.csv"))?;
    let mut bytes = Vec::with_capacity(before.len() + 4096);
    splice(&before, names, rows, fill, |_| {}, &mut bytes)?;
    Ok(bytes)
}

/// The previous report's file `name`.
fn previous(out_dir: &Path, name: &str) -> Result<Vec<u8>, IncrementError> {
    std::fs::read(out_dir.join(name)).map_err(|e| IncrementError::Previous(format!("{name}: {e}")))
}

/// `bytes` (a table as CSV) as a frame: `names` as text, the flags as booleans, the rest as
/// counts.
fn frame(bytes: Vec<u8>, names: &[&str]) -> Result<DataFrame, IncrementError> {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let columns: Vec<&str> = std::str::from_utf8(header).unwrap_or_default().split(',').collect();
    let schema: Schema = columns
        .iter()
        .map(|&c| {
            let dtype = match c {
                _ if names.contains(&c) => DataType::String,
                _ if c.starts_with("known_") => DataType::Boolean,
                _ => DataType::UInt64,
            };
            Field::new(c.into(), dtype)
        })
        .collect();
    let reader = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .into_reader_with_file_handle(std::io::Cursor::new(bytes));
    Ok(reader.finish()?)
}

/// Writes the report of the store brought up to date by `inc` into `out`: `counted` holds the
/// days the run changed (stored, read back whole), `layout` every day of the store with those
/// to write. `info` gets the whole store's days and bot hits from the previous report.
#[allow(clippy::too_many_arguments)]
pub fn write(
    inc: &Increment,
    out: &OutputWriter,
    out_dir: &Path,
    counted: &mut Counted,
    known: &Known,
    program: &Program,
    as_of: Day,
    acc: &Accounting,
    info: &mut RunInfo,
    layout: &Layout,
    formats: &Formats,
) -> Result<(), IncrementError> {
    let added = &inc.added;
    let changed_days = counted.tally.days();
    // The run's summary: the whole store's days and bot hits, from the previous one's.
    let summary: serde_json::Value = serde_json::from_slice(&previous(out_dir, "summary.json")?)
        .map_err(|e| IncrementError::Previous(format!("summary.json: {e}")))?;
    let run = &summary["run"];
    let day_of = |field: &str| run[field].as_str().and_then(day_from_name);
    let first = day_of("first_day").into_iter().chain(changed_days.first().copied()).min();
    let last = day_of("last_day").into_iter().chain(changed_days.last().copied()).max();
    info.first_day = first.map(day_name);
    info.last_day = last.map(day_name);
    let mut bots = added.bot_reasons.clone();
    if let Some(before) = run["bot_hits"].as_object() {
        for (reason, n) in before {
            let reason = Bots::reasons()
                .find(|r| *r == reason.as_str())
                .ok_or_else(|| IncrementError::Previous(format!("summary.json: a bot reason `{reason}`")))?;
            *bots.entry(reason).or_default() += n.as_u64().unwrap_or(0);
        }
    }
    info.bot_hits = bots;

    // The partner pages' figures, the largest file, written beside the per-day tables of the
    // changed days (from their partitions alone) and the whole-period tables.
    let daily = partner_days(counted, &added.partner);
    let info: &RunInfo = info;
    std::thread::scope(|scope| {
        let pages = scope.spawn(|| write_pages(out, out_dir, added, &daily, known, as_of, first));
        let tables = (|| {
            let sink = crate::report::Streamed { out, layout, formats };
            let (by_day, by_partner_day) = crate::tables::day_tables(counted, known, program, &sink)?;
            crate::report::write_days(out, layout, &by_partner_day, formats)?;
            write_tables(out, out_dir, added, (known, program), &by_day, acc, info)
        })();
        let pages = pages.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        tables.and(pages)
    })
}

/// Writes the whole-period tables of the previous report with what `added` adds, the changed
/// days' rows `by_day` of the whole program, `summary.json` and the HTML page.
fn write_tables(
    out: &OutputWriter,
    out_dir: &Path,
    added: &Added,
    (known, program): (&Known, &Program),
    by_day: &DataFrame,
    acc: &Accounting,
    info: &RunInfo,
) -> Result<(), IncrementError> {
    let no_sums = Sums::default();
    let fill = |r: &Fill<'_>, c: &str, b: Option<&str>| fill_column(known, r, c, b);
    let key: BTreeMap<Vec<String>, Fill<'_>> = added
        .key
        .iter()
        .map(|(k, s)| (k.to_vec(), Fill { link: &k[0], partner: &k[1], ad: &k[2], sums: *s, downline: no_sums }))
        .collect();
    // The rows with a code the program does not know, for the admin's page: its flags end each
    // row, and a row whose are not all true is one.
    let mut unknown = Vec::new();
    let collect = |rows: &[u8]| {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', rows) {
            let row = &rows[start..=end];
            if !row.ends_with(b",true,true,true\n") {
                unknown.extend_from_slice(row);
            }
            start = end + 1;
        }
    };
    let header = splice_into(out, out_dir, "by_link_partner_ad", 3, &key, fill, collect)?;
    unknown.splice(0..0, header);
    let partner: BTreeMap<Vec<String>, Fill<'_>> = added
        .partner
        .iter()
        .map(|(p, s)| (vec![p.clone()], Fill { link: "", partner: p, ad: "", sums: *s, downline: no_sums }))
        .collect();
    let by_partner = spliced(out_dir, "by_partner", 1, &partner, fill)?;
    let link: BTreeMap<Vec<String>, Fill<'_>> = added
        .link
        .iter()
        .map(|(l, s)| (vec![l.clone()], Fill { link: l, partner: "", ad: "", sums: *s, downline: no_sums }))
        .collect();
    let by_link = spliced(out_dir, "by_link", 1, &link, fill)?;
    let partner_link: BTreeMap<Vec<String>, Fill<'_>> = added
        .partner_link
        .iter()
        .map(|(k, s)| (k.to_vec(), Fill { link: &k[1], partner: &k[0], ad: "", sums: *s, downline: no_sums }))
        .collect();
    splice_into(out, out_dir, "by_partner_link", 2, &partner_link, fill, |_| {})?;
    let partner_ad: BTreeMap<Vec<String>, Fill<'_>> = added
        .partner_ad
        .iter()
        .map(|(k, s)| (k.to_vec(), Fill { link: "", partner: &k[0], ad: &k[1], sums: *s, downline: no_sums }))
        .collect();
    let by_ad = spliced(out_dir, "by_ad", 2, &partner_ad, fill)?;
    // Every parent has its row already: only theirs change.
    let tree = program.tree();
    let parents: BTreeSet<&str> = added
        .partner
        .keys()
        .chain(added.downline.keys())
        .map(String::as_str)
        .filter(|p| !tree.children(p).is_empty())
        .collect();
    let parent: BTreeMap<Vec<String>, Fill<'_>> = parents
        .iter()
        .map(|&p| {
            let sums = added.partner.get(p).copied().unwrap_or_default();
            let downline = added.downline.get(p).copied().unwrap_or_default();
            (vec![p.to_owned()], Fill { link: "", partner: p, ad: "", sums, downline })
        })
        .collect();
    let before = previous(out_dir, "by_parent.csv")?;
    let mut by_parent = Vec::with_capacity(before.len());
    splice(&before, 1, &parent, fill, |_| {}, &mut by_parent)?;
    let rows = |table: &[u8]| table.iter().filter(|&&b| b == b'\n').count();
    if rows(&by_parent) != rows(&before) {
        return Err(IncrementError::Previous("by_parent.csv lacks a parent's row".to_owned()));
    }
    // The changed days' rows of the whole program per day, as computed from their partitions.
    let day_rows = day_figures(by_day)?;
    let by_day: BTreeMap<Vec<String>, [u64; 4]> = day_rows.into_iter().map(|(d, f)| (vec![d], f)).collect();
    let by_day = spliced(out_dir, "by_day", 1, &by_day, |f, column, _| {
        let i = ["clicks", "unique_clicks", "bot_hits", "head_hits"]
            .iter()
            .position(|c| *c == column)
            .ok_or_else(|| SpliceError::new(format!("a column `{column}` in by_day")))?;
        Ok(f[i].to_string())
    })?;
    for (name, bytes) in [
        ("by_partner", &by_partner),
        ("by_link", &by_link),
        ("by_ad", &by_ad),
        ("by_parent", &by_parent),
        ("by_day", &by_day),
    ] {
        out.write(&format!("{name}.csv"), bytes).map_err(ReportError::from)?;
    }

    // The admin's page, from the tables as written.
    let html_tables = Tables {
        by_day: frame(by_day, &["day"])?,
        unknown: frame(unknown, &["link", "partner", "ad"])?,
        by_partner: frame(by_partner, &["partner"])?,
        by_partner_day: DataFrame::default(),
        by_partner_link: DataFrame::default(),
        by_link: frame(by_link, &["link"])?,
        by_ad: frame(by_ad, &["partner", "ad"])?,
        by_parent: DataFrame::default(),
        breakdown: frame(previous(out_dir, "breakdown.csv")?, &["dimension", "value"])?,
        pages: Default::default(),
        page_tops: Default::default(),
    };
    for name in ["breakdown", "breakdown_by_link", "breakdown_by_partner", "breakdown_by_partner_ad"] {
        out.keep(&format!("{name}.csv")).map_err(ReportError::from)?;
    }
    let summary = serde_json::json!({ "run": info, "accounting": acc });
    out.write("summary.json", format!("{:#}\n", summary).as_bytes()).map_err(ReportError::from)?;
    out.write("report.html", crate::html::render(&html_tables, acc, info)?.as_bytes()).map_err(ReportError::from)?;
    Ok(())
}

/// The rows of a per-day table of the whole program: day, and clicks, unique clicks, bot and
/// HEAD hits.
fn day_figures(df: &DataFrame) -> Result<Vec<(String, [u64; 4])>, IncrementError> {
    let days = df.column("day")?.str()?;
    let counts: Vec<&UInt64Chunked> = ["clicks", "unique_clicks", "bot_hits", "head_hits"]
        .iter()
        .map(|c| df.column(c)?.u64())
        .collect::<PolarsResult<_>>()?;
    Ok((0..df.height())
        .map(|i| {
            let figures = std::array::from_fn(|c| counts[c].get(i).unwrap_or(0));
            (days.get(i).unwrap_or("").to_owned(), figures)
        })
        .collect())
}

/// The clicks and unique clicks of each partner of `partners` on each day `counted` holds (the
/// days the run changed, read back whole), as the per-partner per-day table has them.
fn partner_days(
    counted: &mut Counted,
    partners: &BTreeMap<String, Sums>,
) -> BTreeMap<String, BTreeMap<String, Figures>> {
    let days: BTreeSet<Day> = counted.tally.days().into_iter().collect();
    let rows = counted.tally.stored_rows(&days);
    let names = counted.tally.keys.partners.all();
    let mut sums: BTreeMap<(&str, Day), (u64, FxHashSet<u64>)> = BTreeMap::new();
    for (day, [_, partner, _], row) in rows {
        let Some(partner) = names.get(partner as usize).filter(|p| partners.contains_key(p.as_str())) else { continue };
        let (clicks, visitors) = sums.entry((partner, day)).or_default();
        match row {
            Stored::Clicks(n) => *clicks += n,
            Stored::Visitor(v) => {
                visitors.insert(v);
            }
            Stored::Head(_) | Stored::Bot(..) => {}
        }
    }
    let mut out: BTreeMap<String, BTreeMap<String, Figures>> = BTreeMap::new();
    for ((partner, day), (clicks, visitors)) in sums {
        let figures = Figures { clicks, unique_clicks: visitors.len() as u64 };
        out.entry(partner.to_owned()).or_default().insert(day_name(day), figures);
    }
    out
}

/// Writes `partners.json` and its index into `out`, the previous report's with what `added`
/// adds and the changed days' figures `daily`.
fn write_pages(
    out: &OutputWriter,
    out_dir: &Path,
    added: &Added,
    daily: &BTreeMap<String, BTreeMap<String, Figures>>,
    known: &Known,
    as_of: Day,
    first_day: Option<Day>,
) -> Result<(), IncrementError> {
    let path = out_dir.join(PAGE_STATS_FILE);
    let mut file =
        std::fs::File::open(&path).map_err(|e| IncrementError::Previous(format!("{PAGE_STATS_FILE}: {e}")))?;
    let len = file.metadata()?.len();
    let index = PartnerIndex::parse(&previous(out_dir, INDEX_FILE)?, len)?;
    // The partners the run added to: their own figures, their downline's, or a link's or ad's
    // (a partner with hits on a changed day it did not add to keeps that day's figures).
    let partners = added.partner.keys().chain(added.downline.keys());
    let links = added.partner_link.keys().map(|k| &k[0]).chain(added.partner_ad.keys().map(|k| &k[0]));
    let change: BTreeSet<String> = partners.chain(links).filter(|p| known.partner(p)).cloned().collect();
    let changed = |code: &str, before: Option<PartnerStats>| {
        let mut s = before.unwrap_or_default();
        if let Some(sums) = added.partner.get(code) {
            add_to(&mut s.own, sums);
        }
        if let Some(sums) = added.downline.get(code) {
            add_to(s.downline.get_or_insert_with(Default::default), sums);
        }
        let of = |k: &&[String; 2]| k[0] == code;
        for ([_, link], sums) in added.partner_link.range([code.to_owned(), String::new()]..).take_while(|(k, _)| of(k))
        {
            add_to(s.links.entry(link.clone()).or_default(), sums);
        }
        for ([_, ad], sums) in added.partner_ad.range([code.to_owned(), String::new()]..).take_while(|(k, _)| of(k)) {
            add_to(s.ads.entry(ad.clone()).or_default(), sums);
        }
        for (day, figures) in daily.get(code).into_iter().flatten() {
            if figures.clicks > 0 {
                s.daily.insert(day.clone(), *figures);
            } else {
                s.daily.remove(day);
            }
        }
        // As a report made in full keeps them.
        s.links.retain(|_, w| w.all_time.clicks > 0);
        s.ads.retain(|_, w| w.all_time.clicks > 0);
        if s.downline.is_some_and(|d| d.all_time.clicks == 0) {
            s.downline = None;
        }
        let shown = s.own.all_time.clicks > 0 || s.downline.is_some_and(|d| d.all_time.clicks > 0);
        shown.then_some(s)
    };
    let (first, as_of) = (first_day.map(day_name), day_name(as_of));
    let mut spliced = None;
    out.write_file(PAGE_STATS_FILE, |w| {
        spliced = Some(page_splice::splice(&mut file, &index, &as_of, first.as_deref(), &change, changed, w));
        Ok(())
    })
    .map_err(ReportError::from)?;
    let new_index = spliced.ok_or_else(|| IncrementError::Previous(format!("{PAGE_STATS_FILE} was not written")))??;
    out.write(INDEX_FILE, &new_index.to_bytes()).map_err(ReportError::from)?;
    Ok(())
}
