//! The statistics tables, computed with polars from the run's counts: per (day, link, partner,
//! ad), over the period per (link, partner, ad), per partner, per link, per ad, and per parent
//! with its downline beside its own figures. Unique clicks are distinct visitors, so they are
//! counted from the visits at each level, never summed from a finer one.

use polars::prelude::*;
use refcenter_model::Program;

use refcenter_model::page_stats::PageStats;

use crate::classify::Known;
use crate::tally::{Day, Tally, day_name};

/// Every table of a report.
pub struct Tables {
    /// Per day, link, partner and ad.
    pub daily: DataFrame,
    /// Per day, the whole program.
    pub by_day: DataFrame,
    /// Per link, partner and ad, over the period.
    pub by_key: DataFrame,
    /// Per partner.
    pub by_partner: DataFrame,
    /// Per partner and day.
    pub by_partner_day: DataFrame,
    /// Per partner and link.
    pub by_partner_link: DataFrame,
    /// Per link.
    pub by_link: DataFrame,
    /// Per partner and ad (hits with an ad only).
    pub by_ad: DataFrame,
    /// Per partner with a downline: its own figures and its downline's.
    pub by_parent: DataFrame,
    /// Each partner's figures for its Link Tracking Stats page.
    pub pages: PageStats,
}

/// Integer frames of the run and the dictionaries that name their ids.
pub(crate) struct Frames {
    pub(crate) hits: LazyFrame,
    pub(crate) visits: LazyFrame,
    /// The unique clicks per (day, key), counted off the sorted visits.
    finest: LazyFrame,
    days: LazyFrame,
    links: LazyFrame,
    partners: LazyFrame,
    ads: LazyFrame,
    known_ads: LazyFrame,
}

fn u32s(name: &str, v: Vec<u32>) -> Column {
    Column::new(name.into(), v)
}

fn frames(tally: &mut Tally, known: &Known) -> PolarsResult<Frames> {
    let day_ids = tally.days();
    let c = tally.take_count_columns();
    let hits = DataFrame::new(
        c.day.len(),
        vec![
            Column::new("day_key".into(), c.day_key),
            Column::new("day_id".into(), c.day),
            u32s("link_id", c.link),
            u32s("partner_id", c.partner),
            u32s("ad_id", c.ad),
            Column::new("clicks".into(), c.clicks),
            Column::new("bot_hits".into(), c.bot_hits),
            Column::new("head_hits".into(), c.head_hits),
        ],
    )?;
    let v = tally.take_visits();
    let (day_key, day, uniques) = v.finest;
    let finest = DataFrame::new(
        day_key.len(),
        vec![
            Column::new("day_key".into(), day_key),
            Column::new("day_id".into(), day),
            Column::new("unique_clicks".into(), uniques),
        ],
    )?;
    let visits = DataFrame::new(
        v.day.len(),
        vec![
            Column::new("day_id".into(), v.day),
            u32s("link_id", v.link),
            u32s("partner_id", v.partner),
            u32s("ad_id", v.ad),
            Column::new("visitor".into(), v.visitor),
        ],
    )?;
    let day_names: Vec<String> = day_ids.iter().map(|d| day_name(*d)).collect();
    let days = DataFrame::new(
        day_ids.len(),
        vec![Column::new("day_id".into(), day_ids), Column::new("day".into(), day_names)],
    )?;
    let link_names = tally.links.all();
    let links =
        dict("link_id", "link", link_names, Some(("known_link", link_names.iter().map(|n| known.link(n)).collect())))?;
    let partner_names = tally.partners.all();
    let partners = dict(
        "partner_id",
        "partner",
        partner_names,
        Some(("known_partner", partner_names.iter().map(|n| known.partner(n)).collect())),
    )?;
    let ads = dict("ad_id", "ad", tally.ads.all(), None)?;
    let pairs: Vec<[u32; 3]> = tally.keys().to_vec();
    let ad_names = tally.ads.all();
    let known_ads = DataFrame::new(
        pairs.len(),
        vec![
            u32s("partner_id", pairs.iter().map(|k| k[1]).collect()),
            u32s("ad_id", pairs.iter().map(|k| k[2]).collect()),
            Column::new(
                "known_ad".into(),
                pairs
                    .iter()
                    .map(|k| known.ad(&partner_names[k[1] as usize], &ad_names[k[2] as usize]))
                    .collect::<Vec<bool>>(),
            ),
        ],
    )?
    .lazy()
    .unique_stable(None, UniqueKeepStrategy::First)
    .collect()?
    .lazy();
    Ok(Frames {
        hits: hits.lazy(),
        visits: visits.lazy(),
        finest: finest.lazy(),
        days: days.lazy(),
        links: links.lazy(),
        partners: partners.lazy(),
        ads: ads.lazy(),
        known_ads,
    })
}

