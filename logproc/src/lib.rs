//! The log processor behind `refstats`: CDN and web server access logs in, exact per-partner
//! and per-ad click statistics out.
//!
//! [`input`] finds and opens the inputs; [`formats`] parses each log format into a
//! [`record::Record`]; [`classify`] applies the click rules; [`tally`] counts while the lines
//! stream by (the distinct visits in [`visits`]); [`tables`] computes the statistics with
//! polars; [`report`] writes them (JSON tables through [`json_table`]). [`accounting`] keeps
//! track of every line. [`store`] keeps what scheduled runs counted, and [`store_run`] is a
//! run's side of it. [`commission_run`] reads the shops' order exports and computes the
//! commissions ledger with the `refcenter-commissions` crate.

pub mod accounting;
pub mod bots;
pub mod chart;
pub mod classify;
pub mod cli;
pub mod commission_run;
pub mod formats;
pub mod html;
pub mod input;
pub mod json_table;
pub mod page_figures;
pub mod record;
pub mod report;
pub mod run;
pub mod store;
pub mod store_run;
pub mod tables;
pub mod tally;
pub mod visits;
