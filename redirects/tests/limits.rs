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
    match emitter(target).emit(rules) {
        Ok(files) => panic!(
            "{target} took the program: {:?}",
            files.iter().map(|f| (&f.path, f.bytes.len())).collect::<Vec<_>>()
        ),
        Err(e) => e,
    }
}

/// The paths of the files `target` writes for `rules`.
fn written(target: RedirectTarget, rules: &RuleSet) -> Vec<String> {
    emitter(target).emit(rules).unwrap().into_iter().map(|f| f.path).collect()
}

const REDIRECTS: &str = "public/_redirects";
const WORKER: &str = "public/_worker.js";

#[test]
fn cloudflare_pages_takes_the_worker_past_its_dynamic_rules() {
    // One dynamic rule per partner on the link, one for the link, one fallback: 98 + 1 + 1.
    assert_eq!(written(RedirectTarget::CloudflarePages, &program(1, 98, 0, 40, false)), [REDIRECTS]);
    assert_eq!(written(RedirectTarget::CloudflarePages, &program(1, 99, 0, 40, false)), [WORKER]);
}

#[test]
fn cloudflare_pages_takes_the_worker_past_its_static_rules() {
    // Static: 98 partners x (19 ads + the partner itself) + the link + the fallback = 1962.
    assert_eq!(written(RedirectTarget::CloudflarePages, &program(1, 98, 19, 40, false)), [REDIRECTS]);
    assert_eq!(written(RedirectTarget::CloudflarePages, &program(1, 98, 20, 40, false)), [WORKER]);
}

#[test]
fn cloudflare_pages_takes_the_worker_past_its_line_length() {
    // The longest line: "/go/l0/p0/* <destination> 302", 16 characters besides the destination.
    assert_eq!(written(RedirectTarget::CloudflarePages, &program(1, 1, 0, 984, true)), [REDIRECTS]);
    assert_eq!(written(RedirectTarget::CloudflarePages, &program(1, 1, 0, 985, true)), [WORKER]);
}

#[test]
fn netlify_takes_the_edge_function_past_ten_thousand_rules() {
    // Rules: 1 link x 1,666 partners x (5 ads + the partner) + the link + the fallback.
    assert_eq!(written(RedirectTarget::Netlify, &program(1, 1666, 5, 40, false)), [REDIRECTS]);
    assert_eq!(
        written(RedirectTarget::Netlify, &program(1, 1667, 5, 40, false)),
        ["netlify/edge-functions/refcenter.js"]
    );
}

/// A program of one link and `partners` partners with 64-character codes that do not
/// compress (hex of a counter's hash), each with five such ads.
fn incompressible(partners: usize) -> RuleSet {
    use std::hash::{BuildHasher as _, Hasher as _};
    let hex = |n: u64, salt: u64| {
        let state = std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
        (0..4)
            .map(|k| {
                let mut h = state.build_hasher();
                h.write_u64(n * 31 + salt * 7 + k);
                format!("{:016x}", h.finish())
            })
            .collect::<String>()
    };
    let mut toml = String::from(
        "[program]\nname = \"Limits\"\nbase_url = \"https://go.example.com\"\nfallback_url = \"https://example.com/\"\n\
         [[links]]\ncode = \"l0\"\nname = \"L\"\ndestination = \"https://example.com/\"\n",
    );
    for p in 0..partners as u64 {
        let _ = write!(toml, "[[partners]]\ncode = \"{}\"\nname = \"P\"\n", hex(p, 0));
        for a in 0..5 {
            let _ = write!(
                toml,
                "[[partners.ads]]\ncode = \"{}\"\nname = \"A\"\nmedia = \"web\"\nstart = 2024-01-01\n",
                hex(p, a + 1)
            );
        }
    }
    let files = MemoryFiles::new([(PathBuf::from("partners.toml"), toml.into_bytes())], None);
    RuleSet::new(&refcenter_model::load(&files, Path::new("partners.toml")).unwrap().program)
}

#[test]
fn cloudflare_pages_worker_size() {
    // Each partner adds six 64-character hex codes to the worker, about 200 bytes gzipped: over
    // 3 MB somewhere near 16,000 partners, well under it at 8,000.
    assert_eq!(written(RedirectTarget::CloudflarePages, &incompressible(8_000)), [WORKER]);
    let e = refused(RedirectTarget::CloudflarePages, &incompressible(20_000));
    assert_eq!(e.limit, 3 * 1024 * 1024);
    assert!(e.what.contains("gzipped bytes of _worker.js"), "{e}");
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
    for target in [
        RedirectTarget::Nginx,
        RedirectTarget::Apache,
        RedirectTarget::Caddy,
        RedirectTarget::Netlify,
        RedirectTarget::CloudflarePages,
    ] {
        assert!(emitter(target).emit(&rules).is_ok(), "{target}");
    }
}

/// The capacity table of docs/redirects.md, at its shape (20 links, 5 ads per partner): the
/// largest program each host with a rule limit holds, and one partner more.
#[test]
fn the_capacity_table_at_twenty_links_and_five_ads() {
    let target = RedirectTarget::Vercel;
    assert!(emitter(target).emit(&program(20, 16, 5, 40, false)).is_ok(), "{target} holds 16 partners");
    let e = refused(target, &program(20, 17, 5, 40, false));
    assert!(e.count > e.limit, "{target}: {e}");
    // The others compose: their size grows with partners + ads.
    let rules = program(20, 300, 5, 40, false);
    for target in [
        RedirectTarget::Cloudfront,
        RedirectTarget::Nginx,
        RedirectTarget::Apache,
        RedirectTarget::Caddy,
        RedirectTarget::Netlify,
        RedirectTarget::CloudflarePages,
    ] {
        assert!(emitter(target).emit(&rules).is_ok(), "{target}");
        assert!(emitter(target).rule_count(&rules) <= 20 * 4 + 300 * 6, "{target} grows with partners and ads");
    }
}
