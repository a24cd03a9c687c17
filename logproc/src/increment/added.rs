//! [`Added`]: what a run's new rows add to each group of the whole period's tables and of the
//! partner pages' windows. Hits add up; a unique click is added to a group's window only for a
//! visitor the group had not seen in that window before the run: on a closed day (looked up in
//! [`LastSeen`]) or on an open day already stored.

use std::collections::BTreeMap;

use refcenter_model::page_stats::WINDOWS;
use rustc_hash::FxHashMap;

use crate::days::{Day, window_start};
use crate::store::last_seen::{AD, Kind, LINK, LastSeen, PARTNER};
use crate::tally::Stored;

/// What a run adds to one group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sums {
    /// Clicks.
    pub clicks: u64,
    /// Bot hits.
    pub bot_hits: u64,
    /// HEAD hits.
    pub head_hits: u64,
    /// New distinct visitors in each page window, in [`WINDOWS`]' order (the last is all time,
    /// the tables' `unique_clicks`).
    pub unique: [u64; 4],
}

impl Sums {
    /// The new unique clicks of all time.
    pub fn all_time(&self) -> u64 {
        self.unique[3]
    }
}

/// A (link, partner, ad) key by its codes.
pub type Names = [String; 3];

/// What a run adds, per group of each level the report has over the whole period.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// Per (link, partner, ad).
    pub key: BTreeMap<Names, Sums>,
    /// Per partner.
    pub partner: BTreeMap<String, Sums>,
    /// Per link.
    pub link: BTreeMap<String, Sums>,
    /// Per (partner, link).
    pub partner_link: BTreeMap<[String; 2], Sums>,
    /// Per (partner, ad), hits with an ad only.
    pub partner_ad: BTreeMap<[String; 2], Sums>,
    /// Per parent, its downline's (every member's hits, each visitor once).
    pub downline: BTreeMap<String, Sums>,
    /// Per day, the whole program's (a day's unique clicks are its distinct visitors: the
    /// same in every window).
    pub day: BTreeMap<Day, Sums>,
    /// Per (day, partner).
    pub day_partner: BTreeMap<(Day, String), Sums>,
    /// Per (day, link, partner, ad).
    pub day_key: BTreeMap<(Day, Names), Sums>,
    /// Bot hits by reason.
    pub bot_reasons: BTreeMap<&'static str, u64>,
}

/// A group of one level, by the numbers of its names ([`Numbers`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Group {
    Key(u32, u32, u32),
    Partner(u32),
    Link(u32),
    PartnerLink(u32, u32),
    PartnerAd(u32, u32),
    Downline(u32),
    Day(Day),
    DayPartner(Day, u32),
    DayKey(Day, u32, u32, u32),
}

/// Codes as numbers, for one computation: those the cache has by its numbers, the others
/// numbered after them, each kind apart.
struct Numbers<'a> {
    seen: &'a LastSeen,
    extra: [FxHashMap<String, u32>; 3],
    extra_names: [Vec<String>; 3],
    /// The partners above each partner, by number, once asked.
    above: Vec<Option<Vec<u32>>>,
}

impl Numbers<'_> {
    fn id(&mut self, kind: Kind, name: &str) -> u32 {
        if let Some(n) = self.seen.number(kind, name) {
            return n;
        }
        if let Some(&n) = self.extra[kind].get(name) {
            return n;
        }
        let n = (self.seen.codes(kind) + self.extra_names[kind].len()) as u32;
        self.extra_names[kind].push(name.to_owned());
        self.extra[kind].insert(name.to_owned(), n);
        n
    }

    fn name(&self, kind: Kind, n: u32) -> std::io::Result<String> {
        match (n as usize).checked_sub(self.seen.codes(kind)) {
            Some(extra) => Ok(self.extra_names[kind].get(extra).cloned().unwrap_or_default()),
            None => self.seen.name(kind, n).map(str::to_owned),
        }
    }

    /// The numbers of the partners above the partner numbered `partner`.
    fn above(&mut self, partner: u32, ancestors: &dyn Fn(&str) -> Vec<String>) -> std::io::Result<&[u32]> {
        let p = partner as usize;
        if self.above.get(p).is_none_or(Option::is_none) {
            let name = self.name(PARTNER, partner)?;
            let above: Vec<u32> = ancestors(&name).iter().map(|a| self.id(PARTNER, a)).collect();
            if self.above.len() <= p {
                self.above.resize(p + 1, None);
            }
            self.above[p] = Some(above);
        }
        Ok(self.above[p].as_deref().unwrap_or_default())
    }

    /// The key named `[link, partner, ad]`.
    fn key(&mut self, [link, partner, ad]: [&str; 3], ancestors: &dyn Fn(&str) -> Vec<String>) -> std::io::Result<Key> {
        let partner = self.id(PARTNER, partner);
        let (link, ad) = (self.id(LINK, link), self.id(AD, ad));
        Ok(Key { link, partner, ad, above: self.above(partner, ancestors)?.to_vec() })
    }
}

