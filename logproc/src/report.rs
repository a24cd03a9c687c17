//! The report folder: every table as CSV, JSON and Parquet for machines; `summary.json` with
//! the accounting; `partners.json`, each partner's page figures keyed by its code, for the
//! generator to render; and `report.html`, a self-contained page for admins.

use std::collections::BTreeMap;

use polars::prelude::*;
use refcenter_output::{OutputError, OutputWriter};
use serde::Serialize;

use crate::accounting::Accounting;
use crate::tables::{Sliced, Slices, Tables};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// polars failed to compute or serialise a table.
    #[error("cannot compute or write a table: {0}")]
    Polars(#[from] PolarsError),
    /// Writing the folder failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The HTML template failed.
    #[error("cannot render the HTML report: {0}")]
    Html(String),
}

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

/// The formats every table is written in.
const FORMATS: [&str; 3] = ["csv", "json", "parquet"];

/// How the per-day tables are laid out.
#[derive(Clone, Debug)]
pub enum Layout {
    /// One file per table (a one-off run).
    Whole,
    /// A store's report: the per-day tables one folder per day, `days/<day>/daily.*` and
    /// `days/<day>/by_partner.*`; the days in `write` are written, the others kept from the
    /// previous report.
    PerDay {
        /// Every day of the store.
        days: Vec<String>,
        /// The days to write.
        write: std::collections::BTreeSet<String>,
        /// Each day's partition file in the store, recorded beside the day's files
        /// (`days/<day>/partition.txt`) so that a later run knows what they were made from.
        sources: BTreeMap<String, String>,
    },
}

/// Writes `table` as `<stem>.<format>` in every format, side by side and a slice of rows at a
/// time, streamed into the files (the largest tables are hundreds of megabytes as JSON).
pub(crate) fn write_table(out: &mut OutputWriter, stem: &str, table: &dyn Slices) -> Result<(), ReportError> {
    let paths = FORMATS.map(|format| format!("{stem}.{format}"));
    // polars' errors travel through the writer as I/O errors; the original is kept to report.
    let mut failure = None;
    out.write_many(&paths.each_ref().map(String::as_str), |files| {
        in_slices(table, SLICE, files).map_err(|e| {
            let message = e.to_string();
            failure = Some(e);
            std::io::Error::other(message)
        })
    })
    .map_err(|e| failure.take().map_or(ReportError::Output(e), ReportError::Polars))
}

/// The path of a day's table file in a store's report.
pub fn day_file(day: &str, table: &str, format: &str) -> String {
    format!("days/{day}/{table}.{format}")
}

/// The rows of a large table named and written at a time; each slice is one Parquet row group
/// (polars' default row group size).
const SLICE: usize = 512 * 512;

/// Writes `table`, one of the tables the report does not keep once written: the per-day table
/// `daily` (laid out per `layout`) or `by_link_partner_ad`. They are the largest, so they are
/// written as soon as they are computed, a slice of rows at a time.
pub fn write_streamed(
    out: &mut OutputWriter,
    layout: &Layout,
    name: &str,
    table: &Sliced<'_>,
) -> Result<(), ReportError> {
    match layout {
        // A store's run computes the per-day table of the changed days only.
        Layout::PerDay { days, write, .. } if name == "daily" => {
            per_day(out, days, write, name, &table.slice(0, table.height())?)
        }
        _ => write_table(out, name, table),
    }
}

/// Writes `table` into `files` (one per format of [`FORMATS`]), taking `rows` rows at a time
/// and writing each slice in every format, the formats side by side (JSON in a thread of its
/// own, as polars' CSV and Parquet writers share its threads).
fn in_slices<W: std::io::Write + Send>(table: &dyn Slices, rows: usize, files: &mut [W]) -> PolarsResult<()> {
    let [csv, json, parquet] = files else {
        polars_bail!(ComputeError: "a table is written in {} formats, not {}", FORMATS.len(), files.len());
    };
    let schema = table.slice(0, 0)?.schema().as_ref().clone();
    let mut csv = CsvWriter::new(csv).batched(&schema)?;
    let mut json = crate::json_table::JsonRows::new(json);
    let mut parquet =
        ParquetWriter::new(parquet).with_compression(ParquetCompression::Uncompressed).batched(&schema)?;
    let height = table.height();
    // An empty table is written as one empty slice, as a whole empty table would be.
    for offset in (0..height.max(1)).step_by(rows.max(1)) {
        // One chunk: one Parquet row group per slice.
        let mut slice = table.slice(offset, rows.min(height - offset))?;
        slice.rechunk_mut_par();
        let (json, slice) = (&mut json, &slice);
        std::thread::scope(|scope| {
            let json = scope.spawn(move || json.write(slice));
            csv.write_batch(slice)?;
            parquet.write_batch(slice)?;
            json.join().unwrap_or_else(|_| Err(polars_err!(ComputeError: "the JSON writer stopped")))
        })?;
    }
    csv.finish()?;
    json.finish()?;
    parquet.finish().map(|_| ())
}

