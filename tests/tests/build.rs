//! `refgen build` end to end: the emitted redirect files match their golden copies, two builds
//! give the same bytes, and a build that fails (here: a program too large for its host) leaves
//! the previous output exactly as it was.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::fmt::Write as _;
use std::path::Path;

use refcenter_tests::{assert_golden, build, fixtures, repo_root, run, snapshot};

/// The emitted files compared with golden copies (the HTML pages are checked by one sample).
const GOLDEN: &[&str] = &[
    "public/_redirects",
    "public/vercel.json",
    "public/robots.txt",
    "public/go/xyz/samantha/email-list/index.html",
    "servers/nginx/refcenter-maps.conf",
    "servers/nginx/refcenter-locations.conf",
    "servers/apache/refcenter.conf",
    "servers/apache/refcenter.map",
    "servers/caddy/refcenter.caddy",
    "cloudfront/refcenter-function.js",
    "cloudfront/refcenter-kvs.json",
];

#[test]
fn the_sample_build_matches_the_golden_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    build(&repo_root().join("partners.toml"), &out);
    let expected = fixtures().join("build/sample");
    for file in GOLDEN {
        let actual = std::fs::read_to_string(out.join(file)).unwrap();
        let golden = expected.join(file);
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        assert_golden(&golden, &actual);
    }
}

#[test]
fn two_builds_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    build(&repo_root().join("partners.toml"), &dir.path().join("a"));
    build(&repo_root().join("partners.toml"), &dir.path().join("b"));
    let (a, b) = (snapshot(&dir.path().join("a")), snapshot(&dir.path().join("b")));
    assert!(a.len() > 40, "the build wrote its files");
    assert_eq!(a, b);
}

#[test]
fn a_program_too_large_for_its_host_fails_and_keeps_the_previous_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    build(&repo_root().join("partners.toml"), &out);
    let before = snapshot(&out);

    // 101 dynamic rules for Cloudflare Pages: 99 partners on one link, the link, the fallback.
    let mut toml = String::from(
        "[program]\nname = \"Big\"\nbase_url = \"https://go.example.com\"\nfallback_url = \"https://example.com/\"\n\
         [redirects]\ntargets = [\"cloudflare-pages\", \"nginx\"]\n\
         [[links]]\ncode = \"l\"\nname = \"L\"\ndestination = \"https://example.com/\"\n",
    );
    for p in 0..99 {
        let _ = write!(toml, "[[partners]]\ncode = \"p{p}\"\nname = \"P\"\n");
    }
    std::fs::write(dir.path().join("partners.toml"), toml).unwrap();
    let result = run("refgen", &["build", "--out", "output"], dir.path());
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: the program does not fit cloudflare-pages; nothing was written\n  \
         cause: cloudflare-pages allows at most 100 dynamic redirects (one per partner allowed on a link, one per link, and one fallback); this program needs 101\n  \
         hint: cloudflare-pages: deploy behind a host without a rule limit (nginx, apache, caddy or cloudfront in [redirects] targets), or split the program\n"
    );
    assert_eq!(snapshot(&out), before, "the previous output is untouched");
    let leftovers: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(leftovers.iter().all(|n| !n.contains("building")), "no staging folder is left: {leftovers:?}");
}

#[test]
fn a_broken_program_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    refcenter_tests::copy_dir(&fixtures().join("check/duplicate-code"), dir.path(), &["expected.stderr"]);
    let result = run("refgen", &["build"], dir.path());
    assert_eq!(result.status.code(), Some(1));
    assert!(!Path::new(&dir.path().join("output")).exists());
}
