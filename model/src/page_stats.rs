//! The click figures each partner's pages show (Link Tracking Stats): written by `refstats`
//! as `partners.json` in its report folder, read by `refgen build`. This file is the one
//! interface between the two binaries, so its shape lives here, in the shared model.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The name of the file in a report folder.
pub const PAGE_STATS_FILE: &str = "partners.json";

/// The windows every figure is given over, in days back from (and including) the `as_of` day;
/// `None` is all time.
pub const WINDOWS: [Option<u32>; 4] = [Some(7), Some(30), Some(90), None];

/// How many days the daily chart covers, ending on the `as_of` day.
pub const CHART_DAYS: u32 = 90;

/// Clicks and unique clicks (distinct visitors).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    /// Clicks by people.
    pub clicks: u64,
    /// Distinct visitors who clicked.
    pub unique_clicks: u64,
}

/// Figures over the last 7, 30 and 90 days and all time: clicks ([`Figures`], the default)
/// or opt-ins, orders and commission ([`Conversions`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Windows<F = Figures> {
    /// The last 7 days.
    pub last_7_days: F,
    /// The last 30 days.
    pub last_30_days: F,
    /// The last 90 days.
    pub last_90_days: F,
    /// Every day in the store.
    pub all_time: F,
}

impl<F> Windows<F> {
    /// The figures of the window `w` (one of [`WINDOWS`]).
    pub fn get_mut(&mut self, w: Option<u32>) -> &mut F {
        match w {
            Some(7) => &mut self.last_7_days,
            Some(30) => &mut self.last_30_days,
            Some(90) => &mut self.last_90_days,
            _ => &mut self.all_time,
        }
    }
}

/// How many values of each breakdown a partner's figures keep, per window.
pub const TOP_VALUES: usize = 5;

/// The breakdowns' dimensions, by the names [`PartnerStats::breakdowns`] keys them by, in the
/// order tables and pages show them.
pub const DIMENSIONS: [&str; 6] = ["source", "device", "os", "browser", "country", "referrer"];

/// One value of a breakdown (a country, a browser, a referrer's domain, ...) and its clicks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Share {
    /// The value.
    pub value: String,
    /// The clicks with it.
    pub clicks: u64,
}

/// One partner's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerStats {
    /// Its own clicks, all links and ads.
    pub own: Windows,
    /// Its whole downline's clicks (not its own), for a partner with referral partners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downline: Option<Windows>,
    /// Its own clicks per link code.
    pub links: BTreeMap<String, Windows>,
    /// Its own clicks per ad code (clicks on links without an ad are in no ad).
    pub ads: BTreeMap<String, Windows>,
    /// Its own clicks per day (`YYYY-MM-DD`) over the [`CHART_DAYS`] days to `as_of`, days
    /// without clicks left out.
    pub daily: BTreeMap<String, Figures>,
    /// Its own clicks broken down by dimension (`source`, `device`, `os`, `browser`,
    /// `country`, `referrer`): the [`TOP_VALUES`] values with the most clicks in each window,
    /// most first. Empty when the report was made without breakdowns.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub breakdowns: BTreeMap<String, Windows<Vec<Share>>>,
    /// Its opt-ins, orders, commissions and ledger, when the program pays commissions and
    /// anything was credited to it or its downline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commissions: Option<PartnerCommissions>,
}

/// Opt-ins, orders and commission over one window. Amounts are in minor units (cents) of the
/// program's currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conversions {
    /// Leads credited, cancelled ones left out.
    pub opt_ins: u64,
    /// Orders credited, cancelled ones left out.
    pub orders: u64,
    /// The commissions of those orders and leads, clawbacks taken off.
    pub commission: i64,
}

/// [`Conversions`] over the last 7, 30 and 90 days and all time, by the day of the order (of
/// the refund, for a clawback).
pub type ConversionWindows = Windows<Conversions>;

/// One line of a partner's ledger as its page shows it. A line earned on a referral partner's
/// order names that partner, never the order or its customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerLine {
    /// The order's day (the refund's for a clawback), `YYYY-MM-DD`.
    pub date: String,
    /// `sale`, `lead` or `clawback`.
    pub kind: String,
    /// 1 for the partner's own orders, 2 and 3 for its downline's.
    pub level: u8,
    /// The order id, for the partner's own orders only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// The referral partner credited with the order, for levels 2 and 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The link of the partner's own order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The ad of the partner's own order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad: Option<String>,
    /// What the rate applied to, in minor units.
    pub base: i64,
    /// The rate as written (`20%`, `5.00 USD`).
    pub rate: String,
    /// The commission in minor units (negative for a clawback).
    pub amount: i64,
    /// `pending`, `payable`, `paid` or `clawed back`.
    pub status: String,
    /// The day it is payable, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payable_on: Option<String>,
}

/// A partner's balances, in minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Balances {
    /// Every commission earned.
    pub earned: i64,
    /// Every clawback.
    pub clawed_back: i64,
    /// Every payment.
    pub paid: i64,
    /// Not payable yet.
    pub pending: i64,
    /// Payable now (negative: owed back).
    pub payable: i64,
    /// Whether the next payment run pays it.
    pub due: bool,
}

/// The most ledger lines a partner's page lists (the newest); the admin's `commissions.*`
/// tables have every line.
pub const PAGE_LEDGER_LINES: usize = 1_000;

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// A partner's commission figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerCommissions {
    /// Its own orders and leads (level 1) and its commission on them.
    pub own: ConversionWindows,
    /// Its downline's orders and leads and its commission on them (levels 2 and 3), for a
    /// partner with referral partners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downline: Option<ConversionWindows>,
    /// Its own, per link code.
    pub links: BTreeMap<String, ConversionWindows>,
    /// Its own, per ad code.
    pub ads: BTreeMap<String, ConversionWindows>,
    /// Its ledger, newest first, at most [`PAGE_LEDGER_LINES`] lines.
    pub ledger: Vec<LedgerLine>,
    /// The lines left out of `ledger` (the oldest): how many, and their sum in minor units.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub older_lines: u64,
    /// The sum of the lines left out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub older_amount: i64,
    /// Its balances.
    pub balances: Balances,
}

