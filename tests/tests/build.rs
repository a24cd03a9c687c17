//! `refgen build` end to end: the emitted redirect files match their golden copies, two builds
//! give the same bytes, and a build that fails (a program too large for its host, click
//! figures refstats would not write) leaves the previous output exactly as it was.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use refcenter_tests::{assert_golden, build, fixtures, private_paths, repo_root, run, snapshot};

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

    // 2,049 routes for Vercel: one partner's 2,046 ads on one link, the partner, the link, the
    // fallback.
    let mut toml = String::from(
        "[program]\nname = \"Big\"\nbase_url = \"https://go.example.com\"\nfallback_url = \"https://example.com/\"\n\
         [redirects]\ntargets = [\"vercel\", \"nginx\"]\n\
         [[links]]\ncode = \"l\"\nname = \"L\"\ndestination = \"https://example.com/\"\n\
         [[partners]]\ncode = \"p\"\nname = \"P\"\n",
    );
    for a in 0..2046 {
        let _ = write!(toml, "[[partners.ads]]\ncode = \"a{a}\"\nname = \"A\"\nmedia = \"web\"\nstart = 2024-01-01\n");
    }
    std::fs::write(dir.path().join("partners.toml"), toml).unwrap();
    let result = run("refgen", &["build", "--out", "output"], dir.path());
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: the program does not fit vercel; nothing was written\n  \
         cause: vercel allows at most 2048 routes; this program needs 2049\n  \
         hint: vercel: deploy on a host that composes the rules (netlify, cloudflare-pages, nginx, apache, caddy or cloudfront in [redirects] targets), or split the program\n"
    );
    assert_eq!(snapshot(&out), before, "the previous output is untouched");
    // `check` compiles the rules too: the pull request fails before anything is built.
    let check = run("refgen", &["check"], dir.path());
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(String::from_utf8(check.stderr).unwrap(), stderr, "check fails as build fails");
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

#[test]
fn a_build_that_fails_half_way_through_the_pages_keeps_the_previous_output() {
    // A copy of the sample whose partner template fails on the last partner only, after the
    // pages of every other partner were written into the staging folder.
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("program");
    refcenter_tests::copy_sample(&program);
    let out = dir.path().join("output");
    build(&program.join("partners.toml"), &out);
    let before = snapshot(&out);

    let template = include_str!("../../pages/templates/partner.html").replace(
        "{% block content %}",
        "{% block content %}{% if view.partner.code == \"swdf\" %}{{ no_such_value.here }}{% endif %}",
    );
    std::fs::create_dir(program.join("templates")).unwrap();
    std::fs::write(program.join("templates/partner.html"), template).unwrap();
    std::fs::write(
        program.join("partners.toml"),
        std::fs::read_to_string(repo_root().join("partners.toml"))
            .unwrap()
            .replace("Samantha Jones", "Samantha Changed"),
    )
    .unwrap();
    let result = run("refgen", &["build", "--config", "program/partners.toml", "--out", "output"], dir.path());
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no_such_value"), "{stderr}");
    assert_eq!(snapshot(&out), before, "the previous output is untouched");
    let leftovers: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(leftovers.iter().all(|n| !n.contains("building")), "no staging folder is left: {leftovers:?}");
}

#[test]
fn without_a_secret_a_new_one_is_generated_loudly_kept_out_of_git_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    refcenter_tests::copy_sample(dir.path());
    let build_without_secret =
        || refcenter_tests::command("refgen", dir.path()).args(["build"]).env_remove("REFGEN_SECRET").output().unwrap();
    let first = build_without_secret();
    let stderr = String::from_utf8(first.stderr).unwrap();
    assert_eq!(first.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning: no REFGEN_SECRET and no secret file: generated a new secret"), "{stderr}");
    let secret_file = dir.path().join(".refgen-secret");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&secret_file).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(dir.path().join(".gitignore")).unwrap().lines().any(|l| l == "/.refgen-secret"));
    let csv = std::fs::read_to_string(dir.path().join("output/private/partner-access.csv")).unwrap();

    let second = build_without_secret();
    assert_eq!(second.status.code(), Some(0));
    assert!(second.stderr.is_empty(), "{}", String::from_utf8_lossy(&second.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("output/private/partner-access.csv")).unwrap(), csv);
    // The secret is in no output file.
    for (path, bytes) in snapshot(&dir.path().join("output")) {
        assert!(!String::from_utf8_lossy(&bytes).contains(secret.trim()), "{} holds the secret", path.display());
    }
}

#[test]
fn click_figures_unlike_refstats_writes_stop_the_build_and_keep_the_previous_output() {
    let dir = tempfile::tempdir().unwrap();
    let config = repo_root().join("partners.toml");
    let log = fixtures().join("logs/combined.log");
    let stats = dir.path().join("stats");
    let counted =
        run("refstats", &["--config", config.to_str().unwrap(), "--out", "stats", log.to_str().unwrap()], dir.path());
    assert_eq!(counted.status.code(), Some(0), "{}", String::from_utf8_lossy(&counted.stderr));
    let build_with = |stats: &Path| {
        let args =
            ["build", "--config", config.to_str().unwrap(), "--stats", stats.to_str().unwrap(), "--out", "output"];
        run("refgen", &args, dir.path())
    };
    let built = build_with(&stats);
    assert_eq!(built.status.code(), Some(0), "{}", String::from_utf8_lossy(&built.stderr));
    let out = dir.path().join("output");
    let before = snapshot(&out);

    // Each partner's page shows its own entry's figures: clicks and unique clicks over 7, 30
    // and 90 days and all time, in the first row of numbers.
    let text = std::fs::read_to_string(stats.join("partners.json")).unwrap();
    let figures: serde_json::Value = serde_json::from_str(&text).unwrap();
    let paths: BTreeMap<String, String> = private_paths(&out).into_iter().collect();
    let partners = figures["partners"].as_object().unwrap();
    assert!(partners.len() >= 2, "{partners:?}");
    for (code, entry) in partners {
        let page = std::fs::read_to_string(out.join(format!("public{}stats/index.html", paths[code]))).unwrap();
        let shown: Vec<u64> = page
            .split("<td class=\"n\">")
            .skip(1)
            .take(8)
            .map(|c| c.split('<').next().unwrap().parse().unwrap())
            .collect();
        let own = &entry["own"];
        let expected: Vec<u64> = ["last_7_days", "last_30_days", "last_90_days", "all_time"]
            .iter()
            .flat_map(|w| ["clicks", "unique_clicks"].map(|f| own[w][f].as_u64().unwrap_or(0)))
            .collect();
        assert_eq!(shown, expected, "{code}");
    }

    // A partner's figures that refstats would never write (a negative count, in the last
    // partner's entry): the file is checked whole before anything is built, and the error
    // points into it.
    let last = text.rfind("\"all_time\":{\"clicks\":").unwrap() + "\"all_time\":{\"clicks\":".len();
    let broken = format!("{}-{}", &text[..last], &text[last..]);
    let bad = dir.path().join("bad-stats");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("partners.json"), &broken).unwrap();
    let refused = build_with(&bad);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot be read") && stderr.contains("expected u64"), "{stderr}");
    // Placed at the number (the file is one line): serde gives the column where it ends.
    let column: usize =
        stderr.split("partners.json:1:").nth(1).and_then(|r| r.split(':').next()?.parse().ok()).unwrap();
    assert!((last + 1..last + 25).contains(&column), "column {column} for a number at byte {last}");
    assert_eq!(snapshot(&out), before, "the previous output is kept");
}
