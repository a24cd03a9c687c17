//! Map and reduce: logs split among map tasks (`refstats --map`) and merged again, by refstats
//! (`--partials`) and by the Spark job in `engines/spark/` run in local mode, give exactly the
//! report of one run over every log.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use refcenter_tests::{Rng, command, fixtures, repo_root};

/// The day the partner pages' windows end on: the logs run 15 days past it, and start 105
/// days before it, so the 7, 30 and 90-day windows each cut the logs.
const AS_OF: &str = "2024-04-15";

/// 6,000 combined log lines over 120 days on the sample program's codes and some unknown
/// ones, by 120 visitors, with bots, HEAD requests, other pages and answers that are not
/// redirects, written in three parts; the same visitors click in every part.
fn write_logs(dir: &Path) -> Vec<PathBuf> {
    let links = ["xyz", "test", "test2", "test3", "nolink"];
    let partners = ["samantha", "aapex", "swdf", "a8787", "abc123", "ghost"];
    let ads = ["", "", "", "email-list", "print-flyer", "instagram", "story-highlights", "bogus"];
    let agents = [
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "curl/8.5.0",
    ];
    let months = ["Jan", "Feb", "Mar", "Apr", "May"];
    let month_days = [31, 29, 31, 30, 31];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut parts = [String::new(), String::new(), String::new()];
    for i in 0..6_000usize {
        let day = i * 120 / 6_000;
        let (mut month, mut date) = (0, day);
        while date >= month_days[month] {
            date -= month_days[month];
            month += 1;
        }
        let link = links[rng.below(links.len())];
        let partner = partners[rng.below(partners.len())];
        let ad = ads[rng.below(ads.len())];
        let path = match rng.below(20) {
            0 => "/about".to_owned(),
            _ if ad.is_empty() => format!("/go/{link}/{partner}"),
            _ => format!("/go/{link}/{partner}/{ad}"),
        };
        let agent = agents[if rng.below(10) == 0 { 3 + rng.below(2) } else { rng.below(3) }];
        let method = if rng.below(30) == 0 { "HEAD" } else { "GET" };
        let status = if rng.below(25) == 0 { 404 } else { 302 };
        // Addresses of several countries (and a documentation one, of none), referrers and QR
        // scans, for the breakdowns.
        let networks = ["1.0.0", "1.0.1", "8.8.8", "193.0.6", "198.51.100"];
        let client = format!("{}.{}", networks[rng.below(networks.len())], rng.below(40));
        let referrer = ["-", "https://www.instagram.com/", "https://t.co/x", "android-app://com.slack/"][rng.below(4)];
        let path = if rng.below(5) == 0 { format!("{path}?qr=1") } else { path };
        let line = format!(
            "{client} - - [{:02}/{}/2024:{:02}:{:02}:{:02} +0000] \"{method} {path} HTTP/1.1\" {status} 0 \"{referrer}\" \"{agent}\"\n",
            date + 1,
            months[month],
            rng.below(24),
            rng.below(60),
            rng.below(60),
        );
        parts[rng.below(3)].push_str(&line);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = dir.join(format!("part-{i}.log"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// The logs of the map tasks: the generated parts, and the fixtures of three other formats.
fn map_inputs(dir: &Path) -> Vec<Vec<PathBuf>> {
    let logs = fixtures().join("logs");
    let mut parts: Vec<Vec<PathBuf>> = write_logs(dir).into_iter().map(|p| vec![p]).collect();
    parts[0].push(logs.join("cloudfront.log"));
    parts[1].push(logs.join("nginx.json"));
    parts[2].push(logs.join("caddy.json"));
    parts
}

fn refstats(dir: &Path, args: &[&str]) -> std::process::Output {
    let config = repo_root().join("partners.toml");
    let out =
        command("refstats", dir).arg("--config").arg(config).env("REFSTATS_BREAKDOWNS", "all").args(args).output();
    out.expect("refstats starts")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// Runs one map task per group of logs; returns the partials.
fn map(dir: &Path, inputs: &[Vec<PathBuf>]) -> Vec<PathBuf> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, logs)| {
            let partial = dir.join(format!("partial-{i}.parquet"));
            let mut args = vec!["--map", path_str(&partial)];
            args.extend(logs.iter().map(|l| path_str(l)));
            let out = refstats(dir, &args);
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            partial
        })
        .collect()
}

/// The report of one run over every log.
fn one_run(dir: &Path, inputs: &[Vec<PathBuf>]) -> PathBuf {
    let report = dir.join("one-run");
    let mut args = vec!["--out", path_str(&report), "--as-of", AS_OF, "--formats", "csv,json,parquet"];
    args.extend(inputs.iter().flatten().map(|l| path_str(l)));
    let out = refstats(dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    report
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// The accounting of a summary, without what partials do not carry (sample lines and the
/// names of the log files).
fn accounting(summary: &serde_json::Value) -> serde_json::Value {
    let mut a = summary["accounting"].clone();
    let a_map = a.as_object_mut().unwrap();
    for key in ["samples", "files", "file_problems", "partials"] {
        a_map.remove(key);
    }
    a
}

const TABLES: [&str; 13] = [
    "daily",
    "by_day",
    "by_link_partner_ad",
    "by_partner",
    "by_partner_day",
    "by_partner_link",
    "by_link",
    "by_ad",
    "by_parent",
    "breakdown",
    "breakdown_by_partner",
    "breakdown_by_link",
    "breakdown_by_partner_ad",
];

#[test]
fn partials_merged_by_refstats_make_the_report_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = map_inputs(dir.path());
    let expected = one_run(dir.path(), &inputs);
    let partials = map(dir.path(), &inputs);
    // Merged in any order, the partials give the same bytes.
    for (name, order) in [("reduced", partials.clone()), ("reversed", partials.iter().rev().cloned().collect())] {
        let report = dir.path().join(name);
        let mut args =
            vec!["--partials", "--out", path_str(&report), "--as-of", AS_OF, "--formats", "csv,json,parquet"];
        args.extend(order.iter().map(|p| path_str(p)));
        let out = refstats(dir.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        for table in TABLES {
            for ext in ["csv", "json", "parquet"] {
                let file = format!("{table}.{ext}");
                let (a, b) = (std::fs::read(expected.join(&file)).unwrap(), std::fs::read(report.join(&file)).unwrap());
                assert!(a == b, "{name}/{file} differs from one run's");
            }
        }
        let pages = std::fs::read(expected.join("partners.json")).unwrap();
        assert_eq!(pages, std::fs::read(report.join("partners.json")).unwrap(), "{name}/partners.json");
        let (one, merged) = (json(&expected.join("summary.json")), json(&report.join("summary.json")));
        assert_eq!(accounting(&one), accounting(&merged));
        assert_eq!(one["run"], merged["run"]);
    }
    let summary = json(&expected.join("summary.json"));
    assert!(summary["accounting"]["clicks"].as_u64().unwrap() > 3_000, "the logs hold clicks: {summary}");
    assert!(summary["accounting"]["rejected"].as_object().is_some_and(|r| !r.is_empty()));
}

#[test]
fn a_file_that_is_not_a_partial_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let log = fixtures().join("logs/combined.log");
    let report = dir.path().join("report");
    let out = refstats(dir.path(), &["--partials", "--out", path_str(&report), path_str(&log)]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("combined.log") && stderr.contains("not a partial written by refstats --map"), "{stderr}");
    assert!(!report.exists(), "no report is written");
    // A map task over no logs is a usage error.
    let partial = dir.path().join("p.parquet");
    let out = refstats(dir.path(), &["--map", path_str(&partial)]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!partial.exists());
}

/// The `spark-submit` of the PySpark that ./test.sh installs (or `REFCENTER_SPARK_SUBMIT`).
fn spark_submit() -> PathBuf {
    let path = std::env::var_os("REFCENTER_SPARK_SUBMIT").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").expect("HOME is set");
        Path::new(&home).join(".cache/refcenter/tools/spark-venv/bin/spark-submit")
    });
    assert!(path.is_file(), "{} is missing: run the suite with ./test.sh, which installs PySpark", path.display());
    path
}

/// The rows of a table Spark wrote as a folder of CSV parts (each with its header), in part
/// order, or of refstats' CSV file.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut parts: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        parts.sort();
        parts
    } else {
        vec![path.to_path_buf()]
    };
    let mut rows = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(file).unwrap();
        for (j, record) in reader.records().enumerate() {
            // Every part repeats the header: keep the first part's.
            if j == 0 && i > 0 {
                continue;
            }
            rows.push(record.unwrap().iter().map(str::to_owned).collect());
        }
    }
    rows
}

