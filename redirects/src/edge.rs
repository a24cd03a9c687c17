//! The tracking-link router for static hosts that can run JavaScript before their files
//! (Cloudflare Pages' `_worker.js`, Netlify Edge Functions), for programs too big for their
//! redirect files: the composed entries ([`crate::composed`]) as two tables and one function
//! that answers a request path exactly as the CloudFront Function does. The code grows with
//! links + partners + ads, like the CloudFront store.
//!
//! The tables are `Map`s built from arrays of pairs, never object literals, so that a code such
//! as `constructor` or `__proto__` is a key like any other. Only codes found in the tables are
//! filled into a destination.

use std::io::Write as _;

use crate::emitter::GENERATED;
use crate::hosts::cloudfront::{link_value, partner_value};
use crate::rules::RuleSet;

/// The JavaScript both the CloudFront Function and the edge routers share (it uses the
/// constants `ROOT` and `FALLBACK` of the code it is part of): the codes of a request path, and
/// where a click goes given its link's and its partner's entries.
pub const SHARED_JS: &str = r#"// The codes after the tracking root in a request path (as sent, percent-encoded), read as
// web servers read paths: empty and '.' segments dropped, '..' resolved. null when the path is
// not below the root.
function trackingCodes(pathname) {
    let path = pathname;
    try {
        path = decodeURIComponent(path);
    } catch (err) {
        // Malformed escapes: match the path as it came.
    }
    const segments = [];
    for (const segment of path.split('/')) {
        if (segment === '..') {
            segments.pop();
        } else if (segment !== '' && segment !== '.') {
            segments.push(segment);
        }
    }
    for (let i = 0; i < ROOT.length; i++) {
        if (segments[i] !== ROOT[i]) {
            return null;
        }
    }
    return segments.slice(ROOT.length);
}

// A destination from its pieces: text, 0 for the partner's code, 1 for the ad's.
function fill(pieces, partner, ad) {
    let out = '';
    for (const piece of pieces) {
        out += piece === 0 ? partner : piece === 1 ? ad : piece;
    }
    return out;
}

// Where a click with `codes` goes, given its link's entry and its partner's (each null or
// undefined when there is none: an unknown link; an unknown or inactive partner).
function destination(codes, link, partner) {
    if (!link) {
        return FALLBACK;
    }
    if (partner) {
        const lists = partner.split('|');
        if (!link.r || lists[1].split(' ').indexOf(codes[0]) >= 0) {
            if (codes.length === 3 && lists[0].split(' ').indexOf(codes[2]) >= 0) {
                return fill(link.a || link.p, codes[1], codes[2]);
            }
            return fill(link.p, codes[1], '');
        }
    }
    return link.d;
}
"#;

/// The router's JavaScript for `rules`, without an export: each host adds its entry point,
/// which calls `refcenterLocation(pathname)` and `refcenterRedirect(location)`.
pub fn router(rules: &RuleSet) -> String {
    let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut links = String::new();
    for link in &rules.composed.links {
        links.push_str(&format!("    [{}, {}],\n", json(&link.code), link_value(link)));
    }
    let mut partners = String::new();
    for partner in &rules.composed.partners {
        partners.push_str(&format!("    [{}, {}],\n", json(&partner.code), json(&partner_value(partner))));
    }
    format!(
        r#"// {GENERATED}
const ROOT = {root}; // the tracking root's segments
const FALLBACK = {fallback};
const STATUS = {status};
// Each link's destinations: d without a partner, p with one, a with its ad (as p when left
// out); pieces are text, 0 for the partner's code, 1 for the ad's; r: only some partners may use it.
const LINKS = new Map([
{links}]);
// Each active partner: its ads, then the restricted links it may use (space-separated).
const PARTNERS = new Map([
{partners}]);

{shared}
// Where a request for `pathname` goes, or null when the path is not below the tracking root.
function refcenterLocation(pathname) {{
    const codes = trackingCodes(pathname);
    if (codes === null) {{
        return null;
    }}
    return destination(codes, LINKS.get(codes[0]), codes.length >= 2 ? PARTNERS.get(codes[1]) : undefined);
}}

function refcenterRedirect(location) {{
    return new Response(null, {{ status: STATUS, headers: {{ location, 'cache-control': 'no-store' }} }});
}}
"#,
        root = serde_json::to_string(&refcenter_model::request_path::segments(&rules.root)).unwrap_or_default(),
        fallback = json(&rules.fallback),
        status = rules.status,
        shared = SHARED_JS,
    )
}

/// The size of `text` gzipped, as hosts measure code limits.
pub fn gzipped_len(text: &str) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(text.as_bytes());
    encoder.finish().map_or(text.len(), |bytes| bytes.len())
}
