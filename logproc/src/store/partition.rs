//! A day's partition in Parquet: the aggregated rows of every (link, partner, ad) key that day
//! (clicks, HEAD hits, bot hits by reason, and the distinct visitors who clicked, which unique
//! clicks over any period are counted from), and apart from them the request ids already
//! counted that day. The clicks' breakdowns are rows too: the dimension as the kind, the value
//! as the reason. Rows are sorted by name, so the same counts always make the same bytes.

use polars::prelude::*;

use crate::bots::Bots;
use crate::breakdown::{Breakdowns, Dim};
use crate::counted::Counted;
use crate::days::Day;
use crate::tally::Stored;

/// Why a partition could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PartitionError {
    /// polars could not read or write it.
    #[error("{0}")]
    Polars(#[from] PolarsError),
    /// A row this build does not know (a store written by another version).
    #[error("unknown row kind `{0}`")]
    Kind(String),
}

/// A row's `kind`, `reason` (a bot row's reason, a breakdown row's value), `visitor` and
/// `hits` columns.
pub type Columns<'a> = (&'static str, &'a str, u64, u64);

/// The columns of a breakdown row: clicks with `value` of `dim`.
fn breakdown_columns(dim: Dim, value: &str, clicks: u64) -> Columns<'_> {
    (dim.name(), value, 0, clicks)
}

/// Every breakdown row of `breakdowns` as a partition or a partial keeps it: its day, its key's
/// link, partner and ad codes, and its columns; sorted by day, then key id, dimension and value
/// id.
pub(crate) fn breakdown_rows(breakdowns: &mut Breakdowns) -> Vec<(Day, [&str; 3], Columns<'_>)> {
    let rows = breakdowns.rows();
    let b: &Breakdowns = breakdowns;
    rows.iter()
        .map(|r| {
            let value = b.values(r.dim)[r.value as usize].as_str();
            (r.day, b.keys.names(r.key), breakdown_columns(r.dim, value, u64::from(r.clicks)))
        })
        .collect()
}

/// A row's columns.
pub(crate) fn row_columns(row: &Stored) -> Columns<'static> {
    match *row {
        Stored::Clicks(n) => ("clicks", "", 0, n),
        Stored::Head(n) => ("head", "", 0, n),
        Stored::Bot(reason, n) => ("bot", reason, 0, n),
        Stored::Visitor(v) => ("visitor", "", v, 1),
    }
}

