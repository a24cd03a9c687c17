//! What bringing a report up to date reads of the previous report and of the store (its
//! cache, and the columns of its open days' partitions that tell who clicked what), read in
//! one go. A run given `--store` reads it on a thread of its own while it loads the program
//! (the store's folder is known then), and keeps it only when the report it was read from is
//! still the one in place once the store is locked; a partition read is used only when the
//! locked ledger still names it (partitions are named after their content).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use refcenter_model::page_stats::PAGE_STATS_FILE;

use polars::prelude::DataFrame;

use super::IncrementError;
use super::page_splice::INDEX_FILE;
use crate::days::{Day, day_from_name};
use crate::store::last_seen::LastSeen;
use crate::store::ledger::{LEDGER_FILE, Ledger};

/// The previous report's files an increment reads whole (`partners.json` is copied from, and
/// only its changed entries read).
const READ: [&str; 11] = [
    "summary.json",
    INDEX_FILE,
    "by_link_partner_ad.csv",
    "by_partner.csv",
    "by_link.csv",
    "by_partner_link.csv",
    "by_ad.csv",
    "by_parent.csv",
    "by_day.csv",
    "breakdown.csv",
    "breakdown_by_partner.csv",
];

/// The previous report's files, as read.
pub struct Files {
    dir: PathBuf,
    read: BTreeMap<&'static str, Vec<u8>>,
    pages: File,
}

impl Files {
    /// The previous report's file `name` (one of those read whole).
    pub fn get(&self, name: &str) -> Result<&[u8], IncrementError> {
        self.read
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| IncrementError::Previous(format!("{name} was not read with the previous report")))
    }

    /// The previous report's file at `path` (`/`-separated, in the report folder), read now;
    /// `None` when it has none.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IncrementError> {
        match std::fs::read(self.dir.join(path)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            other => other.map(Some).map_err(|e| IncrementError::Previous(format!("{path}: {e}"))),
        }
    }

    /// The previous report's `partners.json`, open.
    pub fn pages(&self) -> &File {
        &self.pages
    }
}

/// The previous report and the cache, as one run read them.
pub struct Previous {
    /// The previous report's `inputs.sha256`: what it was made from. `None` when the report
    /// had none, or was replaced while it was read.
    made_from: Option<Vec<u8>>,
    /// Its files; `None` when one is missing (a report kept without its tables).
    files: Result<Option<Files>, IncrementError>,
    /// The store's cache, `None` when it has none.
    seen: std::io::Result<Option<LastSeen>>,
    /// The open days' partitions read: each one's path in the store and its columns
    /// ([`super::VISIT_COLUMNS`]).
    partitions: Vec<(String, DataFrame)>,
}

impl Previous {
    /// Reads the report in `out_dir`, and the cache of the store in `store_dir` and its
    /// partitions of the open days of a report as of `as_of` (when known). Never fails: what
    /// could not be read is kept as its error, for the run to report if it needs it.
    pub fn read(store_dir: &Path, out_dir: &Path, as_of: Option<Day>) -> Previous {
        let made_from = || std::fs::read(out_dir.join(crate::report_inputs::FILE)).ok();
        let before = made_from();
        let seen = LastSeen::open(&super::cache_path(store_dir));
        let files = read_files(out_dir);
        let made_from = before.filter(|b| made_from().as_ref() == Some(b));
        let partitions = match (as_of, Ledger::read(&store_dir.join(LEDGER_FILE))) {
            (Some(as_of), Ok(ledger)) => ledger
                .days
                .iter()
                .filter(|(day, _)| day_from_name(day).is_some_and(|d| super::is_open(d, as_of)))
                .filter_map(|(_, files)| {
                    let read =
                        crate::store::partition::read_columns(&store_dir.join(&files.rows), &super::VISIT_COLUMNS);
                    read.ok().map(|df| (files.rows.clone(), df))
                })
                .collect(),
            _ => Vec::new(),
        };
        Previous { made_from, files, seen, partitions }
    }

    /// The columns of the partition at `path` (in the store), if read ahead.
    pub(super) fn partition(&mut self, path: &str) -> Option<DataFrame> {
        let at = self.partitions.iter().position(|(p, _)| p == path)?;
        Some(self.partitions.swap_remove(at).1)
    }

    /// Whether this was read from the report in `out_dir` as it is now (read again after the
    /// store was locked: a run that finished in between replaced it).
    pub fn is_current(&self, out_dir: &Path) -> bool {
        self.made_from.is_some() && std::fs::read(out_dir.join(crate::report_inputs::FILE)).ok() == self.made_from
    }

    /// The cache, `None` when the store has none.
    pub(super) fn seen(&mut self) -> std::io::Result<Option<LastSeen>> {
        std::mem::replace(&mut self.seen, Ok(None))
    }

    /// The report's files, `None` when one is missing.
    pub(super) fn files(&mut self) -> Result<Option<Files>, IncrementError> {
        std::mem::replace(&mut self.files, Ok(None))
    }
}

fn read_files(out_dir: &Path) -> Result<Option<Files>, IncrementError> {
    let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let failed = |name: &str, e: std::io::Error| IncrementError::Previous(format!("{name}: {e}"));
    let pages = match File::open(out_dir.join(PAGE_STATS_FILE)) {
        Err(e) if gone(&e) => return Ok(None),
        other => other.map_err(|e| failed(PAGE_STATS_FILE, e))?,
    };
    let mut read = BTreeMap::new();
    for name in READ {
        match std::fs::read(out_dir.join(name)) {
            Err(e) if gone(&e) => return Ok(None),
            other => read.insert(name, other.map_err(|e| failed(name, e))?),
        };
    }
    Ok(Some(Files { dir: out_dir.to_path_buf(), read, pages }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(dir: &Path, digest: &str) {
        std::fs::create_dir_all(dir).unwrap();
        for name in READ.iter().chain([&PAGE_STATS_FILE]) {
            std::fs::write(dir.join(name), format!("{name} of {digest}\n")).unwrap();
        }
        std::fs::write(dir.join(crate::report_inputs::FILE), digest).unwrap();
    }

    #[test]
    fn what_was_read_is_kept_only_for_the_report_it_was_read_from() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("report");
        report(&out, "first");
        let mut previous = Previous::read(tmp.path(), &out, None);
        assert!(previous.is_current(&out));
        assert!(matches!(previous.seen(), Ok(None)), "no cache in this store");
        let files = previous.files().unwrap().unwrap();
        assert_eq!(files.get("by_partner.csv").unwrap(), b"by_partner.csv of first\n");
        assert!(files.get("partners.json").is_err(), "copied from, not read whole");
        // Another run replaced the report since.
        report(&out, "second");
        assert!(!previous.is_current(&out));
    }

    #[test]
    fn a_report_without_a_table_or_a_digest_gives_nothing_to_use() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("report");
        report(&out, "first");
        std::fs::remove_file(out.join("by_ad.csv")).unwrap();
        assert!(Previous::read(tmp.path(), &out, None).files().unwrap().is_none());
        std::fs::remove_file(out.join(crate::report_inputs::FILE)).unwrap();
        assert!(!Previous::read(tmp.path(), &out, None).is_current(&out));
    }
}
