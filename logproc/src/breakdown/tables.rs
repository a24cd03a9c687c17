//! The breakdown tables, summed over the report's period: the whole program's clicks per
//! dimension and value (`breakdown`), and per partner (`breakdown_by_partner`), per link
//! (`breakdown_by_link`) and per partner and ad (`breakdown_by_partner_ad`), each sorted by its
//! codes, then dimension, most clicks first, then value; and each partner's top values per
//! window for its pages. The rows are taken key by key in the order of the partner, link and ad
//! codes, so the sums are made in one pass, on arrays indexed by profile (a key's, and a
//! partner's per window), then by value. (Per partner and link there is no table: on a big
//! program it would hold more rows than all the others together; the store and the partials
//! keep the clicks of each link, partner and ad.)

use std::cmp::Reverse;

use polars::prelude::*;
use refcenter_model::page_stats::{TOP_VALUES, WINDOWS};
use rustc_hash::FxHashMap;

use super::counts::{UNSET, day_of_row};
use super::page_tops::{PageTops, Top};
use super::{Breakdowns, Dim};
use crate::days::{Day, window_start};
use crate::sink::Slices;

/// The tables of one report, their rows kept as ids (named a slice at a time as they are written).
pub struct BreakdownTables<'a> {
    /// `(table name, table)` in the order they are written.
    pub tables: Vec<(&'static str, Box<dyn Slices + Send + Sync + 'a>)>,
    /// Each partner's top values per window, for its pages.
    pub pages: PageTops,
}

/// Clicks per value of each dimension, on arrays indexed by value id, with the values met
/// listed so that taking the sums out is as quick as adding them.
struct Sums {
    clicks: [Vec<u64>; 6],
    met: [Vec<u32>; 6],
}

impl Sums {
    fn new(b: &Breakdowns) -> Sums {
        Sums {
            clicks: std::array::from_fn(|d| vec![0; b.values(Dim::ALL[d]).len()]),
            met: std::array::from_fn(|_| Vec::new()),
        }
    }

    fn add(&mut self, dim: usize, value: u32, clicks: u64) {
        if clicks == 0 {
            return;
        }
        let sum = &mut self.clicks[dim][value as usize];
        if *sum == 0 {
            self.met[dim].push(value);
        }
        *sum += clicks;
    }

    /// Adds the clicks of a profile.
    fn add_profile(&mut self, profile: &[u32; 6], clicks: u64) {
        for (d, &v) in profile.iter().enumerate() {
            if v != UNSET {
                self.add(d, v, clicks);
            }
        }
    }

    /// Hands each sum to `each` per dimension, most clicks first, then by value (`ranks`: each
    /// dimension's value ids in name order), and empties them.
    fn take(&mut self, ranks: &[Vec<u32>], mut each: impl FnMut(Dim, u32, u64)) {
        for (d, dim) in Dim::ALL.into_iter().enumerate() {
            let (clicks, met) = (&mut self.clicks[d], &mut self.met[d]);
            met.sort_unstable_by_key(|&v| (Reverse(clicks[v as usize]), ranks[d][v as usize]));
            for &v in met.iter() {
                each(dim, v, std::mem::take(&mut clicks[v as usize]));
            }
            met.clear();
        }
    }
}

/// A table's rows, with ids: `N` codes, dimension, value, clicks.
struct Rows<const N: usize>(Vec<([u32; N], Dim, u32, u64)>);

