//! JSON access logs read through a field map: where in each record (a path of keys into nested
//! objects) the values a click needs sit, and how each is written. Caddy's access log, Google
//! Cloud load balancer (Cloud CDN) request logs, Azure Front Door access logs, Akamai DataStream
//! 2, Vercel and Netlify log drains and Fastly's common JSON format are each one [`FieldMap`];
//! so is a map
//! the user gives (`--json-fields`). Every record is one line.
//!
//! Sample lines, one per map in the order of [`vendor_maps`] (shapes and values from each vendor's
//! documented examples, one record per line; the tests below parse every one):
//! ```text
//! {"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"127.0.0.1","proto":"HTTP/2.0","method":"GET","host":"localhost","uri":"/go/xyz/samantha?utm_x=1","headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"]}},"bytes_read":0,"user_id":"","duration":0.000929675,"size":0,"status":302,"resp_headers":{"Server":["Caddy"]}}
//! {"httpRequest":{"cacheLookup":true,"referer":"https://www.example.org/","remoteIp":"201.130.61.151","requestMethod":"GET","requestSize":"127","requestUrl":"https://go.example.com/go/xyz/samantha/email-list","responseSize":"1292","status":302,"userAgent":"Mozilla/5.0 (Linux; Android 6.0.1; Moto G (4)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/68.0.3440.85 Mobile Safari/537.36"},"insertId":"1sdtscig1ypuij4","jsonPayload":{"@type":"type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry","statusDetails":"response_sent_by_backend"},"logName":"projects/p/logs/requests","resource":{"type":"http_load_balancer"},"severity":"INFO","timestamp":"2018-08-06T07:55:14.078651Z"}
//! {"time":"2020-06-09T22:32:17.8383427Z","category":"FrontDoorAccessLog","operationName":"Microsoft.Cdn/Profiles/AccessLog/Write","properties":{"trackingReference":"08Q3gXgAAAAAe0s71BET/QYwmqtpHO7uAU0pDRURHRTA1MDgA","httpMethod":"GET","httpVersion":"2.0","requestUri":"https://go.example.azurefd.net:443/go/xyz/samantha?q=%27","requestBytes":"715","responseBytes":"380","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/85.0.4157.0 Safari/537.36 Edg/85.0.531.1","clientIp":"198.51.100.23","socketIp":"198.51.100.23","clientPort":"52097","httpStatusCode":"302","pop":"SJC","cacheStatus":"CONFIG_NOCACHE"}}
//! {"version":1,"streamId":"12345","cp":"123456","reqId":"1239f220","reqTimeSec":"1573840000","bytes":"4995","cliIP":"128.147.28.68","statusCode":"302","proto":"HTTPS","reqHost":"go.example.com","reqMethod":"GET","reqPath":"/go/xyz/samantha","reqPort":"443","UA":"Mozilla%2F5.0+%28Macintosh%3B+Intel+Mac+OS+X+10_14_3%29","queryStr":"param=value","referer":"https%3A%2F%2Ftest.referrer.net%2F","xForwardedFor":"8.47.28.38","country":"IN"}
//! {"id":"1573817250283254651097202070","deploymentId":"dpl_233NRGRjVZX1caZrXWtz5g1TAksD","source":"edge","host":"my-app.vercel.app","timestamp":1573817250283,"projectId":"gdufoJxB6b9b1fEqr1jUtFkyavUU","level":"info","requestId":"643af4e3-975a-4cc7-9e7a-1eda11539d90","statusCode":302,"path":"/go/xyz/samantha","proxy":{"timestamp":1573817250172,"method":"GET","host":"my-app.vercel.app","path":"/go/xyz/samantha?page=1","userAgent":["Mozilla/5.0 (X11; Linux x86_64)"],"referer":"https://my-app.vercel.app","region":"sfo1","statusCode":302,"clientIp":"120.75.16.101","scheme":"https","vercelCache":"MISS"}}
//! {"timestamp":"2024-05-01T10:00:00","client_ip":"203.0.113.20","geo_country":"Germany","geo_city":"Berlin","host":"go.example.com","url":"/go/xyz/samantha?gclid=x","request_method":"GET","request_protocol":"HTTP/2","request_referer":"","request_user_agent":"Mozilla/5.0 (X11; Linux x86_64)","response_state":"MISS","response_status":302,"response_reason":"Found","response_body_size":0,"fastly_server":"cache-fra-etou8220123-FRA","fastly_is_edge":true}
//! {"log_type":"traffic","timestamp":"2024-05-01T12:34:56.789Z","method":"GET","url":"/go/xyz/samantha?qr=1","status_code":302,"client_ip":"8.8.8.8","user_agent":"Mozilla/5.0 (X11; Linux x86_64)","referrer":"https://news.example.org/a","request_id":"01HX5Z9","site_id":"s1","deploy_id":"d1","country":"US","duration":2}
//! ```

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use serde_json::Value;

