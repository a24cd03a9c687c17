//! Days as `YYYY-MM-DD` text in the store's conversion files (serde `with` helpers).

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serializer};

/// Writes a day.
pub fn serialize<S: Serializer>(day: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&day.format("%Y-%m-%d"))
}

/// Reads a day.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let text = String::deserialize(d)?;
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(serde::de::Error::custom)
}

/// The same for an optional day.
pub mod option {
    use super::*;

    /// Writes an optional day.
    pub fn serialize<S: Serializer>(day: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match day {
            Some(d) => super::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    /// Reads an optional day.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(serde::de::Error::custom)).transpose()
    }
}
