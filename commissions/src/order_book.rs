//! Every sighting of every order merged into one state per order, the same whatever order
//! the files came in and however often a row is repeated: an order only moves forward
//! (pending → paid → refunded or cancelled), its refunded amount only grows, and every
//! refunded total seen is kept so that each partial refund becomes a clawback line of its own
//! that never changes once written. Sightings that disagree on the amount keep the lower one
//! and are reported with the highest.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::conversion::{Conversion, Item, Kind, Status};

/// One order (or lead) as every sighting together tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    /// The shop's id.
    pub id: String,
    /// Order or lead.
    pub kind: Kind,
    /// The day it was placed (the earliest seen).
    pub date: NaiveDate,
    /// How far along it is (the furthest seen).
    pub status: Status,
    /// The commissionable amount (the lowest seen), in minor units.
    pub amount: i64,
    /// The highest amount seen: above `amount` when sightings disagree.
    pub highest: i64,
    /// Every refunded total seen above zero, ascending; a cancellation counts as the whole
    /// amount.
    pub refunds: BTreeSet<i64>,
    /// The day of the refund or cancellation (the earliest seen).
    pub refunded_at: Option<NaiveDate>,
    /// The day it was paid (the earliest seen).
    pub paid_at: Option<NaiveDate>,
    /// Whether any sighting showed it paid (paid, refunded, or with a payment day): a paid
    /// order cancelled later keeps its commissions, which the cancellation claws back.
    pub was_paid: bool,
    /// The customer's key.
    pub customer: Option<String>,
    /// The attribution the shop recorded: partner, link and ad (the smallest seen when
    /// sightings differ).
    pub recorded: (Option<String>, Option<String>, Option<String>),
    /// The product lines (the longest list seen).
    pub items: Vec<Item>,
    /// Where it was seen (`file:line`; the first in sort order when seen in several places).
    pub source: String,
}

impl Order {
    fn new(c: Conversion) -> Order {
        let mut o = Order {
            id: c.id,
            kind: c.kind,
            date: c.date,
            status: c.status,
            amount: c.amount,
            highest: c.amount,
            refunds: BTreeSet::new(),
            refunded_at: c.refunded_at,
            paid_at: c.paid_at,
            was_paid: c.paid_at.is_some() || matches!(c.status, Status::Paid | Status::Refunded),
            customer: c.customer,
            recorded: (c.partner, c.link, c.ad),
            items: c.items,
            source: c.source,
        };
        o.note_refund(c.refunded);
        o
    }

    fn note_refund(&mut self, refunded: i64) {
        if refunded > 0 {
            self.refunds.insert(refunded);
        }
        if self.status >= Status::Refunded {
            self.refunds.insert(self.amount);
        }
    }

    fn merge(&mut self, other: Order) {
        self.date = self.date.min(other.date);
        self.status = self.status.max(other.status);
        self.amount = self.amount.min(other.amount);
        self.highest = self.highest.max(other.highest);
        self.refunds.extend(other.refunds);
        self.refunded_at = min_some(self.refunded_at, other.refunded_at);
        self.paid_at = min_some(self.paid_at, other.paid_at);
        self.was_paid |= other.was_paid;
        self.customer = min_some(self.customer.take(), other.customer);
        // A sighting naming a partner wins over one that does not; then the smallest.
        let mine = std::mem::take(&mut self.recorded);
        self.recorded = std::cmp::min_by_key(mine, other.recorded, |r| (r.0.is_none(), r.clone()));
        if (other.items.len(), std::cmp::Reverse(&other.items)) > (self.items.len(), std::cmp::Reverse(&self.items)) {
            self.items = other.items;
        }
        self.source = std::mem::take(&mut self.source).min(other.source);
        // Refunds are kept below the amount finally taken; a full refund is the whole amount.
        let amount = self.amount;
        self.refunds = self.refunds.iter().map(|r| (*r).min(amount)).collect();
        if self.status >= Status::Refunded {
            self.refunds.insert(amount);
        }
    }

    /// The refunded total so far.
    pub fn refunded(&self) -> i64 {
        self.refunds.last().copied().unwrap_or(0)
    }
}

fn min_some<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Every order and lead, by kind and id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderBook {
    orders: BTreeMap<(Kind, String), Order>,
}

impl OrderBook {
    /// Adds one sighting.
    pub fn add(&mut self, c: Conversion) {
        let key = (c.kind, c.id.clone());
        let order = Order::new(c);
        match self.orders.get_mut(&key) {
            Some(o) => o.merge(order),
            None => {
                self.orders.insert(key, order);
            }
        }
    }

    /// Every order, by kind then id.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values()
    }

    /// How many orders and leads.
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }
}

impl FromIterator<Conversion> for OrderBook {
    fn from_iter<I: IntoIterator<Item = Conversion>>(iter: I) -> Self {
        let mut book = OrderBook::default();
        for c in iter {
            book.add(c);
        }
        book
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighting(status: Status, amount: i64, refunded: i64, source: &str) -> Conversion {
        Conversion {
            id: "1001".into(),
            kind: Kind::Order,
            date: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
            status,
            amount,
            refunded,
            refunded_at: None,
            paid_at: None,
            customer: None,
            partner: Some("sam".into()),
            link: None,
            ad: None,
            items: vec![],
            source: source.into(),
        }
    }

    #[test]
    fn sightings_merge_the_same_in_any_order() {
        let all = [
            sighting(Status::Pending, 5000, 0, "a:2"),
            sighting(Status::Paid, 5000, 0, "b:2"),
            sighting(Status::Paid, 5000, 1000, "c:2"),
            sighting(Status::Refunded, 5000, 5000, "d:2"),
        ];
        let forward: OrderBook = all.iter().cloned().collect();
        let backward: OrderBook = all.iter().rev().cloned().collect();
        let twice: OrderBook = all.iter().chain(all.iter()).cloned().collect();
        assert_eq!(forward, backward);
        assert_eq!(forward, twice);
        let o = forward.orders().next().unwrap();
        assert_eq!(o.status, Status::Refunded);
        assert_eq!(o.refunds, BTreeSet::from([1000, 5000]));
        assert_eq!(o.source, "a:2");
    }

    #[test]
    fn differing_amounts_keep_the_lower_and_are_remembered() {
        let book: OrderBook =
            [sighting(Status::Paid, 5000, 0, "a:2"), sighting(Status::Paid, 4000, 0, "b:2")].into_iter().collect();
        let o = book.orders().next().unwrap();
        assert_eq!(o.amount, 4000);
        assert_eq!(o.highest, 5000);
    }
}
