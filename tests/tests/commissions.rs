//! Commissions end to end with the real binaries on the sample program: shop exports ingested
//! into the store once (a renamed copy is skipped, a re-export updates the orders it repeats,
//! the order of the exports does not matter), the report's ledger and balances, a payment run
//! written and recorded, a refund after it clawed back, the partner pages (a parent never
//! sees its children's orders, no customer e-mail anywhere published), and exports refused
//! whole with file, line and hint.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::process::Output;

use refcenter_tests::{copy_sample, private_paths, run, snapshot};

const HEADER: &str = "order_id,date,kind,status,amount,refunded,refunded_at,currency,email,partner,link,ad,sku\n";

/// May's export: aapex's order (samantha is its parent), samantha's own, swdf's lead.
const MAY: &str = "A1,2024-05-01,order,paid,200.00,,,USD,ann@example.net,aapex,test,print-flyer,\n\
                   A2,2024-05-02,order,paid,40.00,,,USD,bo@example.net,samantha,xyz,email-list,\n\
                   A3,2024-05-03,lead,,,,,,cy@example.net,swdf,,,\n";

/// July's export repeats A1 (now refunded) and A2, and adds A4.
const JULY: &str = "A1,2024-05-01,order,refunded,200.00,200.00,2024-07-02,USD,ann@example.net,aapex,test,print-flyer,\n\
                    A2,2024-05-02,order,paid,40.00,,,USD,bo@example.net,samantha,xyz,email-list,\n\
                    A4,2024-07-01,order,paid,200.00,,,USD,dee@example.net,samantha,,,\n";

