//! Caddy: a snippet for a site block that cleans the request path, maps it to a target with
//! `map` and answers with `redir`.
//!
//! `map` compares in order, so exact paths (with and without a trailing slash) come first,
//! then one regular expression per partner and per link for unknown ads and partners, then
//! the fallback. Caddy's `map` scans its entries one by one: fine for thousands of rules; for
//! hundreds of thousands use nginx or CloudFront.

use std::fmt::Write as _;

use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::escape::for_config;
use crate::hosts::nginx::regex_escape;
use crate::limits::LimitError;
use crate::rules::RuleSet;

/// The Caddy emitter.
pub struct Caddy;

/// The snippet, to `import` inside a site block.
pub const FILE: &str = "servers/caddy/refcenter.caddy";

impl Emitter for Caddy {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
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
        let _ = writeln!(out, "\tmap {{path}} {{refcenter_target}} {{");
        for rule in rules.at_depth(3) {
            let path = rules.path(rule);
            let target = for_config(&rule.target);
            let _ = writeln!(out, "\t\t{path} \"{target}\"\n\t\t{path}/ \"{target}\"");
        }
        for depth in [2, 1] {
            for rule in rules.at_depth(depth) {
                let _ = writeln!(
                    out,
                    "\t\t~^{}(?:/.*)?$ \"{}\"",
                    regex_escape(&rules.path(rule)),
                    for_config(&rule.target)
                );
            }
        }
        let _ = writeln!(out, "\t\tdefault \"{}\"", for_config(&rules.fallback));
        let _ = writeln!(out, "\t}}");
        let _ = writeln!(out, "\tredir {{refcenter_target}} {}", rules.status);
        let _ = writeln!(out, "}}");
        Ok(vec![Emitted::text(FILE, out)])
    }
}
