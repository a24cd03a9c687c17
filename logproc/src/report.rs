//! The report folder: every table in the formats the user chose ([`Formats`]: CSV by default,
//! JSON and Parquet on request); `summary.json` with the accounting; `partners.json`, each
//! partner's page figures keyed by its code, for the generator to render; and `report.html`, a
//! self-contained page for admins.

use std::collections::BTreeMap;

use polars::prelude::*;
use refcenter_model::page_stats::{PageStats, PartnerStats};
use refcenter_output::OutputWriter;

use crate::accounting::Accounting;
use crate::breakdown::page_tops::PageTops;
use crate::increment::page_splice::{INDEX_FILE, PartnerIndex};
use crate::run_info::RunInfo;
use crate::sink::{ReportError, Slices, TableSink};
use crate::tables::Tables;

/// A format tables are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON array of row objects.
    Json,
    /// Parquet, one row group per slice of rows.
    Parquet,
}

impl TableFormat {
    /// Every format, in the order files are named and written.
    pub const ALL: [TableFormat; 3] = [TableFormat::Csv, TableFormat::Json, TableFormat::Parquet];

    /// The file extension, which is also the name on the command line.
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Json => "json",
            TableFormat::Parquet => "parquet",
        }
    }
}

/// The formats the tables are written in: any of CSV, JSON and Parquet, or none (then the
/// report is `summary.json`, `partners.json` and `report.html`). Written `csv,parquet` or
/// `none`; the default is CSV, what admins open (the partner pages need only `partners.json`):
/// the JSON tables are the largest and slowest files of a report, and Parquet is for data tools
/// that ask for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formats(Vec<TableFormat>);

impl Default for Formats {
    fn default() -> Self {
        Formats(vec![TableFormat::Csv])
    }
}

impl Formats {
    /// The formats, in [`TableFormat::ALL`]'s order.
    pub fn list(&self) -> &[TableFormat] {
        &self.0
    }
}

impl std::str::FromStr for Formats {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(Formats(Vec::new()));
        }
        let mut formats = Vec::new();
        for name in s.split(',').map(str::trim) {
            let Some(format) = TableFormat::ALL.into_iter().find(|f| f.extension().eq_ignore_ascii_case(name)) else {
                return Err(format!(
                    "`{name}` is not a table format: use csv, json, parquet (comma-separated), or none"
                ));
            };
            formats.push(format);
        }
        formats.sort();
        formats.dedup();
        Ok(Formats(formats))
    }
}

impl std::fmt::Display for Formats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<&str> = self.0.iter().map(|t| t.extension()).collect();
        f.write_str(&names.join(","))
    }
}

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

/// Writes `table` as `<stem>.<format>` in each of `formats`, side by side and a slice of rows
/// at a time, streamed into the files (the largest tables are hundreds of megabytes as JSON).
pub(crate) fn write_table(
    out: &OutputWriter,
    stem: &str,
    table: &dyn Slices,
    formats: &Formats,
) -> Result<(), ReportError> {
    if formats.list().is_empty() {
        return Ok(());
    }
    let paths: Vec<String> = formats.list().iter().map(|f| format!("{stem}.{}", f.extension())).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    // polars' errors travel through the writer as I/O errors; the original is kept to report.
    let mut failure = None;
    out.write_many(&paths, |files| {
        in_slices(table, SLICE, formats, files).map_err(|e| {
            let message = e.to_string();
            failure = Some(e);
            std::io::Error::other(message)
        })
    })
    .map_err(|e| failure.take().map_or(ReportError::Output(e), ReportError::Polars))
}

/// What a day's `partition.txt` records: the partition its tables were made from and their
/// formats, so that a day is written again when either changes.
pub fn partition_record(partition: &str, formats: &Formats) -> String {
    format!("{partition} {formats}")
}

/// The path of a day's table file in a store's report.
pub fn day_file(day: &str, table: &str, format: &str) -> String {
    format!("days/{day}/{table}.{format}")
}

/// The rows of a large table named and written at a time; each slice is one Parquet row group
/// (polars' default row group size).
const SLICE: usize = 512 * 512;

