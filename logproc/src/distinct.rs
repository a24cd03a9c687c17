//! Unique clicks: the distinct visitors of each group of a rollup (a partner, a link, a
//! parent's downline, ...), counted from the visits, which are kept in parts by visitor and
//! sorted by visitor within each part. A visitor's groups are gathered from its run of visits
//! and each counted once, in one pass over the visits and no table of (group, visitor) pairs;
//! the same pass can count several windows of days at once.

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::visits::VisitColumns;

/// The distinct visits, in parts by visitor: all of a visitor's visits are in one part, so
/// the distinct visitors of a group are the sum of those counted in each part. Within a part
/// the visits are sorted by visitor ([`by_visitor`]).
#[derive(Clone)]
pub(crate) struct Visits {
    parts: std::sync::Arc<Vec<VisitColumns>>,
    /// Which rows of the hits have their visits counted (an expression over the hits).
    keep: Option<Expr>,
}

/// What a row whose visits are not counted maps to.
const NO_GROUP: u64 = u64::MAX;

/// Distinct visitors per group: in an array indexed by group where groups are ids (numbered
/// from 0, as partners, links and keys are), else in a hash table (days, pairs of ids).
enum Counts {
    Dense(Vec<u64>),
    Sparse(FxHashMap<u64, u64>),
}

impl Counts {
    /// Counts for groups up to `most`, in an array if `dense`.
    fn new(dense: bool, most: u64) -> Counts {
        if dense { Counts::Dense(vec![0; most as usize + 1]) } else { Counts::Sparse(FxHashMap::default()) }
    }

    fn add(&mut self, group: u64, n: u64) {
        match self {
            Counts::Dense(counts) => {
                let at = group as usize;
                if at >= counts.len() {
                    counts.resize(at + 1, 0);
                }
                counts[at] += n;
            }
            Counts::Sparse(counts) => *counts.entry(group).or_default() += n,
        }
    }

    /// Hands each group with visitors and its count to `each`.
    fn each(self, mut each: impl FnMut(u64, u64)) {
        match self {
            Counts::Dense(counts) => {
                counts.into_iter().enumerate().filter(|&(_, n)| n > 0).for_each(|(g, n)| each(g as u64, n));
            }
            Counts::Sparse(counts) => counts.into_iter().for_each(|(g, n)| each(g, n)),
        }
    }

    /// Adds `other`'s counts.
    fn merge(&mut self, other: Counts) {
        other.each(|g, n| self.add(g, n));
    }

    /// The counts as `group_key` and `unique_clicks` (in no order).
    fn frame(self) -> PolarsResult<DataFrame> {
        let (mut keys, mut uniques) = (Vec::new(), Vec::new());
        self.each(|g, n| {
            keys.push(g);
            uniques.push(n);
        });
        DataFrame::new(
            keys.len(),
            vec![
                UInt64Chunked::from_vec("group_key".into(), keys).into_column(),
                UInt64Chunked::from_vec("unique_clicks".into(), uniques).into_column(),
            ],
        )
    }
}

