//! [`PageTops`]: each partner's top values per dimension and window for its pages, written as
//! the JSON `partners.json` holds as soon as the partner's sums are taken, and kept compressed
//! until the file is written. Held as values (a `String` and a `Vec` each), 10,000 partners'
//! tops took about 60 MB, a fifth of a run's memory with every dimension; their 24 MB of JSON
//! take about 1.3 MB compressed.

use std::collections::BTreeMap;
use std::ops::Range;

use refcenter_model::page_stats::{Share, WINDOWS, Windows};

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
}

impl PageTops {
    /// Adds the top values of the partner `partner` (its id in `b`), `tops` (values named from
    /// `b`).
    pub(super) fn push(&mut self, partner: u32, tops: &[Top], b: &Breakdowns) {
        let mut dims: BTreeMap<&str, Windows<Vec<Share>>> = BTreeMap::new();
        for top in tops {
            let dim = Dim::ALL[usize::from(top.dim)];
            let value = b.values(dim)[top.value as usize].clone();
            let windows = dims.entry(dim.name()).or_default();
            windows.get_mut(WINDOWS[usize::from(top.window)]).push(Share { value, clicks: top.clicks });
        }
        let start = self.filling.len();
        // Writing into memory fails only on a value serde cannot write, which a map of names to
        // numbers is not.
        let _ = serde_json::to_writer(&mut self.filling, &dims);
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
    pub fn shares(&mut self, partner: &str) -> BTreeMap<String, Windows<Vec<Share>>> {
        let json = self.json(partner).unwrap_or_else(|e| panic!("{e}"));
        json.map(|json| serde_json::from_slice(json).unwrap_or_else(|e| panic!("{e}"))).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
