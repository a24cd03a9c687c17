//! The export shapes refstats reads without configuration, and the program's own column
//! mapping for any other: which column holds which field, found by header name (never by
//! position: shops let users pick and reorder columns), and which columns hold the attribution
//! parameters the shop recorded.
//!
//! | preset | the export | attribution read from |
//! | --- | --- | --- |
//! | `stripe` | Dashboard → Payments → Export (`unified_payments.csv`) | `UTM Source` / `UTM Campaign` / `UTM Content`, `<param> (metadata)` columns, `Client Reference ID` |
//! | `woocommerce` | an order export with the order attribution meta columns (`_wc_order_attribution_utm_source`, ...) | those columns |
//! | `shopify` | Orders → Export (one row per line item) | `Note Attributes` (`utm_source: sam`, one per line) |
//! | `generic` | the documented CSV: `order_id,date,kind,status,amount,refunded,refunded_at,currency,email,partner,link,ad,sku` | `partner`, `link`, `ad` |
//! | `custom` | `[commissions.columns]` in the program file | the mapped `partner`, `link`, `ad` |

use std::collections::BTreeMap;

use refcenter_model::commission::ConversionField;

/// An export shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Preset {
    /// Stripe's payments export.
    Stripe,
    /// A WooCommerce order export with order attribution columns.
    WooCommerce,
    /// Shopify's orders export.
    Shopify,
    /// The generic CSV.
    Generic,
    /// The program's `[commissions.columns]`.
    Custom,
}

impl Preset {
    /// The preset's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Stripe => "stripe",
            Preset::WooCommerce => "woocommerce",
            Preset::Shopify => "shopify",
            Preset::Generic => "generic",
            Preset::Custom => "custom",
        }
    }

    /// The header names each field may have in this shape, in order of preference.
    fn aliases(self, field: ConversionField) -> &'static [&'static str] {
        use ConversionField as F;
        match (self, field) {
            (Preset::Stripe, F::OrderId) => &["id"],
            (Preset::Stripe, F::Date) => &["Created date (UTC)", "Created (UTC)"],
            (Preset::Stripe, F::Status) => &["Status"],
            (Preset::Stripe, F::Amount) => &["Amount"],
            (Preset::Stripe, F::Refunded) => &["Amount Refunded"],
            (Preset::Stripe, F::RefundedAt) => &["Refunded date (UTC)"],
            (Preset::Stripe, F::Currency) => &["Currency"],
            (Preset::Stripe, F::Email) => &["Customer Email"],
            (Preset::WooCommerce, F::OrderId) => &["Order ID", "Order Id", "order_id", "Order Number", "order_number"],
            (Preset::WooCommerce, F::Date) => &["Order Date", "order_date"],
            (Preset::WooCommerce, F::Status) => &["Order Status", "status"],
            (Preset::WooCommerce, F::Amount) => &["Order Subtotal Amount", "Order Total Amount", "order_total"],
            (Preset::WooCommerce, F::Refunded) => &["Order Refund Amount", "refunded_total"],
            (Preset::WooCommerce, F::Currency) => &["Currency", "order_currency"],
            (Preset::WooCommerce, F::Email) => &["Email (Billing)", "Billing Email", "billing_email"],
            (Preset::Shopify, F::OrderId) => &["Name"],
            (Preset::Shopify, F::Date) => &["Created at"],
            (Preset::Shopify, F::Status) => &["Financial Status"],
            (Preset::Shopify, F::Amount) => &["Subtotal"],
            (Preset::Shopify, F::Refunded) => &["Refunded Amount"],
            (Preset::Shopify, F::RefundedAt) => &["Cancelled at"],
            (Preset::Shopify, F::Currency) => &["Currency"],
            (Preset::Shopify, F::Email) => &["Email"],
            (Preset::Shopify, F::Sku) => &["Lineitem sku"],
            (Preset::Generic, f) => generic(f),
            _ => &[],
        }
    }
}

/// The generic CSV's header of `field`.
fn generic(field: ConversionField) -> &'static [&'static str] {
    use ConversionField as F;
    match field {
        F::OrderId => &["order_id"],
        F::Date => &["date"],
        F::Kind => &["kind"],
        F::Status => &["status"],
        F::Amount => &["amount"],
        F::Refunded => &["refunded"],
        F::RefundedAt => &["refunded_at"],
        F::Currency => &["currency"],
        F::Email => &["email"],
        F::Partner => &["partner"],
        F::Link => &["link"],
        F::Ad => &["ad"],
        F::Sku => &["sku"],
    }
}

/// Where each field of one file is: column indexes, found from its header.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// The field's column.
    pub fields: BTreeMap<ConversionField, usize>,
    /// Columns holding a recorded attribution parameter: (column, parameter name).
    pub params: Vec<(usize, String)>,
    /// Stripe's `Client Reference ID`: a partner code, or `partner/link[/ad]`.
    pub client_reference: Option<usize>,
    /// Shopify's `Note Attributes`: `name: value` lines.
    pub note_attributes: Option<usize>,
    /// Shopify's `Paid at`, WooCommerce's `Paid Date`.
    pub paid_at: Option<usize>,
    /// Shopify's `Lineitem price` and `Lineitem quantity`.
    pub item_price: Option<(usize, Option<usize>)>,
}

