//! Deduplication of records a CDN delivered twice: the request ids (CloudFront's request id,
//! Cloudflare's RayID) of every hit counted, per day. A day's ids are read from the store the
//! first time a record of that day is met, so an hourly run reads one or two days of them,
//! not the whole store.

use std::collections::BTreeMap;
use std::hash::Hasher as _;
use std::path::Path;
use std::sync::Mutex;

use rustc_hash::{FxHashMap, FxHashSet};
use siphasher::sip::SipHasher13;

use crate::days::{Day, day_name};
use crate::run::Seen;
use crate::store::ledger::Ledger;
use crate::store::partition::load_ids;

/// One day's ids, and whether this run added any.
#[derive(Default)]
struct DayIds {
    ids: FxHashSet<u64>,
    added: bool,
}

/// The request ids of the store and of this run.
pub struct RequestIds<'s> {
    dir: &'s Path,
    ledger: &'s Ledger,
    days: Mutex<FxHashMap<Day, DayIds>>,
    error: Mutex<Option<String>>,
}

/// A request id as kept: 64 bits of a fixed-key SipHash, the same in every run and build.
fn key(request_id: &str) -> u64 {
    let mut h = SipHasher13::new_with_keys(0x7265_6673_7461_7473, 0x7265_7175_6573_7469);
    h.write(request_id.as_bytes());
    h.finish()
}

impl<'s> RequestIds<'s> {
    /// The ids of the store at `dir` described by `ledger`.
    pub fn new(dir: &'s Path, ledger: &'s Ledger) -> Self {
        RequestIds { dir, ledger, days: Mutex::new(FxHashMap::default()), error: Mutex::new(None) }
    }

    fn load(&self, day: Day) -> DayIds {
        let Some(file) = self.ledger.days.get(&day_name(day)).and_then(|d| d.request_ids.as_ref()) else {
            return DayIds::default();
        };
        match load_ids(&self.dir.join(file)) {
            Ok(ids) => DayIds { ids: ids.into_iter().collect(), added: false },
            Err(e) => {
                if let Ok(mut error) = self.error.lock() {
                    error.get_or_insert_with(|| format!("cannot read {}: {e}", self.dir.join(file).display()));
                }
                DayIds::default()
            }
        }
    }

    /// The ids of every day this run added to (sorted), or why a day's ids could not be read.
    pub fn finish(self) -> Result<BTreeMap<Day, Vec<u64>>, String> {
        if let Some(e) = self.error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        let days = self.days.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(days
            .into_iter()
            .filter(|(_, d)| d.added)
            .map(|(day, d)| {
                let mut ids: Vec<u64> = d.ids.into_iter().collect();
                ids.sort_unstable();
                (day, ids)
            })
            .collect())
    }
}

impl Seen for RequestIds<'_> {
    fn first_time(&self, day: Day, request_id: &str) -> bool {
        let k = key(request_id);
        let Ok(mut days) = self.days.lock() else { return true };
        let entry = days.entry(day).or_insert_with(|| self.load(day));
        let first = entry.ids.insert(k);
        entry.added |= first;
        first
    }
}