/// A table as ids, named a slice at a time as it is written: a big program's tables hold
/// hundreds of thousands of rows, which take several times their ids' memory as text.
struct Named<'a, const N: usize> {
    rows: Rows<N>,
    /// The names of the code columns.
    columns: [&'static str; N],
    /// The codes (partners', links' or ads') by id, for each code column.
    codes: [&'a [String]; N],
    b: &'a Breakdowns,
}

impl<const N: usize> Slices for Named<'_, N> {
    fn height(&self) -> usize {
        self.rows.0.len()
    }

    /// The rows from `offset`, with their codes' and values' names.
    fn slice(&self, offset: usize, len: usize) -> PolarsResult<DataFrame> {
        let end = offset.saturating_add(len).min(self.rows.0.len());
        let rows = &self.rows.0[offset.min(end)..end];
        let mut out: Vec<Column> = (0..N)
            .map(|i| {
                let names = rows.iter().map(|r| self.codes[i][r.0[i] as usize].as_str());
                StringChunked::from_iter_values(self.columns[i].into(), names).into_column()
            })
            .collect();
        out.push(StringChunked::from_iter_values("dimension".into(), rows.iter().map(|r| r.1.name())).into_column());
        let values = rows.iter().map(|r| self.b.values(r.1)[r.2 as usize].as_str());
        out.push(StringChunked::from_iter_values("value".into(), values).into_column());
        out.push(Column::new("clicks".into(), rows.iter().map(|r| r.3).collect::<Vec<u64>>()));
        DataFrame::new(rows.len(), out)
    }
}

/// Whether `day` is in the window `w` (the days ending on `as_of`, `None`: all time).
fn in_window(w: Option<u32>, day: Day, as_of: Day) -> bool {
    match w {
        Some(days) => day <= as_of && day >= window_start(days, as_of),
        None => true,
    }
}

/// The rows of [`Breakdowns`] grouped by key, the keys in the order of their partner, link and
/// ad codes.
struct ByKey {
    /// (day, profile, clicks), a key's rows after the other's.
    rows: Vec<(Day, u32, u32)>,
    /// The key ids in that order.
    order: Vec<u32>,
    /// Where the rows of each key of `order` start (and, last, where they end).
    starts: Vec<usize>,
}

/// The rows of `b` grouped by key (a counting sort: one pass to count, one to place), the keys
/// with rows (a program's bots and unknown codes make many keys without a click) ordered by
/// the ranks of their codes (`[link, partner, ad]` ranks, each by id).
fn by_key(b: &Breakdowns, [link_rank, partner_rank, ad_rank]: &[Vec<u32>; 3]) -> ByKey {
    let parts = b.keys.parts();
    // The rows of each key, by id; below, each key's place among the keys with rows.
    let mut place = vec![0u32; parts.len()];
    // The rows as counted: the sums below add up a key's rows, whatever their order.
    for &((_, k, _), _) in b.unsorted() {
        place[k as usize] += 1;
    }
    // Each key with rows as one integer that sorts in the keys' order (its ranks, then its id):
    // compared inline, where a key function would look up three ranks twice per comparison.
    let mut sorted: Vec<u128> = (parts.iter().zip(0u32..))
        .filter(|&(_, k)| place[k as usize] > 0)
        .map(|(&[l, p, a], k)| {
            let ranks = [partner_rank[p as usize], link_rank[l as usize], ad_rank[a as usize], k];
            ranks.into_iter().fold(0u128, |key, r| (key << 32) | u128::from(r))
        })
        .collect();
    sorted.sort_unstable();
    let (mut order, mut starts) = (Vec::with_capacity(sorted.len()), Vec::with_capacity(sorted.len() + 1));
    let mut end = 0;
    for (i, key) in (0u32..).zip(sorted) {
        let k = key as u32;
        order.push(k);
        starts.push(end);
        end += place[k as usize] as usize;
        place[k as usize] = i;
    }
    starts.push(end);
    let mut next = starts.clone();
    let mut out = vec![(0, 0, 0); end];
    for &((day, k, profile), clicks) in b.unsorted() {
        let at = &mut next[place[k as usize] as usize];
        out[*at] = (day_of_row(day), profile, clicks);
        *at += 1;
    }
    ByKey { rows: out, order, starts }
}

