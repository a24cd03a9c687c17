//! `refstats --store` in scheduled use, on CloudFront logs written by the tests: files ingested
//! one run at a time (day 1, day 2, a late file for day 1, day 1 again under another name) make
//! the same store as one run over every distinct file; records a CDN delivered twice are
//! counted once; a run killed at random points (the real process, many times, with logs and
//! shop exports) never leaves a store that differs from a clean run's once the next run
//! completes; a second run at the same
//! time is refused and changes nothing; a run with nothing new keeps a report made from the same
//! store, program and options, and makes it again when any of them changed; a run that adds to
//! the last two days brings the previous report up to date in place, to the byte the report a
//! run made in full writes.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use refcenter_tests::{Rng, command, copy_dir, copy_sample, repo_root, snapshot};

const FIELDS: &str = "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

const PATHS: &[&str] = &[
    "/go/xyz/samantha/email-list",
    "/go/xyz/samantha",
    "/go/test/aapex/print-flyer",
    "/go/xyz/a8787",
    "/go/test/swdf/instagram",
    "/go/xyz/samanta",
];

/// One request of a test log.
#[derive(Clone)]
struct Req {
    day: u32,
    second: u32,
    client: u32,
    path: usize,
    bot: bool,
    id: String,
}

/// `n` requests on 2024-05-`day`, with request ids `<tag>-<i>`: a few clients clicking
/// several paths, every seventh request a bot.
fn requests(day: u32, tag: &str, n: u32) -> Vec<Req> {
    (0..n)
        .map(|i| Req {
            day,
            second: i % 86_400,
            client: (i * 7 + day) % 13,
            path: (i as usize * 5 + day as usize) % PATHS.len(),
            bot: i % 7 == 3,
            id: format!("{tag}-{i}"),
        })
        .collect()
}

/// A CloudFront standard log of `reqs`.
fn cloudfront(reqs: &[Req]) -> String {
    let mut out = format!("#Version: 1.0\n{FIELDS}\n");
    for r in reqs {
        let agent = if r.bot { "curl/8.5.0" } else { "Mozilla/5.0%2520(X11;%2520Linux%2520x86_64)%2520Firefox/125.0" };
        let (h, m, s) = (r.second / 3600, r.second / 60 % 60, r.second % 60);
        out.push_str(&format!(
            "2024-05-{:02}\t{h:02}:{m:02}:{s:02}\tFRA56-P5\t410\t198.51.100.{}\tGET\td1.cloudfront.net\t{}\t302\t-\t{agent}\t-\t-\tMiss\t{}\tgo.example.com\thttps\t221\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t11040\t0.001\tMiss\ttext/html\t0\t-\t-\n",
            r.day, r.client, PATHS[r.path], r.id
        ));
    }
    out
}

fn refstats_command(dir: &Path, store: &Path, inputs: &[&Path]) -> Command {
    refstats_with_orders(dir, store, inputs, &[])
}

/// The command of a store run over the logs `inputs` and the shop exports `orders`.
fn refstats_with_orders(dir: &Path, store: &Path, inputs: &[&Path], orders: &[&Path]) -> Command {
    let mut cmd = command("refstats", dir);
    for export in orders {
        cmd.arg("--orders").arg(export);
    }
    cmd.arg("--config")
        .arg(repo_root().join("partners.toml"))
        .arg("--store")
        .arg(store)
        .args(["--as-of", "2024-05-03", "--no-progress"])
        .args(inputs)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn ingest(dir: &Path, store: &Path, inputs: &[&Path]) -> Output {
    ingest_with_orders(dir, store, inputs, &[])
}

fn ingest_with_orders(dir: &Path, store: &Path, inputs: &[&Path], orders: &[&Path]) -> Output {
    let out = refstats_with_orders(dir, store, inputs, orders).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// What a store holds that must not depend on how its files were ingested: the ledger with
/// the path each file was first read under left out, the partitions it names (by bytes), and
/// the report except the per-run summary and HTML page.
fn content(store: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut ledger: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.join("ledger.json")).unwrap()).unwrap();
    for kind in ["files", "exports"] {
        for f in ledger[kind].as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
            f.as_object_mut().unwrap().remove("name");
        }
    }
    let mut out = BTreeMap::new();
    out.insert("ledger.json".to_owned(), serde_json::to_vec_pretty(&ledger).unwrap());
    for (path, bytes) in snapshot(store) {
        let rel = path.to_string_lossy().into_owned();
        let per_run = rel == "ledger.json" || rel.ends_with("summary.json") || rel.ends_with("report.html");
        if !per_run && rel != ".lock" {
            out.insert(rel, bytes);
        }
    }
    out
}

