//! Properties of the order book and the ledger on generated exports: files may come in any
//! order and any of them again without changing anything, and the lines always add up to the
//! balances.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;

use chrono::NaiveDate;
use proptest::prelude::*;
use refcenter_commissions::conversion::{Conversion, Item, Kind, Status};
use refcenter_commissions::ledger::{LineStatus, compute};
use refcenter_commissions::order_book::OrderBook;
use refcenter_commissions::payouts::Payment;
use refcenter_model::money::Money;
use refcenter_model::{Program, load_path};

fn program() -> Program {
    load_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hand/partners.toml")).unwrap().program
}

const PARTNERS: [Option<&str>; 8] =
    [Some("ann"), Some("bob"), Some("cat"), Some("dan"), Some("eve"), Some("fay"), Some("zed"), None];

fn sighting() -> impl Strategy<Value = Conversion> {
    (
        0..12u32,
        0..3u8,
        0..60u64,
        0..4u8,
        1..20_000i64,
        0..4u8,
        0..8usize,
        0..3u8,
        0..3u8,
        proptest::option::of(0..30u64),
    )
        .prop_map(|(id, kind, day, status, amount, refund, partner, customer, item, paid)| {
            let kind = if kind == 0 { Kind::Lead } else { Kind::Order };
            let status = [Status::Pending, Status::Paid, Status::Refunded, Status::Cancelled][usize::from(status)];
            let date = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap() + chrono::Days::new(day);
            let refunded = match (status, refund) {
                (Status::Refunded, _) => amount,
                (Status::Paid, r) => amount * i64::from(r) / 4,
                _ => 0,
            };
            Conversion {
                id: format!("o{id}"),
                kind,
                date,
                status,
                amount: if kind == Kind::Lead { 0 } else { amount },
                refunded: if kind == Kind::Lead { 0 } else { refunded },
                refunded_at: (refunded > 0).then(|| date + chrono::Days::new(3)),
                paid_at: paid.map(|p| date + chrono::Days::new(p)),
                customer: (customer > 0).then(|| format!("c{customer}")),
                partner: PARTNERS[partner].map(str::to_owned),
                link: (item == 1).then(|| "pro".to_owned()),
                ad: None,
                items: if item == 2 { vec![Item { sku: "BOOK".into(), amount: amount / 2 }] } else { vec![] },
                source: format!("f:{id}"),
            }
        })
}

fn files() -> impl Strategy<Value = Vec<Vec<Conversion>>> {
    proptest::collection::vec(proptest::collection::vec(sighting(), 0..12), 1..6)
}

fn book<'a>(files: impl IntoIterator<Item = &'a Vec<Conversion>>) -> OrderBook {
    files.into_iter().flatten().cloned().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn file_order_and_repeated_files_change_nothing(files in files(), seed in any::<u64>(), again in any::<u64>()) {
        let once = book(&files);
        let mut shuffled: Vec<&Vec<Conversion>> = files.iter().collect();
        // A permutation from the seed, and a subset of the files ingested a second time.
        let n = shuffled.len();
        for i in 0..n {
            let j = ((seed >> (i % 60)) as usize + i * 7) % n;
            shuffled.swap(i, j);
        }
        let repeated: Vec<&Vec<Conversion>> = files.iter().enumerate().filter(|(i, _)| again >> i & 1 == 1).map(|(_, f)| f).collect();
        let other = book(shuffled.into_iter().chain(repeated));
        prop_assert_eq!(&once, &other);
        let program = program();
        let c = program.settings.commissions.as_ref().unwrap();
        let as_of = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
        let none = Default::default();
        prop_assert_eq!(compute(&program, c, &once, &[], &none, as_of), compute(&program, c, &other, &[], &none, as_of));
    }

    #[test]
    fn lines_add_up_to_the_balances_before_and_after_a_payment(files in files(), pay_every in 1..4usize) {
        let program = program();
        let c = program.settings.commissions.as_ref().unwrap();
        let as_of = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
        let none = Default::default();
        let book = book(&files);
        let before = compute(&program, c, &book, &[], &none, as_of);
        // Pay some partners their payable lines, then check the ledger again.
        let mut payments = Vec::new();
        for (i, (partner, _)) in before.balances.iter().enumerate().filter(|(i, _)| i % pay_every == 0) {
            let lines: Vec<_> = before.lines.iter().filter(|l| *l.partner == **partner && l.status == LineStatus::Payable).collect();
            payments.push(Payment {
                file: format!("run-{i}.toml"),
                date: as_of,
                partner: partner.clone(),
                amount: lines.iter().map(|l| l.amount).sum(),
                lines: lines.iter().map(|l| l.id.clone()).collect(),
            });
        }
        for ledger in [before.clone(), compute(&program, c, &book, &payments, &none, as_of)] {
            for (partner, b) in &ledger.balances {
                let total: Money = ledger.lines.iter().filter(|l| *l.partner == **partner).map(|l| l.amount).sum();
                prop_assert_eq!(b.earned - b.clawed_back, total);
                prop_assert_eq!(total, b.paid + b.pending + b.payable);
                prop_assert!(b.earned >= Money::ZERO && b.clawed_back >= Money::ZERO);
            }
            let ids: std::collections::BTreeSet<&str> = ledger.lines.iter().map(|l| l.id.as_str()).collect();
            prop_assert_eq!(ids.len(), ledger.lines.len(), "line ids are unique");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// No export, however broken, makes the import panic: it is read, refused with a reason, or
    /// has rows rejected.
    #[test]
    fn any_bytes_are_imported_or_refused_without_panicking(
        header in proptest::sample::select(vec![
            "order_id,date,kind,status,amount,refunded,refunded_at,currency,email,partner,link,ad,sku",
            "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer Email,UTM Source,Client Reference ID",
            "Name,Email,Financial Status,Paid at,Currency,Subtotal,Created at,Lineitem quantity,Lineitem price,Lineitem sku,Note Attributes,Cancelled at,Refunded Amount",
            "Order ID,Order Date,Order Status,Order Subtotal Amount,Order Refund Amount,Currency,_wc_order_attribution_utm_source",
            "",
        ]),
        rows in proptest::collection::vec("[ -~\u{e9}\u{feff}\"\n,]{0,60}", 0..8),
        raw in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let program = program();
        let secret = refcenter_model::Secret::from_text("the fuzz test's key, long enough").unwrap();
        let cx = refcenter_commissions::import::Context {
            program: &program,
            commissions: program.settings.commissions.as_ref().unwrap(),
            secret: &secret,
        };
        let text = format!("{header}\n{}", rows.join("\n"));
        let _ = refcenter_commissions::import::import("fuzz.csv", text.as_bytes(), &cx);
        let mut bytes = text.into_bytes();
        bytes.extend(raw);
        if let Ok(got) = refcenter_commissions::import::import("fuzz.csv", &bytes, &cx) {
            let book: OrderBook = got.conversions.into_iter().collect();
            let c = program.settings.commissions.as_ref().unwrap();
            let as_of = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
            let _ = compute(&program, c, &book, &[], &Default::default(), as_of);
        }
    }
}