/// Every partner's figures, as refstats writes them (a build reads them as a [`StatsFile`],
/// whose fields are these).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PageStats {
    /// The last day the windows cover (`YYYY-MM-DD`, UTC).
    pub as_of: String,
    /// The first day with a hit, if any.
    pub first_day: Option<String>,
    /// Partners of the program with clicks of their own or in their downline, by code.
    pub partners: BTreeMap<String, PartnerStats>,
}

/// Why the figures could not be read.
pub use crate::json_file::JsonFileError as PageStatsError;

/// `partners.json` as a build reads it: the dates, and each partner's figures kept as
/// zstd-compressed JSON, read into a [`PartnerStats`] only while that partner's pages are made.
/// A store's figures for 10,000 partners (90 days of them) are 67 MB of JSON and take more
/// than twice that as values, which a build would otherwise hold from start to end; compressed
/// they take a few MB. Reading checks every partner's figures, so a file that is not what
/// refstats writes is refused before anything is built.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsFile {
    /// The last day the windows cover (`YYYY-MM-DD`, UTC).
    pub as_of: String,
    /// The first day with a hit, if any.
    pub first_day: Option<String>,
    /// Each partner's [`PartnerStats`], as compressed JSON (and its length), by code.
    #[serde(deserialize_with = "compact_partners")]
    partners: BTreeMap<String, Packed>,
}

/// A partner's figures as [`StatsFile`] keeps them: the length of their JSON, and the JSON
/// compressed.
type Packed = (usize, Box<[u8]>);

/// Reads the map of partners' figures, checking each one and keeping it as compressed JSON.
fn compact_partners<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Packed>, D::Error> {
    struct Partners;
    impl<'de> serde::de::Visitor<'de> for Partners {
        type Value = BTreeMap<String, Packed>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map of partner codes to their figures")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            // Level 1: figures repeat their keys and small numbers, and compress ~10x.
            let mut zstd = zstd::bulk::Compressor::new(1).map_err(serde::de::Error::custom)?;
            while let Some((code, stats)) = map.next_entry::<String, PartnerStats>()? {
                let json = serde_json::to_vec(&stats).map_err(serde::de::Error::custom)?;
                let packed = zstd.compress(&json).map_err(serde::de::Error::custom)?;
                out.insert(code, (json.len(), packed.into_boxed_slice()));
            }
            Ok(out)
        }
    }
    d.deserialize_map(Partners)
}

impl StatsFile {
    /// Reads the figures from `path` (a stream: the file's text is not held whole either).
    pub fn read(path: &Path) -> Result<StatsFile, PageStatsError> {
        crate::json_file::read(path)
    }

    /// The figures of the partner `code` (`None`: it has none).
    pub fn partner(&self, code: &str) -> Result<Option<PartnerStats>, ReadBackError> {
        let Some((len, packed)) = self.partners.get(code) else { return Ok(None) };
        let failed = |message: String| ReadBackError { partner: code.to_owned(), message };
        let json = zstd::bulk::decompress(packed, *len).map_err(|e| failed(e.to_string()))?;
        serde_json::from_slice(&json).map(Some).map_err(|e| failed(e.to_string()))
    }
}

/// A partner's figures that [`StatsFile::read`] checked and kept, and that could not be read
/// back: a fault of the build, never of the file.
#[derive(Debug, thiserror::Error)]
#[error("the figures of partner `{partner}`, checked when {PAGE_STATS_FILE} was read, cannot be read back: {message}")]
pub struct ReadBackError {
    /// The partner's code.
    pub partner: String,
    /// What went wrong.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes_and_points_at_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let mut stats = PageStats { as_of: "2024-05-01".into(), ..Default::default() };
        let mut p = PartnerStats::default();
        p.own.get_mut(Some(7)).clicks = 3;
        p.own.get_mut(None).unique_clicks = 2;
        stats.partners.insert("sam".into(), p);
        let path = dir.path().join(PAGE_STATS_FILE);
        std::fs::write(&path, serde_json::to_string_pretty(&stats).unwrap()).unwrap();
        let read = StatsFile::read(&path).unwrap();
        assert_eq!(read.as_of, "2024-05-01");
        assert_eq!(read.partner("sam").unwrap(), stats.partners.get("sam").cloned());
        assert_eq!(read.partner("nobody").unwrap(), None);
        std::fs::write(&path, "{\n  \"as_of\": \"2024-05-01\",\n  \"extra\": 1\n}").unwrap();
        let e = StatsFile::read(&path).unwrap_err().to_string();
        assert!(e.contains(":3:") && e.contains("extra"), "{e}");
        // A partner's figures are checked as the file is read, and placed by line.
        let sam = serde_json::to_string(&stats.partners["sam"]).unwrap();
        let ann = sam.replacen("3", "-3", 1);
        let bad = format!("{{\"as_of\": \"2024-05-01\", \"partners\": {{\n\"sam\": {sam},\n\"ann\": {ann}}}}}");
        std::fs::write(&path, bad).unwrap();
        let e = StatsFile::read(&path).unwrap_err().to_string();
        assert!(e.contains(":3:"), "{e}");
        assert!(matches!(StatsFile::read(&dir.path().join("missing.json")), Err(PageStatsError::Io { .. })));
    }
}
