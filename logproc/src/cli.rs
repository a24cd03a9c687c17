//! The `refstats` command line.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use clap::Parser;
use refcenter_common::{Failure, ProgramSource};
use refcenter_model::program::StatsDefaults;
use refcenter_model::secret::SecretSource;
use refcenter_model::{Program, Secret, SourceMap};
use refcenter_output::OutputWriter;

use refcenter_commissions::import::Context;
use refcenter_commissions::ledger::orders_above_clicks;
use refcenter_commissions::order_book::OrderBook;
use refcenter_commissions::payouts::{Batch, PAYOUTS_DIR, batch};

use crate::accounting::Accounting;
use crate::breakdown::Wanted;
use crate::commission_run;
use crate::counted::Counted;
use crate::days::{Day, day_date, day_from_name, day_name, day_of};
use crate::formats::cloudfront::Cloudfront;
use crate::formats::custom::TextFormat;
use crate::formats::json_fields::FieldMap;
use crate::formats::{Custom, Format};
use crate::increment;
use crate::input::expand;
use crate::report::{Formats, Layout, Streamed, write, write_table};
use crate::report_inputs::ReportInputs;
use crate::run::{RunOptions, Seen, run};
use crate::run_info::RunInfo;
use crate::sink::ReportError;
use crate::store::{NewInput, Rewrite, Store, StoreError};
use crate::store_run;
use crate::tables::tables;

// Exit statuses: 0 ok; 1 the input has problems (a program error, a file that could not be
// read to its end, more rejected lines than `--max-rejected`); 2 usage or I/O.
pub use refcenter_common::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};

