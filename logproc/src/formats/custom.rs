//! Text logs of any layout, described the way GoAccess describes them (`--log-format`): the
//! line's literal text with `%` specifiers where the values are, each value ending where the
//! text after it begins. A site with its own nginx `log_format` or Apache `LogFormat` is read
//! without code.
//!
//! | specifier | value |
//! | --- | --- |
//! | `%h` | the client's address |
//! | `%d`, `%t` | the date and the time, read with `--date-format` (default `%d/%b/%Y`) and `--time-format` (default `%H:%M:%S`, may end in `%z`); a date format may hold the time as well (`%Y-%m-%dT%H:%M:%S%z`, or `%s` for seconds since the epoch) |
//! | `%m`, `%U`, `%q` | the method, the path (with or without its query), the query |
//! | `%r` | the request line (`GET /path HTTP/1.1`) |
//! | `%s` | the response status |
//! | `%u` | the user agent |
//! | `%R` | the referrer |
//! | `%b`, `%v`, `%e`, `%H`, `%D`, `%T`, `%L`, `%^` | read over: size, host, user, protocol, durations, anything |
//! | `%~` | any number of spaces |
//! | `%%` | a `%` |
//!
//! Sample line for `%v %h %^[%d:%t %^] "%r" %s %b "%R" "%u" %^` (the tests below parse it):
//! ```text
//! go.example.com 203.0.113.10 - - [01/May/2024:10:00:00 +0000] "GET /go/xyz/samantha/email-list?gclid=x HTTP/1.1" 302 0 "-" "Mozilla/5.0 (X11; Linux x86_64) \"quoted\"" 0.001
//! ```

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use crate::formats::LineParser;
use crate::formats::fields::{dash, request_line, unescape};
use crate::record::{Parsed, Record};

/// What a specifier reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    Client,
    Date,
    Time,
    Method,
    Path,
    Query,
    Request,
    Status,
    Agent,
    Referrer,
    Ignored,
}

/// A piece of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    /// Text that must be there.
    Literal(String),
    /// A value, up to the next literal.
    Field(Value),
    /// Any number of spaces.
    Spaces,
}

/// A user's text log layout.
#[derive(Clone, Debug)]
pub struct TextFormat {
    pattern: String,
    pieces: Vec<Piece>,
    date_format: String,
    time_format: String,
    has_agent: bool,
}