/// The Parquet bytes of one day's rows, each `([link, partner, ad], columns)`.
pub fn encode_rows(rows: &[([&str; 3], Columns<'_>)]) -> PolarsResult<Vec<u8>> {
    // Sorted by the rank of each of their codes among the day's, then kind, reason and visitor:
    // the order of the codes themselves, with each code compared while ranking it, not each
    // time two rows are (a day has tens of thousands of visitor rows).
    let mut ranks: [rustc_hash::FxHashMap<&str, u32>; 3] = Default::default();
    for (names, _) in rows {
        for (rank, name) in ranks.iter_mut().zip(names) {
            rank.entry(name).or_insert(0);
        }
    }
    for rank in &mut ranks {
        let mut names: Vec<&str> = rank.keys().copied().collect();
        names.sort_unstable();
        for (i, name) in names.into_iter().enumerate() {
            rank.insert(name, u32::try_from(i).unwrap_or(u32::MAX));
        }
    }
    let rank_of = |names: &[&str; 3]| -> [u32; 3] {
        std::array::from_fn(|i| ranks[i].get(names[i]).copied().unwrap_or(u32::MAX))
    };
    let mut order: Vec<([u32; 3], usize)> = rows.iter().enumerate().map(|(i, r)| (rank_of(&r.0), i)).collect();
    // Texts compared by where they are first: most rows of a key share the same kind and
    // reason (`visitor`, none), and then the same `&'static str`.
    let text = |a: &str, b: &str| match std::ptr::eq(a, b) {
        true => std::cmp::Ordering::Equal,
        false => a.cmp(b),
    };
    order.sort_unstable_by(|&(ra, a), &(rb, b)| {
        let (ka, sa, va, _) = rows[a].1;
        let (kb, sb, vb, _) = rows[b].1;
        ra.cmp(&rb).then_with(|| text(ka, kb)).then_with(|| text(sa, sb)).then(va.cmp(&vb))
    });
    drop(ranks);
    // The columns made in that order in one pass over the rows (a day's rows are hundreds of
    // thousands: no sorted copy of them, no column of references first).
    let n = rows.len();
    let mut texts = ["link", "partner", "ad", "kind", "reason"].map(|name| StringChunkedBuilder::new(name.into(), n));
    let (mut visitors, mut hits) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for &(_, i) in &order {
        let ([l, p, a], (k, r, v, h)) = rows[i];
        for (builder, text) in texts.iter_mut().zip([l, p, a, k, r]) {
            builder.append_value(text);
        }
        visitors.push(v);
        hits.push(h);
    }
    drop(order);
    let mut columns: Vec<Column> = texts.into_iter().map(|b| b.finish().into_column()).collect();
    columns.push(Column::new("visitor".into(), visitors));
    columns.push(Column::new("hits".into(), hits));
    let mut df = DataFrame::new(n, columns)?;
    to_parquet(&mut df)
}

/// The row of the `kind`, `reason`, `visitor` and `hits` columns (as [`row_columns`] made them).
fn stored_row((kind, reason, visitor, hits): (&str, &str, Option<u64>, Option<u64>)) -> Result<Stored, PartitionError> {
    let n = hits.unwrap_or(0);
    Ok(match kind {
        "clicks" => Stored::Clicks(n),
        "head" => Stored::Head(n),
        "visitor" => Stored::Visitor(visitor.unwrap_or(0)),
        "bot" => {
            let known = Bots::reasons().find(|r| *r == reason);
            Stored::Bot(known.ok_or_else(|| PartitionError::Kind(format!("bot: {reason}")))?, n)
        }
        other => return Err(PartitionError::Kind(other.to_owned())),
    })
}

/// What a row of a partition or a partial holds, by its `kind`: a tally's row, or the clicks of
/// one value of a breakdown's dimension.
pub(crate) enum RowOf {
    Tally(Stored),
    Breakdown(Dim),
}

/// The row of the `kind`, `reason`, `visitor` and `hits` columns: a tally's ([`stored_row`],
/// most rows, tried first), else a breakdown's; an error for a kind that is neither.
pub(crate) fn row_of(columns: (&str, &str, Option<u64>, Option<u64>)) -> Result<RowOf, PartitionError> {
    match stored_row(columns) {
        Ok(row) => Ok(RowOf::Tally(row)),
        Err(PartitionError::Kind(kind)) => {
            Dim::from_name(columns.0).map(RowOf::Breakdown).ok_or(PartitionError::Kind(kind))
        }
        Err(e) => Err(e),
    }
}

pub(crate) fn to_parquet(df: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut bytes = Vec::new();
    let writer = ParquetWriter::new(&mut bytes).with_compression(ParquetCompression::Zstd(None));
    if df.first_col_n_chunks() == 1 && df.height() <= ROW_GROUP {
        // One row group as it is: what `finish` would write after gathering the frame's
        // chunks into row groups, which first makes polars fill an 8 MB buffer of zeroes (about
        // 10 ms of an hourly run).
        let mut batched = writer.batched(df.schema())?;
        batched.write_batch(df)?;
        batched.finish()?;
    } else {
        writer.with_row_group_size(Some(ROW_GROUP)).finish(df)?;
    }
    Ok(bytes)
}

/// The rows of a Parquet row group (polars' default).
const ROW_GROUP: usize = 512 * 512;

pub(crate) fn read(path: &std::path::Path) -> PolarsResult<DataFrame> {
    ParquetReader::new(std::fs::File::open(path)?).finish()
}

/// The columns `columns` of the partition at `path`.
pub(crate) fn read_columns(path: &std::path::Path, columns: &[&str]) -> PolarsResult<DataFrame> {
    let columns = columns.iter().map(|c| (*c).to_owned()).collect();
    ParquetReader::new(std::fs::File::open(path)?).with_columns(Some(columns)).finish()
}

/// Adds the rows of `day` stored at `path` to `counted`: the counts merged per key when the
/// day is to be stored again, kept as rows when only a report reads them (`for_report`).
pub fn load_rows(
    path: &std::path::Path,
    day: Day,
    counted: &mut Counted,
    for_report: bool,
) -> Result<(), PartitionError> {
    let Counted { tally, breakdowns } = counted;
    let df = read(path)?;
    let (link, partner, ad) = (df.column("link")?.str()?, df.column("partner")?.str()?, df.column("ad")?.str()?);
    let (kinds, reasons) = (df.column("kind")?.str()?, df.column("reason")?.str()?);
    let (visitors, hits) = (df.column("visitor")?.u64()?, df.column("hits")?.u64()?);
    // Rows are sorted by key first: the key of the row before is most often this row's too.
    let mut last: Option<([&str; 3], u32)> = None;
    // The columns read in step (an iterator each, not a lookup of each row's chunk).
    let rows = link.iter().zip(partner.iter()).zip(ad.iter()).zip(kinds.iter().zip(reasons.iter()));
    for ((((link, partner), ad), (kind, reason)), (visitor, hits)) in rows.zip(visitors.iter().zip(hits.iter())) {
        let names = [link.unwrap_or(""), partner.unwrap_or(""), ad.unwrap_or("")];
        let (kind, reason) = (kind.unwrap_or(""), reason.unwrap_or(""));
        let row = match row_of((kind, reason, visitor, hits))? {
            RowOf::Tally(row) => row,
            RowOf::Breakdown(dim) => {
                breakdowns.add_named(day, names, dim, reason, hits.unwrap_or(0));
                continue;
            }
        };
        let key = match last {
            Some((before, k)) if before == names => k,
            _ => tally.keys.key_of(names),
        };
        last = Some((names, key));
        if for_report {
            tally.add_stored_for_report(day, key, row);
        } else {
            tally.add_stored(day, key, row);
        }
    }
    Ok(())
}

/// The Parquet bytes of a day's request ids (sorted, distinct).
pub fn encode_ids(ids: &[u64]) -> PolarsResult<Vec<u8>> {
    let mut df = DataFrame::new(ids.len(), vec![Column::new("request_id".into(), ids.to_vec())])?;
    to_parquet(&mut df)
}

/// The request ids stored at `path`.
pub fn load_ids(path: &std::path::Path) -> Result<Vec<u64>, PartitionError> {
    let df = read(path)?;
    Ok(df.column("request_id")?.u64()?.iter().flatten().collect())
}
