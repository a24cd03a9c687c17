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

/// Figures over the last 7, 30 and 90 days and all time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Windows {
    /// The last 7 days.
    pub last_7_days: Figures,
    /// The last 30 days.
    pub last_30_days: Figures,
    /// The last 90 days.
    pub last_90_days: Figures,
    /// Every day in the store.
    pub all_time: Figures,
}

impl Windows {
    /// The figures of the window `w` (one of [`WINDOWS`]).
    pub fn get_mut(&mut self, w: Option<u32>) -> &mut Figures {
        match w {
            Some(7) => &mut self.last_7_days,
            Some(30) => &mut self.last_30_days,
            Some(90) => &mut self.last_90_days,
            _ => &mut self.all_time,
        }
    }
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
}

/// Every partner's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

impl PageStats {
    /// Reads the figures from `path`.
    pub fn read(path: &Path) -> Result<PageStats, PageStatsError> {
        crate::json_file::read(path)
    }
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
        assert_eq!(PageStats::read(&path).unwrap(), stats);
        std::fs::write(&path, "{\n  \"as_of\": \"2024-05-01\",\n  \"extra\": 1\n}").unwrap();
        let e = PageStats::read(&path).unwrap_err().to_string();
        assert!(e.contains(":3:") && e.contains("extra"), "{e}");
    }
}