/// Asserts that two stores hold the same [`content`], naming the files that differ.
fn assert_same(a: &Path, b: &Path, context: &str) {
    let (a, b) = (content(a), content(b));
    let differ: Vec<&String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
    assert!(differ.is_empty(), "{context}: these differ: {differ:?}");
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes the four files of the day-by-day story and returns their paths.
fn story(dir: &Path) -> [PathBuf; 4] {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let day1 = requests(1, "d1", 70);
    let day2 = requests(2, "d2", 50);
    // Late: new records of day 1 and five of day 1's records delivered again.
    let mut late = requests(1, "late", 30);
    late.extend(day1[..5].iter().cloned());
    let paths = [logs.join("day1.log"), logs.join("day2.log"), logs.join("late-day1.log"), logs.join("day1-copy.log")];
    std::fs::write(&paths[0], cloudfront(&day1)).unwrap();
    std::fs::write(&paths[1], cloudfront(&day2)).unwrap();
    std::fs::write(&paths[2], cloudfront(&late)).unwrap();
    std::fs::copy(&paths[0], &paths[3]).unwrap();
    paths
}

#[test]
fn runs_one_file_at_a_time_make_the_store_of_one_run_over_all() {
    let dir = tempfile::tempdir().unwrap();
    let [day1, day2, late, copy] = story(dir.path());
    let hourly = dir.path().join("hourly");
    for file in [&day1, &day2, &late] {
        ingest(dir.path(), &hourly, &[file]);
    }
    let before = content(&hourly);
    let again = ingest(dir.path(), &hourly, &[&copy]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("day1-copy.log: ingested before as") && stderr.contains("day1.log"), "{stderr}");
    assert_eq!(content(&hourly), before, "the same file under another name changes nothing");

    let once = dir.path().join("once");
    ingest(dir.path(), &once, &[&day1, &day2, &late, &copy]);
    assert_eq!(content(&hourly), content(&once));
    // A run with nothing new makes a lost report again, every day's files included.
    std::fs::remove_dir_all(hourly.join("report")).unwrap();
    ingest(dir.path(), &hourly, &[&day1]);
    assert_eq!(content(&hourly), content(&once));
    assert!(hourly.join("report/days/2024-05-01/daily.csv").is_file());

    // The figures: day 1 has 70 + 30 records (the five delivered twice count once), day 2 50.
    let summary = json(&once.join("report/summary.json"));
    assert_eq!(summary["accounting"]["filtered"]["duplicate record (request id counted before)"], 5);
    // by_day.csv: day,clicks,unique_clicks,bot_hits,head_hits
    let by_day = std::fs::read_to_string(once.join("report/by_day.csv")).unwrap();
    let rows: Vec<(String, u64, u64)> = by_day
        .lines()
        .skip(1)
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            (f[0].to_owned(), f[1].parse().unwrap(), f[3].parse().unwrap())
        })
        .collect();
    let bots = |n: u32| (0..n).filter(|i| i % 7 == 3).count() as u64;
    let day1_hits = 70 + 30;
    let day1_bots = bots(70) + bots(30);
    assert_eq!(
        rows,
        [
            ("2024-05-01".to_owned(), day1_hits - day1_bots, day1_bots),
            ("2024-05-02".to_owned(), 50 - bots(50), bots(50)),
        ]
    );
    let ledger = json(&once.join("ledger.json"));
    assert_eq!(ledger["files"].as_object().unwrap().len(), 3);
    assert_eq!(ledger["days"].as_object().unwrap().len(), 2);

    // A new hour rewrites only its own day's partition.
    let day3 = dir.path().join("logs/day3.log");
    std::fs::write(&day3, cloudfront(&requests(3, "d3", 10))).unwrap();
    ingest(dir.path(), &hourly, &[&day3]);
    let ledger = json(&hourly.join("ledger.json"));
    let before = json(&once.join("ledger.json"));
    assert_eq!(ledger["days"]["2024-05-01"], before["days"]["2024-05-01"]);
    assert_eq!(ledger["days"]["2024-05-02"], before["days"]["2024-05-02"]);
    let summary = json(&hourly.join("report/summary.json"));
    assert_eq!(summary["run"]["store"]["days_rewritten"], serde_json::json!(["2024-05-03"]));
}

