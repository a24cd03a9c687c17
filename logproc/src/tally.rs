//! The counts kept while lines stream by: per (day, link, partner, ad) the clicks, bot hits
//! (by reason) and HEAD hits, and the distinct visitors who clicked. Keys are interned, so
//! memory grows with the number of distinct keys and visitors, not with the number of lines.

use std::collections::BTreeMap;
use std::hash::Hasher as _;

use refcenter_model::Secret;
use rustc_hash::FxHashMap;
use siphasher::sip::SipHasher13;

use crate::classify::{Hit, Key};
use crate::days::{Day, day_key, split_day_key};
use crate::names::Keys;
use crate::sorted_rows::{Sum, merge_rows, sort_and_add_up};
use crate::visits::{VisitColumns, Visits};

/// The counts of one (day, key): 12 bytes, as there are millions of them. (Counts saturate;
/// no (day, link, partner, ad) gets four billion hits a day.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Clicks by people.
    pub clicks: u32,
    /// HEAD requests.
    pub head_hits: u32,
    /// Bot requests, all reasons (by reason in [`Tally`]'s own map).
    pub bot_hits: u32,
}

impl Sum for Counts {
    fn add(&mut self, other: Counts) {
        self.clicks = self.clicks.saturating_add(other.clicks);
        self.head_hits = self.head_hits.saturating_add(other.head_hits);
        self.bot_hits = self.bot_hits.saturating_add(other.bot_hits);
    }
}

/// `n` as a count, saturated.
fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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

/// A row of [`Tally`]'s `stored`: (day, key, clicks, bot hits, HEAD hits).
type StoredRow = (Day, u32, u64, u64, u64);

/// The rows of one chunk of [`Tally`]'s `stored` (a megabyte).
const STORED_CHUNK: usize = 1 << 15;

/// One stored row of a day: what the store keeps of a (link, partner, ad) key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stored {
    /// Clicks.
    Clicks(u64),
    /// HEAD hits.
    Head(u64),
    /// Bot hits for a reason.
    Bot(&'static str, u64),
    /// A distinct visitor who clicked.
    Visitor(u64),
}

/// Everything counted so far.
#[derive(Default)]
pub struct Tally {
    /// The keys counted, and their codes.
    pub keys: Keys,
    /// Request paths seen, with their key (up to [`PATH_CACHE`] of them).
    paths: FxHashMap<Box<str>, u32>,
    /// The counts of the lines read (and the days read back) since the last merge.
    counts: FxHashMap<(Day, u32), Counts>,
    /// Counts settled as rows sorted by packed (day, key), one row each: where merges put
    /// them, as two sorted lists merge in less memory than a growing hash table.
    settled: Vec<(u64, Counts)>,
    /// Bot hits per (day, key, reason): few keys get bot hits, so they are kept apart.
    bots: FxHashMap<(Day, u32, &'static str), u64>,
    /// Clicks as (day and key packed, visitor), for unique clicks.
    visits: Visits,
    /// Counts of whole days read back from a store for a report, kept as stored: (day, key,
    /// clicks, bot hits, HEAD hits). Cheaper than the map, and never stored again. Kept in
    /// chunks of [`STORED_CHUNK`] rows, which merging moves instead of copying, so that the
    /// millions of rows of a long store are not copied each time their list doubles.
    stored: Vec<Vec<StoredRow>>,
    /// Bot hits by reason of the counts not in `counts`: the stored rows', and all of them once
    /// the counts were taken out for the tables.
    stored_bots: BTreeMap<&'static str, u64>,
}

/// How many request paths [`Tally::add_at`] remembers.
const PATH_CACHE: usize = 1 << 16;

/// `packed` ([`day_key`]) with its key `k` replaced by `new_key[k]`.
fn rekey(packed: u64, new_key: &[u32]) -> u64 {
    let (day, k) = split_day_key(packed);
    day_key(day, new_key[k as usize])
}

/// Every (day, key) with its counts and its distinct visitors, as columns sorted by day, then
/// link, partner and ad name (keys are numbered in name order by [`Tally::take_columns`]). The
/// counts of one (day, key) are 32-bit, like [`Counts`]; sums over several are not.
#[derive(Default)]
pub struct FinestColumns {
    /// Day and key packed by [`day_key`].
    pub day_key: Vec<u64>,
    /// Clicks.
    pub clicks: Vec<u32>,
    /// Distinct visitors among the clicks.
    pub unique_clicks: Vec<u32>,
    /// Bot hits, all reasons.
    pub bot_hits: Vec<u32>,
    /// HEAD hits.
    pub head_hits: Vec<u32>,
}

impl Tally {
    /// A tally that knows the program's codes from the start (so that a parent without hits
    /// of its own still has an id for its downline's).
    pub fn new(program: &refcenter_model::Program) -> Tally {
        let mut t = Tally::default();
        t.keys.ads.id("");
        for l in program.links() {
            t.keys.links.id(l.code.as_str());
        }
        for p in program.partners() {
            t.keys.partners.id(p.code.as_str());
        }
        t
    }

