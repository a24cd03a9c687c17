//! [`Counted`]: what some logs counted, as one value that runs make, the store keeps per day, a
//! map task writes as a partial and a reduce merges: the hits of each (day, link, partner, ad)
//! with their distinct visitors ([`Tally`]) and the clicks' breakdowns ([`Breakdowns`]).

use refcenter_model::Program;

use crate::breakdown::Breakdowns;
use crate::tally::Tally;

/// The counts of some logs.
#[derive(Default)]
pub struct Counted {
    /// Hits and distinct visitors per (day, key).
    pub tally: Tally,
    /// Clicks per (day, key, dimension, value).
    pub breakdowns: Breakdowns,
}

impl Counted {
    /// Nothing counted yet, knowing the program's codes.
    pub fn new(program: &Program) -> Counted {
        Counted { tally: Tally::new(program), breakdowns: Breakdowns::default() }
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: Counted) {
        self.tally.merge(other.tally);
        self.breakdowns.merge(other.breakdowns);
    }
}
