//! JSON access logs read through a field map: where in each record (a path of keys into nested
//! objects) the values a click needs sit, and how each is written. Caddy's access log, Google
//! Cloud load balancer (Cloud CDN) request logs, Azure Front Door access logs, Akamai DataStream
//! 2 and Vercel log drains are each one [`FieldMap`]; every record is one line.
//!
//! Sample lines, one per map in the order of [`MAPS`] (shapes and values from each vendor's
//! documented examples, one record per line; the tests below parse every one):
//! ```text
//! {"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"127.0.0.1","proto":"HTTP/2.0","method":"GET","host":"localhost","uri":"/go/xyz/samantha?utm_x=1","headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"]}},"bytes_read":0,"user_id":"","duration":0.000929675,"size":0,"status":302,"resp_headers":{"Server":["Caddy"]}}
//! {"httpRequest":{"cacheLookup":true,"referer":"https://www.example.org/","remoteIp":"201.130.61.151","requestMethod":"GET","requestSize":"127","requestUrl":"https://go.example.com/go/xyz/samantha/email-list","responseSize":"1292","status":302,"userAgent":"Mozilla/5.0 (Linux; Android 6.0.1; Moto G (4)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/68.0.3440.85 Mobile Safari/537.36"},"insertId":"1sdtscig1ypuij4","jsonPayload":{"@type":"type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry","statusDetails":"response_sent_by_backend"},"logName":"projects/p/logs/requests","resource":{"type":"http_load_balancer"},"severity":"INFO","timestamp":"2018-08-06T07:55:14.078651Z"}
//! {"time":"2020-06-09T22:32:17.8383427Z","category":"FrontDoorAccessLog","operationName":"Microsoft.Cdn/Profiles/AccessLog/Write","properties":{"trackingReference":"08Q3gXgAAAAAe0s71BET/QYwmqtpHO7uAU0pDRURHRTA1MDgA","httpMethod":"GET","httpVersion":"2.0","requestUri":"https://go.example.azurefd.net:443/go/xyz/samantha?q=%27","requestBytes":"715","responseBytes":"380","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/85.0.4157.0 Safari/537.36 Edg/85.0.531.1","clientIp":"198.51.100.23","socketIp":"198.51.100.23","clientPort":"52097","httpStatusCode":"302","pop":"SJC","cacheStatus":"CONFIG_NOCACHE"}}
//! {"version":1,"streamId":"12345","cp":"123456","reqId":"1239f220","reqTimeSec":"1573840000","bytes":"4995","cliIP":"128.147.28.68","statusCode":"302","proto":"HTTPS","reqHost":"go.example.com","reqMethod":"GET","reqPath":"/go/xyz/samantha","reqPort":"443","UA":"Mozilla%2F5.0+%28Macintosh%3B+Intel+Mac+OS+X+10_14_3%29","queryStr":"param=value","referer":"https%3A%2F%2Ftest.referrer.net%2F","xForwardedFor":"8.47.28.38","country":"IN"}
//! {"id":"1573817250283254651097202070","deploymentId":"dpl_233NRGRjVZX1caZrXWtz5g1TAksD","source":"edge","host":"my-app.vercel.app","timestamp":1573817250283,"projectId":"gdufoJxB6b9b1fEqr1jUtFkyavUU","level":"info","requestId":"643af4e3-975a-4cc7-9e7a-1eda11539d90","statusCode":302,"path":"/go/xyz/samantha","proxy":{"timestamp":1573817250172,"method":"GET","host":"my-app.vercel.app","path":"/go/xyz/samantha?page=1","userAgent":["Mozilla/5.0 (X11; Linux x86_64)"],"referer":"https://my-app.vercel.app","region":"sfo1","statusCode":302,"clientIp":"120.75.16.101","scheme":"https","vercelCache":"MISS"}}
//! ```

use std::borrow::Cow;

use serde_json::Value;

