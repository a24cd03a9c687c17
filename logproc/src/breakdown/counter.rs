//! [`Counter`]: one worker's side of the breakdowns. It finds each click's values (the user
//! agent's and the referrer's through caches, as logs repeat a few thousand of them millions
//! of times) and gives
//! the click its profile's id from the [`Profiles`] the workers share, through caches of its
//! own, so that the shared table is locked only for what the worker meets the first time. The
//! run adds each click under its profile to the (day, key) it counts the click for.

use std::sync::Mutex;

use refcenter_model::request_path::has_qr_marker;
use rustc_hash::FxHashMap;

use super::counts::{ProfileKey, Profiles, UNSET, profile_key};
use super::{Dim, Wanted, agent, country, referrer};
use crate::record::Record;

/// How many user agents, referrers (as logged) and referrer domains a counter remembers.
const CACHE: usize = 1 << 16;
/// How many profiles a counter remembers: every one met, in practice (a few thousand).
const PROFILE_CACHE: usize = 1 << 20;

/// One worker's breakdown of clicks.
pub struct Counter<'a> {
    wanted: Wanted,
    shared: &'a Mutex<Profiles>,
    /// The device, operating system and browser value ids of each user agent by its number in
    /// the worker's bot cache ([`UNSET`] until met).
    numbered_agents: Vec<[u32; 3]>,
    /// User agents seen without a number (past the bot cache's bound), with their value ids.
    agents: FxHashMap<Box<str>, [u32; 3]>,
    /// Referrers seen (as logged: logs repeat a few pages' addresses), with their domain's
    /// value id.
    referrers: FxHashMap<Box<str>, u32>,
    /// The value id of no referrer, [`UNSET`] until met.
    no_referrer: u32,
    /// Referrer domains seen, with their value ids: for referrers past the first [`CACHE`]
    /// (some sites send a new address with each click), so that they still find their id here.
    domains: FxHashMap<Box<str>, u32>,
    /// Each country's value id, by its [`country::Slot`], [`UNSET`] until met.
    countries: Vec<u32>,
    /// The value ids of `link` and `qr`, [`UNSET`] until met.
    sources: [u32; 2],
    /// Profiles seen (by [`ProfileKey`]), with their ids.
    profiles: FxHashMap<ProfileKey, u32>,
    parser: woothee::parser::Parser,
}

