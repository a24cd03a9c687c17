//! The ledger of a program computed by hand, to the cent: 30 orders and 3 leads over three
//! levels (fixtures/hand/), with percentage and flat rates, a product override, a link
//! override, full and partial refunds, a refund after payment, a holding period, a minimum
//! payout, the first-referrer rule, unknown and missing partners, a re-export overlapping the
//! first and changing an amount and a status. Every expected figure below was worked out from
//! the fixture by hand (the working is in the comments), not copied from the program.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use refcenter_commissions::import::{Context, customer_key, import};
use refcenter_commissions::ledger::{Balance, Check, Ledger, LineStatus, compute};
use refcenter_commissions::order_book::OrderBook;
use refcenter_commissions::payouts::{batch, parse_run, read_payments};
use refcenter_model::money::Money;
use refcenter_model::{Program, Secret, load_path};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hand")
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Setup {
    program: Program,
    secret: Secret,
}

impl Setup {
    fn new() -> Setup {
        let program = load_path(&fixture().join("partners.toml")).unwrap().program;
        Setup { program, secret: Secret::from_text("the hand-computed fixture's key").unwrap() }
    }

    fn cx(&self) -> Context<'_> {
        Context {
            program: &self.program,
            commissions: self.program.settings.commissions.as_ref().unwrap(),
            secret: &self.secret,
        }
    }

    fn book(&self, files: &[&str]) -> OrderBook {
        let mut book = OrderBook::default();
        for f in files {
            let bytes = std::fs::read(fixture().join(f)).unwrap();
            for c in import(f, &bytes, &self.cx()).unwrap().conversions {
                book.add(c);
            }
        }
        book
    }

    fn emails(&self) -> BTreeMap<String, String> {
        self.program
            .partners()
            .iter()
            .filter_map(|p| p.email.as_deref().map(|e| (p.code.to_string(), customer_key(&self.secret, e))))
            .collect()
    }

    fn ledger(&self, book: &OrderBook, payments_dir: &Path) -> Ledger {
        let c = self.program.settings.commissions.as_ref().unwrap();
        let payments = read_payments(payments_dir, c).unwrap();
        compute(&self.program, c, book, &payments, &self.emails(), day("2024-06-30"))
    }
}

use LineStatus::{ClawedBack as Cb, Paid, Payable as P, Pending};

