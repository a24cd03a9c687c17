//! The frames the tables are computed from: the run's hits per (day, key) as a polars frame
//! keyed by integer ids and its distinct visits as columns sorted by visitor, and the rollup of
//! them by any level (per day, link, partner, ad, parent, ...) with the names put back. Unique
//! clicks are distinct visitors, so they are counted from the visits at each level, never
//! summed from a finer one: a visitor's groups are gathered from its visits and each counted
//! once.

use polars::prelude::*;
use refcenter_model::Program;
use rustc_hash::FxHashMap;

use crate::classify::Known;
use crate::days::{Day, day_key, day_name, split_day_key};
use crate::distinct::{Visits, by_visitor};
use crate::sink::Slices;
use crate::tally::{FinestColumns, Tally};
use crate::visits::VisitColumns;

/// The frames of the run, and what names their ids. The hits are keyed by `day_key`, a day
/// and a key (link, partner, ad) packed in one number ([`day_key`]), and each visit by the row
/// of its (day, key) in the hits; the ids of a rollup's level are computed from `day_key`
/// where the rollup needs them, once per row of the hits, so the visits take 8 bytes each.
pub(crate) struct Frames<'a> {
    /// One row per (day, key), sorted by `day_key`: `clicks`, `unique_clicks`, `bot_hits`,
    /// `head_hits` (let go once no rollup needs them).
    pub(crate) hits: Option<LazyFrame>,
    /// The `day_key` of the same rows, which the visits point at.
    pub(crate) rows: DataFrame,
    /// One row per distinct (day, key, visitor) of a click: `row` (in `rows`), `visitor`
    /// (numbered within its part).
    pub(crate) visits: Visits,
    /// `(parent_id, member_id)` for every partner and each member of its downline.
    pub(crate) rel: LazyFrame,
    pub(crate) tally: &'a Tally,
    pub(crate) known: &'a Known,
    day_names: FxHashMap<Day, String>,
    /// The first day's number ([`day_number`]) and how many days there are from it to the last.
    day_span: (u64, u64),
    /// Whether each key's ad is an ad of its partner.
    known_ads: Vec<bool>,
    /// Whether each count of the hits adds up to less than 2^32 over all rows, so that any
    /// sum of its rows fits in its 32 bits.
    narrow_sums: bool,
}

