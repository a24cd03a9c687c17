//! The stats store: a folder holding what scheduled runs have counted so far, so that each run
//! reads only the log files that are new. [`ledger`] lists the files ingested (by digest) and
//! each day's partition; [`partition`] holds a day's aggregated rows and request ids in
//! Parquet; [`request_ids`] drops records delivered twice; [`lock`] keeps two runs apart. The
//! shop exports ingested (orders and leads) are kept the same way: each one's conversions in a
//! file of its own under `conversions/`, named by the export's digest and never rewritten.
//!
//! A run never changes a file the ledger names: it writes new partition files (named by their
//! content), then the new ledger in one rename, then removes the files only the old ledger
//! named. Killed at any point, the store is the old one or the new one, and the next run
//! sweeps away what a killed run left behind.

pub mod last_seen;
pub mod ledger;
pub mod lock;
pub mod partition;
pub mod request_ids;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use refcenter_commissions::conversion::Conversion;

use crate::counted::Counted;
use crate::days::{Day, day_from_name, day_name};
use crate::input::Source;
use ledger::{DayFiles, Ingested, LEDGER_FILE, Ledger, LedgerError, digest, hex};
use lock::{LOCK_FILE, Lock, LockError};
use partition::{Columns, PartitionError, breakdown_rows, encode_ids, encode_rows, load_rows, merge_rows, row_columns};
use request_ids::RequestIds;

/// The folder of the day partitions' rows.
const DAYS_DIR: &str = "days";
/// The folder of the day partitions' request ids.
const IDS_DIR: &str = "request-ids";
/// The folder of the caches a run may make again (which git ignores): see
/// [`crate::increment`].
pub const CACHE_DIR: &str = "cache";
/// The folder of the ingested exports' conversions.
const EXPORTS_DIR: &str = "conversions";

/// The store path of the conversions of the export with this digest.
pub fn export_path(sha256: &str) -> String {
    format!("{EXPORTS_DIR}/{}.json", &sha256[..sha256.len().min(16)])
}
/// The suffix of files being written.
const PARTIAL: &str = ".partial";

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another run holds the lock, or it could not be taken.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The ledger is unreadable.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A partition is unreadable.
    #[error("cannot read the partition {0}: {1}")]
    Partition(String, PartitionError),
    /// Reading or writing a file failed.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// An input the store cannot take.
    #[error("{0}")]
    Input(String),
    /// A stored file that cannot be read.
    #[error("{0}")]
    Damaged(String),
}

/// A log file already in the store, met again.
#[derive(Clone, Debug)]
pub struct Known {
    /// Its path now.
    pub name: String,
    /// Its path when it was ingested.
    pub first_name: String,
}

/// An input to read: the source, the SHA-256 of its bytes, its size and modification time.
pub type NewInput = (Source, String, u64, Option<u64>);

/// What a run will read.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// New files, each once.
    pub new: Vec<NewInput>,
    /// Files already ingested (or named twice), which are skipped.
    pub known: Vec<Known>,
}

/// How [`Store::commit`] rewrites the days a run added to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rewrite {
    /// Their stored rows are read back into the run's counts, which then hold those days
    /// whole (for a report made from every stored day).
    ReadBack,
    /// Their stored rows are merged with the run's into the new partitions row by row, and the
    /// run's counts are left as they are (a report brought up to date in place needs no more).
    Merge,
}

/// An open, locked store.
pub struct Store {
    dir: PathBuf,
    ledger: Ledger,
    _lock: Lock,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io(path.display().to_string(), e)
}

/// Writes `bytes` at `path` through a partial file and a rename, so that `path` is whole or
/// absent.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(PARTIAL);
    let partial = PathBuf::from(partial);
    let mut file = std::fs::File::create(&partial).map_err(io(&partial))?;
    file.write_all(bytes).map_err(io(&partial))?;
    file.sync_all().map_err(io(&partial))?;
    std::fs::rename(&partial, path).map_err(io(path))?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes a partition file named by its content under `folder` and returns its store path.
fn write_named(dir: &Path, folder: &str, day: Day, bytes: &[u8]) -> Result<String, StoreError> {
    let digest = hex(&Sha256::digest(bytes));
    let name = format!("{folder}/{}-{}.parquet", day_name(day), &digest[..16]);
    let path = dir.join(&name);
    if !path.is_file() {
        write_whole(&path, bytes)?;
    }
    Ok(name)
}

