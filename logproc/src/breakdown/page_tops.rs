//! [`PageTops`]: each partner's top values per dimension and window for its pages, written as
//! the JSON `partners.json` holds as soon as the partner's sums are taken, and kept compressed
//! until the file is written. Held as values (a `String` and a `Vec` each), 10,000 partners'
//! tops took about 60 MB, a fifth of a run's memory with every dimension; their 24 MB of JSON
//! take about 1.3 MB compressed.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Breakdowns, Dim};

/// One value of a partner's top values: of dimension `dim` (its index in [`Dim::ALL`]) in
/// window `window` (its index in [`WINDOWS`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Top {
    pub clicks: u64,
    /// The value's id in the breakdowns.
    pub value: u32,
    pub dim: u8,
    pub window: u8,
}

/// The JSON of the partners' tops gathered before it is compressed as one block: a block of
/// about a hundred partners compresses tenfold or more (nineteenfold on gen_logs' logs).
const BLOCK: usize = 1 << 18;

/// Every partner's top values, as `partners.json` holds them.
#[derive(Debug, Default)]
pub struct PageTops {
    /// Per partner code, its block (an index of `blocks`, or `blocks.len()`: the one being
    /// filled) and its range in the block.
    partners: BTreeMap<String, (usize, Range<usize>)>,
    /// Each partner's top values as serde writes a [`PartnerStats::breakdowns`], in the order
    /// the partners came: written on the breakdowns' own thread, they cost the report nothing
    /// more than copying them into the file. Blocks of them compressed (zstd), with their
    /// length unpacked.
    ///
    /// [`PartnerStats::breakdowns`]: refcenter_model::page_stats::PartnerStats::breakdowns
    blocks: Vec<(Vec<u8>, usize)>,
    /// The block being filled.
    filling: Vec<u8>,
    /// The start of each value's JSON.
    shares: ShareStarts,
}

/// The start of a [`Share`]'s JSON for each value met in the tops (`{"value":"DE","clicks":`),
/// per dimension (by index in [`Dim::ALL`]) and value id: made once a value, where serde
/// would escape the value again for each partner and window it is among the tops of.
///
/// [`Share`]: refcenter_model::page_stats::Share
#[derive(Debug, Default)]
struct ShareStarts([Vec<Option<Box<[u8]>>>; 6]);

impl ShareStarts {
    /// The start of the JSON of a share of the value `value` of the dimension `dim`.
    fn start(&mut self, b: &Breakdowns, dim: usize, value: u32) -> &[u8] {
        let starts = &mut self.0[dim];
        let v = value as usize;
        if starts.len() <= v {
            starts.resize(v + 1, None);
        }
        starts[v].get_or_insert_with(|| {
            let mut json = b"{\"value\":".to_vec();
            // Writing a string into memory does not fail.
            let _ = serde_json::to_writer(&mut json, &b.values(Dim::ALL[dim])[v]);
            json.extend_from_slice(b",\"clicks\":");
            json.into_boxed_slice()
        })
    }
}

/// The windows' names in `partners.json`, in [`WINDOWS`]' order (the order of [`Windows`]'
/// fields).
///
/// [`WINDOWS`]: refcenter_model::page_stats::WINDOWS
/// [`Windows`]: refcenter_model::page_stats::Windows
const WINDOW_NAMES: [&str; 4] = ["last_7_days", "last_30_days", "last_90_days", "all_time"];

/// The dimensions' indices in [`Dim::ALL`] in the order of their names: the order of the keys
/// of a [`PartnerStats::breakdowns`] map.
///
/// [`PartnerStats::breakdowns`]: refcenter_model::page_stats::PartnerStats::breakdowns
const DIMS_BY_NAME: [usize; 6] = [3, 4, 1, 2, 5, 0];

/// Each dimension's place in [`DIMS_BY_NAME`], by its index in [`Dim::ALL`].
const NAME_RANK: [usize; 6] = {
    let (mut rank, mut i) = ([0; 6], 0);
    while i < 6 {
        rank[DIMS_BY_NAME[i]] = i;
        i += 1;
    }
    rank
};