/// Turns the `group_key` column of a table of counts made with [`Frames::dense_key`]'s numbers
/// back into the level's group keys.
type ToGroupKeys = Box<dyn Fn(DataFrame) -> PolarsResult<DataFrame>>;

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
pub(crate) fn frames<'a>(
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
    let parts: Vec<VisitColumns> = v.into_iter().map(by_visitor).collect();
    let (partners, ads) = (tally.keys.partners.all(), tally.keys.ads.all());
    let known_ads =
        tally.keys.parts().iter().map(|&[_, p, a]| known.ad(&partners[p as usize], &ads[a as usize])).collect();
    Ok(Frames {
        rows: hits.select(["day_key"])?,
        hits: Some(hits.lazy()),
        visits: Visits::new(parts),
        rel: downline_pairs(program, tally)?,
        tally,
        known,
        day_names: days.iter().map(|&d| (d, day_name(d))).collect(),
        day_span: match (days.iter().min(), days.iter().max()) {
            (Some(&first), Some(&last)) => (day_number(first), day_number(last) - day_number(first) + 1),
            _ => (0, 0),
        },
        known_ads,
        narrow_sums,
    })
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
        let values: Vec<u64> = self.tally.keys.parts().iter().map(|&k| value(k)).collect();
        lit(Series::new("per_key".into(), values)).gather(key_part(), false)
    }

    /// The flag `flag` of a row's ids.
    pub(crate) fn flag(&self, flag: Flag, i: &Ids) -> bool {
        let (links, partners, ads) =
            (self.tally.keys.links.all(), self.tally.keys.partners.all(), self.tally.keys.ads.all());
        match flag {
            Flag::Link => self.known.link(&links[i.link as usize]),
            Flag::Partner => self.known.partner(&partners[i.partner as usize]),
            Flag::Ad => match i.key {
                Some(k) => self.known_ads.get(k as usize).copied().unwrap_or(false),
                None => self.known.ad(&partners[i.partner as usize], &ads[i.ad as usize]),
            },
        }
    }

    /// Whether a row's key has an ad.
    pub(crate) fn has_ad(&self) -> Expr {
        let no_ad = self.tally.keys.ads.get("").unwrap_or(u32::MAX);
        self.per_key(|[_, _, ad]| u64::from(ad != no_ad)).eq(lit(1u64))
    }

    /// Each parent's downline figures: the rollup by `parent` of its members' `hits` and
    /// `visits`, each joined to every ancestor of its partner.
    pub(crate) fn downline(&self, hits: LazyFrame, visits: &Visits) -> PolarsResult<DataFrame> {
        let uniques = visits.distinct(&self.rows, self.member(), self.ancestors()?)?;
        self.downline_of(hits, uniques)
    }

    /// [`Frames::downline`] for several windows of days at once (each its first and last day
    /// numbers), `hits` each window's, `days` each row's day number.
    pub(crate) fn downline_in_windows(
        &self,
        hits: Vec<LazyFrame>,
        visits: &Visits,
        days: &[u64],
        windows: &[(u64, u64)],
    ) -> PolarsResult<Vec<DataFrame>> {
        let uniques = visits.distinct_in_windows(&self.rows, days, self.member(), self.ancestors()?, windows)?;
        hits.into_iter().zip(uniques).map(|(hits, uniques)| self.downline_of(hits, uniques)).collect()
    }

    /// A row's partner, as the member of a downline.
    fn member(&self) -> Expr {
        self.per_key(|[_, partner, _]| u64::from(partner))
    }

    /// The groups of a member's visits in a downline's rollup ([`Visits::distinct`]'s
    /// `groups`): every ancestor of its partner. Distinct visitors do not add up, so each visit
    /// counts for every ancestor, a visitor once per ancestor.
    fn ancestors(&self) -> PolarsResult<impl Fn(u64, &mut Vec<u64>) + Sync> {
        let pairs = self.rel.clone().collect()?;
        let mut ancestors: Vec<Vec<u64>> = vec![Vec::new(); self.tally.keys.partners.all().len()];
        for (parent, member) in pairs.column("parent_id")?.u32()?.iter().zip(pairs.column("member_id")?.u32()?.iter()) {
            if let (Some(parent), Some(list)) = (parent, member.and_then(|m| ancestors.get_mut(m as usize))) {
                list.push(u64::from(parent));
            }
        }
        Ok(move |member: u64, groups: &mut Vec<u64>| {
            groups.extend_from_slice(ancestors.get(member as usize).map_or(&[][..], Vec::as_slice));
        })
    }

    /// The day number ([`day_number`]) of each row of the hits, for
    /// [`Frames::uniques_in_windows`] and [`Frames::downline_in_windows`].
    pub(crate) fn row_days(&self) -> PolarsResult<Vec<u64>> {
        Ok(self.rows.column("day_key")?.u64()?.into_no_null_iter().map(|k| k / HIGH).collect())
    }

    /// The rollup by parent of its members' `hits`, with the distinct visitors `uniques` of
    /// each parent's downline.
    fn downline_of(&self, hits: LazyFrame, uniques: DataFrame) -> PolarsResult<DataFrame> {
        let to_parents = |frame: LazyFrame| {
            frame.join(self.rel.clone(), [col("member_id")], [col("member_id")], JoinArgs::new(JoinType::Inner))
        };
        // Counts add up: summed per member first, they join as one row per member.
        let sums = ["clicks", "bot_hits", "head_hits"].map(|c| self.total(c));
        let hits = to_parents(hits.group_by([self.member().cast(DataType::UInt32).alias("member_id")]).agg(sums));
        rollup_with(self, hits, Some(uniques), Level::Parent, &[])
    }

    /// The distinct visitors of each group of `level` among `visits`, as `group_key` and
    /// `unique_clicks` ([`Visits::distinct`]).
    pub(crate) fn uniques(&self, visits: &Visits, level: Level) -> PolarsResult<DataFrame> {
        match self.dense_key(level) {
            Some((dense, back)) => back(visits.distinct(&self.rows, dense, |g, met| met.push(g))?),
            None => visits.distinct(&self.rows, self.group_key(level), |g, met| met.push(g)),
        }
    }

    /// [`Frames::uniques`] for several windows of days at once ([`Visits::distinct_in_windows`]).
    pub(crate) fn uniques_in_windows(
        &self,
        visits: &Visits,
        days: &[u64],
        level: Level,
        windows: &[(u64, u64)],
    ) -> PolarsResult<Vec<DataFrame>> {
        let (value, back) = match self.dense_key(level) {
            Some((dense, back)) => (dense, Some(back)),
            None => (self.group_key(level), None),
        };
        let counted = visits.distinct_in_windows(&self.rows, days, value, |g, met| met.push(g), windows)?;
        match back {
            Some(back) => counted.into_iter().map(back).collect(),
            None => Ok(counted),
        }
    }

    /// For a level whose [`Frames::group_key`] is a pair of ids or a day (numbers far apart,
    /// counted by hashing), its groups numbered from 0 instead (counted in an array: partner
    /// by partner, each partner's links, ads or days in a row), and the way back to the
    /// group keys of a table of counts; `None` for the other levels, or when the pairs would be
    /// too many to number this way.
    fn dense_key(&self, level: Level) -> Option<(Expr, ToGroupKeys)> {
        let keys = &self.tally.keys;
        let (partners, links, ads) =
            (keys.partners.all().len() as u64, keys.links.all().len() as u64, keys.ads.all().len() as u64);
        let (first_day, days) = self.day_span;
        let pairs =
            |second: u64| partners.checked_mul(second).is_some_and(|n| n <= 2 * self.rows.height() as u64 + 1024);
        let high = |id: u64| id * HIGH;
        let (dense, back): (Expr, Box<dyn Fn(u64) -> u64>) = match level {
            Level::Day if days > 0 => (day_part() - lit(first_day), Box::new(move |d| d + first_day)),
            Level::PartnerDay if days > 0 && pairs(days) => (
                self.per_key(|[_, partner, _]| u64::from(partner) * days) + day_part() - lit(first_day),
                Box::new(move |d| high(d / days) + first_day + d % days),
            ),
            Level::PartnerLink if links > 0 && pairs(links) => (
                self.per_key(|[link, partner, _]| u64::from(partner) * links + u64::from(link)),
                Box::new(move |d| high(d / links) + d % links),
            ),
            Level::PartnerAd if ads > 0 && pairs(ads) => (
                self.per_key(|[_, partner, ad]| u64::from(partner) * ads + u64::from(ad)),
                Box::new(move |d| high(d / ads) + d % ads),
            ),
            _ => return None,
        };
        let back = move |mut counted: DataFrame| {
            let keys: Vec<u64> = counted.column("group_key")?.u64()?.into_no_null_iter().map(&back).collect();
            counted.replace("group_key", UInt64Chunked::from_vec("group_key".into(), keys).into_column())?;
            Ok(counted)
        };
        Some((dense, Box::new(back)))
    }

    /// The groups of a rollup by the named columns, as one 64-bit number whose order is the
    /// order of their names (ids are numbered in name order, see [`Tally::take_columns`]):
    /// polars groups and sorts one integer column much faster than several.
    pub(crate) fn group_key(&self, level: Level) -> Expr {
        let high = |id: u32| u64::from(id) * HIGH;
        match level {
            Level::Finest => col("day_key"),
            Level::Key => key_part().cast(DataType::UInt64),
            Level::Day => day_part(),
            Level::Link => self.per_key(|[link, _, _]| u64::from(link)),
            Level::Partner => self.per_key(|[_, partner, _]| u64::from(partner)),
            Level::Parent => col("parent_id").cast(DataType::UInt64),
            Level::PartnerDay => self.per_key(|[_, partner, _]| high(partner)) + day_part(),
            Level::PartnerLink => self.per_key(|[link, partner, _]| high(partner) + u64::from(link)),
            Level::PartnerAd => self.per_key(|[_, partner, ad]| high(partner) + u64::from(ad)),
        }
    }
}

