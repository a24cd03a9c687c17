//! The statistics tables, computed with polars from the run's counts: per (day, link, partner,
//! ad), over the period per (link, partner, ad), per partner, per link, per ad, and per parent
//! with its downline beside its own figures. Unique clicks are distinct visitors, so they are
//! counted from the visits at each level, never summed from a finer one.

use polars::prelude::*;
use refcenter_model::Program;

use refcenter_model::page_stats::PageStats;

use rustc_hash::FxHashMap;

use crate::classify::Known;
use crate::report::ReportError;
use crate::tally::{Day, FinestColumns, Tally, day_key, day_name, split_day_key};
use crate::visits::VisitColumns;

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
    /// Each partner's figures for its Link Tracking Stats page.
    pub pages: PageStats,
}

/// The frames of the run, and what names their ids. The hits are keyed by `day_key`, a day
/// and a key (link, partner, ad) packed in one number ([`day_key`]), and each visit by the row
/// of its (day, key) in the hits; the ids of a rollup's level are computed from `day_key`
/// where the rollup needs them, once per row of the hits, so the visits take 8 bytes each.
pub(crate) struct Frames<'a> {
    /// One row per (day, key), sorted by `day_key`: `clicks`, `unique_clicks`, `bot_hits`,
    /// `head_hits` (let go once no rollup needs them).
    pub(crate) hits: Option<LazyFrame>,
    /// The `day_key` of the same rows, which the visits point at.
    rows: DataFrame,
    /// One row per distinct (day, key, visitor) of a click: `row` (in `rows`), `visitor`
    /// (numbered within its part).
    pub(crate) visits: Visits,
    /// `(parent_id, member_id)` for every partner and each member of its downline.
    rel: LazyFrame,
    tally: &'a Tally,
    pub(crate) known: &'a Known,
    day_names: FxHashMap<Day, String>,
    /// Whether each key's ad is an ad of its partner.
    known_ads: Vec<bool>,
    /// Whether each count of the hits adds up to less than 2^32 over all rows, so that any
    /// sum of its rows fits in its 32 bits.
    narrow_sums: bool,
}

/// The factor of the high half of a packed number.
const HIGH: u64 = 1 << 32;

/// The sum of the count `c`, in 64 bits: summed in its own 32 bits if `narrow` (no sum of its
/// rows can overflow them; no 64-bit copy of the column is made), else widened first.
fn sum64(c: &str, narrow: bool) -> Expr {
    if narrow { col(c).sum().cast(DataType::UInt64) } else { col(c).cast(DataType::UInt64).sum() }
}

/// Whether `counts` add up to less than 2^32 (then so does any sum of some of them).
fn fits_32_bits(counts: &[u32]) -> bool {
    counts.iter().map(|&n| u64::from(n)).sum::<u64>() <= u64::from(u32::MAX)
}

/// A column that takes over `values`.
fn u32s(name: &str, values: Vec<u32>) -> Column {
    UInt32Chunked::from_vec(name.into(), values).into_column()
}

/// A column that takes over `values` (`Column::new` would copy them).
fn owned(name: &str, values: Vec<u64>) -> Column {
    UInt64Chunked::from_vec(name.into(), values).into_column()
}

/// The frames of the columns taken out of `tally`.
fn frames<'a>(
    (c, v): (FinestColumns, Vec<VisitColumns>),
    days: &[Day],
    program: &Program,
    tally: &'a Tally,
    known: &'a Known,
) -> PolarsResult<Frames<'a>> {
    let narrow_sums = fits_32_bits(&c.clicks) && fits_32_bits(&c.bot_hits) && fits_32_bits(&c.head_hits);
    // Sorted, and flagged so: the rollup of every (day, key) then needs no sort.
    let mut day_keys = owned("day_key", c.day_key).take_materialized_series();
    day_keys.set_sorted_flag(polars::series::IsSorted::Ascending);
    let hits = DataFrame::new(
        day_keys.len(),
        vec![
            day_keys.into_column(),
            u32s("clicks", c.clicks),
            u32s("unique_clicks", c.unique_clicks),
            u32s("bot_hits", c.bot_hits),
            u32s("head_hits", c.head_hits),
        ],
    )?;
    let mut parts = Vec::new();
    for part in v {
        let columns = vec![u32s("row", part.row), u32s("visitor", part.visitor)];
        parts.push(DataFrame::new(columns[0].len(), columns)?.lazy());
    }
    let (partners, ads) = (tally.partners.all(), tally.ads.all());
    let known_ads = tally.keys().iter().map(|&[_, p, a]| known.ad(&partners[p as usize], &ads[a as usize])).collect();
    Ok(Frames {
        rows: hits.select(["day_key"])?,
        hits: Some(hits.lazy()),
        visits: Visits { parts, keep: None },
        rel: downline_pairs(program, tally)?,
        tally,
        known,
        day_names: days.iter().map(|&d| (d, day_name(d))).collect(),
        known_ads,
        narrow_sums,
    })
}

