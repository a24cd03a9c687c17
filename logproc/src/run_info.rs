//! What `summary.json` says about a run besides the accounting: the program, the days, the
//! windows' last day, bot hits by reason, and what the run did to its store and commissions.

use serde::Serialize;

/// What the summary says besides the accounting.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// The program's name.
    pub program: String,
    /// The first day with a hit (or the `--since` day).
    pub first_day: Option<String>,
    /// The last day with a hit (or the `--until` day).
    pub last_day: Option<String>,
    /// The last day of the partner pages' windows.
    pub as_of: String,
    /// Bot hits by reason over everything reported.
    pub bot_hits: std::collections::BTreeMap<&'static str, u64>,
    /// The store, when the run kept its counts in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreInfo>,
    /// The commissions, when the program pays them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commissions: Option<crate::commission_run::Summary>,
}

/// What a run did to its store.
#[derive(Clone, Debug, Serialize)]
pub struct StoreInfo {
    /// Log files in the store.
    pub files: usize,
    /// Days in the store.
    pub days: usize,
    /// Files this run ingested.
    pub new_files: usize,
    /// Files this run skipped as ingested before.
    pub skipped_files: usize,
    /// The days whose partitions this run rewrote.
    pub days_rewritten: Vec<String>,
}