impl TextFormat {
    /// The layout `pattern` (GoAccess specifiers) with its date and time formats (chrono's
    /// strftime syntax; `None` for the defaults).
    pub fn new(pattern: &str, date_format: Option<&str>, time_format: Option<&str>) -> Result<TextFormat, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            let value = match chars.next() {
                Some('%') => {
                    literal.push('%');
                    continue;
                }
                Some('h') => Value::Client,
                Some('d') => Value::Date,
                Some('t') => Value::Time,
                Some('m') => Value::Method,
                Some('U') => Value::Path,
                Some('q') => Value::Query,
                Some('r') => Value::Request,
                Some('s') => Value::Status,
                Some('u') => Value::Agent,
                Some('R') => Value::Referrer,
                Some('b' | 'v' | 'e' | 'H' | 'D' | 'T' | 'L' | '^') => Value::Ignored,
                Some('~') => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Spaces);
                    continue;
                }
                Some(other) => return Err(format!("`%{other}` is not a specifier refstats reads")),
                None => return Err("the layout ends in a lone `%`".to_owned()),
            };
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            if matches!(pieces.last(), Some(Piece::Field(_))) {
                return Err("two specifiers in a row: the first would have no end".to_owned());
            }
            pieces.push(Piece::Field(value));
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        let has = |v: Value| pieces.contains(&Piece::Field(v));
        let mut missing = Vec::new();
        if !has(Value::Client) {
            missing.push("%h (client)");
        }
        if !has(Value::Date) {
            missing.push("%d (date)");
        }
        if !has(Value::Status) {
            missing.push("%s (status)");
        }
        if !(has(Value::Request) || has(Value::Method) && has(Value::Path)) {
            missing.push("%r (request), or %m and %U (method and path)");
        }
        if !missing.is_empty() {
            return Err(format!("the layout has no {}", missing.join(", ")));
        }
        let format = TextFormat {
            pattern: pattern.to_owned(),
            has_agent: has(Value::Agent),
            pieces,
            date_format: date_format.unwrap_or("%d/%b/%Y").to_owned(),
            time_format: time_format.unwrap_or("%H:%M:%S").to_owned(),
        };
        if [&format.date_format, &format.time_format].iter().any(|f| f.contains('%') && chrono_rejects(f)) {
            return Err(format!(
                "`{}` / `{}` is not a strftime date and time format",
                format.date_format, format.time_format
            ));
        }
        Ok(format)
    }

    /// The values of `line`, by specifier, or why it does not fit.
    fn split<'a>(&self, line: &'a str) -> Result<Vec<(Value, &'a str)>, &'static str> {
        let mut rest = line;
        let mut values = Vec::new();
        let mut pieces = self.pieces.iter().peekable();
        while let Some(piece) = pieces.next() {
            match piece {
                Piece::Literal(text) => rest = rest.strip_prefix(text.as_str()).ok_or("does not fit --log-format")?,
                Piece::Spaces => rest = rest.trim_start_matches(' '),
                Piece::Field(value) => {
                    let end = match pieces.peek() {
                        Some(Piece::Literal(next)) => value_end(rest, next).ok_or("does not fit --log-format")?,
                        Some(Piece::Spaces) => rest.find(' ').unwrap_or(rest.len()),
                        _ => rest.len(),
                    };
                    values.push((*value, &rest[..end]));
                    rest = &rest[end..];
                }
            }
        }
        Ok(values)
    }

    fn time(&self, date: &str, time: Option<&str>) -> Option<i64> {
        let (text, format) = match time {
            Some(t) => (format!("{date} {t}"), format!("{} {}", self.date_format, self.time_format)),
            None => (date.to_owned(), self.date_format.clone()),
        };
        if let Ok(t) = DateTime::parse_from_str(&text, &format) {
            return Some(t.timestamp());
        }
        if let Ok(t) = NaiveDateTime::parse_from_str(&text, &format) {
            return Some(t.and_utc().timestamp());
        }
        NaiveDate::parse_from_str(&text, &format).ok()?.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp())
    }
}

/// Whether chrono cannot use `format` at all.
fn chrono_rejects(format: &str) -> bool {
    chrono::format::StrftimeItems::new(format).any(|item| matches!(item, chrono::format::Item::Error))
}

/// Where a value starting at `rest` ends: at the first `next` literal. A value that the
/// literal closes with a quote skips quotes escaped with a backslash.
fn value_end(rest: &str, next: &str) -> Option<usize> {
    if next.starts_with('"') {
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' if rest[i..].starts_with(next) => return Some(i),
                _ => i += 1,
            }
        }
        return None;
    }
    rest.find(next)
}

/// A parser reading one [`TextFormat`].
pub struct TextParser(pub Arc<TextFormat>);

