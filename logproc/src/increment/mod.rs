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
//! 1. works out what its rows add to each group of the whole period's tables, of the partner
//!    pages' windows and of the days it changes ([`added`]), looking each new visitor up in the
//!    cache and in the open days' partitions, while it stores its counts;
//! 2. writes the whole period's tables and the changed days' per-day tables with the changed
//!    rows spliced in ([`csv_splice`]), and `partners.json` with the changed partners' entries
//!    ([`page_splice`]), copying every other row and entry as it was.
//!
//! What it reads of the previous report and of the store is read in one go ([`previous`]),
//! while the program loads when the store is known then.
//!
//! Anything else (no cache or an outdated one, a late file for a closed day, another program or
//! options, breakdowns counted by this run, JSON or Parquet tables, commissions, shop exports)
//! makes the report in full, as does any surprise in the previous report.

pub mod added;
pub mod csv_splice;
mod day_files;
pub mod page_splice;
pub mod previous;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;
use refcenter_model::Program;
use refcenter_model::page_stats::{PAGE_STATS_FILE, PartnerStats};
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
use previous::Files;
pub use previous::Previous;

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

/// The first open day of a report as of `as_of`: the day before it, so that a file of
/// yesterday delivered late is still added in place.
pub fn open_day(as_of: Day) -> Day {
    as_of.saturating_sub(1)
}

/// Whether `day` is an open day of a report as of `as_of`.
fn is_open(day: Day, as_of: Day) -> bool {
    (open_day(as_of)..=as_of).contains(&day)
}

/// The columns of a partition that tell who clicked what.
const VISIT_COLUMNS: [&str; 5] = ["link", "partner", "ad", "kind", "visitor"];

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

/// What a run adds to the previous report, and that report's files.
pub struct Increment {
    added: Added,
    files: Files,
}

/// What working out an increment needs, gathered before the run's counts are stored: the
/// run's rows, the open days' visits of its visitors, and the cache. Working it out reads
/// nothing storing the counts changes, so the two can go side by side.
pub struct Pending {
    rows: Vec<(Day, [String; 3], Stored)>,
    earlier: Vec<Earlier>,
    seen: LastSeen,
    files: Files,
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
        Ok(Increment { added, files: self.files })
    }
}

/// Whether the run's `counted` (not stored yet) can be added to the previous report in place,
/// and if so what working it out needs. `allowed`: whether the previous report was made from
/// this store, program and options, and the run counts nothing an increment leaves out;
/// `ahead`: that report and the cache if read already ([`Previous`]).
pub fn prepare(
    store: &Store,
    counted: &mut Counted,
    as_of: Day,
    (allowed, out_dir): (bool, &Path),
    ahead: Option<Previous>,
) -> Result<Option<Pending>, IncrementError> {
    if !allowed {
        return Ok(None);
    }
    let mut previous = match ahead {
        Some(p) if p.is_current(out_dir) => p,
        _ => Previous::read(store.dir(), out_dir, None),
    };
    // A report folder kept without its tables (as the example workflow downloads it) is made
    // in full.
    let Some(files) = previous.files()? else { return Ok(None) };
    let Some(seen) = previous.seen()? else { return Ok(None) };
    let open = open_day(as_of);
    if seen.open_day() != open || seen.closed() != closed_digest(store, open) {
        return Ok(None);
    }
    let days = counted.tally.days();
    let stored_days: Vec<Day> = store.ledger().days.keys().filter_map(|d| day_from_name(d)).collect();
    let within = |d: &Day| is_open(*d, as_of);
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
    let mut open_days = Vec::new();
    for (name, files) in &store.ledger().days {
        if let Some(day) = day_from_name(name).filter(within) {
            let columns = match previous.partition(&files.rows) {
                Some(df) => df,
                None => crate::store::partition::read_columns(&store.dir().join(&files.rows), &VISIT_COLUMNS)?,
            };
            open_days.push((day, columns));
        }
    }
    let earlier = earlier_visits(open_days, &visitors)?;
    Ok(Some(Pending { rows, earlier, seen, files, as_of }))
}

