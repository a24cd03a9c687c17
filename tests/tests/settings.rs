//! Where the binaries take their settings from, in order: the flag, else the environment
//! variable, else the program file's `[stats]` (refstats), else the default. A scheduled job
//! can then run a bare `refstats`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::process::Output;

use refcenter_tests::{command, copy_sample};

const EXPORT: &str = "order_id,date,partner,amount\nA1,2024-05-01,samantha,40.00\n";

/// The sample program with `[stats]` naming a store and an exports folder.
fn program(dir: &Path) {
    copy_sample(dir);
    let root = std::fs::read_to_string(dir.join("partners.toml")).unwrap();
    let with = root.replacen("[redirects]", "[stats]\nstore = \"kept\"\norders = [\"exports\"]\n\n[redirects]", 1);
    std::fs::write(dir.join("partners.toml"), with).unwrap();
    std::fs::create_dir_all(dir.join("exports")).unwrap();
    std::fs::write(dir.join("exports/may.csv"), EXPORT).unwrap();
}

fn refstats(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = command("refstats", dir);
    cmd.envs(env.iter().copied()).args(["--no-progress", "--as-of", "2024-06-30"]).args(args);
    cmd.output().unwrap()
}

fn exports_in(store: &Path) -> usize {
    let ledger: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.join("ledger.json")).unwrap()).unwrap();
    ledger["exports"].as_object().map_or(0, |e| e.len())
}

#[test]
fn a_bare_refstats_runs_the_job_the_program_file_describes() {
    let dir = tempfile::tempdir().unwrap();
    program(dir.path());
    let out = refstats(dir.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(exports_in(&dir.path().join("kept")), 1, "the store and the exports of [stats]");
    assert!(dir.path().join("kept/report/balances.csv").is_file());
}

#[test]
fn the_breakdowns_the_program_file_names_are_counted_unless_a_flag_says_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    program(dir.path());
    let root = std::fs::read_to_string(dir.path().join("partners.toml")).unwrap();
    let with = root.replacen("store = \"kept\"", "breakdowns = \"country, referrer\"", 1);
    std::fs::write(dir.path().join("partners.toml"), with).unwrap();
    let log = "8.8.8.8 - - [01/May/2024:10:00:00 +0000] \"GET /go/xyz/samantha HTTP/1.1\" 302 0 \"https://t.co/a\" \"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\"\n";
    std::fs::write(dir.path().join("access.log"), log).unwrap();
    let dimensions = |report: &str| -> Vec<String> {
        let text = std::fs::read_to_string(dir.path().join(report).join("breakdown.csv")).unwrap();
        text.lines().skip(1).map(|l| l.split(',').take(2).collect::<Vec<_>>().join(",")).collect()
    };
    let out = refstats(dir.path(), &[], &["--out", "from-file", "access.log"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(dimensions("from-file"), ["country,US", "referrer,t.co"]);
    let out = refstats(dir.path(), &[("REFSTATS_BREAKDOWNS", "source")], &["--out", "from-env", "access.log"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(dimensions("from-env"), ["source,link"]);
    let out = refstats(dir.path(), &[], &["--breakdowns", "none", "--out", "from-flag", "access.log"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dimensions("from-flag").is_empty());
}

#[test]
fn the_environment_wins_over_the_program_file_and_the_flag_over_both() {
    let dir = tempfile::tempdir().unwrap();
    program(dir.path());
    let out = refstats(dir.path(), &[("REFSTATS_STORE", "from-env")], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(exports_in(&dir.path().join("from-env")), 1);
    assert!(!dir.path().join("kept").exists());
    let out = refstats(dir.path(), &[("REFSTATS_STORE", "from-env")], &["--store", "from-flag"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(exports_in(&dir.path().join("from-flag")), 1);
    // The program file found through the environment, from another folder.
    let elsewhere = tempfile::tempdir().unwrap();
    let config = dir.path().join("partners.toml");
    let out = refstats(elsewhere.path(), &[("REFCENTER_CONFIG", config.to_str().unwrap())], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("kept/report/balances.csv").is_file(), "paths of [stats] are the program file's");
}

#[test]
fn wrong_settings_say_where_they_come_from() {
    let dir = tempfile::tempdir().unwrap();
    program(dir.path());
    let root = std::fs::read_to_string(dir.path().join("partners.toml")).unwrap();
    std::fs::write(
        dir.path().join("partners.toml"),
        root.replacen("store = \"kept\"", "store = \"kept\"\nformat = \"clodfront\"", 1),
    )
    .unwrap();
    let out = refstats(dir.path(), &[], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // The message names the file and line of the value.
    let text = std::fs::read_to_string(dir.path().join("partners.toml")).unwrap();
    let line = text.lines().position(|l| l == "format = \"clodfront\"").unwrap() + 1;
    assert!(
        stderr
            .contains(&format!("the program's [stats] format (partners.toml:{line}) `clodfront` is not a log format"))
            && stderr.contains("cloudfront"),
        "{stderr}"
    );
    // So does a log layout the program file describes wrongly.
    std::fs::write(
        dir.path().join("partners.toml"),
        text.replacen("format = \"clodfront\"", "log_format = \"%h %Q\"", 1),
    )
    .unwrap();
    let out = refstats(dir.path(), &[], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("the program's [stats] log_format (partners.toml:{line}): ")), "{stderr}");
    std::fs::write(dir.path().join("partners.toml"), &text).unwrap();
    // And breakdowns it does not know.
    std::fs::write(
        dir.path().join("partners.toml"),
        text.replacen("format = \"clodfront\"", "breakdowns = \"country,colour\"", 1),
    )
    .unwrap();
    let out = refstats(dir.path(), &[], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the program's [stats] breakdowns (partners.toml:{line}) `country,colour`: `colour` is not a breakdown"
        )),
        "{stderr}"
    );
    let out = refstats(dir.path(), &[("REFSTATS_FORMAT", "clodfront")], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("clodfront"));
    // --since and --until do not apply to the store [stats] names.
    let out = refstats(dir.path(), &[("REFSTATS_FORMAT", "cloudfront")], &["--since", "2024-05-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("do not apply to a store"));
    // Nothing to do at all.
    let empty = tempfile::tempdir().unwrap();
    copy_sample(empty.path());
    let out = refstats(empty.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to count"));
}

#[test]
fn refgen_reads_its_folders_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    program(dir.path());
    let out = command("refgen", dir.path()).env("REFGEN_OUT", "site").arg("build").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("site/public/index.html").is_file());
    let out =
        command("refgen", dir.path()).env("REFGEN_OUT", "site").args(["build", "--out", "flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(dir.path().join("flag/public/index.html").is_file());
}