use crate::formats::LineParser;
use crate::formats::fields::{clf_time, country_code, dash, path_of_url, percent_decode, rfc3339, unix_any};
use crate::record::{Parsed, Record};

/// A path of keys into nested JSON objects, written with dots (`request.headers.User-Agent`);
/// an array on the way or at the end stands for its first element (Caddy and Vercel write
/// headers as arrays).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPath(Vec<String>);

impl KeyPath {
    /// The path of `keys`.
    pub fn new(keys: &[&str]) -> Self {
        KeyPath(keys.iter().map(|k| (*k).to_owned()).collect())
    }

    /// A dotted path; `None` when a key is empty.
    pub fn parse(dotted: &str) -> Option<Self> {
        let keys: Vec<String> = dotted.split('.').map(str::to_owned).collect();
        keys.iter().all(|k| !k.is_empty()).then_some(KeyPath(keys))
    }

    /// The value at this path in `record`, an array standing for its first element.
    fn get<'v>(&self, record: &'v Value) -> Option<&'v Value> {
        let mut at = record;
        for key in &self.0 {
            at = first(at).as_object()?.get(key)?;
        }
        Some(first(at)).filter(|v| !v.is_null())
    }

    /// The string at this path.
    fn text<'v>(&self, record: &'v Value) -> Option<&'v str> {
        self.get(record)?.as_str()
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// Which records of a log are requests.
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug)]
pub struct FieldMap {
    /// The format's name.
    pub name: &'static str,
    /// The time: an RFC 3339 or common-log-format string, or seconds, milliseconds or
    /// nanoseconds since the epoch (told apart by size) as a number or a string.
    pub time: KeyPath,
    /// The request method.
    pub method: KeyPath,
    /// The path with its query as sent, or a full URL (`https://host[:port]/path?query`).
    pub path: KeyPath,
    /// The query (without `?`), where the log keeps it apart from the path.
    pub query: Option<KeyPath>,
    /// The response status (a number or a string).
    pub status: KeyPath,
    /// The client's address, the first of these keys present (a port after it is dropped).
    pub client: Vec<KeyPath>,
    /// The `User-Agent` header; `None` when the log has none (then bots cannot be told).
    pub user_agent: Option<KeyPath>,
    /// Whether the user agent and referrer are form-encoded (`+` for spaces, `%XX`).
    pub agent_form_encoded: bool,
    /// The `Referer` header, where the log has it.
    pub referrer: Option<KeyPath>,
    /// The country the CDN placed the client in (two letters), where the log has it.
    pub country: Option<KeyPath>,
    /// The CDN's request id, where there is one.
    pub request_id: Option<KeyPath>,
    /// Which records are requests.
    pub requests: Requests,
    /// Why a record that is not a request is skipped.
    pub skip_reason: &'static str,
}

fn keys(k: &[&str]) -> KeyPath {
    KeyPath::new(k)
}

/// Caddy's JSON access log (`log { format json }`): the request as it arrived in `request`,
/// headers as arrays. Records of other loggers in the same file are skipped.
pub static CADDY: LazyLock<Arc<FieldMap>> = LazyLock::new(|| {
    Arc::new(FieldMap {
        name: "caddy",
        time: keys(&["ts"]),
        method: keys(&["request", "method"]),
        path: keys(&["request", "uri"]),
        query: None,
        status: keys(&["status"]),
        client: vec![keys(&["request", "client_ip"]), keys(&["request", "remote_ip"])],
        user_agent: Some(keys(&["request", "headers", "User-Agent"])),
        agent_form_encoded: false,
        referrer: Some(keys(&["request", "headers", "Referer"])),
        country: None,
        request_id: None,
        requests: Requests::Prefixed(keys(&["logger"]), "http.log.access"),
        skip_reason: "a Caddy record of another logger",
    })
});

