//! Exact money: amounts in integer minor units (cents) of the program's one currency, parsed
//! from and written as decimal text, and the one rounding rule every commission follows.
//!
//! No floating point anywhere: `"12.50"` in a `USD` program is 1250, and a percentage of an
//! amount is computed in 128-bit integers and rounded once, half away from zero
//! ([`round_half_away`]): 0.5 cent and more rounds up for an amount and down (more negative)
//! for a clawback, so a clawback of a whole commission is exactly the commission.
//!
//! ```
//! use refcenter_model::money::{Currency, Percent};
//!
//! let usd = Currency::parse("USD").unwrap();
//! let price = usd.parse_amount("19.99").unwrap();
//! assert_eq!(price.minor(), 1999);
//! // 12.5 % of 19.99 is 2.49875, which rounds to 2.50.
//! let rate = Percent::parse("12.5").unwrap();
//! assert_eq!(usd.format(rate.of(price)), "2.50");
//! ```

use std::fmt;

/// A currency: its ISO 4217 code and how many minor-unit digits it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    digits: u8,
}

/// ISO 4217 currencies without minor units.
const NO_DECIMALS: [&str; 16] =
    ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF"];
/// ISO 4217 currencies with three minor-unit digits.
const THREE_DECIMALS: [&str; 7] = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

impl Currency {
    /// `XXX`, ISO 4217's "no currency", with two decimals: what amounts are checked against
    /// while the program's currency code is wrong.
    pub const UNKNOWN: Currency = Currency { code: *b"XXX", digits: 2 };

    /// The currency with this three-letter code (upper case), e.g. `"EUR"`.
    pub fn parse(code: &str) -> Option<Currency> {
        let bytes: [u8; 3] = code.as_bytes().try_into().ok()?;
        if !bytes.iter().all(u8::is_ascii_uppercase) {
            return None;
        }
        let digits = if NO_DECIMALS.contains(&code) {
            0
        } else if THREE_DECIMALS.contains(&code) {
            3
        } else {
            2
        };
        Some(Currency { code: bytes, digits })
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// How many digits follow the decimal point.
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// Parses a decimal amount such as `"1234.50"`, `"-3"` or `"0.5"`: an optional sign,
    /// digits, and at most [`Currency::digits`] decimals after a point.
    pub fn parse_amount(&self, text: &str) -> Result<Money, AmountError> {
        let t = text.trim();
        let (negative, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(AmountError::NotANumber(text.trim().to_owned()));
        }
        // Trailing zeros beyond the currency's digits are harmless ("12.500" is 12.50).
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > usize::from(self.digits) {
            return Err(AmountError::TooPrecise { text: text.trim().to_owned(), digits: self.digits });
        }
        let scale = 10i64.pow(u32::from(self.digits));
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| AmountError::TooLarge)? };
        let mut minor = 0i64;
        for (i, b) in fraction.bytes().enumerate() {
            let exponent = u32::from(self.digits) - 1 - u32::try_from(i).unwrap_or(0);
            minor += i64::from(b - b'0') * 10i64.pow(exponent);
        }
        let value = whole.checked_mul(scale).and_then(|w| w.checked_add(minor)).ok_or(AmountError::TooLarge)?;
        Ok(Money(if negative { -value } else { value }))
    }

    /// The amount as decimal text, e.g. `"-12.50"`.
    pub fn format(&self, amount: Money) -> String {
        let digits = u32::from(self.digits);
        let sign = if amount.0 < 0 { "-" } else { "" };
        let abs = amount.0.unsigned_abs();
        if digits == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(digits);
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = digits as usize)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why an amount could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a decimal number.
    #[error("`{0}` is not an amount")]
    NotANumber(String),
    /// More decimals than the currency has.
    #[error("`{text}` has more than {digits} decimals")]
    TooPrecise {
        /// The text.
        text: String,
        /// The currency's decimals.
        digits: u8,
    },
    /// Beyond what 64 bits of minor units hold.
    #[error("the amount is too large")]
    TooLarge,
}

/// An amount of the program's currency in minor units (cents for USD).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// The amount in minor units.
    pub fn minor(self) -> i64 {
        self.0
    }

    /// `self × numerator / denominator`, rounded half away from zero; `denominator` must not
    /// be zero (zero is returned then).
    pub fn scaled(self, numerator: i64, denominator: i64) -> Money {
        Money(round_half_away(i128::from(self.0) * i128::from(numerator), i128::from(denominator)))
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }
}

impl std::ops::Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(self.0.saturating_neg())
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

