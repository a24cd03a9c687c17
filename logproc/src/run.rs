//! One run over the inputs: each file opened, its format detected or given, every line parsed,
//! classified and counted. The main thread reads; worker threads (one per core) parse and
//! classify chunks of lines and hand each chunk's hits back with its buffer; the main thread
//! adds them to the one tally. So the run keeps one copy of the counts and visits whatever the
//! number of workers, allocated by the thread that later frees them (memory a finished thread
//! allocated is handed back to the system late), and the result does not depend on how lines
//! were shared out. Each worker also finds the profile of each click's breakdown values
//! ([`Counter`], ids shared by the workers), which the main thread counts once the batch's hits
//! are in the tally. A malformed line is counted and kept as a sample; a file that fails part way
//! is reported and the others go on.

use std::io::IsTerminal as _;
use std::io::{BufRead, Read as _};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use refcenter_model::{Program, Secret};

use crate::accounting::{Accounting, FileProblem, Sample};
use crate::bots::{BotCache, Bots};
use crate::breakdown::counts::UNSET;
use crate::breakdown::{Counter, Profiles, Wanted};
use crate::classify::{Hit, Key, Known, Outcome, classify, without_query};
use crate::counted::Counted;
use crate::days::{Day, day_of};
use crate::formats::{Custom, Format, LineParser};
use crate::input::{Source, next_line, open};
use crate::record::Parsed;
use crate::tally::Visitors;

/// How to read the inputs.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The inputs' format (`Auto` to detect per file).
    pub format: Format,
    /// The user's own format, which then reads every input.
    pub custom: Option<Custom>,
    /// The first day counted, inclusive.
    pub since: Option<Day>,
    /// The last day counted, inclusive.
    pub until: Option<Day>,
    /// How many rejected lines to keep as samples.
    pub samples: usize,
    /// Whether to show a progress line (only on a terminal).
    pub progress: bool,
    /// What clicks are broken down by.
    pub breakdowns: Wanted,
}

/// Records counted before: a record whose request id was met already (in this run or an
/// earlier one) is a CDN's second delivery of it.
pub trait Seen: Sync {
    /// Whether the request `request_id` of `day` is met for the first time (and remember it).
    fn first_time(&self, day: Day, request_id: &str) -> bool;
}

/// The lines used to detect a file's format.
const DETECT_LINES: usize = 20;
/// The size of the blocks of lines handed to the workers.
const CHUNK: usize = 1 << 20;

/// What every worker reads.
struct Context<'a> {
    options: &'a RunOptions,
    seen: Option<&'a dyn Seen>,
    known: &'a Known,
    bots: Bots,
    visitors: Visitors,
}

/// The hits of a chunk of lines, kept until the main thread adds them to the tally: each hit's
/// request path and codes are kept one after the other in `text`.
#[derive(Default)]
struct Batch {
    text: String,
    hits: Vec<BatchHit>,
    /// The clicks' (day, key, profile), added to the breakdowns once the hits are in the tally:
    /// each in one pass, with its own tables in the core's caches.
    profiled: Vec<(Day, u32, u32)>,
}

/// A block of lines for a worker: the number of its first line, its bytes, and an empty batch
/// for its hits.
type Block = (u64, Vec<u8>, Batch);

/// One hit of a [`Batch`]: where its path, link, partner and ad end in the batch's text (each
/// starts where the one before ends), and a click's breakdown profile ([`UNSET`]: none).
struct BatchHit {
    day: Day,
    hit: Hit,
    visitor: u64,
    profile: u32,
    ends: [usize; 4],
}

impl Batch {
    fn push(&mut self, day: Day, path: &str, key: &Key<'_>, (hit, visitor, profile): (Hit, u64, u32)) {
        let mut ends = [0; 4];
        for (end, part) in ends.iter_mut().zip([path, &key.link, &key.partner, &key.ad]) {
            self.text.push_str(part);
            *end = self.text.len();
        }
        self.hits.push(BatchHit { day, hit, visitor, profile, ends });
    }

