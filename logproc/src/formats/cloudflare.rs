//! Cloudflare Logpush `http_requests` as JSON lines. `EdgeStartTimestamp` comes in the job's
//! `timestamp_format`: `unixnano` or `unix` (integers), `rfc3339` or `rfc3339ms` (strings).
//! Only `eyeball` records (requests from visitors, not from Workers or other Cloudflare
//! services) are requests; the others are skipped. `BotScore` (below 30: likely automated) and
//! `VerifiedBotCategory` mark bots where the plan provides them.
//!
//! Sample lines (real shapes; the tests below parse every one):
//! ```text
//! {"ClientIP":"203.0.113.9","ClientRequestHost":"martyc.example.com","ClientRequestMethod":"GET","ClientRequestURI":"/go/xyz/samantha/email-list?gclid=abc","ClientRequestUserAgent":"Mozilla/5.0 (X11; Linux x86_64)","ClientRequestSource":"eyeball","EdgeResponseStatus":302,"EdgeStartTimestamp":1714557600000000000,"RayID":"7c5e8c1a2b3d4e5f"}
//! {"ClientIP":"198.51.100.7","ClientRequestMethod":"GET","ClientRequestURI":"/go/xyz/samantha","ClientRequestUserAgent":"Mozilla/5.0 (iPhone)","EdgeResponseStatus":302,"EdgeStartTimestamp":1714557601,"RayID":"7c5e8c1a2b3d4e60","BotScore":99}
//! {"ClientIP":"192.0.2.10","ClientRequestMethod":"GET","ClientRequestURI":"/go/xyz/samantha","ClientRequestUserAgent":"Mozilla/5.0","EdgeResponseStatus":302,"EdgeStartTimestamp":"2024-05-01T10:00:02Z","RayID":"7c5e8c1a2b3d4e61","BotScore":2,"VerifiedBotCategory":""}
//! {"ClientIP":"192.0.2.11","ClientRequestMethod":"GET","ClientRequestURI":"/go/xyz/samantha","ClientRequestUserAgent":"Mozilla/5.0","EdgeResponseStatus":302,"EdgeStartTimestamp":"2024-05-01T10:00:03.250Z","RayID":"7c5e8c1a2b3d4e62","VerifiedBotCategory":"Search Engine Crawler"}
//! {"ClientIP":"192.0.2.12","ClientRequestMethod":"GET","ClientRequestURI":"/go/xyz/samantha","ClientRequestSource":"edgeWorkerFetch","EdgeResponseStatus":302,"EdgeStartTimestamp":1714557604,"RayID":"7c5e8c1a2b3d4e63"}
//! ```

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use crate::formats::LineParser;
use crate::formats::fields::{country_code, rfc3339, unix_any};
use crate::record::{Parsed, Record};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Line<'a> {
    #[serde(borrow, default, rename = "ClientIP")]
    client_ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    client_request_method: Cow<'a, str>,
    #[serde(borrow, rename = "ClientRequestURI")]
    client_request_uri: Cow<'a, str>,
    #[serde(borrow, default)]
    client_request_user_agent: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    client_request_referer: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    client_country: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    client_request_source: Option<Cow<'a, str>>,
    edge_response_status: Value,
    edge_start_timestamp: Value,
    #[serde(borrow, default, rename = "RayID")]
    ray_id: Option<Cow<'a, str>>,
    #[serde(default)]
    bot_score: Option<Value>,
    #[serde(borrow, default)]
    verified_bot_category: Option<Cow<'a, str>>,
}

/// The Cloudflare Logpush parser.
pub struct Cloudflare;

fn timestamp(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().and_then(unix_any),
        Value::String(s) => rfc3339(s).or_else(|| s.parse().ok().and_then(unix_any)),
        _ => None,
    }
}

fn status(v: &Value) -> Option<u16> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl LineParser for Cloudflare {
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(Cloudflare)
    }

    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        let Ok(l) = serde_json::from_str::<Line<'a>>(line) else {
            return Parsed::Reject("not a Cloudflare http_requests record");
        };
        if l.client_request_source.as_deref().is_some_and(|s| s != "eyeball") {
            return Parsed::Skip("not an eyeball request");
        }
        let Some(time) = timestamp(&l.edge_start_timestamp) else { return Parsed::Reject("bad EdgeStartTimestamp") };
        let Some(status) = status(&l.edge_response_status) else { return Parsed::Reject("bad EdgeResponseStatus") };
        let score_bot = l.bot_score.as_ref().and_then(Value::as_u64).is_some_and(|s| s < 30);
        let verified_bot = l.verified_bot_category.as_deref().is_some_and(|c| !c.is_empty());
        Parsed::Record(Record {
            time,
            method: l.client_request_method,
            path: l.client_request_uri,
            status,
            client: l.client_ip.unwrap_or_default(),
            user_agent: l.client_request_user_agent.unwrap_or_default(),
            referrer: l.client_request_referer.unwrap_or_default(),
            country: l.client_country.as_deref().and_then(country_code),
            query: Cow::Borrowed(""),
            has_agent: true,
            cdn_bot: score_bot || verified_bot,
            edge_result: None,
            request_id: l.ray_id.filter(|r| !r.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<&'static str> {
        crate::formats::doc_samples(include_str!("cloudflare.rs"))
    }

    #[test]
    fn every_sample_line_parses() {
        let parsed: Vec<Parsed<'_>> = samples().iter().map(|l| Cloudflare.parse(l)).collect();
        let times: Vec<i64> =
            parsed.iter().filter_map(|p| if let Parsed::Record(r) = p { Some(r.time) } else { None }).collect();
        assert_eq!(times, [1_714_557_600, 1_714_557_601, 1_714_557_602, 1_714_557_603]);
        let bots: Vec<bool> =
            parsed.iter().filter_map(|p| if let Parsed::Record(r) = p { Some(r.cdn_bot) } else { None }).collect();
        assert_eq!(bots, [false, false, true, true]);
        assert_eq!(parsed[4], Parsed::Skip("not an eyeball request"));
        assert!(matches!(Cloudflare.parse(r#"{"ClientRequestMethod":"GET"}"#), Parsed::Reject(_)));
    }
}