use crate::formats::LineParser;
use crate::formats::fields::{dash, percent_decode, rfc3339};
use crate::record::{Parsed, Record};

/// A path of keys into nested JSON objects; an array on the way or at the end stands for its
/// first element (Caddy and Vercel write headers as arrays).
pub type KeyPath = &'static [&'static str];

/// How a record writes its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeField {
    /// An RFC 3339 string.
    Rfc3339,
    /// Seconds since the epoch, a number or a string, possibly with a fraction.
    Seconds,
    /// Milliseconds since the epoch, a number or a string.
    Millis,
}

/// Where the request's path and query are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The path with its query, as sent.
    Path(KeyPath),
    /// The path, and the query (without `?`) apart.
    PathAndQuery(KeyPath, KeyPath),
    /// A full URL (`https://host[:port]/path?query`).
    Url(KeyPath),
}

/// Which records of a log are requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requests {
    /// Every record.
    All,
    /// Records where this key is present (the others are skipped).
    With(KeyPath),
    /// Records whose value at the key starts with the text.
    Prefixed(KeyPath, &'static str),
    /// Records without this key.
    Without(KeyPath),
}

/// Where a JSON log keeps what a click needs.
#[derive(Debug)]
pub struct FieldMap {
    /// The format's name.
    pub name: &'static str,
    /// The time and how it is written.
    pub time: (KeyPath, TimeField),
    /// The request method.
    pub method: KeyPath,
    /// The path and query.
    pub target: Target,
    /// The response status (a number or a string).
    pub status: KeyPath,
    /// The client's address, the first of these keys present (a port after it is dropped).
    pub client: &'static [KeyPath],
    /// The `User-Agent` header.
    pub user_agent: KeyPath,
    /// Whether the user agent is form-encoded (`+` for spaces, `%XX`).
    pub agent_form_encoded: bool,
    /// The CDN's request id, where there is one.
    pub request_id: Option<KeyPath>,
    /// Which records are requests.
    pub requests: Requests,
    /// Why a record that is not a request is skipped.
    pub skip_reason: &'static str,
}

/// Caddy's JSON access log (`log { format json }`): `ts` in float seconds (Caddy's default
/// `time_format`), the request as it arrived in `request`, headers as arrays. Records of other
/// loggers in the same file are skipped.
pub const CADDY: FieldMap = FieldMap {
    name: "caddy",
    time: (&["ts"], TimeField::Seconds),
    method: &["request", "method"],
    target: Target::Path(&["request", "uri"]),
    status: &["status"],
    client: &[&["request", "client_ip"], &["request", "remote_ip"]],
    user_agent: &["request", "headers", "User-Agent"],
    agent_form_encoded: false,
    request_id: None,
    requests: Requests::Prefixed(&["logger"], "http.log.access"),
    skip_reason: "a Caddy record of another logger",
};

/// Google Cloud external Application Load Balancer (and Cloud CDN) request logs: Cloud Logging
/// `LogEntry` records, one per line as a Cloud Storage sink or `gcloud logging read
/// --format=json` lines write them. Entries Cloud CDN made itself (cache fills, marked with
/// `jsonPayload.parentInsertId`) are skipped.
pub const GOOGLE_CLOUD: FieldMap = FieldMap {
    name: "google-cloud",
    time: (&["timestamp"], TimeField::Rfc3339),
    method: &["httpRequest", "requestMethod"],
    target: Target::Url(&["httpRequest", "requestUrl"]),
    status: &["httpRequest", "status"],
    client: &[&["httpRequest", "remoteIp"]],
    user_agent: &["httpRequest", "userAgent"],
    agent_form_encoded: false,
    request_id: Some(&["insertId"]),
    requests: Requests::Without(&["jsonPayload", "parentInsertId"]),
    skip_reason: "a Cloud CDN cache fill, not a visitor's request",
};

