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
        let mut files = Vec::new();
        self.each_file(rules, &mut |file| {
            files.push(file);
            true
        })?;
        Ok(files)
    }

    fn rule_count(&self, rules: &RuleSet) -> usize {
        rules.flat_counts().0
    }

    fn streamed(&self) -> bool {
        true
    }

    /// A page per rule, made as it is written: the full list is never held (1.12 million pages
    /// for 10,000 partners with 20 links and 5 ads each).
    fn each_file(&self, rules: &RuleSet, write: &mut dyn FnMut(Emitted) -> bool) -> Result<(), LimitError> {
        let mut open = true;
        rules.each_rule(|rule| {
            if open {
                let path = format!("public{}/index.html", rules.path(&rule));
                open = write(Emitted::text(path, page(&rule.target)));
            }
        });
        Ok(())
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
