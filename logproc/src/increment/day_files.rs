//! The per-day files of a store's report brought up to date in place: the days a run changed
//! get their `daily` and `by_partner` tables spliced with what the run added to each of their
//! rows (a day's figures need no other day), and the record of their new partition; every
//! other day's files are kept as they were.

use std::collections::BTreeMap;

use refcenter_output::OutputWriter;

use super::added::{Added, Sums};
use super::csv_splice::splice;
use super::previous::Files;
use super::{Fill, IncrementError, fill_column};
use crate::classify::Known;
use crate::days::{Day, day_from_name, day_name};
use crate::report::{Formats, Layout, day_file, partition_record};
use crate::sink::ReportError;

/// Writes the per-day files of every day of `layout` into `out`: those of the days `added`
/// adds to spliced, the others kept.
pub(super) fn write(
    out: &OutputWriter,
    files: &Files,
    layout: &Layout,
    added: &Added,
    known: &Known,
    formats: &Formats,
) -> Result<(), IncrementError> {
    let Layout::PerDay { days, write, sources } = layout else {
        return Err(IncrementError::Previous("the report is not laid out a folder per day".to_owned()));
    };
    let changed: Vec<String> = added.day.keys().map(|&d| day_name(d)).collect();
    if !changed.iter().eq(write.iter()) {
        return Err(IncrementError::Previous(format!(
            "the days to write again ({}) are not those the run adds to ({})",
            write.iter().cloned().collect::<Vec<_>>().join(", "),
            changed.join(", ")
        )));
    }
    let no_sums = Sums::default();
    let fill = |r: &Fill<'_>, c: &str, b: Option<&str>| fill_column(known, r, c, b);
    for day in days {
        if !write.contains(day) {
            for (stem, extension) in [("partition", "txt"), ("daily", "csv"), ("by_partner", "csv")] {
                out.keep(&day_file(day, stem, extension)).map_err(ReportError::from)?;
            }
            continue;
        }
        let made_from = partition_record(sources.get(day).map_or("", String::as_str), formats);
        out.write(&day_file(day, "partition", "txt"), format!("{made_from}\n").as_bytes())
            .map_err(ReportError::from)?;
        let this = day_from_name(day);
        let of_day = |d: &Day| Some(*d) == this;
        let daily: BTreeMap<Vec<String>, Fill<'_>> = added
            .day_key
            .iter()
            .filter(|((d, _), _)| of_day(d))
            .map(|((_, k), s)| {
                let names = [day.clone(), k[0].clone(), k[1].clone(), k[2].clone()].to_vec();
                (names, Fill { link: &k[0], partner: &k[1], ad: &k[2], sums: *s, downline: no_sums })
            })
            .collect();
        splice_day(out, files, days, day, "daily", 4, &daily, fill)?;
        let by_partner: BTreeMap<Vec<String>, Fill<'_>> = added
            .day_partner
            .iter()
            .filter(|((d, _), _)| of_day(d))
            .map(|((_, p), s)| {
                (vec![p.clone(), day.clone()], Fill { link: "", partner: p, ad: "", sums: *s, downline: no_sums })
            })
            .collect();
        splice_day(out, files, days, day, "by_partner", 2, &by_partner, fill)?;
    }
    Ok(())
}

/// Writes the previous report's table `name` of `day` with `rows` spliced in; a day the
/// previous report has no table of starts from the header of that table on another day.
#[allow(clippy::too_many_arguments)]
fn splice_day(
    out: &OutputWriter,
    files: &Files,
    days: &[String],
    day: &str,
    name: &str,
    names: usize,
    rows: &BTreeMap<Vec<String>, Fill<'_>>,
    fill: impl Fn(&Fill<'_>, &str, Option<&str>) -> Result<String, super::csv_splice::SpliceError>,
) -> Result<(), IncrementError> {
    let path = day_file(day, name, "csv");
    let before = match files.read(&path)? {
        Some(bytes) => bytes,
        None => days
            .iter()
            .rev()
            .filter(|d| d.as_str() != day)
            .map(|d| files.read(&day_file(d, name, "csv")))
            .find_map(Result::transpose)
            .transpose()?
            .and_then(|table| table.split_inclusive(|&b| b == b'\n').next().map(<[u8]>::to_vec))
            .ok_or_else(|| IncrementError::Previous(format!("no day of the report has a {name} table")))?,
    };
    let mut spliced = None;
    out.write_with(&path, |w| {
        spliced = Some(splice(&before, names, rows, fill, |_| {}, w));
        Ok(())
    })
    .map_err(ReportError::from)?;
    spliced.ok_or_else(|| IncrementError::Previous(format!("{path} was not written")))??;
    Ok(())
}
