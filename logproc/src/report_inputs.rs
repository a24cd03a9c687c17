//! What a store's report is made from, as one digest kept beside it (`inputs.sha256`): the
//! store's ledger (every log file and export ingested, every day's partition), the program's
//! files, the recorded payments, the options that shape the report, the day its windows end
//! on and the refstats release (its version and the executable's size). A scheduled run that finds nothing new to ingest and the same
//! digest leaves the report as it is, instead of making it again from the whole store.

use std::path::Path;

use sha2::{Digest as _, Sha256};

use crate::store::ledger::hex;

/// The digest's file in the report folder.
pub const FILE: &str = "inputs.sha256";

/// A digest being made, a named part at a time.
pub struct ReportInputs(Sha256);

impl Default for ReportInputs {
    fn default() -> Self {
        let mut digest = ReportInputs(Sha256::new());
        digest.part("refstats", env!("CARGO_PKG_VERSION").as_bytes());
        // A development build of the same version may write its report otherwise: its size
        // tells it apart (a change of code that keeps the size exactly is not seen: remove the
        // report to have it made again). Not its time: a scheduled job installs the same
        // release anew for every run.
        let size = std::env::current_exe().and_then(std::fs::metadata).map(|m| m.len());
        digest.part("build", size.map(|n| n.to_string()).unwrap_or_default().as_bytes());
        digest
    }
}

impl ReportInputs {
    /// Adds the part `name` holding `bytes` (each part's name and length go in first, so that no
    /// two lists of parts give the same bytes).
    pub fn part(&mut self, name: &str, bytes: &[u8]) {
        for piece in [name.as_bytes(), bytes] {
            self.0.update((piece.len() as u64).to_le_bytes());
            self.0.update(piece);
        }
    }

    /// Adds every `.toml` file of the folder `dir` (none if it is missing), in name order.
    pub fn folder(&mut self, name: &str, dir: &Path) {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for path in files {
            // An unreadable file counts as changed: its text is not what any report was made from.
            let bytes = std::fs::read(&path).unwrap_or_else(|e| format!("unreadable: {e}").into_bytes());
            self.part(&format!("{name}/{}", path.display()), &bytes);
        }
    }

    /// The digest, in hexadecimal.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// Whether the report in `out_dir` is whole and was made from the inputs of `digest`.
pub fn up_to_date(out_dir: &Path, digest: &str) -> bool {
    let recorded = std::fs::read_to_string(out_dir.join(FILE));
    recorded.is_ok_and(|r| r.trim() == digest) && out_dir.join("summary.json").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(parts: &[(&str, &[u8])]) -> String {
        let mut d = ReportInputs::default();
        for (name, bytes) in parts {
            d.part(name, bytes);
        }
        d.finish()
    }

    #[test]
    fn any_change_of_a_part_changes_the_digest() {
        let base = digest(&[("ledger", b"{}"), ("as_of", b"2024-05-03")]);
        assert_eq!(base, digest(&[("ledger", b"{}"), ("as_of", b"2024-05-03")]));
        assert_ne!(base, digest(&[("ledger", b"{ }"), ("as_of", b"2024-05-03")]));
        assert_ne!(base, digest(&[("ledger", b"{}"), ("as_of", b"2024-05-04")]));
        // Bytes moved from one part to the next are another list of parts.
        assert_ne!(digest(&[("a", b"xy"), ("b", b"")]), digest(&[("a", b"x"), ("b", b"y")]));
    }

    #[test]
    fn a_report_is_up_to_date_only_whole_and_with_the_same_digest() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!up_to_date(dir.path(), "abc"), "no report");
        std::fs::write(dir.path().join(FILE), "abc\n").unwrap();
        assert!(!up_to_date(dir.path(), "abc"), "no summary");
        std::fs::write(dir.path().join("summary.json"), "{}").unwrap();
        assert!(up_to_date(dir.path(), "abc"));
        assert!(!up_to_date(dir.path(), "abd"));
    }
}