/// Google Cloud external Application Load Balancer (and Cloud CDN) request logs: Cloud Logging
/// `LogEntry` records, one per line as a Cloud Storage sink or `gcloud logging read
/// --format=json` lines write them. Entries Cloud CDN made itself (cache fills, marked with
/// `jsonPayload.parentInsertId`) are skipped.
pub static GOOGLE_CLOUD: LazyLock<Arc<FieldMap>> = LazyLock::new(|| {
    Arc::new(FieldMap {
        name: "google-cloud",
        time: keys(&["timestamp"]),
        method: keys(&["httpRequest", "requestMethod"]),
        path: keys(&["httpRequest", "requestUrl"]),
        query: None,
        status: keys(&["httpRequest", "status"]),
        client: vec![keys(&["httpRequest", "remoteIp"])],
        user_agent: Some(keys(&["httpRequest", "userAgent"])),
        agent_form_encoded: false,
        referrer: Some(keys(&["httpRequest", "referer"])),
        country: None,
        request_id: Some(keys(&["insertId"])),
        requests: Requests::Without(keys(&["jsonPayload", "parentInsertId"])),
        skip_reason: "a Cloud CDN cache fill, not a visitor's request",
    })
});

/// Azure Front Door access logs (`FrontDoorAccessLog`), one record per line as diagnostic
/// settings write them to a storage account.
pub static AZURE_FRONT_DOOR: LazyLock<Arc<FieldMap>> = LazyLock::new(|| {
    Arc::new(FieldMap {
        name: "azure-front-door",
        time: keys(&["time"]),
        method: keys(&["properties", "httpMethod"]),
        path: keys(&["properties", "requestUri"]),
        query: None,
        status: keys(&["properties", "httpStatusCode"]),
        client: vec![keys(&["properties", "clientIp"])],
        user_agent: Some(keys(&["properties", "userAgent"])),
        agent_form_encoded: false,
        referrer: Some(keys(&["properties", "referer"])),
        country: None,
        request_id: Some(keys(&["properties", "trackingReference"])),
        requests: Requests::With(keys(&["properties", "requestUri"])),
        skip_reason: "an Azure Front Door record of another category",
    })
});

/// Akamai DataStream 2 in JSON: every value a string, the user agent form-encoded.
pub static AKAMAI: LazyLock<Arc<FieldMap>> = LazyLock::new(|| {
    Arc::new(FieldMap {
        name: "akamai",
        time: keys(&["reqTimeSec"]),
        method: keys(&["reqMethod"]),
        path: keys(&["reqPath"]),
        query: Some(keys(&["queryStr"])),
        status: keys(&["statusCode"]),
        client: vec![keys(&["cliIP"])],
        user_agent: Some(keys(&["UA"])),
        agent_form_encoded: true,
        referrer: Some(keys(&["referer"])),
        country: Some(keys(&["country"])),
        request_id: Some(keys(&["reqId"])),
        requests: Requests::All,
        skip_reason: "",
    })
});

/// Vercel log drains (JSON): the request is in `proxy`; records without it (build and
/// function output) are skipped.
pub static VERCEL: LazyLock<Arc<FieldMap>> = LazyLock::new(|| {
    Arc::new(FieldMap {
        name: "vercel",
        time: keys(&["proxy", "timestamp"]),
        method: keys(&["proxy", "method"]),
        path: keys(&["proxy", "path"]),
        query: None,
        status: keys(&["proxy", "statusCode"]),
        client: vec![keys(&["proxy", "clientIp"])],
        user_agent: Some(keys(&["proxy", "userAgent"])),
        agent_form_encoded: false,
        referrer: Some(keys(&["proxy", "referer"])),
        country: None,
        request_id: Some(keys(&["requestId"])),
        requests: Requests::With(keys(&["proxy"])),
        skip_reason: "a Vercel record that is not a request (build or function output)",
    })
});

/// Fastly real-time log streaming in the JSON format Fastly's documentation and its logging
/// integrations use (`timestamp`, `client_ip`, `url`, `request_method`, `request_user_agent`,
/// `response_status`, ...). Fastly's logs are whatever format string the service sets: other
/// JSON shapes are read with `--json-fields`, the common and combined formats as such.
pub static FASTLY: LazyLock<Arc<FieldMap>> = LazyLock::new(|| {
    Arc::new(FieldMap {
        name: "fastly",
        time: keys(&["timestamp"]),
        method: keys(&["request_method"]),
        path: keys(&["url"]),
        query: None,
        status: keys(&["response_status"]),
        client: vec![keys(&["client_ip"])],
        user_agent: Some(keys(&["request_user_agent"])),
        agent_form_encoded: false,
        referrer: Some(keys(&["request_referer"])),
        country: None,
        request_id: None,
        requests: Requests::All,
        skip_reason: "",
    })
});

