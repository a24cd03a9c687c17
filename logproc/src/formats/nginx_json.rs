//! nginx JSON lines, written with `escape=json`. The fields are nginx's variable names; the
//! format refstats expects (docs/refstats.md has it ready to paste) is:
//!
//! `log_format refcenter escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr","request_method":"$request_method","request_uri":"$request_uri","status":$status,"http_user_agent":"$http_user_agent","http_x_forwarded_for":"$http_x_forwarded_for","request_id":"$request_id"}';`
//!
//! `request` (the whole request line) may stand in for method and URI, `time_local` for
//! `time`, and `status` may be a number or a string.
//!
//! Sample lines (real shapes; the tests below parse every one):
//! ```text
//! {"time":"2024-05-01T10:00:00+00:00","remote_addr":"203.0.113.9","request_method":"GET","request_uri":"/go/xyz/samantha/email-list","status":302,"http_user_agent":"Mozilla/5.0 (X11; Linux x86_64) \"q\"","http_x_forwarded_for":"","request_id":"f3a0c1d2e3b4a5968778695a4b3c2d1e"}
//! {"time":"2024-05-01T12:00:01+02:00","remote_addr":"10.0.0.1","request_method":"GET","request_uri":"/go/xyz/samantha","status":"302","http_user_agent":"Mozilla/5.0","http_x_forwarded_for":"198.51.100.7, 10.0.0.1"}
//! {"time_local":"01/May/2024:10:00:02 +0000","remote_addr":"192.0.2.10","request":"HEAD /go/xyz/samantha HTTP/1.1","status":302,"http_user_agent":""}
//! ```

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use crate::formats::LineParser;
use crate::formats::fields::{clf_time, first_forwarded, request_line, rfc3339};
use crate::record::{Parsed, Record};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time_iso8601: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time_local: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    remote_addr: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request_method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request_uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request: Option<Cow<'a, str>>,
    status: Value,
    #[serde(borrow, default)]
    http_user_agent: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    http_referer: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    http_x_forwarded_for: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request_id: Option<Cow<'a, str>>,
}

/// The nginx JSON parser.
pub struct NginxJson;

impl LineParser for NginxJson {
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(NginxJson)
    }

    fn missing_fields(&self, first: &[&str]) -> Option<String> {
        let records: Vec<serde_json::Map<String, Value>> =
            first.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
        if records.is_empty() {
            return None;
        }
        let any = |keys: &[&str]| records.iter().any(|r| keys.iter().all(|k| r.contains_key(*k)));
        let mut missing = Vec::new();
        if !any(&["time"]) && !any(&["time_iso8601"]) && !any(&["time_local"]) {
            missing.push("a time (`time`, `time_iso8601` or `time_local`)");
        }
        if !any(&["status"]) {
            missing.push("`status`");
        }
        if !any(&["request_method", "request_uri"]) && !any(&["request"]) {
            missing.push("the request (`request_method` and `request_uri`, or `request`)");
        }
        (!missing.is_empty()).then(|| {
            format!(
                "no record among the first {} holds {}: its keys are not nginx's variable names; name them with --json-fields",
                records.len(),
                missing.join(", ")
            )
        })
    }

    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        let Ok(l) = serde_json::from_str::<Line<'a>>(line) else {
            return Parsed::Reject("not an nginx JSON record");
        };
        let time = match (l.time.as_deref().or(l.time_iso8601.as_deref()), l.time_local.as_deref()) {
            (Some(t), _) => rfc3339(t),
            (None, Some(t)) => clf_time(t),
            _ => None,
        };
        let Some(time) = time else { return Parsed::Reject("bad or missing time") };
        let status = match &l.status {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Value::String(s) => s.parse().ok(),
            _ => None,
        };
        let Some(status) = status else { return Parsed::Reject("bad status") };
        let (method, path) = match (l.request_method, l.request_uri, l.request.as_deref()) {
            (Some(m), Some(u), _) => (m, u),
            (_, _, Some(r)) => match request_line(r) {
                Some((m, u)) => (Cow::Owned(m.to_owned()), Cow::Owned(u.to_owned())),
                None => return Parsed::Skip("no request line"),
            },
            _ => return Parsed::Reject("no request_method and request_uri, nor request"),
        };
        let forwarded = l.http_x_forwarded_for.as_deref().and_then(first_forwarded).map(str::to_owned);
        Parsed::Record(Record {
            time,
            method,
            path,
            status,
            client: forwarded.map(Cow::Owned).or(l.remote_addr).unwrap_or_default(),
            user_agent: l.http_user_agent.unwrap_or_default(),
            referrer: l.http_referer.unwrap_or_default(),
            country: None,
            query: Cow::Borrowed(""),
            has_agent: true,
            cdn_bot: false,
            edge_result: None,
            request_id: l.request_id.filter(|r| !r.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<&'static str> {
        crate::formats::doc_samples(include_str!("nginx_json.rs"))
    }

    #[test]
    fn every_sample_line_parses() {
        let records: Vec<Record<'_>> = samples()
            .iter()
            .map(|l| match NginxJson.parse(l) {
                Parsed::Record(r) => r,
                other => panic!("{l}: {other:?}"),
            })
            .collect();
        assert_eq!(records[0].user_agent, "Mozilla/5.0 (X11; Linux x86_64) \"q\"");
        assert_eq!(records[0].time, 1_714_557_600);
        assert_eq!((records[1].time, records[1].client.as_ref()), (1_714_557_601, "198.51.100.7"));
        assert_eq!((records[2].method.as_ref(), records[2].time), ("HEAD", 1_714_557_602));
    }
}