/// The distinct visits, in parts by visitor: all of a visitor's visits are in one part, so
/// the distinct visitors of a group are the sum of those counted in each part, and counting
/// takes the working memory of one part at a time.
#[derive(Clone)]
pub(crate) struct Visits {
    parts: Vec<LazyFrame>,
    /// Which rows of the hits have their visits counted (an expression over the hits).
    keep: Option<Expr>,
}

impl Visits {
    /// The visits of the rows of the hits that pass `keep`.
    pub(crate) fn filter(&self, keep: &Expr) -> Visits {
        let keep = match &self.keep {
            Some(k) => k.clone().and(keep.clone()),
            None => keep.clone(),
        };
        Visits { parts: self.parts.clone(), keep: Some(keep) }
    }

    /// Each part's visits as `group_key` and `visitor`, where `group_key` is `value`, an
    /// expression over the hits `rows`, of the visit's row: computed once per row of the hits,
    /// then looked up per visit. The visits of rows left out by the filter are dropped.
    fn keyed(&self, rows: &DataFrame, value: Expr) -> PolarsResult<Vec<LazyFrame>> {
        let value = value.cast(DataType::UInt64);
        let value = match &self.keep {
            Some(keep) => when(keep.clone()).then(value).otherwise(lit(NULL).cast(DataType::UInt64)),
            None => value,
        };
        let per_row = rows.clone().lazy().select([value.alias("group_key")]).collect()?;
        let per_row = per_row.column("group_key")?.as_materialized_series().clone();
        let keyed = |part: &LazyFrame| {
            let key = lit(per_row.clone()).gather(col("row").cast(IDX_DTYPE), false).alias("group_key");
            let part = part.clone().select([key, col("visitor")]);
            if self.keep.is_some() { part.filter(col("group_key").is_not_null()) } else { part }
        };
        Ok(self.parts.iter().map(keyed).collect())
    }
}

/// The day of `day_key`, as a number in day order.
pub(crate) fn day_part() -> Expr {
    col("day_key") / lit(HIGH)
}

/// The day's number in [`day_part`].
pub(crate) fn day_number(day: Day) -> u64 {
    day_key(day, 0) / HIGH
}

/// The key of `day_key`.
fn key_part() -> Expr {
    (col("day_key") % lit(HIGH)).cast(IDX_DTYPE)
}

