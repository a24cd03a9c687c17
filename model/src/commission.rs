//! The checked commission structure of a program (`[commissions]`): its currency, how many
//! levels of the partner tree earn, the plans with their rates per level and their link and
//! product overrides, which partner is on which plan, the payout terms and the attribution
//! rule. Everything here passed [`crate::validate`]; the ledger is computed from it.

use std::collections::BTreeMap;

use crate::code::Code;
use crate::money::{Currency, Money, Percent};
use crate::program::Partner;

/// The most levels of the partner tree that can earn on one conversion.
pub const MAX_LEVELS: u8 = 3;

/// What one commission pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rate {
    /// A percentage of the commissionable amount.
    Percent(Percent),
    /// A fixed amount per conversion (per order, or per product line for a product override).
    Flat(Money),
}

/// The commissions of one level of the tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LevelRates {
    /// On a sale; `None`: the level earns nothing on sales.
    pub sale: Option<Rate>,
    /// On a lead (opt-in): always a flat amount; `None`: nothing.
    pub lead: Option<Money>,
}

/// A commission plan (the hosted product's "commission program").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The plan's code.
    pub code: Code,
    /// Its name, as partners see it.
    pub name: String,
    /// Which plan wins when a partner's groups match several (higher wins; unique).
    pub priority: i64,
    /// Partners in any of these groups are on this plan (unless given another directly).
    pub groups: Vec<String>,
    /// Rates per level: index 0 is level 1 (the credited partner). As many as the program's
    /// levels; a level the admin left out earns nothing.
    pub levels: Vec<LevelRates>,
    /// Sale rates per level for orders through a link, replacing the plan's (levels past the
    /// list keep the plan's rate).
    pub link_overrides: BTreeMap<Code, Vec<Rate>>,
    /// Sale rates per level for a product (by SKU), replacing the plan's and the link's.
    pub product_overrides: BTreeMap<String, Vec<Rate>>,
}

impl Plan {
    /// The sale rate at `level` (1-based) for a product line `sku` of an order through `link`:
    /// the product override, else the link override, else the plan's rate.
    pub fn sale_rate(&self, level: u8, link: Option<&str>, sku: Option<&str>) -> Option<Rate> {
        let i = usize::from(level.saturating_sub(1));
        if let Some(r) = sku.and_then(|s| self.product_overrides.get(s)).and_then(|r| r.get(i)) {
            return Some(*r);
        }
        if let Some(r) = link.and_then(|l| self.link_overrides.get(l)).and_then(|r| r.get(i)) {
            return Some(*r);
        }
        self.levels.get(i).and_then(|l| l.sale)
    }

    /// The lead rate at `level` (1-based).
    pub fn lead_rate(&self, level: u8) -> Option<Money> {
        self.levels.get(usize::from(level.saturating_sub(1))).and_then(|l| l.lead)
    }
}

/// When a commission can be paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayoutBasis {
    /// Once the customer has paid the order (the default).
    OnPayment,
    /// As soon as the order is placed, paid or not.
    UpFront,
}

impl PayoutBasis {
    /// The name in the program file.
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutBasis::OnPayment => "on-payment",
            PayoutBasis::UpFront => "up-front",
        }
    }

    /// The basis named `s` in the program file.
    pub fn parse(s: &str) -> Option<PayoutBasis> {
        [PayoutBasis::OnPayment, PayoutBasis::UpFront].into_iter().find(|b| b.as_str() == s)
    }
}

/// When and how much is paid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayoutTerms {
    /// What makes a commission payable.
    pub basis: PayoutBasis,
    /// Days a commission waits (after the order, or its payment) before it is payable.
    pub holding_days: u32,
    /// A partner's payable balance is paid only from this amount up.
    pub minimum: Money,
}

/// A column of a conversions export, as the column mapping names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConversionField {
    /// The order (or lead) id; required.
    OrderId,
    /// When the order was placed; required.
    Date,
    /// `order` or `lead`.
    Kind,
    /// The order's status (paid, pending, refunded, partially refunded, cancelled...).
    Status,
    /// The commissionable amount of the order, or of the product line.
    Amount,
    /// The amount refunded so far.
    Refunded,
    /// When it was refunded or cancelled.
    RefundedAt,
    /// The currency code.
    Currency,
    /// The customer's e-mail (only ever kept as a keyed hash).
    Email,
    /// The partner code the shop recorded.
    Partner,
    /// The link code the shop recorded.
    Link,
    /// The ad code the shop recorded.
    Ad,
    /// The product's SKU, for product overrides.
    Sku,
}

impl ConversionField {
    /// Every field, in the order of the generic CSV's columns.
    pub const ALL: [ConversionField; 13] = [
        ConversionField::OrderId,
        ConversionField::Date,
        ConversionField::Kind,
        ConversionField::Status,
        ConversionField::Amount,
        ConversionField::Refunded,
        ConversionField::RefundedAt,
        ConversionField::Currency,
        ConversionField::Email,
        ConversionField::Partner,
        ConversionField::Link,
        ConversionField::Ad,
        ConversionField::Sku,
    ];

    /// The field's name in the mapping, and the generic CSV's column header.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversionField::OrderId => "order_id",
            ConversionField::Date => "date",
            ConversionField::Kind => "kind",
            ConversionField::Status => "status",
            ConversionField::Amount => "amount",
            ConversionField::Refunded => "refunded",
            ConversionField::RefundedAt => "refunded_at",
            ConversionField::Currency => "currency",
            ConversionField::Email => "email",
            ConversionField::Partner => "partner",
            ConversionField::Link => "link",
            ConversionField::Ad => "ad",
            ConversionField::Sku => "sku",
        }
    }

    /// The field named `s`.
    pub fn parse(s: &str) -> Option<ConversionField> {
        ConversionField::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A program's commission structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commissions {
    /// The program's one currency.
    pub currency: Currency,
    /// How many levels of the partner tree earn (1 to [`MAX_LEVELS`]).
    pub levels: u8,
    /// The plans, in file order.
    pub plans: Vec<Plan>,
    /// The index in `plans` of the plan of partners given none.
    pub default_plan: usize,
    /// The payout terms.
    pub payout: PayoutTerms,
    /// When set, a customer stays with the first partner who referred them for this many days.
    pub first_referrer_days: Option<u32>,
    /// A custom export's columns: field to column header.
    pub columns: BTreeMap<ConversionField, String>,
}

impl Commissions {
    /// The plan `partner` is on: the one given to it directly, else the plan with the highest
    /// priority among those given to one of its groups, else the default plan.
    pub fn plan_for(&self, partner: &Partner) -> &Plan {
        if let Some(code) = &partner.plan
            && let Some(p) = self.plans.iter().find(|p| &p.code == code)
        {
            return p;
        }
        self.plans
            .iter()
            .filter(|p| p.groups.iter().any(|g| partner.groups.contains(g)))
            .max_by_key(|p| p.priority)
            .unwrap_or(&self.plans[self.default_plan])
    }

    /// The plan with this code.
    pub fn plan(&self, code: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.code.as_str() == code)
    }

    /// `amount` as decimal text in the program's currency.
    pub fn format(&self, amount: Money) -> String {
        self.currency.format(amount)
    }

    /// A rate as partners read it: `12.5%` or `5.00 USD`.
    pub fn describe(&self, rate: Rate) -> String {
        match rate {
            Rate::Percent(p) => p.to_string(),
            Rate::Flat(m) => format!("{} {}", self.format(m), self.currency),
        }
    }
}
