//! Regression tests, each named after what went wrong before, on the hand-computed fixture's
//! program (fixtures/hand/partners.toml: cat earns 10% at level 1, 1.50 flat on a BOOK line).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use refcenter_commissions::import::{Context, import};
use refcenter_commissions::ledger::{Check, Ledger, LineStatus, compute};
use refcenter_commissions::order_book::OrderBook;
use refcenter_commissions::payouts::Payment;
use refcenter_model::money::Money;
use refcenter_model::{Program, Secret, load_path};

const HEADER: &str = "order_id,date,kind,status,amount,refunded,refunded_at,currency,email,partner,link,ad,sku\n";

fn program() -> Program {
    load_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hand/partners.toml")).unwrap().program
}

fn ledger(program: &Program, exports: &[&str], payments: &[Payment]) -> Ledger {
    let secret = Secret::from_text("the regression tests' key").unwrap();
    let c = program.settings.commissions.as_ref().unwrap();
    let cx = Context { program, commissions: c, secret: &secret };
    let mut book = OrderBook::default();
    for (i, rows) in exports.iter().enumerate() {
        let got = import(&format!("e{i}.csv"), format!("{HEADER}{rows}").as_bytes(), &cx).unwrap();
        assert!(got.rejected.is_empty(), "{:?}", got.rejected);
        got.conversions.into_iter().for_each(|c| book.add(c));
    }
    compute(program, c, &book, payments, &BTreeMap::new(), NaiveDate::from_ymd_opt(2024, 6, 30).unwrap())
}

fn cat(l: &Ledger) -> Vec<(&str, i64, LineStatus)> {
    l.lines.iter().filter(|l| &*l.partner == "cat").map(|l| (l.id.as_str(), l.amount.0, l.status)).collect()
}

fn payment(file: &str, lines: &[&str], amount: i64) -> Payment {
    Payment {
        file: file.into(),
        date: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        partner: "cat".into(),
        amount: Money(amount),
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
    }
}

#[test]
fn an_order_paid_then_cancelled_keeps_its_paid_commission_and_claws_it_back() {
    let p = program();
    let paid = payment("2024-06-01.toml", &["order:a:1"], 1000);
    let l = ledger(
        &p,
        &["a,2024-05-01,order,paid,100.00,,,USD,,cat,,,\n", "a,2024-05-01,order,cancelled,100.00,,,USD,,cat,,,\n"],
        &[paid],
    );
    assert_eq!(
        cat(&l),
        [("order:a:1", 1000, LineStatus::Paid), ("order:a:1:refund:10000", -1000, LineStatus::Payable)]
    );
    assert_eq!(l.balances["cat"].payable, Money(-1000));
}

#[test]
fn a_refund_with_shipping_and_taxes_is_a_full_refund_not_a_rejected_row() {
    let l = ledger(&program(), &["s,2024-05-01,order,refunded,47.00,56.29,2024-05-03,USD,,cat,,,\n"], &[]);
    assert_eq!(
        cat(&l),
        [("order:s:1", 470, LineStatus::ClawedBack), ("order:s:1:refund:4700", -470, LineStatus::ClawedBack)]
    );
}

#[test]
fn rows_of_one_order_in_a_generic_export_are_one_order_with_its_products() {
    // Two BOOK rows and a row of another product: 1.50 once on the books, 10% on the rest.
    let rows = "m,2024-05-01,order,paid,10.00,,,USD,,cat,,,BOOK\n\
                m,2024-05-01,order,paid,10.00,,,USD,,cat,,,BOOK\n\
                m,2024-05-01,order,paid,30.00,,,USD,,cat,,,MUG\n";
    let l = ledger(&program(), &[rows], &[]);
    assert_eq!(l.orders.len(), 1);
    assert_eq!(l.orders[0].amount, Money(5000));
    assert_eq!(cat(&l), [("order:m:1", 300, LineStatus::Payable), ("order:m:1:BOOK", 150, LineStatus::Payable)]);
}

#[test]
fn a_line_paid_in_two_payment_runs_is_reported() {
    let p = program();
    let runs = [payment("2024-06-01.toml", &["order:a:1"], 1000), payment("2024-06-02.toml", &["order:a:1"], 1000)];
    let l = ledger(&p, &["a,2024-05-01,order,paid,100.00,,,USD,,cat,,,\n"], &runs);
    assert!(
        l.checks.contains(&Check::PaymentMismatch {
            file: "2024-06-02.toml".into(),
            partner: "cat".into(),
            detail: "pays line order:a:1 again (already paid in 2024-06-01.toml)".into(),
        }),
        "{:?}",
        l.checks
    );
}

#[test]
fn a_cancelled_order_does_not_make_its_partner_the_customers_first_referrer() {
    // x's first order, through dan, was cancelled; the window is cat's, from cat's order.
    let rows = "f1,2024-05-01,order,cancelled,10.00,,,USD,x@example.com,dan,,,\n\
                f2,2024-05-05,order,paid,10.00,,,USD,x@example.com,cat,,,\n\
                f3,2024-05-10,order,paid,10.00,,,USD,x@example.com,dan,,,\n";
    let l = ledger(&program(), &[rows], &[]);
    let credited: Vec<(&str, Option<&str>)> =
        l.orders.iter().map(|o| (o.order.as_str(), o.partner.as_deref())).collect();
    assert_eq!(credited, [("f1", Some("dan")), ("f2", Some("cat")), ("f3", Some("cat"))]);
}