/// A key as numbers, with the partners above its partner.
struct Key {
    link: u32,
    partner: u32,
    ad: u32,
    above: Vec<u32>,
}

/// Every group a hit of `key` on `day` counts for.
fn groups(key: &Key, day: Day, no_ad: u32, out: &mut Vec<Group>) {
    out.push(Group::Day(day));
    out.push(Group::DayPartner(day, key.partner));
    out.push(Group::DayKey(day, key.link, key.partner, key.ad));
    out.push(Group::Key(key.link, key.partner, key.ad));
    out.push(Group::Partner(key.partner));
    out.push(Group::Link(key.link));
    out.push(Group::PartnerLink(key.partner, key.link));
    if key.ad != no_ad {
        out.push(Group::PartnerAd(key.partner, key.ad));
    }
    out.extend(key.above.iter().map(|&p| Group::Downline(p)));
}

/// Whether a visit on `day` of a key of `link` and `partner` (`ad` tells its ad, asked only
/// when the rest matches; `above`: the partners above its partner) counts for the group `g`.
fn counts_for(g: Group, day: Day, link: u32, partner: u32, ad: &dyn Fn() -> u32, above: &[u32]) -> bool {
    match g {
        Group::Day(d) => day == d,
        Group::DayPartner(d, p) => day == d && partner == p,
        Group::DayKey(d, l, p, a) => day == d && link == l && partner == p && ad() == a,
        Group::Key(l, p, a) => link == l && partner == p && ad() == a,
        Group::Partner(p) => partner == p,
        Group::Link(l) => link == l,
        Group::PartnerLink(p, l) => partner == p && link == l,
        Group::PartnerAd(p, a) => partner == p && ad() == a,
        Group::Downline(p) => above.contains(&p),
    }
}

/// Visits before the run: a day, a key's codes and the visitors who clicked it.
pub type Earlier = (Day, Names, Vec<u64>);