    /// Adds the hits to `counted`, and empties the batch.
    fn add_to(&mut self, counted: &mut Counted) {
        let mut start = 0;
        for h in &self.hits {
            let [path, link, partner, ad] = h.ends.map(|end| {
                let part = &self.text[start..end];
                start = end;
                part
            });
            let key = Key { link: link.into(), partner: partner.into(), ad: ad.into() };
            let k = counted.tally.add_at(h.day, path, &key, h.hit, h.visitor);
            if h.profile != UNSET {
                self.profiled.push((h.day, k, h.profile));
            }
        }
        for &(day, k, profile) in &self.profiled {
            counted.breakdowns.add(day, k, profile, 1);
        }
        self.text.clear();
        self.hits.clear();
        self.profiled.clear();
    }
}

/// One thread's accounting, and the hits of the chunk it reads.
struct Worker<'b> {
    batch: Batch,
    acc: Accounting,
    /// Rejected lines as (file index, line number, sample), in reading order.
    samples: Vec<(usize, u64, Sample)>,
    bots: BotCache<'b>,
    breakdowns: Counter<'b>,
}

impl<'b> Worker<'b> {
    fn new(bots: &'b Bots, (wanted, profiles): (Wanted, &'b Mutex<Profiles>)) -> Self {
        Worker {
            batch: Batch::default(),
            acc: Accounting::default(),
            samples: Vec::new(),
            bots: BotCache::new(bots),
            breakdowns: Counter::new(wanted, profiles),
        }
    }

    fn line(&mut self, ctx: &Context<'_>, parser: &mut dyn LineParser, at: (usize, &str, u64), line: &[u8]) {
        let acc = &mut self.acc;
        acc.lines += 1;
        let reject = |acc: &mut Accounting, samples: &mut Vec<(usize, u64, Sample)>, reason: &'static str| {
            *acc.rejected.entry(reason.into()).or_default() += 1;
            if samples.len() < ctx.options.samples {
                let text: String = String::from_utf8_lossy(line).chars().take(200).collect();
                samples.push((at.0, at.2, Sample { at: format!("{}:{}", at.1, at.2), reason, text }));
            }
        };
        let Ok(text) = std::str::from_utf8(line) else {
            reject(acc, &mut self.samples, "not UTF-8");
            return;
        };
        if text.trim().is_empty() {
            *acc.filtered.entry("empty line".into()).or_default() += 1;
            return;
        }
        let record = match parser.parse(text) {
            Parsed::Record(r) => r,
            Parsed::Skip(reason) => {
                *acc.filtered.entry(reason.into()).or_default() += 1;
                return;
            }
            Parsed::Reject(reason) => {
                reject(acc, &mut self.samples, reason);
                return;
            }
        };
        let day = day_of(record.time);
        let options = ctx.options;
        if options.since.is_some_and(|s| day < s) || options.until.is_some_and(|u| day > u) {
            *acc.filtered.entry("outside the period".into()).or_default() += 1;
            return;
        }
        let bots = &mut self.bots;
        // The user agent's number in the bot cache, when classify asked about it: the
        // breakdowns find its values by that number.
        let mut agent_number = None;
        let outcome = classify(&record, ctx.known, &mut |agent| {
            let (reason, number) = bots.reason(agent);
            agent_number = number;
            reason
        });
        match outcome {
            Outcome::Filtered(reason) => *acc.filtered.entry(reason.into()).or_default() += 1,
            Outcome::Hit(key, hit) => {
                if let (Some(seen), Some(id)) = (ctx.seen, &record.request_id)
                    && !seen.first_time(day, id)
                {
                    *acc.filtered.entry("duplicate record (request id counted before)".into()).or_default() += 1;
                    return;
                }
                let path = without_query(&record.path);
                let (visitor, profile) = match hit {
                    Hit::Click => {
                        acc.clicks += 1;
                        let profile =
                            self.breakdowns.profile(&record, agent_number, &record.path[path.len()..]).unwrap_or(UNSET);
                        (ctx.visitors.id(&record.client, &record.user_agent), profile)
                    }
                    Hit::Head => {
                        acc.head_hits += 1;
                        (0, UNSET)
                    }
                    Hit::Bot(reason) => {
                        *acc.bot_hits.entry(reason).or_default() += 1;
                        (0, UNSET)
                    }
                };
                self.batch.push(day, path, &key, (hit, visitor, profile));
            }
        }
    }

    /// Counts the lines of `chunk` (each ending in `\n`), the first being line `first`.
    fn chunk(&mut self, ctx: &Context<'_>, parser: &mut dyn LineParser, file: (usize, &str), first: u64, chunk: &[u8]) {
        // Line ends found by a SIMD search, not a byte-by-byte split.
        let chunk = chunk.strip_suffix(b"\n").unwrap_or(chunk);
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', chunk).chain(std::iter::once(chunk.len()));
        for (no, end) in (first..).zip(ends) {
            self.line(ctx, parser, (file.0, file.1, no), &chunk[start..end]);
            start = end + 1;
        }
    }
}

