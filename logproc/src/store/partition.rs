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
    encode_sorted(rows.len(), order.iter().map(|&(_, i)| rows[i]))
}

/// The Parquet bytes of `n` rows given in their stored order. The columns are made in one pass
/// (a day's rows are hundreds of thousands: no sorted copy of them, no column of references
/// first).
fn encode_sorted<'a>(n: usize, rows: impl Iterator<Item = ([&'a str; 3], Columns<'a>)>) -> PolarsResult<Vec<u8>> {
    let mut texts = ["link", "partner", "ad", "kind", "reason"].map(|name| StringChunkedBuilder::new(name.into(), n));
    let (mut visitors, mut hits) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut height = 0;
    for ([l, p, a], (k, r, v, h)) in rows {
        for (builder, text) in texts.iter_mut().zip([l, p, a, k, r]) {
            builder.append_value(text);
        }
        visitors.push(v);
        hits.push(h);
        height += 1;
    }
    let mut columns: Vec<Column> = texts.into_iter().map(|b| b.finish().into_column()).collect();
    columns.push(Column::new("visitor".into(), visitors));
    columns.push(Column::new("hits".into(), hits));
    let mut df = DataFrame::new(height, columns)?;
    to_parquet(&mut df)
}

/// The order of stored rows: by link, partner and ad code, then kind, reason and visitor.
fn stored_order(a: &([&str; 3], Columns<'_>), b: &([&str; 3], Columns<'_>)) -> std::cmp::Ordering {
    let ((na, (ka, ra, va, _)), (nb, (kb, rb, vb, _))) = (a, b);
    na.cmp(nb).then_with(|| ka.cmp(kb)).then_with(|| ra.cmp(rb)).then(va.cmp(vb))
}