/// The groups of a partner's tops: one per dimension and window.
const GROUPS: usize = 6 * 4;

impl PageTops {
    /// Adds the top values of the partner `partner` (its id in `b`), `tops` (values named from
    /// `b`), written as serde writes a map of dimension names to `Windows` of `Share`s.
    pub(super) fn push(&mut self, partner: u32, tops: &[Top], b: &Breakdowns) {
        // The tops grouped by dimension (in name order) and window, each group's values in the
        // order they came (most clicks first).
        let group = |t: &Top| NAME_RANK[usize::from(t.dim) % 6] * 4 + usize::from(t.window) % 4;
        // A counting sort: the groups' sizes, where each starts, then each top in its place.
        let mut next = [0usize; GROUPS];
        tops.iter().for_each(|t| next[group(t)] += 1);
        next.iter_mut().fold(0, |start, n| start + std::mem::replace(n, start));
        let mut order: Vec<(usize, &Top)> = tops.first().map_or_else(Vec::new, |t| vec![(0, t); tops.len()]);
        for t in tops {
            let g = group(t);
            order[next[g]] = (g, t);
            next[g] += 1;
        }
        let start = self.filling.len();
        let out = &mut self.filling;
        out.push(b'{');
        let mut at = 0;
        while at < order.len() {
            let dim = order[at].0 / 4;
            if at > 0 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(Dim::ALL[DIMS_BY_NAME[dim]].name().as_bytes());
            out.extend_from_slice(b"\":{");
            for (w, name) in WINDOW_NAMES.iter().enumerate() {
                if w > 0 {
                    out.push(b',');
                }
                out.push(b'"');
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"\":[");
                let mut first = true;
                while at < order.len() && order[at].0 == dim * 4 + w {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    let top = order[at].1;
                    out.extend_from_slice(self.shares.start(b, DIMS_BY_NAME[dim], top.value));
                    out.extend_from_slice(itoa::Buffer::new().format(top.clicks).as_bytes());
                    out.push(b'}');
                    at += 1;
                }
                out.push(b']');
            }
            out.push(b'}');
        }
        out.push(b'}');
        let place = (self.blocks.len(), start..self.filling.len());
        self.partners.insert(b.keys.partners.all()[partner as usize].clone(), place);
        if self.filling.len() >= BLOCK {
            let packed = match zstd::bulk::compress(&self.filling, 1) {
                Ok(packed) if packed.len() < self.filling.len() => packed,
                _ => self.filling.clone(),
            };
            self.blocks.push((packed, self.filling.len()));
            self.filling.clear();
        }
    }

    /// A reader of the partners' tops, fastest in the order they came (their codes' order).
    pub fn reader(&self) -> TopsReader<'_> {
        TopsReader { tops: self, unpacked: None }
    }
}

/// Reads [`PageTops`], a block unpacked at a time.
pub struct TopsReader<'a> {
    tops: &'a PageTops,
    /// The block last unpacked, by its index.
    unpacked: Option<(usize, Vec<u8>)>,
}