/// Netlify log drains, traffic records (`log_type` `traffic`; function, edge function and
/// other records are skipped), one JSON object per line as an NDJSON drain writes them. Netlify
/// publishes no record of its own: the keys are those Netlify's drain destinations read
/// (`timestamp`, `method`, `url`, `status_code`, `client_ip`, `user_agent`, `referrer`,
/// `request_id`), and the sample above is made of them. A drain with "Exclude PII" on has no
/// `client_ip` or `user_agent`: such records are rejected, as no visitor can be told.
pub static NETLIFY: LazyLock<Arc<FieldMap>> = LazyLock::new(|| {
    Arc::new(FieldMap {
        name: "netlify",
        time: keys(&["timestamp"]),
        method: keys(&["method"]),
        path: keys(&["url"]),
        query: None,
        status: keys(&["status_code"]),
        client: vec![keys(&["client_ip"])],
        user_agent: Some(keys(&["user_agent"])),
        agent_form_encoded: false,
        referrer: Some(keys(&["referrer"])),
        country: Some(keys(&["country"])),
        request_id: Some(keys(&["request_id"])),
        requests: Requests::Prefixed(keys(&["log_type"]), "traffic"),
        skip_reason: "a Netlify record that is not a traffic record (function or deploy output)",
    })
});

/// The vendors' field maps, in the order of the samples above.
pub fn vendor_maps() -> [&'static Arc<FieldMap>; 7] {
    [&CADDY, &GOOGLE_CLOUD, &AZURE_FRONT_DOOR, &AKAMAI, &VERCEL, &FASTLY, &NETLIFY]
}

impl FieldMap {
    /// The vendor map whose log `record` (the first record of a file) looks like, if any.
    pub fn detect(record: &serde_json::Map<String, Value>) -> Option<&'static Arc<FieldMap>> {
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
        if has("log_type") && (has("status_code") || has("site_id") || has("deploy_id")) {
            return Some(&NETLIFY);
        }
        if has("logger") && has("ts") {
            return Some(&CADDY);
        }
        if has("client_ip")
            && has("url")
            && has("request_user_agent")
            && (has("response_status") || has("fastly_server"))
        {
            return Some(&FASTLY);
        }
        None
    }

    /// A user's map from `name=path` pairs separated by commas (`--json-fields`): `time`,
    /// `method`, `path` (or a full URL), `status`, `client` are needed; `query`, `user_agent`,
    /// `referrer`, `country` and `request_id` may be given.
    pub fn from_pairs<'p>(pairs: impl IntoIterator<Item = (&'p str, &'p str)>) -> Result<FieldMap, String> {
        let mut found: std::collections::BTreeMap<&str, KeyPath> = std::collections::BTreeMap::new();
        for (name, path) in pairs {
            let name = name.trim();
            if !CUSTOM_FIELDS.contains(&name) {
                return Err(format!("`{name}` is not a field refstats reads (fields: {})", CUSTOM_FIELDS.join(", ")));
            }
            let Some(path) = KeyPath::parse(path.trim()) else {
                return Err(format!("`{name}`: `{path}` is not a path of keys like request.uri"));
            };
            if found.insert(name, path).is_some() {
                return Err(format!("`{name}` is given twice"));
            }
        }
        let missing: Vec<&str> =
            ["time", "method", "path", "status", "client"].into_iter().filter(|n| !found.contains_key(n)).collect();
        if !missing.is_empty() {
            return Err(format!("no key given for {}", missing.join(", ")));
        }
        let mut take = |name: &str| found.remove(name);
        let need = |k: Option<KeyPath>| k.unwrap_or_else(|| KeyPath(Vec::new()));
        Ok(FieldMap {
            name: "json",
            time: need(take("time")),
            method: need(take("method")),
            path: need(take("path")),
            query: take("query"),
            status: need(take("status")),
            client: vec![need(take("client"))],
            user_agent: take("user_agent"),
            agent_form_encoded: false,
            referrer: take("referrer"),
            country: take("country"),
            request_id: take("request_id"),
            requests: Requests::All,
            skip_reason: "",
        })
    }

    /// Which of the fields a click needs none of `records` has (all of them requests), each as
    /// `path (field)`; empty when every field is found in some record.
    pub fn missing(&self, records: &[Value]) -> Vec<String> {
        let found = |key: &KeyPath| records.iter().any(|r| key.get(r).is_some());
        let needed = [(&self.time, "time"), (&self.method, "method"), (&self.path, "path"), (&self.status, "status")];
        let mut missing: Vec<String> =
            needed.into_iter().filter(|(key, _)| !found(key)).map(|(key, what)| format!("`{key}` ({what})")).collect();
        // Any one of the client keys is enough.
        if !self.client.iter().any(found) {
            missing.extend(self.client.iter().map(|key| format!("`{key}` (client)")));
        }
        missing
    }

    fn is_request(&self, record: &Value) -> bool {
        match &self.requests {
            Requests::All => true,
            Requests::With(key) => key.get(record).is_some(),
            Requests::Without(key) => key.get(record).is_none(),
            Requests::Prefixed(key, prefix) => key.text(record).is_some_and(|v| v.starts_with(prefix)),
        }
    }
}

