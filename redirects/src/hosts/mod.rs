//! One module per host, each holding that host's [`crate::Emitter`].

pub mod apache;
pub mod caddy;
pub mod cloudflare_pages;
pub mod cloudfront;
pub mod html;
pub mod netlify;
pub mod nginx;
pub mod redirects_file;
pub mod vercel;
