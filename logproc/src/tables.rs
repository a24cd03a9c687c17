//! The statistics tables, computed with polars from the run's counts: per (day, link, partner,
//! ad), over the period per (link, partner, ad), per partner, per link, per ad, and per parent
//! with its downline beside its own figures. Unique clicks are distinct visitors, so they are
//! counted from the visits at each level, never summed from a finer one.

use polars::prelude::*;
use refcenter_model::Program;

use crate::classify::Known;
use crate::tally::{Tally, day_name};

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
}

const KEY: [&str; 3] = ["link", "partner", "ad"];

fn str_col(name: &str, values: Vec<&str>) -> Column {
    Column::new(name.into(), values)
}

fn frames(tally: &Tally, known: &Known) -> PolarsResult<(LazyFrame, LazyFrame)> {
    let rows = tally.rows();
    let days: Vec<String> = rows.iter().map(|r| day_name(r.0)).collect();
    let hits = DataFrame::new(
        rows.len(),
        vec![
            str_col("day", days.iter().map(String::as_str).collect()),
            str_col("link", rows.iter().map(|r| r.1.link.as_str()).collect()),
            str_col("partner", rows.iter().map(|r| r.1.partner.as_str()).collect()),
            str_col("ad", rows.iter().map(|r| r.1.ad.as_str()).collect()),
            Column::new("clicks".into(), rows.iter().map(|r| r.2.clicks).collect::<Vec<u64>>()),
            Column::new(
                "bot_hits".into(),
                rows.iter().map(|r| r.2.bot_hits.values().sum::<u64>()).collect::<Vec<u64>>(),
            ),
            Column::new("head_hits".into(), rows.iter().map(|r| r.2.head_hits).collect::<Vec<u64>>()),
            Column::new("known_link".into(), rows.iter().map(|r| known.link(&r.1.link)).collect::<Vec<bool>>()),
            Column::new(
                "known_partner".into(),
                rows.iter().map(|r| known.partner(&r.1.partner)).collect::<Vec<bool>>(),
            ),
            Column::new("known_ad".into(), rows.iter().map(|r| known.ad(&r.1.partner, &r.1.ad)).collect::<Vec<bool>>()),
        ],
    )?;
    let visits = tally.visits();
    let vdays: Vec<String> = visits.iter().map(|v| day_name(v.0)).collect();
    let visits = DataFrame::new(
        visits.len(),
        vec![
            str_col("day", vdays.iter().map(String::as_str).collect()),
            str_col("link", visits.iter().map(|v| v.1.link.as_str()).collect()),
            str_col("partner", visits.iter().map(|v| v.1.partner.as_str()).collect()),
            str_col("ad", visits.iter().map(|v| v.1.ad.as_str()).collect()),
            Column::new("visitor".into(), visits.iter().map(|v| v.2).collect::<Vec<u64>>()),
        ],
    )?;
    Ok((hits.lazy(), visits.lazy()))
}

fn cols(names: &[&str]) -> Vec<Expr> {
    names.iter().map(|n| col(*n)).collect()
}

fn sums() -> [Expr; 3] {
    [col("clicks").sum(), col("bot_hits").sum(), col("head_hits").sum()]
}

/// Hits summed by `by`, with the distinct visitors of `by` as `unique_clicks`.
fn rollup(hits: &LazyFrame, visits: &LazyFrame, by: &[&str], flags: &[&str]) -> LazyFrame {
    let mut aggs: Vec<Expr> = sums().to_vec();
    aggs.extend(flags.iter().map(|f| col(*f).first()));
    let uniques = visits
        .clone()
        .group_by(cols(by))
        .agg([col("visitor").n_unique().cast(DataType::UInt64).alias("unique_clicks")]);
    let mut order: Vec<Expr> = cols(by);
    order.extend([col("clicks"), col("unique_clicks"), col("bot_hits"), col("head_hits")]);
    order.extend(flags.iter().map(|f| col(*f)));
    hits.clone()
        .group_by(cols(by))
        .agg(aggs)
        .join(uniques, cols(by), cols(by), JoinArgs::new(JoinType::Left))
        .with_column(col("unique_clicks").fill_null(lit(0u64)))
        .select(order)
        .sort(by.iter().map(|s| PlSmallStr::from(*s)).collect::<Vec<_>>(), SortMultipleOptions::default())
}

/// `(ancestor, member)` for every partner and each member of its downline.
fn downline(program: &Program) -> PolarsResult<LazyFrame> {
    let mut ancestors = Vec::new();
    let mut members = Vec::new();
    for p in program.partners() {
        for (member, _) in program.tree().downline(p.code.as_str()) {
            ancestors.push(p.code.as_str());
            members.push(member.as_str());
        }
    }
    Ok(DataFrame::new(ancestors.len(), vec![str_col("partner", ancestors), str_col("member", members)])?.lazy())
}

/// Computes every table.
pub fn tables(tally: &Tally, known: &Known, program: &Program) -> PolarsResult<Tables> {
    let (hits, visits) = frames(tally, known)?;
    let mut daily_key = vec!["day"];
    daily_key.extend(KEY);
    let daily = rollup(&hits, &visits, &daily_key, &["known_link", "known_partner", "known_ad"]).collect()?;
    let by_day = rollup(&hits, &visits, &["day"], &[]).collect()?;
    let by_key = rollup(&hits, &visits, &KEY, &["known_link", "known_partner", "known_ad"]).collect()?;
    let by_partner = rollup(&hits, &visits, &["partner"], &["known_partner"]).collect()?;
    let by_partner_day = rollup(&hits, &visits, &["partner", "day"], &["known_partner"]).collect()?;
    let by_partner_link = rollup(&hits, &visits, &["partner", "link"], &["known_partner", "known_link"]).collect()?;
    let by_link = rollup(&hits, &visits, &["link"], &["known_link"]).collect()?;
    let with_ad = col("ad").neq(lit(""));
    let by_ad = rollup(
        &hits.clone().filter(with_ad.clone()),
        &visits.clone().filter(with_ad),
        &["partner", "ad"],
        &["known_ad"],
    )
    .collect()?;

    // Each parent's downline: the members' hits and distinct visitors, beside its own.
    let rel = downline(program)?;
    let member_hits = hits.clone().join(rel.clone(), [col("partner")], [col("member")], JoinArgs::new(JoinType::Inner));
    let member_hits = member_hits.drop(by_name(["partner"], true, false)).rename(["partner_right"], ["partner"], true);
    let member_visits =
        visits.clone().join(rel.clone(), [col("partner")], [col("member")], JoinArgs::new(JoinType::Inner));
    let member_visits =
        member_visits.drop(by_name(["partner"], true, false)).rename(["partner_right"], ["partner"], true);
    let team = rollup(&member_hits, &member_visits, &["partner"], &[]).select([
        col("partner"),
        col("clicks").alias("downline_clicks"),
        col("unique_clicks").alias("downline_unique_clicks"),
    ]);
    let parents = rel.select([col("partner")]).unique_stable(None, UniqueKeepStrategy::First);
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
    Ok(Tables { daily, by_day, by_key, by_partner, by_partner_day, by_partner_link, by_link, by_ad, by_parent })
}
