//! Field readers the formats share: timestamps, request lines, quoted and escaped strings,
//! percent-decoding, `X-Forwarded-For`.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate};
use percent_encoding::percent_decode_str;

/// `-` (and the empty string) mean "no value" in every text log format.
pub fn dash(s: &str) -> &str {
    if s == "-" { "" } else { s }
}

fn month(m: &str) -> Option<u32> {
    Some(match m {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    })
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Seconds since the epoch of a date and a time of day, UTC.
pub fn utc(year: i64, month: u32, day: u32, h: i64, m: i64, s: i64) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..61).contains(&s) {
        return None;
    }
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp() + h * 3600 + m * 60 + s)
}

/// The common log format's `10/Oct/2000:13:55:36 -0700`, as UTC seconds.
pub fn clf_time(s: &str) -> Option<i64> {
    let (stamp, zone) = s.split_once(' ')?;
    let mut parts = stamp.splitn(4, [':', '/']);
    let day = num(parts.next()?)?;
    let mon = month(parts.next()?)?;
    let year = num(parts.next()?)?;
    let mut hms = parts.next()?.split(':');
    let (h, m, sec) = (num(hms.next()?)?, num(hms.next()?)?, num(hms.next()?)?);
    if hms.next().is_some() {
        return None;
    }
    let local = utc(year, mon, u32::try_from(day).ok()?, h, m, sec)?;
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    if digits.len() != 4 {
        return None;
    }
    let offset = num(&digits[..2])? * 3600 + num(&digits[2..])? * 60;
    Some(local - sign * offset)
}

/// `2019-12-04` and `21:02:31` (CloudFront's `date` and `time`), as UTC seconds.
pub fn date_time(date: &str, time: &str) -> Option<i64> {
    let mut d = date.split('-');
    let (y, mo, da) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let mut t = time.split(':');
    let (h, m, s) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?.split('.').next()?)?);
    utc(y, u32::try_from(mo).ok()?, u32::try_from(da).ok()?, h, m, s)
}

/// An RFC 3339 timestamp (`2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.123+02:00`), as UTC
/// seconds.
pub fn rfc3339(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp())
}

/// A Unix timestamp in seconds, milliseconds or nanoseconds (told apart by size), as seconds.
pub fn unix_any(n: i64) -> Option<i64> {
    match n {
        n if n < 0 => None,
        n if n < 100_000_000_000 => Some(n),
        n if n < 100_000_000_000_000 => Some(n / 1_000),
        n if n < 100_000_000_000_000_000 => Some(n / 1_000_000),
        n => Some(n / 1_000_000_000),
    }
}

/// `GET /path HTTP/1.1` split into method and path.
pub fn request_line(s: &str) -> Option<(&str, &str)> {
    let mut parts = s.split(' ');
    let method = parts.next().filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()))?;
    let path = parts.next().filter(|p| !p.is_empty())?;
    Some((method, path))
}

/// The quoted field starting at `s[0] == '"'`: its raw content and the rest after the closing
/// quote. Backslash escapes (`\"`, `\\`, `\xHH`) are skipped over, not decoded.
pub fn quoted(s: &str) -> Option<(&str, &str)> {
    let body = s.strip_prefix('"')?;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some((&body[..i], &body[i + 1..])),
            _ => i += 1,
        }
    }
    None
}

