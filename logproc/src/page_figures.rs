//! The figures each partner's Link Tracking Stats page shows ([`PageStats`]): per link and per
//! ad, clicks and unique clicks over the last 7, 30 and 90 days and all time, the daily
//! clicks of the last 90 days, and a parent's downline totals. Each window is its own polars
//! query over the visits, since distinct visitors cannot be summed across days.

use polars::prelude::*;
use std::collections::BTreeMap;

use refcenter_model::page_stats::{CHART_DAYS, Figures, PageStats, PartnerStats, WINDOWS, Windows};

use crate::days::{Day, day_name, window_start};
use crate::frames::{Frames, Level, day_number, day_part, rollup_with};

fn strs<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Vec<&'a str>> {
    Ok(df.column(name)?.str()?.iter().map(Option::unwrap_or_default).collect())
}

/// The value of `key` in `map`, made if missing (the key is copied only then).
fn slot<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> Option<&'m mut V> {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key)
}

/// Rows of a table sorted by partner, as (partner, second column, figures), a partner's rows
/// handed together to `each` with that partner's stats (rows of partners without stats are
/// skipped): one lookup of the partner per partner, not per row.
fn per_partner<'a>(
    stats: &mut PageStats,
    rows: Vec<(&'a str, &'a str, Figures)>,
    mut each: impl FnMut(&mut PartnerStats, &[(&'a str, &'a str, Figures)]),
) {
    for group in rows.chunk_by(|a, b| a.0 == b.0) {
        if let Some(s) = stats.partners.get_mut(group[0].0) {
            each(s, group);
        }
    }
}

/// The rows of `df` as (partner, `second`, figures).
fn rows<'a>(df: &'a DataFrame, second: &str) -> PolarsResult<Vec<(&'a str, &'a str, Figures)>> {
    let (partners, seconds) = (strs(df, "partner")?, strs(df, second)?);
    Ok(partners.into_iter().zip(seconds).zip(figures(df)?).map(|((p, x), f)| (p, x, f)).collect())
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

/// Whether the window `w` ending on `as_of` holds every day with a hit (`span`).
fn covers_all(w: Option<u32>, as_of: Day, span: Option<(Day, Day)>) -> bool {
    match (w, span) {
        (None, _) | (_, None) => true,
        (Some(days), Some((first, last))) => first >= window_start(days, as_of) && last <= as_of,
    }
}

/// Whether every window ending on `as_of` holds every day with a hit (`span`): then the
/// figures need no rollup of their own, only the whole period's.
pub(crate) fn whole_period_only(as_of: Day, span: Option<(Day, Day)>) -> bool {
    WINDOWS.iter().all(|w| covers_all(*w, as_of, span))
}

/// The whole period's rollups, computed for the report anyway: a window that covers every
/// day with a hit takes its figures from them instead of counting again.
pub(crate) struct WholePeriod<'a> {
    /// Per partner (`by_partner`).
    pub(crate) own: &'a DataFrame,
    /// Per partner with a downline: its downline's figures (`by_parent`).
    pub(crate) parents: &'a DataFrame,
    /// Per partner and link (`by_partner_link`).
    pub(crate) links: &'a DataFrame,
    /// Per partner and ad (`by_ad`).
    pub(crate) ads: &'a DataFrame,
    /// Per partner and day (`by_partner_day`).
    pub(crate) days: &'a DataFrame,
}

/// One window's rollups: per partner, per parent's downline, per partner and link, per
/// partner and ad.
struct Rollups {
    own: DataFrame,
    team: DataFrame,
    links: DataFrame,
    ads: DataFrame,
}