/// Reads every source and counts, flagging codes with `known` (the program's) and dropping
/// records `seen` has met before.
pub fn run(
    program: &Program,
    known: &Known,
    secret: &Secret,
    sources: &[Source],
    options: &RunOptions,
    seen: Option<&dyn Seen>,
) -> (Counted, Accounting) {
    let mut counted = Counted::new(program);
    // The breakdown values and profiles the workers meet.
    let profiles = Mutex::default();
    let ctx = Context { options, seen, known, bots: Bots::new(), visitors: Visitors::new(secret) };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
    let mut workers: Vec<Worker<'_>> =
        (0..threads).map(|_| Worker::new(&ctx.bots, (options.breakdowns, &profiles))).collect();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let progress = Progress::new(options.progress);
    for (index, source) in sources.iter().enumerate() {
        read_source(&ctx, (index, source), &mut workers, &mut counted, &mut files, &mut problems, &progress);
    }
    progress.finish();
    // Add up the workers' accounting, and keep the first samples in reading order.
    let mut acc = Accounting::default();
    let mut samples = Vec::new();
    for w in workers {
        acc.lines += w.acc.lines;
        acc.clicks += w.acc.clicks;
        acc.head_hits += w.acc.head_hits;
        for (reason, n) in w.acc.bot_hits {
            *acc.bot_hits.entry(reason).or_default() += n;
        }
        for (into, from) in [(&mut acc.filtered, w.acc.filtered), (&mut acc.rejected, w.acc.rejected)] {
            for (reason, n) in from {
                *into.entry(reason).or_default() += n;
            }
        }
        samples.extend(w.samples);
    }
    samples.sort_by_key(|(file, line, _)| (*file, *line));
    acc.samples = samples.into_iter().take(options.samples).map(|(_, _, s)| s).collect();
    acc.files = files;
    acc.file_problems = problems;
    let Counted { tally, breakdowns } = &mut counted;
    tally.forget_paths();
    if options.breakdowns.any() {
        // The clicks were added under the tally's keys.
        breakdowns.keys = tally.keys.copy();
        breakdowns.profiles = profiles.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    }
    (counted, acc)
}

