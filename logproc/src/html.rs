//! `report.html`: the admin's view of a run, self-contained (inline style and SVG, no script):
//! totals, a chart of clicks per day, top partners, links and ads, unknown codes seen (typos in
//! links partners shared), where clicks came from (each breakdown's top values, as bars), bot
//! hits by reason, and the accounting of every line.

use polars::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::accounting::Accounting;
use crate::chart::{Point, daily_svg};
use crate::run_info::RunInfo;
use crate::sink::ReportError;
use crate::tables::Tables;

const TEMPLATE: &str = include_str!("report.html");
const TOP: u32 = 20;

#[derive(Serialize)]
struct Row {
    name: String,
    clicks: u64,
    unique_clicks: u64,
    bot_hits: u64,
}

/// Hits over everything reported (the whole store in scheduled use).
#[derive(Serialize)]
struct Totals {
    clicks: u64,
    bot_hits: u64,
    head_hits: u64,
}

/// Bot hits of one reason, and their share of all hits on tracking links.
#[derive(Serialize)]
struct Share<'a> {
    reason: &'a str,
    hits: u64,
    percent: String,
}

fn rows(df: &DataFrame, name: impl Fn(&DataFrame, usize) -> String, top: Option<u32>) -> PolarsResult<Vec<Row>> {
    let mut df =
        df.sort(["clicks"], SortMultipleOptions::default().with_order_descending(true).with_maintain_order(true))?;
    if let Some(top) = top {
        df = df.head(Some(top as usize));
    }
    let c = df.column("clicks")?.u64()?.clone();
    let u = df.column("unique_clicks")?.u64()?.clone();
    let b = df.column("bot_hits")?.u64()?.clone();
    Ok((0..df.height())
        .map(|i| Row {
            name: name(&df, i),
            clicks: c.get(i).unwrap_or(0),
            unique_clicks: u.get(i).unwrap_or(0),
            bot_hits: b.get(i).unwrap_or(0),
        })
        .collect())
}

/// One breakdown dimension's top values over the period.
#[derive(Serialize)]
struct BreakdownTop {
    dimension: String,
    total: u64,
    rows: Vec<ValueShare>,
}

/// A value, its clicks and their share of all clicks.
#[derive(Serialize)]
struct ValueShare {
    value: String,
    clicks: u64,
    percent: String,
}

/// The top values of each dimension of `breakdown` (dimension, value, clicks; sorted by
/// dimension, most clicks first), the shares out of `total` clicks.
fn breakdown_tops(breakdown: &DataFrame, total: u64) -> PolarsResult<Vec<BreakdownTop>> {
    if breakdown.height() == 0 {
        return Ok(Vec::new());
    }
    let (dims, values) = (breakdown.column("dimension")?.str()?, breakdown.column("value")?.str()?);
    let clicks = breakdown.column("clicks")?.u64()?;
    let mut tops: Vec<BreakdownTop> = Vec::new();
    for i in 0..breakdown.height() {
        let dim = dims.get(i).unwrap_or("");
        if tops.last().is_none_or(|t| t.dimension != dim) {
            tops.push(BreakdownTop { dimension: dim.to_owned(), total, rows: Vec::new() });
        }
        let Some(top) = tops.last_mut() else { continue };
        if top.rows.len() < TOP as usize {
            let n = clicks.get(i).unwrap_or(0);
            let percent = format!("{:.1}", n as f64 * 100.0 / total.max(1) as f64);
            top.rows.push(ValueShare { value: values.get(i).unwrap_or("").to_owned(), clicks: n, percent });
        }
    }
    Ok(tops)
}

fn text(df: &DataFrame, col: &str, i: usize) -> String {
    df.column(col).ok().and_then(|c| c.str().ok()).and_then(|s| s.get(i)).unwrap_or("").to_owned()
}

/// The report page.
pub fn render(t: &Tables, acc: &Accounting, info: &RunInfo) -> Result<String, ReportError> {
    let daily = &t.by_day;
    let days = daily.column("day")?.str()?.clone();
    let clicks = daily.column("clicks")?.u64()?.clone();
    let unique = daily.column("unique_clicks")?.u64()?.clone();
    let points: Vec<Point> = (0..daily.height())
        .map(|i| Point {
            day: days.get(i).unwrap_or("").to_owned(),
            clicks: clicks.get(i).unwrap_or(0),
            unique: unique.get(i).unwrap_or(0),
        })
        .collect();
    let chart = daily_svg(&points).map_err(ReportError::Html)?;

    let partners = rows(
        &t.by_partner.clone().lazy().filter(col("known_partner")).collect()?,
        |d, i| text(d, "partner", i),
        Some(TOP),
    )?;
    let links =
        rows(&t.by_link.clone().lazy().filter(col("known_link")).collect()?, |d, i| text(d, "link", i), Some(TOP))?;
    let ads = rows(
        &t.by_ad.clone().lazy().filter(col("known_ad")).collect()?,
        |d, i| format!("{} / {}", text(d, "partner", i), text(d, "ad", i)),
        Some(TOP),
    )?;
    let unknown = rows(
        &t.unknown,
        |d, i| {
            let (l, p, a) = (text(d, "link", i), text(d, "partner", i), text(d, "ad", i));
            [l, p, a].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/")
        },
        Some(100),
    )?;
    let sum = |name: &str| -> PolarsResult<u64> { Ok(daily.column(name)?.u64()?.sum().unwrap_or(0)) };
    let totals = Totals { clicks: sum("clicks")?, bot_hits: sum("bot_hits")?, head_hits: sum("head_hits")? };
    let all_hits = (totals.clicks + totals.bot_hits + totals.head_hits).max(1);
    let bot_share: Vec<Share> = info
        .bot_hits
        .iter()
        .map(|(reason, &hits)| Share { reason, hits, percent: format!("{:.1}", hits as f64 * 100.0 / all_hits as f64) })
        .collect();
    let mut tera = Tera::default();
    tera.set_escape_fn(refcenter_common::escape_html);
    tera.add_raw_template("report.html", TEMPLATE).map_err(|e| ReportError::Html(format!("{e:?}")))?;
    let mut ctx = Context::new();
    ctx.insert("info", info);
    ctx.insert("acc", acc);
    ctx.insert("totals", &totals);
    ctx.insert("bot_share", &bot_share);
    ctx.insert("chart", &chart);
    ctx.insert("partners", &partners);
    ctx.insert("links", &links);
    ctx.insert("ads", &ads);
    ctx.insert("unknown", &unknown);
    ctx.insert("breakdowns", &breakdown_tops(&t.breakdown, totals.clicks)?);
    tera.render("report.html", &ctx).map_err(|e| ReportError::Html(format!("{e:?}")))
}
