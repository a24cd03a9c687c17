//! What a partner's My Ledger page shows: its balances (earned, clawed back, paid, pending,
//! payable now) and every commission line, newest first, amounts as text in the program's
//! currency. Lines earned on a referral partner's order name that partner, never the order.

use refcenter_model::Program;
use refcenter_model::money::Money;
use serde::Serialize;

use crate::stats_view::Given;

/// One line as the page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct LineView {
    /// The day.
    pub date: String,
    /// `sale`, `lead` or `clawback`.
    pub kind: String,
    /// 1, 2 or 3.
    pub level: u8,
    /// What it was for: the order (with its link and ad), or the referral partner's order.
    pub what: String,
    /// The base.
    pub base: String,
    /// The rate.
    pub rate: String,
    /// The amount.
    pub amount: String,
    /// Whether the amount is negative.
    pub negative: bool,
    /// Its state.
    pub status: String,
    /// When it is payable.
    pub payable_on: String,
}

/// The page's data.
#[derive(Clone, Debug, Serialize)]
pub struct LedgerView {
    /// Whether `refstats` figures were given to the build.
    pub available: bool,
    /// The day the figures are as of.
    pub as_of: String,
    /// The program's currency.
    pub currency: String,
    /// Balances: (label, amount, id) in display order.
    pub balances: Vec<(&'static str, String, &'static str)>,
    /// Whether the next payment run pays the partner.
    pub due: bool,
    /// The minimum payout.
    pub minimum: String,
    /// The lines, newest first.
    pub lines: Vec<LineView>,
    /// Older lines not listed: how many, and their sum.
    pub older: Option<(u64, String)>,
}

impl LedgerView {
    /// The ledger page of a partner given its figures (`None`: the build was given none), or
    /// `None` when the program pays no commissions.
    pub fn of(program: &Program, given: Option<Given<'_>>) -> Option<LedgerView> {
        let c = program.settings.commissions.as_ref()?;
        let mine = given.and_then(|g| g.mine).and_then(|p| p.commissions.as_ref());
        let money = |m: i64| c.format(Money(m));
        let b = mine.map(|m| m.balances).unwrap_or_default();
        let lines = mine
            .map(|m| {
                m.ledger
                    .iter()
                    .map(|l| {
                        let what = match (&l.order, &l.from) {
                            (Some(order), _) => {
                                let via: Vec<&str> =
                                    [l.link.as_deref(), l.ad.as_deref()].into_iter().flatten().collect();
                                if via.is_empty() {
                                    format!("order {order}")
                                } else {
                                    format!("order {order} ({})", via.join(", "))
                                }
                            }
                            (None, Some(from)) if l.level == 2 => format!("an order of your referral partner {from}"),
                            (None, Some(from)) => format!("an order of {from}, in your referral partners' downline"),
                            (None, None) => String::new(),
                        };
                        LineView {
                            date: l.date.clone(),
                            kind: l.kind.clone(),
                            level: l.level,
                            what,
                            base: money(l.base),
                            rate: l.rate.clone(),
                            amount: money(l.amount),
                            negative: l.amount < 0,
                            status: l.status.clone(),
                            payable_on: l.payable_on.clone().unwrap_or_default(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(LedgerView {
            available: given.is_some(),
            as_of: given.map(|g| g.as_of.to_owned()).unwrap_or_default(),
            currency: c.currency.to_string(),
            balances: vec![
                ("Earned", money(b.earned), "earned"),
                ("Clawed back", money(b.clawed_back), "clawed-back"),
                ("Paid", money(b.paid), "paid"),
                ("Pending", money(b.pending), "pending"),
                ("Payable now", money(b.payable), "payable"),
            ],
            due: b.due,
            minimum: c.format(c.payout.minimum),
            lines,
            older: mine.filter(|m| m.older_lines > 0).map(|m| (m.older_lines, money(m.older_amount))),
        })
    }
}
