//! The ledger: one line per commission each partner earned on the orders and leads credited
//! to it or its downline, the clawbacks of refunds and cancellations, and each partner's
//! balances, as of a day, with the payments the admin recorded.
//!
//! Rules (docs/commissions.md explains them to admins):
//! - Level 1 is the credited partner, level 2 its parent, level 3 its grandparent, up to the
//!   program's `levels`; each earns by its own plan's rate for its level. Inactive partners
//!   earn nothing (the levels above them still do).
//! - A sale's base is its commissionable amount; product lines with a product override earn on
//!   their own amount, and the rest of the order on what remains. A percentage is rounded half
//!   away from zero once per line ([`refcenter_model::money`]); a flat rate is paid per order
//!   (per product line for a product override). Lines of zero are not written.
//! - Each refunded total seen claws back `round(commission × refunded / amount)` less what
//!   earlier refunds clawed back, so a full refund claws back exactly the commission. A
//!   cancellation is a refund of the whole amount; a lead cancelled loses its commission.
//! - A line is payable on its payment day (`on-payment`: the day the order was paid;
//!   `up-front`: the day it was placed) plus the holding days; before that it is pending; a
//!   line a recorded payment names is paid. A clawback of an unpaid line takes that line's
//!   state, and a line wholly clawed back before it was paid is `clawed back` together with
//!   its clawback; a clawback of a paid line is payable at once and may leave a negative
//!   balance, which later commissions pay off first.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use refcenter_model::Program;
use refcenter_model::commission::{Commissions, PayoutBasis, Rate};
use refcenter_model::money::Money;

use crate::conversion::{Kind, Status};
use crate::credit::{Credit, Reason, credit};
use crate::order_book::{Order, OrderBook};
use crate::payouts::Payment;

/// What a line is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LineKind {
    /// A commission on a sale.
    Sale,
    /// A commission on a lead.
    Lead,
    /// A refund or cancellation taking back (part of) a commission.
    Clawback,
}

impl LineKind {
    /// The name in the reports.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Sale => "sale",
            LineKind::Lead => "lead",
            LineKind::Clawback => "clawback",
        }
    }
}

/// Where a line stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LineStatus {
    /// Not payable yet (holding period, or the order is not paid).
    Pending,
    /// Payable now.
    Payable,
    /// Named by a recorded payment.
    Paid,
    /// Taken back before it was paid (with the clawback that took it).
    ClawedBack,
}

impl LineStatus {
    /// The name in the reports.
    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Pending => "pending",
            LineStatus::Payable => "payable",
            LineStatus::Paid => "paid",
            LineStatus::ClawedBack => "clawed back",
        }
    }
}

/// One commission line. Its text is shared with the other lines naming the same partner, order,
/// link, ad, product or rate (a million orders make millions of lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The line's id, stable across runs: what payments name.
    pub id: String,
    /// The partner who earns it.
    pub partner: Arc<str>,
    /// The order or lead id.
    pub order: Arc<str>,
    /// Sale, lead or clawback.
    pub kind: LineKind,
    /// The order's day, or the refund's for a clawback.
    pub date: NaiveDate,
    /// 1, 2 or 3.
    pub level: u8,
    /// The partner credited with the order (level 1).
    pub credited: Arc<str>,
    /// The link and ad of the order, if known.
    pub link: Option<Arc<str>>,
    /// The ad.
    pub ad: Option<Arc<str>>,
    /// The product of a product override.
    pub sku: Option<Arc<str>>,
    /// The amount the rate applies to.
    pub base: Money,
    /// The rate, as partners read it (`20%`, `5.00 USD`; for a clawback, the refunded share).
    pub rate: Arc<str>,
    /// The commission (negative for a clawback).
    pub amount: Money,
    /// Its state as of the ledger's day.
    pub status: LineStatus,
    /// The day it is or was payable; `None` while the order is unpaid.
    pub payable_on: Option<NaiveDate>,
}

/// A partner's balances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// Every commission earned (positive lines).
    pub earned: Money,
    /// Every clawback (as a positive amount).
    pub clawed_back: Money,
    /// Every payment recorded.
    pub paid: Money,
    /// Lines not payable yet.
    pub pending: Money,
    /// Payable now (negative: owed back, carried forward).
    pub payable: Money,
    /// Whether `payable` is due for payment: positive and at least the minimum payout.
    pub due: bool,
}