/// Counts clicks on a referral program's tracking links in CDN and web server access logs.
///
/// Reads files, folders, glob patterns or `-` (standard input), plain, gzip or zstd, and writes
/// CSV tables (JSON and Parquet on request), each partner's figures and an HTML report into
/// --out.
#[derive(Debug, Parser)]
#[command(name = "refstats", version, about)]
pub struct Args {
    /// Log files, folders (read recursively), glob patterns, or - for standard input (none
    /// needed with a store or shop exports).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// A shop's orders or leads export (Stripe, WooCommerce, Shopify, the generic CSV, or the
    /// program's [commissions.columns]): a file, folder or pattern; repeat for more. With
    /// --store, each export is ingested once [default: the program's [stats] orders].
    #[arg(long, value_name = "EXPORT")]
    pub orders: Vec<String>,
    /// Also write the payment run of the balances due as of --as-of into this folder: PayPal
    /// Payouts and Wise batch files, and the record to commit into payouts/ once paid.
    #[arg(long, value_name = "DIR")]
    pub payout: Option<PathBuf>,
    /// The root program file [default: ./partners.toml, else the built-in sample].
    #[arg(long, short, value_name = "FILE", env = "REFCENTER_CONFIG")]
    pub config: Option<PathBuf>,
    /// The log format; auto detects it per file from its first lines [default: the program's
    /// [stats] format, else auto].
    #[arg(long, short, value_enum, env = "REFSTATS_FORMAT")]
    pub format: Option<Format>,
    /// Read JSON logs of any shape through this key map instead: field=path pairs,
    /// comma-separated, each path keys joined with dots, e.g.
    /// time=ts,method=request.method,path=request.uri,status=status,client=request.client_ip,user_agent=request.headers.User-Agent
    /// (fields: time, method, path, status, client; optional query, user_agent, referrer, country, request_id)
    /// [default: the program's [stats] json_fields].
    #[arg(long, value_name = "MAP", env = "REFSTATS_JSON_FIELDS")]
    pub json_fields: Option<String>,
    /// Read text logs of any layout instead, described with GoAccess specifiers, e.g.
    /// '%h %^[%d:%t %^] "%r" %s %b "%R" "%u"' (docs/refstats.md lists them) [default: the
    /// program's [stats] log_format].
    #[arg(long, value_name = "PATTERN", env = "REFSTATS_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// The fields a CloudFront real-time log's configuration selected, comma-separated, e.g.
    /// timestamp,c-ip,sc-status,cs-method,cs-uri-stem,cs-user-agent (records carry them in
    /// the documented order) [default: the program's [stats] realtime_fields, else every field].
    #[arg(long, value_name = "FIELDS", env = "REFSTATS_REALTIME_FIELDS")]
    pub realtime_fields: Option<String>,
    /// The date format of --log-format's %d, in strftime syntax [default: %d/%b/%Y].
    #[arg(long, value_name = "FORMAT", env = "REFSTATS_DATE_FORMAT")]
    pub date_format: Option<String>,
    /// The time format of --log-format's %t [default: %H:%M:%S].
    #[arg(long, value_name = "FORMAT", env = "REFSTATS_TIME_FORMAT")]
    pub time_format: Option<String>,
    /// The formats of the report's tables: csv, json and parquet, comma-separated, or none
    /// (then the report is summary.json, partners.json and report.html).
    #[arg(long, value_name = "LIST", env = "REFSTATS_FORMATS", default_value_t = Formats::default())]
    pub formats: Formats,
    /// What clicks are broken down by: source (QR code or link), device, os, browser, country,
    /// referrer, comma-separated; all or none [default: the program's [stats] breakdowns, else
    /// none: they cost time and memory, see docs/refstats.md].
    #[arg(long, value_name = "LIST", env = "REFSTATS_BREAKDOWNS", value_parser = Wanted::parse)]
    pub breakdowns: Option<Wanted>,
    /// The report folder, replaced as a whole when the run succeeds [default: stats, or
    /// report inside the --store].
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Keep the counts in this stats store and read only log files it has not ingested yet;
    /// the report then covers everything in the store [default: the program's [stats] store].
    #[arg(long, value_name = "DIR", conflicts_with_all = ["since", "until"], env = "REFSTATS_STORE")]
    pub store: Option<PathBuf>,
    /// With --store, compute the report again from every stored visit, even where the previous
    /// report could be brought up to date in place with what this run adds.
    #[arg(long, requires = "store")]
    pub full_report: bool,
    /// The last day of the partner pages' 7, 30 and 90-day windows [default: --until, else
    /// today with --store, else the last day with a hit].
    #[arg(long, value_name = "DATE", value_parser = parse_day, env = "REFSTATS_AS_OF")]
    pub as_of: Option<Day>,
    /// Count only requests on or after this day (UTC, YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub since: Option<Day>,
    /// Count only requests on or before this day (UTC, YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub until: Option<Day>,
    /// Fail (exit 1, no report) when more lines than this are rejected.
    #[arg(long, value_name = "N")]
    pub max_rejected: Option<u64>,
    /// How many rejected lines to show as examples.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub samples: usize,
    /// No progress line, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
    /// Map: write what the inputs count into FILE as a partial (the Parquet schema in
    /// docs/refstats.md, "Partials") instead of a report, for map tasks over parts of the logs
    /// whose partials one reduce merges (--partials, or engines/spark).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["store", "partials", "out", "orders", "payout", "program_table"])]
    pub map: Option<PathBuf>,
    /// Reduce: the inputs are partials written by --map; merge them and write the report.
    #[arg(long, conflicts_with_all = ["store", "since", "until", "format", "json_fields", "log_format", "realtime_fields"])]
    pub partials: bool,
    /// Write the program's codes and partner tree into FILE (Parquet), for a reduce outside
    /// refstats (engines/spark), and stop.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["store", "out", "orders", "payout", "partials"])]
    pub program_table: Option<PathBuf>,
}

fn parse_day(s: &str) -> Result<Day, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("{e} (expected YYYY-MM-DD)"))?;
    day_from_name(s).ok_or_else(|| format!("{s} is out of range"))
}