/// A level of the tables: what a rollup groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// Day, link, partner and ad: the finest rows.
    Finest,
    /// Link, partner and ad, over the period.
    Key,
    /// Day.
    Day,
    /// Link.
    Link,
    /// Partner.
    Partner,
    /// A parent, over its downline (named `partner` in tables).
    Parent,
    /// Partner and day.
    PartnerDay,
    /// Partner and link.
    PartnerLink,
    /// Partner and ad.
    PartnerAd,
}

/// A column naming a row of a rollup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Name {
    Day,
    Link,
    Partner,
    Ad,
}

impl Level {
    /// The columns that name its rows, in order.
    fn names(self) -> &'static [Name] {
        match self {
            Level::Finest => &[Name::Day, Name::Link, Name::Partner, Name::Ad],
            Level::Key => &[Name::Link, Name::Partner, Name::Ad],
            Level::Day => &[Name::Day],
            Level::Link => &[Name::Link],
            Level::Partner | Level::Parent => &[Name::Partner],
            Level::PartnerDay => &[Name::Partner, Name::Day],
            Level::PartnerLink => &[Name::Partner, Name::Link],
            Level::PartnerAd => &[Name::Partner, Name::Ad],
        }
    }
}

/// A flag column of a table: whether the program knows a row's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flag {
    /// `known_link`.
    Link,
    /// `known_partner`.
    Partner,
    /// `known_ad`: the ad is one of the partner's (or there is no ad).
    Ad,
}

