//! The commissions side of a run: the shop exports named with `--orders` read (each refused
//! whole or taken with its bad rows reported), kept in the store exactly once, and the ledger
//! of every export known computed as of the run's day with the payments recorded in git; then
//! its tables (`commissions`, `balances`, `orders`, `checks`), the admin summary and each
//! partner's page figures.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{Datelike as _, NaiveDate};
use polars::prelude::*;
use refcenter_commissions::conversion::{Conversion, Kind, Status};
use refcenter_commissions::import::{Context, ImportError, Rejected, customer_key, import};
use refcenter_commissions::ledger::{Check, Ledger, Line, LineKind, compute};
use refcenter_commissions::order_book::OrderBook;
use refcenter_commissions::payouts::{PAYOUTS_DIR, PayoutError, read_payments};
use refcenter_model::commission::Commissions;
use refcenter_model::money::Money;
use refcenter_model::page_stats::{
    Balances, ConversionWindows, LedgerLine, PAGE_LEDGER_LINES, PageStats, PartnerCommissions, WINDOWS,
};
use refcenter_model::{Program, Secret};
use serde::Serialize;

use crate::store::NewInput;
use crate::store::ledger::Ingested;

/// An export read this run.
pub struct Read {
    /// What the store records of the file.
    pub ingested: Ingested,
    /// Its conversions.
    pub conversions: Vec<Conversion>,
}

/// What reading the exports gave.
#[derive(Default)]
pub struct Reading {
    /// The exports taken.
    pub read: Vec<Read>,
    /// Rows rejected in them.
    pub rejected: Vec<Rejected>,
    /// Exports refused whole: the error (with file and line).
    pub refused: Vec<ImportError>,
    /// Data rows read.
    pub rows: u64,
}

impl Reading {
    /// What to print about the exports: a line per file kind, each rejected row, each refused
    /// file with its hint.
    pub fn render(&self, samples: usize) -> String {
        let mut out = String::new();
        let conversions: usize = self.read.iter().map(|r| r.conversions.len()).sum();
        if !self.read.is_empty() || !self.refused.is_empty() {
            out.push_str(&format!(
                "orders: {} exports read, {} rows, {} orders and leads, {} rows rejected\n",
                self.read.len(),
                self.rows,
                conversions,
                self.rejected.len()
            ));
        }
        for r in self.rejected.iter().take(samples) {
            out.push_str(&format!("  rejected row: {}: {}\n", r.at, r.reason));
        }
        if self.rejected.len() > samples {
            out.push_str(&format!("  ... and {} more rejected rows\n", self.rejected.len() - samples));
        }
        for e in &self.refused {
            out.push_str(&format!("  refused export: {e}\n    hint: {}\n", e.hint()));
        }
        out
    }
}

/// Reads the exports `inputs` (as planned by the store, or all of them in a one-off run).
pub fn read(inputs: &[NewInput], cx: &Context<'_>) -> Reading {
    let mut reading = Reading::default();
    for (source, sha256, bytes, modified) in inputs {
        let name = source.name();
        let data = match source {
            crate::input::Source::File(path) => std::fs::read(path),
            crate::input::Source::Stdin => {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map(|_| buf)
            }
        };
        let data = match data {
            Ok(d) => d,
            Err(e) => {
                reading.refused.push(ImportError::Csv { file: name, line: 0, message: e.to_string() });
                continue;
            }
        };
        match import(&name, &data, cx) {
            Ok(got) => {
                reading.rows += got.rows;
                reading.rejected.extend(got.rejected);
                let ingested =
                    Ingested { sha256: sha256.clone(), bytes: *bytes, name, modified: *modified, problem: None };
                reading.read.push(Read { ingested, conversions: got.conversions });
            }
            Err(e) => reading.refused.push(e),
        }
    }
    reading
}

/// The ledger of the orders in `book` as of `as_of`, with the payments recorded in
/// `program_dir`'s `payouts/` folder.
pub fn ledger(
    program: &Program,
    c: &Commissions,
    secret: &Secret,
    book: &OrderBook,
    program_dir: &Path,
    as_of: NaiveDate,
) -> Result<Ledger, PayoutError> {
    let payments = read_payments(&program_dir.join(PAYOUTS_DIR), c)?;
    let emails: BTreeMap<String, String> = program
        .partners()
        .iter()
        .filter_map(|p| p.email.as_deref().map(|e| (p.code.to_string(), customer_key(secret, e))))
        .collect();
    Ok(compute(program, c, book, &payments, &emails, as_of))
}

/// A text column made straight from its values, with no vector of them in between (a
/// million orders make millions of lines).
fn text<S: AsRef<str>>(name: &str, values: impl Iterator<Item = S>) -> Column {
    StringChunked::from_iter_values(name.into(), values).into_column()
}