impl<'a> Counter<'a> {
    /// A counter of the dimensions `wanted`, giving ids from `shared`.
    pub fn new(wanted: Wanted, shared: &'a Mutex<Profiles>) -> Counter<'a> {
        Counter {
            wanted,
            shared,
            numbered_agents: Vec::new(),
            agents: FxHashMap::default(),
            referrers: FxHashMap::default(),
            no_referrer: UNSET,
            domains: FxHashMap::default(),
            countries: vec![UNSET; usize::from(country::UNPLACED) + 1],
            sources: [UNSET; 2],
            profiles: FxHashMap::default(),
            parser: woothee::parser::Parser::new(),
        }
    }

    /// The shared table, locked (a worker that panicked while holding it left it whole: ids are
    /// given in one step).
    fn shared(&self) -> std::sync::MutexGuard<'a, Profiles> {
        self.shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The id of the profile of a click of `record`, whose user agent has the number
    /// `agent_number` in the worker's bot cache (`None`: no number) and whose path goes on
    /// after its last segment with `after_path` (its query or fragment from the `?` or `#`, as
    /// the run finds them anyway: empty for most clicks); `None` when no dimension is wanted.
    pub fn profile(&mut self, record: &Record<'_>, agent_number: Option<u32>, after_path: &str) -> Option<u32> {
        let wanted = self.wanted;
        if !wanted.any() {
            return None;
        }
        let mut p = [UNSET; 6];
        if wanted.has(Dim::Source) {
            // Most paths have no query and most queries no `q`: found by one vector search each,
            // before the query is parsed.
            let query_of = |q: &str| !q.is_empty() && memchr::memchr(b'q', q.as_bytes()).is_some() && has_qr_marker(q);
            let in_path = !after_path.is_empty()
                && memchr::memchr(b'?', after_path.as_bytes()).is_some_and(|at| query_of(&after_path[at + 1..]));
            let qr = in_path || query_of(&record.query);
            if self.sources[usize::from(qr)] == UNSET {
                self.sources[usize::from(qr)] = self.shared().value_of(Dim::Source, if qr { "qr" } else { "link" });
            }
            p[Dim::Source.index()] = self.sources[usize::from(qr)];
        }
        if wanted.has(Dim::Device) || wanted.has(Dim::Os) || wanted.has(Dim::Browser) {
            let numbered = agent_number.map(|n| n as usize);
            let known = match numbered {
                Some(n) => self.numbered_agents.get(n).copied().filter(|ids| ids[0] != UNSET),
                None => self.agents.get(record.user_agent.as_ref()).copied(),
            };
            let ids = match known {
                Some(ids) => ids,
                None => {
                    let a = agent::agent(&self.parser, &record.user_agent);
                    let mut shared = self.shared();
                    let ids = [
                        shared.value_of(Dim::Device, a.device),
                        shared.value_of(Dim::Os, &a.os),
                        shared.value_of(Dim::Browser, &a.browser),
                    ];
                    drop(shared);
                    match numbered {
                        Some(n) => {
                            if self.numbered_agents.len() <= n {
                                self.numbered_agents.resize(n + 1, [UNSET; 3]);
                            }
                            self.numbered_agents[n] = ids;
                        }
                        None if self.agents.len() < CACHE => {
                            self.agents.insert(record.user_agent.as_ref().into(), ids);
                        }
                        None => {}
                    }
                    ids
                }
            };
            for (dim, v) in [Dim::Device, Dim::Os, Dim::Browser].into_iter().zip(ids) {
                if wanted.has(dim) {
                    p[dim.index()] = v;
                }
            }
        }
        if wanted.has(Dim::Country) {
            let slot = match record.country {
                Some(code) => country::slot_of(code),
                None => country::slot(&record.client),
            };
            let at = usize::from(slot);
            if self.countries[at] == UNSET {
                self.countries[at] = self.shared().value_of(Dim::Country, &country::name(slot));
            }
            p[Dim::Country.index()] = self.countries[at];
        }
        if wanted.has(Dim::Referrer) {
            // Most clicks have no referrer: its id is kept apart, not looked up by text.
            let cached = if record.referrer.is_empty() && self.no_referrer != UNSET {
                Some(self.no_referrer)
            } else {
                self.referrers.get(record.referrer.as_ref()).copied()
            };
            p[Dim::Referrer.index()] = match cached {
                Some(id) => id,
                None => {
                    let domain = referrer::domain(&record.referrer);
                    let id = match self.domains.get(domain.as_ref()) {
                        Some(&id) => id,
                        None => {
                            let id = self.shared().value_of(Dim::Referrer, &domain);
                            if self.domains.len() < CACHE {
                                self.domains.insert(domain.as_ref().into(), id);
                            }
                            id
                        }
                    };
                    if record.referrer.is_empty() {
                        self.no_referrer = id;
                    } else if self.referrers.len() < CACHE {
                        self.referrers.insert(record.referrer.as_ref().into(), id);
                    }
                    id
                }
            };
        }
        let key = profile_key(&p);
        Some(match self.profiles.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.shared().profile_of(p);
                if self.profiles.len() < PROFILE_CACHE {
                    self.profiles.insert(key, id);
                }
                id
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::breakdown::Breakdowns;
    use crate::classify::without_query;

    /// The profile of a click of `r`, its path cut as the run cuts it.
    fn click(c: &mut Counter<'_>, r: &Record<'_>, agent_number: Option<u32>) -> Option<u32> {
        c.profile(r, agent_number, &r.path[without_query(&r.path).len()..])
    }

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
    fn a_click_has_one_value_in_each_wanted_dimension_and_the_cdn_country_wins() {
        let shared = Mutex::new(Profiles::default());
        let mut c = Counter::new(Wanted::default(), &shared);
        // The user agent found by its number in the bot cache, or by its text: the same values.
        let de = click(&mut c, &record("8.8.8.8", Some("de")), Some(0));
        let unknown = click(&mut c, &record("8.8.8.8", Some("XX")), None);
        let us = click(&mut c, &record("8.8.8.8", None), Some(0));
        assert_eq!(unknown, us, "an unknown CDN country is looked up from the address");
        assert_ne!(de, us);
        let mut other = Counter::new(Wanted::default(), &shared);
        assert_eq!(click(&mut other, &record("8.8.8.8", None), Some(7)), us, "workers share the ids");
        let mut b = Breakdowns::default();
        let k = b.keys.key_of(["l", "p", ""]);
        for id in [de, unknown, us].into_iter().flatten() {
            b.add(3, k, id, 1);
        }
        b.profiles = shared.into_inner().unwrap_or_default();
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
        let shared = Mutex::new(Profiles::default());
        let mut only = Counter::new(Wanted::parse("referrer").unwrap_or(Wanted::NONE), &shared);
        let id = click(&mut only, &record("8.8.8.8", None), None).unwrap_or(UNSET);
        let profile = shared.into_inner().unwrap_or_default().all()[id as usize];
        let set: Vec<Dim> = Dim::ALL.into_iter().filter(|d| profile[d.index()] != UNSET).collect();
        assert_eq!(set, [Dim::Referrer], "only the wanted dimension");
        assert_eq!(click(&mut Counter::new(Wanted::NONE, &Mutex::default()), &record("8.8.8.8", None), None), None);
    }

    #[test]
    fn user_agents_are_told_apart_by_their_numbers() {
        let shared = Mutex::new(Profiles::default());
        let mut c = Counter::new(Wanted::parse("device,os").unwrap_or(Wanted::NONE), &shared);
        let mut phone = record("8.8.8.8", None);
        phone.user_agent =
            Cow::Borrowed("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Safari/604.1");
        let desktop = record("8.8.8.8", None);
        // Numbers met out of order, a gap left unfilled, and one agent without a number.
        let a = click(&mut c, &phone, Some(5));
        let b = click(&mut c, &desktop, Some(2));
        assert_ne!(a, b);
        assert_eq!(click(&mut c, &phone, Some(5)), a);
        assert_eq!(click(&mut c, &desktop, Some(2)), b);
        assert_eq!(click(&mut c, &phone, None), a, "the same values by its text");
        assert_eq!(c.agents.len(), 1, "kept by its text");
        assert_eq!(click(&mut c, &phone, None), a);
        assert_eq!(c.numbered_agents.len(), 6);
        assert_eq!(c.numbered_agents[3], [UNSET; 3]);
    }

    #[test]
    fn referrers_past_the_cache_still_find_their_domain() {
        let shared = Mutex::new(Profiles::default());
        let mut c = Counter::new(Wanted::parse("referrer").unwrap_or(Wanted::NONE), &shared);
        let mut r = record("8.8.8.8", None);
        let mut ids = std::collections::BTreeSet::new();
        // A link shim sends a new address with every click.
        for i in 0..CACHE + 100 {
            r.referrer = Cow::Owned(format!("https://l.facebook.com/l.php?u=x&h={i}"));
            ids.insert(click(&mut c, &r, None));
        }
        assert_eq!(ids.len(), 1, "one domain, one profile");
        assert_eq!((c.referrers.len(), c.domains.len()), (CACHE, 1));
        let mut b = Breakdowns::default();
        b.profiles = shared.into_inner().unwrap_or_default();
        assert_eq!(b.values(Dim::Referrer), ["l.facebook.com"]);
    }
}
