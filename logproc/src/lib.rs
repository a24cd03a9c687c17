//! The log processor behind `refstats`: CDN and web server access logs in, exact per-partner and
//! per-ad click statistics out.
//!
//! [`input`] finds and opens the inputs; [`formats`] parses each log format into a
//! [`record::Record`]; [`classify`] applies the click rules; [`tally`] counts while the lines
//! stream by (the distinct visits in [`visits`], by [`days`], codes as ids by [`names`], settled
//! rows in [`sorted_rows`]), and [`breakdown`] breaks clicks down by source, device, operating
//! system, browser, country and referrer; [`counted::Counted`] holds both; [`frames`] turns the counts into
//! polars frames and rolls them up by any level (day, link, partner, ...); [`tables`] computes the
//! statistics and [`page_figures`] the partner pages' figures; each table goes to a
//! [`sink::TableSink`], which [`report`] implements (JSON tables through [`json_table`],
//! `report.html` through [`html`], `summary.json` with [`run_info`]). [`accounting`] keeps track
//! of every line. [`partial`] is what a map task counted, for a reduce to merge, and
//! [`program_table`] the program as a reduce outside refstats reads it. [`store`] keeps what
//! scheduled runs counted, and [`store_run`] is a run's side of it ([`report_inputs`] tells
//! when its report is already up to date). [`commission_run`] reads the
//! shops' order exports and computes the commissions ledger with the `refcenter-commissions`
//! crate.

pub mod accounting;
pub mod bots;
pub mod breakdown;
pub mod chart;
pub mod classify;
pub mod cli;
pub mod commission_run;
pub mod counted;
pub mod days;
pub mod distinct;
pub mod formats;
pub mod frames;
pub mod html;
pub mod increment;
pub mod input;
pub mod json_table;
pub mod names;
pub mod page_figures;
pub mod partial;
pub mod program_table;
pub mod record;
pub mod report;
pub mod report_inputs;
pub mod run;
pub mod run_info;
pub mod sink;
pub mod sorted_rows;
pub mod store;
pub mod store_run;
pub mod tables;
pub mod tally;
pub mod visits;
