//! What happened to every line: lines read = clicks + each filtered reason + each rejected
//! reason. Printed at the end of a run and written into the summary, with a few sample
//! rejections as `file:line`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

/// A rejected line kept as an example.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// `file:line`.
    pub at: String,
    /// Why it was rejected.
    pub reason: &'static str,
    /// The line, cut to 200 characters.
    pub text: String,
}

/// A file that could not be read to its end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    /// The file.
    pub file: String,
    /// After how many lines it failed.
    pub after_lines: u64,
    /// What went wrong.
    pub error: String,
}

/// The accounting of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Accounting {
    /// Every line read.
    pub lines: u64,
    /// Clicks by people on tracking links.
    pub clicks: u64,
    /// HEAD requests on tracking links.
    pub head_hits: u64,
    /// Bot requests on tracking links, by reason.
    pub bot_hits: BTreeMap<&'static str, u64>,
    /// Lines that are valid but not counted, by reason (a reason is owned when it was read
    /// back from a partial).
    pub filtered: BTreeMap<Cow<'static, str>, u64>,
    /// Lines that could not be read, by reason.
    pub rejected: BTreeMap<Cow<'static, str>, u64>,
    /// Up to the requested number of rejected lines.
    pub samples: Vec<Sample>,
    /// Files that failed part way (corrupt or truncated compression, read errors).
    pub file_problems: Vec<FileProblem>,
    /// The files read, with the format each was read as.
    pub files: Vec<(String, &'static str)>,
}

impl Accounting {
    /// All rejected lines.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Whether every line is accounted for exactly once.
    pub fn balances(&self) -> bool {
        let bots: u64 = self.bot_hits.values().sum();
        let filtered: u64 = self.filtered.values().sum();
        self.lines == self.clicks + self.head_hits + bots + filtered + self.rejected_total()
    }

    /// The end-of-run text.
    pub fn render(&self) -> String {
        let mut out = format!("lines read      {:>12}\n", self.lines);
        out.push_str(&format!("  clicks        {:>12}\n", self.clicks));
        out.push_str(&format!("  HEAD hits     {:>12}\n", self.head_hits));
        for (reason, n) in &self.bot_hits {
            out.push_str(&format!("  bot hits      {n:>12}  {reason}\n"));
        }
        for (reason, n) in &self.filtered {
            out.push_str(&format!("  filtered      {n:>12}  {reason}\n"));
        }
        for (reason, n) in &self.rejected {
            out.push_str(&format!("  rejected      {n:>12}  {reason}\n"));
        }
        for s in &self.samples {
            out.push_str(&format!("  e.g. {}: {}: {}\n", s.at, s.reason, s.text));
        }
        for p in &self.file_problems {
            out.push_str(&format!("  file problem: {} (after {} lines): {}\n", p.file, p.after_lines, p.error));
        }
        out
    }
}
