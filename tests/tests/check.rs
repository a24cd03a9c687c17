//! `refgen check` end to end: the sample program passes, and every kind of broken program
//! fails with exit status 1, the exact expected messages, and nothing written.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;

use refcenter_tests::{assert_golden, copy_dir, fixtures, repo_root, run, snapshot};

/// Runs `refgen check` on a copy of the fixture `name` and compares its stderr with the
/// fixture's `expected.stderr`.
fn broken_program(name: &str) {
    let fixture = fixtures().join("check").join(name);
    let work = tempfile::tempdir().unwrap();
    copy_dir(&fixture, work.path(), &["expected.stderr"]);
    let before = snapshot(work.path());

    let out = run("refgen", &["check"], work.path());

    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{name}: exit status\n{stderr}");
    assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
    assert_golden(&fixture.join("expected.stderr"), &stderr);
    assert_eq!(snapshot(work.path()), before, "{name}: check wrote or changed files");
}

macro_rules! broken_programs {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                broken_program($dir);
            }
        )*

        /// Every fixture folder has a test above, and every test a folder.
        #[test]
        fn every_fixture_is_tested() {
            let mut on_disk: Vec<String> = std::fs::read_dir(fixtures().join("check"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let mut listed = vec![$($dir.to_owned()),*];
            listed.sort();
            assert_eq!(on_disk, listed);
        }
    };
}

broken_programs! {
    unknown_key => "unknown-key",
    wrong_type => "wrong-type",
    missing_key => "missing-key",
    duplicate_code => "duplicate-code",
    forbidden_code_character => "forbidden-code-character",
    unknown_parent => "unknown-parent",
    partner_cycle => "partner-cycle",
    self_parent => "self-parent",
    duplicate_ad_code => "duplicate-ad-code",
    unknown_restriction => "unknown-restriction",
    bad_destination => "bad-destination",
    bad_date_syntax => "bad-date-syntax",
    bad_date_value => "bad-date-value",
    unknown_media_type => "unknown-media-type",
    include_matches_nothing => "include-matches-nothing",
    unreadable_file => "unreadable-file",
    non_utf8_file => "non-utf8-file",
    bad_settings => "bad-settings",
    missing_program => "missing-program",
    syntax_error => "syntax-error",
    several_problems_in_two_files => "several-problems-two-files",
    bad_redirect_targets => "bad-redirect-targets",
    bad_content => "bad-content",
    bad_content_link => "bad-content-link",
    bad_commissions => "bad-commissions",
    bad_standalone_ads => "bad-standalone-ads",
}

#[test]
fn the_sample_program_at_the_repo_root_is_clean() {
    let root = repo_root();
    let before = snapshot(&root.join("partners"));
    let out = run("refgen", &["check"], &root);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout,
        "ok: Martyc Hair Care (partners.toml, 5 files): 4 links, 6 partners, 7 ads, 2 commission plans in USD; redirect rules: netlify 45, vercel 45, nginx 30, apache 18, caddy 18, cloudfront 9, html 45; nothing written\n"
    );
    assert_eq!(snapshot(&root.join("partners")), before);
}

#[test]
fn without_a_program_file_the_built_in_sample_is_checked() {
    let empty = tempfile::tempdir().unwrap();
    let out = run("refgen", &["check"], empty.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stderr).unwrap().contains("checking the built-in sample program"));
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("ok: Martyc Hair Care (the built-in sample program"));
    assert!(snapshot(empty.path()).is_empty(), "check wrote into an empty folder");
}

#[test]
fn a_program_named_with_config_is_read_from_its_own_folder() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("check").join("several-problems-two-files"), &work.path().join("prog"), &[]);
    let out = run("refgen", &["check", "--config", "prog/partners.toml"], work.path());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Paths are shown as the user named them, and the included file is found next to the root.
    assert!(stderr.contains("--> prog/partners.toml:11:15"), "{stderr}");
    assert!(stderr.contains("--> prog/partners/kim.toml:"), "{stderr}");
}

#[test]
fn a_missing_program_file_is_an_io_error() {
    let work = tempfile::tempdir().unwrap();
    let out = run("refgen", &["check", "--config", "nope.toml"], work.path());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "error: cannot read the program file `nope.toml`\n  cause: No such file or directory (os error 2)\n  hint: name the program file with --config FILE, or run in the program's folder\n"
    );
    assert!(Path::new(work.path()).read_dir().unwrap().next().is_none());
}
