//! Amazon CloudFront: a CloudFront Function (runtime `cloudfront-js-2.0`, viewer request) that
//! looks the request path up in a CloudFront KeyValueStore, and the KeyValueStore import file
//! holding the rules.
//!
//! The function is the same for every program; only the store's content changes, so a
//! program of any size fits the 10 KB code limit. The store is limited to keys of 512 bytes,
//! values of 1 KB and 5 MB in all; the build fails when a program does not fit.

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

const ALTERNATIVES: &str = "use nginx, apache or caddy in [redirects] targets for this program, or shorten the destinations and attribution parameters";

impl Emitter for Cloudfront {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        let code = function(rules);
        limits::check(RedirectTarget::Cloudfront, "bytes of function code", code.len(), MAX_CODE, ALTERNATIVES)?;
        let mut data = Vec::new();
        let mut total = 0;
        for rule in rules.rules.iter().filter(|r| r.depth() > 0) {
            let key = rule.codes.join("/");
            limits::check(
                RedirectTarget::Cloudfront,
                "bytes in a KeyValueStore key",
                key.len(),
                MAX_KEY,
                ALTERNATIVES,
            )?;
            let what = format!("bytes in a KeyValueStore value (the target of {})", rules.path(rule));
            limits::check(RedirectTarget::Cloudfront, &what, rule.target.len(), MAX_VALUE, ALTERNATIVES)?;
            total += key.len() + rule.target.len();
            data.push(serde_json::json!({ "key": key, "value": rule.target }));
        }
        limits::check(RedirectTarget::Cloudfront, "bytes of KeyValueStore data", total, MAX_STORE, ALTERNATIVES)?;
        let mut store = serde_json::to_string_pretty(&serde_json::json!({ "data": data })).unwrap_or_default();
        store.push('\n');
        Ok(vec![Emitted::text(FUNCTION_FILE, code), Emitted::text(STORE_FILE, store)])
    }
}

/// The function's source for `rules`.
fn function(rules: &RuleSet) -> String {
    let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        r#"// {GENERATED}
// CloudFront Function, runtime cloudfront-js-2.0, viewer request. Associate it with the
// KeyValueStore imported from refcenter-kvs.json.
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

function redirect(location) {{
    return {{
        statusCode: STATUS,
        statusDescription: 'Found',
        headers: {{ location: {{ value: location }}, 'cache-control': {{ value: 'no-store' }} }},
    }};
}}

async function handler(event) {{
    const request = event.request;
    let path = request.uri;
    try {{
        path = decodeURIComponent(path);
    }} catch (err) {{
        // Malformed escapes: match the path as it came.
    }}
    // Read the path as web servers do: empty and '.' segments dropped, '..' resolved.
    const segments = [];
    for (const segment of path.split('/')) {{
        if (segment === '..') {{
            segments.pop();
        }} else if (segment !== '' && segment !== '.') {{
            segments.push(segment);
        }}
    }}
    for (let i = 0; i < ROOT.length; i++) {{
        if (segments[i] !== ROOT[i]) {{
            return request;
        }}
    }}
    const codes = segments.slice(ROOT.length);
    if (codes.length === 3) {{
        const target = await find(codes.join('/'));
        if (target) {{
            return redirect(target);
        }}
    }}
    for (let n = Math.min(codes.length, 2); n >= 1; n--) {{
        const target = await find(codes.slice(0, n).join('/'));
        if (target) {{
            return redirect(target);
        }}
    }}
    return redirect(FALLBACK);
}}
"#,
        root = serde_json::to_string(&refcenter_model::request_path::segments(&rules.root)).unwrap_or_default(),
        fallback = json(&rules.fallback),
        status = rules.status,
    )
}