/// A dictionary frame: ids, their names, and optionally a flag per name.
fn dict(id: &str, name: &str, names: &[String], flag: Option<(&str, Vec<bool>)>) -> PolarsResult<DataFrame> {
    let mut cols = vec![
        u32s(id, (0..names.len()).map(|i| u32::try_from(i).unwrap_or(u32::MAX)).collect()),
        Column::new(name.into(), names.to_vec()),
    ];
    if let Some((flag, values)) = flag {
        cols.push(Column::new(flag.into(), values));
    }
    DataFrame::new(names.len(), cols)
}

fn cols(names: &[&str]) -> Vec<Expr> {
    names.iter().map(|n| col(*n)).collect()
}

/// An id column as a 32-bit unsigned number in the order of its values (days are signed).
fn widen(id: &str) -> Expr {
    if id == "day_id" {
        (col(id).cast(DataType::Int64) + lit(1i64 << 31)).cast(DataType::UInt64)
    } else {
        col(id).cast(DataType::UInt64)
    }
}

/// The id column of a named column.
fn id_of(name: &str) -> String {
    format!("{name}_id")
}

/// Hits summed by the named columns `by` (grouped on their ids), with the distinct visitors as
/// `unique_clicks`, the names joined back, and `flags` from the dictionaries.
pub(crate) fn rollup(f: &Frames, hits: LazyFrame, visits: LazyFrame, by: &[&str], flags: &[&str]) -> LazyFrame {
    let ids: Vec<String> = by.iter().map(|b| id_of(b)).collect();
    let id_cols: Vec<Expr> = ids.iter().map(|i| col(i.as_str())).collect();
    // Visits are distinct per (day, link, partner, ad, visitor): at that level the unique
    // clicks are a row count; above it, distinct visitors are counted.
    // At the finest level the unique clicks were counted off the sorted visits (`visits` is
    // then a frame of `Frames::finest`); above it, distinct visitors are counted.
    // Groups are formed on one 64-bit key where the ids fit in one (polars compares several
    // key columns as encoded rows, which is slower).
    let finest = ["day", "link", "partner", "ad"].iter().all(|k| by.contains(k));
    let key = match ids.as_slice() {
        _ if finest => Some(col("day_key")),
        [a, b] => Some(widen(a) * lit(1u64 << 32) + widen(b)),
        _ => None,
    };
    let sums = [col("clicks").sum(), col("bot_hits").sum(), col("head_hits").sum()];
    let distinct = col("visitor").n_unique().cast(DataType::UInt64).alias("unique_clicks");
    let left = JoinArgs::new(JoinType::Left);
    let mut frame = match key {
        Some(key) => {
            let on = [col("group_key")];
            let uniques = if finest {
                visits.select([col("day_key").alias("group_key"), col("unique_clicks")])
            } else {
                visits.group_by([key.clone().alias("group_key")]).agg([distinct])
            };
            let mut aggs: Vec<Expr> = sums.to_vec();
            aggs.extend(id_cols.iter().map(|c| c.clone().first()));
            hits.group_by([key.alias("group_key")]).agg(aggs).join(uniques, on.clone(), on, left.clone()).drop(by_name(
                ["group_key"],
                true,
                false,
            ))
        }
        None => {
            let uniques = visits.group_by(id_cols.clone()).agg([distinct]);
            hits.group_by(id_cols.clone()).agg(sums).join(uniques, id_cols.clone(), id_cols.clone(), left.clone())
        }
    }
    .with_column(col("unique_clicks").fill_null(lit(0u64)));
    for name in by {
        let dict = match *name {
            "day" => f.days.clone(),
            "link" => f.links.clone(),
            "partner" => f.partners.clone(),
            _ => f.ads.clone(),
        };
        frame = frame.join(dict, [col(id_of(name).as_str())], [col(id_of(name).as_str())], left.clone());
    }
    if flags.contains(&"known_ad") {
        frame = frame.join(f.known_ads.clone(), cols(&["partner_id", "ad_id"]), cols(&["partner_id", "ad_id"]), left);
    }
    let mut order: Vec<Expr> = cols(by);
    order.extend([col("clicks"), col("unique_clicks"), col("bot_hits"), col("head_hits")]);
    order.extend(flags.iter().map(|f| col(*f)));
    // Ids are numbered in name order (Tally::sort_names): sorting on them sorts by name.
    frame
        .sort(ids.iter().map(|s| PlSmallStr::from(s.as_str())).collect::<Vec<_>>(), SortMultipleOptions::default())
        .select(order)
}

/// `(partner_id, member_id)` for every partner and each member of its downline.
fn downline(program: &Program, tally: &Tally) -> PolarsResult<LazyFrame> {
    let mut ancestors = Vec::new();
    let mut members = Vec::new();
    for p in program.partners() {
        let Some(a) = tally.partners.get(p.code.as_str()) else { continue };
        for (member, _) in program.tree().downline(p.code.as_str()) {
            if let Some(m) = tally.partners.get(member.as_str()) {
                ancestors.push(a);
                members.push(m);
            }
        }
    }
    Ok(DataFrame::new(ancestors.len(), vec![u32s("partner_id", ancestors), u32s("member_id", members)])?.lazy())
}

