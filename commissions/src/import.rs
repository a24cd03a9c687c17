//! Reading one shop export (CSV) into [`Conversion`]s: its shape found from the header
//! ([`crate::preset`]), each row checked, the attribution the shop recorded read back into
//! partner, link and ad codes through the program's attribution parameters, and the
//! customer's e-mail replaced by a keyed hash.
//!
//! A file-level problem (not UTF-8, a shape refstats does not know, a missing column) refuses
//! the whole file, so that nothing of it is half-counted; a bad row is rejected with its line
//! and reason and the rest of the file is read.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use refcenter_model::attribution::Slot;
use refcenter_model::commission::{Commissions, ConversionField as F};
use refcenter_model::money::{AmountError, Currency, Money};
use refcenter_model::{Program, Secret};

use crate::conversion::{Conversion, Item, Kind, Status};
use crate::preset::{self, Columns, Preset};

/// What an import needs from the program.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The program (its attribution parameters).
    pub program: &'a Program,
    /// Its commission structure (currency, column mapping).
    pub commissions: &'a Commissions,
    /// The key customers' e-mails are hashed with.
    pub secret: &'a Secret,
}

/// Why a whole file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Bytes that are not UTF-8.
    #[error("{file}:{line}: the file is not UTF-8")]
    NotUtf8 {
        /// The file.
        file: String,
        /// The line of the first bad byte.
        line: u64,
    },
    /// A header no preset and no mapping fits.
    #[error("{file}:1: not an export refstats knows (first columns: {header})")]
    UnknownShape {
        /// The file.
        file: String,
        /// Its first few column headers.
        header: String,
    },
    /// A column the shape needs is missing.
    #[error("{file}:1: the {preset} export has no `{field}` column")]
    MissingColumn {
        /// The file.
        file: String,
        /// The shape found.
        preset: &'static str,
        /// The field.
        field: &'static str,
        /// What to do.
        hint: String,
    },
    /// CSV that cannot be read.
    #[error("{file}:{line}: {message}")]
    Csv {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

impl ImportError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            ImportError::NotUtf8 { .. } => "export the file again as UTF-8 (CSV UTF-8 in a spreadsheet)".to_owned(),
            ImportError::UnknownShape { .. } => "export from Stripe, WooCommerce or Shopify as they are, use the generic CSV (docs/commissions.md), or map the columns in [commissions.columns]".to_owned(),
            ImportError::MissingColumn { hint, .. } => hint.clone(),
            ImportError::Csv { .. } => "check the quoting of that line".to_owned(),
        }
    }
}

/// A row that was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// `file:line`.
    pub at: String,
    /// Why.
    pub reason: String,
}

/// What one file gave.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    /// The shape it was read as.
    pub preset: Option<Preset>,
    /// Data rows read.
    pub rows: u64,
    /// The conversions, in file order.
    pub conversions: Vec<Conversion>,
    /// The rows rejected.
    pub rejected: Vec<Rejected>,
}

