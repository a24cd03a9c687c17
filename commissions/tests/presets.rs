//! Each shop preset reads a fixture shaped exactly like that shop's export (every column of
//! it, in its order, with its date, amount and status spellings), and the generic CSV and a
//! custom column mapping read theirs; bad files are refused with file, line and hint.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use refcenter_commissions::conversion::{Conversion, Item, Status};
use refcenter_commissions::import::{Context, ImportError, customer_key, import};
use refcenter_commissions::ledger::compute;
use refcenter_commissions::order_book::OrderBook;
use refcenter_commissions::preset::Preset;
use refcenter_model::{Program, Secret, load_path};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn program() -> Program {
    load_path(&fixtures().join("hand/partners.toml")).unwrap().program
}

fn secret() -> Secret {
    Secret::from_text("the preset fixtures' key").unwrap()
}

fn read(program: &Program, name: &str) -> (Option<Preset>, Vec<Conversion>) {
    let bytes = std::fs::read(fixtures().join("presets").join(name)).unwrap();
    let secret = secret();
    let cx = Context { program, commissions: program.settings.commissions.as_ref().unwrap(), secret: &secret };
    let got = import(name, &bytes, &cx).unwrap();
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    (got.preset, got.conversions)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// (id, date, status, amount, refunded, partner, link, ad) of each conversion.
type Brief = (String, NaiveDate, Status, i64, i64, Option<String>, Option<String>, Option<String>);

fn brief(c: &Conversion) -> Brief {
    (c.id.clone(), c.date, c.status, c.amount, c.refunded, c.partner.clone(), c.link.clone(), c.ad.clone())
}

fn row(id: &str, date: &str, status: Status, amount: i64, refunded: i64, attribution: [Option<&str>; 3]) -> Brief {
    let [p, l, a] = attribution.map(|v| v.map(str::to_owned));
    (id.to_owned(), day(date), status, amount, refunded, p, l, a)
}

#[test]
fn stripe_payments_export() {
    let program = program();
    let (preset, got) = read(&program, "stripe-unified_payments.csv");
    assert_eq!(preset, Some(Preset::Stripe));
    assert_eq!(
        got.iter().map(brief).collect::<Vec<_>>(),
        vec![
            // UTM columns, read back through the program's attribution parameters.
            row("ch_3PabcA1", "2024-05-01", Status::Paid, 12_000, 0, [Some("cat"), Some("shop"), Some("blog")]),
            // Client Reference ID: partner/link; a partial refund is `Paid` with Amount Refunded.
            row("ch_3PdefB2", "2024-05-02", Status::Paid, 4000, 1000, [Some("bob"), Some("pro"), None]),
            row("ch_3PghiC3", "2024-05-03", Status::Refunded, 125_000, 125_000, [Some("dan"), Some("shop"), None]),
            row("ch_3PjklD4", "2024-05-04", Status::Cancelled, 1500, 0, [Some("eve"), None, None]),
            row("ch_3PmnoE5", "2024-05-05", Status::Paid, 3000, 0, [None, None, None]),
        ]
    );
    assert_eq!(got[1].refunded_at, Some(day("2024-05-09")));
    assert_eq!(got[0].customer, Some(customer_key(&secret(), "ann.buyer@example.net")));
    assert_eq!(got[0].source, "stripe-unified_payments.csv:2");
}

#[test]
fn woocommerce_order_export_with_attribution_columns() {
    let program = program();
    let (preset, got) = read(&program, "woocommerce-orders.csv");
    assert_eq!(preset, Some(Preset::WooCommerce));
    assert_eq!(
        got.iter().map(brief).collect::<Vec<_>>(),
        vec![
            // The subtotal (before shipping and taxes) is the commissionable amount.
            row("1234", "2024-05-01", Status::Paid, 5900, 0, [Some("cat"), Some("shop"), Some("blog")]),
            row("1235", "2024-05-02", Status::Refunded, 2000, 2000, [Some("bob"), Some("pro"), None]),
            row("1236", "2024-05-03", Status::Paid, 10_000, 2500, [Some("dan"), Some("shop"), None]),
            row("1237", "2024-05-04", Status::Pending, 4550, 0, [None, None, None]),
        ]
    );
    assert_eq!(got[0].paid_at, Some(day("2024-05-01")));
}

#[test]
fn shopify_orders_export_with_line_item_rows() {
    let program = program();
    let (preset, got) = read(&program, "shopify-orders_export.csv");
    assert_eq!(preset, Some(Preset::Shopify));
    assert_eq!(
        got.iter().map(brief).collect::<Vec<_>>(),
        vec![
            // Note Attributes, one `name: value` per line; 10:00 -0400 is 14:00 UTC.
            row("#1001", "2024-05-01", Status::Paid, 4700, 0, [Some("cat"), Some("shop"), Some("blog")]),
            row("#1002", "2024-05-02", Status::Refunded, 2500, 2500, [Some("bob"), None, None]),
            // 23:30 -0400 on the 3rd is the 4th in UTC.
            row("#1003", "2024-05-04", Status::Paid, 8000, 2000, [Some("dan"), Some("pro"), None]),
            row("#1004", "2024-05-04", Status::Cancelled, 1000, 0, [None, None, None]),
        ]
    );
    // The second row of #1001 is its second line item.
    assert_eq!(
        got[0].items,
        vec![Item { sku: "FERN-1".into(), amount: 3200 }, Item { sku: "BOOK".into(), amount: 2000 }]
    );
    // The items list 52.00 before the order's 5.00 discount; scaled to the 47.00 subtotal, the
    // book is 18.08, on which the BOOK override pays cat 1.50; the rest, 28.92, earns 10%.
    let c = program.settings.commissions.as_ref().unwrap();
    let book: OrderBook = got.into_iter().collect();
    let ledger = compute(&program, c, &book, &[], &Default::default(), day("2024-06-30"));
    let cat: Vec<(&str, i64)> =
        ledger.lines.iter().filter(|l| &*l.partner == "cat").map(|l| (l.id.as_str(), l.amount.0)).collect();
    assert_eq!(cat, vec![("order:#1001:1", 289), ("order:#1001:1:BOOK", 150)]);
}

#[test]
fn a_custom_column_mapping_reads_any_other_export() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::read_to_string(fixtures().join("hand/partners.toml")).unwrap();
    let mapped = root.replace(
        "first_referrer_days = 30\n",
        "first_referrer_days = 30\n\n[commissions.columns]\norder_id = \"Ref\"\ndate = \"When\"\namount = \"Net\"\npartner = \"Affiliate\"\nstatus = \"State\"\n",
    );
    std::fs::write(dir.path().join("partners.toml"), mapped).unwrap();
    let program = load_path(&dir.path().join("partners.toml")).unwrap().program;
    let secret = secret();
    let cx =
        Context { program: &program, commissions: program.settings.commissions.as_ref().unwrap(), secret: &secret };
    let csv = "When,Ref,Affiliate,Net,State\n2024-05-01,A-1,cat,19.99,complete\n";
    let got = import("crm.csv", csv.as_bytes(), &cx).unwrap();
    assert_eq!(got.preset, Some(Preset::Custom));
    assert_eq!(
        got.conversions.iter().map(brief).collect::<Vec<_>>(),
        vec![row("A-1", "2024-05-01", Status::Paid, 1999, 0, [Some("cat"), None, None])]
    );
}

