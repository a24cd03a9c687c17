//! Netlify: `public/_redirects`. Rules are forced (`302!`) so that a file at the same path,
//! such as an HTML redirect page, never shadows them.

use crate::emitter::{Emitted, Emitter, GENERATED};
use crate::hosts::redirects_file::{lines, render};
use crate::limits::LimitError;
use crate::rules::RuleSet;

/// The Netlify emitter.
pub struct Netlify;

/// Where the file goes.
pub const FILE: &str = "public/_redirects";

impl Emitter for Netlify {
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError> {
        let text = render(
            &[GENERATED, "Netlify: first match wins; `!` lets a rule win over a file at the same path."],
            &lines(rules),
            &format!("{}!", rules.status),
        );
        Ok(vec![Emitted::text(FILE, text)])
    }
}
