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

use refcenter_model::Program;

use refcenter_model::request_path;

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

/// Every rule of a program, most specific first.
#[derive(Clone, Debug)]
pub struct RuleSet {
    /// The path every tracking link starts with, e.g. `/go` (or `/r/go` under a base path).
    pub root: String,
    /// The redirect status.
    pub status: u16,
    /// Where unmatched paths go.
    pub fallback: String,
    /// The rules: ads, then partners, then links, then the fallback (`codes` empty).
    pub rules: Vec<Rule>,
    lookup: HashMap<String, usize>,
}

impl RuleSet {
    /// The rules of `program`.
    pub fn new(program: &Program) -> RuleSet {
        let settings = &program.settings;
        let base = settings.base_url.path().trim_end_matches('/');
        let root = format!("{base}/{}", settings.prefix);
        let mut ads = Vec::new();
        let mut partners = Vec::new();
        let mut links = Vec::new();
        for link in program.links() {
            for partner in program.partners().iter().filter(|p| p.active && program.may_use(p, link)) {
                for ad in &partner.ads {
                    ads.push(Rule {
                        codes: vec![link.code.to_string(), partner.code.to_string(), ad.code.to_string()],
                        deeper: false,
                        target: program.destination_url(link, Some(partner), Some(ad)).to_string(),
                    });
                }
                partners.push(Rule {
                    codes: vec![link.code.to_string(), partner.code.to_string()],
                    deeper: true,
                    target: program.destination_url(link, Some(partner), None).to_string(),
                });
            }
            links.push(Rule {
                codes: vec![link.code.to_string()],
                deeper: true,
                target: program.destination_url(link, None, None).to_string(),
            });
        }
        let fallback = settings.fallback_url.to_string();
        let mut rules = ads;
        rules.append(&mut partners);
        rules.append(&mut links);
        rules.push(Rule { codes: Vec::new(), deeper: true, target: fallback.clone() });
        let lookup = rules.iter().enumerate().map(|(i, r)| (r.codes.join("/"), i)).collect();
        RuleSet { root, status: settings.status, fallback, rules, lookup }
    }

    /// The full request path of `rule`, without a trailing slash.
    pub fn path(&self, rule: &Rule) -> String {
        if rule.codes.is_empty() { self.root.clone() } else { format!("{}/{}", self.root, rule.codes.join("/")) }
    }

    /// Where a request for `path` (as sent, possibly percent-encoded, with or without a
    /// query) goes, or `None` when the path is not below the tracking root (the site serves it).
    pub fn resolve(&self, path: &str) -> Option<&str> {
        let segments = request_path::segments(path);
        let root = request_path::segments(&self.root);
        if !segments.starts_with(&root) {
            return None;
        }
        let codes = &segments[root.len()..];
        let exact = |n: usize| self.lookup.get(&codes[..n].join("/")).map(|&i| self.rules[i].target.as_str());
        if codes.len() == 3
            && let Some(t) = exact(3)
        {
            return Some(t);
        }
        (1..=codes.len().min(2)).rev().find_map(exact).or(Some(&self.fallback))
    }

    /// The rules of one depth.
    pub fn at_depth(&self, depth: usize) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.depth() == depth)
    }
}
