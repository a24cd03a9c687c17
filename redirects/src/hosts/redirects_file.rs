//! The `_redirects` file format shared by Netlify and Cloudflare Pages: one rule a line,
//! `from to status`, first match wins, `*` at the end of `from` matching the rest of the path.

use crate::rules::{Rule, RuleSet};

/// One line of a `_redirects` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The path pattern.
    pub from: String,
    /// The target URL.
    pub to: String,
    /// Whether `from` ends in a splat (a "dynamic" rule).
    pub dynamic: bool,
}

/// The lines for `rules`, in rule order: an exact line per rule, plus a splat line per rule
/// that also matches deeper paths.
pub fn lines(rules: &RuleSet) -> Vec<Line> {
    let mut out = Vec::new();
    for rule in rules.rules() {
        let from = rules.path(rule);
        let to = safe_target(rule);
        out.push(Line { from: from.clone(), to: to.clone(), dynamic: false });
        if rule.deeper {
            out.push(Line { from: format!("{from}/*"), to, dynamic: true });
        }
    }
    out
}

/// A target with every `:` after the scheme percent-encoded, so that no part of it can be
/// read as a `:placeholder` or `:splat` and filled in from the request.
pub fn safe_target(rule: &Rule) -> String {
    encode_colons(&rule.target)
}

/// `url` with `:` encoded after its `scheme:`.
pub fn encode_colons(url: &str) -> String {
    match url.split_once(':') {
        Some((scheme, rest)) => format!("{scheme}:{}", rest.replace(':', "%3A")),
        None => url.to_owned(),
    }
}

/// The text of a `_redirects` file: a header comment, then `from to status` lines.
pub fn render(header: &[&str], lines: &[Line], status: &str) -> String {
    let mut out = String::new();
    for h in header {
        out.push_str("# ");
        out.push_str(h);
        out.push('\n');
    }
    for line in lines {
        out.push_str(&format!("{} {} {}\n", line.from, line.to, status));
    }
    out
}