/// Hands the report tables of `ledger` to `write`, one at a time: one row per line
/// (`commissions`), per partner with a line or a payment (`balances`), per order and lead with
/// its credit (`orders`), per check (`checks`). Amounts are written twice: as exact decimal
/// text and in minor units.
pub fn write_tables<E: From<PolarsError>>(
    program: &Program,
    c: &Commissions,
    ledger: &Ledger,
    mut write: impl FnMut(&str, &DataFrame) -> Result<(), E>,
) -> Result<(), E> {
    let money = |m: Money| c.format(m);
    let l = &ledger.lines;
    let commissions = DataFrame::new(
        l.len(),
        vec![
            text("partner", l.iter().map(|x| &*x.partner)),
            text("line", l.iter().map(|x| x.id.as_str())),
            text("order", l.iter().map(|x| &*x.order)),
            text("kind", l.iter().map(|x| x.kind.as_str())),
            text("date", l.iter().map(|x| day_text(x.date))),
            Column::new("level".into(), l.iter().map(|x| u32::from(x.level)).collect::<Vec<_>>()),
            text("credited", l.iter().map(|x| &*x.credited)),
            text("link", l.iter().map(|x| x.link.as_deref().unwrap_or_default())),
            text("ad", l.iter().map(|x| x.ad.as_deref().unwrap_or_default())),
            text("sku", l.iter().map(|x| x.sku.as_deref().unwrap_or_default())),
            text("base", l.iter().map(|x| money(x.base))),
            text("rate", l.iter().map(|x| &*x.rate)),
            text("amount", l.iter().map(|x| money(x.amount))),
            Column::new("amount_minor".into(), l.iter().map(|x| x.amount.0).collect::<Vec<_>>()),
            text("status", l.iter().map(|x| x.status.as_str())),
            text("payable_on", l.iter().map(|x| x.payable_on.map(day_text).unwrap_or_default())),
        ],
    )?;
    write("commissions", &commissions)?;
    drop(commissions);
    let b: Vec<(&String, &refcenter_commissions::ledger::Balance)> = ledger.balances.iter().collect();
    let name = |code: &str| program.partner(code).map(|p| p.name.clone()).unwrap_or_default();
    let plan = |code: &str| program.partner(code).map(|p| c.plan_for(p).code.to_string()).unwrap_or_default();
    let mut columns = vec![
        text("partner", b.iter().map(|(p, _)| p.as_str())),
        text("name", b.iter().map(|(p, _)| name(p))),
        text("plan", b.iter().map(|(p, _)| plan(p))),
    ];
    type Field = fn(&refcenter_commissions::ledger::Balance) -> Money;
    let fields: [(&str, Field); 5] = [
        ("earned", |x| x.earned),
        ("clawed_back", |x| x.clawed_back),
        ("paid", |x| x.paid),
        ("pending", |x| x.pending),
        ("payable", |x| x.payable),
    ];
    for (field, get) in fields {
        columns.push(text(field, b.iter().map(|(_, x)| money(get(x)))));
        columns.push(Column::new(format!("{field}_minor").into(), b.iter().map(|(_, x)| get(x).0).collect::<Vec<_>>()));
    }
    columns.push(Column::new("due".into(), b.iter().map(|(_, x)| x.due).collect::<Vec<_>>()));
    write("balances", &DataFrame::new(b.len(), columns)?)?;
    let o = &ledger.orders;
    let orders = DataFrame::new(
        o.len(),
        vec![
            text("order", o.iter().map(|x| x.order.as_str())),
            text("kind", o.iter().map(|x| x.kind.as_str())),
            text("date", o.iter().map(|x| day_text(x.date))),
            text("status", o.iter().map(|x| x.status.as_str())),
            text("amount", o.iter().map(|x| money(x.amount))),
            text("refunded", o.iter().map(|x| money(x.refunded))),
            text("partner", o.iter().map(|x| x.partner.as_deref().unwrap_or_default())),
            text("link", o.iter().map(|x| x.link.as_deref().unwrap_or_default())),
            text("ad", o.iter().map(|x| x.ad.as_deref().unwrap_or_default())),
            text("credit", o.iter().map(|x| x.reason.as_str())),
        ],
    )?;
    write("orders", &orders)?;
    drop(orders);
    let rows: Vec<CheckRow> = ledger.checks.iter().map(|k| CheckRow::of(k, c)).collect();
    let checks = DataFrame::new(
        rows.len(),
        vec![
            text("check", rows.iter().map(|r| r.check)),
            text("order", rows.iter().map(|r| r.order.as_str())),
            text("partner", rows.iter().map(|r| r.partner.as_str())),
            text("detail", rows.iter().map(|r| r.detail.as_str())),
        ],
    )?;
    write("checks", &checks)
}

