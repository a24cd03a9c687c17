//! Apache httpd: mod_rewrite rules that compose the target from a `RewriteMap` text file.
//!
//! The rules are composed ([`crate::composed`]): the map holds one key per link (`l:<link>`
//! its plain destination, `o:<link>` open or restricted, `tp<i>:<link>` and `ta<i>:<link>` the
//! text pieces of its destinations with the partner's and with the ad's code), per active
//! partner (`p:<partner>`), per (link, partner) pair allowed on a restricted link
//! (`w:<link>/<partner>`) and per ad (`a:<partner>/<ad>`), so it grows with links + partners +
//! ads. A destination's pieces have a shape (where the texts and the codes come); one rule per
//! shape in use joins the link's text pieces with the codes of the request, once the
//! conditions found those codes in the map. Only codes found in the map reach a `Location`.
//!
//! `RewriteMap` is only allowed in the server or virtual-host context, so the rules are meant
//! for a `<VirtualHost>`, not `.htaccess`. The map file's location comes from
//! `Define REFCENTER_MAP /path/to/refcenter.map`. `AllowEncodedSlashes On` makes `%2F` decode
//! like every other escape, as nginx and Caddy do, instead of answering 404. Needs httpd
//! 2.4.60 or later (for the `UnsafeAllow3F` flag).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::composed::{LinkEntry, Piece};
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

/// The shape of a destination's pieces: `T` text, `P` the partner's code, `A` the ad's.
fn shape(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(_) => 'T',
            Piece::Partner => 'P',
            Piece::Ad => 'A',
        })
        .collect()
}

/// The substitution for a shape: the link's text pieces from the map (`<prefix><i>:<link>`,
/// the link being `$1`), the partner's code `$2`, the ad's `$3`.
fn substitution(shape: &str, prefix: &str) -> String {
    let mut out = String::new();
    for (i, kind) in shape.chars().enumerate() {
        match kind {
            'P' => out.push_str("$2"),
            'A' => out.push_str("$3"),
            _ => {
                let _ = write!(out, "${{refcenter:{prefix}{i}:$1}}");
            }
        }
    }
    out
}

impl Emitter for Apache {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        let composed = &rules.composed;
        let root = regex_escape(&rules.root);
        // UnsafeAllow3F: the `?` of a target comes from the map (the program), never from the
        // request, which is the case httpd 2.4.60 and later ask to be told about.
        let flags = format!("[R={},L,NE,QSD,UnsafeAllow3F]", rules.status);
        let mut map = String::new();
        let _ = writeln!(map, "# {GENERATED}");
        for link in &composed.links {
            let code = &link.code;
            let _ = writeln!(map, "l:{code} {}", for_config(&link.plain));
            let _ = writeln!(map, "o:{code} {}", if link.restricted { "r" } else { "o" });
            for (prefix, pieces) in [("tp", link.partner.as_slice()), ("ta", link.with_ad())] {
                let _ = writeln!(map, "s{prefix}:{code} {}", shape(pieces));
                for (i, piece) in pieces.iter().enumerate() {
                    if let Piece::Text(text) = piece {
                        let _ = writeln!(map, "{prefix}{i}:{code} {}", for_config(text));
                    }
                }
            }
        }
        for partner in &composed.partners {
            let _ = writeln!(map, "p:{} p", partner.code);
            for link in &partner.restricted_links {
                let _ = writeln!(map, "w:{link}/{} w", partner.code);
            }
            for ad in &partner.ads {
                let _ = writeln!(map, "a:{}/{ad} a", partner.code);
            }
        }
        let mut conf = String::new();
        let _ = writeln!(conf, "# {GENERATED}");
        let _ = writeln!(
            conf,
            "# Include inside <VirtualHost>, after: Define REFCENTER_MAP /absolute/path/to/refcenter.map"
        );
        let _ = writeln!(conf, "AllowEncodedSlashes On");
        let _ = writeln!(conf, "RewriteEngine On");
        let _ = writeln!(conf, "RewriteMap refcenter \"txt:${{REFCENTER_MAP}}\"");
        // An active partner allowed on the link: its code is in the map, and the link is open or
        // the pair is listed.
        let partner_conds = "RewriteCond \"${refcenter:p:$2|-}\" \"=p\"\n\
                             RewriteCond \"${refcenter:o:$1|-}\" \"=o\" [OR]\n\
                             RewriteCond \"${refcenter:w:$1/$2|-}\" \"=w\"\n";
        // The shapes in use, each once.
        let shapes = |pieces: fn(&LinkEntry) -> &[Piece]| -> BTreeSet<String> {
            composed.links.iter().map(|l| shape(pieces(l))).collect()
        };
        for shape in shapes(LinkEntry::with_ad) {
            let _ = writeln!(conf, "# an ad of a partner, destinations of the shape {shape}");
            conf.push_str(partner_conds);
            let _ = writeln!(conf, "RewriteCond \"${{refcenter:a:$2/$3|-}}\" \"=a\"");
            let _ = writeln!(conf, "RewriteCond \"${{refcenter:sta:$1|-}}\" \"={shape}\"");
            let _ = writeln!(
                conf,
                "RewriteRule \"^{root}/([^/]+)/([^/]+)/([^/]+)/?$\" \"{}\" {flags}",
                substitution(&shape, "ta")
            );
        }
        for shape in shapes(|l| &l.partner) {
            let _ = writeln!(conf, "# a partner, with or without an unknown ad, destinations of the shape {shape}");
            conf.push_str(partner_conds);
            let _ = writeln!(conf, "RewriteCond \"${{refcenter:stp:$1|-}}\" \"={shape}\"");
            let _ = writeln!(
                conf,
                "RewriteRule \"^{root}/([^/]+)/([^/]+)(?:/.*)?$\" \"{}\" {flags}",
                substitution(&shape, "tp")
            );
        }
        let _ = writeln!(conf, "# a link, with or without an unknown, inactive or not allowed partner");
        let _ = writeln!(conf, "RewriteCond \"${{refcenter:l:$1|-}}\" \"^(https?://.+)$\"");
        let _ = writeln!(conf, "RewriteRule \"^{root}/([^/]+)(?:/.*)?$\" \"%1\" {flags}");
        let _ = writeln!(conf, "# anything else below the tracking root");
        let _ = writeln!(conf, "RewriteRule \"^{root}(?:/.*)?$\" \"{}\" {flags}", for_config(&rules.fallback));
        Ok(vec![Emitted::text(CONF_FILE, conf), Emitted::text(MAP_FILE, map)])
    }

    fn rule_count(&self, rules: &RuleSet) -> usize {
        rules.composed.entry_count()
    }
}
