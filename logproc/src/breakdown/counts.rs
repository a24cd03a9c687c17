//! [`Breakdowns`]: the clicks of each (day, link, partner, ad) per value of each dimension. It
//! is what a run's workers count, what the store keeps of a day and a partial carries, and it
//! merges associatively: counts of the same (day, key, dimension, value) add up, whatever
//! grouping and order the parts come in.

use rustc_hash::FxHashMap;

use super::Dim;
use crate::days::{Day, day_key, split_day_key};
use crate::names::{Names, adopt};
use crate::sorted_rows::{merge_rows, sort_and_add_up};

/// The bits of a value id; the dimension sits above them.
const VALUE_BITS: u32 = 28;
/// The values a dimension keeps apart; later ones are counted as [`MORE`].
const MAX_VALUES: usize = (1 << VALUE_BITS) - 1;
/// What values past [`MAX_VALUES`] are counted under.
pub const MORE: &str = "(more values)";
/// Counts held in the hash table before they settle into sorted rows.
const SETTLE_AT: usize = 1 << 20;

/// A dimension and a value id, packed.
fn dim_value(dim: Dim, value: u32) -> u32 {
    ((dim.index() as u32) << VALUE_BITS) | value
}

/// The dimension and value id of `packed`.
fn split_dim_value(packed: u32) -> (Dim, u32) {
    (Dim::ALL[(packed >> VALUE_BITS) as usize % Dim::ALL.len()], packed & ((1 << VALUE_BITS) - 1))
}

/// One row: (packed (day, key), packed (dimension, value)) and the clicks.
type Row = ((u64, u32), u32);

/// Clicks per (day, key, dimension, value).
#[derive(Default)]
pub struct Breakdowns {
    /// Link codes.
    pub links: Names,
    /// Partner codes.
    pub partners: Names,
    /// Ad codes.
    pub ads: Names,
    keys: FxHashMap<[u32; 3], u32>,
    parts: Vec<[u32; 3]>,
    values: [Names; 6],
    counts: FxHashMap<(u64, u32), u32>,
    /// Rows settled, as runs sorted by key, one row a key within a run; a run is merged with
    /// the one before it once it is at least half its size, so a row is merged a few times
    /// over a run instead of each time rows settle.
    runs: Vec<Vec<Row>>,
}

/// A row of [`Breakdowns::rows`], with ids: the names are in [`Breakdowns::names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdRow {
    /// The day.
    pub day: Day,
    /// Link, partner and ad ids.
    pub key: [u32; 3],
    /// The dimension.
    pub dim: Dim,
    /// The value id, in [`Breakdowns::values`] of `dim`.
    pub value: u32,
    /// The clicks.
    pub clicks: u32,
}

impl Breakdowns {
    /// The id of the key named `[link, partner, ad]`, given one if new.
    pub fn key_of(&mut self, names: [&str; 3]) -> u32 {
        let parts = [self.links.id(names[0]), self.partners.id(names[1]), self.ads.id(names[2])];
        self.intern_parts(parts)
    }

    /// The id of the key of these link, partner and ad ids, given one if new.
    fn intern_parts(&mut self, parts: [u32; 3]) -> u32 {
        if let Some(&k) = self.keys.get(&parts) {
            return k;
        }
        let k = u32::try_from(self.parts.len()).unwrap_or(u32::MAX);
        self.parts.push(parts);
        self.keys.insert(parts, k);
        k
    }

    /// The id of `value` of `dim`, given one if new.
    pub fn value_of(&mut self, dim: Dim, value: &str) -> u32 {
        let names = &mut self.values[dim.index()];
        match names.get(value) {
            Some(id) => id,
            None if names.all().len() < MAX_VALUES => names.id(value),
            None => names.id(MORE),
        }
    }

    /// The values of `dim`, by id.
    pub fn values(&self, dim: Dim) -> &[String] {
        self.values[dim.index()].all()
    }

    /// Adds `clicks` with `value` of `dim` on `day` to the key `key` (from
    /// [`Breakdowns::key_of`]).
    pub fn add(&mut self, day: Day, key: u32, dim: Dim, value: u32, clicks: u32) {
        let n = self.counts.entry((day_key(day, key), dim_value(dim, value))).or_default();
        *n = n.saturating_add(clicks);
        if self.counts.len() >= SETTLE_AT {
            let mut run: Vec<Row> = std::mem::take(&mut self.counts).into_iter().collect();
            run.sort_unstable_by_key(|r| r.0);
            self.push_run(run);
        }
    }

    /// Adds a run of rows sorted by key, one row a key.
    fn push_run(&mut self, run: Vec<Row>) {
        if run.is_empty() {
            return;
        }
        self.runs.push(run);
        while let [.., before, last] = &self.runs[..] {
            if before.len() > 2 * last.len() {
                break;
            }
            let (last, before) = (self.runs.pop().unwrap_or_default(), self.runs.pop().unwrap_or_default());
            self.runs.push(merge_rows(before, last));
        }
    }

    /// [`Breakdowns::add`] by names, as a store partition or a partial holds them.
    pub fn add_named(&mut self, day: Day, key: [&str; 3], dim: Dim, value: &str, clicks: u64) {
        let (k, v) = (self.key_of(key), self.value_of(dim, value));
        self.add(day, k, dim, v, u32::try_from(clicks).unwrap_or(u32::MAX));
    }

