//! The statistics tables, computed with polars from the run's counts ([`crate::frames`]): per
//! (day, link, partner, ad), over the period per (link, partner, ad), per partner, per link, per
//! ad, and per parent with its downline beside its own figures, then the partner pages'
//! figures ([`crate::page_figures`]).

use polars::prelude::*;
use refcenter_model::Program;
use refcenter_model::page_stats::PageStats;

use crate::breakdown::page_tops::PageTops;
use crate::classify::Known;
use crate::counted::Counted;
use crate::days::Day;
use crate::frames::{Flag, Frames, Level, Sliced, aggregate, day_number, day_part, decode, frames, named, rollup};
use crate::sink::{ReportError, TableSink};
use crate::tally::Tally;

/// The tables of a report kept after they were computed (the per-day table of every link,
/// partner and ad, and that of the whole period, are handed out as soon as they are computed).
pub struct Tables {
    /// Per day, the whole program.
    pub by_day: DataFrame,
    /// The rows of the whole period's table per link, partner and ad with an unknown code.
    pub unknown: DataFrame,
    /// Per partner.
    pub by_partner: DataFrame,
    /// Per partner and day.
    pub by_partner_day: DataFrame,
    /// Per partner and link.
    pub by_partner_link: DataFrame,
    /// Per link.
    pub by_link: DataFrame,
    /// Per partner and ad (hits with an ad only).
    pub by_ad: DataFrame,
    /// Per partner with a downline: its own figures and its downline's.
    pub by_parent: DataFrame,
    /// The whole program's clicks per breakdown dimension and value.
    pub breakdown: DataFrame,
    /// Each partner's figures for its Link Tracking Stats page, but its breakdowns'.
    pub pages: PageStats,
    /// Each partner's breakdowns' top values, given to its figures in `pages` as they are
    /// written.
    pub page_tops: PageTops,
}

/// The rows of a rollup by (link, partner, ad) with a code the program does not know, named.
fn unknown_codes(f: &Frames<'_>, rows: &DataFrame) -> PolarsResult<DataFrame> {
    let level = Level::Key;
    let keys = f.tally.keys.parts();
    let unknown: BooleanChunked = rows
        .column("group_key")?
        .u64()?
        .into_no_null_iter()
        .map(|g| {
            let i = decode(level, g, keys);
            !Flag::ALL.iter().all(|&flag| f.flag(flag, &i))
        })
        .collect();
    named(f, &rows.filter(&unknown)?, level, &Flag::ALL)
}

/// Computes every table (the counts and visits are taken out of `counted`), the breakdown
/// tables on a thread of their own beside the others, which also hands them to `sink` (the
/// other tables leave a core idle much of the time); the page figures' windows end on the day
/// `as_of`. The largest tables, per day and over the period per (link, partner, ad), are handed
/// to `sink` as `daily` and `by_link_partner_ad` as soon as they are computed, to be named and
/// written a slice at a time, and not kept. The per-day table is
/// computed for the days in `daily_days` only (`None`: every day), for a store that keeps the
/// other days' files.
pub fn tables(
    counted: &mut Counted,
    known: &Known,
    program: &Program,
    as_of: Day,
    daily_days: Option<&std::collections::BTreeSet<Day>>,
    sink: &dyn TableSink,
) -> Result<Tables, ReportError> {
    let Counted { tally, breakdowns } = counted;
    std::thread::scope(|scope| {
        // The breakdown tables need none of the others: they are computed and written beside
        // them.
        let breakdown_tables = scope.spawn(move || {
            let b = crate::breakdown::tables::tables(breakdowns, as_of)?;
            for (name, table) in &b.tables {
                sink.table(name, table.as_ref())?;
            }
            // The whole program's table, a few rows a dimension, named whole for the HTML report.
            let program = match b.tables.first() {
                Some((_, program)) => program.slice(0, program.height())?,
                None => DataFrame::default(),
            };
            Ok::<_, ReportError>((b.pages, program))
        });
        let t = count_tables(tally, known, program, as_of, daily_days, sink);
        // Joined before the other tables' error is returned: the thread may be writing.
        let b = breakdown_tables.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        let mut t = t?;
        (t.page_tops, t.breakdown) = b?;
        Ok(t)
    })
}

