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

/// Clicks summed per (codes, dimension, value id).
type Sums<const N: usize> = FxHashMap<([u32; N], Dim, u32), u64>;

/// The rows of `sums` as a table with the code columns `columns` (names from `names`).
fn table<const N: usize>(
    sums: Sums<N>,
    columns: [&str; N],
    names: [&[String]; N],
    b: &Breakdowns,
) -> PolarsResult<DataFrame> {
    let mut rows: Vec<_> = sums.into_iter().collect();
    rows.sort_unstable_by(|(ka, a), (kb, b_)| {
        let codes = |k: &[u32; N]| -> [&str; N] { std::array::from_fn(|i| names[i][k[i] as usize].as_str()) };
        (codes(&ka.0), ka.1, Reverse(*a), &b.values(ka.1)[ka.2 as usize]).cmp(&(
            codes(&kb.0),
            kb.1,
            Reverse(*b_),
            &b.values(kb.1)[kb.2 as usize],
        ))
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
    let rows = b.rows();
    let no_ad = b.ads.get("");
    let (mut program, mut by_partner): (Sums<0>, Sums<1>) = Default::default();
    let (mut by_link, mut by_ad): (Sums<2>, Sums<2>) = Default::default();
    let mut windows: FxHashMap<(u32, usize, Dim, u32), u64> = FxHashMap::default();
    for r in &rows {
        let n = u64::from(r.clicks);
        let [link, partner, ad] = r.key;
        *program.entry(([], r.dim, r.value)).or_default() += n;
        *by_partner.entry(([partner], r.dim, r.value)).or_default() += n;
        *by_link.entry(([partner, link], r.dim, r.value)).or_default() += n;
        if Some(ad) != no_ad {
            *by_ad.entry(([partner, ad], r.dim, r.value)).or_default() += n;
        }
        for (i, w) in WINDOWS.iter().enumerate() {
            if in_window(*w, r.day, as_of) {
                *windows.entry((partner, i, r.dim, r.value)).or_default() += n;
            }
        }
    }
    drop(rows);
    let (links, partners, ads) = (b.links.all(), b.partners.all(), b.ads.all());
    let tables = vec![
        ("breakdown", table(program, [], [], b)?),
        ("breakdown_by_partner", table(by_partner, ["partner"], [partners], b)?),
        ("breakdown_by_partner_link", table(by_link, ["partner", "link"], [partners, links], b)?),
        ("breakdown_by_partner_ad", table(by_ad, ["partner", "ad"], [partners, ads], b)?),
    ];
    // Each partner's values per (window, dimension), most clicks first, then by value.
    let mut grouped: Grouped<'_> = BTreeMap::new();
    for ((partner, w, dim, value), n) in windows {
        let entry = grouped.entry((partners[partner as usize].as_str(), dim, w)).or_default();
        entry.push((n, b.values(dim)[value as usize].as_str()));
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