impl TopsReader<'_> {
    /// The top values of `partner` as JSON (an object keyed by dimension name, each window's
    /// values most clicks first); `None` for a partner without clicks broken down.
    pub fn json(&mut self, partner: &str) -> std::io::Result<Option<&[u8]>> {
        let Some((block, range)) = self.tops.partners.get(partner) else { return Ok(None) };
        let Some((packed, len)) = self.tops.blocks.get(*block) else {
            return Ok(Some(&self.tops.filling[range.clone()]));
        };
        if self.unpacked.as_ref().is_none_or(|(b, _)| b != block) {
            // A block compresses to less than its length, else it is kept as it was.
            let bytes = match packed.len() < *len {
                true => zstd::bulk::decompress(packed, *len)?,
                false => packed.clone(),
            };
            self.unpacked = Some((*block, bytes));
        }
        Ok(self.unpacked.as_ref().map(|(_, bytes)| &bytes[range.clone()]))
    }

    /// The top values of `partner` per dimension name and window, read back from its JSON;
    /// empty for a partner without clicks broken down.
    #[cfg(test)]
    pub fn shares(
        &mut self,
        partner: &str,
    ) -> BTreeMap<String, refcenter_model::page_stats::Windows<Vec<refcenter_model::page_stats::Share>>> {
        let json = self.json(partner).unwrap_or_else(|e| panic!("{e}"));
        json.map(|json| serde_json::from_slice(json).unwrap_or_else(|e| panic!("{e}"))).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use refcenter_model::page_stats::{Share, WINDOWS, Windows};

    use super::*;

    #[test]
    fn tops_are_written_as_serde_writes_them() {
        let mut names: Vec<(&str, usize)> = Dim::ALL.iter().map(|d| (d.name(), d.index())).collect();
        names.sort();
        assert_eq!(names.iter().map(|n| n.1).collect::<Vec<_>>(), DIMS_BY_NAME);
        assert!((0..6).all(|i| NAME_RANK[DIMS_BY_NAME[i]] == i));
        let mut b = Breakdowns::default();
        let values = ["DE", "t.co", "a \"quoted\" \\ name", "ünïcödé", "line\nbreak", "mobile"];
        let mut tops = Vec::new();
        for (i, value) in values.into_iter().enumerate() {
            // Values in several dimensions, windows left empty, in the order tables pushes them.
            let dim = Dim::ALL[(i * 5) % 6];
            let id = b.profiles.value_of(dim, value);
            for window in [3, 0, 2] {
                tops.push(Top {
                    clicks: 1000 * i as u64 + u64::from(window),
                    value: id,
                    dim: dim.index() as u8,
                    window,
                });
            }
        }
        tops.push(Top { clicks: u64::MAX, value: 0, dim: Dim::Source.index() as u8, window: 1 });
        b.keys.key_of(["l", "p", ""]);
        let mut expected: BTreeMap<&str, Windows<Vec<Share>>> = BTreeMap::new();
        for t in &tops {
            let dim = Dim::ALL[usize::from(t.dim)];
            let share = Share { value: b.values(dim)[t.value as usize].clone(), clicks: t.clicks };
            expected.entry(dim.name()).or_default().get_mut(WINDOWS[usize::from(t.window)]).push(share);
        }
        let mut pages = PageTops::default();
        pages.push(0, &tops, &b);
        let json = pages.reader().json("p").unwrap_or_else(|e| panic!("{e}")).map(<[u8]>::to_vec);
        assert_eq!(json.map(String::from_utf8), Some(Ok(serde_json::to_string(&expected).unwrap_or_default())));
    }

    #[test]
    fn tops_read_back_across_blocks_in_any_order() {
        let mut b = Breakdowns::default();
        let n = 3000;
        for p in 0..n {
            let partner = format!("p{p:05}");
            b.add_named(10, ["l", &partner, ""], Dim::Country, "DE", p + 1);
            b.add_named(10, ["l", &partner, ""], Dim::Referrer, &format!("site{}.example", p % 7), 2);
        }
        let tops = super::super::tables::tables(&mut b, 10).unwrap_or_else(|e| panic!("{e}")).pages;
        assert!(tops.blocks.len() >= 2, "several blocks compressed: {}", tops.blocks.len());
        let mut reader = tops.reader();
        // In order, then back and forth between blocks.
        let order = (0..n).chain([n - 1, 0, n / 2, 1, n - 2]);
        for p in order {
            let shares = reader.shares(&format!("p{p:05}"));
            assert_eq!(shares["country"].all_time, [Share { value: "DE".into(), clicks: p + 1 }], "p{p:05}");
            let referrer = format!("site{}.example", p % 7);
            assert_eq!(shares["referrer"].last_7_days, [Share { value: referrer, clicks: 2 }]);
        }
        assert!(reader.json("nobody").unwrap_or_else(|e| panic!("{e}")).is_none());
    }
}
