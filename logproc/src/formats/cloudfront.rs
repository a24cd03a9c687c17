//! CloudFront standard logs (legacy delivery to S3): tab-separated, one request a line, columns
//! named by the `#Fields:` header. Files written before 2019 have 24 fields, current ones 33;
//! both are read by name, and a file without its header by position. User agents are
//! percent-encoded twice; `-` means no value.
//!
//! CloudFront real-time logs (Kinesis, delivered to S3 by Firehose) have no header: each record
//! carries the fields its configuration selected, always in the documented order
//! ([`REALTIME_FIELDS`]), the time as seconds with milliseconds (`timestamp`) and the query in
//! `cs-uri-stem`. [`Cloudfront::realtime`] reads them given that selection.
//!
//! Sample lines (real shapes; the tests below parse every one):
//! ```text
//! #Version: 1.0
//! #Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end
//! 2024-05-01	10:00:00	FRA56-P5	410	203.0.113.9	GET	d111111abcdef8.cloudfront.net	/go/xyz/samantha/email-list	302	-	Mozilla/5.0%2520(X11;%2520Linux%2520x86_64)%2520Firefox/125.0	gclid=abc	-	Miss	SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==	martyc.example.com	https	221	0.001	-	TLSv1.3	TLS_AES_128_GCM_SHA256	Miss	HTTP/2.0	-	-	11040	0.001	Miss	text/html	0	-	-
//! 2024-05-01	10:00:01	FRA56-P5	410	10.1.2.3	GET	d111111abcdef8.cloudfront.net	/go/xyz/samantha	302	-	Mozilla/5.0%2520(iPhone)	-	-	Miss	k6WGMNkEzR5BEM_SaF47gjtX9zBDO2m349OY2an0QPEaUum1ZOLrow==	martyc.example.com	https	221	0.001	198.51.100.7,%2010.1.2.3	TLSv1.3	TLS_AES_128_GCM_SHA256	Miss	HTTP/2.0	-	-	11041	0.001	Miss	text/html	0	-	-
//! 2024-05-01	10:00:02	FRA56-P5	380	192.0.2.10	GET	d111111abcdef8.cloudfront.net	/go/xyz/samantha	301	-	curl/8.5.0	-	-	Redirect	v3QmhFPqW8q0Yt1oDXvP9O5bQ0YpJ2WmK4u5yT6tVbU1w0xZyAbCdE==	martyc.example.com	http	80	0.000	-	-	-	Redirect	HTTP/1.1	-	-	40000	0.000	Redirect	text/html	183	-	-
//! ```

// The sample lines above are real CloudFront lines, whose separator is the tab.
#![allow(clippy::tabs_in_doc_comments)]

use crate::formats::fields::{country_code, dash, date_time, double_decoded, first_forwarded};
use crate::formats::{LineParser, separators};
use crate::record::{Parsed, Record};

/// The current (33-field) column order, used when a file has no `#Fields` header.
const CURRENT: &str = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

/// CloudFront real-time logs' fields, in the order a record always carries the selected ones.
pub const REALTIME_FIELDS: [&str; 43] = [
    "timestamp",
    "c-ip",
    "time-to-first-byte",
    "sc-status",
    "sc-bytes",
    "cs-method",
    "cs-protocol",
    "cs-host",
    "cs-uri-stem",
    "cs-bytes",
    "x-edge-location",
    "x-edge-request-id",
    "x-host-header",
    "time-taken",
    "cs-protocol-version",
    "c-ip-version",
    "cs-user-agent",
    "cs-referer",
    "cs-cookie",
    "cs-uri-query",
    "x-edge-response-result-type",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-result-type",
    "fle-encrypted-fields",
    "fle-status",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
    "c-port",
    "x-edge-detailed-result-type",
    "c-country",
    "cs-accept-encoding",
    "cs-accept",
    "cache-behavior-path-pattern",
    "cs-headers",
    "cs-header-names",
    "cs-headers-count",
    "origin-fbl",
    "origin-lbl",
    "asn",
];

/// How a record gives its time.
#[derive(Clone, Copy, Debug)]
enum When {
    /// Standard logs: `date` and `time` columns.
    DateTime(usize, usize),
    /// Real-time logs: `timestamp`, seconds since the epoch with milliseconds.
    Timestamp(usize),
}

