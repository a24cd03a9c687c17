//! Who an order is credited to: the partner (and link and ad) the shop recorded, or, under
//! the first-referrer rule, the partner who first referred the same customer within the
//! program's window. Orders naming no partner, or one the program does not know, are kept
//! with the reason and earn nothing.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use refcenter_model::Program;

use crate::order_book::{Order, OrderBook};

/// Why an order is credited as it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// The partner recorded on the order.
    Recorded,
    /// The customer's first referring partner, whose window was still open.
    FirstReferrer,
    /// The order names no partner.
    NoPartner,
    /// The order names a partner the program does not have.
    UnknownPartner(String),
}

impl Reason {
    /// The reason as the reports write it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::Recorded => "recorded",
            Reason::FirstReferrer => "first referrer",
            Reason::NoPartner => "no partner",
            Reason::UnknownPartner(_) => "unknown partner",
        }
    }
}

/// An order and who it is credited to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit<'o> {
    /// The order.
    pub order: &'o Order,
    /// The credited partner; `None` when unknown or missing.
    pub partner: Option<String>,
    /// The link, when the credited partner's own click recorded one the program has.
    pub link: Option<String>,
    /// The ad, likewise.
    pub ad: Option<String>,
    /// Why.
    pub reason: Reason,
}

/// Credits every order in `book`; `first_referrer_days` is the program's window, if any.
pub fn credit<'o>(program: &Program, book: &'o OrderBook, first_referrer_days: Option<u32>) -> Vec<Credit<'o>> {
    let own: Vec<Credit<'o>> = book.orders().map(|o| recorded(program, o)).collect();
    let Some(days) = first_referrer_days else { return own };
    // Each customer's first referral: the earliest credited order or lead (ties by id); a
    // cancelled order referred no one.
    let mut first: BTreeMap<&'o str, (NaiveDate, &'o str, String)> = BTreeMap::new();
    for c in &own {
        let order: &'o Order = c.order;
        if order.status == crate::conversion::Status::Cancelled {
            continue;
        }
        if let (Some(customer), Some(partner)) = (order.customer.as_deref(), c.partner.as_ref()) {
            let candidate = (order.date, order.id.as_str(), partner.clone());
            match first.get_mut(customer) {
                Some(f) if *f <= candidate => {}
                Some(f) => *f = candidate,
                None => {
                    first.insert(customer, candidate);
                }
            }
        }
    }
    own.into_iter()
        .map(|c| {
            let Some((since, _, partner)) = c.order.customer.as_deref().and_then(|k| first.get(k)) else { return c };
            // The window opens with the first referral: earlier orders keep their own credit.
            let open = c.order.date >= *since
                && since.checked_add_days(Days::new(u64::from(days))).is_some_and(|end| c.order.date < end);
            if !open || c.partner.as_ref() == Some(partner) {
                return c;
            }
            Credit {
                order: c.order,
                partner: Some(partner.clone()),
                link: None,
                ad: None,
                reason: Reason::FirstReferrer,
            }
        })
        .collect()
}

/// The credit of `order` by what it recorded.
fn recorded<'o>(program: &Program, order: &'o Order) -> Credit<'o> {
    let (partner, link, ad) = &order.recorded;
    match partner.as_deref().map(|p| (p, program.partner(p))) {
        None => Credit { order, partner: None, link: None, ad: None, reason: Reason::NoPartner },
        Some((code, None)) => {
            Credit { order, partner: None, link: None, ad: None, reason: Reason::UnknownPartner(code.to_owned()) }
        }
        Some((code, Some(p))) => {
            let link = link.as_deref().filter(|l| program.link(l).is_some()).map(str::to_owned);
            let ad = ad.as_deref().filter(|a| p.ad(a).is_some()).map(str::to_owned);
            Credit { order, partner: Some(code.to_owned()), link, ad, reason: Reason::Recorded }
        }
    }
}