impl Frames<'_> {
    /// The sum of the count `c` (see [`sum64`]).
    fn total(&self, c: &str) -> Expr {
        sum64(c, self.narrow_sums)
    }

    /// A number per key, `value` of its (link, partner, ad) ids, looked up for each row's key:
    /// one lookup gives a rollup's group, however many ids it combines.
    fn per_key(&self, value: impl Fn([u32; 3]) -> u64) -> Expr {
        let values: Vec<u64> = self.tally.keys().iter().map(|&k| value(k)).collect();
        lit(Series::new("per_key".into(), values)).gather(key_part(), false)
    }

    /// The flag `flag` (`known_link`, `known_partner` or `known_ad`) of a row's ids.
    fn flag(&self, flag: &str, i: &Ids) -> bool {
        let (links, partners, ads) = (self.tally.links.all(), self.tally.partners.all(), self.tally.ads.all());
        match flag {
            "known_link" => self.known.link(&links[i.link as usize]),
            "known_partner" => self.known.partner(&partners[i.partner as usize]),
            _ => match i.key {
                Some(k) => self.known_ads.get(k as usize).copied().unwrap_or(false),
                None => self.known.ad(&partners[i.partner as usize], &ads[i.ad as usize]),
            },
        }
    }

    /// Whether a row's key has an ad.
    pub(crate) fn has_ad(&self) -> Expr {
        let no_ad = self.tally.ads.get("").unwrap_or(u32::MAX);
        self.per_key(|[_, _, ad]| u64::from(ad != no_ad)).eq(lit(1u64))
    }

    /// Each parent's downline figures: the rollup by `parent` of its members' `hits` and
    /// `visits`, each joined to every ancestor of its partner.
    pub(crate) fn downline(&self, hits: LazyFrame, visits: &Visits) -> PolarsResult<DataFrame> {
        let member = || self.per_key(|[_, partner, _]| u64::from(partner));
        let to_parents = |frame: LazyFrame| {
            frame.join(self.rel.clone(), [col("member_id")], [col("member_id")], JoinArgs::new(JoinType::Inner))
        };
        // Counts add up: summed per member first, they join as one row per member.
        let sums = ["clicks", "bot_hits", "head_hits"].map(|c| self.total(c));
        let hits = to_parents(hits.group_by([member().cast(DataType::UInt32).alias("member_id")]).agg(sums));
        // Distinct visitors do not: every visit joins, with only what the count needs.
        let by = ["parent"];
        let parent = self.group_key(&by)?.alias("group_key");
        let visits = visits.keyed(&self.rows, member())?.into_iter().map(|part| {
            let members = part.select([col("group_key").cast(DataType::UInt32).alias("member_id"), col("visitor")]);
            to_parents(members).select([parent.clone(), col("visitor")])
        });
        named(self, &aggregate(self, hits, visits.collect(), &by)?, &by, &[])
    }

    /// The groups of a rollup by the named columns, as one 64-bit number whose order is the
    /// order of their names (ids are numbered in name order, see [`Tally::take_columns`]):
    /// polars groups and sorts one integer column much faster than several.
    fn group_key(&self, by: &[&str]) -> PolarsResult<Expr> {
        let high = |id: u32| u64::from(id) * HIGH;
        Ok(match by {
            ["day", "link", "partner", "ad"] => col("day_key"),
            ["link", "partner", "ad"] => key_part().cast(DataType::UInt64),
            ["day"] => day_part(),
            ["link"] => self.per_key(|[link, _, _]| u64::from(link)),
            ["partner"] => self.per_key(|[_, partner, _]| u64::from(partner)),
            ["parent"] => col("parent_id").cast(DataType::UInt64),
            ["partner", "day"] => self.per_key(|[_, partner, _]| high(partner)) + day_part(),
            ["partner", "link"] => self.per_key(|[link, partner, _]| high(partner) + u64::from(link)),
            ["partner", "ad"] => self.per_key(|[_, partner, ad]| high(partner) + u64::from(ad)),
            _ => polars_bail!(ComputeError: "no rollup by {by:?}"),
        })
    }
}

/// The ids of one row of a rollup.
#[derive(Clone, Copy, Default)]
struct Ids {
    day: Day,
    link: u32,
    partner: u32,
    ad: u32,
    /// The key of link, partner and ad, where the group has one.
    key: Option<u32>,
}

/// The ids of the group `group` of a rollup by `by` (see [`Frames::group_key`]).
fn decode(by: &[&str], group: u64, keys: &[[u32; 3]]) -> Ids {
    let (high, low) = ((group / HIGH) as u32, group as u32);
    let key = |k: u32| {
        let [link, partner, ad] = keys.get(k as usize).copied().unwrap_or_default();
        Ids { link, partner, ad, key: Some(k), ..Ids::default() }
    };
    let day = |number: u64| split_day_key(number * HIGH).0;
    match by {
        [_, _, _, _] => Ids { day: split_day_key(group).0, ..key(low) },
        [_, _, _] => key(low),
        ["day"] => Ids { day: day(group), ..Ids::default() },
        ["link"] => Ids { link: low, ..Ids::default() },
        ["partner", "day"] => Ids { partner: high, day: day(u64::from(low)), ..Ids::default() },
        ["partner", "link"] => Ids { partner: high, link: low, ..Ids::default() },
        ["partner", "ad"] => Ids { partner: high, ad: low, ..Ids::default() },
        _ => Ids { partner: low, ..Ids::default() },
    }
}

/// Hits summed by the named columns `by`, with the distinct visitors as `unique_clicks`,
/// sorted by name, the names put back in place of the ids, and `flags` added.
pub(crate) fn rollup(
    f: &Frames<'_>,
    hits: LazyFrame,
    visits: Visits,
    by: &[&str],
    flags: &[&str],
) -> PolarsResult<DataFrame> {
    // The finest rollup takes its unique clicks from the hits.
    let visits = if by.len() == 4 { Vec::new() } else { visits.keyed(&f.rows, f.group_key(by)?)? };
    named(f, &aggregate(f, hits, visits, by)?, by, flags)
}

