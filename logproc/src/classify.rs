//! The click rules. A click is a `GET` answered with a redirect (3xx) on a tracking path
//! `/<prefix>/<link>/<partner>[/<ad>]` from something that is not a bot. On a tracking path,
//! `HEAD` requests and bots are counted beside the clicks, each in its own column; everything
//! else is filtered with a reason. Unknown link, partner and ad codes are kept and flagged.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use refcenter_model::{Program, request_path};

use crate::record::Record;

/// The longest code kept from a request; longer ones are cut (they are unknown anyway).
const MAX_CODE: usize = 64;

/// The codes of one tracking path, borrowed from the request where it needed no decoding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key<'a> {
    /// The link code.
    pub link: Cow<'a, str>,
    /// The partner code (`""` when the path has none).
    pub partner: Cow<'a, str>,
    /// The ad code (`""` when the path has none).
    pub ad: Cow<'a, str>,
}

/// What kind of hit on a tracking path a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    /// A person's click.
    Click,
    /// A `HEAD` request (link checkers, some previews).
    Head,
    /// A bot, with the reason.
    Bot(&'static str),
}

/// What a request is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// A hit on a tracking path.
    Hit(Key<'a>, Hit),
    /// Not counted, with the reason.
    Filtered(&'static str),
}

/// What the program knows, for flagging codes.
pub struct Known {
    root: Vec<String>,
    links: HashSet<String>,
    partners: HashMap<String, HashSet<String>>,
}

impl Known {
    /// The codes of `program`.
    pub fn new(program: &Program) -> Known {
        let base = program.settings.base_url.path().trim_end_matches('/');
        let root = request_path::segments(&format!("{base}/{}", program.settings.prefix.as_str()));
        Known {
            root,
            links: program.links().iter().map(|l| l.code.to_string()).collect(),
            partners: program
                .partners()
                .iter()
                .map(|p| (p.code.to_string(), p.ads.iter().map(|a| a.code.to_string()).collect()))
                .collect(),
        }
    }

    /// Whether the link code is the program's.
    pub fn link(&self, code: &str) -> bool {
        self.links.contains(code)
    }

    /// Whether the partner code is the program's.
    pub fn partner(&self, code: &str) -> bool {
        self.partners.contains_key(code)
    }

    /// Whether `ad` is an ad of `partner` (true for no ad).
    pub fn ad(&self, partner: &str, ad: &str) -> bool {
        ad.is_empty() || self.partners.get(partner).is_some_and(|ads| ads.contains(ad))
    }
}

fn cut(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.len() <= MAX_CODE {
        return s;
    }
    let mut end = MAX_CODE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(s[..end].to_owned())
}

/// A request path without its query or fragment: what the click rules read.
pub fn without_query(path: &str) -> &str {
    memchr::memchr2(b'?', b'#', path.as_bytes()).map_or(path, |end| &path[..end])
}

/// Whether a path must be decoded before it is cut into segments: it holds a `%`, a `/.` or a
/// `//` (one pass over its bytes).
fn needs_decoding(path: &str) -> bool {
    let b = path.as_bytes();
    b.iter().enumerate().any(|(i, &c)| c == b'%' || (c == b'/' && matches!(b.get(i + 1), Some(b'.' | b'/'))))
}

/// The path's segments: borrowed when the path needs no decoding (the common case), else read
/// as the servers read it ([`request_path::segments`]).
fn segments<'a>(path: &'a str) -> Vec<Cow<'a, str>> {
    let path = without_query(path);
    if needs_decoding(path) {
        request_path::segments(path).into_iter().map(Cow::Owned).collect()
    } else {
        path.split('/').filter(|s| !s.is_empty()).map(Cow::Borrowed).collect()
    }
}