/// Reads the export `bytes`, named `file` in messages.
pub fn import(file: &str, bytes: &[u8], cx: &Context<'_>) -> Result<Imported, ImportError> {
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64;
        return Err(ImportError::NotUtf8 { file: file.to_owned(), line });
    }
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let csv_error = |e: csv::Error| ImportError::Csv {
        file: file.to_owned(),
        line: e.position().map_or(1, csv::Position::line),
        message: e.to_string(),
    };
    let header: Vec<String> = reader.headers().map_err(csv_error)?.iter().map(|h| h.trim().to_owned()).collect();
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let Some(preset) = preset::detect(&names, &cx.commissions.columns) else {
        return Err(ImportError::UnknownShape {
            file: file.to_owned(),
            header: names.iter().take(6).copied().collect::<Vec<_>>().join(", "),
        });
    };
    let columns = preset::columns(preset, &names, &cx.commissions.columns);
    for &field in preset::required(preset) {
        if columns.get(field).is_none() {
            return Err(ImportError::MissingColumn {
                file: file.to_owned(),
                preset: preset.as_str(),
                field: field.as_str(),
                hint: preset::missing_hint(preset, field),
            });
        }
    }
    let mut out = Imported { preset: Some(preset), ..Imported::default() };
    // Shopify lists an order's further line items on rows of their own, under its `Name`; the
    // generic and custom shapes may give an order a row per product, under its id.
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, csv::Position::line);
        out.rows += 1;
        let at = format!("{file}:{line}");
        let row = Row { record: &record, columns: &columns };
        if preset == Preset::Shopify
            && let Some(&i) = row.text(F::OrderId).and_then(|name| by_name.get(name))
        {
            match shopify_item(&row, cx.commissions.currency) {
                Ok(Some(item)) => out.conversions[i].items.push(item),
                Ok(None) => {}
                Err(reason) => out.rejected.push(Rejected { at, reason }),
            }
            continue;
        }
        match conversion(&row, preset, cx, &at) {
            Ok(c) if preset != Preset::Shopify && by_name.contains_key(&c.id) => {
                if let Some(&i) = by_name.get(&c.id) {
                    add_row(&mut out.conversions[i], c);
                }
            }
            Ok(c) => {
                by_name.insert(c.id.clone(), out.conversions.len());
                out.conversions.push(c);
            }
            Err(reason) => out.rejected.push(Rejected { at, reason }),
        }
    }
    Ok(out)
}

/// One CSV row and where its fields are.
struct Row<'r> {
    record: &'r csv::StringRecord,
    columns: &'r Columns,
}

impl Row<'_> {
    fn at(&self, column: Option<usize>) -> Option<&str> {
        column.and_then(|c| self.record.get(c)).map(str::trim).filter(|s| !s.is_empty())
    }

    fn text(&self, field: F) -> Option<&str> {
        self.at(self.columns.get(field))
    }
}