fn refstats(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--no-progress"];
    all.extend_from_slice(args);
    run("refstats", &all, dir)
}

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    format!("{}{stderr}", String::from_utf8_lossy(&out.stdout))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows of a report CSV as (first column, the named column) pairs.
fn column(csv: &str, name: &str) -> Vec<(String, String)> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_owned(), cells[at].to_owned())
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[test]
fn orders_to_ledger_to_payment_to_clawback_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_sample(d);
    std::fs::create_dir_all(d.join("exports")).unwrap();
    std::fs::write(d.join("exports/may.csv"), format!("{HEADER}{MAY}")).unwrap();

    // May: aapex earns 20% of 200.00, samantha (founding plan) 2.50 on it as its parent and
    // 25% of her own 40.00, swdf 1.00 for its lead. Payable 30 days after payment.
    let text = ok(&refstats(d, &["--store", "stats", "--orders", "exports/may.csv", "--as-of", "2024-06-30"]));
    assert!(text.contains("orders: 1 exports read, 3 rows, 3 orders and leads, 0 rows rejected"), "{text}");
    let balances = read(&d.join("stats/report/balances.csv"));
    assert_eq!(column(&balances, "payable"), pairs(&[("aapex", "40.00"), ("samantha", "12.50"), ("swdf", "1.00")]));
    assert_eq!(column(&balances, "due"), pairs(&[("aapex", "true"), ("samantha", "false"), ("swdf", "false")]));

    // The same export again under another name is skipped.
    std::fs::copy(d.join("exports/may.csv"), d.join("exports/may-again.csv")).unwrap();
    let before = snapshot(&d.join("stats/conversions"));
    let text = ok(&refstats(d, &["--store", "stats", "--orders", "exports/may-again.csv", "--as-of", "2024-06-30"]));
    assert!(text.contains("skipped export exports/may-again.csv: ingested before as exports/may.csv"), "{text}");
    assert_eq!(snapshot(&d.join("stats/conversions")), before);

    // The payment run pays aapex (40.00 reaches the 25.00 minimum).
    let text = ok(&refstats(d, &["--store", "stats", "--as-of", "2024-06-30", "--payout", "payrun"]));
    assert!(text.contains("payment run written to payrun: 1 partners, 40.00 USD"), "{text}");
    assert_eq!(
        read(&d.join("payrun/paypal-1.csv")),
        "office@aapex.example,40.00,USD,aapex-2024-06-30,Martyc Hair Care referral commissions to 2024-06-30\n"
    );
    assert!(
        read(&d.join("payrun/wise-1.csv")).contains(
            "\nProfessional Organization,office@aapex.example,aapex-2024-06-30,PERSON,source,40.00,USD,USD\n"
        )
    );
    std::fs::create_dir_all(d.join("payouts")).unwrap();
    std::fs::copy(d.join("payrun/2024-06-30.toml"), d.join("payouts/2024-06-30.toml")).unwrap();

    // July's re-export refunds A1 after aapex was paid, repeats A2, adds A4.
    std::fs::write(d.join("exports/july.csv"), format!("{HEADER}{JULY}")).unwrap();
    ok(&refstats(d, &["--store", "stats", "--orders", "exports/july.csv", "--as-of", "2024-07-15"]));
    let report = d.join("stats/report");
    let balances = read(&report.join("balances.csv"));
    // aapex owes the 40.00 back; samantha's unpaid 2.50 on A1 is clawed back with it; A4's
    // 50.00 waits for its holding period.
    assert_eq!(column(&balances, "paid"), pairs(&[("aapex", "40.00"), ("samantha", "0.00"), ("swdf", "0.00")]));
    assert_eq!(column(&balances, "payable"), pairs(&[("aapex", "-40.00"), ("samantha", "10.00"), ("swdf", "1.00")]));
    assert_eq!(column(&balances, "pending"), pairs(&[("aapex", "0.00"), ("samantha", "50.00"), ("swdf", "0.00")]));
    let lines = read(&report.join("commissions.csv"));
    assert_eq!(
        column(&lines, "status"),
        pairs(&[
            ("aapex", "paid"),
            ("aapex", "payable"),
            ("samantha", "clawed back"),
            ("samantha", "clawed back"),
            ("samantha", "payable"),
            ("samantha", "pending"),
            ("swdf", "payable"),
        ])
    );
    assert_eq!(column(&read(&report.join("orders.csv")), "status").len(), 4, "A1 and A2 are counted once");
    let checks = read(&report.join("checks.csv"));
    assert!(checks.contains("refund after payment,A1,aapex,-40.00 clawed back after it was paid"), "{checks}");
    let summary: serde_json::Value = serde_json::from_str(&read(&report.join("summary.json"))).unwrap();
    assert_eq!(summary["run"]["commissions"]["exports"], 2);
    assert!(read(&report.join("report.html")).contains("<h3>Clawbacks</h3>"));

    // The pages: each partner sees its own ledger; a parent sees its child's orders as totals
    // and lines without the order; no customer e-mail is published, nor kept in the store.
    let out = run("refgen", &["build", "--stats", "stats/report"], d);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let paths: std::collections::BTreeMap<String, String> = private_paths(&d.join("output")).into_iter().collect();
    let page = |partner: &str, sub: &str| read(&d.join(format!("output/public{}{sub}/index.html", paths[partner])));
    let sam = page("samantha", "ledger");
    assert!(sam.contains("order A2 (xyz, email-list)") && sam.contains("an order of your referral partner aapex"));
    assert!(!sam.contains("A1"), "the parent sees no order id of its child");
    assert!(sam.contains("<dd id=\"balance-payable\">10.00</dd>"), "{sam}");
    let aapex = page("aapex", "ledger");
    assert!(aapex.contains("order A1 (test, print-flyer)") && aapex.contains("<dd id=\"balance-payable\">-40.00</dd>"));
    assert!(!aapex.contains("A2") && !aapex.contains("A4"), "a child sees nothing of its parent's orders");
    let stats = page("samantha", "stats");
    assert!(stats.contains("Opt-ins, orders and commission"), "{stats}");
    for (path, bytes) in snapshot(&d.join("output/public")).into_iter().chain(snapshot(&d.join("stats"))) {
        let text = String::from_utf8_lossy(&bytes);
        for email in ["ann@example.net", "bo@example.net", "cy@example.net", "dee@example.net"] {
            assert!(!text.contains(email), "{} holds a customer's e-mail", path.display());
        }
    }
}