/// `frame`'s rows once for each ancestor of their partner, with `partner_id` the ancestor's:
/// a parent's downline figures.
pub(crate) fn as_parent(frame: LazyFrame, rel: &LazyFrame) -> LazyFrame {
    frame
        .join(rel.clone(), [col("partner_id")], [col("member_id")], JoinArgs::new(JoinType::Inner))
        .drop(by_name(["partner_id"], true, false))
        .rename(["partner_id_right"], ["partner_id"], true)
}

/// Computes every table (the visits are taken out of `tally`); the page figures' windows end
/// on the day `as_of`. The per-day table of every (link, partner, ad) is computed for the days
/// in `daily_days` only (`None`: every day), for a store that keeps the other days' files.
pub fn tables(
    tally: &mut Tally,
    known: &Known,
    program: &Program,
    as_of: Day,
    daily_days: Option<&std::collections::BTreeSet<Day>>,
) -> PolarsResult<Tables> {
    tally.sort_names();
    let days = tally.days();
    let span = days.first().copied().zip(days.last().copied());
    let rel = downline(program, tally)?;
    let f = frames(tally, known)?;
    let (h, v) = (f.hits.clone(), f.visits.clone());
    let all = ["known_link", "known_partner", "known_ad"];
    let finest = ["day", "link", "partner", "ad"];
    let daily = match daily_days {
        None => rollup(&f, h.clone(), f.finest.clone(), &finest, &all).collect()?,
        Some(days) => {
            let keep = days.iter().fold(lit(false), |any, d| any.or(col("day_id").eq(lit(*d))));
            let (h, u) = (h.clone().filter(keep.clone()), f.finest.clone().filter(keep));
            rollup(&f, h, u, &finest, &all).collect()?
        }
    };
    let by_day = rollup(&f, h.clone(), v.clone(), &["day"], &[]).collect()?;
    let by_key = rollup(&f, h.clone(), v.clone(), &["link", "partner", "ad"], &all).collect()?;
    let by_partner = rollup(&f, h.clone(), v.clone(), &["partner"], &["known_partner"]).collect()?;
    let by_partner_day = rollup(&f, h.clone(), v.clone(), &["partner", "day"], &["known_partner"]).collect()?;
    let by_partner_link =
        rollup(&f, h.clone(), v.clone(), &["partner", "link"], &["known_partner", "known_link"]).collect()?;
    let by_link = rollup(&f, h.clone(), v.clone(), &["link"], &["known_link"]).collect()?;
    let no_ad = tally.ads.get("").unwrap_or(u32::MAX);
    let with_ad = col("ad_id").neq(lit(no_ad));
    let by_ad =
        rollup(&f, h.clone().filter(with_ad.clone()), v.clone().filter(with_ad), &["partner", "ad"], &["known_ad"])
            .collect()?;

    // Each parent's downline: the members' hits and distinct visitors, beside its own.
    let team = rollup(&f, as_parent(h, &rel), as_parent(v, &rel), &["partner"], &[]).select([
        col("partner"),
        col("clicks").alias("downline_clicks"),
        col("unique_clicks").alias("downline_unique_clicks"),
    ]);
    let parents = rel
        .clone()
        .select([col("partner_id")])
        .unique_stable(None, UniqueKeepStrategy::First)
        .join(f.partners.clone(), [col("partner_id")], [col("partner_id")], JoinArgs::new(JoinType::Left))
        .select([col("partner")]);
    let own = by_partner.clone().lazy().select([col("partner"), col("clicks"), col("unique_clicks")]);
    let by_parent = parents
        .join(own, [col("partner")], [col("partner")], JoinArgs::new(JoinType::Left))
        .join(team, [col("partner")], [col("partner")], JoinArgs::new(JoinType::Left))
        .with_columns([
            col("clicks").fill_null(lit(0u64)),
            col("unique_clicks").fill_null(lit(0u64)),
            col("downline_clicks").fill_null(lit(0u64)),
            col("downline_unique_clicks").fill_null(lit(0u64)),
        ])
        .sort(["partner"], SortMultipleOptions::default())
        .collect()?;
    let all = crate::page_figures::WholePeriod {
        own: &by_partner,
        parents: &by_parent,
        links: &by_partner_link,
        ads: &by_ad,
        days: &by_partner_day,
    };
    let pages = crate::page_figures::page_stats(&f, &rel, known, no_ad, as_of, span, &all)?;
    Ok(Tables { daily, by_day, by_key, by_partner, by_partner_day, by_partner_link, by_link, by_ad, by_parent, pages })
}
