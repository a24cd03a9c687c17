//! What a partner's Link Tracking Stats page shows, made from the figures `refstats` wrote
//! (its entry of `partners.json`, [`PartnerStats`]): its own clicks and unique clicks per link and per ad over the last 7, 30
//! and 90 days and all time, its downline's totals, a chart of its daily clicks, and where its
//! clicks came from (its top sources, devices, systems, browsers, countries and referrers, as
//! bars). The site reads each partner's
//! own entry of the file for that partner's pages only and hands it over as [`Given`]: no page
//! is ever given another partner's figures.

use std::fmt::Write as _;

use refcenter_model::money::Money;
use refcenter_model::page_stats::{
    CHART_DAYS, ConversionWindows, Conversions, DIMENSIONS, Figures, PartnerStats, Windows,
};
use refcenter_model::{Partner, Program};
use serde::Serialize;

use crate::templates::escape_html;

/// The column headings of the windows, in [`Windows`] order.
const WINDOW_NAMES: [&str; 4] = ["Last 7 days", "Last 30 days", "Last 90 days", "All time"];

/// One row of a figures table.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The code (link or ad), empty for totals.
    pub code: String,
    /// What the row is.
    pub name: String,
    /// Figures per window.
    pub figures: [Figures; 4],
}

/// The page's data.
#[derive(Clone, Debug, Serialize)]
pub struct StatsView {
    /// Whether `refstats` figures were given to the build at all.
    pub available: bool,
    /// The last day the figures cover.
    pub as_of: String,
    /// Whether the partner (or its downline) has any click.
    pub has_clicks: bool,
    /// Window headings.
    pub windows: [&'static str; 4],
    /// The partner's own totals, and its downline's when it has one.
    pub totals: Vec<Row>,
    /// Per link.
    pub links: Vec<Row>,
    /// Per ad.
    pub ads: Vec<Row>,
    /// The daily chart as inline SVG (empty without clicks in the chart's days).
    pub chart: String,
    /// The chart's days with clicks, for a table beside the chart.
    pub days: Vec<(String, Figures)>,
    /// Its clicks broken down, one entry per dimension `refstats` counted.
    pub breakdowns: Vec<BreakdownView>,
    /// Opt-ins, orders and commission, when the program pays commissions.
    pub conversions: Option<ConversionsView>,
}

/// One dimension of the breakdowns: its top values in each window.
#[derive(Clone, Debug, Serialize)]
pub struct BreakdownView {
    /// The dimension's name in `partners.json` (`country`, ...), for ids.
    pub id: String,
    /// Its heading.
    pub title: &'static str,
    /// Per window, in [`Windows`] order.
    pub windows: Vec<BreakdownWindow>,
}

/// A window's top values of one dimension.
#[derive(Clone, Debug, Serialize)]
pub struct BreakdownWindow {
    /// The window's heading.
    pub name: &'static str,
    /// The partner's clicks in the window (each bar's whole).
    pub total: u64,
    /// The top values, most clicks first.
    pub entries: Vec<BreakdownEntry>,
}

/// One value and its clicks.
#[derive(Clone, Debug, Serialize)]
pub struct BreakdownEntry {
    /// The value as counted.
    pub value: String,
    /// How it reads on the page.
    pub label: String,
    /// Its clicks.
    pub clicks: u64,
}

/// The heading of a dimension.
fn dimension_title(id: &str) -> &'static str {
    match id {
        "source" => "QR code or link",
        "device" => "Devices",
        "os" => "Operating systems",
        "browser" => "Browsers",
        "country" => "Countries",
        "referrer" => "Referring sites",
        _ => "Other",
    }
}

/// How a value reads on the page.
fn value_label(id: &str, value: &str) -> String {
    match (id, value) {
        ("source", "qr") => "QR code scans".to_owned(),
        ("source", "link") => "Links".to_owned(),
        ("referrer", "(direct)") => "No referrer (typed, bookmarked, apps)".to_owned(),
        ("referrer", "(other)") => "Not a web address".to_owned(),
        (_, "unknown") => "Unknown".to_owned(),
        _ => value.to_owned(),
    }
}

fn breakdowns(s: &PartnerStats) -> Vec<BreakdownView> {
    let totals = figures(&s.own);
    let mut ids: Vec<&String> = s.breakdowns.keys().collect();
    ids.sort_by_key(|id| DIMENSIONS.iter().position(|d| d == id).unwrap_or(DIMENSIONS.len()));
    ids.into_iter()
        .map(|id| {
            let b = &s.breakdowns[id];
            let lists = [&b.last_7_days, &b.last_30_days, &b.last_90_days, &b.all_time];
            let windows = lists
                .iter()
                .zip(WINDOW_NAMES)
                .zip(totals)
                .map(|((list, name), total)| BreakdownWindow {
                    name,
                    total: total.clicks,
                    entries: list
                        .iter()
                        .map(|e| BreakdownEntry {
                            value: e.value.clone(),
                            label: value_label(id, &e.value),
                            clicks: e.clicks,
                        })
                        .collect(),
                })
                .collect();
            BreakdownView { id: id.clone(), title: dimension_title(id), windows }
        })
        .collect()
}