/// Computes the tables and the pages' top values, letting go of the rows counted; the windows
/// end on `as_of`.
pub fn tables(b: &mut Breakdowns, as_of: Day) -> PolarsResult<BreakdownTables<'_>> {
    let no_ad = b.keys.ads.get("");
    let codes = [b.keys.links.ranks(), b.keys.partners.ranks(), b.keys.ads.ranks()];
    let ByKey { rows, order, starts } = by_key(b, &codes);
    // Grouped by key, the rows as counted are not needed again: their memory goes before the
    // tables' is taken.
    b.drop_rows();
    let [link_rank, _, ad_rank] = &codes;
    let b: &Breakdowns = b;
    let ranks: Vec<Vec<u32>> = Dim::ALL.iter().map(|&d| b.value_ranks(d)).collect();
    let (partners, links, ads) = (b.keys.partners.all(), b.keys.links.all(), b.keys.ads.all());
    let (mut program, mut sums) = (Sums::new(b), Sums::new(b));
    let mut windows: [Sums; 4] = std::array::from_fn(|_| Sums::new(b));
    // A key's rows summed per profile first, and the partner's per profile and window: the
    // same profiles come back day after day, and a profile is taken apart into its values once
    // per key (for the link and ad tables) and once per partner and window (for the partner's),
    // not once per row. Indexed by profile id, with the profiles met listed.
    let profile_count = b.profiles.all().len();
    let (mut key_sums, mut key_met) = (vec![0u64; profile_count], Vec::new());
    let (mut partner_sums, mut partner_met) = (vec![[0u64; WINDOWS.len()]; profile_count], Vec::new());
    // A partner's clicks per ad (its rank, its id) and profile, summed per ad in the order of
    // their codes once the partner is done; and every partner's per (link, profile), summed per
    // link at the end.
    let mut ad_rows: Vec<(u32, u32, u32, u64)> = Vec::new();
    let mut per_link: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    let (mut program_rows, mut partner_rows) = (Rows::<0>(Vec::new()), Rows::<1>(Vec::new()));
    let (mut link_rows, mut ad_table) = (Rows::<1>(Vec::new()), Rows::<2>(Vec::new()));
    // Each partner's top values, made into the pages' JSON once it is done.
    let (mut tops, mut pages): (Vec<Top>, PageTops) = (Vec::new(), PageTops::default());
    // A window holding every day counted sums what all time sums (every window, when the
    // period is shorter than a week): its tops are all time's, not summed again.
    let (first, last) = rows.iter().fold((Day::MAX, Day::MIN), |(lo, hi), r| (lo.min(r.0), hi.max(r.0)));
    let as_all_time = WINDOWS.map(|w| in_window(w, first, as_of) && in_window(w, last, as_of));
    let all_time = WINDOWS.len() - 1;
    let mut i = 0;
    while i < order.len() {
        let [_, partner, _] = b.keys.parts()[order[i] as usize];
        // The partner's keys.
        while i < order.len() && b.keys.parts()[order[i] as usize][1] == partner {
            let [link, _, ad] = b.keys.parts()[order[i] as usize];
            for &(day, profile, clicks) in &rows[starts[i]..starts[i + 1]] {
                let (p, clicks) = (profile as usize, u64::from(clicks));
                if clicks == 0 {
                    continue;
                }
                let sums = &mut partner_sums[p];
                // Every row is in all time: a profile without its clicks is met first here.
                if sums[all_time] == 0 {
                    partner_met.push(profile);
                }
                for ((sum, w), same) in sums.iter_mut().zip(WINDOWS).zip(as_all_time) {
                    if in_window(w, day, as_of) && (w.is_none() || !same) {
                        *sum += clicks;
                    }
                }
                if key_sums[p] == 0 {
                    key_met.push(profile);
                }
                key_sums[p] += clicks;
            }
            for &profile in &key_met {
                let clicks = std::mem::take(&mut key_sums[profile as usize]);
                *per_link.entry((link, profile)).or_default() += clicks;
                if Some(ad) != no_ad {
                    ad_rows.push((ad_rank[ad as usize], ad, profile, clicks));
                }
            }
            key_met.clear();
            i += 1;
        }
        for &profile in &partner_met {
            let sums = std::mem::take(&mut partner_sums[profile as usize]);
            let values = &b.profiles.all()[profile as usize];
            for (window, clicks) in windows.iter_mut().zip(sums) {
                window.add_profile(values, clicks);
            }
        }
        partner_met.clear();
        // All time first: the windows that hold every day take its tops.
        for w in std::iter::once(all_time).chain(0..all_time) {
            if w != all_time && as_all_time[w] {
                for k in 0..tops.len() {
                    if usize::from(tops[k].window) == all_time {
                        tops.push(Top { window: w as u8, ..tops[k] });
                    }
                }
                continue;
            }
            let mut kept = [0; 6];
            windows[w].take(&ranks, |dim, v, n| {
                if w == all_time {
                    partner_rows.0.push(([partner], dim, v, n));
                    program.add(dim.index(), v, n);
                }
                if kept[dim.index()] < TOP_VALUES {
                    kept[dim.index()] += 1;
                    let (dim, window) = (dim.index() as u8, w as u8);
                    tops.push(Top { clicks: n, value: v, dim, window });
                }
            });
        }
        if !tops.is_empty() {
            pages.push(partner, &tops, b);
            tops.clear();
        }
        ad_rows.sort_unstable_by_key(|r| r.0);
        for group in ad_rows.chunk_by(|x, y| x.0 == y.0) {
            for &(_, _, profile, clicks) in group {
                sums.add_profile(&b.profiles.all()[profile as usize], clicks);
            }
            let ad = group[0].1;
            sums.take(&ranks, |dim, v, n| ad_table.0.push(([partner, ad], dim, v, n)));
        }
        ad_rows.clear();
    }
    program.take(&ranks, |dim, v, n| program_rows.0.push(([], dim, v, n)));
    let mut per_link: Vec<((u32, u32), u64)> = per_link.into_iter().collect();
    per_link.sort_unstable_by_key(|&((link, _), _)| link_rank[link as usize]);
    for group in per_link.chunk_by(|x, y| x.0.0 == y.0.0) {
        for &((_, profile), clicks) in group {
            sums.add_profile(&b.profiles.all()[profile as usize], clicks);
        }
        let link = group[0].0.0;
        sums.take(&ranks, |dim, v, n| link_rows.0.push(([link], dim, v, n)));
    }
    let tables: Vec<(&'static str, Box<dyn Slices + Send + Sync>)> = vec![
        ("breakdown", Box::new(Named { rows: program_rows, columns: [], codes: [], b })),
        ("breakdown_by_partner", Box::new(Named { rows: partner_rows, columns: ["partner"], codes: [partners], b })),
        ("breakdown_by_link", Box::new(Named { rows: link_rows, columns: ["link"], codes: [links], b })),
        (
            "breakdown_by_partner_ad",
            Box::new(Named { rows: ad_table, columns: ["partner", "ad"], codes: [partners, ads], b }),
        ),
    ];
    Ok(BreakdownTables { tables, pages })
}

