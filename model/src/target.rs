//! The hosts a program can be deployed to, each with its own kind of redirect rules. The list
//! is closed: it is both the `[redirects] targets` value in the program file and the set of
//! emitters the generator has.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A host to write redirect rules for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RedirectTarget {
    /// Netlify: a `_redirects` file in the published folder.
    Netlify,
    /// Cloudflare Pages: a `_redirects` file in the published folder.
    CloudflarePages,
    /// Vercel: `vercel.json` with a `redirects` list.
    Vercel,
    /// nginx: `map` blocks and a `location`, to include in the server's configuration.
    Nginx,
    /// Apache httpd: mod_rewrite rules with a `RewriteMap` text file.
    Apache,
    /// Caddy: a Caddyfile snippet with a `map` and a `redir`.
    Caddy,
    /// Amazon CloudFront: a CloudFront Function with a KeyValueStore import file.
    Cloudfront,
    /// Plain HTML pages that redirect with a meta refresh, for hosts without redirects.
    Html,
}

impl RedirectTarget {
    /// Every target, in the order they are documented.
    pub const ALL: [RedirectTarget; 8] = [
        RedirectTarget::Netlify,
        RedirectTarget::CloudflarePages,
        RedirectTarget::Vercel,
        RedirectTarget::Nginx,
        RedirectTarget::Apache,
        RedirectTarget::Caddy,
        RedirectTarget::Cloudfront,
        RedirectTarget::Html,
    ];

    /// The name used in the program file.
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectTarget::Netlify => "netlify",
            RedirectTarget::CloudflarePages => "cloudflare-pages",
            RedirectTarget::Vercel => "vercel",
            RedirectTarget::Nginx => "nginx",
            RedirectTarget::Apache => "apache",
            RedirectTarget::Caddy => "caddy",
            RedirectTarget::Cloudfront => "cloudfront",
            RedirectTarget::Html => "html",
        }
    }

    /// The target named `s` in the program file.
    pub fn parse(s: &str) -> Option<RedirectTarget> {
        RedirectTarget::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl std::fmt::Display for RedirectTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