    /// Every row, sorted by packed (day, key) and (dimension, value), one row each.
    fn settle(&mut self) -> Vec<Row> {
        if !self.counts.is_empty() {
            let mut run: Vec<Row> = std::mem::take(&mut self.counts).into_iter().collect();
            run.sort_unstable_by_key(|r| r.0);
            self.runs.push(run);
        }
        let mut all = Vec::new();
        while let Some(run) = self.runs.pop() {
            all = merge_rows(run, all);
        }
        all
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, mut other: Breakdowns) {
        let [links, partners, ads] =
            adopt([&mut self.links, &mut self.partners, &mut self.ads], [&other.links, &other.partners, &other.ads]);
        let keys: Vec<u32> = other
            .parts
            .iter()
            .map(|&[l, p, a]| self.intern_parts([links[l as usize], partners[p as usize], ads[a as usize]]))
            .collect();
        let values: Vec<Vec<u32>> = Dim::ALL
            .iter()
            .map(|&d| other.values[d.index()].all().iter().map(|v| self.value_of(d, v)).collect())
            .collect();
        let mut theirs = other.settle();
        for ((packed, dv), _) in &mut theirs {
            let (day, k) = split_day_key(*packed);
            let (dim, v) = split_dim_value(*dv);
            *packed = day_key(day, keys[k as usize]);
            *dv = dim_value(dim, values[dim.index()][v as usize]);
        }
        sort_and_add_up(&mut theirs);
        self.push_run(theirs);
    }

    /// Every row with ids, sorted by day, then key id, dimension and value id.
    pub fn rows(&mut self) -> Vec<IdRow> {
        let mut rows = Vec::new();
        self.for_each_row(|r| rows.push(r));
        rows
    }

    /// Hands every row with ids to `each`, sorted by day, then key id, dimension and value id.
    pub fn for_each_row(&mut self, mut each: impl FnMut(IdRow)) {
        let all = self.settle();
        for &row in &all {
            each(self.id_row(row));
        }
        self.runs = vec![all];
    }

    fn id_row(&self, ((packed, dv), clicks): Row) -> IdRow {
        let (day, k) = split_day_key(packed);
        let (dim, value) = split_dim_value(dv);
        IdRow { day, key: self.parts[k as usize], dim, value, clicks }
    }

    /// Every count with ids, in no order, a (day, key, dimension, value) possibly in several
    /// rows (their clicks add up): for sums, which need no merging first.
    pub fn counts(&self) -> impl Iterator<Item = IdRow> + '_ {
        let settled = self.runs.iter().flatten().copied();
        settled.chain(self.counts.iter().map(|(&k, &n)| (k, n))).map(|row| self.id_row(row))
    }

    /// Each value id's rank among `dim`'s values in name order.
    pub fn value_ranks(&self, dim: Dim) -> Vec<u32> {
        self.values[dim.index()].ranks()
    }

    /// The names of a row's key: link, partner and ad.
    pub fn names(&self, key: [u32; 3]) -> [&str; 3] {
        [
            self.links.all()[key[0] as usize].as_str(),
            self.partners.all()[key[1] as usize].as_str(),
            self.ads.all()[key[2] as usize].as_str(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(b: &mut Breakdowns) -> Vec<(Day, [String; 3], &'static str, String, u32)> {
        let rows = b.rows();
        let mut out: Vec<_> = rows
            .iter()
            .map(|r| {
                let names = b.names(r.key).map(str::to_owned);
                (r.day, names, r.dim.name(), b.values(r.dim)[r.value as usize].clone(), r.clicks)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn merging_is_associative_and_adds_counts() {
        let part = |rows: &[(Day, &str, Dim, &str, u64)]| {
            let mut b = Breakdowns::default();
            for &(day, partner, dim, value, n) in rows {
                b.add_named(day, ["l", partner, ""], dim, value, n);
            }
            b
        };
        let a = [(1, "p", Dim::Country, "DE", 2), (1, "q", Dim::Device, "mobile", 1)];
        let b = [(1, "p", Dim::Country, "DE", 3), (2, "p", Dim::Country, "FR", 1)];
        let c = [(1, "q", Dim::Device, "mobile", 4), (1, "p", Dim::Referrer, "t.co", 1)];
        // (a + b) + c
        let mut left = part(&a);
        left.merge(part(&b));
        left.merge(part(&c));
        // a + (c + b)
        let mut right = part(&a);
        let mut cb = part(&c);
        cb.merge(part(&b));
        right.merge(cb);
        let expected = named(&mut left);
        assert_eq!(named(&mut right), expected);
        let s = |v: &str| v.to_owned();
        let key = |p: &str| [s("l"), s(p), s("")];
        assert_eq!(
            expected,
            [
                (1, key("p"), "country", s("DE"), 5),
                (1, key("p"), "referrer", s("t.co"), 1),
                (1, key("q"), "device", s("mobile"), 5),
                (2, key("p"), "country", s("FR"), 1),
            ]
        );
    }

    #[test]
    fn counts_settle_into_rows_without_losing_any() {
        let mut b = Breakdowns::default();
        let k = b.key_of(["l", "p", ""]);
        let v = b.value_of(Dim::Source, "link");
        for day in 0..(SETTLE_AT as i32 + 10) {
            b.add(day % 1000, k, Dim::Source, v, 1);
        }
        let total: u64 = b.rows().iter().map(|r| u64::from(r.clicks)).sum();
        assert_eq!(total, SETTLE_AT as u64 + 10);
        assert_eq!(b.rows().len(), 1000);
    }
}
