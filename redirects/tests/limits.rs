//! Programs generated just under and just over each host's limit: the emitter accepts the
//! first and refuses the second with the host, the count and the limit. Nothing is truncated.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use refcenter_model::RedirectTarget;
use refcenter_model::files::MemoryFiles;
use refcenter_redirects::{LimitError, RuleSet, emitter};

/// A program with `links` links, `partners` partners each with `ads` ads, every destination
/// `destination_len` bytes long, and no attribution parameters when `bare` (so targets are
/// the destinations themselves).
fn program(links: usize, partners: usize, ads: usize, destination_len: usize, bare: bool) -> RuleSet {
    let mut toml = String::from(
        "[program]\nname = \"Limits\"\nbase_url = \"https://go.example.com\"\nfallback_url = \"https://example.com/\"\n",
    );
    if bare {
        toml.push_str("attribution = {}\n");
    }
    let prefix = "https://example.com/";
    let destination = format!("{prefix}{}", "d".repeat(destination_len - prefix.len()));
    for l in 0..links {
        let _ = write!(toml, "[[links]]\ncode = \"l{l}\"\nname = \"L\"\ndestination = \"{destination}\"\n");
    }
    for p in 0..partners {
        let _ = write!(toml, "[[partners]]\ncode = \"p{p}\"\nname = \"P\"\n");
        for a in 0..ads {
            let _ = write!(
                toml,
                "[[partners.ads]]\ncode = \"a{a:04}\"\nname = \"A\"\nmedia = \"web\"\nstart = 2024-01-01\n"
            );
        }
    }
    let files = MemoryFiles::new([(PathBuf::from("partners.toml"), toml.into_bytes())], None);
    let loaded = refcenter_model::load(&files, Path::new("partners.toml"))
        .unwrap_or_else(|e| panic!("{}", e.render(refcenter_model::Style::Plain)));
    RuleSet::new(&loaded.program)
}

fn refused(target: RedirectTarget, rules: &RuleSet) -> LimitError {
    emitter(target).emit(rules).expect_err("over the limit")
}

#[test]
fn cloudflare_pages_dynamic_rules() {
    // One dynamic rule per partner on the link, one for the link, one fallback: 98 + 1 + 1.
    assert!(emitter(RedirectTarget::CloudflarePages).emit(&program(1, 98, 0, 40, false)).is_ok());
    let e = refused(RedirectTarget::CloudflarePages, &program(1, 99, 0, 40, false));
    assert_eq!((e.count, e.limit), (101, 100));
    assert!(e.to_string().starts_with("cloudflare-pages allows at most 100 dynamic redirects"), "{e}");
    assert!(e.alternatives.contains("nginx"));
}

#[test]
fn cloudflare_pages_static_rules() {
    // Static: 98 partners x (19 ads + the partner itself) + the link + the fallback = 1962.
    assert!(emitter(RedirectTarget::CloudflarePages).emit(&program(1, 98, 19, 40, false)).is_ok());
    let e = refused(RedirectTarget::CloudflarePages, &program(1, 98, 20, 40, false));
    assert_eq!((e.count, e.limit, e.what.as_str()), (2060, 2000, "static redirects"));
}

#[test]
fn cloudflare_pages_line_length() {
    // The longest line: "/go/l0/p0/* <destination> 302", 16 characters besides the destination.
    assert!(emitter(RedirectTarget::CloudflarePages).emit(&program(1, 1, 0, 984, true)).is_ok());
    let e = refused(RedirectTarget::CloudflarePages, &program(1, 1, 0, 985, true));
    assert_eq!((e.count, e.limit), (1001, 1000));
}

#[test]
fn vercel_routes() {
    // Routes: 2045 ads + the partner + the link + the fallback = 2048.
    assert!(emitter(RedirectTarget::Vercel).emit(&program(1, 1, 2045, 40, false)).is_ok());
    let e = refused(RedirectTarget::Vercel, &program(1, 1, 2046, 40, false));
    assert_eq!((e.count, e.limit), (2049, 2048));
}

