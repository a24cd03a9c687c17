//! nginx: `map` blocks (in the `http` context) that compose the target from the request path,
//! and the `location` blocks (in the `server` context) that return it.
//!
//! The rules are composed ([`crate::composed`]), so the maps grow with links + partners + ads:
//! `$uri` (decoded and normalised) is cut into `$refcenter_link`, `$refcenter_partner` and
//! `$refcenter_ad` (set only for exactly three codes); per link, maps give its plain destination
//! and its destinations with the partner's and the ad's code interpolated; a map of active
//! partners, one of the (link, partner) pairs allowed on restricted links and one of
//! (partner, ad) pairs say which of them applies, and a last map picks it. A code from the
//! request is interpolated only after it matched one of those maps exactly. Hash sizes are set
//! for the number and length of keys so that nginx starts with large programs.

use std::fmt::Write as _;

use crate::composed::{Piece, render};
use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::escape::for_config;
use crate::limits::LimitError;
use crate::rules::RuleSet;

/// The nginx emitter.
pub struct Nginx;

/// The file with the `map` blocks, for the `http` context.
pub const HTTP_FILE: &str = "servers/nginx/refcenter-maps.conf";
/// The file with the `location` blocks, for the `server` context.
pub const SERVER_FILE: &str = "servers/nginx/refcenter-locations.conf";

/// A destination as an nginx string: the text escaped, the codes as the variables cut from
/// the request path.
fn interpolated(pieces: &[Piece]) -> String {
    render(pieces, &for_config, "${refcenter_partner}", "${refcenter_ad}")
}

/// One `map` block from `source` to `variable` with `entries` (key and value, both written as
/// given) and `default`.
fn map_block(
    out: &mut String,
    source: &str,
    variable: &str,
    entries: impl Iterator<Item = (String, String)>,
    default: &str,
) {
    let _ = writeln!(out, "map {source} ${variable} {{");
    for (key, value) in entries {
        let _ = writeln!(out, "    \"{key}\" {value};");
    }
    let _ = writeln!(out, "    default {default};\n}}\n");
}

impl Emitter for Nginx {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        let root = regex_escape(&rules.root);
        let composed = &rules.composed;
        let pairs: Vec<(String, String)> =
            composed.allowed_pairs().map(|(l, p)| (format!("{l}/{p}"), "w".to_owned())).collect();
        let ads: Vec<(String, String)> =
            composed.ad_pairs().map(|(p, a)| (format!("{p}/{a}"), "a".to_owned())).collect();
        let entries = composed.links.len().max(composed.partners.len()).max(pairs.len()).max(ads.len());
        let longest_key = pairs.iter().chain(&ads).map(|(k, _)| k.len()).max().unwrap_or(0);
        let mut http = String::new();
        let _ = writeln!(http, "# {GENERATED}");
        let _ = writeln!(http, "# Include in the http {{}} context; include {SERVER_FILE} in the server {{}} context.");
        let _ = writeln!(http, "map_hash_max_size {};", (entries * 2).next_power_of_two().max(2048));
        let _ = writeln!(http, "map_hash_bucket_size {};", (longest_key + 16).next_power_of_two().max(64));
        let _ = writeln!(http);
        let cuts = [
            ("refcenter_link", format!("^{root}/(?<c>[^/]+)(?:/.*)?$")),
            ("refcenter_partner", format!("^{root}/[^/]+/(?<c>[^/]+)(?:/.*)?$")),
            ("refcenter_ad", format!("^{root}/[^/]+/[^/]+/(?<c>[^/]+)/?$")),
        ];
        for (var, regex) in &cuts {
            map_block(&mut http, "$uri", var, std::iter::once((format!("~{regex}"), "$c".to_owned())), "\"\"");
        }
        let links = || composed.links.iter();
        map_block(
            &mut http,
            "$refcenter_link",
            "refcenter_plain",
            links().map(|l| (l.code.clone(), format!("\"{}\"", for_config(&l.plain)))),
            "\"\"",
        );
        map_block(
            &mut http,
            "$refcenter_link",
            "refcenter_with_partner",
            links().map(|l| (l.code.clone(), format!("\"{}\"", interpolated(&l.partner)))),
            "\"\"",
        );
        map_block(
            &mut http,
            "$refcenter_link",
            "refcenter_with_ad",
            links().map(|l| (l.code.clone(), format!("\"{}\"", interpolated(l.with_ad())))),
            "\"\"",
        );
        // o: open to every partner, r: restricted, -: no such link.
        let open = links().map(|l| (l.code.clone(), if l.restricted { "r" } else { "o" }.to_owned()));
        map_block(&mut http, "$refcenter_link", "refcenter_open", open, "-");
        let active = composed.partners.iter().map(|p| (p.code.clone(), "p".to_owned()));
        map_block(&mut http, "$refcenter_partner", "refcenter_active", active, "-");
        map_block(&mut http, "\"$refcenter_link/$refcenter_partner\"", "refcenter_allowed", pairs.into_iter(), "-");
        map_block(&mut http, "\"$refcenter_partner/$refcenter_ad\"", "refcenter_ad_ok", ads.into_iter(), "-");
        let choice = [
            ("~^-".to_owned(), "fallback".to_owned()),
            ("~^(op.|rpw)a$".to_owned(), "ad".to_owned()),
            ("~^(op.|rpw)-$".to_owned(), "partner".to_owned()),
        ];
        let key = "\"$refcenter_open$refcenter_active$refcenter_allowed$refcenter_ad_ok\"";
        map_block(&mut http, key, "refcenter_choice", choice.into_iter(), "plain");
        let target = [
            ("fallback".to_owned(), format!("\"{}\"", for_config(&rules.fallback))),
            ("ad".to_owned(), "$refcenter_with_ad".to_owned()),
            ("partner".to_owned(), "$refcenter_with_partner".to_owned()),
        ];
        map_block(&mut http, "$refcenter_choice", "refcenter_target", target.into_iter(), "$refcenter_plain");
        let mut server = String::new();
        let _ = writeln!(server, "# {GENERATED}");
        let _ = writeln!(server, "# Include in the server {{}} context; {HTTP_FILE} must be included in http {{}}.");
        let _ = writeln!(
            server,
            "location = {} {{\n    return {} \"{}\";\n}}",
            rules.root,
            rules.status,
            for_config(&rules.fallback)
        );
        let _ = writeln!(server, "location ^~ {}/ {{\n    return {} $refcenter_target;\n}}", rules.root, rules.status);
        Ok(vec![Emitted::text(HTTP_FILE, http), Emitted::text(SERVER_FILE, server)])
    }

    fn rule_count(&self, rules: &RuleSet) -> usize {
        // The links are in four maps.
        rules.composed.entry_count() + 3 * rules.composed.links.len()
    }
}

/// `s` with the characters PCRE gives a meaning escaped.
pub(crate) fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