#[test]
fn files_that_cannot_be_read_are_refused_whole_with_line_and_hint() {
    let program = program();
    let secret = secret();
    let cx =
        Context { program: &program, commissions: program.settings.commissions.as_ref().unwrap(), secret: &secret };
    let e = import("latin1.csv", b"order_id,date,amount\n1,2024-05-01,10.00\n2,2024-05-01,caf\xe9\n", &cx).unwrap_err();
    assert!(matches!(e, ImportError::NotUtf8 { line: 3, .. }), "{e}");
    assert_eq!(e.to_string(), "latin1.csv:3: the file is not UTF-8");
    let e = import("x.csv", b"when,who\n2024-05-01,cat\n", &cx).unwrap_err();
    assert_eq!(e.to_string(), "x.csv:1: not an export refstats knows (first columns: when, who)");
    assert!(e.hint().contains("[commissions.columns]"));
    let stripe_without_amount = "id,Created date (UTC),Amount Refunded,Currency\nch_1,2024-05-01 10:00:00,0.00,usd\n";
    let e = import("unified_payments.csv", stripe_without_amount.as_bytes(), &cx).unwrap_err();
    assert_eq!(e.to_string(), "unified_payments.csv:1: the stripe export has no `amount` column");
    assert_eq!(e.hint(), "export again with the column \"Amount\" included (the stripe preset reads it)");
    let bad =
        "order_id,date,amount\n1,2024-05-01,ten\n2,2024-05-01,-5.00\n3,2024-05-01,5.001\n4,,5.00\n5,2024-05-01,5.00\n";
    let got = import("generic.csv", bad.as_bytes(), &cx).unwrap();
    let reasons: Vec<String> = got.rejected.iter().map(|r| format!("{}: {}", r.at, r.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            "generic.csv:2: amount: `ten` is not an amount",
            "generic.csv:3: a negative amount (-5.00)",
            "generic.csv:4: amount: `5.001` has more than 2 decimals",
            "generic.csv:5: no date",
        ]
    );
    assert_eq!(got.conversions.len(), 1);
}
