//! The counts kept while lines stream by: per (day, link, partner, ad) the clicks, bot hits
//! (by reason) and HEAD hits, and the distinct visitors who clicked. Keys are interned, so
//! memory grows with the number of distinct keys and visitors, not with the number of lines.

use std::collections::BTreeMap;
use std::hash::Hasher as _;

use refcenter_model::Secret;
use rustc_hash::FxHashMap;
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

/// The day named `YYYY-MM-DD`.
pub fn day_from_name(name: &str) -> Option<Day> {
    let date = chrono::NaiveDate::parse_from_str(name, "%Y-%m-%d").ok()?;
    Some(day_of(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp()))
}

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

impl Counts {
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

/// Codes seen (and the program's own), each given a small id, so that the tables are computed
/// on integers and the strings are joined back at the end.
#[derive(Default)]
pub struct Names {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Names {
    /// The id of `name`, given one if new.
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    /// The id of `name`, if it has one.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// Every name, by id.
    pub fn all(&self) -> &[String] {
        &self.names
    }

    /// Renumbers the names in sorted order; returns each old id's new one.
    fn sort(&mut self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len()).map(|i| u32::try_from(i).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by(|a, b| self.names[*a as usize].cmp(&self.names[*b as usize]));
        let mut new_id = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = u32::try_from(new).unwrap_or(u32::MAX);
        }
        let mut names: Vec<String> = order.iter().map(|&old| std::mem::take(&mut self.names[old as usize])).collect();
        std::mem::swap(&mut self.names, &mut names);
        for (name, id) in self.index.iter_mut() {
            *id = new_id[*id as usize];
            debug_assert_eq!(&self.names[*id as usize], name);
        }
        new_id
    }
}

/// Everything counted so far.
#[derive(Default)]
pub struct Tally {
    /// Link codes.
    pub links: Names,
    /// Partner codes.
    pub partners: Names,
    /// Ad codes.
    pub ads: Names,
    keys: FxHashMap<[u32; 3], u32>,
    /// Request paths seen, with their key (up to [`PATH_CACHE`] of them).
    paths: FxHashMap<Box<str>, u32>,
    parts: Vec<[u32; 3]>,
    counts: FxHashMap<(Day, u32), Counts>,
    /// Bot hits per (day, key, reason): few keys get bot hits, so they are kept apart.
    bots: FxHashMap<(Day, u32, &'static str), u64>,
    /// Clicks as (day and key packed, visitor), compacted (sorted, duplicates removed) when
    /// the vector doubles: 16 bytes a distinct visit, no hash table.
    visits: Vec<(u64, u64)>,
    compact_at: usize,
    /// Counts of whole days read back from a store for a report, kept as stored: (day, key,
    /// clicks, bot hits, HEAD hits). Cheaper than the map, and never stored again.
    stored: Vec<(Day, u32, u64, u64, u64)>,
    /// Bot hits by reason of the counts not in `counts`: the stored rows', and all of them once
    /// the counts were taken out for the tables.
    stored_bots: BTreeMap<&'static str, u64>,
}

/// How many request paths [`Tally::add_at`] remembers.
const PATH_CACHE: usize = 1 << 20;

/// The first compaction of the visits, in entries.
const FIRST_COMPACTION: usize = 1 << 20;

fn pack(day: Day, key: u32) -> u64 {
    (u64::from(day as u32) << 32) | u64::from(key)
}

fn unpack(packed: u64) -> (Day, u32) {
    ((packed >> 32) as u32 as Day, packed as u32)
}

/// The counts as columns: day, link id, partner id, ad id, clicks, bot hits, HEAD hits.
#[derive(Default)]
pub struct CountColumns {
    /// Day and key packed in one number.
    pub day_key: Vec<u64>,
    /// Day.
    pub day: Vec<Day>,
    /// Link id.
    pub link: Vec<u32>,
    /// Partner id.
    pub partner: Vec<u32>,
    /// Ad id.
    pub ad: Vec<u32>,
    /// Clicks.
    pub clicks: Vec<u64>,
    /// Bot hits, all reasons.
    pub bot_hits: Vec<u64>,
    /// HEAD hits.
    pub head_hits: Vec<u64>,
}

/// The distinct visits as columns: day, link id, partner id, ad id, visitor.
#[derive(Default)]
pub struct VisitColumns {
    /// Day.
    pub day: Vec<Day>,
    /// Link id.
    pub link: Vec<u32>,
    /// Partner id.
    pub partner: Vec<u32>,
    /// Ad id.
    pub ad: Vec<u32>,
    /// Visitor id.
    pub visitor: Vec<u64>,
    /// Per (day, key) packed as in [`CountColumns::day_key`], its number of distinct visitors:
    /// the unique clicks at the finest level, counted off the sorted visits.
    pub finest: (Vec<u64>, Vec<Day>, Vec<u64>),
}

impl Tally {
    /// A tally that knows the program's codes from the start (so that a parent without hits
    /// of its own still has an id for its downline's).
    pub fn new(program: &refcenter_model::Program) -> Tally {
        let mut t = Tally::default();
        t.ads.id("");
        for l in program.links() {
            t.links.id(l.code.as_str());
        }
        for p in program.partners() {
            t.partners.id(p.code.as_str());
        }
        t
    }