/// Opt-ins, orders and commission in one window, the commission as text in the program's
/// currency.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    /// Leads.
    pub opt_ins: u64,
    /// Orders.
    pub orders: u64,
    /// Commission, e.g. `12.50`.
    pub commission: String,
}

/// One row of the conversions tables.
#[derive(Clone, Debug, Serialize)]
pub struct ConversionRow {
    /// The code (link or ad), empty for totals.
    pub code: String,
    /// What the row is.
    pub name: String,
    /// Figures per window.
    pub figures: [Cell; 4],
}

/// The page's opt-ins, orders and commission.
#[derive(Clone, Debug, Serialize)]
pub struct ConversionsView {
    /// The program's currency code.
    pub currency: String,
    /// Whether anything was credited to the partner or its downline.
    pub any: bool,
    /// Its own totals, and its downline's when it has one.
    pub totals: Vec<ConversionRow>,
    /// Per link.
    pub links: Vec<ConversionRow>,
    /// Per ad.
    pub ads: Vec<ConversionRow>,
}

fn figures(w: &Windows) -> [Figures; 4] {
    [w.last_7_days, w.last_30_days, w.last_90_days, w.all_time]
}

/// What a partner's pages are given of the click figures.
#[derive(Clone, Copy, Debug)]
pub struct Given<'a> {
    /// The last day the windows cover.
    pub as_of: &'a str,
    /// The partner's own figures (`None`: no clicks yet).
    pub mine: Option<&'a PartnerStats>,
}

impl StatsView {
    /// The view of `partner`'s figures (`None`: the build was given no figures).
    pub fn of(program: &Program, partner: &Partner, given: Option<Given<'_>>) -> StatsView {
        let empty = PartnerStats::default();
        let mine = given.and_then(|g| g.mine);
        let s = mine.unwrap_or(&empty);
        let mut totals = vec![Row { code: String::new(), name: "My clicks".to_owned(), figures: figures(&s.own) }];
        if let Some(d) = &s.downline {
            totals.push(Row {
                code: String::new(),
                name: "My referral partners' clicks".to_owned(),
                figures: figures(d),
            });
        }
        let links = s
            .links
            .iter()
            .map(|(code, w)| Row {
                code: code.clone(),
                name: program.link(code).map_or_else(|| "(not a link of the program)".to_owned(), |l| l.name.clone()),
                figures: figures(w),
            })
            .collect();
        let ads = s
            .ads
            .iter()
            .map(|(code, w)| Row {
                code: code.clone(),
                name: partner.ads.iter().find(|a| a.code.as_str() == code).map_or_else(
                    || "(not a registered ad: created on My Ads, or mistyped)".to_owned(),
                    |a| a.name.clone(),
                ),
                figures: figures(w),
            })
            .collect();
        let as_of = given.map(|g| g.as_of.to_owned()).unwrap_or_default();
        let clicked = |w: &Windows| w.all_time.clicks > 0;
        StatsView {
            available: given.is_some(),
            has_clicks: mine.is_some_and(|m| clicked(&m.own) || m.downline.as_ref().is_some_and(clicked)),
            conversions: conversions(program, partner, s),
            breakdowns: breakdowns(s),
            windows: WINDOW_NAMES,
            totals,
            links,
            ads,
            chart: chart(&s.daily.iter().map(|(d, f)| (d.as_str(), f.clicks)).collect::<Vec<_>>(), &as_of),
            days: s.daily.iter().map(|(d, f)| (d.clone(), *f)).collect(),
            as_of,
        }
    }
}

/// The conversions part of the page, when the program pays commissions.
fn conversions(program: &Program, partner: &Partner, s: &PartnerStats) -> Option<ConversionsView> {
    let c = program.settings.commissions.as_ref()?;
    let cells = |w: &ConversionWindows| {
        [w.last_7_days, w.last_30_days, w.last_90_days, w.all_time].map(|f: Conversions| Cell {
            opt_ins: f.opt_ins,
            orders: f.orders,
            commission: c.format(Money(f.commission)),
        })
    };
    let empty = Default::default();
    let mine = s.commissions.as_ref().unwrap_or(&empty);
    let mut totals = vec![ConversionRow { code: String::new(), name: "Mine".to_owned(), figures: cells(&mine.own) }];
    if let Some(d) = &mine.downline {
        totals.push(ConversionRow { code: String::new(), name: "My referral partners'".to_owned(), figures: cells(d) });
    }
    let row = |code: &String, name: String, w: &ConversionWindows| ConversionRow {
        code: code.clone(),
        name,
        figures: cells(w),
    };
    Some(ConversionsView {
        currency: c.currency.to_string(),
        any: s.commissions.is_some(),
        totals,
        links: mine
            .links
            .iter()
            .map(|(code, w)| row(code, program.link(code).map_or_else(|| code.clone(), |l| l.name.clone()), w))
            .collect(),
        ads: mine
            .ads
            .iter()
            .map(|(code, w)| row(code, partner.ad(code).map_or_else(|| code.clone(), |a| a.name.clone()), w))
            .collect(),
    })
}