#[test]
fn a_run_killed_anywhere_is_completed_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    // Files big enough that a run takes a while: three days, with late and repeated records.
    let mut files = Vec::new();
    for (i, (day, tag)) in [(1, "a"), (2, "b"), (1, "c"), (3, "d")].into_iter().enumerate() {
        let mut reqs = requests(day, tag, 20_000);
        if i == 2 {
            reqs.extend(requests(1, "a", 2_000));
        }
        let path = logs.join(format!("{i}.log"));
        std::fs::write(&path, cloudfront(&reqs)).unwrap();
        files.push(path);
    }
    // A shop export per step, each repeating part of the one before with a changed status.
    let mut exports = Vec::new();
    for i in 0..files.len() {
        let mut csv = String::from("order_id,date,status,amount,refunded,email,partner,link\n");
        for o in i * 150..(i + 2) * 150 {
            let refunded = if o < i * 150 + 20 { "5.00" } else { "" };
            let partner = ["samantha", "aapex", "a8787", "swdf", "abc123", "nobody"][o % 6];
            csv.push_str(&format!(
                "o{o},2024-05-0{},paid,{}.{:02},{refunded},c{}@example.net,{partner},xyz\n",
                1 + o % 3,
                10 + o % 90,
                o % 100,
                o % 40
            ));
        }
        let path = logs.join(format!("orders-{i}.csv"));
        std::fs::write(&path, csv).unwrap();
        exports.push(path);
    }
    // Kill points seeded from the clock and printed: a failure replays with REFSTATS_KILL_SEED.
    let seed = std::env::var("REFSTATS_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    eprintln!("REFSTATS_KILL_SEED={seed}");
    let mut rng = Rng(seed);
    let store = dir.path().join("killed");
    let mut kills = 0;
    for n in 1..=files.len() {
        let inputs: Vec<&Path> = files[..n].iter().map(PathBuf::as_path).collect();
        let orders: Vec<&Path> = exports[..n].iter().map(PathBuf::as_path).collect();
        // How long a whole run takes here, on a copy of the store.
        let probe = dir.path().join("probe");
        let _ = std::fs::remove_dir_all(&probe);
        if store.exists() {
            refcenter_tests::copy_dir(&store, &probe, &[".lock"]);
        }
        let start = Instant::now();
        ingest_with_orders(dir.path(), &probe, &inputs, &orders);
        let full = start.elapsed().as_millis() as usize;
        eprintln!("{n} files: a whole run takes {full} ms");
        for _ in 0..8 {
            let mut child = refstats_with_orders(dir.path(), &store, &inputs, &orders).spawn().unwrap();
            std::thread::sleep(Duration::from_millis(rng.below(full + 1) as u64));
            let finished = child.try_wait().unwrap().is_some();
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("  killed: {}", if finished { "(had finished)" } else { "mid-run" });
            kills += 1;
        }
        ingest_with_orders(dir.path(), &store, &inputs, &orders);
        let clean = dir.path().join(format!("clean-{n}"));
        ingest_with_orders(dir.path(), &clean, &inputs, &orders);
        assert_same(&store, &clean, &format!("after {n} files and {kills} kills (seed {seed})"));
        let leftovers: Vec<_> =
            snapshot(&store).into_keys().filter(|p| p.to_string_lossy().ends_with(".partial")).collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn a_second_run_at_the_same_time_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let [day1, day2, ..] = story(dir.path());
    let store = dir.path().join("store");
    ingest(dir.path(), &store, &[&day1]);
    let before = snapshot(&store);
    // Another run holds the lock (this test, the way refstats takes it).
    let lock = File::options().write(true).open(store.join(".lock")).unwrap();
    lock.lock().unwrap();
    let out = refstats_command(dir.path(), &store, &[&day2]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("another refstats run is using the store") && stderr.contains("changed nothing"),
        "{stderr}"
    );
    assert_eq!(snapshot(&store), before);
    drop(lock);
    ingest(dir.path(), &store, &[&day2]);

    // Two real runs started together: one ingests, the other waits for nothing and is refused
    // or finds the file ingested; the store is the clean one either way.
    let day3 = dir.path().join("logs/day3.log");
    std::fs::write(&day3, cloudfront(&requests(3, "d3", 30_000))).unwrap();
    let a = refstats_command(dir.path(), &store, &[&day3]).spawn().unwrap();
    let b = refstats_command(dir.path(), &store, &[&day3]).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let codes = [a.status.code(), b.status.code()];
    assert!(codes.contains(&Some(0)), "{codes:?}");
    for out in [&a, &b] {
        if out.status.code() != Some(0) {
            assert_eq!(out.status.code(), Some(2));
            assert!(String::from_utf8_lossy(&out.stderr).contains("another refstats run is using the store"));
        }
    }
    let clean = dir.path().join("clean");
    ingest(dir.path(), &clean, &[&day1, &day2, &day3]);
    assert_eq!(content(&store), content(&clean));
}

#[test]
fn a_damaged_ledger_is_reported_with_its_line_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let [day1, day2, ..] = story(dir.path());
    let store = dir.path().join("store");
    ingest(dir.path(), &store, &[&day1]);
    let ledger = store.join("ledger.json");
    let text = std::fs::read_to_string(&ledger).unwrap().replacen("\"days\"", "\"dayz\"", 1);
    std::fs::write(&ledger, &text).unwrap();
    let unlocked = |store: &Path| {
        let mut files = snapshot(store);
        files.remove(Path::new(".lock"));
        files
    };
    let before = unlocked(&store);
    let out = refstats_command(dir.path(), &store, &[&day2]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the store is damaged") && stderr.contains("ledger.json:"), "{stderr}");
    assert!(stderr.contains("unknown field `dayz`"), "{stderr}");
    assert_eq!(unlocked(&store), before, "nothing was changed or swept");
}

/// The table files under `dir`, by extension.
fn table_files(dir: &Path) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (path, _) in snapshot(dir) {
        let name = path.to_string_lossy().into_owned();
        let not_tables =
            ["summary.json", "partners.json", "partners.index", "report.html", "partition.txt", "inputs.sha256"];
        let is_table = !not_tables.iter().any(|f| name.ends_with(f));
        if is_table && let Some(ext) = path.extension() {
            *out.entry(ext.to_string_lossy().into_owned()).or_insert(0) += 1;
        }
    }
    out
}

