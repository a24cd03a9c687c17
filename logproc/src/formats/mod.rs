//! The access-log formats refstats reads, one parser per format behind [`LineParser`]. The set
//! of formats is closed: [`Format`] is also the `--format` value, and `auto` picks one from
//! the first lines of the input.

pub mod bunny;
pub mod cloudflare;
pub mod cloudfront;
pub mod cloudfront_json;
pub mod combined;
pub mod custom;
pub mod fields;
pub mod json_fields;
pub mod nginx_json;
pub mod separators;

use std::sync::Arc;

use crate::formats::custom::TextFormat;
use crate::formats::json_fields::{FieldMap, JsonFields};
use crate::record::Parsed;

/// A log format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Detect from the first lines.
    Auto,
    /// CloudFront standard logs (tab-separated, columns named by the `#Fields` header).
    Cloudfront,
    /// CloudFront standard logs v2 delivered as JSON (every value a string).
    CloudfrontJson,
    /// CloudFront real-time logs, every field selected (else --realtime-fields names them).
    CloudfrontRealtime,
    /// Cloudflare Logpush `http_requests` in JSON lines.
    Cloudflare,
    /// nginx and Apache "combined" (common plus referrer and user agent), optionally with a
    /// virtual host first.
    Combined,
    /// nginx and Apache "common" (no user agent).
    Common,
    /// nginx JSON lines written with `log_format ... escape=json`.
    NginxJson,
    /// Caddy's JSON access log.
    Caddy,
    /// Google Cloud load balancer / Cloud CDN request logs (Cloud Logging entries as JSON lines).
    GoogleCloud,
    /// Azure Front Door access logs (JSON lines).
    AzureFrontDoor,
    /// Akamai DataStream 2 (JSON).
    Akamai,
    /// Vercel log drains (JSON).
    Vercel,
    /// Bunny CDN raw logs (pipe-separated; also inside syslog lines from log forwarding).
    Bunny,
    /// Fastly real-time log streaming in Fastly's common JSON format.
    Fastly,
    /// Netlify log drains (traffic records, NDJSON).
    Netlify,
}

impl Format {
    /// Every format but `auto`.
    pub const ALL: [Format; 15] = [
        Format::Cloudfront,
        Format::CloudfrontJson,
        Format::CloudfrontRealtime,
        Format::Cloudflare,
        Format::Combined,
        Format::Common,
        Format::NginxJson,
        Format::Caddy,
        Format::GoogleCloud,
        Format::AzureFrontDoor,
        Format::Akamai,
        Format::Vercel,
        Format::Bunny,
        Format::Fastly,
        Format::Netlify,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Cloudfront => "cloudfront",
            Format::CloudfrontJson => "cloudfront-json",
            Format::CloudfrontRealtime => "cloudfront-realtime",
            Format::Cloudflare => "cloudflare",
            Format::Combined => "combined",
            Format::Common => "common",
            Format::NginxJson => "nginx-json",
            Format::Caddy => "caddy",
            Format::GoogleCloud => "google-cloud",
            Format::AzureFrontDoor => "azure-front-door",
            Format::Akamai => "akamai",
            Format::Vercel => "vercel",
            Format::Bunny => "bunny",
            Format::Fastly => "fastly",
            Format::Netlify => "netlify",
        }
    }

    /// A parser for this format (`Auto` must be resolved first; it reads as combined).
    pub fn parser(self) -> Box<dyn LineParser> {
        match self {
            Format::Cloudfront => Box::new(cloudfront::Cloudfront::default()),
            Format::CloudfrontJson => Box::new(cloudfront_json::CloudfrontJson),
            Format::CloudfrontRealtime => Box::new(cloudfront::Cloudfront::realtime(None).unwrap_or_default()),
            Format::Cloudflare => Box::new(cloudflare::Cloudflare),
            Format::Common => Box::new(combined::Combined { with_agent: false }),
            Format::NginxJson => Box::new(nginx_json::NginxJson),
            Format::Caddy => Box::new(JsonFields(Arc::clone(&json_fields::CADDY))),
            Format::GoogleCloud => Box::new(JsonFields(Arc::clone(&json_fields::GOOGLE_CLOUD))),
            Format::AzureFrontDoor => Box::new(JsonFields(Arc::clone(&json_fields::AZURE_FRONT_DOOR))),
            Format::Akamai => Box::new(JsonFields(Arc::clone(&json_fields::AKAMAI))),
            Format::Vercel => Box::new(JsonFields(Arc::clone(&json_fields::VERCEL))),
            Format::Bunny => Box::new(bunny::Bunny),
            Format::Fastly => Box::new(JsonFields(Arc::clone(&json_fields::FASTLY))),
            Format::Netlify => Box::new(JsonFields(Arc::clone(&json_fields::NETLIFY))),
            Format::Combined | Format::Auto => Box::new(combined::Combined { with_agent: true }),
        }
    }

    /// The format of a log whose first non-empty lines are `lines`, if one fits.
    pub fn detect<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<Format> {
        for line in lines {
            let line = line.trim_start_matches('\u{feff}').trim();
            if line.is_empty() {
                continue;
            }
            if line.starts_with("#Version") || line.starts_with("#Fields") {
                return Some(Format::Cloudfront);
            }
            if line.starts_with('{') {
                let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                if map.contains_key("RayID")
                    || map.contains_key("EdgeStartTimestamp")
                    || map.contains_key("ClientRequestURI")
                {
                    return Some(Format::Cloudflare);
                }
                if map.contains_key("cs-uri-stem") || map.contains_key("x-edge-request-id") {
                    return Some(Format::CloudfrontJson);
                }
                if let Some(fields) = FieldMap::detect(&map) {
                    return Format::ALL.iter().copied().find(|f| f.name() == fields.name);
                }
                if map.contains_key("request_uri") || map.contains_key("request") || map.contains_key("remote_addr") {
                    return Some(Format::NginxJson);
                }
                continue;
            }
            if bunny::looks_like(line) {
                return Some(Format::Bunny);
            }
            let first = line.split('\t').next().unwrap_or_default();
            if line.contains('\t')
                && first.len() == 14
                && first.as_bytes()[10] == b'.'
                && first.bytes().filter(u8::is_ascii_digit).count() == 13
            {
                return Some(Format::CloudfrontRealtime);
            }
            if line.split('\t').count() >= 15 {
                return Some(Format::Cloudfront);
            }
            if let Some(record) = combined::parse_clf(line) {
                return Some(if record.has_agent { Format::Combined } else { Format::Common });
            }
        }
        None
    }
}

