//! [`Breakdowns`]: the clicks of each (day, link, partner, ad) per profile, a profile being the
//! values a click has in each dimension (its source, device, operating system, browser,
//! country and referrer) under one id. A click is one row, whatever the number of dimensions:
//! added to the row of its (day, key, profile) while that row is in a small table, else
//! appended in chunks, which are sorted and added up into runs only once there are several
//! (the tables of a run over a log add the rows up by key as they come). Rows are broken down
//! per dimension only when read ([`Breakdowns::rows`]) or summed ([`super::tables`]). It is
//! what a run counts, what the store keeps of a day and a partial carries, and it merges
//! associatively: clicks of the same (day, key, profile) add up, whatever grouping and order
//! the parts come in.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::Dim;
use crate::days::Day;
use crate::names::{Keys, Names};
use crate::sorted_rows::{merge_rows, sort_and_add_up};

/// The values a profile can keep apart per dimension; later ones are counted as [`MORE`].
const MAX_VALUES: usize = (1 << 28) - 1;
/// What values past the first `MAX_VALUES` of a dimension are counted under.
pub const MORE: &str = "(more values)";
/// The rows of one chunk (16 MB; fewer in tests, so that they fill several).
const CHUNK_ROWS: usize = if cfg!(test) { 1 << 16 } else { 1 << 20 };
/// Full chunks of rows kept as they came before they are sorted and added up into runs: a run
/// over a log reads its rows in no order (the tables add them up by key), so a log of up to a
/// few million rows is never sorted, and a bigger one takes at most this many chunks' memory
/// (64 MB) more than sorted rows would.
const UNSORTED_CHUNKS: usize = 4;
/// The slots of the table that adds a click to the row of its (day, key, profile) while it
/// is there (128 KB: it stays in a core's cache).
const COMBINE_BITS: u32 = 13;
/// The value of a dimension a profile does not break down.
pub const UNSET: u32 = u32::MAX;

/// A value id per dimension (in [`Dim::ALL`]'s order), [`UNSET`] where not broken down.
pub type Profile = [u32; 6];

/// A profile as the key of a lookup: three 64-bit integers, compared as integers where an array
/// of six `u32` is compared with a call to `memcmp` (a lookup per click).
pub type ProfileKey = (u64, u64, u64);

/// The [`ProfileKey`] of `p`.
pub fn profile_key(p: &Profile) -> ProfileKey {
    let pair = |i: usize| (u64::from(p[i]) << 32) | u64::from(p[i + 1]);
    (pair(0), pair(2), pair(4))
}

/// One row: ([`RowDay`] of the day, key, profile id) and the clicks: 16 bytes.
pub type Row = ((RowDay, u32, u32), u32);

/// A day as a row holds it: a `u32` that sorts as the day does.
pub type RowDay = u32;

/// The [`RowDay`] of `day`.
pub fn row_day(day: Day) -> RowDay {
    day.cast_unsigned() ^ (1 << 31)
}

/// The day of a [`RowDay`].
pub fn day_of_row(day: RowDay) -> Day {
    (day ^ (1 << 31)).cast_signed()
}

/// The slot of the row of `key` in [`Breakdowns`]' combining table.
fn combine_slot((day, key, profile): (RowDay, u32, u32)) -> usize {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let h = ((u64::from(key) << 32) | u64::from(profile)) ^ u64::from(day).wrapping_mul(MIX);
    (h.wrapping_mul(MIX) >> (64 - COMBINE_BITS)) as usize
}

/// The values met in each dimension and the profiles made of them, each given an id: what a
/// run's workers share, so that their clicks are counted under the same profile ids.
#[derive(Default)]
pub struct Profiles {
    values: [Names; 6],
    profiles: Vec<Profile>,
    ids: FxHashMap<ProfileKey, u32>,
}

impl Profiles {
    /// The id of `value` of `dim`, given one if new.
    pub fn value_of(&mut self, dim: Dim, value: &str) -> u32 {
        let names = &mut self.values[dim.index()];
        match names.get(value) {
            Some(id) => id,
            None if names.all().len() < MAX_VALUES => names.id(value),
            None => names.id(MORE),
        }
    }

