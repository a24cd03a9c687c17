//! The pages of a referral program: each active partner's private Partner Center (sales
//! websites, downline, ads, link generator, resources, Link Tracking Stats, My Commission
//! Structure, My Ledger), the public index, and the list of private addresses for the admin.
//!
//! Pages come from tera templates built into the binary ([`templates`]), which a program may
//! replace from its own `templates/` folder. Resources come from `content/` ([`content`]), each
//! rendered per partner with that partner's links. [`site::render`] hands each file to the
//! caller's writer as soon as it is made.

pub mod commission_view;
pub mod content;
pub mod downline_view;
pub mod front_matter;
pub mod ledger_view;
pub mod link_function;
pub mod markdown;
pub mod partner_view;
pub mod problem;
pub mod qr;
pub mod site;
pub mod stats_view;
pub mod templates;

pub use problem::{Problem, Problems};
pub use site::{ACCESS_FILE, PRIVATE_ROOT, RenderError, Site, downline_dir, private_dir, private_url, render};
