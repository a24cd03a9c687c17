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
/// A country code not given a value id yet.
const NO_ID: u32 = u32::MAX;

/// One worker's breakdown counts.
pub struct Counter {
    wanted: Wanted,
    counts: Breakdowns,
    /// Request paths seen, with their key.
    paths: FxHashMap<Box<str>, u32>,
    /// User agents seen, with their device, operating system and browser value ids.
    agents: FxHashMap<Box<str>, [u32; 3]>,
    /// Each country code's value id, by its two letters (`unknown` last).
    countries: Vec<u32>,
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
            countries: vec![NO_ID; 26 * 26 + 1],
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
            let code = match &record.country {
                Some(c) => std::str::from_utf8(c).unwrap_or(country::UNKNOWN),
                None => country::country(&record.client),
            };
            let id = &mut self.countries[country_slot(code)];
            if *id == NO_ID {
                *id = b.value_of(Dim::Country, code);
            }
            b.add(day, k, Dim::Country, *id, 1);
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

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn record<'a>(client: &'a str, country: Option<&'a str>) -> Record<'a> {
        Record {
            time: 0,
            method: Cow::Borrowed("GET"),
            path: Cow::Borrowed("/go/l/p?qr=1"),
            status: 302,
            client: Cow::Borrowed(client),
            user_agent: Cow::Borrowed("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"),
            referrer: Cow::Borrowed("https://t.co/x"),
            country: country.and_then(crate::formats::fields::country_code),
            query: Cow::Borrowed(""),
            has_agent: true,
            cdn_bot: false,
            edge_result: None,
            request_id: None,
        }
    }

    #[test]
    fn a_click_counts_once_in_each_wanted_dimension_and_the_cdn_country_wins() {
        let key = Key { link: "l".into(), partner: "p".into(), ad: "".into() };
        let mut c = Counter::new(Wanted::default());
        c.click(3, "/go/l/p", &key, &record("8.8.8.8", Some("de")));
        c.click(3, "/go/l/p", &key, &record("8.8.8.8", Some("XX")));
        c.click(3, "/go/l/p", &key, &record("8.8.8.8", None));
        let mut b = c.finish();
        let rows = b.rows();
        let mut seen: Vec<(&str, String, u32)> =
            rows.iter().map(|r| (r.dim.name(), b.values(r.dim)[r.value as usize].clone(), r.clicks)).collect();
        seen.sort();
        let s = |v: &str| v.to_owned();
        assert_eq!(
            seen,
            [
                ("browser", s("Firefox"), 3),
                ("country", s("DE"), 1),
                ("country", s("US"), 2),
                ("device", s("desktop"), 3),
                ("os", s("Linux"), 3),
                ("referrer", s("t.co"), 3),
                ("source", s("qr"), 3),
            ]
        );
        let mut only = Counter::new(Wanted::parse("referrer").unwrap_or(Wanted::NONE));
        only.click(3, "/go/l/p", &key, &record("8.8.8.8", None));
        assert_eq!(only.finish().rows().len(), 1, "only the wanted dimension");
    }
}