    fn intern(&mut self, key: &Key<'_>) -> u32 {
        self.keys.key_of([&key.link, &key.partner, &key.ad])
    }

    /// Counts one hit; `visitor` is the visitor's id for clicks.
    pub fn add(&mut self, day: Day, key: &Key<'_>, hit: Hit, visitor: u64) {
        let k = self.intern(key);
        self.add_key(day, k, hit, visitor);
    }

    /// [`Tally::add`] for a hit on the request path `path` (without its query), whose codes
    /// are `key`: the key of a path seen before is found with one lookup. Returns the key's id
    /// (in [`Tally::keys`]).
    pub fn add_at(&mut self, day: Day, path: &str, key: &Key<'_>, hit: Hit, visitor: u64) -> u32 {
        let k = match self.paths.get(path) {
            Some(&k) => k,
            None => {
                let k = self.intern(key);
                if self.paths.len() < PATH_CACHE {
                    self.paths.insert(path.into(), k);
                }
                k
            }
        };
        self.add_key(day, k, hit, visitor);
        k
    }

    /// Drops the paths [`Tally::add_at`] remembered (once counting is done).
    pub fn forget_paths(&mut self) {
        self.paths = FxHashMap::default();
    }

    fn add_key(&mut self, day: Day, k: u32, hit: Hit, visitor: u64) {
        let counts = self.counts.entry((day, k)).or_default();
        match hit {
            Hit::Click => {
                counts.clicks = counts.clicks.saturating_add(1);
                self.visits.push(day_key(day, k), visitor);
            }
            Hit::Head => counts.head_hits = counts.head_hits.saturating_add(1),
            Hit::Bot(reason) => {
                counts.bot_hits = counts.bot_hits.saturating_add(1);
                *self.bots.entry((day, k, reason)).or_default() += 1;
            }
        }
    }

    /// Adds everything `other` counted (a tally of other lines, or of days read back from a
    /// store).
    pub fn merge(&mut self, other: Tally) {
        let keys = self.keys.adopt(&other.keys);
        let mine = self.settle();
        let mut theirs = other.settled;
        for row in &mut theirs {
            row.0 = rekey(row.0, &keys);
        }
        theirs.extend(other.counts.into_iter().map(|((day, k), c)| (day_key(day, keys[k as usize]), c)));
        sort_and_add_up(&mut theirs);
        self.settled = merge_rows(mine, theirs);
        for ((day, k, reason), n) in other.bots {
            *self.bots.entry((day, keys[k as usize], reason)).or_default() += n;
        }
        for mut chunk in other.stored {
            for row in &mut chunk {
                row.1 = keys[row.1 as usize];
            }
            self.stored.push(chunk);
        }
        for (reason, n) in other.stored_bots {
            *self.stored_bots.entry(reason).or_default() += n;
        }
        self.visits.merge(other.visits, |packed| rekey(packed, &keys));
    }

