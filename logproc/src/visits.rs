//! The distinct visits a tally keeps for unique clicks: (day and key packed, visitor) for each
//! click, in parts by visitor. All of a visitor's visits are in one part, so distinct visitors
//! counted part by part add up; each part is compacted (sorted, repeats removed) on its own when
//! it has grown by half, and parts are merged, counted and turned into columns one at a time,
//! so that the memory a step needs beside the visits is one part's, not all of them.

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

/// One part: 16 bytes a visit, no hash table.
#[derive(Default)]
struct Part {
    visits: Vec<(u64, u64)>,
    compact_at: usize,
}

impl Part {
    /// Sorts the visits and removes repeated ones; the next compaction waits until the part
    /// has grown by half. (The part is a sorted run and a new tail: a stable sort finds the
    /// run and merges, cheaper than sorting all of it again.)
    fn compact(&mut self) {
        self.visits.sort();
        self.visits.dedup();
        self.compact_at = (self.visits.len() + self.visits.len() / 2).max(FIRST_COMPACTION);
    }
}

/// The visits, in [`VISIT_PARTS`] parts by visitor.
#[derive(Default)]
pub struct Visits {
    parts: [Part; VISIT_PARTS],
}

impl Visits {
    /// Keeps the visit of `visitor` to the packed day and key `packed`.
    pub fn push(&mut self, packed: u64, visitor: u64) {
        let part = &mut self.parts[(visitor % VISIT_PARTS as u64) as usize];
        part.visits.push((packed, visitor));
        if part.visits.len() >= part.compact_at.max(FIRST_COMPACTION) {
            part.compact();
            // Room for exactly the visits until the next compaction (a vector left to grow by
            // doubling could take twice that).
            part.visits.reserve_exact(part.compact_at - part.visits.len());
        }
    }

    /// Adds `other`'s visits, their packed keys changed by `rekey`.
    pub fn merge(&mut self, other: Visits, rekey: impl Fn(u64) -> u64) {
        for (part, from) in self.parts.iter_mut().zip(other.parts) {
            part.visits.reserve_exact(from.visits.len());
            part.visits.extend(from.visits.into_iter().map(|(packed, visitor)| (rekey(packed), visitor)));
        }
    }

    /// Every distinct visit, part after part, each part sorted.
    pub fn distinct(&mut self) -> impl Iterator<Item = &(u64, u64)> {
        for part in &mut self.parts {
            part.compact();
        }
        self.parts.iter().flat_map(|p| p.visits.iter())
    }

    /// Adds to `counts[i]` the distinct visitors of the packed key `keys[i]` (`keys` sorted).
    pub fn count(&mut self, keys: &[u64], counts: &mut [u64]) {
        for part in &mut self.parts {
            part.compact();
            let mut at = 0;
            for (key, count) in keys.iter().zip(counts.iter_mut()) {
                while at < part.visits.len() && part.visits[at].0 < *key {
                    at += 1;
                }
                let first = at;
                while at < part.visits.len() && part.visits[at].0 == *key {
                    at += 1;
                }
                *count += (at - first) as u64;
            }
        }
    }

    /// The distinct visits as columns, one set per part: `keys` are the packed (day, key)s
    /// of the table of counts (sorted), `rows[i]` the row `keys[i]` is given in it. A visit of
    /// a (day, key) not in `keys` has no row and is left out. Each part's memory is released
    /// as its columns are made.
    pub fn into_columns(self, keys: &[u64], rows: &[u32]) -> Vec<VisitColumns> {
        self.parts
            .into_iter()
            .map(|mut part| {
                part.compact();
                let n = part.visits.len();
                let mut c = VisitColumns { row: Vec::with_capacity(n), visitor: Vec::with_capacity(n) };
                let mut numbers: FxHashMap<u64, u32> = FxHashMap::default();
                let mut at = 0;
                for (packed, visitor) in part.visits {
                    while at < keys.len() && keys[at] < packed {
                        at += 1;
                    }
                    if keys.get(at) != Some(&packed) {
                        continue;
                    }
                    let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                    c.row.push(rows[at]);
                    c.visitor.push(*numbers.entry(visitor).or_insert(next));
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
    fn distinct_visitors_per_key_across_parts_and_merges() {
        let mut a = Visits::default();
        let mut b = Visits::default();
        for visitor in 0..1000u64 {
            a.push(1, visitor);
            a.push(1, visitor);
            b.push(2, visitor % 10);
        }
        b.push(1, 5);
        b.push(1, 5000);
        a.merge(b, |k| k * 10);
        let keys = [1, 10, 20];
        let mut counts = [0, 0, 0];
        a.count(&keys, &mut counts);
        assert_eq!(counts, [1000, 2, 10]);
        assert_eq!(a.distinct().count(), 1012);
        // Key 10 is row 0 of the counts, key 1 row 2; key 20 has no row.
        let columns = a.into_columns(&[1, 5, 10], &[2, 1, 0]);
        assert_eq!(columns.len(), VISIT_PARTS);
        assert_eq!(columns.iter().map(|c| c.visitor.len()).sum::<usize>(), 1002);
        let mut numbered = 0;
        for c in &columns {
            assert!(c.row.iter().all(|r| [0, 2].contains(r)));
            let mut numbers = c.visitor.clone();
            numbers.sort_unstable();
            numbers.dedup();
            assert!(numbers.iter().enumerate().all(|(i, n)| *n as usize == i), "numbered from 0 in each part");
            numbered += numbers.len();
        }
        // Visitor 5 visited keys 1 and 10, and keeps one number; visitor 5000 is new.
        assert_eq!(numbered, 1001);
    }
}