/// Something the admin should look at; nothing is changed because of it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// The customer's e-mail is the credited partner's own.
    SelfReferral {
        /// The order.
        order: String,
        /// The partner.
        partner: String,
    },
    /// Sightings of the order gave different amounts (the lowest is used).
    AmountsDiffer {
        /// The order.
        order: String,
        /// The lowest and the highest amount seen, in minor units.
        amounts: [i64; 2],
    },
    /// A refund or cancellation of a commission already paid.
    RefundAfterPayment {
        /// The order.
        order: String,
        /// The partner who was paid.
        partner: String,
        /// The clawback (negative).
        amount: Money,
    },
    /// An order credited to no partner.
    Unattributed {
        /// The order.
        order: String,
        /// The partner code it named, if any.
        named: Option<String>,
    },
    /// A partner credited with far more orders than its links had clicks (see
    /// [`orders_above_clicks`]).
    ManyOrdersFewClicks {
        /// The partner.
        partner: String,
        /// Orders credited to it (cancelled ones left out).
        orders: u64,
        /// Clicks on its links.
        clicks: u64,
    },
    /// A payment names a line the ledger does not have, or its amount is not its lines' sum.
    PaymentMismatch {
        /// The payments file.
        file: String,
        /// The partner.
        partner: String,
        /// What is wrong.
        detail: String,
    },
}

impl Check {
    /// The check's kind, as the reports name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Check::SelfReferral { .. } => "self-referral",
            Check::AmountsDiffer { .. } => "amounts differ",
            Check::RefundAfterPayment { .. } => "refund after payment",
            Check::Unattributed { .. } => "unattributed order",
            Check::ManyOrdersFewClicks { .. } => "orders far above clicks",
            Check::PaymentMismatch { .. } => "payment mismatch",
        }
    }
}

/// An order with its credit, for the reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credited {
    /// The order or lead id.
    pub order: String,
    /// Order or lead.
    pub kind: Kind,
    /// The day it was placed.
    pub date: NaiveDate,
    /// Its status.
    pub status: Status,
    /// Its amount.
    pub amount: Money,
    /// The refunded total.
    pub refunded: Money,
    /// The credited partner.
    pub partner: Option<String>,
    /// The link.
    pub link: Option<String>,
    /// The ad.
    pub ad: Option<String>,
    /// Why it is credited so.
    pub reason: Reason,
}

/// The whole ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// The day it is as of.
    pub as_of: Option<NaiveDate>,
    /// Every line, by partner, then order, then id.
    pub lines: Vec<Line>,
    /// Every partner with a line or a payment.
    pub balances: BTreeMap<String, Balance>,
    /// Every order and lead with its credit, by kind and id.
    pub orders: Vec<Credited>,
    /// What the admin should look at.
    pub checks: Vec<Check>,
}