fn read_source(
    ctx: &Context<'_>,
    (index, source): (usize, &Source),
    workers: &mut [Worker<'_>],
    counted: &mut Counted,
    files: &mut Vec<(String, &'static str)>,
    problems: &mut Vec<FileProblem>,
    progress: &Progress,
) {
    let name = source.name();
    let (mut reader, _) = match open(source) {
        Ok(r) => r,
        Err(e) => {
            problems.push(FileProblem { file: name, after_lines: 0, error: e.to_string() });
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
    let texts: Vec<&str> = first.iter().filter_map(|l| std::str::from_utf8(l).ok()).collect();
    let (format, mut parser) = match (&ctx.options.custom, ctx.options.format) {
        (Some(custom), _) => (custom.name(), custom.parser()),
        (None, Format::Auto) => match Format::detect(texts.iter().copied()) {
            Some(f) => (f.name(), f.parser()),
            None if first.is_empty() && error.is_none() => return,
            None => {
                let error = if texts.iter().any(|t| t.trim_start().starts_with('{')) {
                    "the first lines are JSON records of no format refstats knows; name their keys with --json-fields"
                } else {
                    "cannot tell the log format from the first lines; name it with --format, or describe it with --log-format"
                };
                problems.push(FileProblem { file: name, after_lines: 0, error: error.to_owned() });
                return;
            }
        },
        (None, f) => (f.name(), f.parser()),
    };
    // A file whose first lines lack what every click needs is one problem, not a rejection
    // per line.
    if let Some(why) = parser.missing_fields(&texts) {
        problems.push(FileProblem { file: name, after_lines: 0, error: why });
        return;
    }
    files.push((name.clone(), format));
    let mut line_no: u64 = 0;
    for line in &first {
        line_no += 1;
        progress.line(line.len());
        workers[0].line(ctx, parser.as_mut(), (index, &name, line_no), line);
    }
    workers[0].batch.add_to(counted);
    if error.is_none() && first.len() == DETECT_LINES {
        let (tx, rx) = sync_channel::<Block>(workers.len() * 2);
        let rx = Arc::new(Mutex::new(rx));
        // Workers hand their buffers back with the hits, so that blocks and batches are not
        // allocated anew each time.
        let (back_tx, back_rx) = channel::<(Vec<u8>, Batch)>();
        std::thread::scope(|scope| {
            for worker in workers.iter_mut() {
                let rx = Arc::clone(&rx);
                let back = back_tx.clone();
                let mut parser = parser.fork();
                let name = &name;
                scope.spawn(move || {
                    loop {
                        let next = rx.lock().map(|r| r.recv());
                        let Ok(Ok((start, chunk, batch))) = next else { break };
                        worker.batch = batch;
                        worker.chunk(ctx, parser.as_mut(), (index, name), start, &chunk);
                        let _ = back.send((chunk, std::mem::take(&mut worker.batch)));
                    }
                });
            }
            drop(back_tx);
            match read_blocks(reader.as_mut(), line_no, (&tx, &back_rx), counted, progress) {
                Ok(n) => line_no = n,
                Err((n, e)) => {
                    line_no = n;
                    error = Some(e);
                }
            }
            drop(tx);
            // The hits of the blocks still out, until every worker is done.
            for (_, mut batch) in back_rx.iter() {
                batch.add_to(counted);
            }
        });
    }
    if let Some(e) = error {
        problems.push(FileProblem { file: name, after_lines: line_no, error: e.to_string() });
    }
}

/// The number of line ends in `bytes` (SIMD-searched: the reader thread counts every byte).
fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Reads the rest of a file in blocks of whole lines and sends each with the number of its
/// first line, adding the hits of the blocks handed back to `counted`; returns the number of the
/// last line read (with the error that stopped it).
fn read_blocks(
    reader: &mut dyn BufRead,
    mut last: u64,
    (tx, back): (&SyncSender<Block>, &Receiver<(Vec<u8>, Batch)>),
    counted: &mut Counted,
    progress: &Progress,
) -> Result<u64, (u64, std::io::Error)> {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let (mut block, batch) = match back.try_recv() {
            Ok((block, mut batch)) => {
                batch.add_to(counted);
                (block, batch)
            }
            Err(_) => (Vec::with_capacity(CHUNK + (64 << 10)), Batch::default()),
        };
        block.clear();
        block.append(&mut carry);
        let mut eof = false;
        // Read straight into the block (no copy through the reader's buffer) until it holds a
        // block's worth ending in at least one whole line.
        loop {
            let want = CHUNK.saturating_sub(block.len()).max(64 << 10) as u64;
            match (&mut *reader).take(want).read_to_end(&mut block) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(_) => {
                    if block.len() >= CHUNK && memchr::memchr(b'\n', &block).is_some() {
                        break;
                    }
                }
                Err(e) => {
                    // Count the whole lines read so far, then stop.
                    let lines = newlines(&block);
                    if let Some(end) = memchr::memrchr(b'\n', &block) {
                        block.truncate(end + 1);
                        let _ = tx.send((last + 1, block, batch));
                    }
                    return Err((last + lines, e));
                }
            }
        }
        if block.is_empty() {
            return Ok(last);
        }
        if eof {
            if block.last() != Some(&b'\n') {
                block.push(b'\n');
            }
        } else if let Some(end) = memchr::memrchr(b'\n', &block) {
            carry.extend_from_slice(&block[end + 1..]);
            block.truncate(end + 1);
        }
        let lines = newlines(&block);
        progress.block(lines, block.len());
        if tx.send((last + 1, block, batch)).is_err() {
            return Ok(last + lines);
        }
        last += lines;
        if eof {
            return Ok(last);
        }
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
        self.block(1, len + 1);
    }

    fn block(&self, lines: u64, bytes: usize) {
        let before = self.lines.get();
        let lines = before + lines;
        self.lines.set(lines);
        self.bytes.set(self.bytes.get() + bytes as u64);
        if lines / 65_536 != before / 65_536
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