/// Azure Front Door access logs (`FrontDoorAccessLog`), one record per line as diagnostic
/// settings write them to a storage account.
pub const AZURE_FRONT_DOOR: FieldMap = FieldMap {
    name: "azure-front-door",
    time: (&["time"], TimeField::Rfc3339),
    method: &["properties", "httpMethod"],
    target: Target::Url(&["properties", "requestUri"]),
    status: &["properties", "httpStatusCode"],
    client: &[&["properties", "clientIp"]],
    user_agent: &["properties", "userAgent"],
    agent_form_encoded: false,
    request_id: Some(&["properties", "trackingReference"]),
    requests: Requests::With(&["properties", "requestUri"]),
    skip_reason: "an Azure Front Door record of another category",
};

/// Akamai DataStream 2 in JSON: every value a string, the user agent form-encoded.
pub const AKAMAI: FieldMap = FieldMap {
    name: "akamai",
    time: (&["reqTimeSec"], TimeField::Seconds),
    method: &["reqMethod"],
    target: Target::PathAndQuery(&["reqPath"], &["queryStr"]),
    status: &["statusCode"],
    client: &[&["cliIP"]],
    user_agent: &["UA"],
    agent_form_encoded: true,
    request_id: Some(&["reqId"]),
    requests: Requests::All,
    skip_reason: "",
};

/// Vercel log drains (JSON): the request is in `proxy`; records without it (build and
/// function output) are skipped.
pub const VERCEL: FieldMap = FieldMap {
    name: "vercel",
    time: (&["proxy", "timestamp"], TimeField::Millis),
    method: &["proxy", "method"],
    target: Target::Path(&["proxy", "path"]),
    status: &["proxy", "statusCode"],
    client: &[&["proxy", "clientIp"]],
    user_agent: &["proxy", "userAgent"],
    agent_form_encoded: false,
    request_id: Some(&["requestId"]),
    requests: Requests::With(&["proxy"]),
    skip_reason: "a Vercel record that is not a request (build or function output)",
};

/// Every field map, in the order of the samples above.
pub const MAPS: [&FieldMap; 5] = [&CADDY, &GOOGLE_CLOUD, &AZURE_FRONT_DOOR, &AKAMAI, &VERCEL];

impl FieldMap {
    /// The map whose log `record` (the first record of a file) looks like, if any.
    pub fn detect(record: &serde_json::Map<String, Value>) -> Option<&'static FieldMap> {
        let has = |key: &str| record.contains_key(key);
        let object = |key: &str| record.get(key).and_then(Value::as_object);
        if object("properties").is_some_and(|p| p.contains_key("trackingReference"))
            || has("category") && has("operationName")
        {
            return Some(&AZURE_FRONT_DOOR);
        }
        if object("httpRequest").is_some_and(|h| h.contains_key("requestUrl")) {
            return Some(&GOOGLE_CLOUD);
        }
        if has("reqTimeSec") && has("cliIP") {
            return Some(&AKAMAI);
        }
        if has("deploymentId") && has("source") {
            return Some(&VERCEL);
        }
        if has("logger") && has("ts") {
            return Some(&CADDY);
        }
        None
    }
}

