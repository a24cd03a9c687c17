//! Days: the unit every count is kept by. A day is a number of days since 1970-01-01 (UTC),
//! named `YYYY-MM-DD` in files; a day and a key (link, partner, ad) pack into one number that
//! sorts as the pair does.

/// Days since 1970-01-01 (UTC).
pub type Day = i32;

/// The day of a timestamp.
pub fn day_of(time: i64) -> Day {
    i32::try_from(time.div_euclid(86_400)).unwrap_or(i32::MAX)
}

/// The calendar date of a day.
pub fn day_date(day: Day) -> Option<chrono::NaiveDate> {
    chrono::DateTime::from_timestamp(i64::from(day) * 86_400, 0).map(|t| t.date_naive())
}

/// `YYYY-MM-DD` of a day.
pub fn day_name(day: Day) -> String {
    day_date(day).map_or_else(|| day.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// The day named `YYYY-MM-DD`.
pub fn day_from_name(name: &str) -> Option<Day> {
    let date = chrono::NaiveDate::parse_from_str(name, "%Y-%m-%d").ok()?;
    Some(day_of(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp()))
}

/// The first day of the `days` days ending on `as_of` (a page window's first day).
pub fn window_start(days: u32, as_of: Day) -> Day {
    as_of.saturating_sub(i32::try_from(days).unwrap_or(i32::MAX) - 1)
}

/// A day and a key packed in one number, ordered as (day, key) are.
pub fn day_key(day: Day, key: u32) -> u64 {
    (((i64::from(day) + (1 << 31)) as u64) << 32) | u64::from(key)
}

/// The day and key of [`day_key`].
pub fn split_day_key(packed: u64) -> (Day, u32) {
    (((packed >> 32) as i64 - (1 << 31)) as Day, packed as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_named_and_packed_in_order() {
        assert_eq!(day_name(day_of(1_714_557_600)), "2024-05-01");
        assert_eq!(day_name(day_of(-1)), "1969-12-31");
        assert_eq!(day_from_name("2024-05-01"), Some(day_of(1_714_557_600)));
        assert_eq!(day_from_name("2024-13-01"), None);
        let (a, b) = (day_key(-1, 7), day_key(0, 0));
        assert!(a < b, "an earlier day sorts first whatever its key");
        assert_eq!(split_day_key(a), (-1, 7));
    }
}