/// Where the columns refstats reads are.
#[derive(Clone, Debug)]
pub struct Columns {
    when: When,
    client: usize,
    method: usize,
    path: usize,
    status: usize,
    agent: usize,
    referrer: Option<usize>,
    country: Option<usize>,
    query: Option<usize>,
    result: Option<usize>,
    request_id: Option<usize>,
    forwarded: Option<usize>,
    count: usize,
}

impl Columns {
    fn from_names(names: &str) -> Option<Columns> {
        let names: Vec<&str> = names.split_whitespace().collect();
        let at = |n: &str| names.iter().position(|x| *x == n);
        let when = match (at("date"), at("time"), at("timestamp")) {
            (Some(d), Some(t), _) => When::DateTime(d, t),
            (_, _, Some(t)) => When::Timestamp(t),
            _ => return None,
        };
        Some(Columns {
            when,
            client: at("c-ip")?,
            method: at("cs-method")?,
            path: at("cs-uri-stem")?,
            status: at("sc-status")?,
            agent: at("cs(User-Agent)").or_else(|| at("cs-user-agent"))?,
            referrer: at("cs(Referer)").or_else(|| at("cs-referer")),
            country: at("c-country"),
            query: at("cs-uri-query"),
            result: at("x-edge-result-type"),
            request_id: at("x-edge-request-id"),
            forwarded: at("x-forwarded-for"),
            count: names.len(),
        })
    }
}

/// The CloudFront parser; it learns the columns from each file's `#Fields` line (standard
/// logs) or is given them ([`Cloudfront::realtime`]).
#[derive(Clone, Debug, Default)]
pub struct Cloudfront {
    columns: Option<Columns>,
    /// Where the fields of the line being parsed end (kept to be reused).
    ends: Vec<usize>,
}

/// The most fields a line may have.
const MAX_FIELDS: usize = 64;

impl LineParser for Cloudfront {
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(Cloudfront { columns: self.columns.clone(), ends: Vec::with_capacity(MAX_FIELDS) })
    }

    fn missing_fields(&self, first: &[&str]) -> Option<String> {
        // Real-time records carry no header: their field count must be the configured one.
        let columns = self.columns.as_ref().filter(|c| matches!(c.when, When::Timestamp(_)))?;
        let records: Vec<usize> = first
            .iter()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| l.trim_end_matches('\t').split('\t').count())
            .collect();
        (!records.is_empty() && records.iter().all(|n| *n != columns.count)).then(|| {
            format!(
                "the records have {} fields where the real-time log's configuration has {}; name the log's fields with --realtime-fields",
                records[0], columns.count
            )
        })
    }

    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        if let Some(names) = line.strip_prefix("#Fields:") {
            return match Columns::from_names(names) {
                Some(c) => {
                    self.columns = Some(c);
                    Parsed::Skip("header line")
                }
                None => Parsed::Reject(
                    "a #Fields header without date, time, c-ip, cs-method, cs-uri-stem, sc-status or cs(User-Agent)",
                ),
            };
        }
        if line.starts_with('#') {
            return Parsed::Skip("header line");
        }
        if self.columns.is_none() {
            // No header: the documented order, whose first 24 columns are the old format.
            let Some(c) = Columns::from_names(CURRENT) else { return Parsed::Reject("internal column list") };
            self.columns = Some(c);
        }
        let legacy = self.columns_are_default();
        let Some(columns) = &self.columns else { return Parsed::Reject("internal column list") };
        // Where each field ends, found eight bytes at a time into a buffer the parser keeps
        // (no allocation or clearing of a field array per line); a tab is ASCII, so every cut
        // is at a character boundary.
        let ends = &mut self.ends;
        ends.clear();
        separators::positions(line.as_bytes(), b'\t', ends);
        ends.push(line.len());
        if ends.len() > MAX_FIELDS {
            return Parsed::Reject("more than 64 fields");
        }
        let field = |i: usize| {
            let start = if i == 0 { 0 } else { ends[i - 1] + 1 };
            line.get(start..ends[i]).unwrap_or_default()
        };
        let fits = |n: usize| n == columns.count || (legacy && n == 24);
        // Trailing empty fields (a record ending in a stray tab, as in CloudFront's own
        // documentation) are not columns.
        let mut count = ends.len();
        while !fits(count) && count > 0 && field(count - 1).is_empty() {
            count -= 1;
        }
        if !fits(count) {
            return Parsed::Reject("wrong number of fields for the #Fields header");
        }
        let fields = |i: usize| if i < count { field(i) } else { "" };
        let get = |i: usize| (i < count).then(|| dash(field(i)));
        let time = match columns.when {
            When::DateTime(d, t) => date_time(fields(d), fields(t)),
            When::Timestamp(t) => epoch_seconds(fields(t)),
        };
        let Some(time) = time else {
            return Parsed::Reject("bad or missing time");
        };
        let Some(status) = fields(columns.status).parse().ok() else { return Parsed::Reject("bad status") };
        let forwarded = columns.forwarded.and_then(get).map(double_decoded);
        let client = match forwarded.as_deref().and_then(first_forwarded) {
            Some(first) => first.to_owned().into(),
            None => dash(fields(columns.client)).into(),
        };
        Parsed::Record(Record {
            time,
            method: fields(columns.method).into(),
            path: fields(columns.path).into(),
            status,
            client,
            user_agent: double_decoded(dash(fields(columns.agent))),
            referrer: columns.referrer.and_then(get).map(double_decoded).unwrap_or_default(),
            country: columns.country.and_then(get).and_then(country_code),
            query: columns.query.and_then(get).map(Into::into).unwrap_or_default(),
            has_agent: true,
            cdn_bot: false,
            edge_result: columns.result.and_then(get).map(Into::into),
            request_id: columns.request_id.and_then(get).filter(|s| !s.is_empty()).map(Into::into),
        })
    }
}

