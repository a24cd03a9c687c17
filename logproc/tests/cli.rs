//! The `refstats` binary's command line: help, version and usage errors. (Being an integration
//! test of this package, it also makes `cargo test --workspace` build the binary that the
//! end-to-end tests in `tests/` run.)

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::process::Command;

fn refstats(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_refstats")).args(args).env("NO_COLOR", "1").output().unwrap()
}

#[test]
fn help_lists_the_formats_and_exits_0() {
    let out = refstats(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for format in [
        "cloudfront",
        "cloudfront-json",
        "cloudflare",
        "combined",
        "common",
        "nginx-json",
        "caddy",
        "google-cloud",
        "azure-front-door",
        "akamai",
        "vercel",
        "cloudfront-realtime",
        "bunny",
        "fastly",
    ] {
        assert!(text.contains(format), "{format} in\n{text}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(refstats(&[]).status.code(), Some(2), "no input");
    assert_eq!(refstats(&["--format", "apache-xml", "-"]).status.code(), Some(2), "unknown format");
    assert_eq!(refstats(&["--since", "2024-02-30", "-"]).status.code(), Some(2), "impossible date");
}

#[test]
fn a_store_takes_no_period_and_no_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    let out = refstats(&["--store", store, "--since", "2024-05-01", "-"]);
    assert_eq!(out.status.code(), Some(2), "--since with --store");
    let out = Command::new(env!("CARGO_BIN_EXE_refstats"))
        .args(["--store", store, "-"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("REFGEN_SECRET", "a secret for this test only")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("standard input cannot go into a store"), "{stderr}");
    assert!(!dir.path().join("store/ledger.json").exists(), "nothing was ingested");
}