/// What the rows `rows` (a run's, as the store keeps them: day, codes, row) add to the whole
/// period's figures as of `as_of`. `earlier` holds the visits of the run's visitors stored on
/// the open days before the run; `seen`, their last visits on the closed days. Every row's day
/// must be on or after `seen`'s first open day and on or before `as_of`.
pub fn added(
    rows: &[(Day, [&str; 3], Stored)],
    as_of: Day,
    seen: &LastSeen,
    earlier: Vec<Earlier>,
    ancestors: &dyn Fn(&str) -> Vec<String>,
) -> std::io::Result<Added> {
    let mut ids = Numbers { seen, extra: Default::default(), extra_names: Default::default(), above: Vec::new() };
    let no_ad = ids.id(AD, "");
    let mut sums: BTreeMap<Group, Sums> = BTreeMap::new();
    let mut bot_reasons: BTreeMap<&'static str, u64> = BTreeMap::new();
    // The run's distinct visitors, with the groups of the keys each clicked.
    let mut visits: FxHashMap<u64, Vec<Group>> = FxHashMap::default();
    let mut of_key = Vec::new();
    for &(day, names, ref row) in rows {
        let key = ids.key(names, ancestors)?;
        of_key.clear();
        groups(&key, day, no_ad, &mut of_key);
        if let Stored::Visitor(v) = *row {
            visits.entry(v).or_default().extend_from_slice(&of_key);
            continue;
        }
        for g in of_key.drain(..) {
            let s = sums.entry(g).or_default();
            match *row {
                Stored::Clicks(n) => s.clicks += n,
                Stored::Head(n) => s.head_hits += n,
                Stored::Bot(_, n) => s.bot_hits += n,
                Stored::Visitor(_) => {}
            }
        }
        if let Stored::Bot(reason, n) = *row {
            *bot_reasons.entry(reason).or_default() += n;
        }
    }
    // The open days' visits before the run, by visitor: a key (in `earlier_keys`) and a day.
    let mut earlier_keys = Vec::new();
    let mut before: FxHashMap<u64, Vec<(usize, Day)>> = FxHashMap::default();
    for (day, [link, partner, ad], who) in earlier {
        earlier_keys.push(ids.key([&link, &partner, &ad], ancestors)?);
        for v in who {
            before.entry(v).or_default().push((earlier_keys.len() - 1, day));
        }
    }
    let starts: [Day; 4] = WINDOWS.map(|w| w.map_or(Day::MIN, |days| window_start(days, as_of)));
    let (mut scratch, mut entries) = (Vec::new(), Vec::new());
    for (v, mut mine) in visits {
        // The groups the visitor clicked in the run, and the last day it was seen in each.
        mine.sort_unstable();
        mine.dedup();
        let mut last: Vec<Option<Day>> = vec![None; mine.len()];
        // The closed days: the visitor's keys come in partner order, so a partner's are a run
        // of them, found by binary search; a link's and a downline's are gathered in one pass.
        seen.of(v, &mut scratch, &mut entries)?;
        let entries = &entries[..];
        let newer = |l: &mut Option<Day>, day: Day| *l = Some(l.map_or(day, |d| d.max(day)));
        for (&g, l) in mine.iter().zip(last.iter_mut()) {
            let partner = match g {
                Group::Link(link) => {
                    for e in entries.iter().filter(|e| e.link == link) {
                        newer(l, e.day);
                    }
                    continue;
                }
                // Nothing before the open days is on a day of the run.
                Group::Downline(_) | Group::Day(_) | Group::DayPartner(..) | Group::DayKey(..) => continue,
                Group::Partner(p) | Group::PartnerLink(p, _) | Group::Key(_, p, _) | Group::PartnerAd(p, _) => p,
            };
            let keys = seen.partner_keys(partner);
            let run = entries.partition_point(|e| e.key < keys.start)..entries.partition_point(|e| e.key < keys.end);
            for e in &entries[run] {
                let hit = match g {
                    Group::PartnerLink(_, link) => e.link == link,
                    Group::Key(link, _, ad) => e.link == link && seen.key(e.key)[AD] == ad,
                    Group::PartnerAd(_, ad) => seen.key(e.key)[AD] == ad,
                    _ => true,
                };
                if hit {
                    newer(l, e.day);
                }
            }
        }
        if mine.iter().any(|g| matches!(g, Group::Downline(_))) {
            // Run by run of a partner's keys: its last day, for each downline it is in.
            let mut at = 0;
            let mut partner = 0;
            while let Some(first) = entries.get(at) {
                partner = seen.partner_of(first.key, partner);
                let end = seen.partner_keys(partner).end;
                let run = entries[at..].iter().take_while(|e| e.key < end);
                let (len, day) = run.fold((0, Day::MIN), |(n, d), e| (n + 1, d.max(e.day)));
                at += len.max(1);
                let above = ids.above(partner, ancestors)?;
                for (&g, l) in mine.iter().zip(last.iter_mut()) {
                    if let Group::Downline(parent) = g
                        && above.contains(&parent)
                    {
                        newer(l, day);
                    }
                }
            }
        }
        let mut saw = |link: u32, partner: u32, ad: &dyn Fn() -> u32, above: &[u32], day: Day| {
            for (&g, l) in mine.iter().zip(last.iter_mut()) {
                if counts_for(g, day, link, partner, ad, above) {
                    newer(l, day);
                }
            }
        };
        for (k, day) in before.remove(&v).unwrap_or_default() {
            let key = &earlier_keys[k];
            saw(key.link, key.partner, &|| key.ad, &key.above, day);
        }
        // Each group the visitor clicked in the run counts it once, in each window it was not
        // seen in before.
        for (g, seen_on) in mine.into_iter().zip(last) {
            let s = sums.entry(g).or_default();
            for (unique, start) in s.unique.iter_mut().zip(starts) {
                if seen_on.is_none_or(|d| d < start) {
                    *unique += 1;
                }
            }
        }
    }
    let mut out = Added { bot_reasons, ..Added::default() };
    for (g, s) in sums {
        let (l, p, a) = (|n| ids.name(LINK, n), |n| ids.name(PARTNER, n), |n| ids.name(AD, n));
        match g {
            Group::Key(link, partner, ad) => out.key.insert([l(link)?, p(partner)?, a(ad)?], s),
            Group::Partner(partner) => out.partner.insert(p(partner)?, s),
            Group::Link(link) => out.link.insert(l(link)?, s),
            Group::PartnerLink(partner, link) => out.partner_link.insert([p(partner)?, l(link)?], s),
            Group::PartnerAd(partner, ad) => out.partner_ad.insert([p(partner)?, a(ad)?], s),
            Group::Downline(partner) => out.downline.insert(p(partner)?, s),
            Group::Day(day) => out.day.insert(day, s),
            Group::DayPartner(day, partner) => out.day_partner.insert((day, p(partner)?), s),
            Group::DayKey(day, link, partner, ad) => out.day_key.insert((day, [l(link)?, p(partner)?, a(ad)?]), s),
        };
    }
    Ok(out)
}
