//! The URL scheme: tracking links `base/prefix/link/partner[/ad]`, and where a click on one
//! goes (the destination with the attribution merged into its query, before any fragment).

use url::Url;
use url::form_urlencoded;

use crate::attribution::Click;
use crate::program::{Ad, Link, Partner, Program};

impl Program {
    /// The text every tracking link starts with: [`Program::tracking_url`] is this followed by
    /// `link/partner` and, with an ad, `/ad` (codes are path segments that need no escaping).
    pub fn tracking_base(&self) -> String {
        let mut url = self.settings.base_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(self.settings.prefix.as_str()).push("");
        }
        url.to_string()
    }

    /// The tracking link of `partner` for `link`, with `ad` when given.
    pub fn tracking_url(&self, link: &Link, partner: &Partner, ad: Option<&Ad>) -> Url {
        let mut url = self.settings.base_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(self.settings.prefix.as_str()).push(link.code.as_str());
            segments.push(partner.code.as_str());
            if let Some(ad) = ad {
                segments.push(ad.code.as_str());
            }
        }
        url
    }

    /// Where a click on `link` goes. `partner` is the partner of the click when it is known
    /// and active (otherwise the visitor still reaches the destination, without attribution);
    /// `ad` is the click's ad when that partner has it.
    pub fn destination_url(&self, link: &Link, partner: Option<&Partner>, ad: Option<&Ad>) -> Url {
        let Some(partner) = partner.filter(|p| p.active) else {
            return link.destination.clone();
        };
        let ad = ad.filter(|a| partner.ad(a.code.as_str()).is_some());
        let click = Click { link: link.code.as_str(), partner: partner.code.as_str(), ad: ad.map(|a| a.code.as_str()) };
        with_params(&link.destination, &link.attribution.pairs(click))
    }
}

/// `destination` with `params` appended to its query. Parameters of the same names already in
/// the query are replaced; every other part of the query is kept byte for byte.
pub fn with_params(destination: &Url, params: &[(&str, String)]) -> Url {
    if params.is_empty() {
        return destination.clone();
    }
    let ours = |segment: &str| {
        let key = segment.split('=').next().unwrap_or_default();
        let decoded: String = form_urlencoded::parse(key.as_bytes()).map(|(k, _)| k.into_owned()).collect();
        params.iter().any(|(name, _)| *name == decoded)
    };
    let mut query: Vec<String> = destination
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|s| !s.is_empty() && !ours(s))
        .map(str::to_owned)
        .collect();
    let mut added = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        added.append_pair(name, value);
    }
    query.push(added.finish());
    let mut url = destination.clone();
    url.set_query(Some(&query.join("&")));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn appends_to_a_bare_destination() {
        let d = Url::parse("https://shop.example.com/hair").unwrap();
        let u = with_params(&d, &pairs(&[("utm_source", "sam"), ("utm_medium", "referral")]));
        assert_eq!(u.as_str(), "https://shop.example.com/hair?utm_source=sam&utm_medium=referral");
    }

    #[test]
    fn keeps_the_existing_query_verbatim_and_the_fragment_last() {
        let d = Url::parse("https://x.example/p?a=1&b=%20x+y&utm_source=old#top").unwrap();
        let u = with_params(&d, &pairs(&[("utm_source", "sam")]));
        assert_eq!(u.as_str(), "https://x.example/p?a=1&b=%20x+y&utm_source=sam#top");
    }

    #[test]
    fn encodes_values() {
        let d = Url::parse("https://x.example/").unwrap();
        let u = with_params(&d, &pairs(&[("ref", "a&b=c #d")]));
        assert_eq!(u.as_str(), "https://x.example/?ref=a%26b%3Dc+%23d");
        assert_eq!(u.query_pairs().next().unwrap().1, "a&b=c #d");
    }

    #[test]
    fn no_params_leaves_the_destination_alone() {
        let d = Url::parse("https://x.example/?q=1").unwrap();
        assert_eq!(with_params(&d, &[]), d);
    }
}