/// The fields a user's JSON map names.
pub const CUSTOM_FIELDS: [&str; 10] =
    ["time", "method", "path", "query", "status", "client", "user_agent", "referrer", "country", "request_id"];

/// A parser reading one field map.
pub struct JsonFields(pub Arc<FieldMap>);

impl LineParser for JsonFields {
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(JsonFields(Arc::clone(&self.0)))
    }

    fn missing_fields(&self, first: &[&str]) -> Option<String> {
        let records: Vec<Value> = first
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|r| r.is_object() && self.0.is_request(r))
            .collect();
        let missing = if records.is_empty() { Vec::new() } else { self.0.missing(&records) };
        (!missing.is_empty()).then(|| {
            format!(
                "no record among the first {} holds {}: not a {} log as refstats reads it; name the keys with --json-fields",
                records.len(),
                missing.join(", "),
                self.0.name
            )
        })
    }

    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        let map = &self.0;
        let Ok(record) = serde_json::from_str::<Value>(line) else { return Parsed::Reject("not a JSON record") };
        if !record.is_object() {
            return Parsed::Reject("not a JSON record");
        }
        if !map.is_request(&record) {
            return Parsed::Skip(map.skip_reason);
        }
        let Some(time) = map.time.get(&record).and_then(time) else { return Parsed::Reject("bad or missing time") };
        let status = match map.status.get(&record) {
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let Some(status) = status else { return Parsed::Reject("bad status") };
        let Some(method) = map.method.text(&record) else { return Parsed::Reject("no request method") };
        let path = map.path.text(&record).and_then(|p| if p.starts_with('/') { Some(p) } else { path_of_url(p) });
        let path =
            path.filter(|p| p.starts_with('/')).map(|p| match map.query.as_ref().and_then(|q| q.text(&record)) {
                Some(q) if !q.is_empty() && q != "-" => format!("{p}?{q}"),
                _ => p.to_owned(),
            });
        let Some(path) = path else { return Parsed::Reject("no request path") };
        let client = map.client.iter().find_map(|k| k.text(&record)).unwrap_or_default();
        let agent = dash(map.user_agent.as_ref().and_then(|k| k.text(&record)).unwrap_or_default());
        let decoded = |text: &str| {
            if map.agent_form_encoded { percent_decode(&text.replace('+', " ")).into_owned() } else { text.to_owned() }
        };
        let user_agent = decoded(agent);
        let referrer = decoded(dash(map.referrer.as_ref().and_then(|k| k.text(&record)).unwrap_or_default()));
        Parsed::Record(Record {
            time,
            method: Cow::Owned(method.to_owned()),
            path: Cow::Owned(path),
            status,
            client: Cow::Owned(without_port(client).to_owned()),
            user_agent: Cow::Owned(user_agent),
            referrer: Cow::Owned(referrer),
            country: map.country.as_ref().and_then(|k| k.text(&record)).and_then(country_code),
            query: Cow::Borrowed(""),
            has_agent: map.user_agent.is_some(),
            cdn_bot: false,
            edge_result: None,
            request_id: map
                .request_id
                .as_ref()
                .and_then(|k| k.text(&record))
                .filter(|r| !r.is_empty())
                .map(|r| Cow::Owned(r.to_owned())),
        })
    }
}

