//! The figures each partner's Link Tracking Stats page shows ([`PageStats`]): per link and per
//! ad, clicks and unique clicks over the last 7, 30 and 90 days and all time, the daily
//! clicks of the last 90 days, and a parent's downline totals. Each window is its own polars
//! query over the visits, since distinct visitors cannot be summed across days.

use polars::prelude::*;
use refcenter_model::page_stats::{CHART_DAYS, Figures, PageStats, WINDOWS, Windows};

use crate::classify::Known;
use crate::tables::{Frames, as_parent, rollup};
use crate::tally::{Day, day_name};

fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(df.column(name)?.str()?.iter().map(|s| s.unwrap_or_default().to_owned()).collect())
}

fn figures(df: &DataFrame) -> PolarsResult<Vec<Figures>> {
    let clicks = df.column("clicks")?.u64()?;
    let uniques = df.column("unique_clicks")?.u64()?;
    Ok(clicks
        .iter()
        .zip(uniques.iter())
        .map(|(c, u)| Figures { clicks: c.unwrap_or(0), unique_clicks: u.unwrap_or(0) })
        .collect())
}

/// The days of window `w` ending on `as_of`, as a filter on `day_id`.
fn in_window(w: Option<u32>, as_of: Day) -> Expr {
    match w {
        Some(days) => {
            let first = as_of.saturating_sub(i32::try_from(days).unwrap_or(i32::MAX) - 1);
            col("day_id").gt_eq(lit(first)).and(col("day_id").lt_eq(lit(as_of)))
        }
        None => lit(true),
    }
}

/// Computes every partner's page figures as of the day `as_of`.
pub(crate) fn page_stats(
    f: &Frames,
    rel: &LazyFrame,
    known: &Known,
    no_ad: u32,
    as_of: Day,
    first_day: Option<Day>,
) -> PolarsResult<PageStats> {
    let mut stats = PageStats { as_of: day_name(as_of), first_day: first_day.map(day_name), ..Default::default() };
    for w in WINDOWS {
        let keep = in_window(w, as_of);
        let (h, v) = (f.hits.clone().filter(keep.clone()), f.visits.clone().filter(keep));
        let own = rollup(f, h.clone(), v.clone(), &["partner"], &[]).collect()?;
        for (p, fig) in strs(&own, "partner")?.into_iter().zip(figures(&own)?) {
            if known.partner(&p) {
                *stats.partners.entry(p).or_default().own.get_mut(w) = fig;
            }
        }
        let team = rollup(f, as_parent(h.clone(), rel), as_parent(v.clone(), rel), &["partner"], &[]).collect()?;
        for (p, fig) in strs(&team, "partner")?.into_iter().zip(figures(&team)?) {
            if known.partner(&p) {
                let s = stats.partners.entry(p).or_default();
                *s.downline.get_or_insert_with(Windows::default).get_mut(w) = fig;
            }
        }
        let links = rollup(f, h.clone(), v.clone(), &["partner", "link"], &[]).collect()?;
        let rows = strs(&links, "partner")?.into_iter().zip(strs(&links, "link")?).zip(figures(&links)?);
        for ((p, link), fig) in rows {
            if let Some(s) = stats.partners.get_mut(&p) {
                *s.links.entry(link).or_default().get_mut(w) = fig;
            }
        }
        let with_ad = col("ad_id").neq(lit(no_ad));
        let ads = rollup(f, h.filter(with_ad.clone()), v.filter(with_ad), &["partner", "ad"], &[]).collect()?;
        let rows = strs(&ads, "partner")?.into_iter().zip(strs(&ads, "ad")?).zip(figures(&ads)?);
        for ((p, ad), fig) in rows {
            if let Some(s) = stats.partners.get_mut(&p) {
                *s.ads.entry(ad).or_default().get_mut(w) = fig;
            }
        }
    }
    let keep = in_window(Some(CHART_DAYS), as_of);
    let daily = rollup(f, f.hits.clone().filter(keep.clone()), f.visits.clone().filter(keep), &["partner", "day"], &[])
        .collect()?;
    let rows = strs(&daily, "partner")?.into_iter().zip(strs(&daily, "day")?).zip(figures(&daily)?);
    for ((p, day), fig) in rows {
        if fig.clicks > 0
            && let Some(s) = stats.partners.get_mut(&p)
        {
            s.daily.insert(day, fig);
        }
    }
    // A partner whose only hits were bots has nothing to show.
    stats.partners.retain(|_, s| s.own.all_time.clicks > 0 || s.downline.is_some_and(|d| d.all_time.clicks > 0));
    for s in stats.partners.values_mut() {
        s.links.retain(|_, w| w.all_time.clicks > 0);
        s.ads.retain(|_, w| w.all_time.clicks > 0);
        if s.downline.is_some_and(|d| d.all_time.clicks == 0) {
            s.downline = None;
        }
    }
    Ok(stats)
}