impl Flag {
    /// Every flag, in the order tables hold them.
    pub(crate) const ALL: [Flag; 3] = [Flag::Link, Flag::Partner, Flag::Ad];

    /// The column's name.
    fn name(self) -> &'static str {
        match self {
            Flag::Link => "known_link",
            Flag::Partner => "known_partner",
            Flag::Ad => "known_ad",
        }
    }
}

/// The ids of one row of a rollup.
#[derive(Clone, Copy, Default)]
pub(crate) struct Ids {
    day: Day,
    link: u32,
    partner: u32,
    ad: u32,
    /// The key of link, partner and ad, where the group has one.
    key: Option<u32>,
}

/// The ids of the group `group` of a rollup at `level` (see [`Frames::group_key`]).
pub(crate) fn decode(level: Level, group: u64, keys: &[[u32; 3]]) -> Ids {
    let (high, low) = ((group / HIGH) as u32, group as u32);
    let key = |k: u32| {
        let [link, partner, ad] = keys.get(k as usize).copied().unwrap_or_default();
        Ids { link, partner, ad, key: Some(k), ..Ids::default() }
    };
    let day = |number: u64| split_day_key(number * HIGH).0;
    match level {
        Level::Finest => Ids { day: split_day_key(group).0, ..key(low) },
        Level::Key => key(low),
        Level::Day => Ids { day: day(group), ..Ids::default() },
        Level::Link => Ids { link: low, ..Ids::default() },
        Level::PartnerDay => Ids { partner: high, day: day(u64::from(low)), ..Ids::default() },
        Level::PartnerLink => Ids { partner: high, link: low, ..Ids::default() },
        Level::PartnerAd => Ids { partner: high, ad: low, ..Ids::default() },
        Level::Partner | Level::Parent => Ids { partner: low, ..Ids::default() },
    }
}

/// Hits summed by the named columns `by`, with the distinct visitors as `unique_clicks`,
/// sorted by name, the names put back in place of the ids, and `flags` added.
pub(crate) fn rollup(
    f: &Frames<'_>,
    hits: LazyFrame,
    visits: Visits,
    level: Level,
    flags: &[Flag],
) -> PolarsResult<DataFrame> {
    // The finest rollup takes its unique clicks from the hits.
    let uniques = match level {
        Level::Finest => None,
        _ => Some(f.uniques(&visits, level)?),
    };
    rollup_with(f, hits, uniques, level, flags)
}

/// [`rollup`] with the distinct visitors of its groups counted already (`uniques`, as
/// [`aggregate`] takes them).
pub(crate) fn rollup_with(
    f: &Frames<'_>,
    hits: LazyFrame,
    uniques: Option<DataFrame>,
    level: Level,
    flags: &[Flag],
) -> PolarsResult<DataFrame> {
    named(f, &aggregate(f, hits, uniques, level)?, level, flags)
}