/// Computes the ledger of `book` as of `as_of`, with the recorded `payments`; `emails` are
/// the customer keys of the partners' own e-mails (for the self-referral check).
pub fn compute(
    program: &Program,
    c: &Commissions,
    book: &OrderBook,
    payments: &[Payment],
    emails: &BTreeMap<String, String>,
    as_of: NaiveDate,
) -> Ledger {
    let paid: BTreeSet<&str> = payments.iter().flat_map(|p| p.lines.iter().map(String::as_str)).collect();
    let names = Names::default();
    let mut ledger = Ledger { as_of: Some(as_of), ..Ledger::default() };
    for cr in credit(program, book, c.first_referrer_days) {
        let o = cr.order;
        if o.highest != o.amount {
            ledger.checks.push(Check::AmountsDiffer { order: o.id.clone(), amounts: [o.amount, o.highest] });
        }
        match &cr.partner {
            None => ledger.checks.push(Check::Unattributed {
                order: o.id.clone(),
                named: match &cr.reason {
                    Reason::UnknownPartner(code) => Some(code.clone()),
                    _ => None,
                },
            }),
            Some(p) => {
                if o.customer.is_some() && emails.get(p) == o.customer.as_ref() {
                    ledger.checks.push(Check::SelfReferral { order: o.id.clone(), partner: p.clone() });
                }
                let rules = Rules { program, c, paid: &paid, as_of, names: &names };
                rules.order_lines(&cr, p, &mut ledger);
            }
        }
        ledger.orders.push(Credited {
            order: o.id.clone(),
            kind: o.kind,
            date: o.date,
            status: o.status,
            amount: Money(o.amount),
            refunded: Money(o.refunded()),
            partner: cr.partner.clone(),
            link: cr.link.clone(),
            ad: cr.ad.clone(),
            reason: cr.reason.clone(),
        });
    }
    // Ids are unique, so the order is total and the unstable sort gives the same lines.
    ledger.lines.sort_unstable_by(|a, b| (&a.partner, &a.order, &a.id).cmp(&(&b.partner, &b.order, &b.id)));
    let known: BTreeMap<&str, Money> = ledger.lines.iter().map(|l| (l.id.as_str(), l.amount)).collect();
    let mut paid_by: BTreeMap<&str, &str> = BTreeMap::new();
    for p in payments {
        for id in &p.lines {
            if let Some(first) = paid_by.insert(id.as_str(), p.file.as_str()) {
                ledger.checks.push(Check::PaymentMismatch {
                    file: p.file.clone(),
                    partner: p.partner.clone(),
                    detail: format!("pays line {id} again (already paid in {first})"),
                });
            }
        }
    }
    for p in payments {
        let sum: Money = p.lines.iter().filter_map(|id| known.get(id.as_str()).copied()).sum();
        let unknown: Vec<&str> = p.lines.iter().map(String::as_str).filter(|id| !known.contains_key(id)).collect();
        if !unknown.is_empty() || sum != p.amount {
            ledger.checks.push(Check::PaymentMismatch {
                file: p.file.clone(),
                partner: p.partner.clone(),
                detail: if unknown.is_empty() {
                    format!("paid {} but its lines add up to {}", c.format(p.amount), c.format(sum))
                } else {
                    format!("names lines the ledger does not have: {}", unknown.join(", "))
                },
            });
        }
        ledger.balances.entry(p.partner.clone()).or_default().paid += p.amount;
    }
    // The lines are sorted by partner: one balance per run of lines.
    for run in ledger.lines.chunk_by(|a, b| a.partner == b.partner) {
        let b = ledger.balances.entry(run[0].partner.to_string()).or_default();
        for l in run {
            if l.amount > Money::ZERO {
                b.earned += l.amount;
            } else {
                b.clawed_back += -l.amount;
            }
            match l.status {
                LineStatus::Pending => b.pending += l.amount,
                LineStatus::Payable => b.payable += l.amount,
                LineStatus::Paid | LineStatus::ClawedBack => {}
            }
        }
    }
    for b in ledger.balances.values_mut() {
        b.due = b.payable > Money::ZERO && b.payable >= c.payout.minimum;
    }
    ledger.checks.sort();
    ledger
}

/// Orders from this many up are compared with clicks.
pub const SUSPICIOUS_ORDERS: u64 = 5;

/// Adds a check for each partner credited (by its own attribution) with at least
/// [`SUSPICIOUS_ORDERS`] orders and more than twice as many orders as its links had clicks
/// (`clicks`, all time, by partner code): a sign of orders attributed by hand or a leaked
/// coupon, for the admin to look at.
pub fn orders_above_clicks(ledger: &mut Ledger, clicks: &BTreeMap<String, u64>) {
    let mut orders: BTreeMap<&str, u64> = BTreeMap::new();
    for o in &ledger.orders {
        if let (Some(p), Kind::Order, Reason::Recorded) = (&o.partner, o.kind, &o.reason)
            && o.status != Status::Cancelled
        {
            *orders.entry(p.as_str()).or_default() += 1;
        }
    }
    let found: Vec<Check> = orders
        .into_iter()
        .filter_map(|(partner, n)| {
            let c = clicks.get(partner).copied().unwrap_or(0);
            (n >= SUSPICIOUS_ORDERS && n > 2 * c).then(|| Check::ManyOrdersFewClicks {
                partner: partner.to_owned(),
                orders: n,
                clicks: c,
            })
        })
        .collect();
    ledger.checks.extend(found);
    ledger.checks.sort();
}