/// A check as the report lists it.
#[derive(Clone, Debug, Serialize)]
pub struct CheckRow {
    /// The kind of check.
    pub check: &'static str,
    /// The order, if one.
    pub order: String,
    /// The partner, if one.
    pub partner: String,
    /// What was found.
    pub detail: String,
}

impl CheckRow {
    fn of(k: &Check, c: &Commissions) -> CheckRow {
        let (order, partner, detail) = match k {
            Check::SelfReferral { order, partner } => {
                (order.clone(), partner.clone(), "the customer's e-mail is the partner's own".to_owned())
            }
            Check::AmountsDiffer { order, amounts } => (
                order.clone(),
                String::new(),
                format!(
                    "exports give amounts from {} to {}; the lowest is used",
                    c.format(Money(amounts[0])),
                    c.format(Money(amounts[1]))
                ),
            ),
            Check::RefundAfterPayment { order, partner, amount } => (
                order.clone(),
                partner.clone(),
                format!("{} clawed back after it was paid; carried into the next payment", c.format(*amount)),
            ),
            Check::Unattributed { order, named } => (
                order.clone(),
                String::new(),
                match named {
                    Some(code) => format!("names partner `{code}`, which the program does not have"),
                    None => "names no partner".to_owned(),
                },
            ),
            Check::PaymentMismatch { file, partner, detail } => {
                (String::new(), partner.clone(), format!("{file}: {detail}"))
            }
            Check::ManyOrdersFewClicks { partner, orders, clicks } => {
                (String::new(), partner.clone(), format!("{orders} orders against {clicks} clicks on its links"))
            }
        };
        CheckRow { check: k.kind(), order, partner, detail }
    }
}

/// What the admin report and `summary.json` say about commissions.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The program's currency.
    pub currency: String,
    /// Exports known (in the store, or read this run).
    pub exports: usize,
    /// Exports read this run.
    pub new_exports: usize,
    /// Orders and leads.
    pub orders: usize,
    /// Commission lines.
    pub lines: usize,
    /// Totals over every partner, as decimal text.
    pub earned: String,
    /// Clawed back.
    pub clawed_back: String,
    /// Paid.
    pub paid: String,
    /// Payable now.
    pub payable: String,
    /// Partners the next payment run pays: code, name, amount.
    pub due: Vec<(String, String, String)>,
    /// Orders credited to no partner: id, day, amount, the code named.
    pub unattributed: Vec<(String, String, String, String)>,
    /// Clawbacks: partner, order, day, amount, status.
    pub clawbacks: Vec<(String, String, String, String, String)>,
    /// Every check.
    pub checks: Vec<CheckRow>,
}

/// The summary of `ledger`.
pub fn summary(program: &Program, c: &Commissions, ledger: &Ledger, exports: usize, new_exports: usize) -> Summary {
    let total =
        |f: fn(&refcenter_commissions::ledger::Balance) -> Money| c.format(ledger.balances.values().map(f).sum());
    Summary {
        currency: c.currency.to_string(),
        exports,
        new_exports,
        orders: ledger.orders.len(),
        lines: ledger.lines.len(),
        earned: total(|b| b.earned),
        clawed_back: total(|b| b.clawed_back),
        paid: total(|b| b.paid),
        payable: total(|b| b.payable),
        due: ledger
            .balances
            .iter()
            .filter(|(_, b)| b.due)
            .map(|(p, b)| {
                (p.clone(), program.partner(p).map(|x| x.name.clone()).unwrap_or_default(), c.format(b.payable))
            })
            .collect(),
        unattributed: ledger
            .orders
            .iter()
            .filter(|o| o.partner.is_none())
            .map(|o| {
                let named = match &o.reason {
                    refcenter_commissions::credit::Reason::UnknownPartner(code) => code.clone(),
                    _ => String::new(),
                };
                (o.order.clone(), o.date.to_string(), c.format(o.amount), named)
            })
            .collect(),
        clawbacks: ledger
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Clawback)
            .map(|l| {
                (
                    l.partner.to_string(),
                    l.order.to_string(),
                    l.date.to_string(),
                    c.format(l.amount),
                    l.status.as_str().to_owned(),
                )
            })
            .collect(),
        checks: ledger.checks.iter().map(|k| CheckRow::of(k, c)).collect(),
    }
}

