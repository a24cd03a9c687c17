//! The target-independent rule list: every tracking path a program answers, in the order a
//! first-match host must try them, and the lookup that defines what any request resolves to.
//!
//! A request path below `<base path>/<prefix>` is split into codes (after removing one
//! trailing slash). Then:
//! 1. exactly `link/partner/ad` with a known ad of a partner allowed to use the link: the
//!    destination with the full attribution;
//! 2. `link/partner` followed by anything (an unknown ad, say): the partner's attribution;
//! 3. `link` followed by anything (an unknown, inactive or not allowed partner): the plain
//!    destination;
//! 4. anything else: the program's fallback URL.
//!
//! Only configured destinations come out: no part of the request is ever copied into a
//! target, so a code cannot open a redirect or smuggle query parameters.

use std::collections::HashMap;
use std::sync::OnceLock;

use refcenter_model::{Program, request_path};

use crate::composed::{Composed, LinkEntry, PartnerEntry, fill};

/// One rule: the codes it matches after the prefix, whether it also matches deeper paths,
/// and where it redirects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// `[link, partner, ad]`, `[link, partner]`, `[link]` or `[]` (the fallback).
    pub codes: Vec<String>,
    /// Whether paths below `codes` match too (`link/partner/anything`).
    pub deeper: bool,
    /// The absolute URL to redirect to.
    pub target: String,
}

impl Rule {
    /// How specific the rule is: 3 for an ad, 2 for a partner, 1 for a link, 0 for the fallback.
    pub fn depth(&self) -> usize {
        self.codes.len()
    }
}

/// Every rule of a program: the composed entries, and the full list (most specific first)
/// made from them when a host needs it.
#[derive(Clone, Debug)]
pub struct RuleSet {
    /// The path every tracking link starts with, e.g. `/go` (or `/r/go` under a base path).
    pub root: String,
    /// The redirect status.
    pub status: u16,
    /// Where unmatched paths go.
    pub fallback: String,
    /// One entry per link and per active partner, from which every rule is made.
    pub composed: Composed,
    rules: OnceLock<Vec<Rule>>,
    index: OnceLock<Index>,
}

/// Where each link's and partner's entry is in [`Composed`], for [`RuleSet::resolve`].
#[derive(Clone, Debug, Default)]
struct Index {
    links: HashMap<String, usize>,
    partners: HashMap<String, usize>,
}

impl RuleSet {
    /// The rules of `program`.
    pub fn new(program: &Program) -> RuleSet {
        let settings = &program.settings;
        let base = settings.base_url.path().trim_end_matches('/');
        RuleSet {
            root: format!("{base}/{}", settings.prefix),
            status: settings.status,
            fallback: settings.fallback_url.to_string(),
            composed: Composed::new(program),
            rules: OnceLock::new(),
            index: OnceLock::new(),
        }
    }

    /// The full rule list, for hosts that match paths against one rule each: the ads, then
    /// the partners, then the links (each in file order), then the fallback (`codes` empty).
    /// Its length is links × partners × ads; made on first use.
    pub fn rules(&self) -> &[Rule] {
        self.rules.get_or_init(|| {
            let mut rules = Vec::new();
            self.each_rule(|rule| rules.push(rule));
            rules
        })
    }

    /// Each rule of the full list, in its order, made one at a time and handed to `each`
    /// without keeping the list (a host of one file per rule writes them as they come).
    pub fn each_rule(&self, mut each: impl FnMut(Rule)) {
        let composed = &self.composed;
        let pairs = || {
            composed
                .links
                .iter()
                .flat_map(|link| composed.partners.iter().filter(move |p| may_use(link, p)).map(move |p| (link, p)))
        };
        for (link, partner) in pairs() {
            for ad in &partner.ads {
                each(Rule {
                    codes: vec![link.code.clone(), partner.code.clone(), ad.clone()],
                    deeper: false,
                    target: fill(link.with_ad(), &partner.code, ad),
                });
            }
        }
        for (link, partner) in pairs() {
            each(Rule {
                codes: vec![link.code.clone(), partner.code.clone()],
                deeper: true,
                target: fill(&link.partner, &partner.code, ""),
            });
        }
        for link in &composed.links {
            each(Rule { codes: vec![link.code.clone()], deeper: true, target: link.plain.clone() });
        }
        each(Rule { codes: Vec::new(), deeper: true, target: self.fallback.clone() });
    }

    /// How many rules the full list has and how many of them also match deeper paths, counted
    /// from the composed entries without making the list.
    pub fn flat_counts(&self) -> (usize, usize) {
        let composed = &self.composed;
        let every_ad: usize = composed.partners.iter().map(|p| p.ads.len()).sum();
        // For each restricted link: the partners allowed on it, and their ads.
        let mut allowed: HashMap<&str, (usize, usize)> = HashMap::new();
        for partner in &composed.partners {
            for link in &partner.restricted_links {
                let entry = allowed.entry(link.as_str()).or_default();
                entry.0 += 1;
                entry.1 += partner.ads.len();
            }
        }
        let (mut pairs, mut ads) = (0, 0);
        for link in &composed.links {
            let (p, a) = if link.restricted {
                allowed.get(link.code.as_str()).copied().unwrap_or_default()
            } else {
                (composed.partners.len(), every_ad)
            };
            pairs += p;
            ads += a;
        }
        let deeper = pairs + composed.links.len() + 1;
        (ads + deeper, deeper)
    }

    /// The full request path of `rule`, without a trailing slash.
    pub fn path(&self, rule: &Rule) -> String {
        if rule.codes.is_empty() { self.root.clone() } else { format!("{}/{}", self.root, rule.codes.join("/")) }
    }

    /// Where a request for `path` (as sent, possibly percent-encoded, with or without a
    /// query) goes, or `None` when the path is not below the tracking root (the site serves it).
    pub fn resolve(&self, path: &str) -> Option<String> {
        let segments = request_path::segments(path);
        let root = request_path::segments(&self.root);
        if !segments.starts_with(&root) {
            return None;
        }
        let codes = &segments[root.len()..];
        let composed = &self.composed;
        let index = self.index.get_or_init(|| Index {
            links: composed.links.iter().enumerate().map(|(i, l)| (l.code.clone(), i)).collect(),
            partners: composed.partners.iter().enumerate().map(|(i, p)| (p.code.clone(), i)).collect(),
        });
        let Some(link) = codes.first().and_then(|c| index.links.get(c)).map(|&i| &composed.links[i]) else {
            return Some(self.fallback.clone());
        };
        let partner = codes.get(1).and_then(|c| index.partners.get(c)).map(|&i| &composed.partners[i]);
        let Some(partner) = partner.filter(|p| may_use(link, p)) else {
            return Some(link.plain.clone());
        };
        if codes.len() == 3
            && let Some(ad) = partner.ads.iter().find(|a| **a == codes[2])
        {
            return Some(fill(link.with_ad(), &partner.code, ad));
        }
        Some(fill(&link.partner, &partner.code, ""))
    }

    /// The rules of one depth.
    pub fn at_depth(&self, depth: usize) -> impl Iterator<Item = &Rule> {
        self.rules().iter().filter(move |r| r.depth() == depth)
    }
}

/// Whether `partner` may use `link`.
fn may_use(link: &LinkEntry, partner: &PartnerEntry) -> bool {
    !link.restricted || partner.restricted_links.contains(&link.code)
}
