//! One access-log line as every format parser hands it over: the fields the click rules need,
//! borrowed from the line where the format allows it.

use std::borrow::Cow;

/// A parsed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// When the request arrived, in seconds since the Unix epoch (UTC).
    pub time: i64,
    /// The request method, e.g. `GET`.
    pub method: Cow<'a, str>,
    /// The request path as sent (percent-encoded, possibly with a query).
    pub path: Cow<'a, str>,
    /// The response status.
    pub status: u16,
    /// The client's address (the first address of `X-Forwarded-For` where the format has it).
    pub client: Cow<'a, str>,
    /// The `User-Agent` header (`""` when absent).
    pub user_agent: Cow<'a, str>,
    /// The `Referer` header (`""` when absent).
    pub referrer: Cow<'a, str>,
    /// The country the CDN placed the client in, where the log has one (an upper-case
    /// ISO 3166-1 code from e.g. Cloudflare's `ClientCountry`, CloudFront real-time logs'
    /// `c-country`; see `fields::country_code`).
    pub country: Option<[u8; 2]>,
    /// The query string where the format keeps it apart from the path (CloudFront's
    /// `cs-uri-query`), without its `?`; `""` where the path carries it.
    pub query: Cow<'a, str>,
    /// Whether the format records user agents at all (the common log format does not, and
    /// then an empty one says nothing about bots).
    pub has_agent: bool,
    /// A CDN's own verdict that the request came from a bot, where the format has one.
    pub cdn_bot: bool,
    /// CloudFront's `x-edge-result-type`, where present.
    pub edge_result: Option<Cow<'a, str>>,
    /// A CDN request identifier (CloudFront request id, Cloudflare RayID), where present.
    pub request_id: Option<Cow<'a, str>>,
}

/// What a parser made of one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A request.
    Record(Record<'a>),
    /// A line that carries no request and is not an error (a header or comment line, a
    /// Cloudflare record of another kind).
    Skip(&'static str),
    /// A line that could not be read, with why.
    Reject(&'static str),
}