/// Adds each partner's commission figures to `pages`: its own orders, leads and commission
/// per window, link and ad, its downline's totals, its ledger and balances. Takes the ledger,
/// whose lines become the pages' lines a partner at a time (they are not held twice), and only
/// the newest [`PAGE_LEDGER_LINES`] of a partner become page lines.
pub fn page_figures(program: &Program, ledger: Ledger, as_of: NaiveDate, pages: &mut PageStats) {
    let Ledger { lines, orders, balances, .. } = ledger;
    let first_day = |w: Option<u32>| w.and_then(|d| as_of.checked_sub_days(chrono::Days::new(u64::from(d) - 1)));
    let in_window = |day: NaiveDate, w: Option<u32>| day <= as_of && first_day(w).is_none_or(|f| day >= f);
    let windows = |day: NaiveDate| WINDOWS.into_iter().filter(move |w| in_window(day, *w));
    // Every partner of the program has a slot, filled once something concerns it.
    let mut figures: HashMap<&str, Option<PartnerCommissions>> =
        program.partners().iter().map(|p| (p.code.as_str(), None)).collect();
    fn slot<'m>(
        figures: &'m mut HashMap<&str, Option<PartnerCommissions>>,
        code: &str,
    ) -> Option<&'m mut PartnerCommissions> {
        figures.get_mut(code).map(|f| f.get_or_insert_with(Default::default))
    }
    fn keyed<'m>(map: &'m mut BTreeMap<String, ConversionWindows>, code: &str) -> &'m mut ConversionWindows {
        if !map.contains_key(code) {
            map.insert(code.to_owned(), ConversionWindows::default());
        }
        map.get_mut(code).expect("inserted above")
    }
    // Orders and leads count where they are credited (level 1), and in each ancestor's downline.
    for o in &orders {
        let Some(partner) = o.partner.as_deref() else { continue };
        if o.status == Status::Cancelled {
            continue;
        }
        let count = |cw: &mut ConversionWindows| {
            for w in windows(o.date) {
                let f = cw.get_mut(w);
                match o.kind {
                    Kind::Order => f.orders += 1,
                    Kind::Lead => f.opt_ins += 1,
                }
            }
        };
        if let Some(own) = slot(&mut figures, partner) {
            count(&mut own.own);
            if let Some(link) = &o.link {
                count(keyed(&mut own.links, link));
            }
            if let Some(ad) = &o.ad {
                count(keyed(&mut own.ads, ad));
            }
        }
        for a in program.tree().ancestors(partner) {
            if let Some(f) = slot(&mut figures, a.as_str()) {
                count(f.downline.get_or_insert_with(Default::default));
            }
        }
    }
    // The lines come sorted by partner: a partner's run at a time.
    let mut lines = lines.into_iter().peekable();
    while let Some(first) = lines.next() {
        let mut run = vec![first];
        while let Some(l) = lines.next_if(|l| l.partner == run[0].partner) {
            run.push(l);
        }
        let Some(p) = slot(&mut figures, &run[0].partner) else { continue };
        for l in &run {
            for w in windows(l.date) {
                if l.level == 1 {
                    p.own.get_mut(w).commission += l.amount.0;
                    if let Some(link) = &l.link {
                        keyed(&mut p.links, link).get_mut(w).commission += l.amount.0;
                    }
                    if let Some(ad) = &l.ad {
                        keyed(&mut p.ads, ad).get_mut(w).commission += l.amount.0;
                    }
                } else {
                    p.downline.get_or_insert_with(Default::default).get_mut(w).commission += l.amount.0;
                }
            }
        }
        // Newest first; the same day in the ledger's order. A page lists the newest lines only.
        run.sort_by_key(|l| std::cmp::Reverse(l.date));
        if run.len() > PAGE_LEDGER_LINES {
            let older = run.split_off(PAGE_LEDGER_LINES);
            p.older_lines = older.len() as u64;
            p.older_amount = older.iter().map(|l| l.amount.0).sum();
        }
        p.ledger = run.iter().map(page_line).collect();
    }
    for (partner, b) in &balances {
        if let Some(f) = slot(&mut figures, partner) {
            f.balances = Balances {
                earned: b.earned.0,
                clawed_back: b.clawed_back.0,
                paid: b.paid.0,
                pending: b.pending.0,
                payable: b.payable.0,
                due: b.due,
            };
        }
    }
    for (partner, f) in figures {
        if let Some(f) = f {
            pages.partners.entry(partner.to_owned()).or_default().commissions = Some(f);
        }
    }
}

/// A line as the partner's page shows it: the order only for its own orders, the referral
/// partner credited for its downline's.
fn page_line(l: &Line) -> LedgerLine {
    let own = l.level == 1;
    LedgerLine {
        date: day_text(l.date),
        kind: l.kind.as_str().to_owned(),
        level: l.level,
        order: own.then(|| l.order.to_string()),
        from: (!own).then(|| l.credited.to_string()),
        link: l.link.as_deref().filter(|_| own).map(str::to_owned),
        ad: l.ad.as_deref().filter(|_| own).map(str::to_owned),
        base: l.base.0,
        rate: l.rate.to_string(),
        amount: l.amount.0,
        status: l.status.as_str().to_owned(),
        payable_on: l.payable_on.map(day_text),
    }
}

/// `YYYY-MM-DD`, written without chrono's format parser (millions of lines).
fn day_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}
