//! [`Counter`]: one worker's side of the breakdowns. It finds each click's values (the user
//! agent's through a cache, as logs repeat a few thousand agents millions of times) and counts
//! them into the worker's own [`Breakdowns`], which the run merges once the workers are done.

use refcenter_model::request_path::has_qr_marker;
use rustc_hash::FxHashMap;

use super::{Breakdowns, Dim, Wanted, agent, country, referrer};
use crate::classify::Key;
use crate::days::Day;
use crate::record::Record;

/// How many request paths and user agents a counter remembers.
const CACHE: usize = 1 << 16;

/// One worker's breakdown counts.
pub struct Counter {
    wanted: Wanted,
    counts: Breakdowns,
    /// Request paths seen, with their key.
    paths: FxHashMap<Box<str>, u32>,
    /// User agents seen, with their device, operating system and browser value ids.
    agents: FxHashMap<Box<str>, [u32; 3]>,
    parser: woothee::parser::Parser,
}

impl Counter {
    /// A counter of the dimensions `wanted`.
    pub fn new(wanted: Wanted) -> Counter {
        Counter {
            wanted,
            counts: Breakdowns::default(),
            paths: FxHashMap::default(),
            agents: FxHashMap::default(),
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
        if wanted.has(Dim::Source) {
            let query = record.path.split_once('?').map_or("", |(_, q)| q);
            let source = if has_qr_marker(query) || has_qr_marker(&record.query) { "qr" } else { "link" };
            let v = b.value_of(Dim::Source, source);
            b.add(day, k, Dim::Source, v, 1);
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
                    b.add(day, k, dim, v, 1);
                }
            }
        }
        if wanted.has(Dim::Country) {
            let v = b.value_of(Dim::Country, country::country(&record.client));
            b.add(day, k, Dim::Country, v, 1);
        }
        if wanted.has(Dim::Referrer) {
            let v = b.value_of(Dim::Referrer, &referrer::domain(&record.referrer));
            b.add(day, k, Dim::Referrer, v, 1);
        }
    }

    /// The clicks counted.
    pub fn finish(self) -> Breakdowns {
        self.counts
    }
}