    /// The id of the profile `p` (value ids from [`Profiles::value_of`]), given one if new.
    pub fn profile_of(&mut self, p: Profile) -> u32 {
        let key = profile_key(&p);
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = u32::try_from(self.profiles.len()).unwrap_or(u32::MAX);
        self.profiles.push(p);
        self.ids.insert(key, id);
        id
    }

    /// The profiles, by id.
    pub fn all(&self) -> &[Profile] {
        &self.profiles
    }

    fn is_empty(&self) -> bool {
        self.profiles.is_empty() && self.values.iter().all(|v| v.all().is_empty())
    }
}

/// Clicks per (day, key, profile).
#[derive(Default)]
pub struct Breakdowns {
    /// The keys the rows are counted under, and their codes.
    pub keys: Keys,
    /// The values and profiles the rows' profile ids stand for.
    pub profiles: Profiles,
    /// The rows being added up, in slots by a hash of their (day, key, profile) (empty: no
    /// clicks): logs repeat a few hundred profiles on a few links many times over, and a click
    /// whose row is in its slot is added to it instead of taking 16 bytes more. A row that
    /// another takes the slot of goes to `fresh`.
    combine: Vec<Row>,
    /// Rows appended to the chunk being filled.
    fresh: Vec<Row>,
    /// Full chunks of rows, in no order, not added up.
    chunks: Vec<Vec<Row>>,
    /// Rows settled, as runs sorted by key, one row a key within a run; a run is merged with
    /// the one before it once it is at least half its size, so a row is merged a few times
    /// over a run instead of each time rows settle.
    runs: Vec<Vec<Row>>,
}