/// The products of `o` that `plan` overrides, each SKU once with its lines added up, and their
/// share of the order's amount: when the lines add up to more than the amount (an export
/// listing prices before the order's discount), each is scaled down in proportion.
fn overridden_items<'o>(o: &'o Order, plan: &refcenter_model::commission::Plan) -> Vec<(&'o str, Money)> {
    let mut by_sku: BTreeMap<&str, i64> = BTreeMap::new();
    for item in o.items.iter().filter(|it| plan.product_overrides.contains_key(&it.sku)) {
        *by_sku.entry(item.sku.as_str()).or_default() += item.amount.max(0);
    }
    let listed: i64 = o.items.iter().map(|it| it.amount.max(0)).sum();
    by_sku
        .into_iter()
        .map(|(sku, amount)| {
            let base = if listed > o.amount { Money(amount).scaled(o.amount, listed) } else { Money(amount) };
            (sku, base)
        })
        .collect()
}

/// What every line of a ledger is computed with: the program, its commissions, the lines the
/// recorded payments name, and the ledger's day.
#[derive(Clone, Copy)]
struct Rules<'a> {
    program: &'a Program,
    c: &'a Commissions,
    paid: &'a BTreeSet<&'a str>,
    as_of: NaiveDate,
    names: &'a Names,
}

/// The text the lines share, one copy each.
#[derive(Default)]
struct Names(RefCell<HashMap<String, Arc<str>>>, RefCell<HashMap<Rate, Arc<str>>>);

impl Names {
    /// A rate as partners read it, written once per rate.
    fn rate(&self, c: &Commissions, rate: Rate) -> Arc<str> {
        self.1.borrow_mut().entry(rate).or_insert_with(|| Arc::from(c.describe(rate))).clone()
    }

    fn get(&self, text: &str) -> Arc<str> {
        let mut map = self.0.borrow_mut();
        if let Some(shared) = map.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        map.insert(text.to_owned(), shared.clone());
        shared
    }
}