#[test]
fn cloudfront_value_size() {
    // A bare link's value is {"d":"<destination>","p":["<destination>"]}: 2 x 503 + 17 bytes fit.
    assert!(emitter(RedirectTarget::Cloudfront).emit(&program(1, 1, 0, 503, true)).is_ok());
    let e = refused(RedirectTarget::Cloudfront, &program(1, 1, 0, 504, true));
    assert_eq!((e.count, e.limit), (1025, 1024));
    assert!(e.what.contains("/go/l0"), "names the link: {}", e.what);
}

/// A program of one link and `partners` partners whose codes and whose 5 ads' codes are all
/// 64 characters long, the longest a code can be.
fn long_codes(partners: usize) -> RuleSet {
    let mut toml = String::from(
        "[program]\nname = \"Limits\"\nbase_url = \"https://go.example.com\"\nfallback_url = \"https://example.com/\"\n\
         [[links]]\ncode = \"l0\"\nname = \"L\"\ndestination = \"https://example.com/\"\n",
    );
    for p in 0..partners {
        let _ = write!(toml, "[[partners]]\ncode = \"{p:0>64}\"\nname = \"P\"\n");
        for a in 0..5 {
            let _ = write!(
                toml,
                "[[partners.ads]]\ncode = \"{a:a>64}\"\nname = \"A\"\nmedia = \"web\"\nstart = 2024-01-01\n"
            );
        }
    }
    let files = MemoryFiles::new([(PathBuf::from("partners.toml"), toml.into_bytes())], None);
    RuleSet::new(&refcenter_model::load(&files, Path::new("partners.toml")).unwrap().program)
}

#[test]
fn cloudfront_store_size() {
    // The store grows by one entry per partner: key "p:<64>" (66 bytes) and value of five
    // 64-byte ad codes, four spaces and "|" (325 bytes); the link's entry is fixed.
    let one = long_codes(1);
    let link = &one.composed.links[0];
    let fixed = 4 + refcenter_redirects::hosts::cloudfront::link_value(link).len();
    let per_partner = 66 + 325;
    let max = 5 * 1024 * 1024;
    let fits = (max - fixed) / per_partner;
    assert!(emitter(RedirectTarget::Cloudfront).emit(&long_codes(fits)).is_ok());
    let e = refused(RedirectTarget::Cloudfront, &long_codes(fits + 1));
    assert_eq!((e.count, e.limit), (fixed + (fits + 1) * per_partner, max));
}

#[test]
fn hosts_without_limits_take_large_programs() {
    let rules = program(20, 100, 5, 60, false);
    assert_eq!(rules.rules().len(), 20 * 100 * 6 + 20 + 1);
    for target in [RedirectTarget::Nginx, RedirectTarget::Apache, RedirectTarget::Caddy, RedirectTarget::Netlify] {
        assert!(emitter(target).emit(&rules).is_ok(), "{target}");
    }
}

/// The capacity table of docs/redirects.md, at its shape (20 links, 5 ads per partner): the
/// largest program each host with a rule limit holds, and one partner more.
#[test]
fn the_capacity_table_at_twenty_links_and_five_ads() {
    for (target, fits) in [(RedirectTarget::CloudflarePages, 3), (RedirectTarget::Vercel, 16)] {
        assert!(emitter(target).emit(&program(20, fits, 5, 40, false)).is_ok(), "{target} holds {fits} partners");
        let e = refused(target, &program(20, fits + 1, 5, 40, false));
        assert!(e.count > e.limit, "{target}: {e}");
    }
    // CloudFront and the servers compose: their size grows with partners + ads.
    let rules = program(20, 300, 5, 40, false);
    for target in [RedirectTarget::Cloudfront, RedirectTarget::Nginx, RedirectTarget::Apache, RedirectTarget::Caddy] {
        assert!(emitter(target).emit(&rules).is_ok(), "{target}");
        assert!(emitter(target).rule_count(&rules) <= 20 * 4 + 300 * 6, "{target} grows with partners and ads");
    }
}