/// A row of [`Breakdowns::rows`], with ids: the names are in [`Breakdowns::keys`].
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
    /// The values of `dim`, by id.
    pub fn values(&self, dim: Dim) -> &[String] {
        self.profiles.values[dim.index()].all()
    }

    /// Adds `clicks` of the profile `profile` (from [`Profiles::profile_of`]) on `day` to the
    /// key `key` (of [`Breakdowns::keys`], or, in a run, of the tally's keys, which the run
    /// gives the breakdowns once done).
    pub fn add(&mut self, day: Day, key: u32, profile: u32, clicks: u32) {
        let key = (row_day(day), key, profile);
        if clicks == 0 {
            // Kept as a row (a store's day may list one), not as an empty slot.
            return self.append((key, 0));
        }
        if self.combine.is_empty() {
            self.combine = vec![((0, 0, 0), 0); 1 << COMBINE_BITS];
        }
        let slot = &mut self.combine[combine_slot(key)];
        if slot.0 == key
            && let Some(sum) = slot.1.checked_add(clicks)
        {
            slot.1 = sum;
            return;
        }
        let out = std::mem::replace(slot, (key, clicks));
        if out.1 > 0 {
            self.append(out);
        }
    }

    /// Appends `row` to the chunk being filled; a full chunk is put aside, and the full chunks
    /// are settled into runs when there are [`UNSORTED_CHUNKS`] of them.
    fn append(&mut self, row: Row) {
        if self.fresh.capacity() == 0 {
            // Taken whole at once: pages touched once, not again each time the rows double.
            self.fresh.reserve_exact(CHUNK_ROWS);
        }
        self.fresh.push(row);
        if self.fresh.len() >= CHUNK_ROWS {
            let full = std::mem::replace(&mut self.fresh, Vec::with_capacity(CHUNK_ROWS));
            self.chunks.push(full);
            if self.chunks.len() >= UNSORTED_CHUNKS {
                self.settle_chunks();
            }
        }
    }

    /// Sorts and adds up each full chunk into a run.
    fn settle_chunks(&mut self) {
        for mut chunk in std::mem::take(&mut self.chunks) {
            sort_and_add_up(&mut chunk);
            chunk.shrink_to_fit();
            self.push_run(chunk);
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

    /// Adds the clicks of one dimension's value, as a store partition or a partial holds them.
    pub fn add_named(&mut self, day: Day, key: [&str; 3], dim: Dim, value: &str, clicks: u64) {
        let k = self.keys.key_of(key);
        let mut p = [UNSET; 6];
        p[dim.index()] = self.profiles.value_of(dim, value);
        let id = self.profiles.profile_of(p);
        self.add(day, k, id, u32::try_from(clicks).unwrap_or(u32::MAX));
    }

    /// Every row, sorted by day, key and profile, one row each, kept as the one run.
    pub fn settled(&mut self) -> &[Row] {
        for row in std::mem::take(&mut self.combine) {
            if row.1 > 0 {
                self.append(row);
            }
        }
        self.settle_chunks();
        let mut fresh = std::mem::take(&mut self.fresh);
        sort_and_add_up(&mut fresh);
        self.runs.push(fresh);
        let mut all = Vec::new();
        while let Some(run) = self.runs.pop() {
            all = merge_rows(run, all);
        }
        self.runs = vec![all];
        &self.runs[0]
    }

    /// Every row as counted, in no order: a key's clicks of one profile and day may be in
    /// several rows (for what adds them up anyway, without sorting them first).
    pub fn unsorted(&self) -> impl Iterator<Item = &Row> {
        let combining = self.combine.iter().filter(|r| r.1 > 0);
        combining.chain(&self.fresh).chain(self.chunks.iter().flatten()).chain(self.runs.iter().flatten())
    }

    /// Lets go of every row (once the tables have what they need of them).
    pub fn drop_rows(&mut self) {
        self.combine = Vec::new();
        self.fresh = Vec::new();
        self.chunks = Vec::new();
        self.runs = Vec::new();
    }

    /// The clicks broken down per day: the most clicks any one dimension holds that day (a day
    /// counted with breakdowns holds each of its clicks in every dimension counted).
    pub fn clicks_by_day(&self) -> BTreeMap<Day, u64> {
        let mut per_dim: BTreeMap<Day, [u64; 6]> = BTreeMap::new();
        for &((day, _, profile), clicks) in self.unsorted() {
            let sums = per_dim.entry(day_of_row(day)).or_default();
            for (sum, &value) in sums.iter_mut().zip(&self.profiles.all()[profile as usize]) {
                if value != UNSET {
                    *sum += u64::from(clicks);
                }
            }
        }
        per_dim.into_iter().map(|(day, sums)| (day, sums.into_iter().max().unwrap_or(0))).collect()
    }

    /// Whether nothing was counted or named.
    fn is_empty(&self) -> bool {
        let no_rows = self.combine.iter().all(|r| r.1 == 0)
            && self.fresh.is_empty()
            && self.chunks.is_empty()
            && self.runs.is_empty();
        self.keys.is_empty() && self.profiles.is_empty() && no_rows
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, mut other: Breakdowns) {
        if self.is_empty() {
            // Nothing to renumber.
            *self = other;
            return;
        }
        let keys = self.keys.adopt(&other.keys);
        let values: Vec<Vec<u32>> =
            Dim::ALL.iter().map(|&d| other.values(d).iter().map(|v| self.profiles.value_of(d, v)).collect()).collect();
        let profiles: Vec<u32> = other
            .profiles
            .all()
            .iter()
            .map(|p| {
                let mine: Profile =
                    std::array::from_fn(|d| if p[d] == UNSET { UNSET } else { values[d][p[d] as usize] });
                self.profiles.profile_of(mine)
            })
            .collect();
        other.settled();
        let mut theirs = std::mem::take(&mut other.runs).pop().unwrap_or_default();
        for ((_, k, profile), _) in &mut theirs {
            *k = keys[*k as usize];
            *profile = profiles[*profile as usize];
        }
        sort_and_add_up(&mut theirs);
        self.push_run(theirs);
    }

    /// Every row with ids, per dimension and value, sorted by day, then key id, dimension and
    /// value id.
    pub fn rows(&mut self) -> Vec<IdRow> {
        let mut rows = Vec::new();
        self.settled();
        let all = &self.runs[0];
        let mut values: Vec<((Dim, u32), u32)> = Vec::new();
        let mut at = 0;
        while at < all.len() {
            let (day, k, _) = all[at].0;
            let end = at + all[at..].iter().take_while(|r| (r.0.0, r.0.1) == (day, k)).count();
            values.clear();
            for &((_, _, profile), clicks) in &all[at..end] {
                let p = &self.profiles.all()[profile as usize];
                values.extend(Dim::ALL.iter().filter(|d| p[d.index()] != UNSET).map(|&d| ((d, p[d.index()]), clicks)));
            }
            sort_and_add_up(&mut values);
            let (day, key) = (day_of_row(day), self.keys.parts()[k as usize]);
            rows.extend(values.iter().map(|&((dim, value), clicks)| IdRow { day, key, dim, value, clicks }));
            at = end;
        }
        rows
    }

    /// Each value id's rank among `dim`'s values in name order.
    pub fn value_ranks(&self, dim: Dim) -> Vec<u32> {
        self.profiles.values[dim.index()].ranks()
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
                let names = b.keys.names(r.key).map(str::to_owned);
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
    fn rows_sharing_a_slot_or_overflowing_it_keep_every_click() {
        let mut b = Breakdowns::default();
        let mut expected: BTreeMap<(RowDay, u32, u32), u64> = BTreeMap::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        // Far more (day, key, profile) than slots, met in no order, so that rows take each
        // other's slots back and forth; a few clicks of nothing, and counts near the top of a row.
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (day, key, profile) = ((x % 7) as Day, ((x >> 8) % 3000) as u32, ((x >> 24) % 5) as u32);
            let clicks = match i % 1000 {
                0 => 0,
                1 => u32::MAX - 1,
                _ => 1,
            };
            b.add(day, key, profile, clicks);
            *expected.entry((row_day(day), key, profile)).or_default() += u64::from(clicks);
        }
        let mut unsorted: BTreeMap<(RowDay, u32, u32), u64> = BTreeMap::new();
        for &(k, clicks) in b.unsorted() {
            *unsorted.entry(k).or_default() += u64::from(clicks);
        }
        assert_eq!(unsorted, expected, "every click in the rows as counted");
        let settled: Vec<Row> = b.settled().to_vec();
        assert!(settled.windows(2).all(|w| w[0].0 < w[1].0), "one row a key, sorted");
        let keys: Vec<_> = settled.iter().map(|r| r.0).collect();
        assert_eq!(keys, expected.keys().copied().collect::<Vec<_>>(), "zero-click rows kept too");
        for (k, clicks) in settled {
            assert_eq!(u64::from(clicks), expected[&k].min(u64::from(u32::MAX)), "{k:?}");
        }
        assert!(b.combine.is_empty(), "settling empties the slots");
    }

    #[test]
    fn a_few_chunks_of_rows_stay_as_they_came_and_more_are_settled() {
        let mut b = Breakdowns::default();
        let row = |i: usize| ((row_day(1), (i % 100) as u32, 0), 1);
        for i in 0..CHUNK_ROWS * (UNSORTED_CHUNKS - 1) {
            b.append(row(i));
        }
        assert_eq!((b.chunks.len(), b.fresh.len(), b.runs.len()), (UNSORTED_CHUNKS - 1, 0, 0), "nothing sorted");
        for i in 0..CHUNK_ROWS + 1 {
            b.append(row(i));
        }
        assert_eq!((b.chunks.len(), b.fresh.len()), (0, 1));
        assert!(b.runs.iter().all(|r| r.len() == 100), "settled: one row a key");
        let total = CHUNK_ROWS * UNSORTED_CHUNKS + 1;
        assert_eq!(b.unsorted().map(|r| r.1 as usize).sum::<usize>(), total);
        let settled = b.settled().to_vec();
        assert_eq!(settled.len(), 100);
        assert_eq!(settled.iter().map(|r| r.1 as usize).sum::<usize>(), total);
    }

    #[test]
    fn counts_settle_into_rows_without_losing_any() {
        let mut b = Breakdowns::default();
        let k = b.keys.key_of(["l", "p", ""]);
        let mut p = [UNSET; 6];
        p[Dim::Source.index()] = b.profiles.value_of(Dim::Source, "link");
        p[Dim::Country.index()] = b.profiles.value_of(Dim::Country, "DE");
        let id = b.profiles.profile_of(p);
        for day in 0..(CHUNK_ROWS as i32 + 10) {
            b.add(day % 1000, k, id, 1);
        }
        let rows = b.rows();
        let total: u64 = rows.iter().map(|r| u64::from(r.clicks)).sum();
        assert_eq!(total, 2 * (CHUNK_ROWS as u64 + 10), "each click once in each of its two dimensions");
        assert_eq!(rows.len(), 2000);
        assert!(rows.iter().all(|r| r.dim == Dim::Source || r.dim == Dim::Country));
    }
}