impl Rules<'_> {
    /// The lines of one credited order: a commission per earning level (and product override),
    /// each with its clawbacks.
    fn order_lines(&self, cr: &Credit<'_>, credited: &str, ledger: &mut Ledger) {
        let Rules { program, c, names, .. } = *self;
        let o = cr.order;
        let order: Arc<str> = Arc::from(o.id.as_str());
        let (credited_name, link, ad) =
            (names.get(credited), cr.link.as_deref().map(|l| names.get(l)), cr.ad.as_deref().map(|a| names.get(a)));
        // On payment, an unpaid order earns nothing yet, and one cancelled unpaid never will.
        let was_paid = o.was_paid;
        if c.payout.basis == PayoutBasis::OnPayment && o.status == Status::Cancelled && !was_paid {
            return;
        }
        let payable_on = match c.payout.basis {
            PayoutBasis::UpFront => Some(o.date),
            PayoutBasis::OnPayment if was_paid => Some(o.paid_at.unwrap_or(o.date)),
            PayoutBasis::OnPayment => None,
        }
        .and_then(|d| d.checked_add_days(Days::new(u64::from(c.payout.holding_days))));
        let chain = std::iter::once(credited.to_owned())
            .chain(program.tree().ancestors(credited).into_iter().map(|a| a.to_string()));
        for (i, earner) in chain.enumerate().take(usize::from(c.levels)) {
            let level = u8::try_from(i + 1).unwrap_or(u8::MAX);
            let Some(partner) = program.partner(&earner).filter(|p| p.active) else { continue };
            let plan = c.plan_for(partner);
            let mut parts: Vec<(Option<&str>, Money, Rate)> = Vec::new();
            match o.kind {
                Kind::Lead => {
                    if let Some(m) = plan.lead_rate(level) {
                        parts.push((None, Money::ZERO, Rate::Flat(m)));
                    }
                }
                Kind::Order => {
                    let mut rest = o.amount;
                    for (sku, base) in overridden_items(o, plan) {
                        if let Some(rate) = plan.sale_rate(level, cr.link.as_deref(), Some(sku)) {
                            parts.push((Some(sku), base, rate));
                        }
                        rest -= base.0;
                    }
                    let overridden = !parts.is_empty();
                    if let Some(rate) = plan.sale_rate(level, cr.link.as_deref(), None)
                        && (rest > 0 || !overridden)
                    {
                        parts.push((None, Money(rest.max(0)), rate));
                    }
                }
            }
            for (sku, base, rate) in parts {
                let amount = match rate {
                    Rate::Percent(p) => p.of(base),
                    Rate::Flat(m) => m,
                };
                if amount == Money::ZERO {
                    continue;
                }
                let kind = if o.kind == Kind::Lead { LineKind::Lead } else { LineKind::Sale };
                let id = match sku {
                    Some(sku) => format!("{}:{}:{level}:{sku}", o.kind.as_str(), o.id),
                    None => format!("{}:{}:{level}", o.kind.as_str(), o.id),
                };
                let status = self.status_of(&id, payable_on);
                let line = Line {
                    id,
                    partner: names.get(&earner),
                    order: order.clone(),
                    kind,
                    date: o.date,
                    level,
                    credited: credited_name.clone(),
                    link: link.clone(),
                    ad: ad.clone(),
                    sku: sku.map(|s| names.get(s)),
                    base,
                    rate: names.rate(c, rate),
                    amount,
                    status,
                    payable_on,
                };
                self.clawbacks(o, line, ledger);
            }
        }
    }

    /// Pushes `line` and the clawbacks of `o`'s refunds against it.
    fn clawbacks(&self, o: &Order, mut line: Line, ledger: &mut Ledger) {
        let (c, paid) = (self.c, self.paid);
        let refunds: Vec<i64> = match (o.kind, o.status >= Status::Refunded) {
            (Kind::Lead, true) => vec![1],
            (Kind::Lead, false) => vec![],
            (Kind::Order, _) => o.refunds.iter().copied().collect(),
        };
        let whole = if o.kind == Kind::Lead { 1 } else { o.amount };
        let mut taken = Money::ZERO;
        let mut out = Vec::new();
        for refunded in refunds {
            // A refund of the whole amount (or of an order of no amount) takes all back.
            let to_date = if refunded >= whole { line.amount } else { line.amount.scaled(refunded, whole) };
            let amount = -(to_date - taken);
            taken = to_date;
            if amount == Money::ZERO {
                continue;
            }
            let day = o.refunded_at.unwrap_or(line.date).max(line.date);
            let id = format!("{}:refund:{refunded}", line.id);
            let (status, payable_on) = match line.status {
                // A paid commission is clawed back from the next payment.
                LineStatus::Paid => (self.status_of(&id, Some(day)), Some(day)),
                // An unpaid one is netted with it: the clawback shares its state.
                _ if paid.contains(id.as_str()) => (LineStatus::Paid, line.payable_on),
                s => (s, line.payable_on),
            };
            if line.status == LineStatus::Paid && status != LineStatus::Paid {
                ledger.checks.push(Check::RefundAfterPayment {
                    order: o.id.clone(),
                    partner: line.partner.to_string(),
                    amount,
                });
            }
            let (base, rate): (Money, Arc<str>) = match o.kind {
                Kind::Lead => (Money::ZERO, Arc::from("lead cancelled")),
                Kind::Order => {
                    let share = format!("{} of {} refunded", c.format(Money(refunded)), c.format(Money(whole)));
                    (Money(refunded), Arc::from(share))
                }
            };
            out.push(Line {
                id,
                kind: LineKind::Clawback,
                date: day,
                base,
                rate,
                amount,
                status,
                payable_on,
                ..line.clone()
            });
        }
        if taken == line.amount && line.status != LineStatus::Paid && out.iter().all(|l| l.status != LineStatus::Paid) {
            line.status = LineStatus::ClawedBack;
            for l in &mut out {
                l.status = LineStatus::ClawedBack;
            }
        }
        ledger.lines.push(line);
        ledger.lines.extend(out);
    }

    /// The state of a line with this id and payable day.
    fn status_of(&self, id: &str, payable_on: Option<NaiveDate>) -> LineStatus {
        if self.paid.contains(id) {
            LineStatus::Paid
        } else if payable_on.is_some_and(|d| d <= self.as_of) {
            LineStatus::Payable
        } else {
            LineStatus::Pending
        }
    }
}
