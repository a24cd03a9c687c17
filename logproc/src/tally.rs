//! The counts kept while lines stream by: per (day, link, partner, ad) the clicks, bot hits
//! (by reason) and HEAD hits, and the distinct visitors who clicked. Keys are interned, so
//! memory grows with the number of distinct keys and visitors, not with the number of lines.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hasher as _;

use refcenter_model::Secret;
use siphasher::sip::SipHasher13;

use crate::classify::{Hit, Key};

/// Days since 1970-01-01 (UTC).
pub type Day = i32;

/// The day of a timestamp.
pub fn day_of(time: i64) -> Day {
    i32::try_from(time.div_euclid(86_400)).unwrap_or(i32::MAX)
}

/// `YYYY-MM-DD` of a day.
pub fn day_name(day: Day) -> String {
    chrono::DateTime::from_timestamp(i64::from(day) * 86_400, 0)
        .map_or_else(|| day.to_string(), |t| t.format("%Y-%m-%d").to_string())
}

/// The counts of one (day, key).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Clicks by people.
    pub clicks: u64,
    /// HEAD requests.
    pub head_hits: u64,
    /// Bot requests by reason.
    pub bot_hits: BTreeMap<&'static str, u64>,
}

/// Visitor ids: a keyed hash of client address and user agent. The key comes from the
/// program's secret and is never written out, so ids cannot be reversed to addresses.
pub struct Visitors {
    k0: u64,
    k1: u64,
}

impl Visitors {
    /// Visitor ids keyed by `secret`.
    pub fn new(secret: &Secret) -> Visitors {
        let key = secret.token("refstats visitor key", &[], 16);
        let k0 = u64::from_str_radix(&key[..16], 16).unwrap_or(0);
        let k1 = u64::from_str_radix(&key[16..], 16).unwrap_or(0);
        Visitors { k0, k1 }
    }

    /// The id of a visitor.
    pub fn id(&self, client: &str, user_agent: &str) -> u64 {
        let mut h = SipHasher13::new_with_keys(self.k0, self.k1);
        h.write(client.as_bytes());
        h.write_u8(0xff);
        h.write(user_agent.as_bytes());
        h.finish()
    }
}

/// Everything counted so far.
#[derive(Default)]
pub struct Tally {
    keys: Vec<Key>,
    index: HashMap<Key, u32>,
    counts: HashMap<(Day, u32), Counts>,
    visits: HashSet<(Day, u32, u64)>,
}

impl Tally {
    fn intern(&mut self, key: Key) -> u32 {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.keys.push(key.clone());
        self.index.insert(key, i);
        i
    }

    /// Counts one hit; `visitor` is the visitor's id for clicks.
    pub fn add(&mut self, day: Day, key: Key, hit: Hit, visitor: u64) {
        let k = self.intern(key);
        let counts = self.counts.entry((day, k)).or_default();
        match hit {
            Hit::Click => {
                counts.clicks += 1;
                self.visits.insert((day, k, visitor));
            }
            Hit::Head => counts.head_hits += 1,
            Hit::Bot(reason) => *counts.bot_hits.entry(reason).or_default() += 1,
        }
    }

    /// Every (day, key, counts), sorted by day and key.
    pub fn rows(&self) -> Vec<(Day, &Key, &Counts)> {
        let mut rows: Vec<(Day, &Key, &Counts)> =
            self.counts.iter().map(|(&(day, k), c)| (day, &self.keys[k as usize], c)).collect();
        rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        rows
    }

    /// Every distinct (day, key, visitor) of a click, sorted.
    pub fn visits(&self) -> Vec<(Day, &Key, u64)> {
        let mut rows: Vec<(Day, &Key, u64)> =
            self.visits.iter().map(|&(day, k, v)| (day, &self.keys[k as usize], v)).collect();
        rows.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
        rows
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_visitors() {
        assert_eq!(day_name(day_of(1_714_557_600)), "2024-05-01");
        assert_eq!(day_name(day_of(-1)), "1969-12-31");
        let a = Visitors::new(&Secret::from_text("one secret, long enough").unwrap());
        let b = Visitors::new(&Secret::from_text("another secret, long enough").unwrap());
        assert_eq!(a.id("192.0.2.1", "ua"), a.id("192.0.2.1", "ua"));
        assert_ne!(a.id("192.0.2.1", "ua"), a.id("192.0.2.2", "ua"));
        assert_ne!(a.id("192.0.2.1", "ua"), b.id("192.0.2.1", "ua"));
        assert_ne!(a.id("a", "bc"), a.id("ab", "c"));
    }

    #[test]
    fn counts_and_distinct_visitors() {
        let key = Key { link: "l".into(), partner: "p".into(), ad: String::new() };
        let mut t = Tally::default();
        t.add(1, key.clone(), Hit::Click, 7);
        t.add(1, key.clone(), Hit::Click, 7);
        t.add(1, key.clone(), Hit::Click, 8);
        t.add(1, key.clone(), Hit::Head, 0);
        t.add(1, key.clone(), Hit::Bot("x"), 0);
        t.add(2, key, Hit::Click, 7);
        let rows = t.rows();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].2.clicks, rows[0].2.head_hits, rows[0].2.bot_hits["x"]), (3, 1, 1));
        assert_eq!(t.visits().len(), 3);
    }
}