#[test]
fn exports_in_any_order_make_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_sample(d);
    std::fs::write(d.join("may.csv"), format!("{HEADER}{MAY}")).unwrap();
    std::fs::write(d.join("july.csv"), format!("{HEADER}{JULY}")).unwrap();
    for (store, order) in [("a", ["may.csv", "july.csv"]), ("b", ["july.csv", "may.csv"])] {
        for export in order {
            ok(&refstats(d, &["--store", store, "--orders", export, "--as-of", "2024-07-15"]));
        }
    }
    let both =
        ok(&refstats(d, &["--store", "c", "--orders", "july.csv", "--orders", "may.csv", "--as-of", "2024-07-15"]));
    assert!(both.contains("orders: 2 exports read"), "{both}");
    for table in ["commissions.csv", "balances.csv", "orders.csv", "checks.csv", "partners.json"] {
        let a = std::fs::read(d.join("a/report").join(table)).unwrap();
        assert_eq!(a, std::fs::read(d.join("b/report").join(table)).unwrap(), "{table}");
        assert_eq!(a, std::fs::read(d.join("c/report").join(table)).unwrap(), "{table}");
    }
    assert_eq!(snapshot(&d.join("a/conversions")), snapshot(&d.join("b/conversions")));
}

#[test]
fn bad_exports_are_refused_whole_and_the_good_ones_still_go_in() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_sample(d);
    std::fs::create_dir_all(d.join("exports")).unwrap();
    std::fs::write(
        d.join("exports/a-good.csv"),
        format!("{HEADER}{MAY}X9,2024-05-04,order,paid,5.00,,,EUR,,aapex,,,\n"),
    )
    .unwrap();
    std::fs::write(d.join("exports/b-latin1.csv"), b"order_id,date,amount,partner\nB1,2024-05-01,caf\xe9,aapex\n")
        .unwrap();
    std::fs::write(
        d.join("exports/c-stripe.csv"),
        "id,Created date (UTC),Amount Refunded,Currency\nch_1,2024-05-01,0,usd\n",
    )
    .unwrap();
    let out = refstats(d, &["--store", "stats", "--orders", "exports", "--as-of", "2024-06-30"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("rejected row: exports/a-good.csv:5: currency EUR is not the program's USD"), "{stdout}");
    assert!(stdout.contains("refused export: exports/b-latin1.csv:2: the file is not UTF-8"), "{stdout}");
    assert!(stdout.contains("hint: export the file again as UTF-8"), "{stdout}");
    assert!(stdout.contains("refused export: exports/c-stripe.csv:1: the stripe export has no `amount` column"));
    assert!(stderr.contains("error: 2 export(s) were refused"), "{stderr}");
    // The good export is in the store; the refused ones are not, so a fixed copy goes in later.
    let ledger: serde_json::Value = serde_json::from_str(&read(&d.join("stats/ledger.json"))).unwrap();
    let names: Vec<&str> =
        ledger["exports"].as_object().unwrap().values().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["exports/a-good.csv"]);

    // A program without [commissions] cannot take orders.
    let plain = d.join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let root = read(&d.join("partners.toml"));
    let cut = root.find("[commissions]").unwrap()..root.find("[[links]]").unwrap();
    std::fs::write(plain.join("partners.toml"), format!("{}{}", &root[..cut.start], &root[cut.end..])).unwrap();
    for folder in ["partners", "ads"] {
        refcenter_tests::copy_dir(&d.join(folder), &plain.join(folder), &[]);
    }
    let out = refstats(&plain, &["--orders", "../exports/a-good.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("it has no [commissions]"));
}
