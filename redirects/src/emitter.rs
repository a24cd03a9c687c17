//! The one small trait every host's emitter implements, and the dispatch from the closed set
//! of targets to their emitters.

use refcenter_model::RedirectTarget;

use crate::hosts;
use crate::limits::LimitError;
use crate::rules::RuleSet;

/// A file an emitter wrote, with its path relative to the build's output folder
/// (`public/...` for files the host publishes, anything else for server configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emitted {
    /// Where the file goes, `/`-separated, relative to the output folder.
    pub path: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

impl Emitted {
    /// A text file.
    pub fn text(path: impl Into<String>, text: String) -> Self {
        Emitted { path: path.into(), bytes: text.into_bytes() }
    }
}

/// Writes a rule set in one host's format.
pub trait Emitter {
    /// The files for `rules`, or the limit of the host they exceed.
    fn emit(&self, rules: &RuleSet) -> Result<Vec<Emitted>, LimitError>;

    /// How many rules (or store entries) the host holds for `rules`.
    fn rule_count(&self, rules: &RuleSet) -> usize {
        rules.rules().len()
    }

    /// Whether the host's files are too many to hold (one per rule): they are then made only
    /// as they are written, by [`Emitter::each_file`]. Such a host has no limit to check.
    fn streamed(&self) -> bool {
        false
    }

    /// Hands each file for `rules` to `write`, one at a time, until `write` returns `false`.
    fn each_file(&self, rules: &RuleSet, write: &mut dyn FnMut(Emitted) -> bool) -> Result<(), LimitError> {
        for file in self.emit(rules)? {
            if !write(file) {
                break;
            }
        }
        Ok(())
    }
}

/// The emitter of `target`.
pub fn emitter(target: RedirectTarget) -> &'static dyn Emitter {
    match target {
        RedirectTarget::Netlify => &hosts::netlify::Netlify,
        RedirectTarget::CloudflarePages => &hosts::cloudflare_pages::CloudflarePages,
        RedirectTarget::Vercel => &hosts::vercel::Vercel,
        RedirectTarget::Nginx => &hosts::nginx::Nginx,
        RedirectTarget::Apache => &hosts::apache::Apache,
        RedirectTarget::Caddy => &hosts::caddy::Caddy,
        RedirectTarget::Cloudfront => &hosts::cloudfront::Cloudfront,
        RedirectTarget::Html => &hosts::html::Html,
    }
}

/// The comment line every emitted configuration file starts with.
pub const GENERATED: &str = "Written by refgen from the program file; edit partners.toml, not this file.";