    /// Takes every count out, as rows sorted by packed (day, key), one row each: the settled
    /// rows and the hash table's, merged.
    fn settle(&mut self) -> Vec<(u64, Counts)> {
        let settled = std::mem::take(&mut self.settled);
        if self.counts.is_empty() {
            return settled;
        }
        let mut new: Vec<(u64, Counts)> =
            std::mem::take(&mut self.counts).into_iter().map(|((day, k), c)| (day_key(day, k), c)).collect();
        new.sort_unstable_by_key(|r| r.0);
        merge_rows(settled, new)
    }

    /// Every (day, key) with its counts and distinct visitors, and every distinct visit (in
    /// parts by visitor, see [`Visits`]), as columns, with codes and keys numbered in name
    /// order; the tally's counts and visits are emptied (bot hits by reason stay for
    /// [`Tally::bot_reasons`]), so that they do not take memory beside the tables.
    pub fn take_columns(&mut self) -> (FinestColumns, Vec<VisitColumns>) {
        // What the columns do not need goes first: the lookups (made again if a key is
        // interned later) and the bot hits per key (their sums by reason are kept).
        self.keys.drop_lookup();
        self.paths = FxHashMap::default();
        for ((_, _, reason), n) in std::mem::take(&mut self.bots) {
            *self.stored_bots.entry(reason).or_default() += n;
        }
        let mut rows = self.settle();
        let stored = std::mem::take(&mut self.stored);
        if !stored.is_empty() {
            let counts = |c, b, h| Counts { clicks: count(c), head_hits: count(h), bot_hits: count(b) };
            rows.reserve_exact(stored.iter().map(Vec::len).sum());
            let stored = stored.into_iter().flatten();
            rows.extend(stored.map(|(day, k, c, b, h)| (day_key(day, k), counts(c, b, h))));
            // A day of the store read back as several rows.
            sort_and_add_up(&mut rows);
        }
        // The packed (day, key)s as counted, for the visits, which keep the old numbers.
        let keys: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let mut uniques = vec![0; keys.len()];
        self.visits.count(&keys, &mut uniques);
        // Keys renumbered in name order; the paths' lookup would point at the old numbers.
        let new_key = self.keys.sort();
        self.paths = FxHashMap::default();
        for row in &mut rows {
            row.0 = rekey(row.0, &new_key);
        }
        rows.sort_unstable_by_key(|r| r.0);
        // Where each (day, key) as counted went.
        let placed: Vec<u32> = keys
            .iter()
            .map(|&old| {
                let at = rows.binary_search_by_key(&rekey(old, &new_key), |r| r.0).unwrap_or(0);
                u32::try_from(at).unwrap_or(u32::MAX)
            })
            .collect();
        let mut unique_clicks = vec![0; rows.len()];
        for (&at, n) in placed.iter().zip(uniques) {
            unique_clicks[at as usize] = count(n);
        }
        // The visits first: their columns take half their memory, before the counts' are made.
        let v = std::mem::take(&mut self.visits).into_columns(&keys, &placed);
        drop((keys, placed));
        let n = rows.len();
        let mut f = FinestColumns {
            day_key: Vec::with_capacity(n),
            clicks: Vec::with_capacity(n),
            unique_clicks,
            bot_hits: Vec::with_capacity(n),
            head_hits: Vec::with_capacity(n),
        };
        for (packed, c) in rows {
            f.day_key.push(packed);
            f.clicks.push(c.clicks);
            f.bot_hits.push(c.bot_hits);
            f.head_hits.push(c.head_hits);
        }
        (f, v)
    }

    /// Adds a row the store kept for `day` and the key `k` (from [`Keys::key_of`]).
    pub fn add_stored(&mut self, day: Day, k: u32, row: Stored) {
        if let Stored::Visitor(v) = row {
            self.visits.push(day_key(day, k), v);
            return;
        }
        let counts = self.counts.entry((day, k)).or_default();
        match row {
            Stored::Clicks(n) => counts.add(Counts { clicks: count(n), ..Counts::default() }),
            Stored::Head(n) => counts.add(Counts { head_hits: count(n), ..Counts::default() }),
            Stored::Bot(reason, n) => {
                counts.add(Counts { bot_hits: count(n), ..Counts::default() });
                *self.bots.entry((day, k, reason)).or_default() += n;
            }
            Stored::Visitor(_) => {}
        }
    }

