//! Counts kept as rows sorted by key, one row a key: where counting hash tables settle, since
//! two sorted lists merge in less memory than a growing hash table holds the same rows.

/// A count that adds up (saturating where it is narrow).
pub trait Sum: Copy {
    /// Adds `other` to `self`.
    fn add(&mut self, other: Self);
}

impl Sum for u32 {
    fn add(&mut self, other: u32) {
        *self = self.saturating_add(other);
    }
}

/// Sorts `rows` by key and adds up the counts of each key into one row.
pub fn sort_and_add_up<K: Ord + Copy, V: Sum>(rows: &mut Vec<(K, V)>) {
    rows.sort_unstable_by_key(|r| r.0);
    rows.dedup_by(|row, kept| {
        let same = row.0 == kept.0;
        if same {
            kept.1.add(row.1);
        }
        same
    });
}

/// Two lists of rows sorted by key, one row a key, merged into one; the counts of a key in
/// both are added.
pub fn merge_rows<K: Ord + Copy, V: Sum>(a: Vec<(K, V)>, b: Vec<(K, V)>) -> Vec<(K, V)> {
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() { b } else { a };
    }
    // Counted first, so that the list takes exactly its rows' memory.
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i].0, b[j].0);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
        n += 1;
    }
    n += (a.len() - i) + (b.len() - j);
    let mut out = Vec::with_capacity(n);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if x.0 == y.0 {
            let mut row = x;
            row.1.add(y.1);
            out.push(row);
        } else {
            out.push(if x.0 < y.0 { x } else { y });
        }
        i += usize::from(x.0 <= y.0);
        j += usize::from(y.0 <= x.0);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_add_up_and_merge_in_key_order() {
        let mut a = vec![(3u64, 1u32), (1, 2), (3, 4)];
        sort_and_add_up(&mut a);
        assert_eq!(a, [(1, 2), (3, 5)]);
        let b = vec![(0u64, 7u32), (3, 1), (9, u32::MAX)];
        assert_eq!(merge_rows(a, b.clone()), [(0, 7), (1, 2), (3, 6), (9, u32::MAX)]);
        assert_eq!(merge_rows(vec![(9, 1)], b), [(0, 7), (3, 1), (9, u32::MAX)], "counts saturate");
    }
}