#[test]
fn the_report_is_written_in_the_formats_asked_for_and_days_follow_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let files = story(dir.path());
    let store = dir.path().join("store");
    ingest(dir.path(), &store, &[&files[0], &files[1]]);
    let report = store.join("report");
    let csv_only = table_files(&report);
    assert_eq!(csv_only.keys().collect::<Vec<_>>(), ["csv"], "CSV by default");
    let csv_before = std::fs::read(report.join("days/2024-05-01/daily.csv")).unwrap();
    // Every format when asked: the days are written again in each.
    let out = refstats_command(dir.path(), &store, &[]).args(["--formats", "csv,json,parquet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let all = table_files(&report);
    assert_eq!(all.keys().collect::<Vec<_>>(), ["csv", "json", "parquet"]);
    assert_eq!((all["json"], all["parquet"]), (csv_only["csv"], csv_only["csv"]), "a file per format for each table");
    // The same store in Parquet only: every day's files are written again in that format.
    let out = refstats_command(dir.path(), &store, &[]).args(["--formats", "parquet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(table_files(&report), BTreeMap::from([("parquet".to_owned(), all["parquet"])]));
    let made_from = std::fs::read_to_string(report.join("days/2024-05-01/partition.txt")).unwrap();
    assert!(made_from.trim_end().ends_with(" parquet"), "{made_from}");
    // Back to CSV from the environment: the days are written again, with the same rows.
    let out = refstats_command(dir.path(), &store, &[]).env("REFSTATS_FORMATS", "csv").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(table_files(&report), BTreeMap::from([("csv".to_owned(), all["csv"])]));
    assert_eq!(std::fs::read(report.join("days/2024-05-01/daily.csv")).unwrap(), csv_before);
    // None: the pages' figures, the summary and the HTML page only.
    let out = refstats_command(dir.path(), &store, &[]).args(["--formats", "none"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(table_files(&report).is_empty(), "{:?}", table_files(&report));
    assert!(report.join("partners.json").is_file() && report.join("report.html").is_file());
    // A format that does not exist is a usage error, and changes nothing.
    let before = snapshot(&store);
    let out = refstats_command(dir.path(), &store, &[]).args(["--formats", "csv,xml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`xml` is not a table format"));
    assert_eq!(snapshot(&store), before);
}

/// A store run over `inputs` (and `extra` arguments) with the program at `config`, the windows
/// ending on `as_of`.
fn store_run(dir: &Path, config: &Path, store: &Path, as_of: &str, extra: &[&str], inputs: &[&Path]) -> String {
    let out = command("refstats", dir)
        .arg("--config")
        .arg(config)
        .arg("--store")
        .arg(store)
        .args(["--as-of", as_of, "--no-progress"])
        .args(extra)
        .args(inputs)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_run_with_nothing_new_keeps_a_report_made_from_the_same_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let [day1, day2, ..] = story(dir.path());
    let program = dir.path().join("program");
    copy_sample(&program);
    let config = program.join("partners.toml");
    let store = dir.path().join("store");
    let report = store.join("report");
    let run =
        |as_of: &str, extra: &[&str], inputs: &[&Path]| store_run(dir.path(), &config, &store, as_of, extra, inputs);
    let made_again = |stdout: &str| stdout.contains("report written to") && !stdout.contains("is up to date");
    let kept = |stdout: &str| stdout.contains("nothing new to ingest") && stdout.contains("is up to date");
    assert!(made_again(&run("2024-05-03", &[], &[&day1, &day2])));
    let made = snapshot(&report);
    assert!(made.contains_key(Path::new("inputs.sha256")), "{:?}", made.keys());

    // Nothing new: the report is the first run's, summary included (a run that made it again
    // would say it ingested no file).
    let again = run("2024-05-03", &[], &[&day1, &day2]);
    assert!(kept(&again), "{again}");
    assert_eq!(snapshot(&report), made);
    assert_eq!(json(&report.join("summary.json"))["run"]["store"]["new_files"], 2);

    // Each input of the report, changed, makes it again: the day the windows end on, ...
    assert!(made_again(&run("2024-05-04", &[], &[])));
    assert_eq!(json(&report.join("summary.json"))["run"]["as_of"], "2024-05-04");
    assert!(kept(&run("2024-05-04", &[], &[])));
    // ... the formats and the breakdowns asked for, ...
    assert!(made_again(&run("2024-05-04", &["--formats", "csv,json"], &[])));
    assert!(kept(&run("2024-05-04", &["--formats", "csv,json"], &[])));
    assert!(made_again(&run("2024-05-04", &["--formats", "csv,json", "--breakdowns", "device"], &[])));
    let options = ["--formats", "csv,json", "--breakdowns", "device"];
    assert!(kept(&run("2024-05-04", &options, &[])));
    // ... the program's files (a partner renamed), ...
    let partner = program.join("partners/aapex.toml");
    let text = std::fs::read_to_string(&partner).unwrap();
    std::fs::write(&partner, text.replace("name = \"Professional Organization\"", "name = \"Pro Org\"")).unwrap();
    assert!(made_again(&run("2024-05-04", &options, &[])));
    assert!(kept(&run("2024-05-04", &options, &[])));
    // ... a payment run recorded, ...
    std::fs::create_dir_all(program.join("payouts")).unwrap();
    std::fs::write(program.join("payouts/2024-05-04.toml"), "date = \"2024-05-04\"\ncurrency = \"USD\"\n").unwrap();
    assert!(made_again(&run("2024-05-04", &options, &[])));
    // ... a shop export (counted once: met again, it is skipped like a log) ...
    let export = repo_root().join("orders/shop-2024-05.csv");
    let export = export.to_str().unwrap();
    assert!(made_again(&run("2024-05-04", &[&options[..], &["--orders", export]].concat(), &[])));
    assert!(kept(&run("2024-05-04", &[&options[..], &["--orders", export]].concat(), &[])));
    // ... and a new log file, which is read and counted.
    let day3 = dir.path().join("logs/day3.log");
    std::fs::write(&day3, cloudfront(&requests(3, "d3", 10))).unwrap();
    assert!(made_again(&run("2024-05-04", &options, &[&day1, &day2, &day3])));
    assert_eq!(json(&report.join("summary.json"))["run"]["store"]["new_files"], 1);
    // A payment run asked for is always made.
    let batch = dir.path().join("batch");
    let paying = run("2024-05-04", &[&options[..], &["--payout", batch.to_str().unwrap()]].concat(), &[]);
    assert!(made_again(&paying), "{paying}");
    // A report lost (or made by a run killed before it finished) is made again.
    std::fs::remove_file(report.join("summary.json")).unwrap();
    assert!(made_again(&run("2024-05-04", &options, &[])) && report.join("summary.json").is_file());
}

/// A CloudFront log of `n` requests on `day` (YYYY-MM-DD) from a pool of 60 clients (the same
/// visitors come back on other days), on the test paths, a tenth of them bots.
fn visits_of(rng: &mut Rng, day: &str, n: usize) -> String {
    let mut reqs = String::new();
    for _ in 0..n {
        let agent =
            if rng.below(10) == 0 { "curl/8.5.0" } else { "Mozilla/5.0%2520(X11;%2520Linux)%2520Firefox/125.0" };
        let second = rng.below(86_400);
        let (h, m, s) = (second / 3600, second / 60 % 60, second % 60);
        reqs.push_str(&format!(
            "{day}\t{h:02}:{m:02}:{s:02}\tFRA56-P5\t410\t203.0.113.{}\t{}\td1.cloudfront.net\t{}\t302\t-\t{agent}\t-\t-\tMiss\tid-{}\tgo.example.com\thttps\t221\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t11040\t0.001\tMiss\ttext/html\t0\t-\t-\n",
            rng.below(60),
            if rng.below(20) == 0 { "HEAD" } else { "GET" },
            PATHS[rng.below(PATHS.len())],
            rng.below(1 << 40),
        ));
    }
    format!("#Version: 1.0\n{FIELDS}\n{reqs}")
}

#[test]
fn a_run_adding_to_the_last_two_days_brings_the_report_up_to_date_as_a_full_one_would() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("program");
    copy_sample(&program);
    // A program without commissions (whose reports are always made in full), with the sample's
    // parents and children.
    let config = program.join("partners.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let mut kept = String::new();
    let mut in_commissions = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_commissions = line.trim_start_matches('[').starts_with("commissions");
        }
        if !in_commissions {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    std::fs::write(&config, kept).unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut rng = Rng(7);
    let mut log = |name: &str, day: &str, n: usize| {
        let path = logs.join(name);
        std::fs::write(&path, visits_of(&mut rng, day, n)).unwrap();
        path
    };
    // Days outside the 90-day window ending 2024-05-20, in it, in the 30-day one, in the
    // 7-day one, and the first of the two open days (the second has no clicks yet).
    let first = [
        log("a.log", "2024-02-10", 300),
        log("b.log", "2024-04-10", 300),
        log("c.log", "2024-05-05", 300),
        log("d.log", "2024-05-15", 300),
        log("e.log", "2024-05-19", 200),
    ];
    let (inc, full) = (dir.path().join("inc"), dir.path().join("full"));
    let run = |store: &Path, extra: &[&str], inputs: &[&Path]| {
        store_run(dir.path(), &config, store, "2024-05-20", extra, inputs)
    };
    let first: Vec<&Path> = first.iter().map(PathBuf::as_path).collect();
    assert!(run(&inc, &[], &first).contains("report written to"));
    assert!(inc.join("cache/last-seen.bin").is_file());
    copy_dir(&inc, &full, &[]);
    let same = |context: &str| {
        let (a, b) = (snapshot(&inc.join("report")), snapshot(&full.join("report")));
        let differ: Vec<&PathBuf> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
        assert!(differ.is_empty(), "{context}: these differ: {differ:?}");
        assert_same(&inc, &full, context);
    };
    // The first hours of today (a day the report has no files of yet) and a late file of
    // yesterday: brought up to date in place.
    let hour = [log("f.log", "2024-05-20", 100), log("g.log", "2024-05-20", 120), log("h.log", "2024-05-19", 40)];
    let hour: Vec<&Path> = hour.iter().map(PathBuf::as_path).collect();
    let stdout = run(&inc, &[], &hour);
    assert!(stdout.contains("report brought up to date"), "{stdout}");
    assert!(run(&full, &["--full-report"], &hour).contains("report written to"));
    same("an hour added");
    // A late file of a closed day: made in full, and the cache made again.
    let late = [log("i.log", "2024-05-15", 50)];
    let late: Vec<&Path> = late.iter().map(PathBuf::as_path).collect();
    assert!(run(&inc, &[], &late).contains("report written to"));
    assert!(run(&full, &["--full-report"], &late).contains("report written to"));
    same("a closed day changed");
    // The next hour is in place again.
    let next = [log("j.log", "2024-05-20", 80)];
    let next: Vec<&Path> = next.iter().map(PathBuf::as_path).collect();
    assert!(run(&inc, &[], &next).contains("report brought up to date"));
    assert!(run(&full, &["--full-report"], &next).contains("report written to"));
    same("the next hour");
    // A damaged cache is no harm: the report is made in full.
    std::fs::write(inc.join("cache/last-seen.bin"), b"not a cache").unwrap();
    let more = [log("k.log", "2024-05-20", 30)];
    let more: Vec<&Path> = more.iter().map(PathBuf::as_path).collect();
    assert!(run(&inc, &[], &more).contains("report written to"));
    assert!(run(&full, &["--full-report"], &more).contains("report written to"));
    same("a damaged cache");
}
