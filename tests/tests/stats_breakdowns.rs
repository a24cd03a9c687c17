//! The breakdowns (source, device, OS, browser, country, referrer) equal a count made here,
//! independently, from the events the logs were written from: combined and CloudFront logs of
//! the same kind of events, bots, HEAD requests, failed requests and other paths among them,
//! read by one run and by a store fed in two runs.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use refcenter_tests::{Rng, command, repo_root};

/// Client addresses and the country the registries place them in (none for a documentation
/// address).
const CLIENTS: [(&str, &str); 6] = [
    ("1.0.0.7", "AU"),
    ("1.0.1.9", "CN"),
    ("8.8.8.8", "US"),
    ("193.0.6.139", "NL"),
    ("2001:4860:4860::8888", "US"),
    ("192.0.2.5", "unknown"),
];

/// User agents with their device class, operating system and browser.
const AGENTS: [(&str, [&str; 3]); 6] = [
    ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", ["desktop", "Linux", "Firefox"]),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        ["mobile", "iPhone", "Safari"],
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        ["desktop", "Windows 10", "Chrome"],
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
        ["mobile", "Android", "Chrome"],
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        ["tablet", "iPad", "Safari"],
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Safari/537.36",
        ["tablet", "Android", "Chrome"],
    ),
];

/// Referrers and the domain counted.
const REFERRERS: [(&str, &str); 5] = [
    ("-", "(direct)"),
    ("https://www.Instagram.com/p/1", "instagram.com"),
    ("https://t.co/abc", "t.co"),
    ("android-app://com.google.android.gm/", "com.google.android.gm"),
    ("not a url", "(other)"),
];

const CF_FIELDS: &str = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

/// (codes, dimension, value) -> clicks, the codes being those of a table's code columns.
type Expected = BTreeMap<(Vec<String>, String, String), u64>;

/// The expected rows of breakdown_by_partner, breakdown_by_link and breakdown_by_partner_ad.
#[derive(Default)]
struct Tables {
    by_partner: Expected,
    by_link: Expected,
    by_ad: Expected,
}

/// Writes the logs (two combined files, one CloudFront file); returns them with the expected
/// breakdown of the clicks among their lines.
fn write_logs(dir: &Path) -> (Vec<PathBuf>, Tables) {
    let partners = ["samantha", "aapex", "swdf", "ghost"];
    let links = ["xyz", "test"];
    // Ad codes the program does not know are counted under their code too.
    let ads = ["", "", "flyer"];
    let mut rng = Rng(0xb4ea_cd01_a5e1);
    let mut expected = Tables::default();
    let mut files = [String::new(), String::new(), format!("#Version: 1.0\n#Fields: {CF_FIELDS}\n")];
    for i in 0..3_000usize {
        let partner = partners[rng.below(partners.len())];
        let link = links[rng.below(links.len())];
        let ad = ads[rng.below(ads.len())];
        let go = if ad.is_empty() { format!("/go/{link}/{partner}") } else { format!("/go/{link}/{partner}/{ad}") };
        let (client, country) = CLIENTS[rng.below(CLIENTS.len())];
        let (agent, [device, os, browser]) = AGENTS[rng.below(AGENTS.len())];
        let (referrer, domain) = REFERRERS[rng.below(REFERRERS.len())];
        let qr = rng.below(4) == 0;
        // Not clicks: bots, HEAD requests, failed requests, other paths.
        let (agent, method, status, path) = match rng.below(12) {
            0 => ("Googlebot/2.1 (+http://www.google.com/bot.html)", "GET", 302, go),
            1 => (agent, "HEAD", 302, go),
            2 => (agent, "GET", 404, go),
            3 => (agent, "GET", 200, "/about".to_owned()),
            _ => (agent, "GET", 302, go),
        };
        let click = method == "GET" && status == 302 && path.starts_with("/go/") && !agent.starts_with("Googlebot");
        if click {
            let source = if qr { "qr" } else { "link" };
            for (dim, value) in [
                ("source", source),
                ("device", device),
                ("os", os),
                ("browser", browser),
                ("country", country),
                ("referrer", domain),
            ] {
                let count = |table: &mut Expected, codes: &[&str]| {
                    let codes = codes.iter().map(|c| c.to_string()).collect();
                    *table.entry((codes, dim.to_owned(), value.to_owned())).or_default() += 1;
                };
                count(&mut expected.by_partner, &[partner]);
                count(&mut expected.by_link, &[link]);
                if !ad.is_empty() {
                    count(&mut expected.by_ad, &[partner, ad]);
                }
            }
        }
        let day = 1 + i * 20 / 3_000;
        let query = if qr { "qr=1" } else { "utm_source=x" };
        match i % 3 {
            2 => {
                let ua = agent.replace(' ', "%20");
                files[2].push_str(&format!(
                    "2024-03-{day:02}\t10:00:{:02}\tFRA56-P5\t410\t{client}\t{method}\td1.cloudfront.net\t{path}\t{status}\t{referrer}\t{ua}\t{query}\t-\tMiss\tr{i:08}\tgo.example.com\thttps\t100\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t443\t0.001\tMiss\ttext/html\t0\t-\t-\n",
                    i % 60
                ));
            }
            n => files[n].push_str(&format!(
                "{client} - - [{day:02}/Mar/2024:10:00:{:02} +0000] \"{method} {path}?{query} HTTP/1.1\" {status} 0 \"{referrer}\" \"{agent}\"\n",
                i % 60
            )),
        }
    }
    let paths: Vec<PathBuf> = ["a.log", "b.log", "c-cloudfront.log"]
        .iter()
        .zip(files)
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    (paths, expected)
}