#[test]
fn the_spark_reduce_writes_exactly_the_rows_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = map_inputs(dir.path());
    let expected = one_run(dir.path(), &inputs);
    let partials = map(dir.path(), &inputs);
    let program = dir.path().join("program.parquet");
    let out = refstats(dir.path(), &["--program-table", path_str(&program)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let submit = spark_submit();
    let bin = submit.parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let report = dir.path().join("spark-report");
    let job = repo_root().join("engines/spark/refstats_reduce.py");
    let out = Command::new(&submit)
        .env("PATH", path)
        .current_dir(dir.path())
        .args(["--master", "local[2]", "--conf", "spark.sql.shuffle.partitions=3", "--conf", "spark.ui.enabled=false"])
        .arg(&job)
        .arg("--partials")
        .args(&partials)
        .arg("--program")
        .arg(&program)
        .arg("--out")
        .arg(&report)
        .args(["--as-of", AS_OF])
        .output()
        .expect("spark-submit starts");
    assert!(out.status.success(), "the Spark job failed:\n{}", String::from_utf8_lossy(&out.stderr));

    let mut compared = BTreeMap::new();
    for table in TABLES {
        let (ours, spark) =
            (csv_rows(&expected.join(format!("{table}.csv"))), csv_rows(&report.join(format!("{table}.csv"))));
        assert!(ours.len() > 1, "{table} has rows");
        assert_eq!(ours, spark, "Spark's {table} differs from refstats'");
        assert!(report.join(format!("{table}.parquet/_SUCCESS")).is_file(), "{table}.parquet is written");
        compared.insert(table, ours.len() - 1);
    }
    assert!(compared["daily"] > 1_000, "{compared:?}");
    assert_eq!(json(&expected.join("partners.json")), json(&report.join("partners.json")));
    let (ours, spark) = (json(&expected.join("summary.json")), json(&report.join("summary.json")));
    assert_eq!(accounting(&ours), accounting(&spark));
    for key in ["program", "first_day", "last_day", "as_of", "bot_hits"] {
        assert_eq!(ours["run"][key], spark["run"][key], "run.{key}");
    }
}
