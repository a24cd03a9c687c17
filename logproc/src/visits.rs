//! The distinct visits a tally keeps for unique clicks: (day, key, visitor) for each click,
//! kept per day in parts by visitor, 12 bytes a visit. All of a visitor's visits are in one
//! part, so distinct visitors counted part by part add up; each part of a day is compacted
//! (sorted, repeats removed) on its own when it has grown by half, and parts are counted and
//! turned into columns one at a time, so that the memory a step needs beside the visits is one
//! part's, not all of them.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

/// How many parts the visits are kept in.
pub const VISIT_PARTS: usize = 4;

/// The first compaction of a part, in entries.
const FIRST_COMPACTION: usize = 1 << 18;

/// Distinct visits of one part as columns of 8 bytes a visit: the row of their (day, key) in
/// the tally's table of counts, and the visitor numbered within the part (parts never share a
/// visitor, so a number stands for one visitor in its part only).
#[derive(Default)]
pub struct VisitColumns {
    /// The row of the visit's (day, key).
    pub row: Vec<u32>,
    /// The visitor's number in this part.
    pub visitor: Vec<u32>,
}

/// A visit within its day: the key, then the visitor's high and low halves, so that visits
/// sort as (key, visitor) do.
type Visit = [u32; 3];

/// The high half of a packed (day, key) ([`crate::days::day_key`]): its day, in day order.
fn day_of(packed: u64) -> u32 {
    (packed >> 32) as u32
}

fn packed(day: u32, v: &Visit) -> u64 {
    (u64::from(day) << 32) | u64::from(v[0])
}

fn visitor(v: &Visit) -> u64 {
    (u64::from(v[1]) << 32) | u64::from(v[2])
}

/// The visits of one day in one part: a vector, no hash table.
#[derive(Default)]
struct Part {
    visits: Vec<Visit>,
    compact_at: usize,
}

impl Part {
    fn push(&mut self, v: Visit) {
        if self.visits.len() == self.visits.capacity() {
            // Grown a quarter at a time: a vector left to double could hold twice its visits.
            self.visits.reserve_exact((self.visits.len() / 4).max(1024));
        }
        self.visits.push(v);
        if self.visits.len() >= self.compact_at.max(FIRST_COMPACTION) {
            self.compact();
        }
    }

    /// Sorts the visits and removes repeated ones; the next compaction waits until the part
    /// has grown by half. (The part is a sorted run and a new tail: a stable sort finds the
    /// run and merges, cheaper than sorting all of it again.)
    fn compact(&mut self) {
        self.visits.sort();
        self.visits.dedup();
        self.compact_at = (self.visits.len() + self.visits.len() / 2).max(FIRST_COMPACTION);
    }

    /// Adds to `counts[i]` the distinct visitors of the key of `keys[i]` (the sorted packed
    /// (day, key)s of this part's day).
    fn count(&mut self, keys: &[u64], counts: &mut [u64]) {
        self.compact();
        let mut at = 0;
        for (key, count) in keys.iter().zip(counts.iter_mut()) {
            let key = *key as u32;
            while at < self.visits.len() && self.visits[at][0] < key {
                at += 1;
            }
            let first = at;
            while at < self.visits.len() && self.visits[at][0] == key {
                at += 1;
            }
            *count += (at - first) as u64;
        }
    }
}

/// The visits, per day in [`VISIT_PARTS`] parts by visitor.
#[derive(Default)]
pub struct Visits {
    days: BTreeMap<u32, [Part; VISIT_PARTS]>,
}

/// The rows of `keys` (sorted packed (day, key)s) of the day `day`.
fn of_day(keys: &[u64], day: u32) -> std::ops::Range<usize> {
    keys.partition_point(|&k| day_of(k) < day)..keys.partition_point(|&k| day_of(k) <= day)
}

