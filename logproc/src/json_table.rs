//! A table as JSON: an array with one object per row, `[{"day":"2024-05-01","clicks":3},…]`,
//! written straight from the columns into a buffered stream, a slice of rows at a time. The per-day table has a row per
//! (day, link, partner, ad), a million rows for a busy program; a generic serialiser spends
//! most of its time per value, this one copies names and formats integers.

use std::io::Write;

use polars::prelude::*;

/// One column's values, read in row order.
enum Values<'a> {
    Text(Box<dyn Iterator<Item = Option<&'a str>> + 'a>),
    Unsigned(Box<dyn Iterator<Item = Option<u64>> + 'a>),
    Signed(Box<dyn Iterator<Item = Option<i64>> + 'a>),
    Flag(Box<dyn Iterator<Item = Option<bool>> + 'a>),
}

/// How many bytes are gathered before they are written.
const FLUSH_AT: usize = 1 << 16;

/// A JSON array of row objects written from slices of a table, one after the other.
pub struct JsonRows<'w> {
    w: &'w mut (dyn Write + Send),
    /// Rows written so far.
    rows: u64,
}

impl<'w> JsonRows<'w> {
    /// An array to be written to `w`.
    pub fn new(w: &'w mut (dyn Write + Send)) -> JsonRows<'w> {
        JsonRows { w, rows: 0 }
    }

    /// Writes the rows of `df` (the next slice of the table).
    pub fn write(&mut self, df: &DataFrame) -> PolarsResult<()> {
        // Integer columns of other widths are read as 64-bit numbers.
        let mut widened = Vec::new();
        for c in df.columns() {
            let dtype = c.dtype();
            widened.push(if dtype.is_unsigned_integer() && dtype != &DataType::UInt64 {
                Some(c.cast(&DataType::UInt64)?)
            } else if dtype.is_signed_integer() && dtype != &DataType::Int64 {
                Some(c.cast(&DataType::Int64)?)
            } else {
                None
            });
        }
        let mut columns: Vec<(Vec<u8>, Values<'_>)> = Vec::new();
        for (i, (c, wide)) in df.columns().iter().zip(&widened).enumerate() {
            let c = wide.as_ref().unwrap_or(c);
            let mut key = Vec::new();
            if i > 0 {
                key.push(b',');
            }
            string(&mut key, c.name().as_str());
            key.push(b':');
            let values = match c.dtype() {
                DataType::String => Values::Text(Box::new(c.str()?.iter())),
                DataType::UInt64 => Values::Unsigned(Box::new(c.u64()?.iter())),
                DataType::Int64 => Values::Signed(Box::new(c.i64()?.iter())),
                DataType::Boolean => Values::Flag(Box::new(c.bool()?.iter())),
                other => polars_bail!(ComputeError: "no JSON form for column {} of type {other}", c.name()),
            };
            columns.push((key, values));
        }
        let mut buf = Vec::with_capacity(FLUSH_AT + 1024);
        let mut numbers = itoa::Buffer::new();
        for row in 0..df.height() {
            buf.push(if self.rows == 0 { b'[' } else { b',' });
            self.rows += 1;
            buf.push(b'{');
            for (key, values) in &mut columns {
                buf.extend_from_slice(key);
                let missing = || polars_err!(ComputeError: "a column ended before row {row}");
                match values {
                    Values::Text(v) => match v.next().ok_or_else(missing)? {
                        Some(s) => string(&mut buf, s),
                        None => buf.extend_from_slice(b"null"),
                    },
                    Values::Unsigned(v) => match v.next().ok_or_else(missing)? {
                        Some(n) => buf.extend_from_slice(numbers.format(n).as_bytes()),
                        None => buf.extend_from_slice(b"null"),
                    },
                    Values::Signed(v) => match v.next().ok_or_else(missing)? {
                        Some(n) => buf.extend_from_slice(numbers.format(n).as_bytes()),
                        None => buf.extend_from_slice(b"null"),
                    },
                    Values::Flag(v) => buf.extend_from_slice(match v.next().ok_or_else(missing)? {
                        Some(true) => b"true",
                        Some(false) => b"false",
                        None => b"null",
                    }),
                }
            }
            buf.push(b'}');
            if buf.len() >= FLUSH_AT {
                self.w.write_all(&buf)?;
                buf.clear();
            }
        }
        self.w.write_all(&buf)?;
        Ok(())
    }

    /// Closes the array.
    pub fn finish(self) -> PolarsResult<()> {
        self.w.write_all(if self.rows == 0 { b"[]\n" } else { b"]\n" })?;
        Ok(())
    }
}

/// `s` as a JSON string.
fn string(buf: &mut Vec<u8>, s: &str) {
    let plain = |b: &u8| *b >= 0x20 && *b != b'"' && *b != b'\\';
    if s.as_bytes().iter().all(plain) {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        // Quotes, backslashes and control characters escaped as JSON requires.
        buf.extend_from_slice(serde_json::Value::from(s).to_string().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `df` written in one slice.
    fn whole(df: &DataFrame) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rows = JsonRows::new(&mut out);
        rows.write(df).unwrap();
        rows.finish().unwrap();
        out
    }

    #[test]
    fn rows_as_objects_with_every_value_type() {
        let df = DataFrame::new(
            3,
            vec![
                Column::new("day".into(), ["2024-05-01", "a \"b\"\\\n\u{1}é", ""]),
                Column::new("clicks".into(), [3u64, 0, u64::MAX]),
                Column::new("id".into(), [1u32, 2, 3]),
                Column::new("day_id".into(), [-1i32, 0, 19_844]),
                Column::new("known".into(), [true, false, true]),
                Column::new("maybe".into(), [Some(1u64), None, Some(2)]),
            ],
        )
        .unwrap();
        let text = String::from_utf8(whole(&df)).unwrap();
        assert!(text.ends_with("]\n"));
        assert!(text.starts_with(r#"[{"day":"2024-05-01","clicks":3,"id":1,"day_id":-1,"known":true,"maybe":1},"#));
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed[1]["day"], "a \"b\"\\\n\u{1}é");
        assert_eq!(parsed[1]["maybe"], serde_json::Value::Null);
        assert_eq!(parsed[2]["clicks"], u64::MAX);
        assert_eq!(parsed[2]["day_id"], 19_844);
        assert_eq!(parsed.as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn slices_make_one_array() {
        let df = DataFrame::new(3, vec![Column::new("n".into(), [1u64, 2, 3])]).unwrap();
        let mut out = Vec::new();
        let mut rows = JsonRows::new(&mut out);
        for (offset, len) in [(0, 2), (2, 0), (2, 1)] {
            rows.write(&df.slice(offset, len)).unwrap();
        }
        rows.finish().unwrap();
        assert_eq!(out, whole(&df));
        assert_eq!(out, b"[{\"n\":1},{\"n\":2},{\"n\":3}]\n");
    }

    #[test]
    fn an_empty_table_is_an_empty_array() {
        let df = DataFrame::new(0, vec![Column::new("clicks".into(), Vec::<u64>::new())]).unwrap();
        assert_eq!(whole(&df), b"[]\n");
    }
}