/// [`tables`] but the breakdowns': every table of the hits and visits in `tally`.
fn count_tables(
    tally: &mut Tally,
    known: &Known,
    program: &Program,
    as_of: Day,
    daily_days: Option<&std::collections::BTreeSet<Day>>,
    sink: &dyn TableSink,
) -> Result<Tables, ReportError> {
    let days = tally.days();
    let span = days.first().copied().zip(days.last().copied());
    let columns = tally.take_columns();
    let tally: &Tally = tally;
    let mut f = frames(columns, &days, program, tally, known)?;
    let v = f.visits.clone();
    let h = f.hits.clone().ok_or_else(|| polars_err!(ComputeError: "no hits per day"))?;
    if crate::page_figures::whole_period_only(as_of, span) {
        // No page window needs the hits per day: they go with their last rollup here.
        f.hits = None;
    }
    let daily = match daily_days {
        None => aggregate(&f, h.clone(), None, Level::Finest)?,
        Some(days) => {
            let keep = days.iter().fold(lit(false), |any, d| any.or(day_part().eq(lit(day_number(*d)))));
            aggregate(&f, h.clone().filter(keep), None, Level::Finest)?
        }
    };
    sink.table("daily", &Sliced { f: &f, rows: &daily, level: Level::Finest, flags: &Flag::ALL })?;
    drop(daily);
    let by_day = rollup(&f, h.clone(), v.clone(), Level::Day, &[])?;
    let by_partner_day = rollup(&f, h.clone(), v.clone(), Level::PartnerDay, &[Flag::Partner])?;
    let by_key = aggregate(&f, h, Some(f.uniques(&v, Level::Key)?), Level::Key)?;
    sink.table("by_link_partner_ad", &Sliced { f: &f, rows: &by_key, level: Level::Key, flags: &Flag::ALL })?;
    let unknown = unknown_codes(&f, &by_key)?;
    // The hits summed per key over the period feed the rollups without a day: fewer rows than
    // the hits per (day, key), and already 64-bit. They keep the name `day_key` (with no day),
    // so that the lookups by key apply to them.
    let mut per_key = by_key.select(["group_key", "clicks", "bot_hits", "head_hits"])?;
    drop(by_key);
    per_key.rename("group_key", "day_key".into())?;
    let k = per_key.lazy();
    // The rollups with the most groups first, while the least is held beside them.
    // Each parent's downline: the members' hits and distinct visitors, beside its own.
    let team = f.downline(k.clone(), &v)?;
    let flags = [Flag::Partner, Flag::Link];
    let by_partner_link = rollup(&f, k.clone(), v.clone(), Level::PartnerLink, &flags)?;
    let with_ad = f.has_ad();
    let by_ad = rollup(&f, k.clone().filter(with_ad.clone()), v.filter(&with_ad), Level::PartnerAd, &[Flag::Ad])?;
    let by_partner = rollup(&f, k.clone(), v.clone(), Level::Partner, &[Flag::Partner])?;
    let by_link = rollup(&f, k, v.clone(), Level::Link, &[Flag::Link])?;
    // The page figures hold the only other handle on the frames, and drop it once counted.
    drop(v);
    let team = team.lazy().select([
        col("partner"),
        col("clicks").alias("downline_clicks"),
        col("unique_clicks").alias("downline_unique_clicks"),
    ]);
    let mut parents: Vec<u32> =
        f.rel.clone().select([col("parent_id")]).collect()?.column("parent_id")?.u32()?.into_no_null_iter().collect();
    parents.sort_unstable();
    parents.dedup();
    let parent_names = parents.iter().map(|&p| tally.keys.partners.all()[p as usize].as_str());
    let parents = DataFrame::new(
        parents.len(),
        vec![StringChunked::from_iter_values("partner".into(), parent_names).into_column()],
    )?;
    let own = by_partner.clone().lazy().select([col("partner"), col("clicks"), col("unique_clicks")]);
    let by_parent = parents
        .lazy()
        .join(own, [col("partner")], [col("partner")], JoinArgs::new(JoinType::Left))
        .join(team, [col("partner")], [col("partner")], JoinArgs::new(JoinType::Left))
        .with_columns([
            col("clicks").fill_null(lit(0u64)),
            col("unique_clicks").fill_null(lit(0u64)),
            col("downline_clicks").fill_null(lit(0u64)),
            col("downline_unique_clicks").fill_null(lit(0u64)),
        ])
        .sort(["partner"], SortMultipleOptions::default())
        .collect()?;
    let all = crate::page_figures::WholePeriod {
        own: &by_partner,
        parents: &by_parent,
        links: &by_partner_link,
        ads: &by_ad,
        days: &by_partner_day,
    };
    let pages = crate::page_figures::page_stats(f, as_of, span, &all)?;
    Ok(Tables {
        by_day,
        unknown,
        by_partner,
        by_partner_day,
        by_partner_link,
        by_link,
        by_ad,
        by_parent,
        breakdown: DataFrame::default(),
        pages,
        page_tops: PageTops::default(),
    })
}
