//! The redirect rules of a referral program: one target-independent [`RuleSet`] computed from
//! the model, and one [`Emitter`] per host that writes it in that host's format, counting
//! rules as the host counts them and refusing (never truncating) what a host cannot hold.
//!
//! ```
//! use std::path::Path;
//! use refcenter_redirects::{RuleSet, emitter};
//! use refcenter_model::RedirectTarget;
//!
//! let program = refcenter_model::load_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../partners.toml"))
//!     .unwrap()
//!     .program;
//! let rules = RuleSet::new(&program);
//! assert_eq!(rules.resolve("/go/nope").as_deref(), Some("https://www.example.com/"));
//! let files = emitter(RedirectTarget::Netlify).emit(&rules).unwrap();
//! assert_eq!(files[0].path, "public/_redirects");
//! ```

pub mod composed;
pub mod edge;
pub mod emitter;
pub mod escape;
pub mod hosts;
pub mod limits;
pub mod rules;

pub use composed::{Composed, LinkEntry, PartnerEntry, Piece};
pub use emitter::{Emitted, Emitter, emitter};
pub use limits::LimitError;
pub use rules::{Rule, RuleSet};