/// The conversion of one row, or why it is rejected.
fn conversion(row: &Row<'_>, preset: Preset, cx: &Context<'_>, at: &str) -> Result<Conversion, String> {
    let currency = cx.commissions.currency;
    let id = row.text(F::OrderId).ok_or("no order id")?;
    let date_text = row.text(F::Date).ok_or("no date")?;
    let date = parse_day(date_text)
        .ok_or_else(|| format!("`{date_text}` is not a date (YYYY-MM-DD, optionally with a time)"))?;
    let kind = match row.text(F::Kind) {
        None => Kind::Order,
        Some(k) if k.eq_ignore_ascii_case("order") || k.eq_ignore_ascii_case("sale") => Kind::Order,
        Some(k) if k.eq_ignore_ascii_case("lead") || k.eq_ignore_ascii_case("opt-in") => Kind::Lead,
        Some(k) => return Err(format!("unknown kind `{k}` (order or lead)")),
    };
    if let Some(code) = row.text(F::Currency)
        && !code.eq_ignore_ascii_case(currency.code())
    {
        return Err(format!("currency {} is not the program's {currency}", code.to_ascii_uppercase()));
    }
    let money = |field: F| -> Result<Money, String> {
        match row.text(field) {
            None => Ok(Money::ZERO),
            Some(t) => parse_money(t, currency).map_err(|e| format!("{}: {e}", field.as_str())),
        }
    };
    let amount = money(F::Amount)?;
    if kind == Kind::Order && row.text(F::Amount).is_none() {
        return Err("no amount".to_owned());
    }
    if amount < Money::ZERO {
        return Err(format!("a negative amount ({})", currency.format(amount)));
    }
    let mut refunded = money(F::Refunded)?.0.abs();
    let mut status = match row.text(F::Status) {
        None => Status::Paid,
        Some(s) => Status::parse(s).ok_or_else(|| format!("unknown status `{s}`"))?,
    };
    let refunded_at = row.text(F::RefundedAt).and_then(parse_day);
    if preset == Preset::Shopify && refunded_at.is_some() {
        // Shopify's refund day column is `Cancelled at`: an order with one is cancelled.
        status = status.max(Status::Cancelled);
    }
    if status == Status::Refunded && refunded == 0 {
        refunded = amount.0;
    }
    // Shops refund shipping and taxes too, which the commissionable amount leaves out: a
    // refund of the amount or more refunds all of it.
    refunded = refunded.min(amount.0);
    if refunded > 0 && refunded == amount.0 && status == Status::Paid {
        status = Status::Refunded;
    }
    let mut recorded = Recorded::default();
    for (column, param) in &row.columns.params {
        if let Some(value) = row.at(Some(*column)) {
            recorded.params.push((param.clone(), value.to_owned()));
        }
    }
    if let Some(notes) = row.at(row.columns.note_attributes) {
        for line in notes.lines() {
            if let Some((k, v)) = line.split_once(':') {
                recorded.params.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
    }
    recorded.direct = [row.text(F::Partner), row.text(F::Link), row.text(F::Ad)].map(|v| v.map(str::to_owned));
    if let Some(reference) = row.at(row.columns.client_reference) {
        let mut parts = reference.split('/').map(|p| Some(p.to_owned()));
        let [p, l, a] = [parts.next().flatten(), parts.next().flatten(), parts.next().flatten()];
        recorded.direct =
            [recorded.direct[0].clone().or(p), recorded.direct[1].clone().or(l), recorded.direct[2].clone().or(a)];
    }
    let [partner, link, ad] = recorded.decode(cx.program);
    let mut items = Vec::new();
    if let Some(sku) = row.text(F::Sku) {
        let line_amount = match preset {
            Preset::Shopify => shopify_item(row, currency)?.map_or(amount.0, |i| i.amount),
            _ => amount.0,
        };
        items.push(Item { sku: sku.to_owned(), amount: line_amount });
    }
    Ok(Conversion {
        id: id.to_owned(),
        kind,
        date,
        status,
        amount: if kind == Kind::Lead { 0 } else { amount.0 },
        refunded,
        refunded_at,
        paid_at: row.at(row.columns.paid_at).and_then(parse_day),
        customer: row.text(F::Email).map(|e| customer_key(cx.secret, e)),
        partner,
        link,
        ad,
        items,
        source: at.to_owned(),
    })
}

/// Adds a further row of the same order (a product line of the generic or custom shape) to
/// the order: its amount, refund and product.
fn add_row(order: &mut Conversion, row: Conversion) {
    order.amount = order.amount.saturating_add(row.amount);
    order.refunded = order.refunded.saturating_add(row.refunded);
    order.status = order.status.max(row.status);
    order.items.extend(row.items);
    order.refunded_at = order.refunded_at.max(row.refunded_at);
}

/// A Shopify line item: `Lineitem sku` with `Lineitem price` × `Lineitem quantity`.
fn shopify_item(row: &Row<'_>, currency: Currency) -> Result<Option<Item>, String> {
    let Some(sku) = row.text(F::Sku) else { return Ok(None) };
    let Some((price, quantity)) = row.columns.item_price else { return Ok(None) };
    let price = match row.at(Some(price)) {
        Some(p) => parse_money(p, currency).map_err(|e| format!("Lineitem price: {e}"))?,
        None => return Ok(None),
    };
    let quantity: i64 = match row.at(quantity) {
        Some(q) => q
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("Lineitem quantity `{q}` is not a whole number from 1 up"))?,
        None => 1,
    };
    Ok(Some(Item { sku: sku.to_owned(), amount: price.0.saturating_mul(quantity) }))
}

/// The attribution a shop recorded: codes given directly, and parameters to read back.
#[derive(Default)]
struct Recorded {
    direct: [Option<String>; 3],
    params: Vec<(String, String)>,
}

impl Recorded {
    /// Partner, link and ad: the codes given directly, else read back through the program's
    /// attribution templates (and then the credited link's own).
    fn decode(mut self, program: &Program) -> [Option<String>; 3] {
        let read = |attribution: &refcenter_model::attribution::Attribution, out: &mut [Option<String>; 3]| {
            for (name, value) in &self.params {
                if let Some((slot, code)) = attribution.template(name).and_then(|t| t.read_back(value)) {
                    let i = match slot {
                        Slot::Partner => 0,
                        Slot::Link => 1,
                        Slot::Ad => 2,
                    };
                    out[i].get_or_insert_with(|| code.to_owned());
                }
            }
        };
        let mut out = std::mem::take(&mut self.direct);
        read(&program.settings.attribution, &mut out);
        if let Some(link) = out[1].as_deref().and_then(|l| program.link(l)) {
            read(&link.attribution, &mut out);
        }
        out
    }
}

/// The keyed hash that stands for a customer: of the e-mail trimmed and in lower case.
pub fn customer_key(secret: &Secret, email: &str) -> String {
    secret.token("customer", &[email.trim().to_lowercase().as_str()], 12)
}

/// An amount as shops write it: `1,234.50`, or with a decimal comma (`12,50`, `1.234,50`, as
/// a Stripe dashboard in German writes it). With both marks, the last one is the decimal mark;
/// a single comma is a decimal comma unless three digits follow it in a currency of two or no
/// decimals (`1,234` is a thousand); several commas separate thousands.
pub fn parse_money(text: &str, currency: Currency) -> Result<Money, AmountError> {
    let t = text.trim();
    let normal = match (t.rfind('.'), t.rfind(',')) {
        (Some(d), Some(c)) if c > d => t.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => t.replace(',', ""),
        (None, Some(c)) if t.matches(',').count() == 1 => {
            let digits = t.len() - c - 1;
            if digits == 3 && currency.digits() != 3 { t.replace(',', "") } else { t.replace(',', ".") }
        }
        (None, Some(_)) => t.replace(',', ""),
        _ => t.to_owned(),
    };
    currency.parse_amount(&normal)
}

/// The UTC day of a date or date and time as the exports write them: `2024-05-01`,
/// `2024-05-01 10:00:00` (UTC), `2024-05-01 10:00:00 -0400` (Shopify), RFC 3339.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.len() == 10 {
        return NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc).date_naive());
    }
    if let Ok(d) = DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S %z") {
        return Some(d.with_timezone(&Utc).date_naive());
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, format) {
            return Some(d.date());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_amounts_in_every_exports_form() {
        let d = |s| parse_day(s).map(|d| d.to_string());
        assert_eq!(d("2024-05-01").as_deref(), Some("2024-05-01"));
        assert_eq!(d("2024-05-01 23:30:00").as_deref(), Some("2024-05-01"));
        assert_eq!(d("2024-05-01 22:30:00 -0400").as_deref(), Some("2024-05-02"));
        assert_eq!(d("2024-05-01T22:30:00+02:00").as_deref(), Some("2024-05-01"));
        assert_eq!(d("2024-05-01 14:30").as_deref(), Some("2024-05-01"));
        assert_eq!(d("05/01/2024"), None);
        assert_eq!(d("2024-02-30"), None);
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(parse_money("1,234.50", usd), Ok(Money(123_450)));
        assert_eq!(parse_money("12,50", usd), Ok(Money(1250)));
        assert_eq!(parse_money("1,234", usd), Ok(Money(123_400)));
        assert_eq!(parse_money("1.000,00", usd), Ok(Money(100_000)));
        assert_eq!(parse_money("1,000,000", usd), Ok(Money(100_000_000)));
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(parse_money("0,125", kwd), Ok(Money(125)));
        assert!(parse_money("12.5.0", usd).is_err());
    }
}
