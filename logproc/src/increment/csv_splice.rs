//! A table of the previous report with some rows changed and some added, as CSV bytes: every
//! other row is copied as it was written. Rows are found by their name columns (the first
//! ones), which the tables are sorted by; a new row is put in its place in that order, its
//! names quoted as polars' CSV writer quotes them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;

/// Why the previous table cannot be spliced (then the report is made again in full).
#[derive(Debug, thiserror::Error)]
#[error("the previous table cannot be read: {0}")]
pub struct SpliceError(String);

impl SpliceError {
    /// The error, said as `what`.
    pub fn new(what: String) -> SpliceError {
        SpliceError(what)
    }
}

/// A field: its bytes as written (where they are in the record) and its text.
type Field<'a> = (Range<usize>, Cow<'a, str>);

/// What gives the text of a column of a row: `(row, column, text before)`.
type Filler<'a, R> = dyn Fn(&R, &str, Option<&str>) -> Result<String, SpliceError> + 'a;

/// One record: its fields, and where the next record starts.
type Record<'a> = (Vec<Field<'a>>, usize);

/// The CSV record starting at `at` in `text`.
fn record(text: &[u8], at: usize) -> Result<Record<'_>, SpliceError> {
    fields(text, at, usize::MAX)
}

/// The first `limit` fields of the CSV record starting at `at` in `text` (all if fewer), and
/// where the next record starts.
fn fields(text: &[u8], mut at: usize, limit: usize) -> Result<Record<'_>, SpliceError> {
    let bad = |what: &str, at: usize| SpliceError(format!("{what} at byte {at}"));
    let utf8 = |r: Range<usize>| std::str::from_utf8(&text[r]).map_err(|_| SpliceError("not UTF-8".to_owned()));
    let mut fields = Vec::new();
    loop {
        let start = at;
        if text.get(at) == Some(&b'"') {
            // Quoted: up to the quote not doubled.
            let mut value = String::new();
            at += 1;
            loop {
                let Some(q) = memchr::memchr(b'"', &text[at..]) else { return Err(bad("an unclosed quote", at)) };
                value.push_str(utf8(at..at + q)?);
                at += q + 1;
                if text.get(at) == Some(&b'"') {
                    value.push('"');
                    at += 1;
                } else {
                    break;
                }
            }
            fields.push((start..at, Cow::Owned(value)));
        } else {
            let end = text[at..].iter().position(|&b| b == b',' || b == b'\n').map_or(text.len(), |p| at + p);
            fields.push((start..end, Cow::Borrowed(utf8(start..end)?)));
            at = end;
        }
        match text.get(at) {
            Some(b',') if fields.len() == limit => {
                // The rest of the record: counts and flags, never quoted.
                let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |p| at + p + 1);
                return Ok((fields, end));
            }
            Some(b',') => at += 1,
            Some(b'\n') => return Ok((fields, at + 1)),
            None => return Ok((fields, at)),
            Some(_) => return Err(bad("text after a closing quote", at)),
        }
    }
}

/// `value` as polars' CSV writer writes a string: quoted when empty or when it holds a comma,
/// a quote or a line break, its quotes doubled.
pub fn quoted(value: &str) -> Cow<'_, str> {
    if value.is_empty() || value.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

/// Whether a quoted field of `text` holds a line break (then a line is not always a record).
fn quoted_breaks(text: &[u8]) -> bool {
    let quotes: Vec<usize> = memchr::memchr_iter(b'"', text).collect();
    quotes.chunks(2).any(|pair| match pair {
        [open, close] => memchr::memchr(b'\n', &text[*open..*close]).is_some(),
        _ => true,
    })
}

/// The names of the row starting at `at` in `text` (a record per line), and where the next
/// row starts.
fn names_at(text: &[u8], at: usize, names: usize) -> Result<(Vec<Field<'_>>, usize), SpliceError> {
    let (head, _) = fields(text, at, names)?;
    let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |p| at + p + 1);
    if head.len() != names {
        return Err(SpliceError(format!("a row of {} fields at byte {at}", head.len())));
    }
    Ok((head, end))
}

/// The start of the first row at or after `at` in `text` (rows sorted by their names) whose
/// names are not below `key`, or the end: a row after the other, for a table with a line break
/// in a quoted field.
fn next_bound(text: &[u8], mut at: usize, key: &[String], names: usize) -> Result<usize, SpliceError> {
    while at < text.len() {
        let (head, next) = fields(text, at, names)?;
        if head.len() != names {
            return Err(SpliceError(format!("a row of {} fields at byte {at}", head.len())));
        }
        if key.iter().map(String::as_str).le(head.iter().map(|(_, n)| n.as_ref())) {
            break;
        }
        at = next;
    }
    Ok(at)
}

