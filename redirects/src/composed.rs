//! The rule list in composed form, for hosts that can compute: one entry per link and one per
//! active partner, from which the host builds every answer of the full list (link × partner ×
//! ad) at request time. Its size grows with links + partners + ads.
//!
//! A link's entry holds its plain destination and its destination with the attribution as
//! [`Piece`]s: literal text, already encoded, with the partner's and the ad's code to fill in.
//! Codes are `[a-z0-9_-]`, which URL encoding leaves as they are, so filling them in gives the
//! same bytes as [`Program::destination_url`]; [`Composed::new`] checks that for every link.
//! A partner's entry lists its ads and the restricted links it may use. The host fills in
//! only codes it found in these entries, never text from the request.

use refcenter_model::Program;
use refcenter_model::attribution::Click;
use refcenter_model::url_scheme::with_params;

/// One part of a composed destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Literal text of the URL.
    Text(String),
    /// The partner's code.
    Partner,
    /// The ad's code.
    Ad,
}

/// A link's entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkEntry {
    /// The link code.
    pub code: String,
    /// Where the link goes without a partner (unknown, inactive or not allowed).
    pub plain: String,
    /// Where it goes for a partner without an ad (or an unknown one).
    pub partner: Vec<Piece>,
    /// Where it goes for a partner's ad; `None` when no attribution parameter uses the ad.
    pub ad: Option<Vec<Piece>>,
    /// Whether only some partners may use it (see [`PartnerEntry::restricted_links`]).
    pub restricted: bool,
}

impl LinkEntry {
    /// Where it goes for a partner's ad: [`LinkEntry::ad`], else the partner's destination.
    pub fn with_ad(&self) -> &[Piece] {
        self.ad.as_deref().unwrap_or(&self.partner)
    }
}

/// An active partner's entry (inactive partners have none: their links go to the plain
/// destination).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerEntry {
    /// The partner code.
    pub code: String,
    /// Its ad codes.
    pub ads: Vec<String>,
    /// The restricted links it may use.
    pub restricted_links: Vec<String>,
}

/// The composed rule list of a program.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Composed {
    /// One entry per link, in file order.
    pub links: Vec<LinkEntry>,
    /// One entry per active partner, in file order.
    pub partners: Vec<PartnerEntry>,
    /// Links whose destinations could not be cut into pieces (they would have to contain the
    /// escapes `%01` to `%1E` of every marker tried); a host that composes refuses them.
    pub uncomposable: Vec<String>,
}

/// Two codes of different lengths the composed pieces are checked with.
const PROBES: [(&str, &str); 2] = [("p", "a"), ("partner-0_x", "ad-code_12")];

impl Composed {
    /// The entries of `program`.
    pub fn new(program: &Program) -> Composed {
        let restricted: Vec<_> = program.links().iter().filter(|l| l.restriction.is_some()).collect();
        let mut links = Vec::new();
        let mut uncomposable = Vec::new();
        for link in program.links() {
            let render = |partner: &str, ad_code: Option<&str>| {
                let click = Click { link: link.code.as_str(), partner, ad: ad_code };
                with_params(&link.destination, &link.attribution.pairs(click)).to_string()
            };
            let (Some(partner), Some(ad)) = (pieces_of(&render, false), pieces_of(&render, true)) else {
                uncomposable.push(link.code.to_string());
                continue;
            };
            links.push(LinkEntry {
                code: link.code.to_string(),
                plain: link.destination.to_string(),
                ad: Some(ad).filter(|a| *a != partner),
                partner,
                restricted: link.restriction.is_some(),
            });
        }
        let partners = program
            .partners()
            .iter()
            .filter(|p| p.active)
            .map(|partner| PartnerEntry {
                code: partner.code.to_string(),
                ads: partner.ads.iter().map(|a| a.code.to_string()).collect(),
                restricted_links: restricted
                    .iter()
                    .filter(|l| program.may_use(partner, l))
                    .map(|l| l.code.to_string())
                    .collect(),
            })
            .collect();
        Composed { links, partners, uncomposable }
    }

    /// The (restricted link, partner) pairs allowed, partner by partner.
    pub fn allowed_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.partners.iter().flat_map(|p| p.restricted_links.iter().map(move |l| (l.as_str(), p.code.as_str())))
    }

    /// The (partner, ad) pairs, partner by partner.
    pub fn ad_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.partners.iter().flat_map(|p| p.ads.iter().map(move |a| (p.code.as_str(), a.as_str())))
    }

    /// How many entries a host keyed by link and by partner holds (the CloudFront store, the
    /// edge routers' tables).
    pub fn keyed_entries(&self) -> usize {
        self.links.len() + self.partners.len()
    }

    /// How many entries a host keyed by link, partner, allowed pair and ad holds, each once.
    pub fn entry_count(&self) -> usize {
        let pairs: usize = self.partners.iter().map(|p| p.restricted_links.len() + p.ads.len()).sum();
        self.links.len() + self.partners.len() + pairs
    }
}