/// The rows of a rollup by `by` before they are named: `group_key` (sorted) and the counts.
/// `uniques` are the distinct visitors of the same groups ([`Visits::distinct`]); the finest
/// rollup has none, its hits carry their own.
pub(crate) fn aggregate(
    f: &Frames<'_>,
    hits: LazyFrame,
    uniques: Option<DataFrame>,
    level: Level,
) -> PolarsResult<DataFrame> {
    let key = f.group_key(level).alias("group_key");
    let counts = ["clicks", "bot_hits", "head_hits"];
    let frame = match uniques {
        None => {
            // The hits are one row per (day, key), with their unique clicks counted off the
            // sorted visits.
            let mut keep = vec![key];
            keep.extend(counts.iter().chain(&["unique_clicks"]).map(|c| col(*c).cast(DataType::UInt64)));
            hits.select(keep)
        }
        Some(uniques) => {
            // Unique clicks are distinct visitors, counted at every level, never summed.
            let on = [col("group_key")];
            hits.group_by([key])
                .agg(counts.map(|c| f.total(c)))
                .join(uniques.lazy(), on.clone(), on, JoinArgs::new(JoinType::Left))
                .with_column(col("unique_clicks").fill_null(lit(0u64)))
        }
    };
    frame.sort(["group_key"], SortMultipleOptions::default()).collect()
}

/// A table too large to hold named whole: its rows are named a slice at a time, as they are
/// written.
pub struct Sliced<'a> {
    pub(crate) f: &'a Frames<'a>,
    pub(crate) rows: &'a DataFrame,
    pub(crate) level: Level,
    pub(crate) flags: &'a [Flag],
}

impl Slices for Sliced<'_> {
    fn height(&self) -> usize {
        self.rows.height()
    }

    /// The rows with their names and flags.
    fn slice(&self, offset: usize, len: usize) -> PolarsResult<DataFrame> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        named(self.f, &self.rows.slice(offset, len), self.level, self.flags)
    }
}

/// The columns of a rollup's table: the names of its ids, the counts, then `flags`.
pub(crate) fn named(f: &Frames<'_>, df: &DataFrame, level: Level, flags: &[Flag]) -> PolarsResult<DataFrame> {
    let keys = f.tally.keys.parts();
    let ids: Vec<Ids> = df.column("group_key")?.u64()?.into_no_null_iter().map(|g| decode(level, g, keys)).collect();
    let (links, partners, ads) = (f.tally.keys.links.all(), f.tally.keys.partners.all(), f.tally.keys.ads.all());
    let names = |name: &str, all: &[String], id: fn(&Ids) -> u32| {
        let values = ids.iter().map(|i| all.get(id(i) as usize).map_or("", String::as_str));
        StringChunked::from_iter_values(name.into(), values).into_column()
    };
    let mut columns = Vec::new();
    for name in level.names() {
        columns.push(match name {
            Name::Day => {
                let values = ids.iter().map(|i| f.day_names.get(&i.day).map_or("", String::as_str));
                StringChunked::from_iter_values("day".into(), values).into_column()
            }
            Name::Link => names("link", links, |i| i.link),
            Name::Ad => names("ad", ads, |i| i.ad),
            Name::Partner => names("partner", partners, |i| i.partner),
        });
    }
    for c in ["clicks", "unique_clicks", "bot_hits", "head_hits"] {
        columns.push(df.column(c)?.clone());
    }
    for &flag in flags {
        let values: Vec<bool> = ids.iter().map(|i| f.flag(flag, i)).collect();
        columns.push(Column::new(flag.name().into(), values));
    }
    DataFrame::new(df.height(), columns)
}

/// `(parent_id, member_id)` for every partner and each member of its downline.
fn downline_pairs(program: &Program, tally: &Tally) -> PolarsResult<LazyFrame> {
    let mut ancestors = Vec::new();
    let mut members = Vec::new();
    for p in program.partners() {
        let Some(a) = tally.keys.partners.get(p.code.as_str()) else { continue };
        for (member, _) in program.tree().downline(p.code.as_str()) {
            if let Some(m) = tally.keys.partners.get(member.as_str()) {
                ancestors.push(a);
                members.push(m);
            }
        }
    }
    Ok(DataFrame::new(ancestors.len(), vec![u32s("parent_id", ancestors), u32s("member_id", members)])?.lazy())
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
