//! Amazon CloudFront: a CloudFront Function (runtime `cloudfront-js-2.0`, viewer request) that
//! answers tracking links from a CloudFront KeyValueStore, and the KeyValueStore import file.
//!
//! The store holds the composed rule list ([`crate::composed`]): one key per link
//! (`l:<link>`, its destinations as JSON pieces) and one per active partner (`p:<partner>`,
//! `<ads>|<restricted links it may use>`, space-separated), so it grows with the sum of links,
//! partners and ads rather than with their product. The function looks up the link, then the partner,
//! checks the ad against the partner's list, and fills the codes it found into the link's
//! pieces: only codes that are keys or list entries of the store reach a Location.
//!
//! The function is the same for every program and fits the 10 KB code limit. The store is
//! limited to keys of 512 bytes, values of 1 KB and 5 MB in all; the build fails when a
//! program does not fit.

use serde_json::Value;

use crate::composed::{LinkEntry, PartnerEntry, Piece};
use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::limits::{self, LimitError};
use crate::rules::RuleSet;
use refcenter_model::RedirectTarget;

/// The CloudFront emitter.
pub struct Cloudfront;

/// The function's code.
pub const FUNCTION_FILE: &str = "cloudfront/refcenter-function.js";
/// The KeyValueStore import file.
pub const STORE_FILE: &str = "cloudfront/refcenter-kvs.json";

/// The largest function CloudFront accepts, in bytes.
pub const MAX_CODE: usize = 10 * 1024;
/// The longest key, in bytes.
pub const MAX_KEY: usize = 512;
/// The longest value, in bytes.
pub const MAX_VALUE: usize = 1024;
/// The largest store, in bytes (keys and values).
pub const MAX_STORE: usize = 5 * 1024 * 1024;

const ALTERNATIVES: &str = "use nginx, apache or caddy in [redirects] targets for this program, or shorten the destinations, attribution parameters and codes";

/// A link's store value: `{"d": plain, "p": pieces, "a": pieces with the ad, "r": 1}`, where
/// pieces are strings (text) and numbers (0 the partner's code, 1 the ad's); `a` is left out
/// when it equals `p`, `r` when the link is open to every partner.
pub fn link_value(link: &LinkEntry) -> String {
    let pieces = |pieces: &[Piece]| -> Value {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => Value::from(t.as_str()),
                Piece::Partner => Value::from(0),
                Piece::Ad => Value::from(1),
            })
            .collect()
    };
    let mut value = serde_json::Map::new();
    value.insert("d".into(), Value::from(link.plain.as_str()));
    value.insert("p".into(), pieces(&link.partner));
    if let Some(ad) = &link.ad {
        value.insert("a".into(), pieces(ad));
    }
    if link.restricted {
        value.insert("r".into(), Value::from(1));
    }
    Value::Object(value).to_string()
}

/// A partner's store value: `<ads>|<restricted links>`, each list space-separated.
pub fn partner_value(partner: &PartnerEntry) -> String {
    format!("{}|{}", partner.ads.join(" "), partner.restricted_links.join(" "))
}

impl Emitter for Cloudfront {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        let code = function(rules);
        limits::check(RedirectTarget::Cloudfront, "bytes of function code", code.len(), MAX_CODE, ALTERNATIVES)?;
        let composed = &rules.composed;
        limits::check(
            RedirectTarget::Cloudfront,
            "links whose destination holds every marker escape (%01 to %1E)",
            composed.uncomposable.len(),
            0,
            ALTERNATIVES,
        )?;
        let entries = composed
            .links
            .iter()
            .map(|l| (format!("l:{}", l.code), link_value(l), format!("{}/{}", rules.root, l.code)))
            .chain(
                composed
                    .partners
                    .iter()
                    .map(|p| (format!("p:{}", p.code), partner_value(p), format!("partner {}", p.code))),
            );
        let mut data = Vec::new();
        let mut total = 0;
        for (key, value, what) in entries {
            limits::check(
                RedirectTarget::Cloudfront,
                "bytes in a KeyValueStore key",
                key.len(),
                MAX_KEY,
                ALTERNATIVES,
            )?;
            let what = format!("bytes in a KeyValueStore value (the entry of {what})");
            limits::check(RedirectTarget::Cloudfront, &what, value.len(), MAX_VALUE, ALTERNATIVES)?;
            total += key.len() + value.len();
            data.push(serde_json::json!({ "key": key, "value": value }));
        }
        limits::check(RedirectTarget::Cloudfront, "bytes of KeyValueStore data", total, MAX_STORE, ALTERNATIVES)?;
        let mut store = serde_json::to_string_pretty(&serde_json::json!({ "data": data })).unwrap_or_default();
        store.push('\n');
        Ok(vec![Emitted::text(FUNCTION_FILE, code), Emitted::text(STORE_FILE, store)])
    }

    fn rule_count(&self, rules: &RuleSet) -> usize {
        rules.composed.keyed_entries()
    }
}

/// The function's source for `rules`.
fn function(rules: &RuleSet) -> String {
    let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        r#"// {GENERATED}
// CloudFront Function, runtime cloudfront-js-2.0, viewer request. Associate it with the
// KeyValueStore imported from refcenter-kvs.json: keys l:<link> and p:<partner>.
import cf from 'cloudfront';

const kvs = cf.kvs();
const ROOT = {root}; // the tracking root's segments
const FALLBACK = {fallback};
const STATUS = {status};

async function find(key) {{
    try {{
        return await kvs.get(key);
    }} catch (err) {{
        return null;
    }}
}}

{shared}
function redirect(location) {{
    return {{
        statusCode: STATUS,
        statusDescription: 'Found',
        headers: {{ location: {{ value: location }}, 'cache-control': {{ value: 'no-store' }} }},
    }};
}}

async function handler(event) {{
    const request = event.request;
    const codes = trackingCodes(request.uri);
    if (codes === null) {{
        return request;
    }}
    const linkValue = codes.length > 0 ? await find('l:' + codes[0]) : null;
    // Inactive and unknown partners have no entry.
    const partner = linkValue !== null && codes.length >= 2 ? await find('p:' + codes[1]) : null;
    return redirect(destination(codes, linkValue === null ? null : JSON.parse(linkValue), partner));
}}
"#,
        root = serde_json::to_string(&refcenter_model::request_path::segments(&rules.root)).unwrap_or_default(),
        fallback = json(&rules.fallback),
        status = rules.status,
        shared = crate::edge::SHARED_JS,
    )
}