/// The report as the sink of the tables it does not keep once written: the per-day table
/// `daily` (laid out per `layout`) and `by_link_partner_ad`. They are the largest, so they are
/// written as soon as they are computed, a slice of rows at a time.
pub struct Streamed<'a> {
    /// The report folder being written.
    pub out: &'a OutputWriter,
    /// How its per-day tables are laid out.
    pub layout: &'a Layout,
    /// The formats of its tables.
    pub formats: &'a Formats,
}

impl TableSink for Streamed<'_> {
    fn table(&self, name: &str, table: &dyn Slices) -> Result<(), ReportError> {
        match self.layout {
            // A store's run computes the per-day table of the changed days only.
            Layout::PerDay { days, write, .. } if name == "daily" => {
                per_day(self.out, days, write, name, &table.slice(0, table.height())?, self.formats)
            }
            _ => write_table(self.out, name, table, self.formats),
        }
    }
}

/// Writes `table` into `files` (one per format of `formats`, in its order), taking `rows` rows
/// at a time and writing each slice in every format, the formats side by side (JSON in a
/// thread of its own, as polars' CSV and Parquet writers share its threads).
fn in_slices<W: std::io::Write + Send>(
    table: &dyn Slices,
    rows: usize,
    formats: &Formats,
    files: &mut [W],
) -> PolarsResult<()> {
    if files.len() != formats.list().len() {
        polars_bail!(ComputeError: "a table is written in {} formats, not {}", formats.list().len(), files.len());
    }
    let schema = table.slice(0, 0)?.schema().as_ref().clone();
    let (mut csv, mut json, mut parquet) = (None, None, None);
    for (format, file) in formats.list().iter().zip(files.iter_mut()) {
        match format {
            TableFormat::Csv => csv = Some(CsvWriter::new(file).batched(&schema)?),
            TableFormat::Json => json = Some(crate::json_table::JsonRows::new(file)),
            TableFormat::Parquet => {
                parquet =
                    Some(ParquetWriter::new(file).with_compression(ParquetCompression::Uncompressed).batched(&schema)?);
            }
        }
    }
    let height = table.height();
    // An empty table is written as one empty slice, as a whole empty table would be.
    for offset in (0..height.max(1)).step_by(rows.max(1)) {
        // One chunk: one Parquet row group per slice.
        let mut slice = table.slice(offset, rows.min(height - offset))?;
        slice.rechunk_mut_par();
        let (json, slice) = (&mut json, &slice);
        std::thread::scope(|scope| {
            let json = scope.spawn(move || json.as_mut().map_or(Ok(()), |j| j.write(slice)));
            if let Some(csv) = &mut csv {
                csv.write_batch(slice)?;
            }
            if let Some(parquet) = &mut parquet {
                parquet.write_batch(slice)?;
            }
            json.join().unwrap_or_else(|_| Err(polars_err!(ComputeError: "the JSON writer stopped")))
        })?;
    }
    if let Some(mut csv) = csv {
        csv.finish()?;
    }
    if let Some(json) = json {
        json.finish()?;
    }
    parquet.map_or(Ok(()), |p| p.finish().map(|_| ()))
}

/// Writes the rows of each day in `write` as `days/<day>/<name>.*`, and keeps the other days'
/// files from the previous report.
fn per_day(
    out: &OutputWriter,
    days: &[String],
    write: &std::collections::BTreeSet<String>,
    name: &str,
    df: &DataFrame,
    formats: &Formats,
) -> Result<(), ReportError> {
    for day in days {
        if write.contains(day) {
            let one = df.clone().lazy().filter(col("day").eq(lit(day.as_str()))).collect()?;
            write_table(out, &format!("days/{day}/{name}"), &one, formats)?;
        } else {
            for format in formats.list() {
                out.keep(&day_file(day, name, format.extension()))?;
            }
        }
    }
    Ok(())
}