#[cfg(test)]
mod tests {
    use refcenter_model::page_stats::Share;

    use super::*;

    #[test]
    fn rows_of_one_key_day_and_profile_counted_apart_add_up() {
        let mut b = Breakdowns::default();
        b.add_named(10, ["l", "p", ""], Dim::Country, "DE", 3);
        b.add_named(10, ["l", "p", ""], Dim::Country, "FR", 5);
        let mut other = Breakdowns::default();
        other.add_named(10, ["l", "p", ""], Dim::Country, "DE", 4);
        b.merge(other);
        // Not settled: the same (day, key, profile) in two rows, one from each part.
        assert_eq!(b.unsorted().count(), 3, "the rows as counted, not added up yet");
        let t = tables(&mut b, 10).unwrap_or_else(|e| panic!("{e}"));
        for (name, table) in &t.tables {
            let table = whole(table.as_ref());
            let values: Vec<Option<&str>> = table.column("value").unwrap().str().unwrap().iter().collect();
            let clicks: Vec<Option<u64>> = table.column("clicks").unwrap().u64().unwrap().iter().collect();
            let expected: (&[Option<&str>], &[Option<u64>]) = match *name {
                "breakdown_by_partner_ad" => (&[], &[]),
                _ => (&[Some("DE"), Some("FR")], &[Some(7), Some(5)]),
            };
            assert_eq!((values.as_slice(), clicks.as_slice()), expected, "{name}");
        }
        let top = &t.pages.reader().shares("p")["country"].all_time;
        assert_eq!((top[0].value.as_str(), top[0].clicks), ("DE", 7));
        drop(t);
        assert_eq!(b.unsorted().count(), 0, "let go once grouped");
    }

