//! Where a click came from: the domain of its `Referer` header, lower-cased and without a
//! leading `www.`; `(direct)` when the request had none (typed, bookmarked, scanned, or from an
//! app or a page that sends no referrer), `(other)` when it is not a URL with a host.

use std::borrow::Cow;

/// Clicks without a referrer.
pub const DIRECT: &str = "(direct)";
/// Clicks whose referrer is not a URL with a host.
pub const OTHER: &str = "(other)";

/// The longest domain name.
const MAX_DOMAIN: usize = 253;

/// The domain `referrer` names, or [`DIRECT`] or [`OTHER`].
pub fn domain(referrer: &str) -> Cow<'_, str> {
    let referrer = referrer.trim();
    if referrer.is_empty() || referrer == "-" {
        return Cow::Borrowed(DIRECT);
    }
    let Some((scheme, rest)) = referrer.split_once("://") else { return Cow::Borrowed(OTHER) };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let host = host.trim_end_matches('.');
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
    if !scheme_ok || host.is_empty() || host.len() > MAX_DOMAIN || !host.chars().all(valid) {
        return Cow::Borrowed(OTHER);
    }
    let host = match host.strip_prefix("www.").or_else(|| host.strip_prefix("WWW.")) {
        Some(rest) if !rest.is_empty() => rest,
        _ => host,
    };
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_of_referrers() {
        for (referrer, expected) in [
            ("https://www.instagram.com/", "instagram.com"),
            ("https://t.co/abc", "t.co"),
            ("http://Mail.Example.NET:8080/inbox?x=1#y", "mail.example.net"),
            ("https://user:pw@news.example.org/a", "news.example.org"),
            ("https://[2001:db8::1]:443/", "2001:db8::1"),
            ("android-app://com.google.android.gm/", "com.google.android.gm"),
            ("https://example.com./", "example.com"),
            ("https://www./", "www"),
            ("", DIRECT),
            ("-", DIRECT),
            ("  ", DIRECT),
            ("not a url", OTHER),
            ("https:///path", OTHER),
            ("https://exa mple.com/", OTHER),
            ("://example.com", OTHER),
        ] {
            assert_eq!(domain(referrer), expected, "{referrer:?}");
        }
    }
}
