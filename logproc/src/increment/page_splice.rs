//! `partners.json` of the previous report with some partners' figures changed: their entries
//! are read back, changed and written again, and every other partner's bytes are copied as
//! they were. [`PartnerIndex`] (`partners.index` beside it) says where each entry is.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Seek as _, SeekFrom, Write as _};
use std::ops::Range;
use std::os::unix::fs::FileExt as _;

use refcenter_model::page_stats::{PartnerStats, WINDOWS, Windows};

use super::added::Sums;
use crate::report::{PAGE_STATS_TAIL, page_stats_head, write_partner};

/// The index's file name in the report folder.
pub const INDEX_FILE: &str = "partners.index";

/// Why the previous figures cannot be changed in place (then the report is made again in
/// full).
#[derive(Debug, thiserror::Error)]
#[error("the previous partners.json cannot be read: {0}")]
pub struct PageSpliceError(String);

/// Where each partner's entry (`"code":{...}`) is in `partners.json`, in partner order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PartnerIndex(Vec<(String, Range<u64>)>);

impl PartnerIndex {
    /// Adds the next partner's entry.
    pub fn push(&mut self, code: &str, at: Range<u64>) {
        self.0.push((code.to_owned(), at));
    }

    /// The index as its file holds it: a line per partner, `start end code`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() * 24);
        for (code, at) in &self.0 {
            out.extend_from_slice(format!("{} {} {code}\n", at.start, at.end).as_bytes());
        }
        out
    }

    /// The index in `bytes` (as [`PartnerIndex::to_bytes`] wrote it) of a file of `len` bytes.
    pub fn parse(bytes: &[u8], len: u64) -> Result<PartnerIndex, PageSpliceError> {
        let bad = |line: usize| PageSpliceError(format!("line {} of {INDEX_FILE} is not `start end code`", line + 1));
        let text = std::str::from_utf8(bytes).map_err(|_| PageSpliceError(format!("{INDEX_FILE} is not UTF-8")))?;
        let mut index = PartnerIndex::default();
        let mut end = 0;
        for (i, line) in text.lines().enumerate() {
            let mut parts = line.splitn(3, ' ');
            let (Some(start), Some(stop), Some(code)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(bad(i));
            };
            let (start, stop): (u64, u64) = (start.parse().map_err(|_| bad(i))?, stop.parse().map_err(|_| bad(i))?);
            // Entries in order, apart, inside the file.
            if start < end || stop < start || stop > len || index.0.last().is_some_and(|(c, _)| c.as_str() >= code) {
                return Err(bad(i));
            }
            end = stop;
            index.push(code, start..stop);
        }
        Ok(index)
    }
}

/// The bytes `at` of `file`.
fn bytes_at(file: &File, at: &Range<u64>) -> Result<Vec<u8>, PageSpliceError> {
    let mut bytes = vec![0u8; (at.end - at.start) as usize];
    file.read_exact_at(&mut bytes, at.start).map_err(io)?;
    Ok(bytes)
}

fn io(e: std::io::Error) -> PageSpliceError {
    PageSpliceError(e.to_string())
}

/// The figures of the entry of `code` in `file` at `at`.
fn read_entry(file: &File, code: &str, at: &Range<u64>) -> Result<PartnerStats, PageSpliceError> {
    let entry = bytes_at(file, at)?;
    let key = serde_json::to_vec(code).map_err(|e| PageSpliceError(e.to_string()))?;
    let value = entry
        .strip_prefix(key.as_slice())
        .and_then(|rest| rest.strip_prefix(b":"))
        .ok_or_else(|| PageSpliceError(format!("the entry of {code} is not where the index says")))?;
    serde_json::from_slice(value).map_err(|e| PageSpliceError(format!("the entry of {code}: {e}")))
}

/// Adds `s` to every window of `w`: the clicks to each, the new unique clicks of each.
pub fn add_to(w: &mut Windows, s: &Sums) {
    for (window, unique) in WINDOWS.iter().zip(s.unique) {
        let f = w.get_mut(*window);
        f.clicks += s.clicks;
        f.unique_clicks += unique;
    }
}

/// The new file as it is written: small parts gathered in a buffer, runs of the previous file
/// copied from file to file; `at` counts the bytes.
struct Out<'a> {
    file: &'a mut File,
    buffer: Vec<u8>,
    at: u64,
}

