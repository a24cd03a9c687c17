//! Plain HTML redirect pages, for hosts that cannot redirect: one `index.html` per tracking
//! path that refreshes at once to its target, kept out of search engines.
//!
//! A static host can only answer paths that exist, so an unknown partner or ad code gets the
//! host's 404 page here; every known link, partner and ad works.

use std::fmt::Write as _;

use refcenter_common::escape_html;

use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::limits::LimitError;
use crate::rules::RuleSet;

/// The HTML emitter.
pub struct Html;

impl Emitter for Html {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        Ok(rules
            .rules()
            .iter()
            .map(|rule| {
                let path = format!("public{}/index.html", rules.path(rule));
                Emitted::text(path, page(&rule.target))
            })
            .collect())
    }
}

/// The redirect page for `target`.
pub fn page(target: &str) -> String {
    let t = escape_html(target);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<!-- {GENERATED} -->\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <meta name=\"referrer\" content=\"strict-origin-when-cross-origin\">\n\
         <meta http-equiv=\"refresh\" content=\"0; url={t}\">\n<link rel=\"canonical\" href=\"{t}\">\n\
         <title>Redirecting</title>\n</head>\n<body>\n<p>Redirecting to <a href=\"{t}\">{t}</a>.</p>\n</body>\n</html>\n"
    );
    out
}