/// Every line: id, partner, amount in cents, status as of 2024-06-30 (payable 14 days after
/// payment; the fixture's orders are paid on the day they are placed).
const EXPECTED: &[(&str, &str, i64, LineStatus)] = &[
    // ann: the root; level 3 of cat's orders, level 2 of bob's, level 1 of her own.
    ("order:o01:3", "ann", 200, P),     // 2% of 100.00
    ("order:o02:3", "ann", 111, P),     // 2% of 55.55 = 1.111
    ("order:o03:2", "ann", 400, P),     // the pro override has no level 2: 5% of 80.00
    ("order:o04:2:BOOK", "ann", 50, P), // BOOK level 2: flat 0.50
    ("order:o10:3", "ann", 100, Cb),    // refunded in full before payment
    ("order:o10:3:refund:5000", "ann", -100, Cb),
    ("order:o11:2", "ann", 450, P),              // 5% of 90.00
    ("order:o11:2:refund:3000", "ann", -150, P), // 30 of 90 refunded: 4.50 / 3
    ("order:o12:3", "ann", 67, P),               // 2% of 33.33 = 0.6666
    ("order:o12:3:refund:1000", "ann", -20, P),  // 0.67 × 10.00 / 33.33 = 0.201
    ("order:o13:1", "ann", 700, Pending),        // not paid yet: no payable day
    ("order:o17:2", "ann", 50, P),               // 5% of 10.00
    ("order:o18:2", "ann", 500, P),              // o18 goes to bob (first referrer): 5% of 100
    ("order:o21:3", "ann", 20, P),               // 2% of 10.00
    ("order:o23:3", "ann", 200, Pending),        // placed 06-25: payable 07-09
    ("order:o26:1", "ann", 123, P),              // 10% of 12.34 = 1.234
    ("order:o29:3:BOOK", "ann", 200, P),         // BOOK has no level 3: the plan's 2% of 100
    // bob
    ("order:o01:2", "bob", 500, P),
    ("order:o02:2", "bob", 278, P),      // 5% of 55.55 = 2.7775
    ("order:o03:1", "bob", 1600, Paid),  // pro link: 20% of 80.00; paid on 06-01
    ("order:o04:1:BOOK", "bob", 150, P), // BOOK level 1: flat 1.50, no rest
    ("order:o07:3", "bob", 200, P),      // fay's order: bob is level 3
    ("order:o10:2", "bob", 250, Cb),
    ("order:o10:2:refund:5000", "bob", -250, Cb),
    ("order:o11:1", "bob", 900, Paid),
    ("order:o11:1:refund:3000", "bob", -300, Paid), // paid with it on 06-01
    ("order:o12:2", "bob", 167, P),                 // 5% of 33.33 = 1.6665
    ("order:o12:2:refund:1000", "bob", -50, P),     // 1.67 × 10 / 33.33 = 0.501
    ("order:o17:1", "bob", 100, P),
    ("order:o18:1", "bob", 1000, P), // recorded for dan, x's first referrer is bob
    ("order:o21:2", "bob", 50, P),
    ("order:o23:2", "bob", 500, Pending),
    ("order:o29:2:BOOK", "bob", 50, P),
    ("order:o32:3", "bob", 50, P),       // o32 at its lower amount 25.00: 2%
    ("order:o34:3", "bob", 20, Pending), // placed 06-20: payable 07-04
    // cat
    ("order:o01:1", "cat", 1000, P),
    ("order:o02:1", "cat", 556, P), // 10% of 55.55 = 5.555, half up
    ("order:o07:2", "cat", 500, P),
    ("lead:o08:1", "cat", 100, P), // a lead: flat 1.00
    ("order:o10:1", "cat", 500, Cb),
    ("order:o10:1:refund:5000", "cat", -500, Cb),
    ("order:o12:1", "cat", 333, P),
    ("order:o12:1:refund:1000", "cat", -100, P), // 3.33 × 10 / 33.33 = 0.999
    ("order:o21:1", "cat", 100, P),
    ("order:o23:1", "cat", 1000, Pending),
    ("order:o27:1", "cat", 1, P), // 10% of 0.05 = 0.005, half up; levels 2, 3 round to 0
    ("order:o29:1:BOOK", "cat", 150, P),
    ("order:o32:2", "cat", 125, P),
    ("order:o34:2", "cat", 50, Pending),
    // dan: the vip plan (15%, level 2 flat 3.00, lead 2.00)
    ("order:o05:1", "dan", 3000, Paid),
    ("order:o06:2", "dan", 300, P),
    ("lead:o09:1", "dan", 200, P),
    ("order:o19:1", "dan", 1500, P), // x's window (05-01 to 05-30) has closed
    ("order:o22:1", "dan", 2250, Paid),
    ("order:o22:1:refund:15000", "dan", -2250, P), // refunded 06-10, after the payment
    ("order:o25:2", "dan", 300, P),                // vip has no pro override: flat 3.00
    ("order:o30:1", "dan", 1500, P),
    ("order:o31:1", "dan", 150, P), // his own e-mail: reported, still counted
    ("order:o33:2", "dan", 300, Pending),
    // eve (standard, under dan)
    ("order:o06:1", "eve", 600, P),
    ("order:o25:1", "eve", 400, P), // pro link: 20% of 20.00
    ("order:o33:1", "eve", 400, Pending),
    // fay (under cat)
    ("order:o07:1", "fay", 1000, P),
    ("order:o32:1", "fay", 250, P),
    ("order:o34:1", "fay", 100, Pending),
];