/// Writes the table per partner and day `by_partner_day` as `layout` lays it out, with a
/// store's record of what each day's files were made from.
fn write_days(
    out: &OutputWriter,
    layout: &Layout,
    by_partner_day: &DataFrame,
    formats: &Formats,
) -> Result<(), ReportError> {
    match layout {
        Layout::Whole => write_table(out, "by_partner_day", by_partner_day, formats),
        Layout::PerDay { days, write, sources } => {
            for day in days {
                let source = day_file(day, "partition", "txt");
                if write.contains(day) {
                    let made_from = partition_record(sources.get(day).map_or("", String::as_str), formats);
                    out.write(&source, format!("{made_from}\n").as_bytes())?;
                } else {
                    out.keep(&source)?;
                }
            }
            per_day(out, days, write, "by_partner", by_partner_day, formats)
        }
    }
}

/// Writes the report files for `tables` and `acc` into `out`, besides those
/// [`Streamed`] wrote.
pub fn write(
    out: &OutputWriter,
    tables: &mut Tables,
    acc: &Accounting,
    info: &RunInfo,
    layout: &Layout,
    formats: &Formats,
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
        write_table(out, name, df, formats)?;
    }
    write_days(out, layout, &tables.by_partner_day, formats)?;
    let summary = serde_json::json!({ "run": info, "accounting": acc });
    out.write("summary.json", format!("{:#}\n", summary).as_bytes())?;
    // One file keyed by partner code: the generator reads it once, and a program of 10,000
    // partners does not cost 10,000 file creations a run.
    let mut index = PartnerIndex::default();
    out.write_with(refcenter_model::page_stats::PAGE_STATS_FILE, |w| {
        index = write_page_stats(w, &tables.pages, &tables.page_tops)?;
        w.write_all(b"\n")
    })?;
    // Where each partner's figures are, for a store's next run to change them in place.
    if matches!(layout, Layout::PerDay { .. }) {
        out.write(INDEX_FILE, &index.to_bytes())?;
    }
    out.write("report.html", crate::html::render(tables, acc, info)?.as_bytes())?;
    Ok(())
}

/// A writer that counts the bytes written through it.
struct Counting<'a> {
    w: &'a mut dyn std::io::Write,
    at: u64,
}

impl std::io::Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.w.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// The start of `partners.json` up to its first partner: `as_of`, `first_day` and the opening
/// of `partners`.
pub(crate) fn page_stats_head(as_of: &str, first_day: Option<&str>) -> Vec<u8> {
    let mut head = b"{\"as_of\":".to_vec();
    let _ = serde_json::to_writer(&mut head, as_of);
    head.extend_from_slice(b",\"first_day\":");
    let _ = serde_json::to_writer(&mut head, &first_day);
    head.extend_from_slice(b",\"partners\":{");
    head
}

/// The end of `partners.json`, after its last partner.
pub(crate) const PAGE_STATS_TAIL: &[u8] = b"}}";

/// Writes `pages` as JSON, as serde writes a [`PageStats`], each partner's figures with its
/// breakdowns' top values from `tops`, which holds them as JSON already; returns where each
/// partner's entry (`"code":{...}`) is in the file.
fn write_page_stats(w: &mut dyn std::io::Write, pages: &PageStats, tops: &PageTops) -> std::io::Result<PartnerIndex> {
    // Every field, here and below, so that a field added to the model is not left out unseen.
    let PageStats { as_of, first_day, partners } = pages;
    let mut w = Counting { w, at: 0 };
    std::io::Write::write_all(&mut w, &page_stats_head(as_of, first_day.as_deref()))?;
    let mut tops = tops.reader();
    let mut index = PartnerIndex::default();
    for (i, (code, stats)) in partners.iter().enumerate() {
        if i > 0 {
            std::io::Write::write_all(&mut w, b",")?;
        }
        let start = w.at;
        write_partner(&mut w, code, stats, tops.json(code)?)?;
        index.push(code, start..w.at);
    }
    std::io::Write::write_all(&mut w, PAGE_STATS_TAIL)?;
    Ok(index)
}