    #[test]
    fn sums_per_level_and_top_values_per_window() {
        let mut b = Breakdowns::default();
        // Day 10 is the as-of day; day 1 is only in the 30-day window and all time.
        b.add_named(10, ["l", "p", "a"], Dim::Country, "DE", 3);
        b.add_named(10, ["m", "p", ""], Dim::Country, "FR", 2);
        b.add_named(1, ["l", "p", ""], Dim::Country, "FR", 4);
        b.add_named(10, ["l", "q", ""], Dim::Country, "DE", 1);
        let t = tables(&mut b, 10).unwrap_or_else(|e| panic!("{e}"));
        let program = &whole(t.tables[0].1.as_ref());
        let values: Vec<Option<&str>> = program.column("value").unwrap().str().unwrap().iter().collect();
        assert_eq!(values, [Some("FR"), Some("DE")], "most clicks first");
        let clicks: Vec<Option<u64>> = program.column("clicks").unwrap().u64().unwrap().iter().collect();
        assert_eq!(clicks, [Some(6), Some(4)]);
        let by_ad = &whole(t.tables[3].1.as_ref());
        assert_eq!(by_ad.height(), 1, "clicks without an ad are in no ad's rows");
        let p = &t.pages.reader().shares("p")["country"];
        let share = |v: &str, c| Share { value: v.to_owned(), clicks: c };
        assert_eq!(p.last_7_days, [share("DE", 3), share("FR", 2)]);
        assert_eq!(p.last_30_days, [share("FR", 6), share("DE", 3)]);
        assert_eq!(p.all_time, p.last_30_days);
    }

    #[test]
    fn windows_holding_every_day_have_all_times_tops_and_days_after_as_of_are_in_all_time_only() {
        let tops = |rows: &[(Day, &str, u64)], as_of| {
            let mut b = Breakdowns::default();
            for &(day, country, n) in rows {
                b.add_named(day, ["l", "p", ""], Dim::Country, country, n);
            }
            let t = tables(&mut b, as_of).unwrap_or_else(|e| panic!("{e}"));
            let c = t.pages.reader().shares("p")["country"].clone();
            let values = |w: &[Share]| w.iter().map(|s| (s.value.clone(), s.clicks)).collect::<Vec<_>>();
            [&c.last_7_days, &c.last_30_days, &c.last_90_days, &c.all_time].map(|w| values(w))
        };
        let v = |pairs: &[(&str, u64)]| pairs.iter().map(|&(s, n)| (s.to_owned(), n)).collect::<Vec<_>>();
        // Every day within a week of the as-of day: four equal windows.
        let same = tops(&[(100, "DE", 2), (98, "FR", 3)], 100);
        assert!(same.iter().all(|w| *w == v(&[("FR", 3), ("DE", 2)])), "{same:?}");
        // A day after the as-of day: in all time only, so no window is all time's.
        let later = tops(&[(100, "DE", 2), (101, "FR", 3)], 100);
        assert_eq!(later[0], v(&[("DE", 2)]));
        assert_eq!(later[2], v(&[("DE", 2)]));
        assert_eq!(later[3], v(&[("FR", 3), ("DE", 2)]));
        // A day 40 days back: the 90-day window holds every day, the 30-day one does not.
        let back = tops(&[(100, "DE", 2), (60, "FR", 3)], 100);
        assert_eq!(back[1], v(&[("DE", 2)]));
        assert_eq!(back[2], v(&[("FR", 3), ("DE", 2)]));
        assert_eq!(back[2], back[3]);
    }

