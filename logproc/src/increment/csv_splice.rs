//! A table of the previous report with some rows changed and some added, as CSV bytes: every
//! other row is copied as it was written. Rows are found by their name columns (the first
//! ones), which the tables are sorted by; a new row is put in its place in that order, its
//! names quoted as polars' CSV writer quotes them.

use std::borrow::Cow;
use std::collections::BTreeMap;
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

/// One record: each field's bytes as written and its text, and where the next record starts.
type Record<'a> = (Vec<(Range<usize>, Cow<'a, str>)>, usize);

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

/// The rows of `previous` (a table as CSV, its first `names` columns naming each row, sorted by
/// them) with the rows of `rows` changed or added: `fill(row, column, before)` gives the text
/// of a column but the names, `before` its text in the previous row (`None` for a new row).
/// `each` is handed every row of the result: its names, and its bytes.
pub fn splice<R>(
    previous: &[u8],
    names: usize,
    rows: &BTreeMap<Vec<String>, R>,
    fill: impl Fn(&R, &str, Option<&str>) -> Result<String, SpliceError>,
    mut each: impl FnMut(&[&str], &[u8]),
) -> Result<Vec<u8>, SpliceError> {
    let (header, mut at) = record(previous, 0)?;
    let columns: Vec<String> = header.into_iter().map(|(_, name)| name.into_owned()).collect();
    if columns.len() < names {
        return Err(SpliceError("fewer columns than names".to_owned()));
    }
    let mut out = Vec::with_capacity(previous.len() + rows.len() * 64);
    out.extend_from_slice(&previous[..at]);
    let write = |out: &mut Vec<u8>, key: &[String], row: &R, before: Option<&[(Range<usize>, Cow<'_, str>)]>| {
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match (i < names, before) {
                (true, Some(fields)) => out.extend_from_slice(&previous[fields[i].0.clone()]),
                (true, None) => out.extend_from_slice(quoted(&key[i]).as_bytes()),
                (false, _) => {
                    let was = before.map(|fields| fields[i].1.as_ref());
                    out.extend_from_slice(fill(row, column, was)?.as_bytes());
                }
            }
        }
        out.push(b'\n');
        Ok::<_, SpliceError>(())
    };
    let mut pending = rows.iter().peekable();
    while at < previous.len() {
        // Only a row's names are read, unless it changes.
        let (head, next) = fields(previous, at, names)?;
        if head.len() != names {
            return Err(SpliceError(format!("a row of {} fields under {} columns", head.len(), columns.len())));
        }
        let here: Vec<&str> = head.iter().map(|(_, name)| name.as_ref()).collect();
        while let Some((key, row)) = pending.next_if(|(key, _)| key.iter().map(String::as_str).lt(here.iter().copied()))
        {
            let start = out.len();
            write(&mut out, key, row, None)?;
            each(&key.iter().map(String::as_str).collect::<Vec<_>>(), &out[start..]);
        }
        let start = out.len();
        match pending.next_if(|(key, _)| key.iter().map(String::as_str).eq(here.iter().copied())) {
            Some((key, row)) => {
                let (all, _) = record(previous, at)?;
                if all.len() != columns.len() {
                    return Err(SpliceError(format!("a row of {} fields under {} columns", all.len(), columns.len())));
                }
                write(&mut out, key, row, Some(&all))?;
            }
            None => out.extend_from_slice(&previous[at..next]),
        }
        each(&here, &out[start..]);
        at = next;
    }
    for (key, row) in pending {
        let start = out.len();
        write(&mut out, key, row, None)?;
        each(&key.iter().map(String::as_str).collect::<Vec<_>>(), &out[start..]);
    }
    Ok(out)
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

    #[test]
    fn rows_are_changed_and_added_in_place_as_polars_writes_them() {
        // Names polars must quote: empty, a comma, a quote, line breaks.
        let before = csv(&["a|", "b,x|1", "c\"q|", "d\nz|2", "f|"], &[1, 2, 3, 4, 5]);
        let after =
            csv(&["0|", "a|", "b,x|1", "c\"q|", "c\"q|\r", "d\nz|2", "e|", "f|", "g|"], &[7, 11, 2, 3, 9, 6, 8, 5, 10]);
        // Each changed or new row with the clicks it adds.
        let mut rows: BTreeMap<Vec<String>, u64> = BTreeMap::new();
        for (names, add) in [("0|", 7), ("a|", 10), ("c\"q|\r", 9), ("d\nz|2", 2), ("e|", 8), ("g|", 10)] {
            let (l, a) = names.split_once('|').unwrap_or_default();
            rows.insert(vec![l.to_owned(), a.to_owned()], add);
        }
        let mut seen = Vec::new();
        let fill = |add: &u64, column: &str, was: Option<&str>| match column {
            "clicks" => plus(was, *add),
            "known" => Ok(was.map_or_else(|| add.is_multiple_of(2).to_string(), str::to_owned)),
            other => Err(SpliceError(format!("no column {other}"))),
        };
        let spliced =
            splice(&before, 2, &rows, fill, |names, line| seen.push((names.join("|"), line.to_vec()))).unwrap();
        // A changed row keeps its flag (the test's flags follow the clicks, which kept their parity).
        assert_eq!(String::from_utf8(spliced.clone()).unwrap(), String::from_utf8(after).unwrap());
        // Every row is handed out once, in order, its bytes as written.
        let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["0|", "a|", "b,x|1", "c\"q|", "c\"q|\r", "d\nz|2", "e|", "f|", "g|"]);
        let header = spliced.iter().position(|&b| b == b'\n').unwrap() + 1;
        assert_eq!(seen.iter().flat_map(|(_, l)| l.clone()).collect::<Vec<u8>>(), spliced[header..]);
        let none = |_: &u64, _: &str, _: Option<&str>| Ok(String::new());
        assert!(splice(b"link,ad\n\"x,1\n", 1, &rows, none, |_, _| {}).is_err(), "an unclosed quote");
        assert!(splice(b"link,ad\n\"x\"y,1\n", 1, &rows, none, |_, _| {}).is_err(), "text after a quote");
        assert_eq!(plus(Some("41"), 1).unwrap(), "42");
        assert!(plus(Some("x"), 1).is_err());
    }
}