    fn intern(&mut self, key: &Key<'_>) -> u32 {
        self.key_of([&key.link, &key.partner, &key.ad])
    }

    fn intern_parts(&mut self, parts: [u32; 3]) -> u32 {
        if let Some(&i) = self.keys.get(&parts) {
            return i;
        }
        let i = u32::try_from(self.parts.len()).unwrap_or(u32::MAX);
        self.parts.push(parts);
        self.keys.insert(parts, i);
        i
    }

    /// Counts one hit; `visitor` is the visitor's id for clicks.
    pub fn add(&mut self, day: Day, key: &Key<'_>, hit: Hit, visitor: u64) {
        let k = self.intern(key);
        self.add_key(day, k, hit, visitor);
    }

    /// [`Tally::add`] for a hit on the request path `path` (without its query), whose codes
    /// are `key`: the key of a path seen before is found with one lookup.
    pub fn add_at(&mut self, day: Day, path: &str, key: &Key<'_>, hit: Hit, visitor: u64) {
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
                self.push_visit(day, k, visitor);
            }
            Hit::Head => counts.head_hits = counts.head_hits.saturating_add(1),
            Hit::Bot(reason) => {
                counts.bot_hits = counts.bot_hits.saturating_add(1);
                *self.bots.entry((day, k, reason)).or_default() += 1;
            }
        }
    }

    /// Keeps a visit, compacting the visits when they have doubled.
    fn push_visit(&mut self, day: Day, k: u32, visitor: u64) {
        self.visits.push((pack(day, k), visitor));
        if self.visits.len() >= self.compact_at.max(FIRST_COMPACTION) {
            self.compact();
        }
    }

    /// Sorts the visits and removes repeated ones; the next compaction waits until the vector
    /// has doubled again.
    fn compact(&mut self) {
        self.visits.sort_unstable();
        self.visits.dedup();
        self.compact_at = (self.visits.len() * 2).max(FIRST_COMPACTION);
    }

    /// Adds everything `other` counted (another thread's tally of other lines).
    pub fn merge(&mut self, other: Tally) {
        let links: Vec<u32> = other.links.all().iter().map(|n| self.links.id(n)).collect();
        let partners: Vec<u32> = other.partners.all().iter().map(|n| self.partners.id(n)).collect();
        let ads: Vec<u32> = other.ads.all().iter().map(|n| self.ads.id(n)).collect();
        let keys: Vec<u32> = other
            .parts
            .iter()
            .map(|[l, p, a]| self.intern_parts([links[*l as usize], partners[*p as usize], ads[*a as usize]]))
            .collect();
        self.counts.reserve(other.counts.len());
        for ((day, k), c) in other.counts {
            self.counts.entry((day, keys[k as usize])).or_default().add(c);
        }
        for ((day, k, reason), n) in other.bots {
            *self.bots.entry((day, keys[k as usize], reason)).or_default() += n;
        }
        self.stored.extend(other.stored.into_iter().map(|(day, k, c, b, h)| (day, keys[k as usize], c, b, h)));
        for (reason, n) in other.stored_bots {
            *self.stored_bots.entry(reason).or_default() += n;
        }
        self.visits.extend(other.visits.into_iter().map(|(packed, v)| {
            let (day, k) = unpack(packed);
            (pack(day, keys[k as usize]), v)
        }));
    }

