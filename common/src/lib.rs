//! What both binaries share, so that they find the same program, fail the same way and escape
//! HTML alike: [`ProgramSource`] (the file named with `--config`, else `partners.toml` here,
//! else the built-in sample), [`Failure`] with the exit statuses, [`escape_html`] and
//! [`spreadsheet_safe`] for CSV files people open.

pub mod failure;
pub mod html;
pub mod program_source;
pub mod spreadsheet;

pub use failure::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Failure, diagnostic_style};
pub use html::escape_html;
pub use program_source::{DEFAULT_FILE, ProgramSource};
pub use spreadsheet::spreadsheet_safe;
