//! Partials: what `refstats --map` counted in some log files, as one Parquet file that any
//! number of map tasks write independently and one reduce merges (`refstats --partials`, or
//! the Spark job in `engines/spark/`). Merging is associative: counts add up and visitor rows
//! are distinct per (day, key), so partials merge in any grouping and order.
//!
//! The schema is the store partition's rows with their day, plus the accounting of the lines
//! read (docs/refstats.md, "Partials", is its stable description):
//!
//! | column | type | |
//! | --- | --- | --- |
//! | `day` | string | `YYYY-MM-DD`; empty on accounting rows |
//! | `link`, `partner`, `ad` | string | the codes as read (empty ad: none) |
//! | `kind` | string | `clicks`, `head`, `bot`, `visitor`; `lines`, `filtered`, `rejected`; a breakdown's dimension (`source`, `device`, `os`, `browser`, `country`, `referrer`) |
//! | `reason` | string | a bot row's reason, a filtered or rejected row's reason, a breakdown row's value |
//! | `visitor` | uint64 | a visitor row's keyed visitor id (0 otherwise) |
//! | `hits` | uint64 | the count (1 on visitor rows) |

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;

use crate::accounting::Accounting;
use crate::counted::Counted;
use crate::days::{Day, day_from_name, day_name};
use crate::store::partition::{Columns, PartitionError, RowOf, breakdown_rows, read, row_columns, row_of, to_parquet};
use crate::tally::Stored;

/// The accounting rows' kinds.
const LINES: &str = "lines";
const FILTERED: &str = "filtered";
const REJECTED: &str = "rejected";

/// The columns of a partial, in order.
pub const COLUMNS: [&str; 8] = ["day", "link", "partner", "ad", "kind", "reason", "visitor", "hits"];

/// A string column of `values`.
fn strings<'a>(name: &str, values: impl Iterator<Item = &'a str>) -> Column {
    StringChunked::from_iter_values(name.into(), values).into_column()
}