impl LineParser for TextParser {
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(TextParser(Arc::clone(&self.0)))
    }

    fn missing_fields(&self, first: &[&str]) -> Option<String> {
        let lines: Vec<&&str> = first.iter().filter(|l| !l.trim().is_empty()).collect();
        (!lines.is_empty() && lines.iter().all(|l| self.0.split(l).is_err())).then(|| {
            format!(
                "none of the first {} lines fits --log-format '{}'; compare it with a line of the log",
                lines.len(),
                self.0.pattern
            )
        })
    }

    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        let values = match self.0.split(line) {
            Ok(v) => v,
            Err(why) => return Parsed::Reject(why),
        };
        let get = |v: Value| values.iter().find(|(k, _)| *k == v).map(|(_, text)| *text);
        let Some(time) = get(Value::Date).and_then(|d| self.0.time(d, get(Value::Time))) else {
            return Parsed::Reject("bad or missing time");
        };
        let Some(status) = get(Value::Status).and_then(|s| s.parse().ok()) else { return Parsed::Reject("bad status") };
        let (method, path) = match (get(Value::Method), get(Value::Path), get(Value::Request)) {
            (Some(m), Some(p), _) => (m, p),
            (_, _, Some(r)) => match request_line(r) {
                Some(mp) => mp,
                None => return Parsed::Skip("no request line"),
            },
            _ => return Parsed::Skip("no request line"),
        };
        let path = match get(Value::Query).map(dash).filter(|q| !q.is_empty()) {
            Some(q) if !path.contains('?') => Cow::Owned(format!("{path}?{}", q.trim_start_matches('?'))),
            _ => Cow::Borrowed(path),
        };
        Parsed::Record(Record {
            time,
            method: Cow::Borrowed(method),
            path,
            status,
            client: Cow::Borrowed(dash(get(Value::Client).unwrap_or_default())),
            user_agent: unescape(dash(get(Value::Agent).unwrap_or_default())),
            referrer: unescape(dash(get(Value::Referrer).unwrap_or_default())),
            country: None,
            query: Cow::Borrowed(""),
            has_agent: self.0.has_agent,
            cdn_bot: false,
            edge_result: None,
            request_id: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(format: &TextFormat, line: &'static str) -> Parsed<'static> {
        TextParser(Arc::new(format.clone())).parse(line)
    }

    #[test]
    fn the_sample_line_parses() {
        let line = crate::formats::doc_samples(include_str!("custom.rs"))[0];
        let format = TextFormat::new("%v %h %^[%d:%t %^] \"%r\" %s %b \"%R\" \"%u\" %^", None, None).unwrap();
        let Parsed::Record(r) = parse(&format, line) else { panic!("{line}") };
        assert_eq!(
            (r.time, r.method.as_ref(), r.status, r.client.as_ref()),
            (1_714_557_600, "GET", 302, "203.0.113.10")
        );
        assert_eq!(r.path, "/go/xyz/samantha/email-list?gclid=x");
        assert_eq!(r.user_agent, "Mozilla/5.0 (X11; Linux x86_64) \"quoted\"");
    }

    #[test]
    fn dates_times_zones_and_separate_fields() {
        let format = TextFormat::new("%d|%h|%m|%U|%q|%s|%u", Some("%Y-%m-%dT%H:%M:%S%z"), None).unwrap();
        let Parsed::Record(r) = parse(&format, "2024-05-01T12:00:00+0200|192.0.2.1|GET|/go/a/b|x=1|302|curl/8") else {
            panic!()
        };
        assert_eq!((r.time, r.path.as_ref(), r.user_agent.as_ref()), (1_714_557_600, "/go/a/b?x=1", "curl/8"));
        let epoch = TextFormat::new("%d %h \"%r\" %s", Some("%s"), None).unwrap();
        let Parsed::Record(r) = parse(&epoch, "1714557600 192.0.2.1 \"GET /go/a/b HTTP/1.1\" 302") else { panic!() };
        assert_eq!((r.time, r.has_agent), (1_714_557_600, false));
        let spaced = TextFormat::new("%h%~%d %t %m %U %s", Some("%Y-%m-%d"), None).unwrap();
        assert!(matches!(parse(&spaced, "192.0.2.1    2024-05-01 10:00:00 GET /go/a/b 302"), Parsed::Record(_)));
    }

    #[test]
    fn bad_layouts_and_lines_are_told_apart() {
        assert!(TextFormat::new("%h %d %r", None, None).unwrap_err().contains("%s (status)"));
        assert!(TextFormat::new("%h %d %s %m", None, None).unwrap_err().contains("%m and %U"));
        assert!(TextFormat::new("%h %d %s %r %Z", None, None).unwrap_err().contains("`%Z`"));
        assert!(TextFormat::new("%h%d %s %r", None, None).unwrap_err().contains("in a row"));
        let format = TextFormat::new("%h [%d:%t] \"%r\" %s", None, None).unwrap();
        assert!(matches!(
            parse(&format, "192.0.2.1 [01/May/2024:10:00:00] \"GET /go/a/b HTTP/1.1\" 302"),
            Parsed::Record(_)
        ));
        assert_eq!(parse(&format, "192.0.2.1 01/May/2024"), Parsed::Reject("does not fit --log-format"));
        assert!(matches!(parse(&format, "192.0.2.1 [31/Foo/2024:10:00:00] \"GET / HTTP/1.1\" 302"), Parsed::Reject(_)));
        let first = ["garbage one", "garbage two"];
        assert!(TextParser(Arc::new(format)).missing_fields(&first).unwrap().contains("none of the first 2 lines"));
    }
}