impl Slices for DataFrame {
    fn height(&self) -> usize {
        DataFrame::height(self)
    }

    fn slice(&self, offset: usize, len: usize) -> PolarsResult<DataFrame> {
        Ok(DataFrame::slice(self, i64::try_from(offset).unwrap_or(i64::MAX), len))
    }
}

/// Writes the rows of each day in `write` as `days/<day>/<name>.*`, and keeps the other days'
/// files from the previous report.
fn per_day(
    out: &mut OutputWriter,
    days: &[String],
    write: &std::collections::BTreeSet<String>,
    name: &str,
    df: &DataFrame,
) -> Result<(), ReportError> {
    for day in days {
        if write.contains(day) {
            let one = df.clone().lazy().filter(col("day").eq(lit(day.as_str()))).collect()?;
            write_table(out, &format!("days/{day}/{name}"), &one)?;
        } else {
            for format in FORMATS {
                out.keep(&day_file(day, name, format))?;
            }
        }
    }
    Ok(())
}

/// Writes the report files for `tables` and `acc` into `out`, besides those
/// [`write_streamed`] wrote.
pub fn write(
    out: &mut OutputWriter,
    tables: &Tables,
    acc: &Accounting,
    info: &RunInfo,
    layout: &Layout,
) -> Result<(), ReportError> {
    let named: [(&str, &DataFrame); 6] = [
        ("by_day", &tables.by_day),
        ("by_partner", &tables.by_partner),
        ("by_partner_link", &tables.by_partner_link),
        ("by_link", &tables.by_link),
        ("by_ad", &tables.by_ad),
        ("by_parent", &tables.by_parent),
    ];
    for (name, df) in named {
        write_table(out, name, df)?;
    }
    match layout {
        Layout::Whole => write_table(out, "by_partner_day", &tables.by_partner_day)?,
        Layout::PerDay { days, write, sources } => {
            for day in days {
                let source = day_file(day, "partition", "txt");
                if write.contains(day) {
                    out.write(&source, format!("{}\n", sources.get(day).map_or("", String::as_str)).as_bytes())?;
                } else {
                    out.keep(&source)?;
                }
            }
            per_day(out, days, write, "by_partner", &tables.by_partner_day)?;
        }
    }
    let summary = serde_json::json!({ "run": info, "accounting": acc });
    out.write("summary.json", format!("{:#}\n", summary).as_bytes())?;
    // One file keyed by partner code: the generator reads it once, and a program of 10,000
    // partners does not cost 10,000 file creations a run.
    out.write_with(refcenter_model::page_stats::PAGE_STATS_FILE, |w| {
        serde_json::to_writer(&mut *w, &tables.pages)?;
        w.write_all(b"\n")
    })?;
    out.write("report.html", crate::html::render(tables, acc, info)?.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three files of `df` written in slices of `rows`.
    fn sliced(df: &DataFrame, rows: usize) -> [Vec<u8>; 3] {
        let mut files = [Vec::new(), Vec::new(), Vec::new()];
        in_slices(df, rows, &mut files).unwrap();
        files
    }

    #[test]
    fn a_table_written_in_slices_is_the_table_written_whole() {
        let n = 10;
        let mut df = DataFrame::new(
            n,
            vec![
                Column::new("day".into(), (0..n).map(|i| format!("2024-05-{:02}", i + 1)).collect::<Vec<_>>()),
                Column::new("clicks".into(), (0..n as u64).collect::<Vec<_>>()),
                Column::new("known".into(), (0..n).map(|i| i % 3 == 0).collect::<Vec<_>>()),
            ],
        )
        .unwrap();
        // Whole: polars' CSV writer, and the JSON rows written at once.
        let mut whole = [Vec::new(), Vec::new()];
        CsvWriter::new(&mut whole[0]).finish(&mut df).unwrap();
        let mut json = crate::json_table::JsonRows::new(&mut whole[1]);
        json.write(&df).unwrap();
        json.finish().unwrap();
        for rows in [1, 3, 10, 64] {
            let [csv, json, parquet] = sliced(&df, rows);
            assert_eq!(csv, whole[0], "CSV in slices of {rows}");
            assert_eq!(json, whole[1], "JSON in slices of {rows}");
            let back = ParquetReader::new(std::io::Cursor::new(parquet)).finish().unwrap();
            assert!(back.equals(&df), "Parquet in slices of {rows}");
        }
        let empty = df.slice(0, 0);
        let [csv, json, parquet] = sliced(&empty, 3);
        assert_eq!(String::from_utf8(csv).unwrap(), "day,clicks,known\n");
        assert_eq!(json, b"[]\n");
        let back = ParquetReader::new(std::io::Cursor::new(parquet)).finish().unwrap();
        assert_eq!((back.height(), back.width()), (0, 3));
    }
}
