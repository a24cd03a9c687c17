//! The breakdown tables, summed over the report's period: the whole program's clicks per
//! dimension and value (`breakdown`), and per partner (`breakdown_by_partner`), per partner
//! and link (`breakdown_by_partner_link`) and per partner and ad (`breakdown_by_partner_ad`),
//! each sorted by its codes, then dimension, most clicks first, then value; and each partner's
//! top values per window for its pages.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use polars::prelude::*;
use refcenter_model::page_stats::{Share, TOP_VALUES, WINDOWS, Windows};
use rustc_hash::FxHashMap;

use super::{Breakdowns, Dim};
use crate::days::Day;

/// The tables of one report.
pub struct BreakdownTables {
    /// `(table name, table)` in the order they are written.
    pub tables: Vec<(&'static str, DataFrame)>,
    /// Per partner code, per dimension name, its top values per window.
    pub pages: BTreeMap<String, BTreeMap<String, Windows<Vec<Share>>>>,
}

/// A partner's values with their clicks, per (partner, dimension, window).
type Grouped<'a> = BTreeMap<(&'a str, Dim, usize), Vec<(u64, &'a str)>>;

/// Clicks summed per (code ids, dimension, value id).
type Sums<const N: usize> = FxHashMap<([u32; N], Dim, u32), u64>;

/// Each id's rank in name order: of the codes, and of each dimension's values.
struct Ranks {
    codes: [Vec<u32>; 3],
    values: Vec<Vec<u32>>,
}

/// The rows of `sums` as a table with the code columns `columns` (the codes' names from
/// `names`, their ranks from `ranks`), sorted by codes, dimension, most clicks, value.
fn table<const N: usize>(
    sums: Sums<N>,
    columns: [&str; N],
    (names, ranks): ([&[String]; N], [&[u32]; N]),
    b: &Breakdowns,
    r: &Ranks,
) -> PolarsResult<DataFrame> {
    let mut rows: Vec<_> = sums.into_iter().collect();
    // Sorted on integers: ranks stand for the names.
    rows.sort_unstable_by_key(|((k, d, v), n)| {
        let codes: [u32; N] = std::array::from_fn(|i| ranks[i][k[i] as usize]);
        (codes, *d, Reverse(*n), r.values[d.index()][*v as usize])
    });
    let n = rows.len();
    let mut out: Vec<Column> = (0..N)
        .map(|i| {
            let values = rows.iter().map(|((k, _, _), _)| names[i][k[i] as usize].as_str());
            StringChunked::from_iter_values(columns[i].into(), values).into_column()
        })
        .collect();
    out.push(
        StringChunked::from_iter_values("dimension".into(), rows.iter().map(|((_, d, _), _)| d.name())).into_column(),
    );
    out.push(
        StringChunked::from_iter_values(
            "value".into(),
            rows.iter().map(|((_, d, v), _)| b.values(*d)[*v as usize].as_str()),
        )
        .into_column(),
    );
    out.push(Column::new("clicks".into(), rows.iter().map(|(_, c)| *c).collect::<Vec<u64>>()));
    DataFrame::new(n, out)
}

/// Whether `day` is in the window `w` (days back from `as_of`, `None`: all time).
fn in_window(w: Option<u32>, day: Day, as_of: Day) -> bool {
    match w {
        Some(days) => day <= as_of && day > as_of.saturating_sub(i32::try_from(days).unwrap_or(i32::MAX)),
        None => true,
    }
}

/// Computes the tables and the pages' top values; the windows end on `as_of`.
pub fn tables(b: &mut Breakdowns, as_of: Day) -> PolarsResult<BreakdownTables> {
    let no_ad = b.ads.get("");
    let b: &Breakdowns = b;
    // Three sums side by side, each over every count: per (partner, dimension, value) the
    // clicks in each window (the last: all time, which is the period), per partner and link,
    // per partner and ad.
    let (per_partner, by_link, by_ad) = std::thread::scope(|scope| {
        let per_partner = scope.spawn(|| {
            let mut sums: FxHashMap<(u32, Dim, u32), [u64; 4]> = FxHashMap::default();
            for r in b.counts() {
                let windows = sums.entry((r.key[1], r.dim, r.value)).or_default();
                for (sum, w) in windows.iter_mut().zip(WINDOWS) {
                    if in_window(w, r.day, as_of) {
                        *sum += u64::from(r.clicks);
                    }
                }
            }
            sums
        });
        let by_ad = scope.spawn(|| {
            let mut sums: Sums<2> = FxHashMap::default();
            for r in b.counts().filter(|r| Some(r.key[2]) != no_ad) {
                *sums.entry(([r.key[1], r.key[2]], r.dim, r.value)).or_default() += u64::from(r.clicks);
            }
            sums
        });
        let mut by_link: Sums<2> = FxHashMap::default();
        for r in b.counts() {
            *by_link.entry(([r.key[1], r.key[0]], r.dim, r.value)).or_default() += u64::from(r.clicks);
        }
        let per_partner = per_partner.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (per_partner, by_link, by_ad.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    let mut program: Sums<0> = FxHashMap::default();
    let mut by_partner: Sums<1> = FxHashMap::default();
    for (&(partner, dim, value), windows) in &per_partner {
        if windows[3] > 0 {
            *program.entry(([], dim, value)).or_default() += windows[3];
            by_partner.insert(([partner], dim, value), windows[3]);
        }
    }
    let r = Ranks {
        codes: [b.links.ranks(), b.partners.ranks(), b.ads.ranks()],
        values: Dim::ALL.iter().map(|&d| b.value_ranks(d)).collect(),
    };
    let (links, partners, ads) = (b.links.all(), b.partners.all(), b.ads.all());
    let [link_rank, partner_rank, ad_rank] = [&r.codes[0][..], &r.codes[1][..], &r.codes[2][..]];
    let tables = vec![
        ("breakdown", table(program, [], ([], []), b, &r)?),
        ("breakdown_by_partner", table(by_partner, ["partner"], ([partners], [partner_rank]), b, &r)?),
        (
            "breakdown_by_partner_link",
            table(by_link, ["partner", "link"], ([partners, links], [partner_rank, link_rank]), b, &r)?,
        ),
        (
            "breakdown_by_partner_ad",
            table(by_ad, ["partner", "ad"], ([partners, ads], [partner_rank, ad_rank]), b, &r)?,
        ),
    ];
    // Each partner's values per (window, dimension), most clicks first, then by value.
    let mut grouped: Grouped<'_> = BTreeMap::new();
    for ((partner, dim, value), windows) in per_partner {
        for (w, n) in windows.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            let entry = grouped.entry((partners[partner as usize].as_str(), dim, w)).or_default();
            entry.push((n, b.values(dim)[value as usize].as_str()));
        }
    }
    let mut pages: BTreeMap<String, BTreeMap<String, Windows<Vec<Share>>>> = BTreeMap::new();
    for ((partner, dim, w), mut values) in grouped {
        values.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let top = values.into_iter().take(TOP_VALUES).map(|(clicks, v)| Share { value: v.to_owned(), clicks });
        let dims = pages.entry(partner.to_owned()).or_default();
        *dims.entry(dim.name().to_owned()).or_default().get_mut(WINDOWS[w]) = top.collect();
    }
    Ok(BreakdownTables { tables, pages })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_per_level_and_top_values_per_window() {
        let mut b = Breakdowns::default();
        // Day 10 is the as-of day; day 1 is only in the 30-day window and all time.
        b.add_named(10, ["l", "p", "a"], Dim::Country, "DE", 3);
        b.add_named(10, ["m", "p", ""], Dim::Country, "FR", 2);
        b.add_named(1, ["l", "p", ""], Dim::Country, "FR", 4);
        b.add_named(10, ["l", "q", ""], Dim::Country, "DE", 1);
        let t = tables(&mut b, 10).unwrap_or_else(|e| panic!("{e}"));
        let program = &t.tables[0].1;
        let values: Vec<Option<&str>> = program.column("value").unwrap().str().unwrap().iter().collect();
        assert_eq!(values, [Some("FR"), Some("DE")], "most clicks first");
        let clicks: Vec<Option<u64>> = program.column("clicks").unwrap().u64().unwrap().iter().collect();
        assert_eq!(clicks, [Some(6), Some(4)]);
        let by_ad = &t.tables[3].1;
        assert_eq!(by_ad.height(), 1, "clicks without an ad are in no ad's rows");
        let p = &t.pages["p"]["country"];
        let share = |v: &str, c| Share { value: v.to_owned(), clicks: c };
        assert_eq!(p.last_7_days, [share("DE", 3), share("FR", 2)]);
        assert_eq!(p.last_30_days, [share("FR", 6), share("DE", 3)]);
        assert_eq!(p.all_time, p.last_30_days);
    }
}
