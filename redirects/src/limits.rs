//! What happens when a program is too large for a host: the build fails with the host, the
//! count, the limit and the alternatives. Rules are never dropped to fit.

use refcenter_model::RedirectTarget;

/// A host limit a program exceeds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{target} allows at most {limit} {what}; this program needs {count}")]
pub struct LimitError {
    /// The host.
    pub target: RedirectTarget,
    /// What is counted, e.g. "dynamic redirects".
    pub what: String,
    /// How many the program needs.
    pub count: usize,
    /// How many the host allows.
    pub limit: usize,
    /// What the admin can do instead.
    pub alternatives: String,
}

/// Fails with a [`LimitError`] when `count` exceeds `limit`.
pub fn check(
    target: RedirectTarget,
    what: &str,
    count: usize,
    limit: usize,
    alternatives: &str,
) -> Result<(), LimitError> {
    if count <= limit {
        return Ok(());
    }
    Err(LimitError { target, what: what.to_owned(), count, limit, alternatives: alternatives.to_owned() })
}

/// The advice for hosts with rule limits: what to deploy to instead.
pub const UNLIMITED_HOSTS: &str = "deploy on a host that composes the rules (netlify, cloudflare-pages, nginx, apache, caddy or cloudfront in [redirects] targets), or split the program";