/// The days of the chart, oldest first: the [`CHART_DAYS`] days to `as_of` (`YYYY-MM-DD`).
fn chart_days(as_of: &str) -> Vec<String> {
    let Ok(last) = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d") else { return Vec::new() };
    (0..CHART_DAYS)
        .rev()
        .filter_map(|back| last.checked_sub_days(chrono::Days::new(u64::from(back))))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect()
}

/// A bar chart of clicks per day as SVG, each bar titled with its day and count; empty when no
/// day of the chart has a click.
pub fn chart(daily: &[(&str, u64)], as_of: &str) -> String {
    let days = chart_days(as_of);
    let clicks: Vec<u64> = days.iter().map(|d| daily.iter().find(|(x, _)| x == d).map_or(0, |(_, n)| *n)).collect();
    let max = clicks.iter().copied().max().unwrap_or(0);
    if max == 0 {
        return String::new();
    }
    let (bar, gap, height, top, bottom) = (8u32, 2u32, 160u32, 16u32, 20u32);
    let width = days.len() as u32 * (bar + gap);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {}\" width=\"{width}\" height=\"{}\" role=\"img\" aria-labelledby=\"chart-title\">\
         <title id=\"chart-title\">Clicks per day, the last {CHART_DAYS} days to {}; most in one day: {max}</title>",
        height + top + bottom,
        height + top + bottom,
        escape_html(as_of),
    );
    let _ = write!(svg, "<text x=\"0\" y=\"11\" font-size=\"11\">{max}</text>");
    for (i, (day, &n)) in days.iter().zip(&clicks).enumerate() {
        if n == 0 {
            continue;
        }
        let h = ((n as f64 / max as f64) * f64::from(height)).round().max(1.0) as u32;
        let x = i as u32 * (bar + gap);
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{h}\" fill=\"#2b6cb0\"><title>{}: {n} clicks</title></rect>",
            top + height - h,
            escape_html(day),
        );
    }
    let base = top + height;
    let _ = write!(svg, "<line x1=\"0\" y1=\"{base}\" x2=\"{width}\" y2=\"{base}\" stroke=\"#6b7280\"/>");
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let y = base + 15;
        let _ = write!(svg, "<text x=\"0\" y=\"{y}\" font-size=\"11\">{}</text>", escape_html(first));
        let _ = write!(
            svg,
            "<text x=\"{width}\" y=\"{y}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            escape_html(last)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use refcenter_model::page_stats::{PageStats, StatsFile};

    #[test]
    fn the_chart_has_a_bar_per_day_with_clicks_in_its_window() {
        let svg = chart(&[("2024-05-01", 4), ("2024-05-03", 2), ("2023-01-01", 9)], "2024-05-03");
        assert_eq!(svg.matches("<rect").count(), 2, "{svg}");
        assert!(svg.contains("2024-05-01: 4 clicks") && svg.contains("2024-05-03: 2 clicks"));
        assert!(svg.contains("most in one day: 4"), "the day outside the window is left out");
        assert_eq!(chart(&[("2023-01-01", 9)], "2024-05-03"), "");
        assert_eq!(chart(&[], "not a day"), "");
    }

    #[test]
    fn a_partner_sees_its_own_figures_only() {
        let loaded = refcenter_model::load(&refcenter_sample::files(), std::path::Path::new(refcenter_sample::ROOT))
            .unwrap_or_else(|e| panic!("{e:?}"));
        let program = &loaded.program;
        let mut stats = PageStats { as_of: "2024-05-03".into(), ..Default::default() };
        let mut sam = PartnerStats::default();
        sam.own.all_time.clicks = 5;
        sam.links.insert("xyz".into(), sam.own);
        stats.partners.insert("samantha".into(), sam);
        let mut other = PartnerStats::default();
        other.own.all_time.clicks = 77;
        stats.partners.insert("aapex".into(), other);
        // As a build reads them: from the file refstats writes.
        let file: StatsFile =
            serde_json::from_str(&serde_json::to_string(&stats).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
        let view_of = |partner: &Partner| {
            let mine = file.partner(partner.code.as_str()).unwrap_or_else(|e| panic!("{e}"));
            StatsView::of(program, partner, Some(Given { as_of: &file.as_of, mine: mine.as_ref() }))
        };
        let samantha = program.partner("samantha").unwrap_or_else(|| panic!("sample partner"));
        let view = view_of(samantha);
        assert!(view.has_clicks && view.available);
        assert_eq!(view.totals[0].figures[3].clicks, 5);
        assert_eq!(view.as_of, "2024-05-03");
        assert_eq!(view.links[0].name, program.link("xyz").map(|l| l.name.clone()).unwrap_or_default());
        let swdf = program.partner("swdf").unwrap_or_else(|| panic!("sample partner"));
        let none = view_of(swdf);
        assert!(!none.has_clicks && none.links.is_empty() && none.available);
        assert!(!StatsView::of(program, swdf, None).available);
    }
}