/// `numerator / denominator` rounded to the nearest integer, halves away from zero: the
/// rounding rule of every commission line. Zero when `denominator` is zero; saturates at the
/// bounds of `i64`.
pub fn round_half_away(numerator: i128, denominator: i128) -> i64 {
    if denominator == 0 {
        return 0;
    }
    let (n, d) = if denominator < 0 { (-numerator, -denominator) } else { (numerator, denominator) };
    let q = n / d;
    let r = n % d;
    let q = if 2 * r.abs() >= d { q + n.signum() } else { q };
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

/// A percentage with up to four decimals, kept as ten-thousandths of a percent
/// (`12.5` % is 125,000).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u32);

impl Percent {
    /// Units in one percent.
    const SCALE: i64 = 10_000;

    /// Parses `"12.5"` (without the `%`): 0 to 100, at most four decimals.
    pub fn parse(text: &str) -> Option<Percent> {
        let t = text.trim();
        let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
        let fraction = fraction.trim_end_matches('0');
        if whole.is_empty() || fraction.len() > 4 || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: u32 = whole.parse().ok().filter(|w| *w <= 100)?;
        let mut units = whole * 10_000;
        for (i, b) in fraction.bytes().enumerate() {
            units += u32::from(b - b'0') * 10u32.pow(3 - u32::try_from(i).ok()?);
        }
        (units <= 100 * 10_000).then_some(Percent(units))
    }

    /// This percentage of `amount`, rounded half away from zero.
    pub fn of(self, amount: Money) -> Money {
        amount.scaled(i64::from(self.0), 100 * Percent::SCALE)
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 10_000;
        let fraction = self.0 % 10_000;
        if fraction == 0 {
            write!(f, "{whole}%")
        } else {
            let digits = format!("{fraction:04}");
            write!(f, "{whole}.{}%", digits.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn amounts_parse_exactly() {
        let c = usd();
        assert_eq!(c.parse_amount("12.50").unwrap(), Money(1250));
        assert_eq!(c.parse_amount("12.5").unwrap(), Money(1250));
        assert_eq!(c.parse_amount("1234.05").unwrap(), Money(123_405));
        assert!(matches!(c.parse_amount("12,5"), Err(AmountError::NotANumber(_))));
        assert_eq!(c.parse_amount("-0.01").unwrap(), Money(-1));
        assert_eq!(c.parse_amount(".5").unwrap(), Money(50));
        assert_eq!(c.parse_amount("7").unwrap(), Money(700));
        assert_eq!(c.parse_amount("12.500").unwrap(), Money(1250));
        assert!(matches!(c.parse_amount("12.345"), Err(AmountError::TooPrecise { .. })));
        assert!(matches!(c.parse_amount("1e3"), Err(AmountError::NotANumber(_))));
        assert!(matches!(c.parse_amount(""), Err(AmountError::NotANumber(_))));
        assert!(matches!(c.parse_amount("-"), Err(AmountError::NotANumber(_))));
        assert_eq!(c.parse_amount("99999999999999999999"), Err(AmountError::TooLarge));
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.parse_amount("1500").unwrap(), Money(1500));
        assert!(jpy.parse_amount("1500.5").is_err());
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(kwd.parse_amount("1.234").unwrap(), Money(1234));
        assert_eq!(kwd.format(Money(-1234)), "-1.234");
        assert_eq!(jpy.format(Money(1500)), "1500");
        assert_eq!(c.format(Money(-5)), "-0.05");
        assert!(Currency::parse("usd").is_none() && Currency::parse("US").is_none());
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_half_away(5, 10), 1);
        assert_eq!(round_half_away(4, 10), 0);
        assert_eq!(round_half_away(-5, 10), -1);
        assert_eq!(round_half_away(-4, 10), 0);
        assert_eq!(round_half_away(15, 10), 2);
        assert_eq!(round_half_away(25, -10), -3);
        assert_eq!(round_half_away(1, 0), 0);
        // 12.5 % of 0.04 is 0.005: half a cent rounds up, and down for a clawback.
        let p = Percent::parse("12.5").unwrap();
        assert_eq!(p.of(Money(4)), Money(1));
        assert_eq!(p.of(Money(-4)), Money(-1));
        assert_eq!(p.of(Money(3)), Money(0));
    }

    #[test]
    fn percentages_parse_and_print() {
        assert_eq!(Percent::parse("20").unwrap().to_string(), "20%");
        assert_eq!(Percent::parse("12.50").unwrap().to_string(), "12.5%");
        assert_eq!(Percent::parse("0.0625").unwrap().to_string(), "0.0625%");
        assert!(Percent::parse("100.5").is_none());
        assert!(Percent::parse("429496.7296").is_none(), "no overflow to a small rate");
        assert!(Percent::parse("0.00001").is_none());
        assert!(Percent::parse("-1").is_none());
        assert!(Percent::parse("x").is_none());
        assert_eq!(Percent::parse("100").unwrap().of(Money(1999)), Money(1999));
    }
}