impl Visits {
    /// Keeps the visit of `visitor` to the packed day and key `packed`.
    pub fn push(&mut self, packed: u64, visitor: u64) {
        let parts = self.days.entry(day_of(packed)).or_default();
        parts[(visitor % VISIT_PARTS as u64) as usize].push([packed as u32, (visitor >> 32) as u32, visitor as u32]);
    }

    /// Adds `other`'s visits, their packed keys changed by `rekey` (which keeps their day).
    pub fn merge(&mut self, other: Visits, rekey: impl Fn(u64) -> u64) {
        for (day, mut parts) in other.days {
            if let std::collections::btree_map::Entry::Vacant(slot) = self.days.entry(day) {
                // A day only `other` has (as the store's days read back on several threads):
                // its parts are taken whole, their keys renumbered in place. That may unsort
                // them; every reader of a part compacts it first.
                for part in &mut parts {
                    for v in &mut part.visits {
                        v[0] = rekey(packed(day, v)) as u32;
                    }
                }
                slot.insert(parts);
                continue;
            }
            for part in parts {
                for v in part.visits {
                    self.push(rekey(packed(day, &v)), visitor(&v));
                }
            }
        }
    }

    /// How many visits are held (a visit pushed twice and not compacted yet counts twice).
    pub fn held(&self) -> usize {
        self.days.values().flat_map(|parts| parts.iter().map(|p| p.visits.len())).sum()
    }

