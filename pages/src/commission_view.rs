//! What a partner's My Commission Structure page shows: its plan's rates per level of the
//! partner tree, the link and product overrides that concern it, and the payout terms, all
//! as text ready for the template (amounts in the program's currency, exact).

use refcenter_model::commission::{Commissions, PayoutBasis, Rate};
use refcenter_model::{Partner, Program};
use serde::Serialize;

/// One level of the tree and what it earns.
#[derive(Debug, Serialize)]
pub struct LevelView {
    /// 1, 2 or 3.
    pub level: u8,
    /// Whose orders this level is paid on, from the partner's point of view.
    pub whose: &'static str,
    /// The sale commission, or `None`.
    pub sale: Option<String>,
    /// The lead commission, or `None`.
    pub lead: Option<String>,
}

/// An override of the sale rate: for a link or a product, a rate per level.
#[derive(Debug, Serialize)]
pub struct OverrideView {
    /// `link` or `product`.
    pub kind: &'static str,
    /// The link's name, or the SKU.
    pub name: String,
    /// The link code or SKU.
    pub code: String,
    /// The rate per level, level 1 first; levels past the list keep the plan's rate.
    pub sale: Vec<String>,
}

/// The whole page.
#[derive(Debug, Serialize)]
pub struct CommissionView {
    /// The plan's name.
    pub plan: String,
    /// The plan's code.
    pub plan_code: String,
    /// The program's currency code.
    pub currency: String,
    /// The levels the program pays.
    pub levels: Vec<LevelView>,
    /// Overrides for links this partner may use, and for products.
    pub overrides: Vec<OverrideView>,
    /// When a commission becomes payable.
    pub basis: &'static str,
    /// Days a commission is held.
    pub holding_days: u32,
    /// The smallest payment.
    pub minimum_payout: String,
    /// How long a customer stays with the partner who referred them first, if the program does.
    pub first_referrer_days: Option<u32>,
}

impl CommissionView {
    /// The page of `partner`, or `None` when the program pays no commissions.
    pub fn of(program: &Program, partner: &Partner) -> Option<CommissionView> {
        let c: &Commissions = program.settings.commissions.as_ref()?;
        let plan = c.plan_for(partner);
        let rate = |r: Option<Rate>| r.map(|r| c.describe(r));
        let levels = (1..=c.levels)
            .map(|level| LevelView {
                level,
                whose: match level {
                    1 => "Orders and leads you refer",
                    2 => "Those your referral partners refer",
                    _ => "Those their referral partners refer",
                },
                sale: rate(plan.sale_rate(level, None, None)),
                lead: plan.lead_rate(level).map(|m| c.describe(Rate::Flat(m))),
            })
            .collect();
        let mut overrides: Vec<OverrideView> = plan
            .link_overrides
            .iter()
            .filter_map(|(code, rates)| {
                let link = program.link(code.as_str()).filter(|l| program.may_use(partner, l))?;
                Some(OverrideView {
                    kind: "link",
                    name: link.name.clone(),
                    code: code.to_string(),
                    sale: rates.iter().map(|r| c.describe(*r)).collect(),
                })
            })
            .collect();
        overrides.extend(plan.product_overrides.iter().map(|(sku, rates)| OverrideView {
            kind: "product",
            name: sku.clone(),
            code: sku.clone(),
            sale: rates.iter().map(|r| c.describe(*r)).collect(),
        }));
        Some(CommissionView {
            plan: plan.name.clone(),
            plan_code: plan.code.to_string(),
            currency: c.currency.to_string(),
            levels,
            overrides,
            basis: match c.payout.basis {
                PayoutBasis::OnPayment => "once the customer has paid",
                PayoutBasis::UpFront => "when the order is placed",
            },
            holding_days: c.payout.holding_days,
            minimum_payout: c.describe(Rate::Flat(c.payout.minimum)),
            first_referrer_days: c.first_referrer_days,
        })
    }
}