/// The rollups of the windows `windows` (each its first and last day numbers), their unique
/// clicks counted for every window in one pass over the visits per level.
fn window_rollups(f: &Frames<'_>, windows: &[(u64, u64)]) -> PolarsResult<Vec<Rollups>> {
    if windows.is_empty() {
        return Ok(Vec::new());
    }
    let Some(hits) = &f.hits else {
        polars_bail!(ComputeError: "the hits per day were let go before a window that needs them")
    };
    let days = f.row_days()?;
    let hits_in = |&(first, last): &(u64, u64)| {
        hits.clone().filter(day_part().gt_eq(lit(first)).and(day_part().lt_eq(lit(last))))
    };
    let with_ad = f.has_ad();
    let ad_visits = f.visits.filter(&with_ad);
    let uniques = |visits: &crate::distinct::Visits, level| f.uniques_in_windows(visits, &days, level, windows);
    let (own, links, ads) = (
        uniques(&f.visits, Level::Partner)?,
        uniques(&f.visits, Level::PartnerLink)?,
        uniques(&ad_visits, Level::PartnerAd)?,
    );
    let team = f.downline_in_windows(windows.iter().map(hits_in).collect(), &f.visits, &days, windows)?;
    let rollup = |hits: LazyFrame, uniques: DataFrame, level| rollup_with(f, hits, Some(uniques), level, &[]);
    windows
        .iter()
        .zip(own.into_iter().zip(links).zip(ads).zip(team))
        .map(|(w, (((own, links), ads), team))| {
            Ok(Rollups {
                own: rollup(hits_in(w), own, Level::Partner)?,
                team,
                links: rollup(hits_in(w), links, Level::PartnerLink)?,
                ads: rollup(hits_in(w).filter(with_ad.clone()), ads, Level::PartnerAd)?,
            })
        })
        .collect()
}

fn whole_period(all: &WholePeriod<'_>) -> PolarsResult<Rollups> {
    let team = all
        .parents
        .clone()
        .lazy()
        .select([
            col("partner"),
            col("downline_clicks").alias("clicks"),
            col("downline_unique_clicks").alias("unique_clicks"),
        ])
        .collect()?;
    Ok(Rollups { own: all.own.clone(), team, links: all.links.clone(), ads: all.ads.clone() })
}

/// Computes every partner's page figures as of the day `as_of`; `span` is the first and last
/// day with a hit. The frames are dropped once the windows are counted, before the figures
/// are gathered.
pub(crate) fn page_stats(
    f: Frames<'_>,
    as_of: Day,
    span: Option<(Day, Day)>,
    all: &WholePeriod<'_>,
) -> PolarsResult<PageStats> {
    let known = f.known;
    // The windows that leave out some day with a hit are counted together; the others take
    // the whole period's figures.
    let counted: Vec<(u64, u64)> = WINDOWS
        .iter()
        .filter(|w| !covers_all(**w, as_of, span))
        .filter_map(|w| w.map(|days| (day_number(window_start(days, as_of)), day_number(as_of))))
        .collect();
    let mut counted = window_rollups(&f, &counted)?.into_iter();
    let mut windows = Vec::new();
    for w in WINDOWS {
        let rollups = match covers_all(w, as_of, span) {
            true => whole_period(all)?,
            false => counted.next().ok_or_else(|| polars_err!(ComputeError: "a window was not counted"))?,
        };
        windows.push((w, rollups));
    }
    drop(f);
    let mut stats = PageStats { as_of: day_name(as_of), first_day: span.map(|s| day_name(s.0)), ..Default::default() };
    for (w, r) in windows {
        for (p, fig) in strs(&r.own, "partner")?.into_iter().zip(figures(&r.own)?) {
            if known.partner(p)
                && let Some(s) = slot(&mut stats.partners, p)
            {
                *s.own.get_mut(w) = fig;
            }
        }
        for (p, fig) in strs(&r.team, "partner")?.into_iter().zip(figures(&r.team)?) {
            if known.partner(p)
                && fig.clicks > 0
                && let Some(s) = slot(&mut stats.partners, p)
            {
                *s.downline.get_or_insert_with(Windows::default).get_mut(w) = fig;
            }
        }
        // The rollups are sorted by partner: each partner's rows are found together.
        per_partner(&mut stats, rows(&r.links, "link")?, |s, group| {
            for &(_, link, fig) in group {
                if let Some(x) = slot(&mut s.links, link) {
                    *x.get_mut(w) = fig;
                }
            }
        });
        per_partner(&mut stats, rows(&r.ads, "ad")?, |s, group| {
            for &(_, ad, fig) in group {
                if let Some(x) = slot(&mut s.ads, ad) {
                    *x.get_mut(w) = fig;
                }
            }
        });
    }
    let (from, to) = (day_name(window_start(CHART_DAYS, as_of)), day_name(as_of));
    per_partner(&mut stats, rows(all.days, "day")?, |s, group| {
        for &(_, day, fig) in group {
            if fig.clicks > 0 && day >= from.as_str() && day <= to.as_str() {
                s.daily.insert(day.to_owned(), fig);
            }
        }
    });
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
