//! Commissions: what every partner earned on the orders and leads the shop exported.
//!
//! [`import`] reads a shop's CSV export (presets in [`preset`]) into [`conversion::Conversion`]s,
//! one per sighting of an order; [`order_book`] merges every sighting of an order into one
//! state, the same in any file order; [`credit`] decides who each order is credited to;
//! [`ledger`] computes the commission lines, clawbacks and balances as of a day with the
//! payments recorded in git ([`payouts`]), which also makes the next payment run.
//!
//! Money is exact throughout: integer minor units of the program's one currency
//! ([`refcenter_model::money`]).

pub mod conversion;
pub mod credit;
pub mod day;
pub mod import;
pub mod ledger;
pub mod order_book;
pub mod payouts;
pub mod preset;
