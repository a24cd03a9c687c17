//! Cloudflare Pages: `public/_redirects` while the program fits its limits (at most 2,000 static
//! and 100 dynamic rules, 1,000 characters a line), else `public/_worker.js`, a Pages Function
//! in advanced mode that answers tracking links from the composed tables ([`crate::edge`]) and
//! hands every other request to the site's files.
//!
//! In `_redirects`, Cloudflare counts every rule after the first dynamic one as dynamic, so
//! static rules come first; the order among dynamic rules (most specific first) is kept, which
//! keeps the meaning of the rule list. The worker counts against the Workers plan's requests
//! and its size limit (3 MB gzipped on the free plan); the worker itself answers requests for
//! `/_worker.js` with 404, so its tables are never served.

use refcenter_model::RedirectTarget;

use crate::edge;
use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::hosts::redirects_file::{lines, render};
use crate::limits::{self, LimitError};
use crate::rules::RuleSet;

/// The Cloudflare Pages emitter.
pub struct CloudflarePages;

/// Where the rules file goes.
pub const FILE: &str = "public/_redirects";
/// Where the worker goes when the rules do not fit the file.
pub const WORKER_FILE: &str = "public/_worker.js";
/// The most static rules Cloudflare Pages accepts.
pub const MAX_STATIC: usize = 2000;
/// The most dynamic rules Cloudflare Pages accepts.
pub const MAX_DYNAMIC: usize = 100;
/// The longest line Cloudflare Pages accepts, in characters.
pub const MAX_LINE: usize = 1000;
/// The largest worker of the Workers free plan, gzipped, in bytes.
pub const MAX_WORKER: usize = 3 * 1024 * 1024;

/// The `_redirects` file for `rules`, or `None` when they do not fit it (too many static or
/// dynamic rules, or a line too long): then the worker answers them.
fn redirects_file(rules: &RuleSet) -> Option<String> {
    let (all, dynamic) = rules.flat_counts();
    if all > MAX_STATIC || dynamic > MAX_DYNAMIC {
        return None;
    }
    let (statics, dynamics): (Vec<_>, Vec<_>) = lines(rules).into_iter().partition(|l| !l.dynamic);
    let ordered: Vec<_> = statics.into_iter().chain(dynamics).collect();
    let text = render(
        &[GENERATED, "Cloudflare Pages: static rules first, then dynamic ones."],
        &ordered,
        &rules.status.to_string(),
    );
    text.lines().all(|l| l.chars().count() <= MAX_LINE).then_some(text)
}

impl Emitter for CloudflarePages {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        if let Some(text) = redirects_file(rules) {
            return Ok(vec![Emitted::text(FILE, text)]);
        }
        let code = worker(rules);
        limits::check(
            RedirectTarget::CloudflarePages,
            "gzipped bytes of _worker.js (the Workers free plan's limit)",
            edge::gzipped_len(&code),
            MAX_WORKER,
            "use nginx, apache, caddy or cloudfront in [redirects] targets for this program",
        )?;
        Ok(vec![Emitted::text(WORKER_FILE, code)])
    }

    fn rule_count(&self, rules: &RuleSet) -> usize {
        // What emit writes: the file's rules, or the worker's table entries.
        if redirects_file(rules).is_some() { rules.flat_counts().0 } else { rules.composed.keyed_entries() }
    }
}

/// The worker for `rules`.
pub fn worker(rules: &RuleSet) -> String {
    format!(
        "{}
// Cloudflare Pages, advanced mode: tracking links from the tables above, every other request
// from the site's files.
export default {{
    async fetch(request, env) {{
        const url = new URL(request.url);
        if (url.pathname === '/_worker.js') {{
            return new Response('Not found', {{ status: 404 }});
        }}
        const location = refcenterLocation(url.pathname);
        return location === null ? env.ASSETS.fetch(request) : refcenterRedirect(location);
    }},
}};
",
        edge::router(rules)
    )
}
