//! The distinct visits a tally keeps for unique clicks: (day and key packed, visitor) for each
//! click, in parts by visitor. All of a visitor's visits are in one part, so distinct visitors
//! counted part by part add up; each part is compacted (sorted, repeats removed) on its own when
//! it has grown by half, and parts are merged, counted and turned into columns one at a time,
//! so that the memory a step needs beside the visits is one part's, not all of them.

/// How many parts the visits are kept in.
pub const VISIT_PARTS: usize = 4;

/// The first compaction of a part, in entries.
const FIRST_COMPACTION: usize = 1 << 18;

/// Distinct visits as columns: (day, key) packed by [`crate::tally::day_key`], and the
/// visitor.
#[derive(Default)]
pub struct VisitColumns {
    /// Day and key.
    pub day_key: Vec<u64>,
    /// Visitor id.
    pub visitor: Vec<u64>,
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

    /// The distinct visits as columns, one set per part, their packed keys changed by
    /// `rekey`; each part's memory is released as its columns are made.
    pub fn into_columns(self, rekey: impl Fn(u64) -> u64) -> Vec<VisitColumns> {
        self.parts
            .into_iter()
            .map(|mut part| {
                part.compact();
                let n = part.visits.len();
                let mut c = VisitColumns { day_key: Vec::with_capacity(n), visitor: Vec::with_capacity(n) };
                for (packed, visitor) in part.visits {
                    c.day_key.push(rekey(packed));
                    c.visitor.push(visitor);
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
        let columns = a.into_columns(|k| k + 1);
        assert_eq!(columns.len(), VISIT_PARTS);
        assert_eq!(columns.iter().map(|c| c.visitor.len()).sum::<usize>(), 1012);
        for (i, c) in columns.iter().enumerate() {
            assert!(c.visitor.iter().all(|v| v % VISIT_PARTS as u64 == i as u64), "part {i} holds its visitors only");
        }
        assert!(columns.iter().all(|c| c.day_key.iter().all(|k| [2, 11, 21].contains(k))));
    }
}