    /// Every distinct visit as (packed day and key, visitor), day after day, part after part.
    pub fn distinct(&mut self) -> impl Iterator<Item = (u64, u64)> + '_ {
        for parts in self.days.values_mut() {
            parts.iter_mut().for_each(Part::compact);
        }
        self.days.iter().flat_map(|(&day, parts)| {
            parts.iter().flat_map(move |p| p.visits.iter().map(move |v| (packed(day, v), visitor(v))))
        })
    }

    /// The days (packed days' high halves) before `before` with a visit.
    pub fn days_before(&self, before: u32) -> impl Iterator<Item = u32> + '_ {
        self.days.range(..before).map(|(&day, _)| day)
    }

    /// Whether each of `keys` keys has a visit on a day before `before` (a packed day's high
    /// half).
    pub fn keys_before(&self, before: u32, keys: usize) -> Vec<bool> {
        let mut has = vec![false; keys];
        for parts in self.days.range(..before).map(|(_, parts)| parts) {
            for v in parts.iter().flat_map(|p| &p.visits) {
                if let Some(h) = has.get_mut(v[0] as usize) {
                    *h = true;
                }
            }
        }
        has
    }

    /// Each (visitor, key) of part `part` seen on a day before `before` (a packed day's high
    /// half, see [`crate::days::day_key`]), with the last such day's high half, sorted by
    /// visitor and key.
    pub fn last_seen(&mut self, part: usize, before: u32) -> Vec<(u64, u32, u32)> {
        let mut seen = Vec::new();
        for (&day, parts) in self.days.range_mut(..before) {
            if let Some(p) = parts.get_mut(part) {
                p.compact();
                seen.extend(p.visits.iter().map(|v| (visitor(v), v[0], day)));
            }
        }
        seen.sort_unstable();
        // The last of each (visitor, key)'s days is the last of its run.
        let mut out: Vec<(u64, u32, u32)> = Vec::with_capacity(seen.len());
        for entry in seen {
            match out.last_mut() {
                Some(last) if (last.0, last.1) == (entry.0, entry.1) => last.2 = entry.2,
                _ => out.push(entry),
            }
        }
        out
    }

    /// Adds to `counts[i]` the distinct visitors of the packed key `keys[i]` (`keys` sorted).
    pub fn count(&mut self, keys: &[u64], counts: &mut [u64]) {
        for (&day, parts) in &mut self.days {
            let rows = of_day(keys, day);
            for part in parts.iter_mut() {
                part.count(&keys[rows.clone()], &mut counts[rows.clone()]);
            }
        }
    }

    /// The distinct visits as columns, one set per part: `keys` are the packed (day, key)s
    /// of the table of counts (sorted), `rows[i]` the row `keys[i]` is given in it. A visit of
    /// a (day, key) not in `keys` has no row and is left out. Each part's memory is released
    /// as its columns are made.
    pub fn into_columns(mut self, keys: &[u64], rows: &[u32]) -> Vec<VisitColumns> {
        (0..VISIT_PARTS)
            .map(|p| {
                for parts in self.days.values_mut() {
                    parts[p].compact();
                }
                let n = self.days.values().map(|parts| parts[p].visits.len()).sum();
                let mut c = VisitColumns { row: Vec::with_capacity(n), visitor: Vec::with_capacity(n) };
                let mut numbers: FxHashMap<u64, u32> = FxHashMap::default();
                for (&day, parts) in &mut self.days {
                    let part = std::mem::take(&mut parts[p]);
                    let range = of_day(keys, day);
                    let (keys, rows) = (&keys[range.clone()], &rows[range]);
                    let mut at = 0;
                    for v in part.visits {
                        while at < keys.len() && (keys[at] as u32) < v[0] {
                            at += 1;
                        }
                        if keys.get(at).map(|&k| k as u32) != Some(v[0]) {
                            continue;
                        }
                        let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                        c.row.push(rows[at]);
                        c.visitor.push(*numbers.entry(visitor(&v)).or_insert(next));
                    }
                }
                c
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_visitors_per_key_across_days_parts_and_merges() {
        // Keys 1, 2, ... of day 0, and keys of the next day.
        const NEXT: u64 = 1 << 32;
        let mut a = Visits::default();
        let mut b = Visits::default();
        for visitor in 0..1000u64 {
            a.push(1, visitor);
            a.push(1, visitor);
            b.push(2, visitor % 10);
        }
        b.push(1, 5);
        b.push(1, 5000);
        a.push(NEXT | 10, 7);
        a.push(NEXT | 10, 8);
        b.push(NEXT | 1, 7);
        // A day only b has, taken whole: keys 3 and 1 swap order once renumbered.
        const THIRD: u64 = 2 << 32;
        for (key, visitor) in [(3, 9), (1, 9), (3, 9), (1, 4), (1, 9)] {
            b.push(THIRD | key, visitor);
        }
        // b's keys are renumbered: key k becomes 10 k, but 3 becomes 5.
        a.merge(b, |k| (k & !0xffff_ffff) | if k & 0xffff_ffff == 3 { 5 } else { (k & 0xffff_ffff) * 10 });
        let keys = [1, 10, 20, NEXT | 10, THIRD | 5, THIRD | 10];
        let mut counts = [0; 6];
        a.count(&keys, &mut counts);
        assert_eq!(counts, [1000, 2, 10, 2, 1, 2]);
        assert_eq!(a.distinct().count(), 1017);
        assert!(a.distinct().any(|v| v == (NEXT | 10, 8)));
        // Key 10 is row 0 of the counts, key 1 row 2, the next day's key 10 row 3; key 20 has
        // no row.
        let columns = a.into_columns(&[1, 5, 10, NEXT | 10], &[2, 1, 0, 3]);
        assert_eq!(columns.len(), VISIT_PARTS);
        assert_eq!(columns.iter().map(|c| c.visitor.len()).sum::<usize>(), 1004);
        let mut numbered = 0;
        for c in &columns {
            assert!(c.row.iter().all(|r| [0, 2, 3].contains(r)));
            let mut numbers = c.visitor.clone();
            numbers.sort_unstable();
            numbers.dedup();
            assert!(numbers.iter().enumerate().all(|(i, n)| *n as usize == i), "numbered from 0 in each part");
            numbered += numbers.len();
        }
        // Visitor 5 visited keys 1 and 10, 7 and 8 both days: each keeps one number; visitor
        // 5000 is new.
        assert_eq!(numbered, 1001);
    }
}