/// The Parquet bytes of the partial holding `counted` (every day of it) and the accounting
/// `acc`. Rows are sorted (accounting rows first, then the counts by day, link,
/// partner, ad, kind, reason and visitor, then the breakdowns in the same order), so the same
/// counts make the same bytes.
pub fn encode(counted: &mut Counted, acc: &Accounting) -> PolarsResult<Vec<u8>> {
    let Counted { tally, breakdowns } = counted;
    let days: BTreeSet<_> = tally.days().into_iter().collect();
    let mut rows = tally.stored_rows(&days);
    let (links, partners, ads) = (tally.keys.links.all(), tally.keys.partners.all(), tally.keys.ads.all());
    // Sorted on integers: the names' ranks stand for the names.
    let (link_rank, partner_rank, ad_rank) =
        (tally.keys.links.ranks(), tally.keys.partners.ranks(), tally.keys.ads.ranks());
    rows.sort_unstable_by_key(|(day, [l, p, a], row)| {
        let (kind, reason, visitor, _) = row_columns(row);
        (*day, link_rank[*l as usize], partner_rank[*p as usize], ad_rank[*a as usize], kind, reason, visitor)
    });
    let mut extra = breakdown_rows(breakdowns);
    extra.sort_unstable();
    let mut names: BTreeMap<_, _> = days.iter().map(|&d| (d, day_name(d))).collect();
    for (day, ..) in &extra {
        names.entry(*day).or_insert_with(|| day_name(*day));
    }
    let mut accounting: Vec<(&'static str, &str, u64)> = vec![(LINES, "", acc.lines)];
    for (kind, reasons) in [(FILTERED, &acc.filtered), (REJECTED, &acc.rejected)] {
        accounting.extend(reasons.iter().map(|(reason, n)| (kind, reason.as_ref(), *n)));
    }
    accounting.sort_unstable();
    let n = accounting.len() + rows.len() + extra.len();
    let blank = || accounting.iter().map(|_| "");
    let day = |d: &Day| names.get(d).map_or("", String::as_str);
    let codes = [links, partners, ads];
    let code = |i: usize| {
        let counted = rows.iter().map(move |r| codes[i][r.1[i] as usize].as_str());
        blank().chain(counted).chain(extra.iter().map(move |r| r.1[i]))
    };
    let all = || rows.iter().map(|r| row_columns(&r.2)).chain(extra.iter().map(|r| r.2));
    let numbers = |name: &str, head: fn(&(&'static str, &str, u64)) -> u64, row: fn(Columns<'_>) -> u64| {
        let values: Vec<u64> = accounting.iter().map(head).chain(all().map(row)).collect();
        Column::new(name.into(), values)
    };
    let columns = vec![
        strings(COLUMNS[0], blank().chain(rows.iter().map(|r| day(&r.0))).chain(extra.iter().map(|r| day(&r.0)))),
        strings(COLUMNS[1], code(0)),
        strings(COLUMNS[2], code(1)),
        strings(COLUMNS[3], code(2)),
        strings(COLUMNS[4], accounting.iter().map(|a| a.0).chain(all().map(|c| c.0))),
        strings(COLUMNS[5], accounting.iter().map(|a| a.1).chain(all().map(|c| c.1))),
        numbers(COLUMNS[6], |_| 0, |c| c.2),
        numbers(COLUMNS[7], |a| a.2, |c| c.3),
    ];
    drop((rows, extra));
    let mut df = DataFrame::new(n, columns)?;
    to_parquet(&mut df)
}

/// Why a partial could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PartialError {
    /// Not a Parquet file with a partial's columns.
    #[error("not a partial written by refstats --map: {0}")]
    Format(#[from] PolarsError),
    /// A row this build does not know, at its row number (from 1).
    #[error("row {0}: {1}")]
    Row(usize, String),
}

/// Adds the partial at `path` to `counted` (for a report: its counts kept as rows) and its
/// accounting to `acc`.
pub fn load(path: &Path, counted: &mut Counted, acc: &mut Accounting) -> Result<(), PartialError> {
    let Counted { tally, breakdowns } = counted;
    let df = read(path)?;
    let strs = |name: &str| df.column(name).and_then(|c| c.str().cloned());
    let (day, link, partner, ad) = (strs("day")?, strs("link")?, strs("partner")?, strs("ad")?);
    let (kinds, reasons) = (strs("kind")?, strs("reason")?);
    let (visitors, hits) = (df.column("visitor")?.u64()?, df.column("hits")?.u64()?);
    let mut last: Option<([&str; 3], u32)> = None;
    // The columns read in step (an iterator each, not a lookup of each row's chunk).
    let names = day.iter().zip(link.iter()).zip(partner.iter()).zip(ad.iter());
    let rows = names.zip(kinds.iter().zip(reasons.iter())).zip(visitors.iter().zip(hits.iter()));
    for (i, (((((day, link), partner), ad), (kind, reason)), (visitor, hits))) in rows.enumerate() {
        let (kind, reason, n) = (kind.unwrap_or(""), reason.unwrap_or(""), hits.unwrap_or(0));
        let bad = |what: String| PartialError::Row(i + 1, what);
        match kind {
            LINES => acc.lines += n,
            FILTERED => *acc.filtered.entry(Cow::Owned(reason.to_owned())).or_default() += n,
            REJECTED => *acc.rejected.entry(Cow::Owned(reason.to_owned())).or_default() += n,
            _ => {
                let day_text = day.unwrap_or("");
                let d = day_from_name(day_text).ok_or_else(|| bad(format!("day `{day_text}` is not YYYY-MM-DD")))?;
                let names = [link.unwrap_or(""), partner.unwrap_or(""), ad.unwrap_or("")];
                let row = match row_of((kind, reason, visitor, hits)) {
                    Ok(RowOf::Tally(row)) => row,
                    Ok(RowOf::Breakdown(dim)) => {
                        breakdowns.add_named(d, names, dim, reason, n);
                        continue;
                    }
                    Err(PartitionError::Kind(k)) => return Err(bad(format!("unknown row kind `{k}`"))),
                    Err(PartitionError::Polars(e)) => return Err(PartialError::Format(e)),
                };
                match row {
                    Stored::Clicks(n) => acc.clicks += n,
                    Stored::Head(n) => acc.head_hits += n,
                    Stored::Bot(reason, n) => *acc.bot_hits.entry(reason).or_default() += n,
                    Stored::Visitor(_) => {}
                }
                let key = match last {
                    Some((before, k)) if before == names => k,
                    _ => tally.keys.key_of(names),
                };
                last = Some((names, key));
                tally.add_stored_for_report(d, key, row);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A partial of `rows` (day, kind, hits), link `l`, partner `p`, no ad.
    fn partial(rows: &[(&str, &str, u64)]) -> tempfile::NamedTempFile {
        let n = rows.len();
        let mut df = DataFrame::new(
            n,
            vec![
                Column::new("day".into(), rows.iter().map(|r| r.0).collect::<Vec<&str>>()),
                Column::new("link".into(), vec!["l"; n]),
                Column::new("partner".into(), vec!["p"; n]),
                Column::new("ad".into(), vec![""; n]),
                Column::new("kind".into(), rows.iter().map(|r| r.1).collect::<Vec<&str>>()),
                Column::new("reason".into(), vec![""; n]),
                Column::new("visitor".into(), vec![0u64; n]),
                Column::new("hits".into(), rows.iter().map(|r| r.2).collect::<Vec<u64>>()),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let file = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(file.path(), to_parquet(&mut df).unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"));
        file
    }

    #[test]
    fn rows_are_read_in_step_and_a_bad_one_is_named_by_its_number() {
        let good = partial(&[("", LINES, 5), ("2024-05-01", "clicks", 3), ("2024-05-02", "head", 1)]);
        let (mut counted, mut acc) = (Counted::default(), Accounting::default());
        load(good.path(), &mut counted, &mut acc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((acc.lines, acc.clicks, acc.head_hits), (5, 3, 1));
        for (rows, said) in [
            (&[("2024-05-01", "clicks", 3), ("May 2", "clicks", 1)][..], "row 2: day `May 2` is not YYYY-MM-DD"),
            (
                &[("2024-05-01", "clicks", 3), ("2024-05-01", "head", 1), ("2024-05-01", "likes", 1)][..],
                "row 3: unknown row kind `likes`",
            ),
        ] {
            let bad = partial(rows);
            let error = load(bad.path(), &mut Counted::default(), &mut Accounting::default()).err();
            assert_eq!(error.map(|e| e.to_string()).as_deref(), Some(said));
        }
    }
}
