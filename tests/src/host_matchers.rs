//! In-repo models of how Netlify, Cloudflare Pages and Vercel match the redirect files
//! `refgen` emits for them, as their documentation describes it, so that those files can be
//! held to the same request table as the real servers:
//!
//! - the request path is decoded and normalised by the CDN before matching (as
//!   [`refcenter_model::request_path::segments`] does), and a trailing slash does not
//!   change which rule matches;
//! - rules are tried in file order and the first match wins;
//! - a `:name` placeholder matches one segment; a trailing `*` (Netlify, Cloudflare) matches
//!   the rest of the path, one segment or more; `:name*` (Vercel) matches zero or more.

use refcenter_model::request_path::segments;

/// One piece of a `from`/`source` pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(String),
    /// `:name`: exactly one segment.
    One,
    /// `*`: one or more segments.
    OneOrMore,
    /// `:name*`: zero or more segments.
    ZeroOrMore,
}

/// A parsed path pattern.
#[derive(Clone, Debug)]
pub struct Pattern(Vec<Piece>);

impl Pattern {
    /// Parses a pattern such as `/go/xyz/*` or `/go/xyz/:rest*`.
    pub fn parse(pattern: &str) -> Pattern {
        Pattern(
            pattern
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| match s {
                    "*" => Piece::OneOrMore,
                    s if s.starts_with(':') && s.ends_with('*') => Piece::ZeroOrMore,
                    s if s.starts_with(':') => Piece::One,
                    s => Piece::Literal(s.to_owned()),
                })
                .collect(),
        )
    }

    /// Whether the pattern matches these path segments.
    pub fn matches(&self, path: &[String]) -> bool {
        fn go(pieces: &[Piece], path: &[String]) -> bool {
            match pieces.split_first() {
                None => path.is_empty(),
                Some((Piece::Literal(l), rest)) => path.first().is_some_and(|p| p == l) && go(rest, &path[1..]),
                Some((Piece::One, rest)) => !path.is_empty() && go(rest, &path[1..]),
                Some((Piece::OneOrMore, rest)) => rest.is_empty() && !path.is_empty(),
                Some((Piece::ZeroOrMore, rest)) => rest.is_empty(),
            }
        }
        go(&self.0, path)
    }
}

/// A rule: a pattern and where it sends.
#[derive(Clone, Debug)]
pub struct HostRule {
    /// The pattern.
    pub from: Pattern,
    /// The target.
    pub to: String,
    /// The status.
    pub status: u16,
}

/// The first rule matching `path`, as `(status, location)`.
pub fn first_match(rules: &[HostRule], path: &str) -> Option<(u16, String)> {
    let segs = segments(path);
    rules.iter().find(|r| r.from.matches(&segs)).map(|r| (r.status, decode_placeholders(&r.to)))
}

/// Targets are written with `:` encoded after the scheme; a browser follows `%3A` and `:`
/// alike, so the table compares them decoded.
fn decode_placeholders(to: &str) -> String {
    to.replace("%3A", ":")
}

/// The rules of a Netlify or Cloudflare Pages `_redirects` file.
pub fn parse_redirects_file(text: &str) -> Vec<HostRule> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            assert!(parts.len() == 3, "a rule is `from to status`: {l}");
            let status = parts[2].trim_end_matches('!').parse().expect("a numeric status");
            HostRule { from: Pattern::parse(parts[0]), to: parts[1].to_owned(), status }
        })
        .collect()
}

/// The rules of a Vercel `vercel.json`.
pub fn parse_vercel(text: &str) -> Vec<HostRule> {
    let json: serde_json::Value = serde_json::from_str(text).expect("vercel.json is JSON");
    json["redirects"]
        .as_array()
        .expect("a redirects list")
        .iter()
        .map(|r| HostRule {
            from: Pattern::parse(r["source"].as_str().expect("source")),
            to: r["destination"].as_str().expect("destination").to_owned(),
            status: u16::try_from(r["statusCode"].as_u64().expect("an explicit statusCode")).expect("a status"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        segments(p)
    }

    #[test]
    fn patterns_follow_the_documented_rules() {
        assert!(Pattern::parse("/go/xyz").matches(&segs("/go/xyz/")));
        assert!(!Pattern::parse("/go/xyz").matches(&segs("/go/xyz/a")));
        assert!(Pattern::parse("/go/xyz/*").matches(&segs("/go/xyz/a/b")));
        assert!(!Pattern::parse("/go/xyz/*").matches(&segs("/go/xyz")));
        assert!(Pattern::parse("/go/xyz/:rest*").matches(&segs("/go/xyz")));
        assert!(Pattern::parse("/go/:code").matches(&segs("/go/abc")));
        assert!(!Pattern::parse("/go/:code").matches(&segs("/go/abc/d")));
    }
}
