//! The report folder: every table as CSV, JSON and Parquet for machines; `summary.json` with
//! the accounting; `partners.json`, each partner's figures keyed by its code, for the generator
//! to render; and `report.html`, a
//! self-contained page for admins with a chart of daily clicks.

use std::collections::BTreeMap;

use polars::prelude::*;
use refcenter_output::{OutputError, OutputWriter};
use serde::Serialize;

use crate::accounting::Accounting;
use crate::tables::Tables;

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
}

/// Writes `df` in `format` to `w`.
fn table(df: &mut DataFrame, format: &str, w: &mut dyn std::io::Write) -> PolarsResult<()> {
    match format {
        "csv" => CsvWriter::new(w).finish(df),
        "json" => {
            JsonWriter::new(&mut *w).with_json_format(JsonFormat::Json).finish(df)?;
            Ok(w.write_all(b"\n")?)
        }
        _ => ParquetWriter::new(w).with_compression(ParquetCompression::Uncompressed).finish(df).map(|_| ()),
    }
}

fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(df.column(name)?.str()?.iter().map(|s| s.unwrap_or_default().to_owned()).collect())
}

fn nums(df: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    Ok(df.column(name)?.u64()?.iter().map(Option::unwrap_or_default).collect())
}

/// Clicks and unique clicks.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Figures {
    /// Clicks.
    pub clicks: u64,
    /// Distinct visitors who clicked.
    pub unique_clicks: u64,
}

/// One partner's statistics, as the generator renders them.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PartnerStats {
    /// The partner's code.
    pub partner: String,
    /// Its own totals over the period.
    pub total: Figures,
    /// Its downline's totals (empty figures for a partner without one).
    pub downline: Figures,
    /// Per link.
    pub links: BTreeMap<String, Figures>,
    /// Per ad.
    pub ads: BTreeMap<String, Figures>,
    /// Per day, `YYYY-MM-DD`.
    pub daily: BTreeMap<String, Figures>,
}

fn partner_stats(t: &Tables) -> PolarsResult<BTreeMap<String, PartnerStats>> {
    fn figures(df: &DataFrame) -> PolarsResult<impl Iterator<Item = Figures>> {
        let clicks = nums(df, "clicks")?;
        let uniques = nums(df, "unique_clicks")?;
        Ok(clicks.into_iter().zip(uniques).map(|(clicks, unique_clicks)| Figures { clicks, unique_clicks }))
    }
    let mut out: BTreeMap<String, PartnerStats> = BTreeMap::new();
    let df = &t.by_partner;
    for (p, f) in strs(df, "partner")?.into_iter().zip(figures(df)?) {
        if !p.is_empty() {
            out.insert(p.clone(), PartnerStats { partner: p, total: f, ..Default::default() });
        }
    }
    let df = &t.by_parent;
    let downline = nums(df, "downline_clicks")?.into_iter().zip(nums(df, "downline_unique_clicks")?);
    for (p, (clicks, unique_clicks)) in strs(df, "partner")?.into_iter().zip(downline) {
        if clicks > 0 {
            let s = out.entry(p.clone()).or_insert_with(|| PartnerStats { partner: p, ..Default::default() });
            s.downline = Figures { clicks, unique_clicks };
        }
    }
    let df = &t.by_partner_link;
    for ((p, link), f) in strs(df, "partner")?.into_iter().zip(strs(df, "link")?).zip(figures(df)?) {
        if let Some(s) = out.get_mut(&p) {
            s.links.insert(link, f);
        }
    }
    let df = &t.by_ad;
    for ((p, ad), f) in strs(df, "partner")?.into_iter().zip(strs(df, "ad")?).zip(figures(df)?) {
        if let Some(s) = out.get_mut(&p) {
            s.ads.insert(ad, f);
        }
    }
    let df = &t.by_partner_day;
    for ((p, day), f) in strs(df, "partner")?.into_iter().zip(strs(df, "day")?).zip(figures(df)?) {
        if let Some(s) = out.get_mut(&p) {
            s.daily.insert(day, f);
        }
    }
    Ok(out)
}

/// Writes every report file for `tables` and `acc` into `out`.
pub fn write(out: &mut OutputWriter, tables: &mut Tables, acc: &Accounting, info: &RunInfo) -> Result<(), ReportError> {
    let stats = partner_stats(tables)?;
    let named: [(&str, &mut DataFrame); 9] = [
        ("daily", &mut tables.daily),
        ("by_day", &mut tables.by_day),
        ("by_link_partner_ad", &mut tables.by_key),
        ("by_partner", &mut tables.by_partner),
        ("by_partner_day", &mut tables.by_partner_day),
        ("by_partner_link", &mut tables.by_partner_link),
        ("by_link", &mut tables.by_link),
        ("by_ad", &mut tables.by_ad),
        ("by_parent", &mut tables.by_parent),
    ];
    for (name, df) in named {
        for format in ["csv", "json", "parquet"] {
            // Streamed into the file: the largest tables are hundreds of megabytes as JSON.
            let mut failure = None;
            out.write_with(&format!("{name}.{format}"), |w| {
                table(df, format, w).map_err(|e| {
                    let message = e.to_string();
                    failure = Some(e);
                    std::io::Error::other(message)
                })
            })
            .map_err(|e| failure.take().map_or(ReportError::Output(e), ReportError::Polars))?;
        }
    }
    let summary = serde_json::json!({ "run": info, "accounting": acc });
    out.write("summary.json", format!("{:#}\n", summary).as_bytes())?;
    // One file keyed by partner code: the generator reads it once, and a program of 10,000
    // partners does not cost 10,000 file creations a run.
    out.write_with("partners.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &stats)?;
        w.write_all(b"\n")
    })?;
    out.write("report.html", crate::html::render(tables, acc, info)?.as_bytes())?;
    Ok(())
}