impl Columns {
    /// The column of `field`.
    pub fn get(&self, field: ConversionField) -> Option<usize> {
        self.fields.get(&field).copied()
    }
}

/// Which shape `header` is, preferring the program's own mapping when its required columns are
/// all there.
pub fn detect(header: &[&str], custom: &BTreeMap<ConversionField, String>) -> Option<Preset> {
    let has = |name: &str| header.contains(&name);
    let required = [ConversionField::OrderId, ConversionField::Date, ConversionField::Partner];
    if !custom.is_empty() && required.iter().all(|f| custom.get(f).is_some_and(|h| has(h))) {
        return Some(Preset::Custom);
    }
    if has("Financial Status") && has("Lineitem sku") {
        Some(Preset::Shopify)
    } else if has("id") && has("Amount Refunded") {
        Some(Preset::Stripe)
    } else if header.iter().any(|h| woo_param(h).is_some()) || has("Order Status") {
        Some(Preset::WooCommerce)
    } else if has("order_id") && has("date") {
        Some(Preset::Generic)
    } else {
        None
    }
}

/// The attribution parameter a WooCommerce column holds.
fn woo_param(header: &str) -> Option<&str> {
    header.trim_start_matches("meta:").strip_prefix("_wc_order_attribution_").filter(|p| p.starts_with("utm_"))
}

/// The attribution parameter a Stripe column holds.
fn stripe_param(header: &str) -> Option<String> {
    if let Some(key) = header.strip_suffix(" (metadata)") {
        return Some(key.to_owned());
    }
    header.strip_prefix("UTM ").map(|rest| format!("utm_{}", rest.to_ascii_lowercase()))
}

/// The columns of `preset` in a file with this `header`.
pub fn columns(preset: Preset, header: &[&str], custom: &BTreeMap<ConversionField, String>) -> Columns {
    let find = |names: &[&str]| names.iter().find_map(|n| header.iter().position(|h| h == n));
    let mut c = Columns::default();
    for field in ConversionField::ALL {
        let at = match preset {
            Preset::Custom => custom.get(&field).and_then(|h| find(&[h.as_str()])),
            _ => find(preset.aliases(field)),
        };
        if let Some(at) = at {
            c.fields.insert(field, at);
        }
    }
    match preset {
        Preset::Stripe => {
            c.params = header.iter().enumerate().filter_map(|(i, h)| stripe_param(h).map(|p| (i, p))).collect();
            c.client_reference = find(&["Client Reference ID"]);
        }
        Preset::WooCommerce => {
            c.params = header.iter().enumerate().filter_map(|(i, h)| woo_param(h).map(|p| (i, p.to_owned()))).collect();
            c.paid_at = find(&["Paid Date", "date_paid"]);
        }
        Preset::Shopify => {
            c.note_attributes = find(&["Note Attributes"]);
            c.paid_at = find(&["Paid at"]);
            c.item_price = find(&["Lineitem price"]).map(|p| (p, find(&["Lineitem quantity"])));
        }
        Preset::Generic | Preset::Custom => {}
    }
    c
}

/// The fields a file of `preset` must have.
pub fn required(preset: Preset) -> &'static [ConversionField] {
    use ConversionField as F;
    match preset {
        Preset::Generic | Preset::Custom => &[F::OrderId, F::Date],
        _ => &[F::OrderId, F::Date, F::Amount],
    }
}

/// What to tell the admin about a missing column of `preset`.
pub fn missing_hint(preset: Preset, field: ConversionField) -> String {
    match preset {
        Preset::Custom => format!("name the column of `{}` in [commissions.columns]", field.as_str()),
        Preset::Generic => format!("add the column `{}` (see the generic CSV in docs/commissions.md)", field.as_str()),
        p => format!(
            "export again with the column {} included (the {} preset reads it)",
            p.aliases(field).iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(" or "),
            p.as_str()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_told_apart_by_their_headers() {
        let none = BTreeMap::new();
        let shopify = ["Name", "Email", "Financial Status", "Subtotal", "Created at", "Lineitem sku", "Id"];
        assert_eq!(detect(&shopify, &none), Some(Preset::Shopify));
        let stripe = ["id", "Created date (UTC)", "Amount", "Amount Refunded", "Currency", "UTM Source"];
        assert_eq!(detect(&stripe, &none), Some(Preset::Stripe));
        let c = columns(Preset::Stripe, &stripe, &none);
        assert_eq!(c.params, vec![(5, "utm_source".to_owned())]);
        let woo = ["Order ID", "Order Date", "Order Status", "_wc_order_attribution_utm_source"];
        assert_eq!(detect(&woo, &none), Some(Preset::WooCommerce));
        assert_eq!(detect(&["order_id", "date", "amount"], &none), Some(Preset::Generic));
        assert_eq!(detect(&["a", "b"], &none), None);
        let custom = BTreeMap::from([
            (ConversionField::OrderId, "Ref".to_owned()),
            (ConversionField::Date, "When".to_owned()),
            (ConversionField::Partner, "Who".to_owned()),
        ]);
        assert_eq!(detect(&["Ref", "When", "Who"], &custom), Some(Preset::Custom));
        assert_eq!(columns(Preset::Custom, &["Who", "Ref", "When"], &custom).get(ConversionField::Date), Some(2));
    }
}
