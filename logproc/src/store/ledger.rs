//! `ledger.json`, the store's table of contents: every log file already ingested, known by a
//! digest of its bytes (so a renamed or re-delivered copy is recognised), and for each day the
//! partition files that hold its rows. A run writes the new ledger last, in one rename: the
//! ledger on disk always names a complete store.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use refcenter_model::json_file::{self, JsonFileError};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The ledger's file name in the store.
pub const LEDGER_FILE: &str = "ledger.json";
/// The layout version this build reads and writes.
pub const FORMAT: u32 = 1;

/// A log file already ingested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ingested {
    /// SHA-256 of the file's bytes as delivered (compressed or not), in hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its path when it was ingested.
    pub name: String,
    /// Its modification time then (nanoseconds since the Unix epoch): a file met again under
    /// the same path, size and time is known without reading it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<u64>,
    /// Why it could not be read to its end, if it could not; what was read is counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The files of one day's partition, relative to the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayFiles {
    /// The aggregated rows (Parquet).
    pub rows: String,
    /// The request ids already counted that day (Parquet), if any record had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_ids: Option<String>,
}

/// The ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    /// The layout version.
    pub format: u32,
    /// The files ingested, by digest.
    pub files: BTreeMap<String, Ingested>,
    /// Each day's partition (`YYYY-MM-DD`).
    pub days: BTreeMap<String, DayFiles>,
    /// The shop exports (orders and leads) ingested, by digest; each one's conversions are in
    /// `conversions/<first 16 hex digits of its digest>.json`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exports: BTreeMap<String, Ingested>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger { format: FORMAT, files: BTreeMap::new(), days: BTreeMap::new(), exports: BTreeMap::new() }
    }
}

/// Why the ledger could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The file is unreadable or not a ledger.
    #[error(transparent)]
    File(#[from] JsonFileError),
    /// A ledger of another layout version.
    #[error("{0}: store format {1} (this refstats reads {FORMAT})")]
    Format(String, u32),
}

impl Ledger {
    /// Reads the ledger at `path`; a missing file is an empty store.
    pub fn read(path: &Path) -> Result<Ledger, LedgerError> {
        if !path.exists() {
            return Ok(Ledger::default());
        }
        let ledger: Ledger = json_file::read(path)?;
        if ledger.format != FORMAT {
            return Err(LedgerError::Format(path.display().to_string(), ledger.format));
        }
        Ok(ledger)
    }

    /// The ledger as written to disk.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// The SHA-256 (hex) and size of the file at `path`.
pub fn digest(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((hex(&hasher.finalize()), bytes))
}

/// The modification time of `meta` in nanoseconds since the Unix epoch, where known.
pub fn modified(meta: &std::fs::Metadata) -> Option<u64> {
    let since = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    u64::try_from(since.as_nanos()).ok()
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_empty_and_bad_lines_are_pointed_at() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LEDGER_FILE);
        assert_eq!(Ledger::read(&path).unwrap(), Ledger::default());
        std::fs::write(&path, "{\n \"format\": 1,\n \"files\": {},\n \"days\": {}, \"x\": 2\n}").unwrap();
        let e = Ledger::read(&path).unwrap_err().to_string();
        assert!(e.contains("ledger.json:4:"), "{e}");
        std::fs::write(&path, "{\"format\": 9, \"files\": {}, \"days\": {}}").unwrap();
        assert!(Ledger::read(&path).unwrap_err().to_string().contains("store format 9"));
        let mut l = Ledger::default();
        l.days.insert("2024-05-01".into(), DayFiles { rows: "days/a.parquet".into(), request_ids: None });
        std::fs::write(&path, l.to_bytes()).unwrap();
        assert_eq!(Ledger::read(&path).unwrap(), l);
    }

    #[test]
    fn digests_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        let (d, n) = digest(&path).unwrap();
        assert_eq!(n, 3);
        assert_eq!(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