/// The start of the first row in `text[lo..hi]` (rows one per line, sorted by their names)
/// whose names are not below `key`, or `hi`.
fn lower_bound(
    text: &[u8],
    (mut lo, mut hi): (usize, usize),
    key: &[String],
    names: usize,
) -> Result<usize, SpliceError> {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // The row holding `mid`.
        let start = memchr::memrchr(b'\n', &text[lo..mid]).map_or(lo, |p| lo + p + 1);
        let (head, end) = names_at(text, start, names)?;
        if key.iter().map(String::as_str).gt(head.iter().map(|(_, n)| n.as_ref())) {
            lo = end;
        } else {
            hi = start;
        }
    }
    Ok(lo)
}

/// Writes into `out` the rows of `previous` (a table as CSV, its first `names` columns naming
/// each row, sorted by them) with the rows of `rows` changed or added: `fill(row, column,
/// before)` gives the text of a column but the names, `before` its text in the previous row
/// (`None` for a new row). `written` is handed the bytes of every row written, a run of them or
/// one. The rows to change are found by binary search (a row after the other when a quoted
/// field holds a line break) and the others copied in runs. Returns the header line.
pub fn splice<R>(
    previous: &[u8],
    names: usize,
    rows: &BTreeMap<Vec<String>, R>,
    fill: impl Fn(&R, &str, Option<&str>) -> Result<String, SpliceError>,
    mut written: impl FnMut(&[u8]),
    out: &mut dyn Write,
) -> Result<Vec<u8>, SpliceError> {
    let lines = !quoted_breaks(previous);
    let put = |out: &mut dyn Write, bytes: &[u8]| {
        out.write_all(bytes).map_err(|e| SpliceError(format!("writing the table: {e}")))
    };
    let (header, body) = record(previous, 0)?;
    let columns: Vec<String> = header.into_iter().map(|(_, name)| name.into_owned()).collect();
    if columns.len() < names || body == 0 {
        return Err(SpliceError("no header".to_owned()));
    }
    put(out, &previous[..body])?;
    let mut line = Vec::new();
    let mut at = body;
    for (key, row) in rows {
        let found = match lines {
            true => lower_bound(previous, (at, previous.len()), key, names)?,
            false => next_bound(previous, at, key, names)?,
        };
        if found > at {
            put(out, &previous[at..found])?;
            written(&previous[at..found]);
        }
        at = found;
        let before = match at < previous.len() {
            true => Some(record(previous, at)?),
            false => None,
        };
        let same = before.as_ref().filter(|(fields, _)| {
            key.iter().map(String::as_str).eq(fields.iter().take(names).map(|(_, n)| n.as_ref()))
        });
        if let Some((fields, next)) = same {
            if fields.len() != columns.len() {
                return Err(SpliceError(format!("a row of {} fields under {} columns", fields.len(), columns.len())));
            }
            at = *next;
        }
        let before = same.map(|(fields, _)| (previous, fields.as_slice()));
        row_line(&mut line, (&columns, names), key, row, before, &fill)?;
        put(out, &line)?;
        written(&line);
    }
    if at < previous.len() {
        put(out, &previous[at..])?;
        written(&previous[at..]);
    }
    Ok(previous[..body].to_vec())
}