    /// Adds a row the store kept for `day` and the key `k`, for a report only: the counts are
    /// kept as rows, not merged per key, so [`Tally::stored_rows`] does not see them. For days
    /// this run does not store again.
    pub fn add_stored_for_report(&mut self, day: Day, k: u32, row: Stored) {
        let row = match row {
            Stored::Visitor(v) => {
                // A visit goes to the visits, not to the stored counts.
                self.visits.push(day_key(day, k), v);
                return;
            }
            Stored::Clicks(n) => (day, k, n, 0, 0),
            Stored::Head(n) => (day, k, 0, 0, n),
            Stored::Bot(reason, n) => {
                *self.stored_bots.entry(reason).or_default() += n;
                (day, k, 0, n, 0)
            }
        };
        match self.stored.last_mut() {
            Some(chunk) if chunk.len() < STORED_CHUNK => chunk.push(row),
            _ => {
                let mut chunk = Vec::with_capacity(STORED_CHUNK);
                chunk.push(row);
                self.stored.push(chunk);
            }
        }
    }

    /// Every row of the days in `days` as the store keeps them: `(day, [link, partner, ad]
    /// ids, row)`, in no particular order.
    pub fn stored_rows(&mut self, days: &std::collections::BTreeSet<Day>) -> Vec<(Day, [u32; 3], Stored)> {
        self.settled = self.settle();
        let mut rows = Vec::with_capacity(self.settled.len() + self.bots.len() + self.visits.held());
        for &(packed, c) in &self.settled {
            let (day, k) = split_day_key(packed);
            if !days.contains(&day) {
                continue;
            }
            let parts = self.keys.parts()[k as usize];
            if c.clicks > 0 {
                rows.push((day, parts, Stored::Clicks(u64::from(c.clicks))));
            }
            if c.head_hits > 0 {
                rows.push((day, parts, Stored::Head(u64::from(c.head_hits))));
            }
        }
        for (&(day, k, reason), &n) in &self.bots {
            if days.contains(&day) {
                rows.push((day, self.keys.parts()[k as usize], Stored::Bot(reason, n)));
            }
        }
        for (packed, visitor) in self.visits.distinct() {
            let (day, k) = split_day_key(packed);
            if days.contains(&day) {
                rows.push((day, self.keys.parts()[k as usize], Stored::Visitor(visitor)));
            }
        }
        rows
    }

    /// The keys, and the distinct visits counted under them.
    pub fn keys_and_visits(&mut self) -> (&Keys, &mut Visits) {
        (&self.keys, &mut self.visits)
    }

    /// Bot hits by reason over everything counted.
    pub fn bot_reasons(&self) -> BTreeMap<&'static str, u64> {
        let mut out = self.stored_bots.clone();
        for (&(_, _, reason), &n) in &self.bots {
            *out.entry(reason).or_default() += n;
        }
        out
    }

    /// The days with a hit, sorted.
    pub fn days(&self) -> Vec<Day> {
        let mut days: Vec<Day> = self.counts.keys().map(|&(d, _)| d).collect();
        // The settled and stored rows come in runs of one day: a day is listed once a run, not
        // once a row (millions of them, for a long store).
        let runs = self.settled.iter().map(|r| split_day_key(r.0).0).chain(self.stored.iter().flatten().map(|r| r.0));
        for day in runs {
            if days.last() != Some(&day) {
                days.push(day);
            }
        }
        days.sort_unstable();
        days.dedup();
        days
    }