/// Fills `pieces` with a partner's and an ad's code.
pub fn fill(pieces: &[Piece], partner: &str, ad: &str) -> String {
    render(pieces, &|t| t.to_owned(), partner, ad)
}

/// `pieces` as one string: each text as `text` writes it (escaped for a configuration file,
/// say), the codes as `partner` and `ad` (the codes, or a host's placeholders for them).
pub fn render(pieces: &[Piece], text: &dyn Fn(&str) -> String, partner: &str, ad: &str) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(&text(t)),
            Piece::Partner => out.push_str(partner),
            Piece::Ad => out.push_str(ad),
        }
    }
    out
}

/// The pieces of the destination `render` makes (from a partner code and an ad code), found
/// with marker codes that no URL text contains; checked against `render` with real-looking
/// codes of two lengths. `None` when every marker collides with the URL's own text.
fn pieces_of(render: &dyn Fn(&str, Option<&str>) -> String, with_ad: bool) -> Option<Vec<Piece>> {
    // Control characters, which URL encoding always escapes (`%01`, ...): a candidate pair is
    // taken only when filling its pieces gives back exactly what `render` gives.
    for first in (1u8..31).step_by(2) {
        let (p_mark, a_mark) = (char::from(first).to_string(), char::from(first + 1).to_string());
        let (p_enc, a_enc) = (format!("%{first:02X}"), format!("%{:02X}", first + 1));
        let marked = render(&p_mark, with_ad.then_some(a_mark.as_str()));
        let mut pieces = Vec::new();
        let mut rest = marked.as_str();
        while !rest.is_empty() {
            let next = [(rest.find(&p_enc), Piece::Partner), (rest.find(&a_enc), Piece::Ad)]
                .into_iter()
                .filter_map(|(at, piece)| at.map(|at| (at, piece)))
                .min_by_key(|(at, _)| *at);
            match next {
                Some((at, piece)) => {
                    if at > 0 {
                        pieces.push(Piece::Text(rest[..at].to_owned()));
                    }
                    pieces.push(piece);
                    rest = &rest[at + 3..];
                }
                None => {
                    pieces.push(Piece::Text(rest.to_owned()));
                    rest = "";
                }
            }
        }
        if PROBES.iter().all(|(p, a)| fill(&pieces, p, a) == render(p, with_ad.then_some(a))) {
            return Some(pieces);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use std::path::Path;

    use super::*;

    /// Every (link, partner, ad) of the sample composes to exactly the model's destination.
    #[test]
    fn filling_the_pieces_gives_the_models_destinations() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../partners.toml");
        let program = refcenter_model::load_path(&path).unwrap().program;
        let composed = Composed::new(&program);
        assert!(composed.uncomposable.is_empty());
        assert_eq!(composed.partners.len(), program.partners().iter().filter(|p| p.active).count());
        let mut checked = 0;
        for (link, entry) in program.links().iter().zip(&composed.links) {
            assert_eq!(entry.plain, program.destination_url(link, None, None).as_str());
            for partner in program.partners().iter().filter(|p| p.active && program.may_use(p, link)) {
                let expected = program.destination_url(link, Some(partner), None);
                assert_eq!(fill(&entry.partner, partner.code.as_str(), ""), expected.as_str());
                for ad in &partner.ads {
                    let expected = program.destination_url(link, Some(partner), Some(ad));
                    let pieces = entry.with_ad();
                    assert_eq!(fill(pieces, partner.code.as_str(), ad.code.as_str()), expected.as_str());
                    checked += 1;
                }
            }
        }
        assert!(checked > 5, "the sample has ads on several links");
    }

    /// A destination that already holds the first markers' escapes still composes exactly.
    #[test]
    fn a_destination_holding_marker_escapes_composes_exactly() {
        let destination = url::Url::parse("https://example.com/a%01b%02?x=%01%03&y=%04").unwrap();
        let params = |p: &str, a: Option<&str>| {
            let mut v = vec![("ref", p.to_owned())];
            v.extend(a.map(|a| ("ad", format!("{p}-{a}"))));
            with_params(&destination, &v).to_string()
        };
        for with_ad in [false, true] {
            let pieces = pieces_of(&|p, a| params(p, a), with_ad).unwrap();
            let ad = with_ad.then_some("banner-1");
            assert_eq!(fill(&pieces, "sam_2", ad.unwrap_or("")), params("sam_2", ad));
        }
    }
}