fn balance(earned: i64, clawed_back: i64, paid: i64, pending: i64, payable: i64, due: bool) -> Balance {
    Balance {
        earned: Money(earned),
        clawed_back: Money(clawed_back),
        paid: Money(paid),
        pending: Money(pending),
        payable: Money(payable),
        due,
    }
}

#[test]
fn the_ledger_equals_the_hand_computed_one_to_the_cent() {
    let s = Setup::new();
    let book = s.book(&["orders-may.csv", "orders-june.csv"]);
    assert_eq!(book.len(), 33, "30 orders and 3 leads; o01, o02, o22 and o32 twice; o98 and o99 rejected");
    let ledger = s.ledger(&book, &fixture().join("payouts"));
    let got: Vec<(&str, &str, i64, LineStatus)> =
        ledger.lines.iter().map(|l| (l.id.as_str(), &*l.partner, l.amount.0, l.status)).collect();
    assert_eq!(got, EXPECTED);

    let expected = BTreeMap::from([
        // ann: earned 31.71 (with o10's 1.00), clawed back 1.00 + 1.50 + 0.20; due: 20.01 >= 20.00
        ("ann".to_owned(), balance(3171, 270, 0, 900, 2001, true)),
        ("bob".to_owned(), balance(5815, 600, 2200, 520, 2495, true)),
        ("cat".to_owned(), balance(4415, 600, 0, 1050, 2765, true)),
        // dan: 22.50 clawed back after it was paid: 17.00 payable, under the minimum
        ("dan".to_owned(), balance(9500, 2250, 5250, 300, 1700, false)),
        ("eve".to_owned(), balance(1400, 0, 0, 400, 1000, false)),
        ("fay".to_owned(), balance(1350, 0, 0, 100, 1250, false)),
    ]);
    assert_eq!(ledger.balances, expected);
    assert_eq!(
        ledger.checks,
        vec![
            Check::SelfReferral { order: "o31".into(), partner: "dan".into() },
            Check::AmountsDiffer { order: "o32".into(), amounts: [2500, 3000] },
            Check::RefundAfterPayment { order: "o22".into(), partner: "dan".into(), amount: Money(-2250) },
            Check::Unattributed { order: "o15".into(), named: Some("zed".into()) },
            Check::Unattributed { order: "o16".into(), named: None },
            Check::Unattributed { order: "o20".into(), named: None },
        ]
    );
    let o18 = ledger.orders.iter().find(|o| o.order == "o18").unwrap();
    assert_eq!((o18.partner.as_deref(), o18.reason.as_str()), (Some("bob"), "first referrer"));
    // The lines add up to the balances.
    for (partner, b) in &ledger.balances {
        let total: Money = ledger.lines.iter().filter(|l| *l.partner == **partner).map(|l| l.amount).sum();
        assert_eq!(b.earned - b.clawed_back, total, "{partner}");
        assert_eq!(total, b.paid + b.pending + b.payable, "{partner}");
    }
}

#[test]
fn bad_rows_are_rejected_with_their_line_and_the_rest_is_read() {
    let s = Setup::new();
    let bytes = std::fs::read(fixture().join("orders-june.csv")).unwrap();
    let got = import("orders-june.csv", &bytes, &s.cx()).unwrap();
    assert_eq!(got.rows, 14);
    assert_eq!(got.conversions.len(), 12);
    let rejected: Vec<(String, String)> = got.rejected.into_iter().map(|r| (r.at, r.reason)).collect();
    assert_eq!(
        rejected,
        vec![
            ("orders-june.csv:14".to_owned(), "currency EUR is not the program's USD".to_owned()),
            (
                "orders-june.csv:15".to_owned(),
                "`26/06/2024` is not a date (YYYY-MM-DD, optionally with a time)".to_owned()
            ),
        ]
    );
}

