//! [`Counter`]: one worker's side of the breakdowns. It finds each click's values (the user
//! agent's through a cache, as logs repeat a few thousand agents millions of times) and counts
//! them for the worker's own [`Breakdowns`], which the run merges once the workers are done.

use refcenter_model::request_path::has_qr_marker;
use rustc_hash::FxHashMap;

use super::{Breakdowns, Dim, Wanted, agent, country, referrer};
use crate::classify::Key;
use crate::days::{Day, day_key, split_day_key};
use crate::record::Record;

/// How many request paths and user agents a counter remembers.
const CACHE: usize = 1 << 16;
/// Counts held before they are handed to the breakdowns.
const FLUSH_AT: usize = 1 << 20;
/// A dimension not counted.
const NOT_WANTED: u32 = u32::MAX;

/// One worker's breakdown counts. A click's values in every dimension make its *profile*; the
/// counter counts clicks per (day, key, profile), one table update a click, and hands them to
/// its [`Breakdowns`] per dimension when it is full and at the end.
pub struct Counter {
    wanted: Wanted,
    counts: Breakdowns,
    /// Request paths seen, with their key.
    paths: FxHashMap<Box<str>, u32>,
    /// User agents seen, with their device, operating system and browser value ids.
    agents: FxHashMap<Box<str>, [u32; 3]>,
    /// Each country code's value id, by its two letters (`unknown` last).
    countries: Vec<u32>,
    /// Profiles: a value id per dimension ([`NOT_WANTED`] for dimensions not counted).
    profiles: FxHashMap<[u32; 6], u32>,
    profile_values: Vec<[u32; 6]>,
    /// Clicks per (packed day and key, profile).
    clicks: FxHashMap<(u64, u32), u32>,
    parser: woothee::parser::Parser,
}

/// The index of a country code in [`Counter`]'s `countries`.
fn country_slot(code: &str) -> usize {
    match code.as_bytes() {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => usize::from(a - b'A') * 26 + usize::from(b - b'A'),
        _ => 26 * 26,
    }
}

impl Counter {
    /// A counter of the dimensions `wanted`.
    pub fn new(wanted: Wanted) -> Counter {
        Counter {
            wanted,
            counts: Breakdowns::default(),
            paths: FxHashMap::default(),
            agents: FxHashMap::default(),
            countries: vec![NOT_WANTED; 26 * 26 + 1],
            profiles: FxHashMap::default(),
            profile_values: Vec::new(),
            clicks: FxHashMap::default(),
            parser: woothee::parser::Parser::new(),
        }
    }

    /// Counts a click of `record` on `day`, on the request path `path` (without its query)
    /// whose codes are `key`.
    pub fn click(&mut self, day: Day, path: &str, key: &Key<'_>, record: &Record<'_>) {
        if !self.wanted.any() {
            return;
        }
        let b = &mut self.counts;
        let k = match self.paths.get(path) {
            Some(&k) => k,
            None => {
                let k = b.key_of([&key.link, &key.partner, &key.ad]);
                if self.paths.len() < CACHE {
                    self.paths.insert(path.into(), k);
                }
                k
            }
        };
        let wanted = self.wanted;
        let mut profile = [NOT_WANTED; 6];
        if wanted.has(Dim::Source) {
            let query = record.path.split_once('?').map_or("", |(_, q)| q);
            let source = if has_qr_marker(query) || has_qr_marker(&record.query) { "qr" } else { "link" };
            profile[Dim::Source.index()] = b.value_of(Dim::Source, source);
        }
        if wanted.has(Dim::Device) || wanted.has(Dim::Os) || wanted.has(Dim::Browser) {
            let ids = match self.agents.get(record.user_agent.as_ref()) {
                Some(&ids) => ids,
                None => {
                    let a = agent::agent(&self.parser, &record.user_agent);
                    let ids = [
                        b.value_of(Dim::Device, a.device),
                        b.value_of(Dim::Os, &a.os),
                        b.value_of(Dim::Browser, &a.browser),
                    ];
                    if self.agents.len() < CACHE {
                        self.agents.insert(record.user_agent.as_ref().into(), ids);
                    }
                    ids
                }
            };
            for (dim, v) in [Dim::Device, Dim::Os, Dim::Browser].into_iter().zip(ids) {
                if wanted.has(dim) {
                    profile[dim.index()] = v;
                }
            }
        }
        if wanted.has(Dim::Country) {
            let code = country::country(&record.client);
            let slot = &mut self.countries[country_slot(code)];
            if *slot == NOT_WANTED {
                *slot = b.value_of(Dim::Country, code);
            }
            profile[Dim::Country.index()] = *slot;
        }
        if wanted.has(Dim::Referrer) {
            profile[Dim::Referrer.index()] = b.value_of(Dim::Referrer, &referrer::domain(&record.referrer));
        }
        let p = match self.profiles.get(&profile) {
            Some(&p) => p,
            None => {
                let p = u32::try_from(self.profile_values.len()).unwrap_or(u32::MAX);
                self.profile_values.push(profile);
                self.profiles.insert(profile, p);
                p
            }
        };
        let n = self.clicks.entry((day_key(day, k), p)).or_default();
        *n = n.saturating_add(1);
        if self.clicks.len() >= FLUSH_AT {
            self.flush();
        }
    }

    /// Hands the clicks counted per profile to the breakdowns, per dimension.
    fn flush(&mut self) {
        for ((packed, p), n) in std::mem::take(&mut self.clicks) {
            let (day, k) = split_day_key(packed);
            for (dim, &v) in Dim::ALL.iter().zip(&self.profile_values[p as usize]) {
                if v != NOT_WANTED {
                    self.counts.add(day, k, *dim, v, n);
                }
            }
        }
    }

    /// The clicks counted.
    pub fn finish(mut self) -> Breakdowns {
        self.flush();
        self.counts
    }
}