/// Runs `refstats` with `args` and returns the exit status.
pub fn main(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> i32 {
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    match execute(&args) {
        Ok(status) => status,
        Err(f) => {
            anstream::eprint!("{}", f.render());
            f.status
        }
    }
}

/// The day it is now (UTC).
fn today() -> Day {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    day_of(i64::try_from(now).unwrap_or(0))
}

/// The report folder of a run over `store`: `--out`, else the store's own.
fn report_dir(args: &Args, store: &Path) -> PathBuf {
    args.out.clone().unwrap_or_else(|| store.join("report"))
}

/// The program, the files it was read from and its folder: `--config`, else `./partners.toml`,
/// else the sample.
fn program(config: Option<&Path>) -> Result<(Program, SourceMap, PathBuf), Failure> {
    let source = ProgramSource::resolve(config);
    if source == ProgramSource::Sample {
        anstream::eprintln!(
            "note: no partners.toml here and no --config given; counting for the built-in sample program"
        );
    }
    let loaded = source.load("no report was written")?;
    Ok((loaded.program, loaded.sources, source.dir()))
}

/// What the run uses, each from its flag, else its environment variable (clap reads both),
/// else the program file's `[stats]`, else the default.
struct Resolved {
    store: Option<PathBuf>,
    format: Format,
    custom: Option<Custom>,
    orders: Vec<String>,
    breakdowns: Wanted,
}

/// How the user described a log: `--json-fields`, `--log-format` or `--realtime-fields`.
enum Described<'a> {
    Json(Vec<(&'a str, &'a str)>),
    Text(&'a str),
    Realtime(Vec<&'a str>),
}

/// `the program's [stats] <key> (<file>:<line>)`, naming where the program sets `key`.
fn stats_key(defaults: &StatsDefaults, key: &str) -> String {
    match defaults.places.get(key) {
        Some(place) => format!("the program's [stats] {key} ({place})"),
        None => format!("the program's [stats] {key}"),
    }
}

/// The user's own format: `--json-fields`, `--log-format` (with its date and time formats) or
/// `--realtime-fields`, each else the same from `[stats]`; at most one of them.
fn custom_format(args: &Args, defaults: &StatsDefaults) -> Result<Option<Custom>, Failure> {
    let json = match &args.json_fields {
        Some(map) => Some((
            "--json-fields".to_owned(),
            map.split(',').filter(|p| !p.trim().is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect(),
        )),
        None if !defaults.json_fields.is_empty() => Some((
            stats_key(defaults, "json_fields"),
            defaults.json_fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        )),
        None => None,
    };
    let text = match &args.log_format {
        Some(pattern) => Some(("--log-format".to_owned(), pattern.as_str())),
        None => defaults.log_format.as_deref().map(|p| (stats_key(defaults, "log_format"), p)),
    };
    let realtime = match &args.realtime_fields {
        Some(list) => {
            Some(("--realtime-fields".to_owned(), list.split(',').map(str::trim).filter(|n| !n.is_empty()).collect()))
        }
        None if !defaults.realtime_fields.is_empty() => Some((
            stats_key(defaults, "realtime_fields"),
            defaults.realtime_fields.iter().map(String::as_str).collect(),
        )),
        None => None,
    };
    let mut given: Vec<(String, Described<'_>)> = json
        .map(|(what, pairs)| (what, Described::Json(pairs)))
        .into_iter()
        .chain(text.map(|(what, pattern)| (what, Described::Text(pattern))))
        .chain(realtime.map(|(what, names)| (what, Described::Realtime(names))))
        .collect();
    if given.len() > 1 {
        return Err(Failure::new(
            format!("{} and {} both describe the log", given[0].0, given[1].0),
            "a run reads one kind of log: keep one of them",
            EXIT_USAGE,
        ));
    }
    let Some((what, described)) = given.pop() else { return Ok(None) };
    let (built, hint) = match described {
        Described::Json(pairs) => (
            FieldMap::from_pairs(pairs).map(|m| Custom::Json(Arc::new(m))),
            "give field=path pairs for time, method, path, status and client, e.g. time=ts,method=request.method,path=request.uri,status=status,client=request.client_ip",
        ),
        Described::Text(pattern) => {
            let date = args.date_format.as_deref().or(defaults.date_format.as_deref());
            let time = args.time_format.as_deref().or(defaults.time_format.as_deref());
            (
                TextFormat::new(pattern, date, time).map(|f| Custom::Text(Arc::new(f))),
                "see the specifiers in docs/refstats.md, e.g. '%h %^[%d:%t %^] \"%r\" %s %b \"%R\" \"%u\"'",
            )
        }
        Described::Realtime(names) => (
            Cloudfront::realtime(Some(&names)).map(|c| Custom::CloudfrontRealtime(Arc::new(c))),
            "name the fields of the real-time log configuration, e.g. timestamp,c-ip,sc-status,cs-method,cs-uri-stem,cs-user-agent",
        ),
    };
    built.map(Some).map_err(|e| Failure::new(format!("{what}: {e}"), hint, EXIT_USAGE))
}

fn resolve(args: &Args, program: &Program, dir: &Path) -> Result<Resolved, Failure> {
    let defaults = &program.settings.stats;
    // A map task or a reduce of partials never uses the program's store.
    let store = match args.map.is_some() || args.partials {
        true => None,
        false => args.store.clone().or_else(|| defaults.store.as_ref().map(|s| dir.join(s))),
    };
    if args.store.is_none() && store.is_some() && (args.since.is_some() || args.until.is_some()) {
        return Err(Failure::new(
            "--since and --until do not apply to a store, and the program's [stats] names one",
            "leave out --since and --until, or count into a report of its own with --out",
            EXIT_USAGE,
        ));
    }
    let format = match (args.format, &defaults.format) {
        (Some(f), _) => f,
        (None, None) => Format::Auto,
        (None, Some(name)) => <Format as clap::ValueEnum>::from_str(name, true).map_err(|_| {
            let names: Vec<String> = <Format as clap::ValueEnum>::value_variants()
                .iter()
                .filter_map(|f| clap::ValueEnum::to_possible_value(f).map(|v| v.get_name().to_owned()))
                .collect();
            Failure::new(
                format!("{} `{name}` is not a log format refstats reads", stats_key(defaults, "format")),
                format!("use one of {}", names.join(", ")),
                EXIT_PROBLEMS,
            )
        })?,
    };
    let breakdowns = match (args.breakdowns, &defaults.breakdowns) {
        (Some(wanted), _) => wanted,
        (None, None) => Wanted::NONE,
        (None, Some(list)) => Wanted::parse(list).map_err(|e| {
            Failure::new(
                format!("{} `{list}`: {e}", stats_key(defaults, "breakdowns")),
                "write all, none, or dimensions separated by commas, e.g. \"country,referrer\"",
                EXIT_PROBLEMS,
            )
        })?,
    };
    let custom = custom_format(args, defaults)?;
    if custom.is_some() && args.format.is_some_and(|f| f != Format::Auto) {
        return Err(Failure::new(
            "--format names a known log format, and --json-fields or --log-format describes another",
            "keep one of them",
            EXIT_USAGE,
        ));
    }
    let orders = if args.map.is_some() {
        Vec::new()
    } else if args.orders.is_empty() {
        defaults.orders.iter().map(|o| dir.join(o).to_string_lossy().into_owned()).collect()
    } else {
        args.orders.clone()
    };
    if args.map.is_some() && args.inputs.is_empty() {
        return Err(Failure::new(
            "--map needs log files to count",
            "name the log files, folders or patterns this map task counts",
            EXIT_USAGE,
        ));
    }
    if args.inputs.is_empty() && orders.is_empty() && store.is_none() {
        return Err(Failure::new(
            "nothing to count: no log file, no --orders and no --store",
            "name the log files, folders or patterns to count (or - for standard input), or a store",
            EXIT_USAGE,
        ));
    }
    Ok(Resolved { store, format, custom, orders, breakdowns })
}

fn store_dir(settings: &Resolved) -> &Path {
    settings.store.as_deref().unwrap_or(Path::new("."))
}

/// The failure of a store operation: nothing in the store was changed by this run.
fn store_failure(dir: &Path, e: StoreError) -> Failure {
    let unchanged = format!("the store {} is as it was before this run", dir.display());
    match e {
        StoreError::Lock(e @ crate::store::lock::LockError::Busy { .. }) => Failure::new(
            format!("{e}: {}; this run changed nothing", dir.display()),
            "wait for the other run to end; schedule the stats job so that runs do not overlap",
            EXIT_USAGE,
        ),
        e @ (StoreError::Ledger(_) | StoreError::Partition(..) | StoreError::Damaged(_)) => Failure::new(
            format!("the store is damaged: {e}; {unchanged}"),
            "restore the store folder from git or CI storage, or ingest every log into a new store",
            EXIT_PROBLEMS,
        ),
        StoreError::Input(e) => {
            Failure::new(format!("{e}; {unchanged}"), "name the log files or folders to ingest", EXIT_USAGE)
        }
        e => Failure::new(format!("{e}; {unchanged}"), "check that the store folder is writable", EXIT_USAGE),
    }
}

/// Writes `bytes` into the file `path` given with `flag`, and says so.
fn write_one(flag: &str, what: &str, path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    refcenter_output::write_file(path, bytes).map_err(|e| {
        Failure::new(
            format!("cannot write {flag} {}: {e}", path.display()),
            "check that the folder exists and is writable",
            EXIT_USAGE,
        )
    })?;
    let _ = writeln!(std::io::stdout().lock(), "{what} written to {}", path.display());
    Ok(())
}

/// Reads the partials named by `sources` into one count and their accounting.
fn reduce(program: &Program, sources: &[crate::input::Source]) -> Result<(Counted, Accounting), Failure> {
    let mut counted = Counted::new(program);
    let mut acc = Accounting::default();
    for source in sources {
        let crate::input::Source::File(path) = source else {
            return Err(Failure::new(
                "--partials reads partial files, not standard input",
                "name the partial files or their folder",
                EXIT_USAGE,
            ));
        };
        crate::partial::load(path, &mut counted, &mut acc).map_err(|e| {
            Failure::new(
                format!("{}: {e}; no report was written", path.display()),
                "give only files written by refstats --map (a map task killed part way writes none)",
                EXIT_PROBLEMS,
            )
        })?;
        acc.files.push((source.name(), "partial"));
    }
    Ok((counted, acc))
}

fn execute(args: &Args) -> Result<i32, Failure> {
    // A store given on the command line is known before the program is loaded: what bringing
    // its report up to date reads is read meanwhile, on the other core.
    let ahead =
        args.store.as_ref().filter(|_| args.map.is_none() && !args.partials && !args.full_report).map(|store| {
            let (store, out, as_of) =
                (store.clone(), report_dir(args, store), args.as_of.or(args.until).unwrap_or_else(today));
            std::thread::spawn(move || increment::Previous::read(&store, &out, Some(as_of)))
        });
    let (program, program_files, dir) = program(args.config.as_deref())?;
    if let Some(path) = &args.program_table {
        let bytes = crate::program_table::encode(&program).map_err(|e| {
            Failure::new(format!("cannot make the program table: {e}"), "report this as a bug", EXIT_USAGE)
        })?;
        write_one("--program-table", "program table", path, &bytes)?;
        return Ok(EXIT_OK);
    }
    let settings = resolve(args, &program, &dir)?;
    let (secret, source) = Secret::for_program(&dir).map_err(|e| {
        Failure::new(
            format!("cannot get the program's secret: {e}"),
            "set REFGEN_SECRET or fix .refgen-secret",
            EXIT_USAGE,
        )
    })?;
    if let SecretSource::Generated(path) = source {
        anstream::eprintln!(
            "warning: no REFGEN_SECRET and no secret file: generated a new secret in {} (git-ignored); visitor ids depend on it",
            path.display()
        );
    }
    let sources = expand(&args.inputs).map_err(|e| {
        Failure::new(e.to_string(), "name log files, folders, patterns that match, or - for stdin", EXIT_USAGE)
    })?;
    let options = RunOptions {
        format: settings.format,
        custom: settings.custom.clone(),
        since: args.since,
        until: args.until,
        samples: args.samples,
        progress: !args.no_progress,
        breakdowns: settings.breakdowns,
    };
    let known = crate::classify::Known::new(&program);
    let mut store = match &settings.store {
        Some(dir) => Some(Store::open(dir).map_err(|e| store_failure(dir, e))?),
        None => None,
    };
    let (sources, skipped) = match &store {
        Some(store) => store_run::plan(store, sources).map_err(|e| store_failure(store_dir(&settings), e))?,
        None => (sources.into_iter().map(|s| (s, String::new(), 0, None)).collect(), Vec::new()),
    };
    let exports = orders(args, &settings, &program, store.as_ref())?;
    let commissions = program.settings.commissions.as_ref();
    let mut reading = match commissions {
        Some(c) => commission_run::read(&exports, &Context { program: &program, commissions: c, secret: &secret }),
        None => commission_run::Reading::default(),
    };
    let today = today();
    // The last day of the windows as given, else (below) today with a store, else the last day
    // with a hit.
    let given_as_of = args.as_of.or(args.until);
    let out_dir = match &settings.store {
        Some(store) => report_dir(args, store),
        None => args.out.clone().unwrap_or_else(|| PathBuf::from("stats")),
    };
    // What the store's report is made from, the ledger aside (it changes when the run ingests).
    let shaping = format!(
        "formats {:?}; breakdowns {:?}; as of {}; since {:?}; until {:?}",
        args.formats,
        settings.breakdowns,
        day_name(given_as_of.unwrap_or(today)),
        args.since,
        args.until
    );
    let inputs = ReportInputs::of_run(&program_files, &dir.join(PAYOUTS_DIR), &secret, &shaping);
    let nothing_new =
        sources.is_empty() && reading.read.is_empty() && reading.refused.is_empty() && args.payout.is_none();
    let report_current = store.as_ref().is_some_and(|store| store_run::report_is_current(store, &inputs, &out_dir));
    if store.is_some() && nothing_new && report_current {
        let _ = writeln!(
            std::io::stdout().lock(),
            "nothing new to ingest: the report in {} is up to date (made from this store, program and options), left as it is",
            out_dir.display()
        );
        return Ok(EXIT_OK);
    }
    // Whether the report may be brought up to date in place, what the run counts aside.
    let in_place = report_current
        && !args.full_report
        && !options.breakdowns.any()
        && args.formats == Formats::default()
        && commissions.is_none()
        && reading.read.is_empty()
        && reading.refused.is_empty();
    // What was read ahead is of no use to a report made in full (the thread ends on its own).
    let ahead = ahead.filter(|_| in_place);
    let files: Vec<_> = sources.iter().map(|(s, ..)| s.clone()).collect();
    let ids = store.as_ref().map(Store::request_ids);
    let (mut counted, acc) = match args.partials {
        true => reduce(&program, &files)?,
        false => run(&program, &known, &secret, &files, &options, ids.as_ref().map(|i| i as &dyn Seen)),
    };
    let text = format!("{}{}", acc.render(), reading.render(args.samples));
    if let Some(max) = args.max_rejected
        && acc.rejected_total() > max
    {
        anstream::eprint!("{text}");
        let kept = if store.is_some() { "the store and the report are unchanged" } else { "no report was written" };
        return Err(Failure::new(
            format!("{} lines were rejected, more than --max-rejected {max}; {kept}", acc.rejected_total()),
            "see the sample rejections above; check --format, or raise --max-rejected",
            EXIT_PROBLEMS,
        ));
    }
    if let Some(path) = &args.map {
        let bytes = crate::partial::encode(&mut counted, &acc)
            .map_err(|e| Failure::new(format!("cannot make the partial: {e}"), "report this as a bug", EXIT_USAGE))?;
        anstream::print!("{text}");
        write_one("--map", "partial", path, &bytes)?;
        return Ok(file_status(&acc));
    }
    let ids =
        ids.map(|i| i.finish()).transpose().map_err(|e| store_failure(store_dir(&settings), StoreError::Damaged(e)))?;
    // What the run adds to the previous report, when that report can be brought up to date in
    // place (see crate::increment); found before the run's counts are stored.
    let in_full = |e: increment::IncrementError| anstream::eprintln!("note: the report is made in full: {e}");
    let pending = match &store {
        Some(store) => {
            let ahead = ahead.and_then(|read| read.join().ok());
            increment::prepare(store, &mut counted, given_as_of.unwrap_or(today), (in_place, &out_dir), ahead)
                .map_err(in_full)
                .ok()
                .flatten()
        }
        None => None,
    };
    // What the run adds is worked out on a thread of its own while its counts are stored (the
    // days they change merged into their partitions: a report brought up to date in place does
    // not read them).
    let rewrite = if pending.is_some() { Rewrite::Merge } else { Rewrite::ReadBack };
    let (increment, store_info) = std::thread::scope(|scope| {
        let working = pending.map(|p| scope.spawn(|| p.added(&program)));
        let stored = match (store.as_mut(), ids) {
            (Some(store), Some(ids)) => {
                let skipped = skipped.len();
                store_run::commit(store, &mut counted, ids, &sources, &acc, skipped, &reading, rewrite).map(Some)
            }
            _ => Ok(None),
        };
        let increment = working
            .and_then(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)).map_err(in_full).ok());
        (increment, stored)
    });
    let store_info = match (store.as_mut(), store_info.map_err(|e| store_failure(store_dir(&settings), e))?) {
        (Some(store), Some((info, rewritten))) => {
            // A report made in full reads every other day back too (and every day when those
            // the run changed were merged into their partitions without it).
            if increment.is_none() {
                let read = match rewrite {
                    Rewrite::ReadBack => rewritten,
                    Rewrite::Merge => {
                        counted = Counted::new(&program);
                        BTreeSet::new()
                    }
                };
                store.load_days(&mut counted, &read).map_err(|e| store_failure(store_dir(&settings), e))?;
            }
            Some(info)
        }
        _ => None,
    };
    if store_info.is_some() {
        store_run::note_breakdown_gaps(&counted, options.breakdowns.any());
    }
    let days = counted.tally.days();
    let as_of = given_as_of.unwrap_or_else(|| match (&store, days.last()) {
        (None, Some(last)) => *last,
        _ => today,
    });
    let mut info = RunInfo {
        program: program.settings.name.clone(),
        first_day: args.since.or(days.first().copied()).map(day_name),
        last_day: args.until.or(days.last().copied()).map(day_name),
        as_of: day_name(as_of),
        bot_hits: counted.tally.bot_reasons(),
        store: store_info,
        commissions: None,
    };
    let ledger = match commissions {
        None => None,
        Some(c) => {
            let mut book = OrderBook::default();
            match &store {
                Some(store) => {
                    // The exports read this run are in the store now: read everything from there.
                    reading.read.iter_mut().for_each(|r| r.conversions = Vec::new());
                    store.read_conversions(|c| book.add(c)).map_err(|e| store_failure(store_dir(&settings), e))?
                }
                None => {
                    reading.read.iter_mut().flat_map(|r| std::mem::take(&mut r.conversions)).for_each(|c| book.add(c))
                }
            }
            let day = day_date(as_of).unwrap_or_default();
            let ledger = commission_run::ledger(&program, c, &secret, &book, &dir, day).map_err(|e| {
                Failure::new(
                    format!("cannot read the payments recorded: {e}"),
                    "fix the payment record (payouts/*.toml, as refstats --payout wrote it)",
                    EXIT_PROBLEMS,
                )
            })?;
            Some((c, ledger, day))
        }
    };
    let io = |e: &dyn std::fmt::Display| {
        Failure::new(
            format!("cannot write the report folder {}: {e}; the previous report is unchanged", out_dir.display()),
            "check that the folder's parent exists and is writable",
            EXIT_USAGE,
        )
    };
    let failed = |e: ReportError| match e {
        ReportError::Output(e) => io(&e),
        other => Failure::new(format!("cannot make the report: {other}"), "report this as a bug", EXIT_USAGE),
    };
    let mut out = OutputWriter::begin(&out_dir).map_err(|e| io(&e))?;
    if let (Some(inc), Some(store)) = (&increment, &store) {
        let all_days: Vec<Day> = store.ledger().days.keys().filter_map(|d| day_from_name(d)).collect();
        let (layout, _) = store_run::layout(store, &all_days, &out_dir, &args.formats);
        let done = increment::write(inc, &out, &known, &program, as_of, &acc, &mut info, &layout, &args.formats);
        match done {
            Ok(()) => {
                let digest = format!("{}\n", store_run::report_digest(store, &inputs));
                out.write(crate::report_inputs::FILE, digest.as_bytes()).map_err(|e| io(&e))?;
                out.commit().map_err(|e| io(&e))?;
                let mut stdout = std::io::stdout().lock();
                let _ =
                    stdout.write_all(format!("{text}report brought up to date in {}\n", out_dir.display()).as_bytes());
                let _ = stdout.flush();
                // The report is in place and said so: the run ends here and leaves what it
                // holds (the program, the cache, the previous report's tables) to the system,
                // as freeing it value by value takes about as long as counting the hour did.
                std::process::exit(file_status(&acc));
            }
            Err(e) => {
                // Made in full instead, from every stored day (the changed days' counts were
                // taken apart for their tables).
                in_full(e);
                drop(out);
                out = OutputWriter::begin(&out_dir).map_err(|e| io(&e))?;
                counted = Counted::new(&program);
                store.load_days(&mut counted, &BTreeSet::new()).map_err(|e| store_failure(store_dir(&settings), e))?;
                let days = counted.tally.days();
                info.first_day = days.first().copied().map(day_name);
                info.last_day = days.last().copied().map(day_name);
                info.bot_hits = counted.tally.bot_reasons();
            }
        }
    }
    let (layout, daily_days) = match &store {
        None => (Layout::Whole, None),
        Some(store) => store_run::layout(store, &counted.tally.days(), &out_dir, &args.formats),
    };
    if let Some(store) = &store
        && let Err(e) = increment::write_cache(store, &mut counted, as_of)
    {
        anstream::eprintln!(
            "note: the store's cache for hourly runs was not written ({e}): the next run is made in full"
        );
    }
    let sink = Streamed { out: &out, layout: &layout, formats: &args.formats };
    let mut t = tables(&mut counted, &known, &program, as_of, daily_days.as_ref(), &sink).map_err(failed)?;
    let mut payout = None;
    if let Some((c, mut ledger, day)) = ledger {
        let clicks = t.pages.partners.iter().map(|(p, s)| (p.clone(), s.own.all_time.clicks)).collect();
        orders_above_clicks(&mut ledger, &clicks);
        commission_run::write_tables(&program, c, &ledger, |name, df| write_table(&out, name, df, &args.formats))
            .map_err(failed)?;
        let known_exports = store.as_ref().map_or(reading.read.len(), |s| s.ledger().exports.len());
        info.commissions = Some(commission_run::summary(&program, c, &ledger, known_exports, reading.read.len()));
        if let Some(dir) = &args.payout {
            payout = Some((dir, batch(&program, c, &ledger, day)));
        }
        // Last, as it takes the ledger's lines apart into the pages' own.
        commission_run::page_figures(&program, ledger, day, &mut t.pages);
    }
    write(&out, &mut t, &acc, &info, &layout, &args.formats).map_err(failed)?;
    if let Some(store) = &store {
        // Last: the run that finds nothing new and this digest keeps the report.
        let digest = format!("{}\n", store_run::report_digest(store, &inputs));
        out.write(crate::report_inputs::FILE, digest.as_bytes()).map_err(|e| io(&e))?;
    }
    out.commit().map_err(|e| io(&e))?;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(format!("{text}report written to {}\n", out_dir.display()).as_bytes());
    if let Some((dir, run)) = payout {
        let _ = stdout.write_all(write_payout(dir, &run, &program)?.as_bytes());
    }
    if !reading.refused.is_empty() {
        anstream::eprintln!(
            "error: {} export(s) were refused (see \"refused export\" above); fix them and run again",
            reading.refused.len()
        );
        Ok(EXIT_PROBLEMS)
    } else {
        Ok(file_status(&acc))
    }
}

/// The exit status of a run by its files: 1, said on stderr, when a file could not be read to
/// its end (what was read is counted).
fn file_status(acc: &Accounting) -> i32 {
    if acc.file_problems.is_empty() {
        return EXIT_OK;
    }
    anstream::eprintln!(
        "error: {} file(s) could not be read, or not to the end (see \"file problem\" above); what was read is counted",
        acc.file_problems.len()
    );
    EXIT_PROBLEMS
}

/// The exports named with `--orders` that this run reads: with a store, those it has not
/// ingested yet (the others are said on stderr).
fn orders(
    args: &Args,
    settings: &Resolved,
    program: &Program,
    store: Option<&Store>,
) -> Result<Vec<NewInput>, Failure> {
    if settings.orders.is_empty() && args.payout.is_none() {
        return Ok(Vec::new());
    }
    if program.settings.commissions.is_none() {
        return Err(Failure::new(
            "--orders and --payout need the program's commission structure, and it has no [commissions]",
            "add [commissions] with its plans to the program file (see docs/commissions.md)",
            EXIT_USAGE,
        ));
    }
    let sources = expand(&settings.orders)
        .map_err(|e| Failure::new(e.to_string(), "name export files, folders or patterns that match", EXIT_USAGE))?;
    match store {
        Some(store) => {
            let plan = store.plan_exports(&sources).map_err(|e| store_failure(store_dir(settings), e))?;
            for k in &plan.known {
                anstream::eprintln!("note: skipped export {}: ingested before as {}", k.name, k.first_name);
            }
            Ok(plan.new)
        }
        // Without a store nothing records the exports, so they need no digest (as log files).
        None => sources
            .into_iter()
            .map(|source| {
                if let crate::input::Source::File(path) = &source {
                    std::fs::File::open(path).map_err(|e| {
                        Failure::new(format!("cannot read {}: {e}", path.display()), "check the file", EXIT_USAGE)
                    })?;
                }
                Ok((source, String::new(), 0, None))
            })
            .collect(),
    }
}

/// Writes the payment run into `dir` and says what it holds.
fn write_payout(dir: &Path, run: &Batch, program: &Program) -> Result<String, Failure> {
    let failed = |e: &dyn std::fmt::Display| {
        Failure::new(
            format!("cannot write the payment run into {}: {e}; the report was written", dir.display()),
            "check that the folder's parent exists and is writable",
            EXIT_USAGE,
        )
    };
    let out = OutputWriter::begin(dir).map_err(|e| failed(&e))?;
    for (name, bytes) in &run.files {
        out.write(name, bytes).map_err(|e| failed(&e))?;
    }
    out.commit().map_err(|e| failed(&e))?;
    let c = program.settings.commissions.as_ref();
    let total = c.map_or_else(|| run.paid.1.0.to_string(), |c| format!("{} {}", c.format(run.paid.1), c.currency));
    let mut text = format!(
        "payment run written to {}: {} partners, {total}; pay with the PayPal or Wise file, then commit {}/{} into {PAYOUTS_DIR}/\n",
        dir.display(),
        run.paid.0,
        dir.display(),
        run.files.last().map_or("", |(n, _)| n.as_str()),
    );
    for (partner, why) in &run.skipped {
        text.push_str(&format!("  not in the run: {partner}: {why}\n"));
    }
    Ok(text)
}