#[test]
fn a_payment_run_pays_what_is_due_and_once_recorded_leaves_nothing_payable() {
    let s = Setup::new();
    let c = s.program.settings.commissions.as_ref().unwrap();
    let book = s.book(&["orders-may.csv", "orders-june.csv"]);
    let ledger = s.ledger(&book, &fixture().join("payouts"));
    let run = batch(&s.program, c, &ledger, day("2024-07-01"));
    assert_eq!(run.paid, (3, Money(2001 + 2495 + 2765)));
    let files: BTreeMap<&str, String> =
        run.files.iter().map(|(n, b)| (n.as_str(), String::from_utf8(b.clone()).unwrap())).collect();
    assert_eq!(
        files["paypal-1.csv"],
        "ann@example.com,20.01,USD,ann-2024-07-01,Hand referral commissions to 2024-07-01\n\
         bob@example.com,24.95,USD,bob-2024-07-01,Hand referral commissions to 2024-07-01\n\
         cat@example.com,27.65,USD,cat-2024-07-01,Hand referral commissions to 2024-07-01\n"
    );
    assert_eq!(
        files["wise-1.csv"],
        "name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,targetCurrency\n\
         Ann,ann@example.com,ann-2024-07-01,PERSON,source,20.01,USD,USD\n\
         Bob,bob@example.com,bob-2024-07-01,PERSON,source,24.95,USD,USD\n\
         Cat,cat@example.com,cat-2024-07-01,PERSON,source,27.65,USD,USD\n"
    );
    // Recorded, the run pays exactly the lines it names.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture().join("payouts/2024-06-01.toml"), dir.path().join("2024-06-01.toml")).unwrap();
    std::fs::write(dir.path().join("2024-07-01.toml"), &files["2024-07-01.toml"]).unwrap();
    assert_eq!(parse_run("2024-07-01.toml", &files["2024-07-01.toml"], c).unwrap().len(), 3);
    let after = s.ledger(&book, dir.path());
    for partner in ["ann", "bob", "cat"] {
        let b = after.balances[partner];
        assert_eq!(b.payable, Money::ZERO, "{partner}");
        assert!(!b.due);
    }
    assert_eq!(after.balances["ann"].paid, Money(2001));
    assert!(after.checks.iter().all(|c| !matches!(c, Check::PaymentMismatch { .. })), "{:?}", after.checks);
}

#[test]
fn partners_with_far_more_orders_than_clicks_are_reported() {
    let s = Setup::new();
    let book = s.book(&["orders-may.csv", "orders-june.csv"]);
    let mut ledger = s.ledger(&book, &fixture().join("payouts"));
    // cat's own recorded orders: o01, o02, o10, o12, o21, o23, o27, o29 (the lead o08 and the
    // rejected o98, o99 are not orders): 8. Flagged with 3 clicks (8 > 6), not with 4 (8 = 8).
    // dan's: o05, o19, o22, o30, o31 (o18 named him but went to bob): 5, flagged without clicks.
    refcenter_commissions::ledger::orders_above_clicks(
        &mut ledger,
        &BTreeMap::from([("cat".to_owned(), 3), ("bob".to_owned(), 0), ("dan".to_owned(), 0)]),
    );
    let flagged: Vec<(String, u64, u64)> = ledger
        .checks
        .iter()
        .filter_map(|c| match c {
            Check::ManyOrdersFewClicks { partner, orders, clicks } => Some((partner.clone(), *orders, *clicks)),
            _ => None,
        })
        .collect();
    // bob's own recorded orders: o03, o04, o11, o17 (o18 is his by first referrer only): 4, under 5.
    assert_eq!(flagged, vec![("cat".to_owned(), 8, 3), ("dan".to_owned(), 5, 0)]);
    let mut again = s.ledger(&book, &fixture().join("payouts"));
    refcenter_commissions::ledger::orders_above_clicks(
        &mut again,
        &BTreeMap::from([("cat".to_owned(), 4), ("dan".to_owned(), 3)]),
    );
    assert!(again.checks.iter().all(|c| !matches!(c, Check::ManyOrdersFewClicks { .. })));
}
