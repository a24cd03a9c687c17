//! CloudFront standard logs v2 in JSON: one object a line, the legacy field names as keys and
//! every value a string (numbers too). The time comes from `date` and `time`, or from
//! `timestamp` (seconds, with a fraction) or `timestamp(ms)`.
//!
//! Sample lines (real shapes; the tests below parse every one):
//! ```text
//! {"date":"2024-05-01","time":"10:00:00","x-edge-location":"FRA56-P5","c-ip":"203.0.113.9","cs-method":"GET","cs(Host)":"d111111abcdef8.cloudfront.net","cs-uri-stem":"/go/xyz/samantha/email-list","sc-status":"302","cs(User-Agent)":"Mozilla/5.0%20(X11;%20Linux%20x86_64)","x-edge-result-type":"Miss","x-edge-request-id":"SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==","x-forwarded-for":"-"}
//! {"timestamp":"1714557601.123","c-ip":"10.1.2.3","cs-method":"HEAD","cs-uri-stem":"/go/xyz/samantha","sc-status":"302","cs(User-Agent)":"Slackbot-LinkExpanding%201.0","x-edge-result-type":"Miss","x-edge-request-id":"k6WGMNkEzR5BEM==","x-forwarded-for":"198.51.100.7"}
//! {"timestamp(ms)":"1714557602000","c-ip":"192.0.2.10","cs-method":"GET","cs-uri-stem":"/go/test/abc123","sc-status":"302","cs(User-Agent)":"Mozilla/5.0","x-edge-result-type":"Miss","x-edge-request-id":"v3QmhFPq=="}
//! ```

use std::borrow::Cow;

use serde::Deserialize;

use crate::formats::LineParser;
use crate::formats::fields::{dash, date_time, double_decoded, first_forwarded};
use crate::record::{Parsed, Record};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow, default)]
    date: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "timestamp(ms)")]
    timestamp_ms: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "c-ip")]
    client: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "cs-method")]
    method: Cow<'a, str>,
    #[serde(borrow, rename = "cs-uri-stem")]
    path: Cow<'a, str>,
    #[serde(borrow, rename = "sc-status")]
    status: Cow<'a, str>,
    #[serde(borrow, default, rename = "cs(User-Agent)")]
    agent: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "cs(Referer)")]
    referrer: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "cs-uri-query")]
    query: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "x-edge-result-type")]
    result: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "x-edge-request-id")]
    request_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "x-forwarded-for")]
    forwarded: Option<Cow<'a, str>>,
}

/// The CloudFront v2 JSON parser.
pub struct CloudfrontJson;

fn seconds(text: &str) -> Option<i64> {
    text.split('.').next()?.parse().ok()
}

fn owned<'a>(c: Cow<'_, str>) -> Cow<'a, str> {
    Cow::Owned(c.into_owned())
}

impl LineParser for CloudfrontJson {
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(CloudfrontJson)
    }

    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        let Ok(l) = serde_json::from_str::<Line<'a>>(line) else {
            return Parsed::Reject("not a CloudFront JSON record");
        };
        let time = match (&l.date, &l.time, &l.timestamp, &l.timestamp_ms) {
            (Some(d), Some(t), _, _) => date_time(d, t),
            (_, _, Some(ts), _) => seconds(ts),
            (_, _, _, Some(ms)) => seconds(ms).map(|ms| ms / 1000),
            _ => None,
        };
        let Some(time) = time else { return Parsed::Reject("bad or missing date, time or timestamp") };
        let Ok(status) = l.status.parse() else { return Parsed::Reject("bad status") };
        let forwarded = l.forwarded.as_deref().map(dash).and_then(first_forwarded).map(|f| f.to_owned());
        let client = match forwarded {
            Some(f) => Cow::Owned(f),
            None => l.client.map(|c| if c == "-" { Cow::Borrowed("") } else { c }).unwrap_or_default(),
        };
        let agent = l.agent.map(|a| owned(double_decoded(dash(&a)))).unwrap_or_default();
        Parsed::Record(Record {
            time,
            method: l.method,
            path: l.path,
            status,
            client,
            user_agent: agent,
            referrer: l.referrer.map(|r| owned(double_decoded(dash(&r)))).unwrap_or_default(),
            country: None,
            query: l.query.map(|q| if q == "-" { Cow::Borrowed("") } else { q }).unwrap_or_default(),
            has_agent: true,
            cdn_bot: false,
            edge_result: l.result,
            request_id: l.request_id.filter(|r| !r.is_empty() && r != "-"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<&'static str> {
        crate::formats::doc_samples(include_str!("cloudfront_json.rs"))
    }

    #[test]
    fn every_sample_line_parses() {
        let records: Vec<Record<'_>> = samples()
            .iter()
            .map(|l| match CloudfrontJson.parse(l) {
                Parsed::Record(r) => r,
                other => panic!("{l}: {other:?}"),
            })
            .collect();
        assert_eq!(records[0].time, 1_714_557_600);
        assert_eq!(records[0].user_agent, "Mozilla/5.0 (X11; Linux x86_64)");
        assert_eq!((records[1].time, records[1].client.as_ref()), (1_714_557_601, "198.51.100.7"));
        assert_eq!(records[1].method, "HEAD");
        assert_eq!(records[2].time, 1_714_557_602);
        assert!(matches!(CloudfrontJson.parse(r#"{"cs-method":"GET"}"#), Parsed::Reject(_)));
        assert!(matches!(CloudfrontJson.parse("{not json"), Parsed::Reject(_)));
    }
}
