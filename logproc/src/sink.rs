//! Where computed tables go: [`TableSink`], the one interface the report's writers implement,
//! tables handed over a slice of rows at a time ([`Slices`], as the largest are named only
//! while they are written), and why a report could not be made ([`ReportError`]).

use polars::prelude::*;
use refcenter_output::OutputError;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// polars failed to compute or serialise a table.
    #[error("cannot compute or write a table: {0}")]
    Polars(#[from] PolarsError),
    /// Writing the folder failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The HTML template failed.
    #[error("cannot render the HTML report: {0}")]
    Html(String),
}

/// A table handed out a slice of rows at a time.
pub trait Slices {
    /// The number of rows.
    fn height(&self) -> usize;

    /// The rows from `offset`, up to `len` of them.
    fn slice(&self, offset: usize, len: usize) -> PolarsResult<DataFrame>;
}

impl Slices for DataFrame {
    fn height(&self) -> usize {
        DataFrame::height(self)
    }

    fn slice(&self, offset: usize, len: usize) -> PolarsResult<DataFrame> {
        Ok(DataFrame::slice(self, i64::try_from(offset).unwrap_or(i64::MAX), len))
    }
}

/// Takes each table as it is computed, by its name (`daily`, `by_link_partner_ad`, ...), from
/// any thread: tables computed side by side are written side by side.
pub trait TableSink: Sync {
    /// Takes the table `name`.
    fn table(&self, name: &str, table: &dyn Slices) -> Result<(), ReportError>;
}
