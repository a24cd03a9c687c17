//! `refstats` end to end on fixture logs of every supported format, each holding clicks,
//! bots, HEAD requests, other traffic and malformed lines: the exact accounting of every file
//! (checked against an expected file), format detection, compressed inputs, a corrupt file
//! among good ones, `--max-rejected`, the period options, and golden report files for the
//! sample program.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use refcenter_tests::{assert_golden, command, fixtures, repo_root};

const FORMATS: &[(&str, &str)] = &[
    ("combined.log", "combined"),
    ("common.log", "common"),
    ("cloudfront.log", "cloudfront"),
    ("cloudfront-24.log", "cloudfront"),
    ("cloudfront.json", "cloudfront-json"),
    ("cloudflare.json", "cloudflare"),
    ("nginx.json", "nginx-json"),
    ("caddy.json", "caddy"),
    ("google-cloud.json", "google-cloud"),
    ("azure-front-door.json", "azure-front-door"),
    ("akamai.json", "akamai"),
    ("vercel.json", "vercel"),
    ("cloudfront-realtime.log", "cloudfront-realtime"),
    ("bunny.log", "bunny"),
    ("fastly.json", "fastly"),
];

fn logs() -> PathBuf {
    fixtures().join("logs")
}

/// Runs refstats on the sample program in `dir` (inputs relative to the fixture folder).
fn refstats(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let config = repo_root().join("partners.toml");
    let mut cmd = command("refstats", dir);
    cmd.arg("--config").arg(&config).args(args);
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn accounting(out: &Path) -> serde_json::Value {
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let mut acc = summary["accounting"].clone();
    acc.as_object_mut().unwrap().remove("files");
    acc
}

#[test]
fn every_format_is_counted_exactly_with_its_format_named_or_detected() {
    let dir = tempfile::tempdir().unwrap();
    for (file, format) in FORMATS {
        let log = logs().join(file);
        for given in [*format, "auto"] {
            let out = dir.path().join(format!("{file}-{given}"));
            let result =
                refstats(dir.path(), &["--format", given, "--out", out.to_str().unwrap(), log.to_str().unwrap()], None);
            assert_eq!(result.status.code(), Some(0), "{file} as {given}: {}", String::from_utf8_lossy(&result.stderr));
            let mut acc = accounting(&out);
            let balance: u64 = ["clicks", "head_hits"].iter().map(|k| acc[k].as_u64().unwrap()).sum::<u64>()
                + ["bot_hits", "filtered", "rejected"]
                    .iter()
                    .map(|k| acc[k].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>())
                    .sum::<u64>();
            assert_eq!(acc["lines"].as_u64().unwrap(), balance, "{file}: every line is accounted for once");
            // Sample positions name the file as given; keep only its name for the comparison.
            for s in acc["samples"].as_array_mut().unwrap() {
                let at = s["at"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
                s["at"] = at.into();
            }
            let text = format!("{:#}\n", acc);
            assert_golden(&logs().join(format!("{file}.expected.json")), &text);
        }
    }
}

#[test]
fn the_sample_reports_match_the_golden_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stats");
    let log = logs().join("combined.log");
    let every = ["--formats", "csv,json,parquet"];
    let result =
        refstats(dir.path(), &[&every[..], &["--out", out.to_str().unwrap(), log.to_str().unwrap()]].concat(), None);
    assert_eq!(result.status.code(), Some(0), "{}", String::from_utf8_lossy(&result.stderr));
    let golden = fixtures().join("stats/sample");
    std::fs::create_dir_all(&golden).unwrap();
    for file in [
        "daily.csv",
        "by_day.csv",
        "by_link_partner_ad.csv",
        "by_partner.csv",
        "by_partner_link.csv",
        "by_link.csv",
        "by_ad.csv",
        "by_parent.csv",
        "by_partner.json",
    ] {
        assert_golden(&golden.join(file), &std::fs::read_to_string(out.join(file)).unwrap());
    }
    // partners.json is written compact (it is large for big programs); compared pretty.
    let pages: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("partners.json")).unwrap()).unwrap();
    assert_golden(&golden.join("partners.json"), &serde_json::to_string_pretty(&pages).unwrap());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("Clicks per day"), "the report has its chart");
    assert!(html.contains("tset/swdf"), "unknown codes are listed");
    assert!(!html.contains("<script"), "the report has no script");
    let parquet = std::fs::read(out.join("daily.parquet")).unwrap();
    assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"), "a Parquet file");
    // Two runs give the same files.
    let again = dir.path().join("again");
    refstats(dir.path(), &[&every[..], &["--out", again.to_str().unwrap(), log.to_str().unwrap()]].concat(), None);
    for file in ["daily.csv", "by_parent.csv", "summary.json", "report.html", "daily.parquet"] {
        assert_eq!(std::fs::read(out.join(file)).unwrap(), std::fs::read(again.join(file)).unwrap(), "{file}");
    }
    // By default the tables are CSV only, the same bytes.
    let default = dir.path().join("default");
    refstats(dir.path(), &["--out", default.to_str().unwrap(), log.to_str().unwrap()], None);
    assert_eq!(std::fs::read(out.join("daily.csv")).unwrap(), std::fs::read(default.join("daily.csv")).unwrap());
    for file in ["daily.json", "daily.parquet", "by_partner.json", "by_partner.parquet"] {
        assert!(!default.join(file).exists(), "{file} is written only when asked for");
    }
}