impl Cloudfront {
    fn columns_are_default(&self) -> bool {
        self.columns.as_ref().is_some_and(|c| c.count == 33 && matches!(c.when, When::DateTime(..)))
    }

    /// A parser of real-time logs whose records carry the fields `selected` (the log's
    /// configuration, in any order: records carry them in [`REALTIME_FIELDS`] order); every
    /// field when `None`.
    pub fn realtime(selected: Option<&[&str]>) -> Result<Cloudfront, String> {
        let order: Vec<&str> = match selected {
            None => REALTIME_FIELDS.to_vec(),
            Some(names) => {
                if let Some(unknown) = names.iter().find(|n| !REALTIME_FIELDS.contains(n)) {
                    return Err(format!("`{unknown}` is not a CloudFront real-time log field"));
                }
                REALTIME_FIELDS.iter().copied().filter(|f| names.contains(f)).collect()
            }
        };
        let needed = ["timestamp", "c-ip", "cs-method", "cs-uri-stem", "sc-status", "cs-user-agent"];
        let missing: Vec<&str> = needed.iter().copied().filter(|n| !order.contains(n)).collect();
        if !missing.is_empty() {
            return Err(format!("the fields lack {}, which refstats needs", missing.join(", ")));
        }
        Ok(Cloudfront { columns: Columns::from_names(&order.join(" ")), ends: Vec::new() })
    }
}