/// Writes one partner's entry of `partners.json`, `"code":{...}`, its breakdowns' top values
/// `tops` as JSON already.
pub(crate) fn write_partner(
    w: &mut dyn std::io::Write,
    code: &str,
    stats: &PartnerStats,
    tops: Option<&[u8]>,
) -> std::io::Result<()> {
    serde_json::to_writer(&mut *w, code)?;
    w.write_all(b":")?;
    // The report's partners have no breakdowns of their own: theirs are in `tops`.
    let PartnerStats { own, downline, links, ads, daily, breakdowns: _, commissions } = stats;
    let key = |w: &mut dyn std::io::Write, name: &str| write!(w, ",\"{name}\":");
    w.write_all(b"{\"own\":")?;
    serde_json::to_writer(&mut *w, own)?;
    if let Some(downline) = downline {
        key(w, "downline")?;
        serde_json::to_writer(&mut *w, downline)?;
    }
    key(w, "links")?;
    serde_json::to_writer(&mut *w, links)?;
    key(w, "ads")?;
    serde_json::to_writer(&mut *w, ads)?;
    key(w, "daily")?;
    serde_json::to_writer(&mut *w, daily)?;
    if let Some(json) = tops {
        key(w, "breakdowns")?;
        w.write_all(json)?;
    }
    if let Some(commissions) = commissions {
        key(w, "commissions")?;
        serde_json::to_writer(&mut *w, commissions)?;
    }
    w.write_all(b"}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three files of `df` written in slices of `rows`.
    fn sliced(df: &DataFrame, rows: usize) -> [Vec<u8>; 3] {
        let mut files = [Vec::new(), Vec::new(), Vec::new()];
        let every: Formats = "csv,json,parquet".parse().unwrap();
        in_slices(df, rows, &every, &mut files).unwrap();
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

    #[test]
    fn page_figures_are_written_as_serde_writes_them_each_partner_with_its_tops() {
        use refcenter_model::page_stats::{Figures, PartnerCommissions, Windows};

        use crate::breakdown::{Breakdowns, Dim};

        let mut b = Breakdowns::default();
        b.add_named(10, ["l", "p", ""], Dim::Country, "DE", 3);
        b.add_named(4, ["l", "p", ""], Dim::Country, "FR", 5);
        b.add_named(10, ["l", "p", "a"], Dim::Referrer, "t.co", 2);
        b.add_named(10, ["m", "q", ""], Dim::Country, "DE", 1);
        b.add_named(10, ["m", "s", ""], Dim::Os, "Linux", 1);
        let tops = crate::breakdown::tables::tables(&mut b, 10).unwrap_or_else(|e| panic!("{e}")).pages;
        let figures = |clicks| Windows { all_time: Figures { clicks, unique_clicks: 1 }, ..Windows::default() };
        let p = PartnerStats {
            own: figures(10),
            downline: Some(figures(1)),
            links: [("l".to_owned(), figures(10))].into(),
            ads: [("a".to_owned(), figures(2))].into(),
            daily: [("2024-05-10".to_owned(), Figures { clicks: 5, unique_clicks: 2 })].into(),
            ..PartnerStats::default()
        };
        // `q` has commissions too; `r` has no tops; `s` has some but is not among the partners
        // with figures.
        let q = PartnerStats { commissions: Some(PartnerCommissions::default()), ..PartnerStats::default() };
        let partners = [("p", p), ("q", q), ("r", PartnerStats { own: figures(1), ..Default::default() })];
        for first_day in [Some("2024-05-01".to_owned()), None] {
            let pages = PageStats {
                as_of: "2024-05-10".to_owned(),
                first_day,
                partners: partners.iter().map(|(c, s)| ((*c).to_owned(), s.clone())).collect(),
            };
            let mut expected = pages.clone();
            for (code, stats) in &mut expected.partners {
                stats.breakdowns = tops.reader().shares(code);
            }
            assert_eq!(expected.partners["p"].breakdowns["country"].all_time.len(), 2);
            let mut written = Vec::new();
            write_page_stats(&mut written, &pages, &tops).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(String::from_utf8(written).ok(), serde_json::to_string(&expected).ok());
        }
    }
}