/// The rows of a rollup by `by` before they are named: `group_key` (sorted) and the counts.
/// `visits` are the parts of [`Visits::keyed`] by the same groups.
fn aggregate(f: &Frames<'_>, hits: LazyFrame, visits: Vec<LazyFrame>, by: &[&str]) -> PolarsResult<DataFrame> {
    let key = f.group_key(by)?.alias("group_key");
    let counts = ["clicks", "bot_hits", "head_hits"];
    let frame = if by.len() == 4 {
        // The hits are one row per (day, key), with their unique clicks counted off the sorted
        // visits.
        let mut keep = vec![key];
        keep.extend(counts.iter().chain(&["unique_clicks"]).map(|c| col(*c).cast(DataType::UInt64)));
        hits.select(keep)
    } else {
        // Unique clicks are distinct visitors, counted at every level, never summed.
        let distinct = col("visitor").n_unique().cast(DataType::UInt64).alias("unique_clicks");
        // Added up part by part, so that only two parts' counts are held at a time.
        let mut uniques: Option<DataFrame> = None;
        for part in visits {
            let counted = part.group_by([col("group_key")]).agg([distinct.clone()]);
            let total = match uniques.take() {
                None => counted,
                Some(sum) => concat([sum.lazy(), counted], UnionArgs::default())?
                    .group_by([col("group_key")])
                    .agg([col("unique_clicks").sum()]),
            };
            uniques = Some(total.collect()?);
        }
        let uniques = match uniques {
            Some(u) => u.lazy(),
            None => DataFrame::new(0, vec![owned("group_key", Vec::new()), owned("unique_clicks", Vec::new())])?.lazy(),
        };
        let on = [col("group_key")];
        hits.group_by([key])
            .agg(counts.map(|c| f.total(c)))
            .join(uniques, on.clone(), on, JoinArgs::new(JoinType::Left))
            .with_column(col("unique_clicks").fill_null(lit(0u64)))
    };
    frame.sort(["group_key"], SortMultipleOptions::default()).collect()
}

/// A table too large to hold named whole: its rows are named a slice at a time, as they are
/// written.
pub struct Sliced<'a> {
    f: &'a Frames<'a>,
    rows: &'a DataFrame,
    by: &'a [&'a str],
    flags: &'a [&'a str],
}

/// A table handed out a slice of rows at a time.
pub trait Slices {
    /// The number of rows.
    fn height(&self) -> usize;

    /// The rows from `offset`, up to `len` of them.
    fn slice(&self, offset: usize, len: usize) -> PolarsResult<DataFrame>;
}

impl Slices for Sliced<'_> {
    fn height(&self) -> usize {
        self.rows.height()
    }

    /// The rows with their names and flags.
    fn slice(&self, offset: usize, len: usize) -> PolarsResult<DataFrame> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        named(self.f, &self.rows.slice(offset, len), self.by, self.flags)
    }
}

/// The columns of a rollup's table: the names of its ids, the counts, then `flags`.
fn named(f: &Frames<'_>, df: &DataFrame, by: &[&str], flags: &[&str]) -> PolarsResult<DataFrame> {
    let keys = f.tally.keys();
    let ids: Vec<Ids> = df.column("group_key")?.u64()?.into_no_null_iter().map(|g| decode(by, g, keys)).collect();
    let (links, partners, ads) = (f.tally.links.all(), f.tally.partners.all(), f.tally.ads.all());
    let names = |name: &str, all: &[String], id: fn(&Ids) -> u32| {
        let values = ids.iter().map(|i| all.get(id(i) as usize).map_or("", String::as_str));
        StringChunked::from_iter_values(name.into(), values).into_column()
    };
    let mut columns = Vec::new();
    for name in by {
        columns.push(match *name {
            "day" => {
                let values = ids.iter().map(|i| f.day_names.get(&i.day).map_or("", String::as_str));
                StringChunked::from_iter_values("day".into(), values).into_column()
            }
            "link" => names("link", links, |i| i.link),
            "ad" => names("ad", ads, |i| i.ad),
            _ => names("partner", partners, |i| i.partner),
        });
    }
    for c in ["clicks", "unique_clicks", "bot_hits", "head_hits"] {
        columns.push(df.column(c)?.clone());
    }
    for flag in flags {
        let values: Vec<bool> = ids.iter().map(|i| f.flag(flag, i)).collect();
        columns.push(Column::new((*flag).into(), values));
    }
    DataFrame::new(df.height(), columns)
}