fn gzip(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(part).unwrap();
        out.extend(e.finish().unwrap());
    }
    out
}

#[test]
fn compressed_inputs_count_like_plain_ones_and_a_corrupt_file_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(logs().join("cloudfront.log")).unwrap();
    let (a, b) = plain.split_at(plain.len() / 2);
    let logs_dir = dir.path().join("logs");
    std::fs::create_dir(&logs_dir).unwrap();
    // Two gzip members (as CDNs append them), a zstd file, both without telling names.
    std::fs::write(logs_dir.join("part-1"), gzip(&[a, b])).unwrap();
    std::fs::write(logs_dir.join("part-2"), zstd::encode_all(plain.as_slice(), 3).unwrap()).unwrap();
    let whole = dir.path().join("whole");
    let result = refstats(dir.path(), &["--out", whole.to_str().unwrap(), logs_dir.to_str().unwrap()], None);
    assert_eq!(result.status.code(), Some(0), "{}", String::from_utf8_lossy(&result.stderr));
    let single = dir.path().join("single");
    refstats(dir.path(), &["--out", single.to_str().unwrap(), logs().join("cloudfront.log").to_str().unwrap()], None);
    let (w, s) = (accounting(&whole), accounting(&single));
    assert_eq!(w["clicks"], s["clicks"].as_u64().unwrap() * 2, "both files count in full");
    assert_eq!(w["lines"], s["lines"].as_u64().unwrap() * 2);

    // A truncated gzip file beside a good one: reported, exit 1, the good one still counted.
    let broken = gzip(&[&plain]);
    std::fs::write(logs_dir.join("part-3"), &broken[..broken.len() / 2]).unwrap();
    let partial = dir.path().join("partial");
    let result = refstats(dir.path(), &["--out", partial.to_str().unwrap(), logs_dir.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("could not be read, or not to the end"), "{stderr}");
    let p = accounting(&partial);
    assert!(p["clicks"].as_u64().unwrap() >= w["clicks"].as_u64().unwrap());
    assert_eq!(p["file_problems"][0]["file"].as_str().unwrap().rsplit('/').next(), Some("part-3"));
}

#[test]
fn stdin_period_and_max_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(logs().join("combined.log")).unwrap();
    // From standard input, only 2024-05-02.
    let out = dir.path().join("may2");
    let result = refstats(
        dir.path(),
        &["--since", "2024-05-02", "--until", "2024-05-02", "--out", out.to_str().unwrap(), "-"],
        Some(&text),
    );
    assert_eq!(result.status.code(), Some(0), "{}", String::from_utf8_lossy(&result.stderr));
    let acc = accounting(&out);
    assert_eq!(acc["clicks"], 2, "{acc}");
    assert_eq!(acc["filtered"]["outside the period"], 3);
    let days = std::fs::read_to_string(out.join("by_day.csv")).unwrap();
    assert!(days.lines().skip(1).all(|l| l.starts_with("2024-05-02")), "{days}");

    // Five rejected lines: --max-rejected 4 fails and writes no report; 5 passes.
    let strict = dir.path().join("strict");
    let log = logs().join("combined.log");
    let result =
        refstats(dir.path(), &["--max-rejected", "4", "--out", strict.to_str().unwrap(), log.to_str().unwrap()], None);
    assert_eq!(result.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&result.stderr).contains("more than --max-rejected 4"));
    assert!(!strict.exists(), "no report");
    let result =
        refstats(dir.path(), &["--max-rejected", "5", "--out", strict.to_str().unwrap(), log.to_str().unwrap()], None);
    assert_eq!(result.status.code(), Some(0));

    // Usage errors exit 2.
    let result = refstats(dir.path(), &["/no/such/log"], None);
    assert_eq!(result.status.code(), Some(2));
    let result = refstats(dir.path(), &["--since", "May 2nd", "-"], None);
    assert_eq!(result.status.code(), Some(2));
}

#[test]
fn large_files_are_shared_out_in_blocks_and_every_line_keeps_its_number() {
    // 60,000 lines (about 11 MB, several blocks for the workers), with a malformed line far in.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(logs().join("combined.log")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let click = text.lines().next().unwrap();
    let bot = text.lines().nth(5).unwrap();
    let mut big = String::new();
    for i in 1..=60_000u32 {
        big.push_str(match i {
            45_678 => "a malformed line",
            i if i % 10 == 0 => bot,
            _ => click,
        });
        big.push('\n');
    }
    let log = dir.path().join("big.log");
    std::fs::write(&log, &big).unwrap();
    let out = dir.path().join("out");
    let result = refstats(dir.path(), &["--out", out.to_str().unwrap(), log.to_str().unwrap()], None);
    assert_eq!(result.status.code(), Some(0), "{}", String::from_utf8_lossy(&result.stderr));
    let acc = accounting(&out);
    assert_eq!(acc["lines"], 60_000);
    assert_eq!(acc["bot_hits"]["search crawler"], 6_000);
    assert_eq!(acc["clicks"], 60_000 - 6_000 - 1);
    assert_eq!(acc["samples"][0]["at"].as_str().unwrap().rsplit(':').next(), Some("45678"));
    // The last line without its newline still counts.
    std::fs::write(&log, big.trim_end()).unwrap();
    let result = refstats(dir.path(), &["--out", out.to_str().unwrap(), log.to_str().unwrap()], None);
    assert_eq!(result.status.code(), Some(0));
    assert_eq!(accounting(&out)["lines"], 60_000);
}
