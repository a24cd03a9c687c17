//! Logs refstats has no parser for, read through the user's description end to end: a JSON log
//! with its own keys (`--json-fields`, and `[stats] json_fields` in the program file) and a
//! text log of its own layout (`--log-format`) count exactly what the same requests count in
//! nginx's JSON format; a log whose records lack what a click needs is one clear error, not a
//! rejection per line; bad descriptions are usage errors.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::process::Output;

use refcenter_tests::{command, copy_sample, fixtures, repo_root};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
const IPHONE: &str =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";

/// The requests of the nginx JSON fixture: (time, client, method, path, status, agent).
const REQUESTS: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("2024-05-01T10:00:00Z", "203.0.113.10", "GET", "/go/xyz/samantha/email-list", "302", FIREFOX),
    ("2024-05-01T10:00:01Z", "203.0.113.11", "GET", "/go/xyz/samantha/email-list", "302", IPHONE),
    ("2024-05-01T10:00:02Z", "192.0.2.10", "HEAD", "/go/xyz/samantha", "302", ""),
    ("2024-05-01T10:00:03Z", "192.0.2.11", "GET", "/go/xyz/samantha", "302", "python-requests/2.31.0"),
    ("2024-05-01T10:00:04Z", "192.0.2.11", "GET", "/go/xyz/samantha", "abc", ""),
    ("not a time", "192.0.2.11", "GET", "/go/xyz/samantha", "302", ""),
];

fn refstats(dir: &Path, config: &Path, args: &[&str]) -> Output {
    command("refstats", dir).arg("--config").arg(config).args(args).output().unwrap()
}

/// The report's accounting (without the file list and samples) and its finest table.
fn counted(out: &Path) -> (serde_json::Value, String) {
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let mut acc = summary["accounting"].clone();
    for key in ["files", "samples"] {
        acc.as_object_mut().unwrap().remove(key);
    }
    (acc, std::fs::read_to_string(out.join("by_link_partner_ad.csv")).unwrap())
}

