//! What a store's report is made from, as one digest kept beside it (`inputs.sha256`): the
//! store's ledger (every log file and export ingested, every day's partition), the program's
//! files, the recorded payments, the options that shape the report, the day its windows end
//! on, a token of the secret and the refstats build (its version, the executable's size and
//! time). A scheduled run that finds nothing new to ingest and the same digest leaves the
//! report as it is, instead of making it again from the whole store.

use std::path::{Path, PathBuf};

use refcenter_model::{Secret, SourceMap};
use sha2::{Digest as _, Sha256};

use crate::store::ledger::hex;

/// The digest's file in the report folder.
pub const FILE: &str = "inputs.sha256";

/// A digest being made, a named part at a time, the store's ledger last.
#[derive(Clone)]
pub struct ReportInputs(Sha256);

impl Default for ReportInputs {
    fn default() -> Self {
        let mut digest = ReportInputs(Sha256::new());
        digest.part("refstats", env!("CARGO_PKG_VERSION").as_bytes());
        // A build of the same version may write its report otherwise: the executable's size
        // and time tell builds apart. (An install that gives the same release a new time, as a
        // copy without its times does, only makes the report again: the install action of the
        // example workflows keeps the release's times.)
        let build = std::env::current_exe().and_then(std::fs::metadata).map(|m| {
            let modified = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            format!("{} {:?}", m.len(), modified)
        });
        digest.part("build", build.unwrap_or_default().as_bytes());
        digest
    }
}

impl ReportInputs {
    /// What a run's report is made from, the store's ledger aside: the program's files
    /// (`program`), the payment records under `payouts` (a folder that cannot be listed counts
    /// as none: reading the payments fails the run anyway), a token of `secret`, and `options`,
    /// the run's options that shape the report. To be read before the run reads the payments
    /// for its report, so that the digest written with the report never names newer files
    /// than the report was made from.
    pub fn of_run(program: &SourceMap, payouts: &Path, secret: &Secret, options: &str) -> ReportInputs {
        let mut inputs = ReportInputs::default();
        for (_, file) in program.files() {
            inputs.part(&file.name, file.text.as_bytes());
        }
        let payments = refcenter_commissions::payouts::record_files(payouts).unwrap_or_default();
        inputs.files("payments", &payments);
        inputs.part("secret", secret.token("report inputs", &[], 16).as_bytes());
        inputs.part("options", options.as_bytes());
        inputs
    }

    /// Adds the part `name` holding `bytes` (each part's name and length go in first, so that no
    /// two lists of parts give the same bytes).
    pub fn part(&mut self, name: &str, bytes: &[u8]) {
        for piece in [name.as_bytes(), bytes] {
            self.0.update((piece.len() as u64).to_le_bytes());
            self.0.update(piece);
        }
    }

    /// Adds the files `paths` under `name`, each by its path and bytes.
    pub fn files(&mut self, name: &str, paths: &[PathBuf]) {
        for path in paths {
            // An unreadable file goes in as its error (the run that reads it fails anyway).
            let bytes = std::fs::read(path).unwrap_or_else(|e| format!("unreadable: {e}").into_bytes());
            self.part(&format!("{name}/{}", path.display()), &bytes);
        }
    }

    /// The digest, in hexadecimal, with the store's ledger (`ledger`, its bytes) as the last
    /// part.
    pub fn with_ledger(mut self, ledger: &[u8]) -> String {
        self.part("ledger", ledger);
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
        d.with_ledger(b"{}")
    }

    #[test]
    fn any_change_of_a_part_changes_the_digest() {
        let base = digest(&[("program", b"x"), ("as_of", b"2024-05-03")]);
        assert_eq!(base, digest(&[("program", b"x"), ("as_of", b"2024-05-03")]));
        assert_ne!(base, digest(&[("program", b"y"), ("as_of", b"2024-05-03")]));
        assert_ne!(base, digest(&[("program", b"x"), ("as_of", b"2024-05-04")]));
        assert_ne!(base, ReportInputs::default().with_ledger(b"{}"));
        let mut two = ReportInputs::default();
        two.part("program", b"x");
        two.part("as_of", b"2024-05-03");
        assert_ne!(base, two.clone().with_ledger(b"{ }"), "the ledger counts");
        assert_eq!(base, two.with_ledger(b"{}"));
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