/// `part`'s visits sorted by visitor (visitors are numbered from 0 within their part): a
/// counting sort, in time and memory linear in the visits.
pub(crate) fn by_visitor(part: VisitColumns) -> VisitColumns {
    let visitors = part.visitor.iter().max().map_or(0, |&v| v as usize + 1);
    let mut starts = vec![0usize; visitors + 1];
    for &v in &part.visitor {
        starts[v as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut out = VisitColumns { row: vec![0; part.row.len()], visitor: vec![0; part.visitor.len()] };
    for (&row, &visitor) in part.row.iter().zip(&part.visitor) {
        let at = &mut starts[visitor as usize];
        out.row[*at] = row;
        out.visitor[*at] = visitor;
        *at += 1;
    }
    out
}

impl Visits {
    /// The visits of `parts` (each sorted by visitor), all counted.
    pub(crate) fn new(parts: Vec<VisitColumns>) -> Visits {
        Visits { parts: std::sync::Arc::new(parts), keep: None }
    }

    /// The visits of the rows of the hits that pass `keep`.
    pub(crate) fn filter(&self, keep: &Expr) -> Visits {
        let keep = match &self.keep {
            Some(k) => k.clone().and(keep.clone()),
            None => keep.clone(),
        };
        Visits { parts: self.parts.clone(), keep: Some(keep) }
    }

    /// Each row's group number: `value`, an expression over the hits `rows`, as a number
    /// ([`NO_GROUP`] for the rows the filter leaves out), with the highest number and whether
    /// the numbers are ids (from 0: partners, links, keys; a member's ancestors are partners
    /// too), counted in an array, rather than days or pairs of ids, counted by hashing.
    fn per_row(&self, rows: &DataFrame, value: Expr) -> PolarsResult<(Vec<u64>, u64, bool)> {
        let value = value.cast(DataType::UInt64);
        let value = match &self.keep {
            Some(keep) => when(keep.clone()).then(value).otherwise(lit(NULL).cast(DataType::UInt64)),
            None => value,
        };
        // The frame of the rows' numbers is let go once they are taken out.
        let per_row: Vec<u64> = {
            let frame = rows.clone().lazy().select([value.alias("group_key")]).collect()?;
            frame.column("group_key")?.u64()?.iter().map(|g| g.unwrap_or(NO_GROUP)).collect()
        };
        let most = per_row.iter().filter(|&&g| g != NO_GROUP).max().copied().unwrap_or(0);
        let dense = most <= 2 * per_row.len() as u64 + 1024;
        Ok((per_row, most, dense))
    }

    /// Hands the rows of each visitor's run of visits to `count`, with a tally of its part's
    /// thread made by `new`; the parts are shared out to a thread per core (their visitors are
    /// apart, so their tallies add up with `merge`).
    fn per_visitor<T: Send>(
        &self,
        new: impl Fn() -> T + Sync,
        count: impl Fn(&mut T, &[u32]) + Sync,
        merge: impl Fn(&mut T, T),
    ) -> T {
        let counted = |parts: &[VisitColumns]| {
            let mut tally = new();
            for part in parts {
                let mut start = 0;
                for run in part.visitor.chunk_by(|a, b| a == b) {
                    count(&mut tally, &part.row[start..start + run.len()]);
                    start += run.len();
                }
            }
            tally
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, self.parts.len().max(1));
        let mut tallies = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .parts
                .chunks(self.parts.len().div_ceil(threads).max(1))
                .map(|c| scope.spawn(|| counted(c)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect::<Vec<_>>()
        });
        let mut tally = tallies.pop().unwrap_or_else(&new);
        for other in tallies {
            merge(&mut tally, other);
        }
        tally
    }

    /// The distinct visitors of each group, as `group_key` and `unique_clicks` (in no order):
    /// `value`, an expression over the hits `rows`, gives each row a number (computed once per
    /// row, then looked up per visit), and `groups` the groups that number stands for (itself,
    /// or a member's every ancestor). The visits of rows left out by the filter are not counted.
    pub(crate) fn distinct(
        &self,
        rows: &DataFrame,
        value: Expr,
        groups: impl Fn(u64, &mut Vec<u64>) + Sync,
    ) -> PolarsResult<DataFrame> {
        let (per_row, most, dense) = self.per_row(rows, value)?;
        let counts = self.per_visitor(
            || (Counts::new(dense, most), Vec::new()),
            |(counts, met), visits| {
                met.clear();
                for &row in visits {
                    match per_row.get(row as usize) {
                        Some(&g) if g != NO_GROUP => groups(g, met),
                        _ => {}
                    }
                }
                met.sort_unstable();
                met.dedup();
                for &g in met.iter() {
                    counts.add(g, 1);
                }
            },
            |(counts, _), (other, _)| counts.merge(other),
        );
        counts.0.frame()
    }

    /// [`Visits::distinct`] for several windows of days in one pass: for each window (its
    /// first and last day numbers, inclusive) the distinct visitors of each group on the days
    /// of the window. `days` is the day number of each row of the hits `rows`.
    pub(crate) fn distinct_in_windows(
        &self,
        rows: &DataFrame,
        days: &[u64],
        value: Expr,
        groups: impl Fn(u64, &mut Vec<u64>) + Sync,
        windows: &[(u64, u64)],
    ) -> PolarsResult<Vec<DataFrame>> {
        let (per_row, most, dense) = self.per_row(rows, value)?;
        // A visitor's (group, day) pairs: each group's days together, each window counting the
        // group once if one of its days is in it.
        let counts = self.per_visitor(
            || (windows.iter().map(|_| Counts::new(dense, most)).collect::<Vec<_>>(), Vec::new(), Vec::new()),
            |(counts, met, of_row): &mut (Vec<Counts>, Vec<(u64, u64)>, Vec<u64>), visits| {
                met.clear();
                for &row in visits {
                    let (Some(&g), Some(&day)) = (per_row.get(row as usize), days.get(row as usize)) else { continue };
                    if g == NO_GROUP || !windows.iter().any(|&(first, last)| (first..=last).contains(&day)) {
                        continue;
                    }
                    of_row.clear();
                    groups(g, of_row);
                    met.extend(of_row.iter().map(|&g| (g, day)));
                }
                met.sort_unstable();
                met.dedup();
                for group in met.chunk_by(|a, b| a.0 == b.0) {
                    for (counts, &(first, last)) in counts.iter_mut().zip(windows) {
                        if group.iter().any(|&(_, day)| (first..=last).contains(&day)) {
                            counts.add(group[0].0, 1);
                        }
                    }
                }
            },
            |(counts, ..), (other, ..)| counts.iter_mut().zip(other).for_each(|(c, o)| c.merge(o)),
        );
        counts.0.into_iter().map(Counts::frame).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_sorted_by_visitor_keep_every_visit_and_counts_add_up_either_way() {
        let part = VisitColumns { row: vec![5, 1, 2, 9, 1, 3], visitor: vec![2, 0, 2, 1, 1, 0] };
        let sorted = by_visitor(part);
        assert_eq!(sorted.visitor, [0, 0, 1, 1, 2, 2]);
        assert_eq!(sorted.row, [1, 3, 9, 1, 5, 2], "each visitor's visits in their order");
        // The array starts short of group 9 and grows to it.
        let (mut dense, mut sparse) = (Counts::Dense(vec![0; 4]), Counts::Sparse(FxHashMap::default()));
        for (g, n) in [(3, 1), (9, 2), (3, 4), (0, 1)] {
            dense.add(g, n);
            sparse.add(g, n);
        }
        let pairs = |c: Counts| {
            let mut out = Vec::new();
            c.each(|g, n| out.push((g, n)));
            out.sort_unstable();
            out
        };
        assert_eq!(pairs(dense), [(0, 1), (3, 5), (9, 2)]);
        assert_eq!(pairs(sparse), [(0, 1), (3, 5), (9, 2)]);
    }

    #[test]
    fn windows_counted_in_one_pass_are_each_window_counted_alone() {
        // Rows: (day, group) of the hits; visits: (row, visitor) in two parts.
        let row_days = [1u64, 2, 5, 5, 9, 9];
        let row_groups = [0u64, 1, 0, 1, 0, 2];
        let rows = DataFrame::new(
            row_days.len(),
            vec![
                UInt64Chunked::from_vec("day".into(), row_days.to_vec()).into_column(),
                UInt64Chunked::from_vec("group".into(), row_groups.to_vec()).into_column(),
            ],
        )
        .unwrap();
        let parts = vec![
            by_visitor(VisitColumns { row: vec![0, 2, 4, 1, 3, 5, 4], visitor: vec![0, 0, 0, 1, 1, 2, 3] }),
            by_visitor(VisitColumns { row: vec![2, 3, 5, 0], visitor: vec![0, 0, 1, 2] }),
        ];
        let visits = Visits::new(parts);
        // Groups 0 and 2 stand for themselves; group 1 for itself and for group 7 (as a member
        // stands for its ancestors).
        let groups = |g: u64, out: &mut Vec<u64>| {
            out.push(g);
            if g == 1 {
                out.push(7);
            }
        };
        let sorted = |df: &DataFrame| {
            let keys = df.column("group_key").unwrap().u64().unwrap();
            let uniques = df.column("unique_clicks").unwrap().u64().unwrap();
            let mut pairs: Vec<(u64, u64)> = keys.into_no_null_iter().zip(uniques.into_no_null_iter()).collect();
            pairs.sort_unstable();
            pairs
        };
        let windows = [(0, 100), (5, 9), (9, 9), (3, 4), (1, 2)];
        for visits in [visits.clone(), visits.filter(&col("group").neq(lit(2u64)))] {
            let together = visits.distinct_in_windows(&rows, &row_days, col("group"), groups, &windows).unwrap();
            for (&(first, last), counted) in windows.iter().zip(&together) {
                let alone = visits.filter(&col("day").gt_eq(lit(first)).and(col("day").lt_eq(lit(last))));
                let alone = alone.distinct(&rows, col("group"), groups).unwrap();
                assert_eq!(sorted(counted), sorted(&alone), "window {first}..={last}");
            }
            // Every day: the visitors of each group, whatever day they came.
            assert_eq!(sorted(&together[0]), sorted(&visits.distinct(&rows, col("group"), groups).unwrap()));
        }
        let every = visits.distinct_in_windows(&rows, &row_days, col("group"), groups, &windows).unwrap();
        // Group 0: visitors 0 (part 0: days 1, 5, 9), 2 (part 1: day 1) and 3 (part 0: day 9),
        // and visitor 0 of part 1 (day 5).
        assert_eq!(sorted(&every[0])[0], (0, 4));
        assert_eq!(sorted(&every[2]), [(0, 2), (2, 2)], "day 9: group 0 by two visitors, group 2 by two");
        assert_eq!(sorted(&every[3]), [], "no visit on days 3 and 4");
    }
}