/// Applies the click rules to one request; `bots` answers whether a user agent is a bot's.
pub fn classify<'a>(
    record: &'a Record<'_>,
    known: &Known,
    bots: &mut impl FnMut(&str) -> Option<&'static str>,
) -> Outcome<'a> {
    let head = match record.method.as_ref() {
        "GET" => false,
        "HEAD" => true,
        _ => return Outcome::Filtered("not GET or HEAD"),
    };
    let segments = segments(&record.path);
    if segments.len() < known.root.len() || !segments.iter().zip(&known.root).all(|(a, b)| a == b) {
        return Outcome::Filtered("not a tracking link");
    }
    let mut codes = segments.into_iter().skip(known.root.len()).map(cut);
    let Some(link) = codes.next() else { return Outcome::Filtered("tracking root without a link code") };
    if record.edge_result.as_deref() == Some("Redirect") {
        return Outcome::Filtered("CDN's own redirect (http to https)");
    }
    if !(300..400).contains(&record.status) {
        return Outcome::Filtered("not answered with a redirect");
    }
    let key = Key { link, partner: codes.next().unwrap_or_default(), ad: codes.next().unwrap_or_default() };
    if head {
        return Outcome::Hit(key, Hit::Head);
    }
    if record.cdn_bot {
        return Outcome::Hit(key, Hit::Bot("CDN bot verdict"));
    }
    if record.has_agent
        && let Some(reason) = bots(&record.user_agent)
    {
        return Outcome::Hit(key, Hit::Bot(reason));
    }
    Outcome::Hit(key, Hit::Click)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::path::Path;

    use super::*;

    fn record(method: &'static str, path: &'static str, status: u16, agent: &'static str) -> Record<'static> {
        Record {
            time: 0,
            method: Cow::Borrowed(method),
            path: Cow::Borrowed(path),
            status,
            client: Cow::Borrowed("192.0.2.1"),
            user_agent: Cow::Borrowed(agent),
            referrer: Cow::Borrowed(""),
            country: None,
            query: Cow::Borrowed(""),
            has_agent: true,
            cdn_bot: false,
            edge_result: None,
            request_id: None,
        }
    }

    fn key(link: &'static str, partner: &'static str, ad: &'static str) -> Key<'static> {
        Key { link: link.into(), partner: partner.into(), ad: ad.into() }
    }

    #[test]
    fn paths_lose_their_query_and_are_decoded_only_when_they_must() {
        for (path, bare) in [("/go/a?x=1#f", "/go/a"), ("/go/a#f?x", "/go/a"), ("/go/a", "/go/a"), ("?", ""), ("", "")]
        {
            assert_eq!(without_query(path), bare, "{path}");
        }
        for (path, decode) in [
            ("/go/a/b", false),
            ("/go/a.b/c", false),
            ("/go/x%79z", true),
            ("/go/./a", true),
            ("/go//a", true),
            ("/go/a/..", true),
            ("/go/a/", false),
            ("%", true),
        ] {
            assert_eq!(needs_decoding(path), decode, "{path}");
        }
        // Read as the servers read them.
        assert_eq!(segments("/go//x%79z/./p/"), ["go", "xyz", "p"]);
    }

    #[test]
    fn the_click_rules() {
        let program =
            refcenter_model::load(&refcenter_sample::files(), Path::new(refcenter_sample::ROOT)).unwrap().program;
        let known = Known::new(&program);
        let matcher = crate::bots::Bots::new();
        let mut bots = |agent: &str| matcher.reason(agent);
        let person = "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0";
        let cases = [
            (
                record("GET", "/go/xyz/samantha/email-list?gclid=1", 302, person),
                Outcome::Hit(key("xyz", "samantha", "email-list"), Hit::Click),
            ),
            (record("GET", "/go/xyz/samantha/", 302, person), Outcome::Hit(key("xyz", "samantha", ""), Hit::Click)),
            (record("GET", "/go/x%79z/nobody", 302, person), Outcome::Hit(key("xyz", "nobody", ""), Hit::Click)),
            (record("HEAD", "/go/xyz/samantha", 302, person), Outcome::Hit(key("xyz", "samantha", ""), Hit::Head)),
            (
                record("GET", "/go/xyz/samantha", 302, "curl/8.5.0"),
                Outcome::Hit(key("xyz", "samantha", ""), Hit::Bot("HTTP library or tool")),
            ),
            (record("GET", "/go/xyz/samantha", 404, person), Outcome::Filtered("not answered with a redirect")),
            (record("GET", "/go/xyz/samantha", 200, person), Outcome::Filtered("not answered with a redirect")),
            (record("POST", "/go/xyz/samantha", 302, person), Outcome::Filtered("not GET or HEAD")),
            (record("GET", "/robots.txt", 200, person), Outcome::Filtered("not a tracking link")),
            (record("GET", "/gone/xyz", 302, person), Outcome::Filtered("not a tracking link")),
            (record("GET", "/go/", 302, person), Outcome::Filtered("tracking root without a link code")),
        ];
        for (record, expected) in cases {
            assert_eq!(classify(&record, &known, &mut bots), expected, "{}", record.path);
        }
        let mut cdn = record("GET", "/go/xyz/samantha", 301, person);
        cdn.edge_result = Some(Cow::Borrowed("Redirect"));
        assert_eq!(classify(&cdn, &known, &mut bots), Outcome::Filtered("CDN's own redirect (http to https)"));
        assert!(known.link("xyz") && !known.link("nope"));
        assert!(known.ad("samantha", "email-list") && !known.ad("samantha", "website2") && known.ad("samantha", ""));
    }
}