/// The rows of a rollup by (link, partner, ad) with a code the program does not know, named.
fn unknown_codes(f: &Frames<'_>, rows: &DataFrame) -> PolarsResult<DataFrame> {
    let by = ["link", "partner", "ad"];
    let flags = ["known_link", "known_partner", "known_ad"];
    let keys = f.tally.keys();
    let unknown: BooleanChunked = rows
        .column("group_key")?
        .u64()?
        .into_no_null_iter()
        .map(|g| {
            let i = decode(&by, g, keys);
            !flags.iter().all(|flag| f.flag(flag, &i))
        })
        .collect();
    named(f, &rows.filter(&unknown)?, &by, &flags)
}

/// `(parent_id, member_id)` for every partner and each member of its downline.
fn downline_pairs(program: &Program, tally: &Tally) -> PolarsResult<LazyFrame> {
    let mut ancestors = Vec::new();
    let mut members = Vec::new();
    for p in program.partners() {
        let Some(a) = tally.partners.get(p.code.as_str()) else { continue };
        for (member, _) in program.tree().downline(p.code.as_str()) {
            if let Some(m) = tally.partners.get(member.as_str()) {
                ancestors.push(a);
                members.push(m);
            }
        }
    }
    Ok(DataFrame::new(ancestors.len(), vec![u32s("parent_id", ancestors), u32s("member_id", members)])?.lazy())
}

/// Computes every table (the counts and visits are taken out of `tally`); the page figures'
/// windows end on the day `as_of`. The largest tables, per day and over the period per (link,
/// partner, ad), are handed to `emit` as `daily` and `by_link_partner_ad` as soon as they are
/// computed, to be named and written a slice at a time, and not kept. The per-day table is computed for the days in `daily_days` only
/// (`None`: every day), for a store that keeps the other days' files.
pub fn tables(
    tally: &mut Tally,
    known: &Known,
    program: &Program,
    as_of: Day,
    daily_days: Option<&std::collections::BTreeSet<Day>>,
    emit: &mut dyn FnMut(&str, &Sliced<'_>) -> Result<(), ReportError>,
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
    let all = ["known_link", "known_partner", "known_ad"];
    let finest = ["day", "link", "partner", "ad"];
    let daily = match daily_days {
        None => aggregate(&f, h.clone(), Vec::new(), &finest)?,
        Some(days) => {
            let keep = days.iter().fold(lit(false), |any, d| any.or(day_part().eq(lit(day_number(*d)))));
            aggregate(&f, h.clone().filter(keep), Vec::new(), &finest)?
        }
    };
    emit("daily", &Sliced { f: &f, rows: &daily, by: &finest, flags: &all })?;
    drop(daily);
    let by_day = rollup(&f, h.clone(), v.clone(), &["day"], &[])?;
    let by_partner_day = rollup(&f, h.clone(), v.clone(), &["partner", "day"], &["known_partner"])?;
    let key = ["link", "partner", "ad"];
    let by_key = aggregate(&f, h, v.keyed(&f.rows, f.group_key(&key)?)?, &key)?;
    emit("by_link_partner_ad", &Sliced { f: &f, rows: &by_key, by: &key, flags: &all })?;
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
    let by_partner_link = rollup(&f, k.clone(), v.clone(), &["partner", "link"], &["known_partner", "known_link"])?;
    let with_ad = f.has_ad();
    let by_ad = rollup(&f, k.clone().filter(with_ad.clone()), v.filter(&with_ad), &["partner", "ad"], &["known_ad"])?;
    let by_partner = rollup(&f, k.clone(), v.clone(), &["partner"], &["known_partner"])?;
    let by_link = rollup(&f, k, v.clone(), &["link"], &["known_link"])?;
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
    let parent_names = parents.iter().map(|&p| tally.partners.all()[p as usize].as_str());
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
    Ok(Tables { by_day, unknown, by_partner, by_partner_day, by_partner_link, by_link, by_ad, by_parent, pages })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_of_32_bit_counts_are_exact_in_64_bits() {
        let sum = |values: Vec<u32>, narrow: bool| {
            let df = DataFrame::new(values.len(), vec![u32s("n", values)]).unwrap();
            let out = df.lazy().select([sum64("n", narrow)]).collect().unwrap();
            out.column("n").unwrap().u64().unwrap().get(0)
        };
        assert!(fits_32_bits(&[u32::MAX - 1, 1]));
        assert_eq!(sum(vec![u32::MAX - 1, 1], true), Some(u64::from(u32::MAX)));
        // Past 32 bits the counts are widened before they are added.
        assert!(!fits_32_bits(&[u32::MAX, 1]));
        assert_eq!(sum(vec![u32::MAX, 1], false), Some(1 << 32));
    }
}