fn first(v: &Value) -> &Value {
    match v {
        Value::Array(items) => items.first().unwrap_or(&Value::Null),
        other => other,
    }
}

/// A time as UTC seconds: an RFC 3339 or common-log-format string, or seconds, milliseconds or
/// nanoseconds since the epoch (a number, or a string of digits with an optional fraction).
fn time(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => {
            unix_any(n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f as i64))?)
        }
        Value::String(s) => {
            let s = s.trim();
            let whole = s.split('.').next().unwrap_or_default();
            if !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) {
                unix_any(whole.parse().ok()?)
            } else {
                rfc3339(s).or_else(|| clf_time(s)).or_else(|| iso_without_colon_or_zone(s))
            }
        }
        _ => None,
    }
}

/// `2024-05-01T10:00:00+0000` (an offset without its colon) or `2024-05-01T10:00:00` (no zone:
/// UTC), as strftime's `%z` and Fastly's default timestamps write them.
fn iso_without_colon_or_zone(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .map(|t| t.timestamp())
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc().timestamp()))
        .ok()
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

    fn parse(map: &Arc<FieldMap>, line: &'static str) -> Record<'static> {
        match JsonFields(Arc::clone(map)).parse(line) {
            Parsed::Record(r) => r,
            other => panic!("{}: {line}: {other:?}", map.name),
        }
    }

    #[test]
    fn every_sample_is_detected_and_read() {
        let samples = samples();
        assert_eq!(samples.len(), vendor_maps().len());
        let mut records = Vec::new();
        for (line, map) in samples.iter().zip(vendor_maps()) {
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
        assert_eq!(
            fields(&records[5]),
            (1_714_557_600, "GET".into(), "/go/xyz/samantha?gclid=x".into(), 302, "203.0.113.20".into())
        );
        assert_eq!(
            fields(&records[6]),
            (1_714_566_896, "GET".into(), "/go/xyz/samantha?qr=1".into(), 302, "8.8.8.8".into())
        );
        assert_eq!(records[6].request_id.as_deref(), Some("01HX5Z9"));
        let countries: Vec<Option<[u8; 2]>> = records.iter().map(|r| r.country).collect();
        assert_eq!(countries, [None, None, None, Some(*b"IN"), None, None, Some(*b"US")], "the CDNs' own countries");
        let referrers: Vec<&str> = records.iter().map(|r| r.referrer.as_ref()).collect();
        assert_eq!(
            referrers,
            [
                "",
                "https://www.example.org/",
                "",
                "https://test.referrer.net/",
                "https://my-app.vercel.app",
                "",
                "https://news.example.org/a"
            ],
            "referrers, form-decoded where the vendor encodes them"
        );
    }

    #[test]
    fn records_that_are_not_requests_are_skipped_and_broken_ones_rejected() {
        let other_logger = r#"{"level":"info","ts":1646861401.5,"logger":"tls","msg":"certificate obtained"}"#;
        assert!(matches!(JsonFields(Arc::clone(&CADDY)).parse(other_logger), Parsed::Skip(_)));
        let build = r#"{"id":"1","deploymentId":"dpl_1","source":"build","timestamp":1573817187330,"message":"done"}"#;
        assert!(matches!(JsonFields(Arc::clone(&VERCEL)).parse(build), Parsed::Skip(_)));
        let fill = r#"{"httpRequest":{"requestMethod":"GET","requestUrl":"https://h/x","status":200,"remoteIp":"1.2.3.4"},"jsonPayload":{"parentInsertId":"abc"},"timestamp":"2020-06-08T23:41:30Z"}"#;
        assert!(matches!(JsonFields(Arc::clone(&GOOGLE_CLOUD)).parse(fill), Parsed::Skip(_)));
        for broken in [
            "{not json",
            r#"{"reqTimeSec":"soon","cliIP":"1.2.3.4","statusCode":"302","reqMethod":"GET","reqPath":"/go/x/y"}"#,
            r#"{"reqTimeSec":"1573840000","cliIP":"1.2.3.4","statusCode":"many","reqMethod":"GET","reqPath":"/go/x/y"}"#,
            r#"{"reqTimeSec":"1573840000","cliIP":"1.2.3.4","statusCode":"302","reqMethod":"GET","reqPath":"go/x/y"}"#,
        ] {
            assert!(matches!(JsonFields(Arc::clone(&AKAMAI)).parse(broken), Parsed::Reject(_)), "{broken}");
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
