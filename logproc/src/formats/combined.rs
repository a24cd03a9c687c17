//! nginx and Apache text logs: "common" (`host ident user [time] "request" status bytes`) and
//! "combined" (common plus `"referrer" "user agent"`), with an optional virtual host before
//! them (Apache's `vhost_combined`), an X-Forwarded-For list in place of the address (the
//! common `log_format` of servers behind a proxy: the first address is the client), local time
//! with its offset, `-` for missing values, escaped quotes inside quoted fields, an empty
//! quoted request, and any extra fields after the user agent ignored.
//!
//! Sample lines (real shapes; the tests below parse every one):
//! ```text
//! 203.0.113.9 - - [01/May/2024:10:00:00 +0000] "GET /go/xyz/samantha/email-list HTTP/1.1" 302 145 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0"
//! www.example.com:443 198.51.100.7 - frank [01/May/2024:12:00:00 +0200] "GET /go/xyz/samantha HTTP/2.0" 302 0 "https://mail.example.net/" "Mozilla/5.0 (iPhone) \"quoted\" Safari"
//! 192.0.2.1 - - [01/May/2024:10:00:01 -0500] "HEAD /go/xyz/samantha HTTP/1.1" 302 0 "-" "-"
//! 192.0.2.2 - - [01/May/2024:10:00:02 +0000] "GET /robots.txt HTTP/1.1" 200 24
//! 192.0.2.3 - - [01/May/2024:10:00:03 +0000] "-" 400 0 "-" "-"
//! 203.0.113.50, 10.0.0.2, 10.0.0.1 - - [01/May/2024:10:00:04 +0000] "GET /go/xyz/samantha HTTP/1.1" 302 0 "-" "Mozilla/5.0 Firefox/125.0"
//! 192.0.2.4 - - [01/May/2024:10:00:05 +0000] "" 400 0 "-" "-"
//! ```

use crate::formats::LineParser;
use crate::formats::fields::{clf_time, dash, first_forwarded, quoted, request_line, unescape};
use crate::record::{Parsed, Record};

/// The common/combined parser.
pub struct Combined {
    /// Whether lines carry referrer and user agent (combined) or not (common).
    pub with_agent: bool,
}

/// The raw fields of one line.
#[derive(Debug)]
pub struct ClfLine<'a> {
    /// Client address.
    pub host: &'a str,
    /// The time field without brackets.
    pub time: &'a str,
    /// The raw request line.
    pub request: &'a str,
    /// Status.
    pub status: &'a str,
    /// The raw user agent, if the line has one.
    pub agent: Option<&'a str>,
    /// The raw referrer, if the line has one.
    pub referrer: Option<&'a str>,
    /// Whether the line has referrer and user agent.
    pub has_agent: bool,
}

/// Splits a common or combined line into its fields.
pub fn parse_clf(line: &str) -> Option<ClfLine<'_>> {
    let open = line.find(" [")?;
    // An address list ("a, b, c") is one field: its words end with commas. At most four
    // fields (virtual host, address, ident, user), kept in an array: no allocation per line.
    let mut head = [""; 4];
    let mut count = 0;
    let mut start = 0;
    let raw = &line[..open];
    for at in memchr::memchr_iter(b' ', raw.as_bytes()).chain(std::iter::once(raw.len())) {
        if at > start && raw[..at].ends_with(',') {
            continue;
        }
        if count == head.len() {
            return None;
        }
        head[count] = &raw[start..at];
        count += 1;
        start = at + 1;
    }
    let host = match count {
        3 => head[0],
        4 => head[1],
        _ => return None,
    };
    let host = if host.contains(',') { first_forwarded(host).unwrap_or("-") } else { host };
    let rest = &line[open + 2..];
    let close = rest.find(']')?;
    let time = &rest[..close];
    let rest = rest[close + 1..].strip_prefix(' ')?;
    let (request, rest) = quoted(rest)?;
    let mut fields = rest.trim_start().splitn(3, ' ');
    let status = fields.next()?;
    let _bytes = fields.next()?;
    if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (agent, referrer, has_agent) = match fields.next().map(str::trim_start) {
        Some(tail) if tail.starts_with('"') => {
            let (referrer, tail) = quoted(tail)?;
            let (agent, _) = quoted(tail.trim_start())?;
            (Some(agent), Some(referrer), true)
        }
        Some(tail) if !tail.is_empty() => return None,
        _ => (None, None, false),
    };
    Some(ClfLine { host, time, request, status, agent, referrer, has_agent })
}

