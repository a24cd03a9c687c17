//! Cloudflare Pages: `public/_redirects`, with its limits: at most 2,000 static and 100
//! dynamic rules, 1,000 characters a line. Cloudflare counts every rule after the first
//! dynamic one as dynamic, so static rules come first; the order among dynamic rules (most
//! specific first) is kept, which keeps the meaning of the rule list.

use refcenter_model::RedirectTarget;

use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::hosts::redirects_file::{lines, render};
use crate::limits::{self, LimitError, UNLIMITED_HOSTS};
use crate::rules::RuleSet;

/// The Cloudflare Pages emitter.
pub struct CloudflarePages;

/// Where the file goes.
pub const FILE: &str = "public/_redirects";
/// The most static rules Cloudflare Pages accepts.
pub const MAX_STATIC: usize = 2000;
/// The most dynamic rules Cloudflare Pages accepts.
pub const MAX_DYNAMIC: usize = 100;
/// The longest line Cloudflare Pages accepts, in characters.
pub const MAX_LINE: usize = 1000;

impl Emitter for CloudflarePages {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        let all = lines(rules);
        let (statics, dynamics): (Vec<_>, Vec<_>) = all.into_iter().partition(|l| !l.dynamic);
        let target = RedirectTarget::CloudflarePages;
        limits::check(target, "static redirects", statics.len(), MAX_STATIC, UNLIMITED_HOSTS)?;
        limits::check(
            target,
            "dynamic redirects (one per partner allowed on a link, one per link, and one fallback)",
            dynamics.len(),
            MAX_DYNAMIC,
            UNLIMITED_HOSTS,
        )?;
        let ordered: Vec<_> = statics.into_iter().chain(dynamics).collect();
        let text = render(
            &[GENERATED, "Cloudflare Pages: static rules first, then dynamic ones."],
            &ordered,
            &rules.status.to_string(),
        );
        if let Some(longest) = text.lines().map(|l| l.chars().count()).max() {
            limits::check(
                target,
                "characters in a _redirects line",
                longest,
                MAX_LINE,
                "shorten the destination URL or its attribution parameters, or use another host",
            )?;
        }
        Ok(vec![Emitted::text(FILE, text)])
    }
}
