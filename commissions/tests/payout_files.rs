//! A payment run splits its files where the payment services stop: 5,000 rows per PayPal
//! Payouts file, 1,000 per Wise batch; partners due without an e-mail are left out and named.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use chrono::NaiveDate;
use refcenter_commissions::ledger::{Balance, Ledger};
use refcenter_commissions::payouts::{PAYPAL_ROWS, WISE_ROWS, batch, parse_run};
use refcenter_model::load_path;
use refcenter_model::money::Money;

#[test]
fn large_runs_are_split_per_service_and_partners_without_email_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let n = PAYPAL_ROWS + 2;
    let mut toml = String::from(
        "[program]\nname = \"Big\"\nbase_url = \"https://go.example.com\"\nfallback_url = \"https://www.example.com/\"\n\n\
         [commissions]\ncurrency = \"EUR\"\ndefault_plan = \"p\"\nminimum_payout = \"10.00\"\n\n\
         [[commissions.plans]]\ncode = \"p\"\nname = \"P\"\n\n[[commissions.plans.levels]]\nsale = \"10%\"\n\n",
    );
    for i in 0..=n {
        toml.push_str(&format!("[[partners]]\ncode = \"p{i}\"\nname = \"Partner {i}\"\n"));
        if i != n {
            toml.push_str(&format!("email = \"p{i}@example.com\"\n"));
        }
    }
    std::fs::write(dir.path().join("partners.toml"), toml).unwrap();
    let program = load_path(&dir.path().join("partners.toml")).unwrap().program;
    let c = program.settings.commissions.as_ref().unwrap();
    let mut ledger = Ledger::default();
    for i in 0..=n {
        let due = Balance { earned: Money(1000), payable: Money(1000), due: true, ..Balance::default() };
        ledger.balances.insert(format!("p{i}"), due);
    }
    // One under the minimum: not due, so not paid.
    ledger.balances.insert("p0".into(), Balance { payable: Money(999), ..Balance::default() });
    let run = batch(&program, c, &ledger, NaiveDate::from_ymd_opt(2024, 7, 1).unwrap());
    let rows = |name: &str| {
        let (_, bytes) = run.files.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name}"));
        String::from_utf8(bytes.clone()).unwrap().lines().count()
    };
    let paid = n - 1; // p1 ..= p5001; p0 is under the minimum, p5002 has no e-mail
    assert_eq!(run.paid, (paid, Money(1000 * paid as i64)));
    assert_eq!((rows("paypal-1.csv"), rows("paypal-2.csv")), (PAYPAL_ROWS, paid - PAYPAL_ROWS));
    assert_eq!(rows("wise-1.csv"), WISE_ROWS + 1, "a header and 1,000 rows");
    assert_eq!(rows(&format!("wise-{}.csv", paid.div_ceil(WISE_ROWS))), paid % WISE_ROWS + 1);
    assert_eq!(run.skipped, vec![(format!("p{n}"), "no e-mail address in the program file".to_owned())]);
    let (_, record) = run.files.iter().find(|(name, _)| name == "2024-07-01.toml").unwrap();
    let payments = parse_run("2024-07-01.toml", std::str::from_utf8(record).unwrap(), c).unwrap();
    assert_eq!(payments.len(), paid);
    assert!(payments.iter().all(|p| p.amount == Money(1000)));
}