impl LineParser for Combined {
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(Combined { with_agent: self.with_agent })
    }

    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        let Some(clf) = parse_clf(line) else { return Parsed::Reject("not a common or combined log line") };
        if self.with_agent && !clf.has_agent {
            return Parsed::Reject("no user agent field (is this the common format?)");
        }
        let Some(time) = clf_time(clf.time) else { return Parsed::Reject("bad timestamp") };
        let status = clf.status.parse().unwrap_or(0);
        let Some((method, path)) = request_line(clf.request) else { return Parsed::Skip("no request line") };
        Parsed::Record(Record {
            time,
            method: method.into(),
            path: unescape(path),
            status,
            client: dash(clf.host).into(),
            user_agent: clf.agent.map(|a| unescape(dash(a))).unwrap_or_default(),
            referrer: clf.referrer.map(|r| unescape(dash(r))).unwrap_or_default(),
            country: None,
            query: "".into(),
            has_agent: clf.has_agent,
            cdn_bot: false,
            edge_result: None,
            request_id: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<&'static str> {
        crate::formats::doc_samples(include_str!("combined.rs"))
    }

    #[test]
    fn every_sample_line_parses() {
        let mut parser = Combined { with_agent: true };
        let parsed: Vec<Parsed<'_>> = samples().iter().take(3).map(|l| parser.parse(l)).collect();
        let Parsed::Record(first) = &parsed[0] else { panic!("{:?}", parsed[0]) };
        assert_eq!(first.path, "/go/xyz/samantha/email-list");
        assert_eq!(first.status, 302);
        assert_eq!(first.client, "203.0.113.9");
        assert_eq!(first.time, 1_714_557_600);
        let Parsed::Record(second) = &parsed[1] else { panic!("{:?}", parsed[1]) };
        assert_eq!(second.client, "198.51.100.7", "the virtual host is skipped");
        assert_eq!(second.user_agent, "Mozilla/5.0 (iPhone) \"quoted\" Safari");
        assert_eq!(second.time, 1_714_557_600, "12:00 at +0200 is 10:00 UTC");
        let Parsed::Record(third) = &parsed[2] else { panic!("{:?}", parsed[2]) };
        assert_eq!((third.method.as_ref(), third.user_agent.as_ref()), ("HEAD", ""));
        assert_eq!(third.time, 1_714_575_601);
        let mut common = Combined { with_agent: false };
        assert!(matches!(common.parse(samples()[3]), Parsed::Record(r) if r.status == 200));
        assert_eq!(parser.parse(samples()[4]), Parsed::Skip("no request line"));
        let Parsed::Record(forwarded) = parser.parse(samples()[5]) else { panic!("{}", samples()[5]) };
        assert_eq!(forwarded.client, "203.0.113.50", "the first address of the list is the client");
        assert_eq!(forwarded.path, "/go/xyz/samantha");
        assert_eq!(parser.parse(samples()[6]), Parsed::Skip("no request line"), "an empty request is accounted for");
    }

    #[test]
    fn malformed_lines_are_rejected() {
        let mut parser = Combined { with_agent: true };
        for line in [
            "",
            "garbage",
            r#"1.2.3.4 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 302"#,
            r#"1.2.3.4 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1 302 1 "-" "ua""#,
            r#"1.2.3.4 - - [99/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 302 1 "-" "ua""#,
            r#"1.2.3.4 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 30x 1 "-" "ua""#,
        ] {
            assert!(matches!(parser.parse(line), Parsed::Reject(_)), "{line}");
        }
    }
}