/// A parser reading one field map.
pub struct JsonFields(pub &'static FieldMap);

impl LineParser for JsonFields {
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(JsonFields(self.0))
    }

    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        let map = self.0;
        let Ok(record) = serde_json::from_str::<Value>(line) else { return Parsed::Reject("not a JSON record") };
        let is_request = match map.requests {
            Requests::All => true,
            Requests::With(key) => get(&record, key).is_some(),
            Requests::Without(key) => get(&record, key).is_none(),
            Requests::Prefixed(key, prefix) => text(&record, key).is_some_and(|v| v.starts_with(prefix)),
        };
        if !is_request {
            return Parsed::Skip(map.skip_reason);
        }
        let Some(time) = time(&record, map.time.0, map.time.1) else { return Parsed::Reject("bad or missing time") };
        let status = match get(&record, map.status) {
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let Some(status) = status else { return Parsed::Reject("bad or missing status") };
        let Some(method) = text(&record, map.method) else { return Parsed::Reject("no request method") };
        let path = match map.target {
            Target::Path(key) => text(&record, key).map(str::to_owned),
            Target::PathAndQuery(path, query) => text(&record, path).map(|p| match text(&record, query) {
                Some(q) if !q.is_empty() && q != "-" => format!("{p}?{q}"),
                _ => p.to_owned(),
            }),
            Target::Url(key) => text(&record, key).and_then(path_of_url).map(str::to_owned),
        };
        let Some(path) = path.filter(|p| p.starts_with('/')) else { return Parsed::Reject("no request path") };
        let client = map.client.iter().find_map(|k| text(&record, k)).unwrap_or_default();
        let agent = dash(text(&record, map.user_agent).unwrap_or_default());
        let user_agent = if map.agent_form_encoded {
            percent_decode(&agent.replace('+', " ")).into_owned()
        } else {
            agent.to_owned()
        };
        Parsed::Record(Record {
            time,
            method: Cow::Owned(method.to_owned()),
            path: Cow::Owned(path),
            status,
            client: Cow::Owned(without_port(client).to_owned()),
            user_agent: Cow::Owned(user_agent),
            has_agent: true,
            cdn_bot: false,
            edge_result: None,
            request_id: map
                .request_id
                .and_then(|k| text(&record, k))
                .filter(|r| !r.is_empty())
                .map(|r| Cow::Owned(r.to_owned())),
        })
    }
}

/// The value at `path`, an array standing for its first element.
fn get(record: &Value, path: KeyPath) -> Option<&Value> {
    let mut at = record;
    for key in path {
        at = first(at).as_object()?.get(*key)?;
    }
    Some(first(at)).filter(|v| !v.is_null())
}

fn first(v: &Value) -> &Value {
    match v {
        Value::Array(items) => items.first().unwrap_or(&Value::Null),
        other => other,
    }
}

/// The string at `path`.
fn text(record: &Value, path: KeyPath) -> Option<&str> {
    get(record, path)?.as_str()
}

fn time(record: &Value, path: KeyPath, kind: TimeField) -> Option<i64> {
    let value = get(record, path)?;
    if kind == TimeField::Rfc3339 {
        return rfc3339(value.as_str()?);
    }
    // The whole units before any fraction, from a number or a string.
    let whole = match value {
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f as i64))?
        }
        Value::String(s) => s.trim().split('.').next()?.parse().ok()?,
        _ => return None,
    };
    match kind {
        TimeField::Millis => Some(whole.div_euclid(1000)),
        _ => Some(whole),
    }
}

/// The path and query of a full URL (`/` when it has none).
fn path_of_url(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.find(['/', '?']).map_or("/", |i| &rest[i..]))
}