    /// Every (day, key) with its counts, as columns; the counts are emptied (their bot hits by
    /// reason stay for [`Tally::bot_reasons`]), so that they do not take memory beside the
    /// tables.
    pub fn take_count_columns(&mut self) -> CountColumns {
        let mut c = CountColumns::default();
        let counted = std::mem::take(&mut self.counts)
            .into_iter()
            .map(|((day, k), n)| (day, k, u64::from(n.clicks), u64::from(n.bot_hits), u64::from(n.head_hits)));
        for (day, k, clicks, bots, head) in counted.chain(std::mem::take(&mut self.stored)) {
            let [l, p, a] = self.parts[k as usize];
            c.day_key.push(pack(day, k));
            c.day.push(day);
            c.link.push(l);
            c.partner.push(p);
            c.ad.push(a);
            c.clicks.push(clicks);
            c.bot_hits.push(bots);
            c.head_hits.push(head);
        }
        for ((_, _, reason), n) in std::mem::take(&mut self.bots) {
            *self.stored_bots.entry(reason).or_default() += n;
        }
        c
    }

    /// Every distinct (day, key, visitor) of a click, as columns; the visits are emptied.
    pub fn take_visits(&mut self) -> VisitColumns {
        self.compact();
        let visits = std::mem::take(&mut self.visits);
        let n = visits.len();
        let mut v = VisitColumns {
            finest: (Vec::new(), Vec::new(), Vec::new()),
            day: Vec::with_capacity(n),
            link: Vec::with_capacity(n),
            partner: Vec::with_capacity(n),
            ad: Vec::with_capacity(n),
            visitor: Vec::with_capacity(n),
        };
        for (packed, visitor) in visits {
            let (day, k) = unpack(packed);
            let [l, p, a] = self.parts[k as usize];
            if v.finest.0.last() == Some(&packed) {
                if let Some(n) = v.finest.2.last_mut() {
                    *n += 1;
                }
            } else {
                v.finest.0.push(packed);
                v.finest.1.push(day);
                v.finest.2.push(1);
            }
            v.day.push(day);
            v.link.push(l);
            v.partner.push(p);
            v.ad.push(a);
            v.visitor.push(visitor);
        }
        v
    }

    /// The id of the key named `[link, partner, ad]`, given one if new.
    pub fn key_of(&mut self, names: [&str; 3]) -> u32 {
        let parts = [self.links.id(names[0]), self.partners.id(names[1]), self.ads.id(names[2])];
        self.intern_parts(parts)
    }

    /// Adds a row the store kept for `day` and the key `k` (from [`Tally::key_of`]).
    pub fn add_stored(&mut self, day: Day, k: u32, row: Stored) {
        if let Stored::Visitor(v) = row {
            self.push_visit(day, k, v);
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
        match row {
            Stored::Visitor(v) => self.visits.push((pack(day, k), v)),
            Stored::Clicks(n) => self.stored.push((day, k, n, 0, 0)),
            Stored::Head(n) => self.stored.push((day, k, 0, 0, n)),
            Stored::Bot(reason, n) => {
                self.stored.push((day, k, 0, n, 0));
                *self.stored_bots.entry(reason).or_default() += n;
            }
        }
    }

    /// Every row of the days in `days` as the store keeps them: `(day, [link, partner, ad]
    /// ids, row)`, in no particular order.
    pub fn stored_rows(&mut self, days: &std::collections::BTreeSet<Day>) -> Vec<(Day, [u32; 3], Stored)> {
        let mut rows = Vec::new();
        for (&(day, k), c) in &self.counts {
            if !days.contains(&day) {
                continue;
            }
            let parts = self.parts[k as usize];
            if c.clicks > 0 {
                rows.push((day, parts, Stored::Clicks(u64::from(c.clicks))));
            }
            if c.head_hits > 0 {
                rows.push((day, parts, Stored::Head(u64::from(c.head_hits))));
            }
        }
        for (&(day, k, reason), &n) in &self.bots {
            if days.contains(&day) {
                rows.push((day, self.parts[k as usize], Stored::Bot(reason, n)));
            }
        }
        self.compact();
        for &(packed, visitor) in &self.visits {
            let (day, k) = unpack(packed);
            if days.contains(&day) {
                rows.push((day, self.parts[k as usize], Stored::Visitor(visitor)));
            }
        }
        rows
    }

    /// Bot hits by reason over everything counted.
    pub fn bot_reasons(&self) -> BTreeMap<&'static str, u64> {
        let mut out = self.stored_bots.clone();
        for (&(_, _, reason), &n) in &self.bots {
            *out.entry(reason).or_default() += n;
        }
        out
    }

