//! [`PageTops`]: each partner's top values per dimension and window for its pages, kept as
//! small numbers until `partners.json` is written, where they are made into [`Share`]s one
//! partner at a time. Held as values (a `String` and a `Vec` each), 10,000 partners' tops took
//! about 60 MB, a fifth of a run's memory with every dimension.

use std::collections::BTreeMap;
use std::ops::Range;

use refcenter_model::page_stats::{Share, WINDOWS, Windows};

use super::counts::UNSET;
use super::{Breakdowns, Dim};

/// One value of a partner's top values: of dimension `dim` (its index in [`Dim::ALL`]) in
/// window `window` (its index in [`WINDOWS`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Top {
    pub clicks: u64,
    /// The value's id in the breakdowns while they are counted, in [`PageTops`]' own list once
    /// made.
    pub value: u32,
    pub dim: u8,
    pub window: u8,
}

/// Every partner's top values.
#[derive(Debug, Default)]
pub struct PageTops {
    /// The values the tops hold, per dimension (in [`Dim::ALL`]'s order), by their id in `rows`.
    values: [Vec<String>; 6],
    /// Per partner code, its rows.
    partners: BTreeMap<String, Range<usize>>,
    /// The partners' rows, each partner's by dimension and window, most clicks first.
    rows: Vec<Top>,
}

impl PageTops {
    /// The tops of `rows` (each partner's range of them in `partners`, keyed by partner id),
    /// their partners and values named from `b`; only the values some top holds are kept.
    pub(super) fn new(mut rows: Vec<Top>, partners: Vec<(u32, Range<usize>)>, b: &Breakdowns) -> PageTops {
        let mut values: [Vec<String>; 6] = Default::default();
        let mut local: [Vec<u32>; 6] = std::array::from_fn(|d| vec![UNSET; b.values(Dim::ALL[d]).len()]);
        for row in &mut rows {
            let d = usize::from(row.dim);
            let id = &mut local[d][row.value as usize];
            if *id == UNSET {
                *id = u32::try_from(values[d].len()).unwrap_or(UNSET);
                values[d].push(b.values(Dim::ALL[d])[row.value as usize].clone());
            }
            row.value = *id;
        }
        let codes = b.keys.partners.all();
        let partners = partners.into_iter().map(|(p, range)| (codes[p as usize].clone(), range)).collect();
        PageTops { values, partners, rows }
    }

    /// The top values of `partner` per dimension name and window, most clicks first; empty for
    /// a partner without clicks broken down.
    pub fn shares(&self, partner: &str) -> BTreeMap<String, Windows<Vec<Share>>> {
        let mut dims: BTreeMap<String, Windows<Vec<Share>>> = BTreeMap::new();
        let Some(range) = self.partners.get(partner) else { return dims };
        for top in &self.rows[range.clone()] {
            let d = usize::from(top.dim);
            let windows = dims.entry(Dim::ALL[d].name().to_owned()).or_default();
            let value = self.values[d][top.value as usize].clone();
            windows.get_mut(WINDOWS[usize::from(top.window)]).push(Share { value, clicks: top.clicks });
        }
        dims
    }
}