/// An address without the port some logs write after it (`203.0.113.9:443`, `[2001:db8::1]:443`).
fn without_port(client: &str) -> &str {
    if let Some(v6) = client.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    match client.split_once(':') {
        Some((v4, port)) if !port.contains(':') => v4,
        _ => client,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<&'static str> {
        crate::formats::doc_samples(include_str!("json_fields.rs"))
    }

    fn parse(map: &'static FieldMap, line: &'static str) -> Record<'static> {
        match JsonFields(map).parse(line) {
            Parsed::Record(r) => r,
            other => panic!("{}: {line}: {other:?}", map.name),
        }
    }

    #[test]
    fn every_sample_is_detected_and_read() {
        let samples = samples();
        assert_eq!(samples.len(), MAPS.len());
        let mut records = Vec::new();
        for (line, map) in samples.iter().zip(MAPS) {
            let Ok(Value::Object(first)) = serde_json::from_str::<Value>(line) else { panic!("{line}") };
            assert_eq!(FieldMap::detect(&first).map(|m| m.name), Some(map.name));
            records.push(parse(map, line));
        }
        let fields =
            |r: &Record<'_>| (r.time, r.method.to_string(), r.path.to_string(), r.status, r.client.to_string());
        assert_eq!(
            fields(&records[0]),
            (1_646_861_401, "GET".into(), "/go/xyz/samantha?utm_x=1".into(), 302, "127.0.0.1".into())
        );
        assert_eq!(records[0].user_agent, "curl/7.82.0");
        assert_eq!(
            fields(&records[1]),
            (1_533_542_114, "GET".into(), "/go/xyz/samantha/email-list".into(), 302, "201.130.61.151".into())
        );
        assert_eq!(records[1].request_id.as_deref(), Some("1sdtscig1ypuij4"));
        assert_eq!(
            fields(&records[2]),
            (1_591_741_937, "GET".into(), "/go/xyz/samantha?q=%27".into(), 302, "198.51.100.23".into())
        );
        assert!(records[2].user_agent.ends_with("Edg/85.0.531.1"));
        assert_eq!(
            fields(&records[3]),
            (1_573_840_000, "GET".into(), "/go/xyz/samantha?param=value".into(), 302, "128.147.28.68".into())
        );
        assert_eq!(records[3].user_agent, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3)");
        assert_eq!(
            fields(&records[4]),
            (1_573_817_250, "GET".into(), "/go/xyz/samantha?page=1".into(), 302, "120.75.16.101".into())
        );
        assert_eq!(records[4].user_agent, "Mozilla/5.0 (X11; Linux x86_64)");
    }

    #[test]
    fn records_that_are_not_requests_are_skipped_and_broken_ones_rejected() {
        let other_logger = r#"{"level":"info","ts":1646861401.5,"logger":"tls","msg":"certificate obtained"}"#;
        assert!(matches!(JsonFields(&CADDY).parse(other_logger), Parsed::Skip(_)));
        let build = r#"{"id":"1","deploymentId":"dpl_1","source":"build","timestamp":1573817187330,"message":"done"}"#;
        assert!(matches!(JsonFields(&VERCEL).parse(build), Parsed::Skip(_)));
        let fill = r#"{"httpRequest":{"requestMethod":"GET","requestUrl":"https://h/x","status":200,"remoteIp":"1.2.3.4"},"jsonPayload":{"parentInsertId":"abc"},"timestamp":"2020-06-08T23:41:30Z"}"#;
        assert!(matches!(JsonFields(&GOOGLE_CLOUD).parse(fill), Parsed::Skip(_)));
        for broken in [
            "{not json",
            r#"{"reqTimeSec":"soon","cliIP":"1.2.3.4","statusCode":"302","reqMethod":"GET","reqPath":"/go/x/y"}"#,
            r#"{"reqTimeSec":"1573840000","cliIP":"1.2.3.4","statusCode":"many","reqMethod":"GET","reqPath":"/go/x/y"}"#,
            r#"{"reqTimeSec":"1573840000","cliIP":"1.2.3.4","statusCode":"302","reqMethod":"GET","reqPath":"go/x/y"}"#,
        ] {
            assert!(matches!(JsonFields(&AKAMAI).parse(broken), Parsed::Reject(_)), "{broken}");
        }
    }

    #[test]
    fn urls_lose_scheme_host_and_port_and_addresses_their_port() {
        assert_eq!(path_of_url("https://h.example:443/go/a/b?x=1"), Some("/go/a/b?x=1"));
        assert_eq!(path_of_url("https://h.example"), Some("/"));
        assert_eq!(path_of_url("https://h.example?x"), Some("?x"));
        assert_eq!(path_of_url("/no/scheme"), None);
        assert_eq!(without_port("203.0.113.9:443"), "203.0.113.9");
        assert_eq!(without_port("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(without_port("2001:db8::1"), "2001:db8::1");
        assert_eq!(without_port("203.0.113.9"), "203.0.113.9");
    }
}