/// The visits of `visitors` stored in the partitions of `days` (their [`VISIT_COLUMNS`]): per
/// day and key, its codes and those of `visitors` who clicked it.
fn earlier_visits(days: Vec<(Day, DataFrame)>, visitors: &FxHashSet<u64>) -> std::io::Result<Vec<Earlier>> {
    let mut out: Vec<Earlier> = Vec::new();
    for (day, df) in &days {
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
    files: &Files,
    name: &str,
    names: usize,
    rows: &BTreeMap<Vec<String>, R>,
    fill: impl Fn(&R, &str, Option<&str>) -> Result<String, SpliceError>,
    written: impl FnMut(&[u8]),
) -> Result<Vec<u8>, IncrementError> {
    let file = format!("{name}.csv");
    let before = files.get(&file)?;
    let mut spliced = None;
    out.write_with(&file, |w| {
        spliced = Some(splice(before, names, rows, fill, written, w));
        Ok(())
    })
    .map_err(ReportError::from)?;
    Ok(spliced.ok_or_else(|| IncrementError::Previous(format!("{file} was not written")))??)
}

/// The previous report's table `name` with `rows` spliced in, as bytes.
fn spliced<R>(
    files: &Files,
    name: &str,
    names: usize,
    rows: &BTreeMap<Vec<String>, R>,
    fill: impl Fn(&R, &str, Option<&str>) -> Result<String, SpliceError>,
) -> Result<Vec<u8>, IncrementError> {
    let before = files.get(&format!("{name}.csv"))?;
    let mut bytes = Vec::with_capacity(before.len() + 4096);
    splice(before, names, rows, fill, |_| {}, &mut bytes)?;
    Ok(bytes)
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
    known: &Known,
    program: &Program,
    as_of: Day,
    acc: &Accounting,
    info: &mut RunInfo,
    layout: &Layout,
    formats: &Formats,
) -> Result<(), IncrementError> {
    let (added, files) = (&inc.added, &inc.files);
    let changed_days: Vec<Day> = added.day.keys().copied().collect();
    // The run's summary: the whole store's days and bot hits, from the previous one's.
    let summary: serde_json::Value = serde_json::from_slice(files.get("summary.json")?)
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

    // The partner pages' figures, the largest file, written beside the per-day tables and the
    // whole-period tables.
    let info: &RunInfo = info;
    std::thread::scope(|scope| {
        let pages = scope.spawn(|| write_pages(out, files, added, known, as_of, first));
        let tables = (|| {
            day_files::write(out, files, layout, added, known, formats)?;
            write_tables(out, files, added, (known, program), acc, info)
        })();
        let pages = pages.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        tables.and(pages)
    })
}

/// Writes the whole-period tables of the previous report and `by_day` with what `added` adds,
/// `summary.json` and the HTML page.
fn write_tables(
    out: &OutputWriter,
    files: &Files,
    added: &Added,
    (known, program): (&Known, &Program),
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
    let header = splice_into(out, files, "by_link_partner_ad", 3, &key, fill, collect)?;
    unknown.splice(0..0, header);
    let partner: BTreeMap<Vec<String>, Fill<'_>> = added
        .partner
        .iter()
        .map(|(p, s)| (vec![p.clone()], Fill { link: "", partner: p, ad: "", sums: *s, downline: no_sums }))
        .collect();
    let by_partner = spliced(files, "by_partner", 1, &partner, fill)?;
    let link: BTreeMap<Vec<String>, Fill<'_>> = added
        .link
        .iter()
        .map(|(l, s)| (vec![l.clone()], Fill { link: l, partner: "", ad: "", sums: *s, downline: no_sums }))
        .collect();
    let by_link = spliced(files, "by_link", 1, &link, fill)?;
    let partner_link: BTreeMap<Vec<String>, Fill<'_>> = added
        .partner_link
        .iter()
        .map(|(k, s)| (k.to_vec(), Fill { link: &k[1], partner: &k[0], ad: "", sums: *s, downline: no_sums }))
        .collect();
    splice_into(out, files, "by_partner_link", 2, &partner_link, fill, |_| {})?;
    let partner_ad: BTreeMap<Vec<String>, Fill<'_>> = added
        .partner_ad
        .iter()
        .map(|(k, s)| (k.to_vec(), Fill { link: "", partner: &k[0], ad: &k[1], sums: *s, downline: no_sums }))
        .collect();
    let by_ad = spliced(files, "by_ad", 2, &partner_ad, fill)?;
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
    let before = files.get("by_parent.csv")?;
    let mut by_parent = Vec::with_capacity(before.len());
    splice(before, 1, &parent, fill, |_| {}, &mut by_parent)?;
    let rows = |table: &[u8]| table.iter().filter(|&&b| b == b'\n').count();
    if rows(&by_parent) != rows(before) {
        return Err(IncrementError::Previous("by_parent.csv lacks a parent's row".to_owned()));
    }
    let day: BTreeMap<Vec<String>, Fill<'_>> = added
        .day
        .iter()
        .map(|(d, s)| (vec![day_name(*d)], Fill { link: "", partner: "", ad: "", sums: *s, downline: no_sums }))
        .collect();
    let by_day = spliced(files, "by_day", 1, &day, fill)?;
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
        breakdown: frame(files.get("breakdown.csv")?.to_vec(), &["dimension", "value"])?,
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

/// Writes `partners.json` and its index into `out`, the previous report's with what `added`
/// adds.
fn write_pages(
    out: &OutputWriter,
    files: &Files,
    added: &Added,
    known: &Known,
    as_of: Day,
    first_day: Option<Day>,
) -> Result<(), IncrementError> {
    let file = files.pages();
    let len = file.metadata()?.len();
    let index = PartnerIndex::parse(files.get(INDEX_FILE)?, len)?;
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
        for &day in added.day.keys() {
            if let Some(sums) = added.day_partner.get(&(day, code.to_owned())) {
                let name = day_name(day);
                let mut figures = s.daily.get(&name).copied().unwrap_or_default();
                figures.clicks += sums.clicks;
                figures.unique_clicks += sums.all_time();
                // As a report made in full has them: the days with clicks.
                match figures.clicks > 0 {
                    true => s.daily.insert(name, figures),
                    false => s.daily.remove(&name),
                };
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
        spliced = Some(page_splice::splice(file, &index, &as_of, first.as_deref(), &change, changed, w));
        Ok(())
    })
    .map_err(ReportError::from)?;
    let new_index = spliced.ok_or_else(|| IncrementError::Previous(format!("{PAGE_STATS_FILE} was not written")))??;
    out.write(INDEX_FILE, &new_index.to_bytes()).map_err(ReportError::from)?;
    Ok(())
}
