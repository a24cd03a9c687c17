//! Apache httpd: mod_rewrite rules that look the request path up in a `RewriteMap` text file,
//! most specific key first.
//!
//! `RewriteMap` is only allowed in the server or virtual-host context, so the rules are meant
//! for a `<VirtualHost>`, not `.htaccess`. The map file's location comes from
//! `Define REFCENTER_MAP /path/to/refcenter.map`. `AllowEncodedSlashes On` makes `%2F` decode
//! like every other escape, as nginx and Caddy do, instead of answering 404. Needs httpd
//! 2.4.60 or later (for the `UnsafeAllow3F` flag).

use std::fmt::Write as _;

use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::escape::for_config;
use crate::hosts::nginx::regex_escape;
use crate::limits::LimitError;
use crate::rules::RuleSet;

/// The Apache emitter.
pub struct Apache;

/// The rules, to include in a virtual host.
pub const CONF_FILE: &str = "servers/apache/refcenter.conf";
/// The map of keys to targets.
pub const MAP_FILE: &str = "servers/apache/refcenter.map";

impl Emitter for Apache {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        let root = regex_escape(&rules.root);
        // UnsafeAllow3F: the `?` of a target comes from the map (the program), never from the
        // request, which is the case httpd 2.4.60 and later ask to be told about.
        let flags = format!("[R={},L,NE,QSD,UnsafeAllow3F]", rules.status);
        let mut conf = String::new();
        let _ = writeln!(conf, "# {GENERATED}");
        let _ = writeln!(
            conf,
            "# Include inside <VirtualHost>, after: Define REFCENTER_MAP /absolute/path/to/refcenter.map"
        );
        let _ = writeln!(conf, "AllowEncodedSlashes On");
        let _ = writeln!(conf, "RewriteEngine On");
        let _ = writeln!(conf, "RewriteMap refcenter \"txt:${{REFCENTER_MAP}}\"");
        let cuts = [
            ("an ad of a partner", format!("^{root}/([^/]+/[^/]+/[^/]+)/?$")),
            ("a partner, with or without an unknown ad", format!("^{root}/([^/]+/[^/]+)(?:/.*)?$")),
            ("a link, with or without an unknown partner", format!("^{root}/([^/]+)(?:/.*)?$")),
        ];
        for (what, regex) in cuts {
            let _ = writeln!(conf, "# {what}");
            let _ = writeln!(conf, "RewriteCond \"${{refcenter:$1|-}}\" \"^(https?://.+)$\"");
            let _ = writeln!(conf, "RewriteRule \"{regex}\" \"%1\" {flags}");
        }
        let _ = writeln!(conf, "# anything else below the tracking root");
        let _ = writeln!(conf, "RewriteRule \"^{root}(?:/.*)?$\" \"{}\" {flags}", for_config(&rules.fallback));
        let mut map = String::new();
        let _ = writeln!(map, "# {GENERATED}");
        for rule in rules.rules().iter().filter(|r| r.depth() > 0) {
            let _ = writeln!(map, "{} {}", rule.codes.join("/"), for_config(&rule.target));
        }
        Ok(vec![Emitted::text(CONF_FILE, conf), Emitted::text(MAP_FILE, map)])
    }
}