/// Decodes the backslash escapes nginx and Apache write into quoted fields.
pub fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            match bytes[i + 1] {
                b'x' if i + 3 < bytes.len() => {
                    if let Ok(v) = u8::from_str_radix(&s[i + 2..i + 4], 16) {
                        out.push(v);
                        i += 4;
                        continue;
                    }
                    out.push(b'\\');
                    i += 1;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                }
                other => {
                    out.push(other);
                    i += 2;
                }
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Percent-decodes `s` once (invalid UTF-8 becomes U+FFFD).
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    percent_decode_str(s).decode_utf8_lossy()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// CloudFront writes user agents percent-encoded twice (`Mozilla/5.0%2520(X11...`): decodes
/// both layers in one pass (`%25XX` and `%XX` each become one byte).
pub fn double_decoded(s: &str) -> Cow<'_, str> {
    if memchr::memchr(b'%', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let pair = |i: usize| Some(hex(*b.get(i)?)? * 16 + hex(*b.get(i + 1)?)?);
    while i < b.len() {
        // Copy the run up to the next `%` whole.
        let Some(at) = memchr::memchr(b'%', &b[i..]) else {
            out.extend_from_slice(&b[i..]);
            break;
        };
        out.extend_from_slice(&b[i..i + at]);
        i += at;
        match pair(i + 1) {
            Some(b'%') if pair(i + 3).is_some() => {
                out.push(pair(i + 3).unwrap_or_default());
                i += 5;
            }
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b'%');
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The path and query of a full URL (`/` when it has none).
pub fn path_of_url(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.find(['/', '?']).map_or("/", |i| &rest[i..]))
}

/// The first address of an `X-Forwarded-For` value: the client, as the first proxy saw it.
pub fn first_forwarded(s: &str) -> Option<&str> {
    let first = s.split(',').next()?.trim();
    (!first.is_empty() && first != "-").then_some(first)
}

/// A CDN's country field as an upper-case ISO 3166-1 alpha-2 code; `None` for anything else,
/// including the codes CDNs give for unknown places and Tor (`XX`, `T1`, `A1`, `A2`, `O1`,
/// `EU`, `AP`, `ZZ`), which then leave the address to the tables.
pub fn country_code(field: &str) -> Option<[u8; 2]> {
    let &[a, b] = field.trim().as_bytes() else { return None };
    let code = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
    let letters = code.iter().all(u8::is_ascii_uppercase);
    let special = matches!(&code, b"XX" | b"T1" | b"A1" | b"A2" | b"O1" | b"EU" | b"AP" | b"ZZ");
    (letters && !special).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clf_times_are_read_with_their_offset() {
        // 2000-10-10T20:55:36Z
        assert_eq!(clf_time("10/Oct/2000:13:55:36 -0700"), Some(971_211_336));
        assert_eq!(clf_time("10/Oct/2000:22:55:36 +0200"), Some(971_211_336));
        assert_eq!(clf_time("10/Oct/2000:13:55:36"), None);
        assert_eq!(clf_time("32/Oct/2000:13:55:36 +0000"), None);
        assert_eq!(clf_time("10/Okt/2000:13:55:36 +0000"), None);
    }

    #[test]
    fn other_times() {
        assert_eq!(date_time("2000-10-10", "20:55:36"), Some(971_211_336));
        assert_eq!(rfc3339("2000-10-10T22:55:36+02:00"), Some(971_211_336));
        assert_eq!(unix_any(971_211_336), Some(971_211_336));
        assert_eq!(unix_any(971_211_336_123), Some(971_211_336));
        assert_eq!(unix_any(971_211_336_123_456_789), Some(971_211_336));
    }

    #[test]
    fn quoted_fields_and_escapes() {
        assert_eq!(quoted(r#""a \"b\" c" rest"#), Some((r#"a \"b\" c"#, " rest")));
        assert_eq!(unescape(r#"a \"b\" \x22c\x22 \\"#), r#"a "b" "c" \"#);
        assert_eq!(quoted(r#""open"#), None);
        assert_eq!(double_decoded("Mozilla/5.0%2520(X11)"), "Mozilla/5.0 (X11)");
        assert_eq!(double_decoded("a%20b%2525c%zz"), "a b%c%zz");
        assert_eq!(double_decoded("caf%25C3%25A9"), "café");
        assert_eq!(first_forwarded("203.0.113.9, 10.0.0.1"), Some("203.0.113.9"));
        assert_eq!(request_line("GET /go/x HTTP/1.1"), Some(("GET", "/go/x")));
        assert_eq!(request_line("\\x16\\x03"), None);
    }

    #[test]
    fn cdn_country_fields() {
        assert_eq!(country_code("us"), Some(*b"US"));
        assert_eq!(country_code("DE"), Some(*b"DE"));
        for other in ["", "-", "XX", "T1", "xx", "USA", "U1", "Germany", "é"] {
            assert_eq!(country_code(other), None, "{other}");
        }
    }
}
