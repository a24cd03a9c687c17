//! Netlify: `public/_redirects` with rules forced (`302!`) so that a file at the same path,
//! such as an HTML redirect page, never shadows them; for a program of more than
//! [`MAX_FILE_RULES`] rules, a Netlify Edge Function instead
//! (`netlify/edge-functions/refcenter.js`, outside the published folder) that answers tracking
//! links from the composed tables ([`crate::edge`]) and lets every other request through.

use crate::edge;
use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::hosts::redirects_file::{lines, render};
use crate::limits::LimitError;
use crate::rules::RuleSet;

/// The Netlify emitter.
pub struct Netlify;

/// Where the rules file goes.
pub const FILE: &str = "public/_redirects";
/// Where the edge function goes (Netlify's default folder, below the output folder).
pub const EDGE_FILE: &str = "netlify/edge-functions/refcenter.js";
/// The most rules written into `_redirects`: Netlify sets no hard limit, but reads the file on
/// every deploy and matches it rule by rule; past this the edge function answers instead.
pub const MAX_FILE_RULES: usize = 10_000;

/// Whether `rules` go into `_redirects` (else the edge function answers them).
pub fn fits_file(rules: &RuleSet) -> bool {
    rules.flat_counts().0 <= MAX_FILE_RULES
}

impl Emitter for Netlify {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        if !fits_file(rules) {
            return Ok(vec![Emitted::text(EDGE_FILE, edge_function(rules))]);
        }
        let text = render(
            &[GENERATED, "Netlify: first match wins; `!` lets a rule win over a file at the same path."],
            &lines(rules),
            &format!("{}!", rules.status),
        );
        Ok(vec![Emitted::text(FILE, text)])
    }

    fn rule_count(&self, rules: &RuleSet) -> usize {
        if fits_file(rules) { rules.flat_counts().0 } else { rules.composed.keyed_entries() }
    }
}

/// The edge function for `rules`.
pub fn edge_function(rules: &RuleSet) -> String {
    let root = serde_json::to_string(&rules.root).unwrap_or_default();
    let below = serde_json::to_string(&format!("{}/*", rules.root)).unwrap_or_default();
    format!(
        "{}
// Netlify Edge Function: tracking links from the tables above; any other request goes on.
export default async (request) => {{
    const location = refcenterLocation(new URL(request.url).pathname);
    return location === null ? undefined : refcenterRedirect(location);
}};

export const config = {{ path: [{root}, {below}] }};
",
        edge::router(rules)
    )
}