impl Store {
    /// Opens the store at `dir` (made if missing), locks it, reads its ledger and removes what
    /// an interrupted run left behind.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        for sub in [DAYS_DIR, IDS_DIR, EXPORTS_DIR] {
            std::fs::create_dir_all(dir.join(sub)).map_err(io(dir))?;
        }
        let lock = Lock::take(dir)?;
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            write_whole(&ignore, format!("{LOCK_FILE}\n*{PARTIAL}\n").as_bytes())?;
        }
        let ledger = Ledger::read(&dir.join(LEDGER_FILE))?;
        let store = Store { dir: dir.to_path_buf(), ledger, _lock: lock };
        store.sweep()?;
        Ok(store)
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Removes every partition file the ledger does not name, and partial files.
    fn sweep(&self) -> Result<(), StoreError> {
        let exports: Vec<String> = self.ledger.exports.keys().map(|sha| export_path(sha)).collect();
        let named: BTreeSet<&str> = self
            .ledger
            .days
            .values()
            .flat_map(|d| std::iter::once(d.rows.as_str()).chain(d.request_ids.as_deref()))
            .chain(exports.iter().map(String::as_str))
            .collect();
        for sub in [DAYS_DIR, IDS_DIR, EXPORTS_DIR] {
            let folder = self.dir.join(sub);
            for entry in std::fs::read_dir(&folder).map_err(io(&folder))? {
                let entry = entry.map_err(io(&folder))?;
                let name = format!("{sub}/{}", entry.file_name().to_string_lossy());
                if !named.contains(name.as_str()) {
                    std::fs::remove_file(entry.path()).map_err(io(&entry.path()))?;
                }
            }
        }
        // A cache a killed run was writing.
        if let Ok(entries) = std::fs::read_dir(self.dir.join(CACHE_DIR)) {
            for entry in entries.flatten() {
                if entry.path().extension().is_some_and(|e| e == "partial") {
                    std::fs::remove_file(entry.path()).map_err(io(&entry.path()))?;
                }
            }
        }
        let partial = self.dir.join(format!("{LEDGER_FILE}{PARTIAL}"));
        if partial.exists() {
            std::fs::remove_file(&partial).map_err(io(&partial))?;
        }
        Ok(())
    }

    /// Which of the log files `sources` are new: a file whose bytes were ingested before, under
    /// any name, is skipped, and so is a second copy within `sources`.
    pub fn plan(&self, sources: &[Source]) -> Result<Plan, StoreError> {
        Self::plan_in(&self.ledger.files, sources)
    }

    /// Which of the shop exports `sources` are new, as [`Store::plan`] tells for log files.
    pub fn plan_exports(&self, sources: &[Source]) -> Result<Plan, StoreError> {
        Self::plan_in(&self.ledger.exports, sources)
    }

    fn plan_in(ingested: &BTreeMap<String, Ingested>, sources: &[Source]) -> Result<Plan, StoreError> {
        let mut plan = Plan::default();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        // Files met before under the same path, size and modification time are not read again.
        let by_name: BTreeMap<&str, &Ingested> = ingested.values().map(|f| (f.name.as_str(), f)).collect();
        for source in sources {
            let Source::File(path) = source else {
                return Err(StoreError::Input(
                    "standard input cannot go into a store: a store knows its inputs by their files".to_owned(),
                ));
            };
            let name = source.name();
            let meta = std::fs::metadata(path).map_err(io(path))?;
            let modified = ledger::modified(&meta);
            if let Some(f) = by_name.get(name.as_str())
                && f.bytes == meta.len()
                && modified.is_some()
                && f.modified == modified
            {
                plan.known.push(Known { name, first_name: f.name.clone() });
                continue;
            }
            let (sha, bytes) = digest(path).map_err(io(path))?;
            if let Some(first) = ingested.get(&sha).map(|f| f.name.clone()).or_else(|| seen.get(&sha).cloned()) {
                plan.known.push(Known { name, first_name: first });
                continue;
            }
            seen.insert(sha.clone(), name);
            plan.new.push((source.clone(), sha, bytes, modified));
        }
        Ok(plan)
    }

    /// The request ids of the store, for a run to check its records against.
    pub fn request_ids(&self) -> RequestIds<'_> {
        RequestIds::new(&self.dir, &self.ledger)
    }

    /// Stores what a run counted: `counted` (this run's counts), `ids` (the request ids of each
    /// day the run added to), the log files read, and the shop exports read with their
    /// conversions (as [`encode_conversions`] wrote them). Returns the days rewritten.
    /// `rewrite` says whether `counted` gets the affected days' stored rows added.
    pub fn commit(
        &mut self,
        counted: &mut Counted,
        ids: BTreeMap<Day, Vec<u64>>,
        files: Vec<Ingested>,
        exports: Vec<(Ingested, Vec<u8>)>,
        rewrite: Rewrite,
    ) -> Result<BTreeSet<Day>, StoreError> {
        let mut affected: BTreeSet<Day> = counted.tally.days().into_iter().collect();
        affected.extend(ids.keys().copied());
        let stored = |day: Day| self.ledger.days.get(&day_name(day)).map(|d| self.dir.join(&d.rows));
        if rewrite == Rewrite::ReadBack {
            for &day in &affected {
                if let Some(path) = stored(day) {
                    load_rows(&path, day, counted, false)
                        .map_err(|e| StoreError::Partition(path.display().to_string(), e))?;
                }
            }
        }
        let Counted { tally, breakdowns } = counted;
        let rows = tally.stored_rows(&affected);
        // Each day's rows, in a vector of their number (a day has hundreds of thousands).
        let mut by_day: BTreeMap<Day, Vec<([&str; 3], Columns<'_>)>> = BTreeMap::new();
        let mut sizes: BTreeMap<Day, usize> = BTreeMap::new();
        for (day, ..) in &rows {
            *sizes.entry(*day).or_default() += 1;
        }
        for (day, n) in sizes {
            by_day.insert(day, Vec::with_capacity(n));
        }
        for (day, key, row) in &rows {
            by_day.entry(*day).or_default().push((tally.keys.names(*key), row_columns(row)));
        }
        for (day, names, columns) in breakdown_rows(breakdowns) {
            if affected.contains(&day) {
                by_day.entry(day).or_default().push((names, columns));
            }
        }
        let mut next = self.ledger.clone();
        let polars = |e: polars::prelude::PolarsError| StoreError::Partition(self.dir.display().to_string(), e.into());
        for &day in &affected {
            let rows = by_day.remove(&day).unwrap_or_default();
            let name = day_name(day);
            let old_ids = self.ledger.days.get(&name).and_then(|d| d.request_ids.clone());
            let request_ids = match ids.get(&day) {
                Some(ids) => Some(write_named(&self.dir, IDS_DIR, day, &encode_ids(ids).map_err(polars)?)?),
                None => old_ids,
            };
            let bytes = match rewrite {
                Rewrite::ReadBack => encode_rows(&rows).map_err(polars)?,
                Rewrite::Merge => {
                    let before = stored(day);
                    let mut rows = rows;
                    merge_rows(before.as_deref(), &mut rows)
                        .map_err(|e| StoreError::Partition(before.unwrap_or_default().display().to_string(), e))?
                }
            };
            let rows = write_named(&self.dir, DAYS_DIR, day, &bytes)?;
            next.days.insert(name, DayFiles { rows, request_ids });
        }
        for f in files {
            next.files.insert(f.sha256.clone(), f);
        }
        for (f, conversions) in exports {
            let path = self.dir.join(export_path(&f.sha256));
            if !path.is_file() {
                write_whole(&path, &conversions)?;
            }
            next.exports.insert(f.sha256.clone(), f);
        }
        write_whole(&self.dir.join(LEDGER_FILE), &next.to_bytes())?;
        self.ledger = next;
        self.sweep()?;
        Ok(affected)
    }

    /// Hands each conversion of every export in the store to `each`, in digest order, a file
    /// at a time (a million orders are not held twice).
    pub fn read_conversions(&self, mut each: impl FnMut(Conversion)) -> Result<(), StoreError> {
        for sha in self.ledger.exports.keys() {
            let name = export_path(sha);
            let text = std::fs::read_to_string(self.dir.join(&name)).map_err(io(&self.dir.join(&name)))?;
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let c = serde_json::from_str(line)
                    .map_err(|e| StoreError::Damaged(format!("{}:{}: {e}", self.dir.join(&name).display(), i + 1)))?;
                each(c);
            }
        }
        Ok(())
    }

    /// Adds the stored rows of every day not in `skip` to `counted`, reading the partitions on
    /// one thread per core.
    pub fn load_days(&self, counted: &mut Counted, skip: &BTreeSet<Day>) -> Result<(), StoreError> {
        let mut todo = Vec::new();
        for (name, d) in &self.ledger.days {
            let path = self.dir.join(&d.rows);
            let day = day_from_name(name).ok_or_else(|| {
                StoreError::Partition(path.display().to_string(), PartitionError::Kind(format!("day `{name}`")))
            })?;
            if !skip.contains(&day) {
                todo.push((day, path));
            }
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let per_thread = todo.len().div_ceil(threads).max(1);
        let parts: Vec<Result<Counted, StoreError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = todo
                .chunks(per_thread)
                .map(|chunk| {
                    scope.spawn(move || {
                        let mut part = Counted::default();
                        for (day, path) in chunk {
                            load_rows(path, *day, &mut part, true)
                                .map_err(|e| StoreError::Partition(path.display().to_string(), e))?;
                        }
                        Ok(part)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });
        for part in parts {
            counted.merge(part?);
        }
        Ok(())
    }
}

/// The conversions of one export as the store keeps them: one JSON object a line.
pub fn encode_conversions(conversions: &[Conversion]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in conversions {
        if serde_json::to_writer(&mut out, c).is_ok() {
            out.push(b'\n');
        }
    }
    out
}