    /// Renumbers the link, partner and ad codes in sorted order, so that tables sorted by id
    /// are sorted by name.
    pub fn sort_names(&mut self) {
        let (links, partners, ads) = (self.links.sort(), self.partners.sort(), self.ads.sort());
        for [l, p, a] in &mut self.parts {
            *l = links[*l as usize];
            *p = partners[*p as usize];
            *a = ads[*a as usize];
        }
        self.keys = self.parts.iter().enumerate().map(|(i, &k)| (k, u32::try_from(i).unwrap_or(u32::MAX))).collect();
    }

    /// The days with a hit, sorted.
    pub fn days(&self) -> Vec<Day> {
        let mut days: Vec<Day> = self.counts.keys().map(|&(d, _)| d).collect();
        days.extend(self.stored.iter().map(|r| r.0));
        days.sort_unstable();
        days.dedup();
        days
    }

    /// Every distinct key seen, as (link, partner, ad) ids.
    pub fn keys(&self) -> &[[u32; 3]] {
        &self.parts
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
        let key = Key { link: "l".into(), partner: "p".into(), ad: "".into() };
        let mut t = Tally::default();
        t.add(1, &key, Hit::Click, 7);
        t.add(1, &key, Hit::Click, 7);
        t.add(1, &key, Hit::Click, 8);
        t.add(1, &key, Hit::Head, 0);
        t.add(1, &key, Hit::Bot("x"), 0);
        t.add(2, &key, Hit::Click, 7);
        assert_eq!(t.days(), [1, 2]);
        assert_eq!((unpack(pack(-3, 7)).0, unpack(pack(-3, 7)).1), (-3, 7));
        let mut other = Tally::default();
        other.add(1, &Key { link: "x".into(), partner: "p".into(), ad: "".into() }, Hit::Click, 9);
        other.add(1, &key, Hit::Click, 8);
        t.merge(other);
        let bots = t.bot_reasons();
        let c = t.take_count_columns();
        let mut rows: Vec<(Day, u32, u64, u64, u64)> =
            (0..c.day.len()).map(|i| (c.day[i], c.link[i], c.clicks[i], c.head_hits[i], c.bot_hits[i])).collect();
        rows.sort_unstable();
        let (l, x) = (t.links.get("l").unwrap_or(99), t.links.get("x").unwrap_or(99));
        let mut expected = vec![(1, l, 4, 1, 1), (1, x, 1, 0, 0), (2, l, 1, 0, 0)];
        expected.sort_unstable();
        assert_eq!(rows, expected);
        assert_eq!(t.bot_reasons(), bots, "bot hits by reason outlive the counts");
        assert_eq!(t.take_visits().visitor.len(), 4, "visitor 8 on day 1 was already counted");
        t.sort_names();
        assert_eq!(t.links.all(), ["l", "x"]);
        assert_eq!((t.links.get("x"), t.links.get("l")), (Some(1), Some(0)));
        let k = t.keys()[0];
        assert_eq!([&t.links.all()[k[0] as usize], &t.partners.all()[k[1] as usize]], ["l", "p"]);
    }
}