fn run_ok(dir: &Path, config: &Path, args: &[&str]) -> (serde_json::Value, String) {
    let out = dir.join(format!("out-{}", args.len()));
    let mut all = vec!["--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let result = refstats(dir, config, &all);
    assert_eq!(result.status.code(), Some(0), "{}", String::from_utf8_lossy(&result.stderr));
    counted(&out)
}

#[test]
fn own_json_keys_and_own_text_layouts_count_what_nginx_json_counts() {
    let dir = tempfile::tempdir().unwrap();
    let config = repo_root().join("partners.toml");
    let reference = run_ok(dir.path(), &config, &[fixtures().join("logs/nginx.json").to_str().unwrap()]);
    assert_eq!(reference.0["clicks"], 2);

    let mut json = String::new();
    let mut text = String::new();
    for (time, client, method, path, status, agent) in REQUESTS {
        let status_value = status.parse::<u16>().map_or_else(|_| serde_json::json!(status), |s| serde_json::json!(s));
        let record = serde_json::json!({
            "at": time, "peer": {"ip": client}, "req": {"verb": method, "target": path, "headers": {"ua": [agent]}},
            "code": status_value,
        });
        json += &format!("{record}\n");
        text += &format!("{time} | {client} | \"{method} {path} HTTP/1.1\" {status} ua=\"{agent}\" took=0.001\n");
    }
    std::fs::write(dir.path().join("own.json"), &json).unwrap();
    std::fs::write(dir.path().join("own.log"), &text).unwrap();
    let own_json = dir.path().join("own.json");
    let map = "time=at,client=peer.ip,method=req.verb,path=req.target,status=code,user_agent=req.headers.ua";
    let from_flag = run_ok(dir.path(), &config, &["--json-fields", map, own_json.to_str().unwrap()]);
    assert_eq!(from_flag, reference, "--json-fields");

    let layout = "%d | %h | \"%r\" %s ua=\"%u\" %^";
    let own_log = dir.path().join("own.log");
    let args = ["--log-format", layout, "--date-format", "%Y-%m-%dT%H:%M:%SZ", own_log.to_str().unwrap()];
    assert_eq!(run_ok(dir.path(), &config, &args), reference, "--log-format");

    // The same map in the program file.
    let program = dir.path().join("program");
    copy_sample(&program);
    let mut toml = std::fs::read_to_string(program.join("partners.toml")).unwrap();
    toml += "\n[stats.json_fields]\ntime = \"at\"\nclient = \"peer.ip\"\nmethod = \"req.verb\"\npath = \"req.target\"\nstatus = \"code\"\nuser_agent = \"req.headers.ua\"\n";
    std::fs::write(program.join("partners.toml"), toml).unwrap();
    assert_eq!(run_ok(dir.path(), &program.join("partners.toml"), &[own_json.to_str().unwrap()]), reference, "[stats]");
}

#[test]
fn a_cloudfront_realtime_selection_counts_what_nginx_json_counts() {
    let dir = tempfile::tempdir().unwrap();
    let config = repo_root().join("partners.toml");
    let reference = run_ok(dir.path(), &config, &[fixtures().join("logs/nginx.json").to_str().unwrap()]);
    // The configuration's fields named out of order; records carry them in the documented one.
    let mut log = String::new();
    for (time, client, method, path, status, agent) in REQUESTS {
        let seconds = chrono_free_seconds(time);
        let agent = if agent.is_empty() { "-".to_owned() } else { agent.replace(' ', "%20") };
        log += &format!("{seconds}.250\t{client}\t{status}\t{method}\t{path}\tFRA56-P1\t{agent}\n");
    }
    std::fs::write(dir.path().join("rt.log"), log).unwrap();
    let rt = dir.path().join("rt.log");
    let fields = "cs-user-agent,cs-uri-stem,x-edge-location,cs-method,sc-status,c-ip,timestamp";
    assert_eq!(run_ok(dir.path(), &config, &["--realtime-fields", fields, rt.to_str().unwrap()]), reference);
    // The same selection in the program file.
    let program = dir.path().join("program");
    copy_sample(&program);
    let mut toml = std::fs::read_to_string(program.join("partners.toml")).unwrap();
    toml += "\n[stats]\nrealtime_fields = [\"timestamp\", \"c-ip\", \"sc-status\", \"cs-method\", \"cs-uri-stem\", \"x-edge-location\", \"cs-user-agent\"]\n";
    std::fs::write(program.join("partners.toml"), toml).unwrap();
    assert_eq!(run_ok(dir.path(), &program.join("partners.toml"), &[rt.to_str().unwrap()]), reference, "[stats]");
}

/// Seconds since the epoch of the table's times (all on 2024-05-01 10:00:0x UTC); the
/// unreadable one stays as it is.
fn chrono_free_seconds(time: &str) -> String {
    match time.strip_prefix("2024-05-01T10:00:0").and_then(|s| s.strip_suffix('Z')) {
        Some(second) => (1_714_557_600 + second.parse::<i64>().unwrap()).to_string(),
        None => time.to_owned(),
    }
}

#[test]
fn records_without_what_a_click_needs_are_one_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = repo_root().join("partners.toml");
    // nginx JSON by its keys, but the time and the status are under names of the site's own.
    let log = dir.path().join("site.json");
    let line = r#"{"ts":"2024-05-01T10:00:00Z","remote_addr":"203.0.113.10","request_method":"GET","request_uri":"/go/xyz/samantha","code":302}"#;
    std::fs::write(&log, format!("{line}\n").repeat(50)).unwrap();
    let out = dir.path().join("out");
    let result = refstats(dir.path(), &config, &["--out", out.to_str().unwrap(), log.to_str().unwrap()]);
    let printed = |r: &Output| format!("{}{}", String::from_utf8_lossy(&r.stdout), String::from_utf8_lossy(&r.stderr));
    let stderr = printed(&result);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no record among the first 20 holds a time"), "{stderr}");
    assert!(stderr.contains("`status`") && stderr.contains("--json-fields"), "{stderr}");
    let (acc, _) = counted(&out);
    assert_eq!(acc["rejected"], serde_json::json!({}), "no rejection per line");

    // A JSON map naming keys the records do not have.
    let result = refstats(
        dir.path(),
        &config,
        &[
            "--out",
            out.to_str().unwrap(),
            "--json-fields",
            "time=ts,client=ip,method=m,path=p,status=code",
            log.to_str().unwrap(),
        ],
    );
    let stderr = printed(&result);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`m` (method), `p` (path), `ip` (client)"), "{stderr}");

    // JSON records of no known shape: the hint names --json-fields.
    std::fs::write(&log, "{\"a\":1}\n").unwrap();
    let result = refstats(dir.path(), &config, &["--out", out.to_str().unwrap(), log.to_str().unwrap()]);
    assert!(printed(&result).contains("name their keys with --json-fields"), "{}", printed(&result));
}

#[test]
fn bad_descriptions_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = repo_root().join("partners.toml");
    for (args, expected) in [
        (vec!["--json-fields", "time=ts,path=uri"], "no key given for method, status, client"),
        (vec!["--json-fields", "time=ts,when=x"], "`when` is not a field"),
        (vec!["--json-fields", "time=a..b"], "is not a path of keys"),
        (vec!["--log-format", "%h %d %r"], "the layout has no %s (status)"),
        (vec!["--log-format", "%h %d %s %r %Z"], "`%Z` is not a specifier"),
        (vec!["--log-format", "%h %d %s \"%r\"", "--json-fields", "time=t"], "both describe the log"),
        (vec!["--log-format", "%h %d %s \"%r\"", "--format", "combined"], "keep one of them"),
        (vec!["--realtime-fields", "timestamp,c-ip"], "the fields lack cs-method"),
        (vec!["--realtime-fields", "timestamp,cs(User-Agent)"], "not a CloudFront real-time log field"),
    ] {
        let mut all = args.clone();
        all.push("-");
        let result = refstats(dir.path(), &config, &all);
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
