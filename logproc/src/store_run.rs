//! The store's side of a `refstats --store` run: which inputs are new, storing what the run
//! counted (and reading the rest of the store back for the report), and which per-day report
//! files must be written again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::accounting::Accounting;
use crate::counted::Counted;
use crate::days::{Day, day_name};
use crate::input::Source;
use crate::report::{Formats, Layout, day_file, partition_record};
use crate::report_inputs::ReportInputs;
use crate::run_info::StoreInfo;
use crate::store::ledger::Ingested;
use crate::store::{Known, NewInput, Rewrite, Store, StoreError};

/// The inputs the store has not ingested, and the ones it has (said on stderr: by name when
/// few, by count when a scheduled run is given a whole log folder).
pub fn plan(store: &Store, sources: Vec<Source>) -> Result<(Vec<NewInput>, Vec<Known>), StoreError> {
    let plan = store.plan(&sources)?;
    if plan.known.len() <= 10 {
        for k in &plan.known {
            anstream::eprintln!("note: skipped {}: ingested before as {}", k.name, k.first_name);
        }
    } else {
        anstream::eprintln!("note: skipped {} files ingested before", plan.known.len());
    }
    Ok((plan.new, plan.known))
}

/// Whether the report in `out_dir` was made from this store and `inputs` (for a run with
/// nothing new to ingest, which then leaves it as it is).
pub fn report_is_current(store: &Store, inputs: &ReportInputs, out_dir: &Path) -> bool {
    crate::report_inputs::up_to_date(out_dir, &report_digest(store, inputs))
}

/// The digest of the report a run makes from the store and `inputs`, written beside it.
pub fn report_digest(store: &Store, inputs: &ReportInputs) -> String {
    inputs.clone().with_ledger(&store.ledger().to_bytes())
}

/// Says on stderr when the breakdowns leave out clicks of the store's days (days counted without
/// them, or with fewer dimensions): their tables then sum fewer clicks than the period's.
/// `wanted`: whether this run breaks clicks down.
pub fn note_breakdown_gaps(counted: &Counted, wanted: bool) {
    let covered = counted.breakdowns.clicks_by_day();
    if !wanted && covered.is_empty() {
        return;
    }
    let clicks = counted.tally.clicks_by_day();
    let short: Vec<Day> =
        clicks.iter().filter(|&(day, &n)| covered.get(day).copied().unwrap_or(0) < n).map(|(&day, _)| day).collect();
    let (Some(first), Some(last)) = (short.first(), short.last()) else { return };
    let total: u64 = clicks.values().sum();
    let held: u64 = covered.values().sum();
    anstream::eprintln!(
        "note: the breakdowns leave out clicks of {} day(s) of the store, {} to {}, counted without them or with \
         fewer dimensions: their tables hold {held} of the {total} clicks; keep the same --breakdowns for every run",
        short.len(),
        day_name(*first),
        day_name(*last),
    );
}

/// Stores what the run counted (with the request ids of the days it added to) and the files
/// it read, and returns the days it changed; with [`Rewrite::ReadBack`], `counted` then holds
/// them, read back whole (see [`Store::load_days`] for the others).
#[allow(clippy::too_many_arguments)]
pub fn commit(
    store: &mut Store,
    counted: &mut Counted,
    ids: BTreeMap<Day, Vec<u64>>,
    inputs: &[NewInput],
    acc: &Accounting,
    skipped: usize,
    exports: &crate::commission_run::Reading,
    rewrite: Rewrite,
) -> Result<(StoreInfo, BTreeSet<Day>), StoreError> {
    let ingested = inputs
        .iter()
        .map(|(source, sha256, bytes, modified)| {
            let name = source.name();
            let problem = acc.file_problems.iter().find(|p| p.file == name).map(|p| p.error.clone());
            Ingested { sha256: sha256.clone(), bytes: *bytes, name, modified: *modified, problem }
        })
        .collect();
    let exports =
        exports.read.iter().map(|r| (r.ingested.clone(), crate::store::encode_conversions(&r.conversions))).collect();
    let rewritten = store.commit(counted, ids, ingested, exports, rewrite)?;
    let info = StoreInfo {
        files: store.ledger().files.len(),
        days: store.ledger().days.len(),
        new_files: inputs.len(),
        skipped_files: skipped,
        days_rewritten: rewritten.iter().copied().map(day_name).collect(),
    };
    Ok((info, rewritten))
}

/// The report layout of a store, and the days whose per-day files must be written: a day's
/// files are kept while the partition they were made from (`partition.txt` beside them) is
/// still the ledger's; a changed day, a missing file, or files a killed run made from an older
/// partition are written again.
pub fn layout(store: &Store, days: &[Day], out_dir: &Path, formats: &Formats) -> (Layout, Option<BTreeSet<Day>>) {
    let sources: BTreeMap<String, String> =
        store.ledger().days.iter().map(|(day, files)| (day.clone(), files.rows.clone())).collect();
    let write: BTreeSet<Day> = days
        .iter()
        .copied()
        .filter(|d| {
            let name = day_name(*d);
            let made_from = std::fs::read_to_string(out_dir.join(day_file(&name, "partition", "txt")));
            let wanted = sources.get(&name).map(|source| partition_record(source, formats));
            made_from.ok().as_deref().map(str::trim) != wanted.as_deref()
        })
        .collect();
    let layout = Layout::PerDay {
        days: days.iter().map(|d| day_name(*d)).collect(),
        write: write.iter().map(|d| day_name(*d)).collect(),
        sources,
    };
    (layout, Some(write))
}