/// Writes into `line` the row of `key` and `row` under `columns` (the first `names` of them its
/// names): the names' bytes as the previous row `before` (its record and fields) had them, else
/// quoted; every other column from `fill`.
fn row_line<R>(
    line: &mut Vec<u8>,
    (columns, names): (&[String], usize),
    key: &[String],
    row: &R,
    before: Option<(&[u8], &[Field<'_>])>,
    fill: &Filler<'_, R>,
) -> Result<(), SpliceError> {
    line.clear();
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        match (i < names, before) {
            (true, Some((bytes, fields))) => line.extend_from_slice(&bytes[fields[i].0.clone()]),
            (true, None) => line.extend_from_slice(quoted(&key[i]).as_bytes()),
            (false, _) => {
                let was = before.map(|(_, fields)| fields[i].1.as_ref());
                line.extend_from_slice(fill(row, column, was)?.as_bytes());
            }
        }
    }
    line.push(b'\n');
    Ok(())
}

/// `before` (a count's text, `None`: 0) plus `n`.
pub fn plus(before: Option<&str>, n: u64) -> Result<String, SpliceError> {
    let was: u64 = match before {
        Some(text) => text.parse().map_err(|_| SpliceError(format!("`{text}` is not a count")))?,
        None => 0,
    };
    Ok((was + n).to_string())
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    fn csv(names: &[&str], counts: &[u64]) -> Vec<u8> {
        let mut df = DataFrame::new(
            names.len(),
            vec![
                Column::new("link".into(), names.iter().map(|n| n.split('|').next().unwrap_or("")).collect::<Vec<_>>()),
                Column::new("ad".into(), names.iter().map(|n| n.split('|').nth(1).unwrap_or("")).collect::<Vec<_>>()),
                Column::new("clicks".into(), counts.to_vec()),
                Column::new("known".into(), counts.iter().map(|c| c % 2 == 0).collect::<Vec<_>>()),
            ],
        )
        .unwrap();
        let mut out = Vec::new();
        CsvWriter::new(&mut out).finish(&mut df).unwrap();
        out
    }

    /// Splices `changes` (names `link|ad` and the clicks they add) into the table of
    /// `before` and checks the result against the table of `after`, as polars writes both.
    fn check(before: (&[&str], &[u64]), after: (&[&str], &[u64]), changes: &[(&str, u64)]) {
        let (before, after) = (csv(before.0, before.1), csv(after.0, after.1));
        let mut rows: BTreeMap<Vec<String>, u64> = BTreeMap::new();
        for (names, add) in changes {
            let (l, a) = names.split_once('|').unwrap_or_default();
            rows.insert(vec![l.to_owned(), a.to_owned()], *add);
        }
        // A changed row keeps its flag (the test's flags follow the clicks, which keep their
        // parity).
        let fill = |add: &u64, column: &str, was: Option<&str>| match column {
            "clicks" => plus(was, *add),
            "known" => Ok(was.map_or_else(|| add.is_multiple_of(2).to_string(), str::to_owned)),
            other => Err(SpliceError(format!("no column {other}"))),
        };
        let (mut spliced, mut seen) = (Vec::new(), Vec::new());
        let header = splice(&before, 2, &rows, fill, |rows| seen.extend_from_slice(rows), &mut spliced).unwrap();
        assert_eq!(String::from_utf8(spliced.clone()).unwrap(), String::from_utf8(after).unwrap());
        // Every row is handed out once, in order, as written.
        assert_eq!(header.len() + seen.len(), spliced.len());
        assert_eq!([header, seen].concat(), spliced);
    }

    #[test]
    fn rows_are_changed_and_added_in_place_as_polars_writes_them() {
        // Names polars must quote: empty, a comma, a quote, a carriage return; rows found by
        // binary search.
        check(
            (&["a|", "b,x|1", "c\"q|", "d|2", "f|", "h|", "i|", "j|"], &[1, 2, 3, 4, 5, 6, 7, 8]),
            (
                &["0|", "a|", "b,x|1", "c\"q|", "c\"q|\r", "d|2", "e|", "f|", "g|", "h|", "i|", "j|", "k|"],
                &[7, 11, 2, 3, 9, 6, 8, 5, 10, 6, 9, 8, 1],
            ),
            &[("0|", 7), ("a|", 10), ("c\"q|\r", 9), ("d|2", 2), ("e|", 8), ("g|", 10), ("i|", 2), ("k|", 1)],
        );
        // A line break in a quoted field: the table is read a record at a time.
        check(
            (&["a|", "b,x|1", "c\"q|", "d\nz|2", "f|"], &[1, 2, 3, 4, 5]),
            (&["0|", "a|", "b,x|1", "c\"q|", "c\"q|\r", "d\nz|2", "e|", "f|", "g|"], &[7, 11, 2, 3, 9, 6, 8, 5, 10]),
            &[("0|", 7), ("a|", 10), ("c\"q|\r", 9), ("d\nz|2", 2), ("e|", 8), ("g|", 10)],
        );
        // Nothing to change: the table as it was.
        check((&["a|", "b|"], &[1, 2]), (&["a|", "b|"], &[1, 2]), &[]);
        let rows = BTreeMap::from([(vec!["x".to_owned(), String::new()], 1u64)]);
        let none = |_: &u64, _: &str, _: Option<&str>| Ok(String::new());
        let bad = |text: &[u8]| splice(text, 1, &rows, none, |_| {}, &mut Vec::new()).is_err();
        assert!(bad(b"link,ad\n\"x,1\n"), "an unclosed quote");
        assert!(bad(b"link,ad\n\"x\"y,1\n"), "text after a quote");
        assert!(bad(b""), "no header");
        assert_eq!(plus(Some("41"), 1).unwrap(), "42");
        assert!(plus(Some("x"), 1).is_err());
    }
}
