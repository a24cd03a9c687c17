//! nginx: `map` blocks (in the `http` context) that turn the request path into a target, and
//! the `location` blocks (in the `server` context) that return it.
//!
//! `$uri` is the decoded, normalised path. Three regex maps cut it into the keys
//! `link/partner/ad`, `link/partner` and `link`; three hash maps look the keys up, and a last
//! map takes the most specific hit. Hash sizes are set for the number and length of keys so
//! that nginx starts with large programs.

use std::fmt::Write as _;

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

impl Emitter for Nginx {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        let root = regex_escape(&rules.root);
        let longest_key = rules.rules().iter().map(|r| r.codes.join("/").len()).max().unwrap_or(0);
        let entries = rules.rules().len();
        let mut http = String::new();
        let _ = writeln!(http, "# {GENERATED}");
        let _ = writeln!(http, "# Include in the http {{}} context; include {SERVER_FILE} in the server {{}} context.");
        let _ = writeln!(http, "map_hash_max_size {};", (entries * 2).next_power_of_two().max(2048));
        let _ = writeln!(http, "map_hash_bucket_size {};", (longest_key + 16).next_power_of_two().max(64));
        let _ = writeln!(http);
        let cuts = [
            ("refcenter_key3", format!("^{root}/(?<k>[^/]+/[^/]+/[^/]+)/?$")),
            ("refcenter_key2", format!("^{root}/(?<k>[^/]+/[^/]+)(?:/.*)?$")),
            ("refcenter_key1", format!("^{root}/(?<k>[^/]+)(?:/.*)?$")),
        ];
        for (var, regex) in &cuts {
            let _ = writeln!(http, "map $uri ${var} {{\n    \"~{regex}\" $k;\n    default \"\";\n}}\n");
        }
        for depth in (1..=3).rev() {
            let _ = writeln!(http, "map $refcenter_key{depth} $refcenter_target{depth} {{\n    default \"\";");
            for rule in rules.at_depth(depth) {
                let _ = writeln!(http, "    \"{}\" \"{}\";", rule.codes.join("/"), for_config(&rule.target));
            }
            let _ = writeln!(http, "}}\n");
        }
        // Targets hold no spaces, so the first word of the three is the most specific hit.
        let _ = writeln!(
            http,
            "map \"$refcenter_target3 $refcenter_target2 $refcenter_target1\" $refcenter_target {{\n    \"~^\\s*(?<t>\\S+)\" $t;\n    default \"{}\";\n}}",
            for_config(&rules.fallback)
        );
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