    /// Clicks per day over everything counted, for the days with any.
    pub fn clicks_by_day(&self) -> BTreeMap<Day, u64> {
        let mut out: BTreeMap<Day, u64> = BTreeMap::new();
        let counted = self.counts.iter().map(|(&(day, _), c)| (day, u64::from(c.clicks)));
        let settled = self.settled.iter().map(|(packed, c)| (split_day_key(*packed).0, u64::from(c.clicks)));
        let stored = self.stored.iter().flatten().map(|&(day, _, clicks, _, _)| (day, clicks));
        for (day, clicks) in counted.chain(settled).chain(stored) {
            *out.entry(day).or_default() += clicks;
        }
        out.retain(|_, n| *n > 0);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitor_ids_are_keyed_and_separate_their_parts() {
        let a = Visitors::new(&Secret::from_text("one secret, long enough").unwrap());
        let b = Visitors::new(&Secret::from_text("another secret, long enough").unwrap());
        assert_eq!(a.id("192.0.2.1", "ua"), a.id("192.0.2.1", "ua"));
        assert_ne!(a.id("192.0.2.1", "ua"), a.id("192.0.2.2", "ua"));
        assert_ne!(a.id("192.0.2.1", "ua"), b.id("192.0.2.1", "ua"));
        assert_ne!(a.id("a", "bc"), a.id("ab", "c"));
    }

    #[test]
    fn counts_and_distinct_visitors() {
        let key = |link: &str| Key { link: link.to_owned().into(), partner: "p".into(), ad: "".into() };
        let mut t = Tally::default();
        // "z" is met first, so its key is renumbered after "l" and "x".
        t.add(1, &key("z"), Hit::Click, 1);
        t.add(1, &key("l"), Hit::Click, 7);
        t.add(1, &key("l"), Hit::Click, 7);
        t.add(1, &key("l"), Hit::Click, 8);
        t.add(1, &key("l"), Hit::Head, 0);
        t.add(1, &key("l"), Hit::Bot("x"), 0);
        t.add(2, &key("l"), Hit::Click, 7);
        assert_eq!(t.days(), [1, 2]);
        assert_eq!(split_day_key(day_key(-3, 7)), (-3, 7));
        assert!(day_key(-3, u32::MAX) < day_key(-2, 0) && day_key(-1, 5) < day_key(0, 0), "packed in day order");
        let mut other = Tally::default();
        other.add(1, &key("x"), Hit::Click, 9);
        other.add(1, &key("l"), Hit::Click, 8);
        t.merge(other);
        let bots = t.bot_reasons();
        let (c, visits) = t.take_columns();
        assert_eq!(t.keys.links.all(), ["l", "x", "z"], "codes numbered in name order");
        let rows: Vec<(Day, &str, u32, u32, u32, u32)> = (0..c.day_key.len())
            .map(|i| {
                let (day, k) = split_day_key(c.day_key[i]);
                let link = t.keys.links.all()[t.keys.parts()[k as usize][0] as usize].as_str();
                (day, link, c.clicks[i], c.unique_clicks[i], c.head_hits[i], c.bot_hits[i])
            })
            .collect();
        assert_eq!(rows, [(1, "l", 4, 2, 1, 1), (1, "x", 1, 1, 0, 0), (1, "z", 1, 1, 0, 0), (2, "l", 1, 1, 0, 0)]);
        assert_eq!(t.bot_reasons(), bots, "bot hits by reason outlive the counts");
        let visitors: usize = visits.iter().map(|v| v.visitor.len()).sum();
        assert_eq!(visitors, 5, "visitor 8 on day 1 was already counted");
        // Each visit points at the row of its (day, key): "l" of day 1 (row 0) was visited by
        // 7 and 8, "x" (row 1) by 9, "z" (row 2) by 1, "l" of day 2 (row 3) by 7.
        let mut rows: Vec<u32> = visits.iter().flat_map(|v| v.row.iter().copied()).collect();
        rows.sort_unstable();
        assert_eq!(rows, [0, 0, 1, 2, 3]);
        let k = t.keys.parts()[0];
        assert_eq!([&t.keys.links.all()[k[0] as usize], &t.keys.partners.all()[k[1] as usize]], ["l", "p"]);
    }
}