/// `1715246000.123` (seconds with milliseconds) as whole seconds.
fn epoch_seconds(s: &str) -> Option<i64> {
    let whole = s.split('.').next()?;
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<&'static str> {
        crate::formats::doc_samples(include_str!("cloudfront.rs"))
    }

    #[test]
    fn every_sample_line_parses() {
        let mut parser = Cloudfront::default();
        let parsed: Vec<Parsed<'_>> = samples().iter().map(|l| parser.parse(l)).collect();
        assert_eq!(parsed[0], Parsed::Skip("header line"));
        assert_eq!(parsed[1], Parsed::Skip("header line"));
        let Parsed::Record(a) = &parsed[2] else { panic!("{:?}", parsed[2]) };
        assert_eq!(a.path, "/go/xyz/samantha/email-list");
        assert_eq!(a.user_agent, "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0");
        assert_eq!(a.time, 1_714_557_600);
        assert_eq!(a.edge_result.as_deref(), Some("Miss"));
        let Parsed::Record(b) = &parsed[3] else { panic!("{:?}", parsed[3]) };
        assert_eq!(b.client, "198.51.100.7", "the first X-Forwarded-For address");
        let Parsed::Record(c) = &parsed[4] else { panic!("{:?}", parsed[4]) };
        assert_eq!((c.status, c.edge_result.as_deref()), (301, Some("Redirect")));
    }

    #[test]
    fn realtime_records_are_read_in_the_documented_order_of_their_selected_fields() {
        // Every field, as a configuration selecting all of them delivers.
        let line = "1715246000.123\t203.0.113.7\t0.002\t302\t512\tGET\thttps\tgo.example.com\t/go/xyz/samantha?gclid=x\t321\tFRA56-P1\tLAjXn9Q0rAkD8F6Xf2fOiXh0V3qT2kB1d9mQx8sJtY1ZcW4eR7uIoA==\td111111abcdef8.cloudfront.net\t0.002\tHTTP/2.0\tIPv4\tMozilla/5.0%20(X11;%20Linux%20x86_64)\thttps://news.example.org/\t-\tgclid=x\tMiss\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\t-\t-\ttext/html\t0\t-\t-\t51234\tMiss\tDE\tgzip,%20br\t*/*\t/go/*\t-\t-\t12\t0.001\t0.002\t3320";
        let mut all = Cloudfront::realtime(None).unwrap();
        let Parsed::Record(r) = all.parse(line) else { panic!() };
        assert_eq!(
            (r.time, r.method.as_ref(), r.status, r.client.as_ref()),
            (1_715_246_000, "GET", 302, "203.0.113.7")
        );
        assert_eq!(
            (r.path.as_ref(), r.user_agent.as_ref()),
            ("/go/xyz/samantha?gclid=x", "Mozilla/5.0 (X11; Linux x86_64)")
        );
        assert_eq!(r.edge_result.as_deref(), Some("Miss"));
        // A selection, named in any order.
        let mut some = Cloudfront::realtime(Some(&[
            "cs-user-agent",
            "sc-status",
            "cs-uri-stem",
            "timestamp",
            "cs-method",
            "c-ip",
        ]))
        .unwrap();
        let Parsed::Record(r) = some.parse("1715246000.999\t198.51.100.2\t302\tGET\t/go/xyz/aapex\tcurl/8.5.0") else {
            panic!()
        };
        assert_eq!((r.time, r.path.as_ref(), r.user_agent.as_ref()), (1_715_246_000, "/go/xyz/aapex", "curl/8.5.0"));
        assert!(matches!(some.parse("1715246000.999\t198.51.100.2\t302"), Parsed::Reject(_)));
        assert!(
            some.missing_fields(&[line]).unwrap().contains("43 fields where the real-time log's configuration has 6")
        );
        assert!(
            Cloudfront::realtime(Some(&["timestamp", "c-ip"]))
                .unwrap_err()
                .contains("cs-method, cs-uri-stem, sc-status")
        );
        assert!(
            Cloudfront::realtime(Some(&["cs(User-Agent)"]))
                .unwrap_err()
                .contains("not a CloudFront real-time log field")
        );
    }

    #[test]
    fn old_files_with_24_fields_are_read_by_their_header() {
        let mut parser = Cloudfront::default();
        let header = "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version";
        assert_eq!(parser.parse(header), Parsed::Skip("header line"));
        let line = "2014-05-23\t01:13:11\tFRA2\t182\t192.0.2.10\tGET\td111111abcdef8.cloudfront.net\t/go/xyz/abc123\t302\t-\tMozilla/4.0%2520(compatible;%2520MSIE%25205.0b1;%2520Mac_PowerPC)\t-\t-\tMiss\twvAnNxxxx==\tmartyc.example.com\thttp\t78\t0.002\t-\t-\t-\tMiss\tHTTP/1.1";
        let Parsed::Record(r) = parser.parse(line) else { panic!() };
        assert_eq!(r.user_agent, "Mozilla/4.0 (compatible; MSIE 5.0b1; Mac_PowerPC)");
        assert!(matches!(parser.parse("2014-05-23\t01:13:11\tshort"), Parsed::Reject(_)));
        // A record ending in a stray tab, or two, is read; a missing field is not made up.
        let stray = format!("{line}\t");
        let Parsed::Record(r) = parser.parse(&stray) else { panic!() };
        assert_eq!(r.path, "/go/xyz/abc123");
        assert!(matches!(parser.parse(&format!("{line}\t\t")), Parsed::Record(_)));
        let short = line.rsplit_once('\t').unwrap().0;
        assert!(matches!(parser.parse(short), Parsed::Reject(_)), "a field short");
        assert!(matches!(parser.parse(&format!("{line}\tx")), Parsed::Reject(_)), "an extra field that is not empty");
    }
}
