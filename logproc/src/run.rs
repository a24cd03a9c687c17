//! One run over the inputs: each file opened, its format detected or given, every line parsed,
//! classified and counted. A malformed line is counted and kept as a sample; a file that fails
//! part way is reported and the others go on.

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use refcenter_model::{Program, Secret};

use crate::accounting::{Accounting, FileProblem, Sample};
use crate::bots::Bots;
use crate::classify::{Known, Outcome, classify};
use crate::formats::Format;
use crate::input::{Source, next_line, open};
use crate::record::Parsed;
use crate::tally::{Day, Tally, Visitors, day_of};

/// How to read the inputs.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The inputs' format (`Auto` to detect per file).
    pub format: Format,
    /// The first day counted, inclusive.
    pub since: Option<Day>,
    /// The last day counted, inclusive.
    pub until: Option<Day>,
    /// How many rejected lines to keep as samples.
    pub samples: usize,
    /// Whether to show a progress bar (only on a terminal).
    pub progress: bool,
}

/// The lines used to detect a file's format.
const DETECT_LINES: usize = 20;

/// Reads every source and counts.
pub fn run(program: &Program, secret: &Secret, sources: &[Source], options: &RunOptions) -> (Tally, Accounting) {
    let known = Known::new(program);
    let bots = Bots::new();
    let visitors = Visitors::new(secret);
    let mut tally = Tally::new(program);
    let mut acc = Accounting::default();
    let progress = Progress::new(options.progress);
    for source in sources {
        read_source(source, options, &known, &bots, &visitors, &mut tally, &mut acc, &progress);
    }
    progress.finish();
    (tally, acc)
}

#[allow(clippy::too_many_arguments)]
fn read_source(
    source: &Source,
    options: &RunOptions,
    known: &Known,
    bots: &Bots,
    visitors: &Visitors,
    tally: &mut Tally,
    acc: &mut Accounting,
    progress: &Progress,
) {
    let name = source.name();
    let (mut reader, _) = match open(source) {
        Ok(r) => r,
        Err(e) => {
            acc.file_problems.push(FileProblem { file: name, after_lines: 0, error: e.to_string() });
            return;
        }
    };
    // Read the first lines to detect the format, then go on streaming.
    let mut buf = Vec::new();
    let mut first: Vec<Vec<u8>> = Vec::new();
    let mut error = None;
    while first.len() < DETECT_LINES {
        match next_line(reader.as_mut(), &mut buf) {
            Ok(true) => first.push(buf.clone()),
            Ok(false) => break,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let format = match options.format {
        Format::Auto => {
            let texts: Vec<&str> = first.iter().filter_map(|l| std::str::from_utf8(l).ok()).collect();
            match Format::detect(texts.iter().copied()) {
                Some(f) => f,
                None if first.is_empty() && error.is_none() => return,
                None => {
                    acc.file_problems.push(FileProblem {
                        file: name,
                        after_lines: 0,
                        error: "cannot tell the log format from the first lines; name it with --format".to_owned(),
                    });
                    return;
                }
            }
        }
        f => f,
    };
    acc.files.push((name.clone(), format.name()));
    let mut parser = format.parser();
    let mut line_no: u64 = 0;
    let mut handle = |line: &[u8], acc: &mut Accounting, tally: &mut Tally| {
        line_no += 1;
        acc.lines += 1;
        progress.line(line.len());
        let reject = |acc: &mut Accounting, reason: &'static str| {
            *acc.rejected.entry(reason).or_default() += 1;
            if acc.samples.len() < options.samples {
                let text: String = String::from_utf8_lossy(line).chars().take(200).collect();
                acc.samples.push(Sample { at: format!("{name}:{line_no}"), reason, text });
            }
        };
        let Ok(text) = std::str::from_utf8(line) else {
            reject(acc, "not UTF-8");
            return;
        };
        if text.trim().is_empty() {
            *acc.filtered.entry("empty line").or_default() += 1;
            return;
        }
        let record = match parser.parse(text) {
            Parsed::Record(r) => r,
            Parsed::Skip(reason) => {
                *acc.filtered.entry(reason).or_default() += 1;
                return;
            }
            Parsed::Reject(reason) => {
                reject(acc, reason);
                return;
            }
        };
        let day = day_of(record.time);
        if options.since.is_some_and(|s| day < s) || options.until.is_some_and(|u| day > u) {
            *acc.filtered.entry("outside the period").or_default() += 1;
            return;
        }
        match classify(&record, known, bots) {
            Outcome::Filtered(reason) => *acc.filtered.entry(reason).or_default() += 1,
            Outcome::Hit(key, hit) => {
                let visitor = match hit {
                    crate::classify::Hit::Click => {
                        acc.clicks += 1;
                        visitors.id(&record.client, &record.user_agent)
                    }
                    crate::classify::Hit::Head => {
                        acc.head_hits += 1;
                        0
                    }
                    crate::classify::Hit::Bot(reason) => {
                        *acc.bot_hits.entry(reason).or_default() += 1;
                        0
                    }
                };
                tally.add(day, &key, hit, visitor);
            }
        }
    };
    for line in &first {
        handle(line, acc, tally);
    }
    if error.is_none() && first.len() == DETECT_LINES {
        loop {
            match next_line(reader.as_mut(), &mut buf) {
                Ok(true) => handle(&buf, acc, tally),
                Ok(false) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    if let Some(e) = error {
        acc.file_problems.push(FileProblem { file: name, after_lines: line_no, error: e.to_string() });
    }
}

/// A progress line on a terminal: lines and bytes, and their rates.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    lines: std::cell::Cell<u64>,
    bytes: std::cell::Cell<u64>,
    start: Instant,
}

impl Progress {
    fn new(wanted: bool) -> Progress {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress { bar, lines: 0.into(), bytes: 0.into(), start: Instant::now() }
    }

    fn line(&self, len: usize) {
        let lines = self.lines.get() + 1;
        self.lines.set(lines);
        self.bytes.set(self.bytes.get() + len as u64 + 1);
        if lines.is_multiple_of(65_536)
            && let Some(bar) = &self.bar
        {
            let secs = self.start.elapsed().as_secs_f64().max(0.001);
            let mb = self.bytes.get() as f64 / 1e6;
            bar.set_message(format!(
                "{lines} lines, {mb:.0} MB ({:.0} lines/s, {:.1} MB/s)",
                lines as f64 / secs,
                mb / secs
            ));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