    /// A table named whole, in three slices (so that slicing is checked too).
    fn whole(table: &dyn Slices) -> DataFrame {
        let third = table.height().div_ceil(3).max(1);
        let mut df = table.slice(0, third).unwrap_or_else(|e| panic!("{e}"));
        for offset in [third, 2 * third] {
            df.vstack_mut(&table.slice(offset, third).unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(table.slice(table.height() + 5, 10).map(|d| d.height()).ok(), Some(0), "past the end: no rows");
        df
    }

    /// The rows of `df` as text, columns joined by commas.
    fn text(df: &DataFrame) -> Vec<String> {
        (0..df.height())
            .map(|i| {
                let row = df.get_row(i).unwrap_or_else(|e| panic!("{e}"));
                let cells: Vec<String> =
                    row.0.iter().map(|v| v.get_str().map_or(v.to_string(), str::to_owned)).collect();
                cells.join(",")
            })
            .collect()
    }

    #[test]
    fn a_click_counts_in_each_of_its_dimensions_per_link_partner_and_ad() {
        let mut b = Breakdowns::default();
        let profile = |b: &mut Breakdowns, country: &str, referrer: &str| {
            let mut p = [UNSET; 6];
            p[Dim::Country.index()] = b.profiles.value_of(Dim::Country, country);
            p[Dim::Referrer.index()] = b.profiles.value_of(Dim::Referrer, referrer);
            b.profiles.profile_of(p)
        };
        let (de_tco, fr_direct) = (profile(&mut b, "DE", "t.co"), profile(&mut b, "FR", "(direct)"));
        // Keys met in another order than their codes'.
        let (zb, ap, ma) =
            (b.keys.key_of(["z", "q", "b"]), b.keys.key_of(["a", "p", ""]), b.keys.key_of(["m", "p", "a"]));
        b.add(5, zb, de_tco, 2);
        b.add(5, ap, fr_direct, 1);
        b.add(4, ap, de_tco, 1);
        b.add(5, ma, fr_direct, 3);
        let t = tables(&mut b, 5).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = t.tables.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["breakdown", "breakdown_by_partner", "breakdown_by_link", "breakdown_by_partner_ad"]);
        assert_eq!(
            text(&whole(t.tables[0].1.as_ref())),
            ["country,FR,4", "country,DE,3", "referrer,(direct),4", "referrer,t.co,3"],
            "dimensions in order, most clicks first"
        );
        assert_eq!(
            text(&whole(t.tables[1].1.as_ref())),
            [
                "p,country,FR,4",
                "p,country,DE,1",
                "p,referrer,(direct),4",
                "p,referrer,t.co,1",
                "q,country,DE,2",
                "q,referrer,t.co,2"
            ]
        );
        assert_eq!(
            text(&whole(t.tables[2].1.as_ref())),
            [
                "a,country,DE,1",
                "a,country,FR,1",
                "a,referrer,(direct),1",
                "a,referrer,t.co,1",
                "m,country,FR,3",
                "m,referrer,(direct),3",
                "z,country,DE,2",
                "z,referrer,t.co,2",
            ],
            "per link over every partner; ties by value"
        );
        assert_eq!(
            text(&whole(t.tables[3].1.as_ref())),
            ["p,a,country,FR,3", "p,a,referrer,(direct),3", "q,b,country,DE,2", "q,b,referrer,t.co,2"]
        );
        let top = &t.pages.reader().shares("p")["referrer"];
        let share = |v: &str, c| Share { value: v.to_owned(), clicks: c };
        assert_eq!(top.last_7_days, [share("(direct)", 4), share("t.co", 1)]);
        assert!(!t.pages.reader().shares("q").contains_key("os"), "no dimension the profiles leave out");
        assert!(t.pages.reader().shares("r").is_empty(), "a partner without clicks has no tops");
    }
}
