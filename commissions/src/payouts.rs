//! Paying partners: the payments the admin recorded (`payouts/*.toml` beside the program
//! file, one file per payment run, committed once the money went out), and a new payment run
//! made from the balances due: a PayPal Payouts file (no header; recipient, amount, currency,
//! reference, note; at most 5,000 rows and one currency per file), a Wise batch file (the
//! "send by email" template's columns; at most 1,000 rows per file) and the record of the run
//! to commit once paid.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use refcenter_model::Program;
use refcenter_model::commission::Commissions;
use refcenter_model::money::Money;
use serde::{Deserialize, Serialize};

use crate::ledger::{Ledger, LineStatus};

/// The folder of payment records, beside the program file.
pub const PAYOUTS_DIR: &str = "payouts";
/// Rows per PayPal Payouts file.
pub const PAYPAL_ROWS: usize = 5_000;
/// Rows per Wise batch file.
pub const WISE_ROWS: usize = 1_000;

/// One partner paid in one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The record file it comes from.
    pub file: String,
    /// The day of the run.
    pub date: NaiveDate,
    /// The partner.
    pub partner: String,
    /// The amount paid.
    pub amount: Money,
    /// The ledger lines it paid.
    pub lines: Vec<String>,
}

/// A payment run as recorded in git.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunFile {
    /// The day of the run.
    date: String,
    /// The currency of every amount.
    currency: String,
    /// Who was paid.
    #[serde(default)]
    payments: Vec<PaymentEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentEntry {
    partner: String,
    amount: String,
    lines: Vec<String>,
}

/// Why the payment records could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PayoutError {
    /// A file that cannot be read.
    #[error("cannot read {file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// A record that is not one.
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The payment record files of the folder `dir` (`.toml`, in name order; none if the folder is
/// missing): what [`read_payments`] reads.
pub fn record_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, PayoutError> {
    let mut names: Vec<std::path::PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(PayoutError::Io { file: dir.display().to_string(), source }),
    };
    names.sort();
    Ok(names)
}

/// Reads every `*.toml` in `dir` (none when the folder does not exist), in name order.
pub fn read_payments(dir: &Path, c: &Commissions) -> Result<Vec<Payment>, PayoutError> {
    let mut out = Vec::new();
    for path in record_files(dir)? {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| PayoutError::Io { file: file.clone(), source })?;
        out.extend(parse_run(&file, &text, c)?);
    }
    Ok(out)
}

/// The payments of one record file.
pub fn parse_run(file: &str, text: &str, c: &Commissions) -> Result<Vec<Payment>, PayoutError> {
    let invalid = |span: Option<std::ops::Range<usize>>, message: String| PayoutError::Invalid {
        file: file.to_owned(),
        line: span.map_or(1, |s| 1 + text[..s.start.min(text.len())].matches('\n').count()),
        message,
    };
    let run: RunFile = toml::from_str(text).map_err(|e| invalid(e.span(), e.message().to_owned()))?;
    let date = NaiveDate::parse_from_str(&run.date, "%Y-%m-%d")
        .map_err(|_| invalid(None, format!("`date = \"{}\"` is not a day (YYYY-MM-DD)", run.date)))?;
    if run.currency != c.currency.code() {
        return Err(invalid(None, format!("the run is in {}, the program in {}", run.currency, c.currency)));
    }
    run.payments
        .into_iter()
        .map(|p| {
            let amount =
                c.currency.parse_amount(&p.amount).map_err(|e| invalid(None, format!("partner {}: {e}", p.partner)))?;
            Ok(Payment { file: file.to_owned(), date, partner: p.partner, amount, lines: p.lines })
        })
        .collect()
}

/// A payment run made from the balances due.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Files to write: name and bytes (`paypal-1.csv`, `wise-1.csv`, the record `<date>.toml`).
    pub files: Vec<(String, Vec<u8>)>,
    /// Partners due but left out, and why (no e-mail address).
    pub skipped: Vec<(String, String)>,
    /// How many partners are paid, and the total.
    pub paid: (usize, Money),
}

/// The payment run of `ledger`'s balances due, dated `date`.
pub fn batch(program: &Program, c: &Commissions, ledger: &Ledger, date: NaiveDate) -> Batch {
    let mut lines: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for l in ledger.lines.iter().filter(|l| l.status == LineStatus::Payable) {
        lines.entry(&*l.partner).or_default().push(l.id.clone());
    }
    let mut out = Batch::default();
    let mut due = Vec::new();
    for (partner, balance) in ledger.balances.iter().filter(|(_, b)| b.due) {
        match program.partner(partner).map(|p| (p, p.email.as_deref())) {
            Some((p, Some(email))) => due.push((p, email, balance.payable)),
            Some((_, None)) => out.skipped.push((partner.clone(), "no e-mail address in the program file".to_owned())),
            None => out.skipped.push((partner.clone(), "no longer in the program file".to_owned())),
        }
    }
    let currency = c.currency.code();
    let reference = |partner: &str| format!("{partner}-{date}");
    let note = format!("{} referral commissions to {date}", program.settings.name);
    for (i, chunk) in due.chunks(PAYPAL_ROWS).enumerate() {
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        for (p, email, amount) in chunk {
            let row =
                [email.to_string(), c.format(*amount), currency.to_owned(), reference(p.code.as_str()), note.clone()];
            let _ = w.write_record(row.iter().map(|f| refcenter_common::spreadsheet_safe(f)));
        }
        out.files.push((format!("paypal-{}.csv", i + 1), w.into_inner().unwrap_or_default()));
    }
    for (i, chunk) in due.chunks(WISE_ROWS).enumerate() {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record([
            "name",
            "recipientEmail",
            "paymentReference",
            "receiverType",
            "amountCurrency",
            "amount",
            "sourceCurrency",
            "targetCurrency",
        ]);
        for (p, email, amount) in chunk {
            let row = [
                p.name.clone(),
                email.to_string(),
                reference(p.code.as_str()),
                "PERSON".to_owned(),
                "source".to_owned(),
                c.format(*amount),
                currency.to_owned(),
                currency.to_owned(),
            ];
            let _ = w.write_record(row.iter().map(|f| refcenter_common::spreadsheet_safe(f)));
        }
        out.files.push((format!("wise-{}.csv", i + 1), w.into_inner().unwrap_or_default()));
    }
    let record = RunFile {
        date: date.to_string(),
        currency: currency.to_owned(),
        payments: due
            .iter()
            .map(|(p, _, amount)| PaymentEntry {
                partner: p.code.to_string(),
                amount: c.format(*amount),
                lines: lines.remove(p.code.as_str()).unwrap_or_default(),
            })
            .collect(),
    };
    let mut text = format!(
        "# The payment run of {date}: commit this file into {PAYOUTS_DIR}/ once the payments went out.\n# The next ledger then counts these lines as paid.\n"
    );
    text.push_str(&toml::to_string(&record).unwrap_or_default());
    out.files.push((format!("{date}.toml"), text.into_bytes()));
    out.paid = (due.len(), due.iter().map(|d| d.2).sum());
    out
}