/// Reads lines of one format. Parsers may keep state between the lines of one file (CloudFront's
/// `#Fields` header); a new parser is made for each file.
pub trait LineParser: Send {
    /// Parses one line (without its line ending).
    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a>;

    /// A parser in the same state (the columns a header named), for another thread reading
    /// later lines of the same file.
    fn fork(&self) -> Box<dyn LineParser>;

    /// Given a file's first lines, why none of its lines can hold a click (the fields the
    /// format needs are missing from every one of them): one error for the file instead of a
    /// rejection per line. `None` when the lines look right, or the format cannot tell.
    fn missing_fields(&self, _first: &[&str]) -> Option<String> {
        None
    }
}

/// A format the user described: the keys of a JSON log (`--json-fields`), the layout of a
/// text log (`--log-format`), or the fields a CloudFront real-time log carries
/// (`--realtime-fields`).
#[derive(Clone, Debug)]
pub enum Custom {
    /// JSON records read through the user's field map.
    Json(Arc<FieldMap>),
    /// Text lines read through the user's pattern.
    Text(Arc<TextFormat>),
    /// CloudFront real-time records of the fields the user named.
    CloudfrontRealtime(Arc<cloudfront::Cloudfront>),
}

impl Custom {
    /// The name used in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Custom::Json(_) => "json (--json-fields)",
            Custom::Text(_) => "text (--log-format)",
            Custom::CloudfrontRealtime(_) => "cloudfront-realtime (--realtime-fields)",
        }
    }

    /// A parser for this format.
    pub fn parser(&self) -> Box<dyn LineParser> {
        match self {
            Custom::Json(map) => Box::new(JsonFields(Arc::clone(map))),
            Custom::Text(format) => Box::new(custom::TextParser(Arc::clone(format))),
            Custom::CloudfrontRealtime(parser) => Box::new(cloudfront::Cloudfront::clone(parser)),
        }
    }
}

/// The sample lines in a format module's docs (between "```text" and "```"), for its tests.
#[cfg(test)]
pub fn doc_samples(source: &'static str) -> Vec<&'static str> {
    let start = source.find("```text\n").map_or(0, |i| i + 8);
    let end = start + source[start..].find("//! ```").unwrap_or(0);
    source[start..end].lines().map(|l| l.trim_start_matches("//! ")).collect()
}