impl Out<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
        self.at += bytes.len() as u64;
    }

    fn flush(&mut self) -> Result<(), PageSpliceError> {
        self.file.write_all(&self.buffer).map_err(io)?;
        self.buffer.clear();
        Ok(())
    }

    /// Copies `at` of `from`.
    fn copy(&mut self, from: &File, at: Range<u64>) -> Result<(), PageSpliceError> {
        self.flush()?;
        let mut seek = from;
        seek.seek(SeekFrom::Start(at.start)).map_err(io)?;
        // File to file (`Take<&File>` into `File`): the system copies the bytes itself.
        let n = std::io::copy(&mut from.take(at.end - at.start), self.file).map_err(io)?;
        if n != at.end - at.start {
            return Err(PageSpliceError("the previous file ended early".to_owned()));
        }
        self.at += n;
        Ok(())
    }
}

/// Copies the entries `first..=last` of `index` from `file` into `out`, as one run of bytes
/// (the commas between them included), and adds them to `new_index`.
fn copy(
    file: &File,
    index: &PartnerIndex,
    out: &mut Out<'_>,
    new_index: &mut PartnerIndex,
    (first, last): (usize, usize),
) -> Result<(), PageSpliceError> {
    if !new_index.0.is_empty() {
        out.put(b",");
    }
    let (from, to) = (index.0[first].1.start, index.0[last].1.end);
    for (code, at) in &index.0[first..=last] {
        new_index.push(code, out.at + at.start - from..out.at + at.end - from);
    }
    out.copy(file, from..to)
}

/// Writes `partners.json` into `w` as `file` (the previous one, indexed by `index`) with the
/// partners in `change` changed: each is handed its previous figures (`None` when new) and
/// returns its new ones (`None`: nothing to show, the entry is left out); `as_of` and
/// `first_day` head the file. The entries of the others are copied as they were, runs of them
/// at a time. Returns the new file's index.
pub fn splice(
    file: &File,
    index: &PartnerIndex,
    as_of: &str,
    first_day: Option<&str>,
    change: &BTreeSet<String>,
    mut changed: impl FnMut(&str, Option<PartnerStats>) -> Option<PartnerStats>,
    w: &mut File,
) -> Result<PartnerIndex, PageSpliceError> {
    let mut out = Out { file: w, buffer: Vec::with_capacity(1 << 16), at: 0 };
    out.put(&page_stats_head(as_of, first_day));
    let mut new_index = PartnerIndex::default();
    // Entries of the previous file to copy, as a run of them: (first, last) in `index`.
    let mut run: Option<(usize, usize)> = None;
    let write = |out: &mut Out<'_>, new_index: &mut PartnerIndex, code: &str, stats: &PartnerStats| {
        if !new_index.0.is_empty() {
            out.put(b",");
        }
        // Breakdowns a partner's entry had are written back as they were read.
        let tops = match stats.breakdowns.is_empty() {
            true => None,
            false => Some(serde_json::to_vec(&stats.breakdowns).map_err(|e| PageSpliceError(e.to_string()))?),
        };
        let mut bytes = Vec::new();
        write_partner(&mut bytes, code, stats, tops.as_deref()).map_err(io)?;
        new_index.push(code, out.at..out.at + bytes.len() as u64);
        out.put(&bytes);
        Ok::<_, PageSpliceError>(())
    };
    let mut pending = change.iter().peekable();
    for (i, (code, at)) in index.0.iter().enumerate() {
        let new_before = pending.peek().is_some_and(|c| c.as_str() < code.as_str());
        let this_changes = pending.peek().is_some_and(|c| *c == code) || new_before;
        if this_changes && let Some(r) = run.take() {
            copy(file, index, &mut out, &mut new_index, r)?;
        }
        while let Some(new) = pending.next_if(|c| c.as_str() < code.as_str()) {
            if let Some(stats) = changed(new, None) {
                write(&mut out, &mut new_index, new, &stats)?;
            }
        }
        if pending.next_if(|c| *c == code).is_some() {
            let before = read_entry(file, code, at)?;
            if let Some(stats) = changed(code, Some(before)) {
                write(&mut out, &mut new_index, code, &stats)?;
            }
        } else {
            run = Some(run.map_or((i, i), |(first, _)| (first, i)));
        }
    }
    if let Some(r) = run.take() {
        copy(file, index, &mut out, &mut new_index, r)?;
    }
    for new in pending {
        if let Some(stats) = changed(new, None) {
            write(&mut out, &mut new_index, new, &stats)?;
        }
    }
    out.put(PAGE_STATS_TAIL);
    out.put(b"\n");
    out.flush()?;
    Ok(new_index)
}
