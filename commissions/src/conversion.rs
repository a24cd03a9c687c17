//! A conversion as one export row saw it: an order (or a lead) with its status, amounts,
//! recorded attribution and, as a keyed hash only, its customer. This is what the stats store
//! keeps of each imported file; [`crate::order_book`] merges every sighting of an order.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An order or a lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A sale.
    Order,
    /// An opt-in.
    Lead,
}

impl Kind {
    /// `order` or `lead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Order => "order",
            Kind::Lead => "lead",
        }
    }
}

/// Where an order stands. Ordered by how far along it is: a later sighting never moves an
/// order back (see [`crate::order_book`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Placed, not paid yet (pending, on hold, authorized).
    Pending,
    /// Paid (a partial refund is `Paid` with a refunded amount).
    Paid,
    /// Refunded in full.
    Refunded,
    /// Cancelled, voided or failed.
    Cancelled,
}

impl Status {
    /// The status a shop wrote, in any of the spellings of the supported exports (Stripe,
    /// WooCommerce, Shopify, the generic CSV), case and `-`/space/`_` insensitive.
    pub fn parse(text: &str) -> Option<Status> {
        let t: String = text
            .trim()
            .trim_start_matches("wc-")
            .chars()
            .map(|c| if c == '-' || c == ' ' { '_' } else { c.to_ascii_lowercase() })
            .collect();
        Some(match t.as_str() {
            "paid" | "succeeded" | "completed" | "complete" | "processing" | "partially_refunded" | "captured" => {
                Status::Paid
            }
            "pending" | "pending_payment" | "on_hold" | "authorized" | "partially_paid" | "unpaid" | "open"
            | "checkout_draft" | "requires_capture" => Status::Pending,
            "refunded" => Status::Refunded,
            "cancelled"
            | "canceled"
            | "voided"
            | "void"
            | "failed"
            | "expired"
            | "requires_payment_method"
            | "requires_action"
            | "requires_confirmation" => Status::Cancelled,
            _ => return None,
        })
    }

    /// The name in the reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Refunded => "refunded",
            Status::Cancelled => "cancelled",
        }
    }
}

/// A product line of an order, for product overrides.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Item {
    /// The product's SKU.
    pub sku: String,
    /// The line's amount (price × quantity) in minor units.
    pub amount: i64,
}

/// One sighting of an order or lead in an export.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conversion {
    /// The shop's order (or lead) id.
    pub id: String,
    /// Order or lead.
    pub kind: Kind,
    /// The day it was placed (UTC).
    #[serde(with = "crate::day")]
    pub date: NaiveDate,
    /// Its status in this export.
    pub status: Status,
    /// The commissionable amount in minor units (0 for a lead).
    pub amount: i64,
    /// The amount refunded so far, in minor units.
    #[serde(default)]
    pub refunded: i64,
    /// The day of the refund or cancellation, when the export gives it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::day::option")]
    pub refunded_at: Option<NaiveDate>,
    /// The day it was paid, when the export gives it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::day::option")]
    pub paid_at: Option<NaiveDate>,
    /// The customer: a keyed hash of the normalised e-mail, never the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The partner code the shop recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// The link code the shop recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The ad code the shop recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad: Option<String>,
    /// Its product lines, when the export lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    /// Where it was read: `file:line`.
    pub source: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shops_statuses_are_read() {
        for (text, status) in [
            ("Paid", Status::Paid),
            ("succeeded", Status::Paid),
            ("wc-completed", Status::Paid),
            ("processing", Status::Paid),
            ("partially_refunded", Status::Paid),
            ("Partially refunded", Status::Paid),
            ("On hold", Status::Pending),
            ("on-hold", Status::Pending),
            ("authorized", Status::Pending),
            ("Refunded", Status::Refunded),
            ("voided", Status::Cancelled),
            ("canceled", Status::Cancelled),
            ("Failed", Status::Cancelled),
            ("requires_payment_method", Status::Cancelled),
        ] {
            assert_eq!(Status::parse(text), Some(status), "{text}");
        }
        assert_eq!(Status::parse("shipped"), None);
        assert!(Status::Pending < Status::Paid && Status::Paid < Status::Refunded);
    }
}
