//! Breakdowns of clicks: where they came from (the referrer's domain, the country of the
//! client's address), what clicked (device class, operating system, browser), and whether a
//! printed QR code was scanned or a link followed. Each worker of a run finds its clicks'
//! values ([`Counter`], the map side), the run counts each click under its profile; runs, the
//! store's days and the partials merge into one [`Breakdowns`] in any order and grouping;
//! [`tables`] computes the tables and the partner pages' top entries from it. People's clicks
//! only: bot and `HEAD` hits are not broken down. No address is kept: only its country.

pub mod agent;
pub mod counter;
pub mod country;
pub mod counts;
pub mod page_tops;
pub mod referrer;
pub mod tables;

pub use counter::Counter;
pub use counts::{Breakdowns, Profiles};

/// What clicks are broken down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dim {
    /// `qr` (a scan of a printed QR code, whose link carries the QR marker) or `link`.
    Source,
    /// The device class ([`agent`]).
    Device,
    /// The operating system.
    Os,
    /// The browser.
    Browser,
    /// The two-letter country code of the client's address ([`country`]).
    Country,
    /// The referrer's domain ([`referrer`]).
    Referrer,
}

impl Dim {
    /// Every dimension, in table order.
    pub const ALL: [Dim; 6] = [Dim::Source, Dim::Device, Dim::Os, Dim::Browser, Dim::Country, Dim::Referrer];

    /// Its name in tables, partials and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dim::Source => "source",
            Dim::Device => "device",
            Dim::Os => "os",
            Dim::Browser => "browser",
            Dim::Country => "country",
            Dim::Referrer => "referrer",
        }
    }

    /// The dimension named `name`.
    pub fn from_name(name: &str) -> Option<Dim> {
        Dim::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Its place in [`Dim::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which dimensions a run breaks clicks down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted(pub [bool; 6]);

impl Default for Wanted {
    fn default() -> Self {
        Wanted([true; 6])
    }
}

impl Wanted {
    /// No breakdown at all.
    pub const NONE: Wanted = Wanted([false; 6]);

    /// The dimensions listed in `list` (names separated by commas; `all` or `none`).
    pub fn parse(list: &str) -> Result<Wanted, String> {
        let mut wanted = Wanted::NONE;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "all" => wanted = Wanted::default(),
                "none" => {}
                _ => match Dim::from_name(name) {
                    Some(d) => wanted.0[d.index()] = true,
                    None => {
                        let names: Vec<&str> = Dim::ALL.iter().map(|d| d.name()).collect();
                        return Err(format!(
                            "`{name}` is not a breakdown (breakdowns: {}, all, none)",
                            names.join(", ")
                        ));
                    }
                },
            }
        }
        Ok(wanted)
    }

    /// Whether `dim` is wanted.
    pub fn has(&self, dim: Dim) -> bool {
        self.0[dim.index()]
    }

    /// Whether any dimension is wanted.
    pub fn any(&self) -> bool {
        self.0.iter().any(|w| *w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_by_name() {
        for d in Dim::ALL {
            assert_eq!(Dim::from_name(d.name()), Some(d));
            assert_eq!(Dim::ALL[d.index()], d);
        }
        let names = Dim::ALL.map(Dim::name);
        assert_eq!(names, refcenter_model::page_stats::DIMENSIONS, "the names partners.json and the pages use");
        assert_eq!(Wanted::parse("all"), Ok(Wanted::default()));
        assert_eq!(Wanted::parse("none"), Ok(Wanted::NONE));
        let w = Wanted::parse("country, referrer").unwrap_or(Wanted::NONE);
        assert!(w.has(Dim::Country) && w.has(Dim::Referrer) && !w.has(Dim::Os));
        assert!(Wanted::parse("colour").unwrap_err().contains("`colour` is not a breakdown"));
    }
}