/// The Parquet bytes of a day's partition stored at `path` (`None`: the day has none yet) with
/// `new` rows added: what storing the day again through a tally writes (the counts of a key's
/// kind and reason added up, a visitor of a key kept once), merged row by row instead, for a
/// run that has no use for the day's rows once they are stored.
pub fn merge_rows(
    path: Option<&std::path::Path>,
    new: &mut [([&str; 3], Columns<'_>)],
) -> Result<Vec<u8>, PartitionError> {
    let df = path.map(read).transpose()?;
    let mut old: Vec<([&str; 3], Columns<'_>)> = Vec::new();
    if let Some(df) = &df {
        old.reserve_exact(df.height());
        // Each row as the tally would give it back, so that the bytes are the same.
        each_row(df, |names, row, reason, hits| {
            old.push(match row {
                RowOf::Tally(row) => (names, row_columns(&row)),
                RowOf::Breakdown(dim) => (names, breakdown_columns(dim, reason, hits)),
            });
        })?;
    }
    new.sort_unstable_by(stored_order);
    // A partition written by another version may not be sorted: then everything is.
    if !old.is_sorted_by(|a, b| stored_order(a, b).is_le()) {
        old.sort_by(stored_order);
    }
    let n = old.len() + new.len();
    let (mut old, mut new) = (old.into_iter().peekable(), new.iter().copied().peekable());
    // The rows of both in order, and those of the same key, kind, reason and visitor made one.
    let mut next = move || match (old.peek(), new.peek()) {
        (Some(a), Some(b)) if stored_order(a, b).is_le() => old.next(),
        (Some(_), Some(_)) | (None, _) => new.next(),
        (Some(_), None) => old.next(),
    };
    let mut held = next();
    let merged = std::iter::from_fn(move || {
        let mut row = held.take()?;
        held = next();
        while let Some(same) = held.filter(|h| stored_order(h, &row).is_eq()) {
            if row.1.0 != "visitor" {
                row.1.3 += same.1.3;
            }
            held = next();
        }
        Some(row)
    });
    Ok(encode_sorted(n, merged)?)
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
    // Rows are sorted by key first: the key of the row before is most often this row's too.
    let mut last: Option<([&str; 3], u32)> = None;
    each_row(&df, |names, row, reason, hits| {
        let row = match row {
            RowOf::Tally(row) => row,
            RowOf::Breakdown(dim) => return breakdowns.add_named(day, names, dim, reason, hits),
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
    })
}

/// Hands each row of the partition read into `df` to `each`, in its order: its link, partner
/// and ad codes, what it holds ([`row_of`]), and its `reason` and `hits` (a breakdown row's
/// value and clicks).
fn each_row<'a>(
    df: &'a DataFrame,
    mut each: impl FnMut([&'a str; 3], RowOf, &'a str, u64),
) -> Result<(), PartitionError> {
    let (link, partner, ad) = (df.column("link")?.str()?, df.column("partner")?.str()?, df.column("ad")?.str()?);
    let (kinds, reasons) = (df.column("kind")?.str()?, df.column("reason")?.str()?);
    let (visitors, hits) = (df.column("visitor")?.u64()?, df.column("hits")?.u64()?);
    // The columns read in step (an iterator each, not a lookup of each row's chunk).
    let rows = link.iter().zip(partner.iter()).zip(ad.iter()).zip(kinds.iter().zip(reasons.iter()));
    for ((((link, partner), ad), (kind, reason)), (visitor, hits)) in rows.zip(visitors.iter().zip(hits.iter())) {
        let names = [link.unwrap_or(""), partner.unwrap_or(""), ad.unwrap_or("")];
        let (kind, reason) = (kind.unwrap_or(""), reason.unwrap_or(""));
        each(names, row_of((kind, reason, visitor, hits))?, reason, hits.unwrap_or(0));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A partition written as given, rows of partner `p1` with no ad: (link, kind, hits).
    fn written(rows: &[(&'static str, &'static str, u64)]) -> Vec<u8> {
        let n = rows.len();
        let texts = |name: &str, of: fn(&(&'static str, &'static str, u64)) -> &'static str| {
            Column::new(name.into(), rows.iter().map(of).collect::<Vec<&str>>())
        };
        let mut df = DataFrame::new(
            n,
            vec![
                texts("link", |r| r.0),
                texts("partner", |_| "p1"),
                texts("ad", |_| ""),
                texts("kind", |r| r.1),
                texts("reason", |_| ""),
                Column::new("visitor".into(), vec![0u64; n]),
                Column::new("hits".into(), rows.iter().map(|r| r.2).collect::<Vec<u64>>()),
            ],
        )
        .unwrap();
        to_parquet(&mut df).unwrap()
    }

    #[test]
    fn a_day_merged_row_by_row_is_the_day_stored_again_through_a_tally() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("day.parquet");
        let (k1, k2, k3) = (["l1", "p1", ""], ["l1", "p2", "ad"], ["l2", "p1", ""]);
        let stored = [
            (k1, ("clicks", "", 0, 5)),
            (k1, ("visitor", "", 7, 1)),
            (k1, ("visitor", "", 9, 1)),
            (k2, ("bot", "no user agent", 0, 2)),
            (k2, ("country", "DE", 0, 3)),
        ];
        std::fs::write(&path, encode_rows(&stored).unwrap()).unwrap();
        let new = [
            (k3, ("clicks", "", 0, 1)),
            (k1, ("visitor", "", 9, 1)),
            (k1, ("clicks", "", 0, 2)),
            (k2, ("bot", "no user agent", 0, 1)),
            (k2, ("country", "DE", 0, 4)),
            (k2, ("country", "FR", 0, 1)),
            (k3, ("visitor", "", 9, 1)),
        ];
        // What a tally makes of both: counts of a key's kind and reason added up, a visitor of
        // a key once.
        let whole = [
            (k1, ("clicks", "", 0, 7)),
            (k1, ("visitor", "", 7, 1)),
            (k1, ("visitor", "", 9, 1)),
            (k2, ("bot", "no user agent", 0, 3)),
            (k2, ("country", "DE", 0, 7)),
            (k2, ("country", "FR", 0, 1)),
            (k3, ("clicks", "", 0, 1)),
            (k3, ("visitor", "", 9, 1)),
        ];
        let expected = encode_rows(&whole).unwrap();
        assert_eq!(merge_rows(Some(&path), &mut new.clone()).unwrap(), expected);
        // A day not stored yet, and a partition whose rows are not in order.
        assert_eq!(merge_rows(None, &mut whole.clone()).unwrap(), expected);
        std::fs::write(&path, written(&[("l2", "clicks", 1), ("l1", "clicks", 7)])).unwrap();
        let mut none: [([&str; 3], Columns<'_>); 0] = [];
        let sorted = [(k1, ("clicks", "", 0, 7)), (k3, ("clicks", "", 0, 1))];
        assert_eq!(merge_rows(Some(&path), &mut none).unwrap(), encode_rows(&sorted).unwrap());
        // A row this build does not know is refused, as reading the day into a tally does.
        std::fs::write(&path, written(&[("l1", "teleport", 1)])).unwrap();
        assert!(matches!(merge_rows(Some(&path), &mut none), Err(PartitionError::Kind(_))));
    }
}
