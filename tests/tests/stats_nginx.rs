//! `refstats` on the access log of a real nginx: nginx serves the built sample site with the
//! emitted rules and logs through the `real_ip` module (client addresses from
//! `X-Forwarded-For`, as behind a load balancer), both in the combined format and as JSON; the
//! test sends a known set of requests, runs `refstats` on each log, and checks every count.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::Path;

use refcenter_tests::http::request;
use refcenter_tests::{build, repo_root, run, servers};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const CHROME: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

/// `(method, path, client address, user agent)`.
const REQUESTS: &[(&str, &str, &str, &str)] = &[
    // People: the same person twice on one link, another person once.
    ("GET", "/go/xyz/samantha/email-list", "203.0.113.10", FIREFOX),
    ("GET", "/go/xyz/samantha/email-list?gclid=abc", "203.0.113.10", FIREFOX),
    ("GET", "/go/xyz/samantha/email-list/", "203.0.113.11", IPHONE),
    // The same address with another browser is another visitor.
    ("GET", "/go/test/swdf/instagram", "203.0.113.10", FIREFOX),
    ("GET", "/go/test/swdf/instagram", "203.0.113.10", CHROME),
    ("GET", "/go/xyz/abc123", "198.51.100.20", CHROME),
    // Unknown codes still redirect and are counted, flagged.
    ("GET", "/go/nope/samantha", "198.51.100.21", IPHONE),
    ("GET", "/go/xyz/nobody", "198.51.100.22", FIREFOX),
    ("GET", "/go/xyz/samantha/no-such-ad", "198.51.100.22", FIREFOX),
    // Bots and HEAD requests on tracking links.
    (
        "GET",
        "/go/xyz/samantha",
        "66.249.66.1",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ),
    (
        "GET",
        "/go/xyz/samantha",
        "192.0.2.50",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    ),
    ("GET", "/go/xyz/samantha", "192.0.2.51", "curl/8.5.0"),
    ("HEAD", "/go/xyz/samantha", "192.0.2.52", FIREFOX),
    // Not tracking links.
    ("GET", "/robots.txt", "203.0.113.10", FIREFOX),
    ("GET", "/index.html", "203.0.113.10", FIREFOX),
    ("POST", "/go/xyz/samantha", "203.0.113.10", FIREFOX),
];

fn counts(csv: &str) -> BTreeMap<String, (u64, u64, u64, u64)> {
    // link,partner,ad,clicks,unique_clicks,bot_hits,head_hits,...
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').map(|f| f.trim_matches('"')).collect();
            (
                format!("{}/{}/{}", f[0], f[1], f[2]),
                (f[3].parse().unwrap(), f[4].parse().unwrap(), f[5].parse().unwrap(), f[6].parse().unwrap()),
            )
        })
        .collect()
}

fn check_report(dir: &Path, log: &Path, format: &str) {
    let out = dir.join(format!("stats-{format}"));
    let result = run(
        "refstats",
        &[
            "--config",
            repo_root().join("partners.toml").to_str().unwrap(),
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
            log.to_str().unwrap(),
        ],
        dir,
    );
    assert_eq!(result.status.code(), Some(0), "{format}: {}", String::from_utf8_lossy(&result.stderr));
    let by_key = counts(&std::fs::read_to_string(out.join("by_link_partner_ad.csv")).unwrap());
    let expected: BTreeMap<String, (u64, u64, u64, u64)> = [
        ("nope/samantha/", (1, 1, 0, 0)),
        ("test/swdf/instagram", (2, 2, 0, 0)),
        ("xyz/abc123/", (1, 1, 0, 0)),
        ("xyz/nobody/", (1, 1, 0, 0)),
        ("xyz/samantha/", (0, 0, 3, 1)),
        ("xyz/samantha/email-list", (3, 2, 0, 0)),
        ("xyz/samantha/no-such-ad", (1, 1, 0, 0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(by_key, expected, "{format}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let acc = &summary["accounting"];
    assert_eq!(acc["lines"], REQUESTS.len() as u64, "{format}: {acc}");
    assert_eq!(acc["clicks"], 9);
    assert_eq!(acc["head_hits"], 1);
    assert_eq!(acc["bot_hits"], serde_json::json!({"search crawler": 1, "link preview": 1, "HTTP library or tool": 1}));
    assert_eq!(acc["filtered"], serde_json::json!({"not a tracking link": 2, "not GET or HEAD": 1}));
    assert_eq!(acc["rejected"], serde_json::json!({}));
    // Raw addresses appear in no report file.
    for entry in walkdir::WalkDir::new(&out).into_iter().map(Result::unwrap).filter(|e| e.file_type().is_file()) {
        let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
        for (_, _, ip, _) in REQUESTS {
            assert!(!text.contains(ip), "{} holds the address {ip}", entry.path().display());
        }
    }
    // The parent sees its downline beside its own figures.
    let parents = std::fs::read_to_string(out.join("by_parent.csv")).unwrap();
    assert!(parents.lines().any(|l| l == "samantha,5,4,2,2"), "{parents}");
}

#[test]
fn refstats_counts_exactly_what_a_real_nginx_logged() {
    let dir = tempfile::tempdir().unwrap();
    build(&repo_root().join("partners.toml"), &dir.path().join("output"));
    let work = dir.path().join("nginx");
    std::fs::create_dir(&work).unwrap();
    let extra = format!(
        r#"set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    log_format refcenter escape=json '{{"time":"$time_iso8601","remote_addr":"$remote_addr","request_method":"$request_method","request_uri":"$request_uri","status":$status,"http_user_agent":"$http_user_agent","request_id":"$request_id"}}';
    access_log {work}/access.log combined;
    access_log {work}/access.json refcenter;"#,
        work = work.display()
    );
    let server = servers::nginx(&dir.path().join("output"), &work, &extra);
    for (method, path, ip, agent) in REQUESTS {
        let headers = [("X-Forwarded-For", *ip), ("User-Agent", *agent), ("Content-Length", "0")];
        let response = request(server.addr, method, path, &headers).unwrap();
        assert!(response.status < 500, "{method} {path}: {}", response.status);
    }
    // nginx writes a line when it finishes a request; wait for all of them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::read_to_string(work.join("access.json")).map_or(0, |t| t.lines().count()) < REQUESTS.len() {
        assert!(std::time::Instant::now() < deadline, "nginx did not log every request");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(server);
    check_report(dir.path(), &work.join("access.log"), "combined");
    check_report(dir.path(), &work.join("access.json"), "nginx-json");
    // And with the format detected.
    check_report(dir.path(), &work.join("access.log"), "auto");
}
