//! Vercel: `public/vercel.json` with one `redirects` entry per rule (at most 2,048). The
//! status is given explicitly, since Vercel's default for redirects is permanent (308).

use refcenter_model::RedirectTarget;
use serde_json::json;

use crate::emitter::{Emitted, Emitter};
use crate::hosts::redirects_file::encode_colons;
use crate::limits::{self, LimitError, UNLIMITED_HOSTS};
use crate::rules::RuleSet;

/// The Vercel emitter.
pub struct Vercel;

/// Where the file goes.
pub const FILE: &str = "public/vercel.json";
/// The most routes Vercel accepts.
pub const MAX_ROUTES: usize = 2048;

impl Emitter for Vercel {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        // Counted first, so that a program far over the limit is refused without making its
        // whole rule list.
        let (count, _) = rules.flat_counts();
        limits::check(RedirectTarget::Vercel, "routes", count, MAX_ROUTES, UNLIMITED_HOSTS)?;
        let redirects: Vec<serde_json::Value> = rules
            .rules()
            .iter()
            .map(|rule| {
                let path = rules.path(rule);
                // `:rest*` matches zero or more further segments, so one entry covers the path
                // itself and everything below it.
                let source = if rule.deeper { format!("{path}/:rest*") } else { path };
                json!({ "source": source, "destination": encode_colons(&rule.target), "statusCode": rules.status })
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&json!({ "redirects": redirects })).unwrap_or_default();
        text.push('\n');
        Ok(vec![Emitted::text(FILE, text)])
    }

    fn rule_count(&self, rules: &RuleSet) -> usize {
        rules.flat_counts().0
    }
}
