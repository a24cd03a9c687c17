//! Caddy: a snippet for a site block that cleans the request path, composes the target with
//! `map` and answers with `redir`.
//!
//! The rules are composed ([`crate::composed`]), as for nginx: a first `map` cuts the path into
//! `{refcenter_link}`, `{refcenter_partner}` and `{refcenter_ad}` (the last only for exactly
//! three codes); a map of links gives each link's plain destination, its destinations with the
//! `{refcenter_partner}` and `{refcenter_ad}` placeholders in place of the codes, and whether it
//! is restricted; maps of active partners, of the (link, partner) pairs allowed on restricted
//! links and of (partner, ad) pairs say which applies, and a last map picks it. Caddy fills in
//! a code only after it matched one of those maps exactly. Caddy's `map` compares its entries
//! one by one, so a request costs a scan of the partners and of the ads: fine for tens of
//! thousands; beyond, nginx or CloudFront hash them.

use std::fmt::Write as _;

use crate::composed::{Piece, render};
use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::escape::for_config;
use crate::hosts::nginx::regex_escape;
use crate::limits::LimitError;
use crate::rules::RuleSet;

/// The Caddy emitter.
pub struct Caddy;

/// The snippet, to `import` inside a site block.
pub const FILE: &str = "servers/caddy/refcenter.caddy";

/// A destination as a Caddy string: the text escaped, the codes as the placeholders cut from
/// the request path.
fn interpolated(pieces: &[Piece]) -> String {
    render(pieces, &for_config, "{refcenter_partner}", "{refcenter_ad}")
}

/// One `map` block from `source` to `destinations`, with `entries` (input, then the quoted
/// outputs) and `defaults`.
fn map_block(
    out: &mut String,
    source: &str,
    destinations: &[&str],
    entries: impl Iterator<Item = (String, Vec<String>)>,
    defaults: &[&str],
) {
    let names: Vec<String> = destinations.iter().map(|d| format!("{{{d}}}")).collect();
    let _ = writeln!(out, "\tmap {source} {} {{", names.join(" "));
    for (input, outputs) in entries {
        let outputs: Vec<String> = outputs.iter().map(|o| format!("\"{o}\"")).collect();
        let _ = writeln!(out, "\t\t{input} {}", outputs.join(" "));
    }
    let defaults: Vec<String> = defaults.iter().map(|d| format!("\"{d}\"")).collect();
    let _ = writeln!(out, "\t\tdefault {}\n\t}}", defaults.join(" "));
}

impl Emitter for Caddy {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        let composed = &rules.composed;
        let root = regex_escape(&rules.root);
        let mut out = String::new();
        let _ = writeln!(out, "# {GENERATED}");
        let _ = writeln!(out, "# Import inside a site block: import {FILE}");
        let _ = writeln!(out, "@refcenter path {root} {root}/*", root = rules.root);
        // `route` keeps the order written here (Caddy would otherwise run `redir` before `uri`).
        let _ = writeln!(out, "route @refcenter {{");
        // `strip_prefix` cleans the path (dot segments, doubled slashes) before it compares,
        // as the other servers do before matching. The prefix holds a `.`, which no code
        // has, so nothing is ever stripped.
        let _ = writeln!(out, "\turi strip_prefix {root}/.refcenter-clean", root = rules.root);
        let cuts = [
            (format!("~^{root}/([^/]+)/([^/]+)/([^/]+)/?$"), ["${1}", "${2}", "${3}"]),
            (format!("~^{root}/([^/]+)/([^/]+)(?:/.*)?$"), ["${1}", "${2}", ""]),
            (format!("~^{root}/([^/]+)(?:/.*)?$"), ["${1}", "", ""]),
        ];
        let cuts = cuts.into_iter().map(|(regex, outputs)| (regex, outputs.map(str::to_owned).to_vec()));
        map_block(&mut out, "{path}", &["refcenter_link", "refcenter_partner", "refcenter_ad"], cuts, &["", "", ""]);
        // o: open to every partner, r: restricted, x: no such link.
        let links = composed.links.iter().map(|l| {
            let outputs = vec![
                for_config(&l.plain),
                interpolated(&l.partner),
                interpolated(l.with_ad()),
                if l.restricted { "r" } else { "o" }.to_owned(),
            ];
            (l.code.clone(), outputs)
        });
        let destinations = ["refcenter_plain", "refcenter_with_partner", "refcenter_with_ad", "refcenter_open"];
        map_block(&mut out, "{refcenter_link}", &destinations, links, &["", "", "", "x"]);
        let active = composed.partners.iter().map(|p| (p.code.clone(), vec!["p".to_owned()]));
        map_block(&mut out, "{refcenter_partner}", &["refcenter_active"], active, &["x"]);
        let allowed = composed.allowed_pairs().map(|(l, p)| (format!("{l}/{p}"), vec!["w".to_owned()]));
        map_block(&mut out, "{refcenter_link}/{refcenter_partner}", &["refcenter_allowed"], allowed, &["x"]);
        let ads = composed.ad_pairs().map(|(p, a)| (format!("{p}/{a}"), vec!["a".to_owned()]));
        map_block(&mut out, "{refcenter_partner}/{refcenter_ad}", &["refcenter_ad_ok"], ads, &["x"]);
        // Outputs of regular expressions are not searched for placeholders: the choice is a
        // word, and an exact map turns it into the destination.
        let choice = [
            ("~^x".to_owned(), vec!["fallback".to_owned()]),
            ("~^(op.|rpw)a$".to_owned(), vec!["ad".to_owned()]),
            ("~^(op.|rpw)x$".to_owned(), vec!["partner".to_owned()]),
        ];
        let key = "{refcenter_open}{refcenter_active}{refcenter_allowed}{refcenter_ad_ok}";
        map_block(&mut out, key, &["refcenter_choice"], choice.into_iter(), &["plain"]);
        let target = [
            ("fallback".to_owned(), vec![for_config(&rules.fallback)]),
            ("ad".to_owned(), vec!["{refcenter_with_ad}".to_owned()]),
            ("partner".to_owned(), vec!["{refcenter_with_partner}".to_owned()]),
        ];
        map_block(&mut out, "{refcenter_choice}", &["refcenter_target"], target.into_iter(), &["{refcenter_plain}"]);
        let _ = writeln!(out, "\tredir {{refcenter_target}} {}", rules.status);
        let _ = writeln!(out, "}}");
        Ok(vec![Emitted::text(FILE, out)])
    }

    fn rule_count(&self, rules: &RuleSet) -> usize {
        rules.composed.entry_count()
    }
}