/// Runs refstats, which must succeed; returns what it said on stderr.
fn refstats(dir: &Path, args: &[&str]) -> String {
    let out = command("refstats", dir).arg("--config").arg(repo_root().join("partners.toml")).args(args).output();
    let out = out.expect("refstats starts");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

/// The rows of the CSV table `path` after its header, which must be `header`.
fn csv_rows(path: &Path, header: &[&str]) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    assert_eq!(reader.headers().unwrap(), header.to_vec(), "{}", path.display());
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

/// The rows of the breakdown table `name` (whose code columns are `codes`) as (codes,
/// dimension, value) -> clicks.
fn read_table(report: &Path, name: &str, codes: &[&str]) -> Expected {
    let mut out = Expected::new();
    let header = [codes, &["dimension", "value", "clicks"]].concat();
    for mut row in csv_rows(&report.join(format!("{name}.csv")), &header) {
        let clicks = row.pop().unwrap().parse().unwrap();
        let value = row.pop().unwrap();
        let dim = row.pop().unwrap();
        assert!(out.insert((row, dim, value), clicks).is_none(), "one row per value");
    }
    out
}

/// Reads the breakdown tables of `report` and checks them against `expected`.
fn check_tables(report: &Path, expected: &Tables, what: &str) {
    assert_eq!(read_table(report, "breakdown_by_partner", &["partner"]), expected.by_partner, "{what}: by partner");
    assert_eq!(read_table(report, "breakdown_by_link", &["link"]), expected.by_link, "{what}: by link");
    assert_eq!(read_table(report, "breakdown_by_partner_ad", &["partner", "ad"]), expected.by_ad, "{what}: by ad");
}

#[test]
fn breakdowns_equal_a_count_of_the_events() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, expected) = write_logs(dir.path());
    let total: u64 = expected.by_partner.iter().filter(|(k, _)| k.1 == "source").map(|(_, n)| n).sum();
    assert!(total > 1_500, "most lines are clicks: {total}");
    assert!(!expected.by_ad.is_empty(), "some clicks name an ad");
    let logs: Vec<&str> = logs.iter().map(|p| p.to_str().unwrap()).collect();

    let one = dir.path().join("one");
    let mut args = vec!["--out", one.to_str().unwrap(), "--as-of", "2024-03-20", "--breakdowns", "all"];
    args.extend(&logs);
    refstats(dir.path(), &args);
    check_tables(&one, &expected, "one run");

    // The program's table sums the partners'.
    let mut program: BTreeMap<(String, String), u64> = BTreeMap::new();
    for ((_, dim, value), n) in &expected.by_partner {
        *program.entry((dim.clone(), value.clone())).or_default() += n;
    }
    let rows = csv_rows(&one.join("breakdown.csv"), &["dimension", "value", "clicks"]);
    let read: BTreeMap<(String, String), u64> =
        rows.iter().map(|r| ((r[0].clone(), r[1].clone()), r[2].parse().unwrap())).collect();
    assert_eq!(read, program);
    assert_eq!(rows.len(), read.len());

    // A partner's page figures: its top values of all time, most clicks first.
    let pages: serde_json::Value = serde_json::from_slice(&std::fs::read(one.join("partners.json")).unwrap()).unwrap();
    let mut countries: Vec<(u64, String)> = expected
        .by_partner
        .iter()
        .filter(|((p, d, _), _)| p == &["samantha"] && d == "country")
        .map(|((_, _, v), n)| (*n, v.clone()))
        .collect();
    countries.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let top: Vec<serde_json::Value> =
        countries.iter().take(5).map(|(n, v)| serde_json::json!({"value": v, "clicks": n})).collect();
    assert_eq!(pages["partners"]["samantha"]["breakdowns"]["country"]["all_time"], serde_json::Value::Array(top));

    // A store fed in two runs gives the same tables.
    let store = dir.path().join("store");
    let store_arg = store.to_str().unwrap();
    refstats(dir.path(), &["--store", store_arg, "--as-of", "2024-03-20", "--breakdowns", "all", logs[0]]);
    let mut args = vec!["--store", store_arg, "--as-of", "2024-03-20", "--breakdowns", "all"];
    args.extend(&logs[1..]);
    let said = refstats(dir.path(), &args);
    assert!(!said.contains("breakdowns leave out"), "every day has its breakdowns: {said}");
    check_tables(&store.join("report"), &expected, "a store fed in two runs");
    for table in ["breakdown", "breakdown_by_partner", "breakdown_by_link", "breakdown_by_partner_ad"] {
        let file = format!("{table}.csv");
        let [stored, once] = [store.join("report").join(&file), one.join(&file)].map(|p| std::fs::read(p).unwrap());
        assert_eq!(stored, once, "{file}: the store's and one run's, byte for byte");
    }

    // A store whose first run counted no breakdowns says that its tables leave clicks out.
    let mixed = dir.path().join("mixed");
    let mixed_arg = mixed.to_str().unwrap();
    let said = refstats(dir.path(), &["--store", mixed_arg, "--as-of", "2024-03-20", logs[0]]);
    assert!(!said.contains("breakdowns leave out"), "nothing broken down, nothing said: {said}");
    let mut args = vec!["--store", mixed_arg, "--as-of", "2024-03-20", "--breakdowns", "all"];
    args.extend(&logs[1..]);
    let said = refstats(dir.path(), &args);
    let total: u64 = expected.by_partner.iter().filter(|(k, _)| k.1 == "source").map(|(_, n)| n).sum();
    assert!(
        said.contains("the breakdowns leave out clicks of 20 day(s) of the store, 2024-03-01 to 2024-03-20")
            && said.contains(&format!("of the {total} clicks")),
        "{said}"
    );

    // Without breakdowns (the default), no breakdown rows.
    let none = dir.path().join("none");
    let mut args = vec!["--out", none.to_str().unwrap()];
    args.extend(&logs);
    refstats(dir.path(), &args);
    assert!(read_table(&none, "breakdown_by_partner", &["partner"]).is_empty());
}
