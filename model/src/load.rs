//! Reading a program: the root file, then every file its `include` globs match, each parsed
//! into the [`crate::file_format`] structs.
//!
//! Nothing stops at the first problem. Syntax errors are recovered from, every table is
//! deserialized on its own (so one bad partner does not hide the next), unknown keys are all
//! reported, and the result goes to [`crate::validate`] for the cross-checks.

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::diagnostic::Diagnostic;
use crate::error::LoadError;
use crate::file_format::{
    AdEntry, CommissionsSection, LevelEntry, LinkEntry, OverrideEntry, PartnerEntry, PlanEntry, ProgramFile,
    ProgramSection, RedirectsSection, StatsSection,
};
use crate::files::{Files, glob};
use crate::source::{Location, SourceId, SourceMap};
use crate::suggest;

/// A value read from a file, with where it was read.
#[derive(Debug)]
pub struct Sourced<T> {
    /// The file.
    pub file: SourceId,
    /// The span of the table the value was read from.
    pub span: Range<usize>,
    /// The value.
    pub value: T,
}

impl<T> Sourced<T> {
    /// The location of `span` in this value's file.
    pub fn at(&self, span: Range<usize>) -> Location {
        Location { file: self.file, span }
    }
}

/// Everything read from a program's files, before the cross-checks.
#[derive(Debug, Default)]
pub struct RawProgram {
    /// The `[program]` section of the root file.
    pub settings: Option<Sourced<ProgramSection>>,
    /// The `[redirects]` section of the root file.
    pub redirects: Option<Sourced<RedirectsSection>>,
    /// The `[commissions]` section of the root file, with the plans that could be read.
    pub commissions: Option<Sourced<CommissionsSection>>,
    /// Whether every plan of `[commissions]` could be read.
    pub plans_complete: bool,
    /// The `[stats]` section of the root file.
    pub stats: Option<Sourced<StatsSection>>,
    /// Every link, in load order.
    pub links: Vec<Sourced<LinkEntry>>,
    /// Every partner, in load order.
    pub partners: Vec<Sourced<PartnerEntry>>,
    /// Every `[[ads]]` entry, in load order, with the partner it names.
    pub ads: Vec<(Spanned<String>, Sourced<AdEntry>)>,
    /// Codes of links that were present but could not be read, so that references to them
    /// are not reported again as unknown.
    pub broken_links: HashSet<String>,
    /// Codes of partners that were present but could not be read.
    pub broken_partners: HashSet<String>,
    /// Whether every file parsed; when not, references across files are not checked.
    pub complete: bool,
}

/// The keys each table of the file format accepts, read from the same structs as the schema.
struct KnownKeys {
    top: Vec<String>,
    program: Vec<String>,
    redirects: Vec<String>,
    link: Vec<String>,
    partner: Vec<String>,
    ad: Vec<String>,
    commissions: Vec<String>,
    plan: Vec<String>,
    level: Vec<String>,
    overrides: Vec<String>,
    stats: Vec<String>,
}

impl KnownKeys {
    fn new() -> Self {
        KnownKeys {
            top: keys_of::<ProgramFile>(),
            program: keys_of::<ProgramSection>(),
            redirects: keys_of::<RedirectsSection>(),
            link: keys_of::<LinkEntry>(),
            partner: keys_of::<PartnerEntry>(),
            ad: keys_of::<AdEntry>(),
            commissions: keys_of::<CommissionsSection>(),
            plan: keys_of::<PlanEntry>(),
            level: keys_of::<LevelEntry>(),
            overrides: keys_of::<OverrideEntry>(),
            stats: keys_of::<StatsSection>(),
        }
    }
}

/// The property names of `T`'s JSON Schema, in declaration order.
pub(crate) fn keys_of<T: JsonSchema>() -> Vec<String> {
    let schema = schemars::schema_for!(T);
    schema.get("properties").and_then(|p| p.as_object()).map(|p| p.keys().cloned().collect()).unwrap_or_default()
}

/// Reads the program whose root file is `root` in `files`, with every file it includes.
/// Returns what was read, the sources for messages, and the problems found so far.
pub fn read_program(files: &dyn Files, root: &Path) -> Result<(RawProgram, SourceMap, Vec<Diagnostic>), LoadError> {
    let mut reader = Reader {
        files,
        sources: SourceMap::default(),
        diagnostics: Vec::new(),
        keys: KnownKeys::new(),
        raw: RawProgram { complete: true, plans_complete: true, ..RawProgram::default() },
    };
    let bytes =
        files.read(root).map_err(|source| LoadError::Io { path: PathBuf::from(files.display(root)), source })?;
    let includes = reader.file(root, bytes, true).unwrap_or_default();
    let root_file = SourceId::ROOT;
    let mut seen: BTreeSet<PathBuf> = BTreeSet::from([root.to_path_buf()]);
    for pattern in includes {
        let at = Location { file: root_file, span: pattern.span() };
        let matched = match glob(files, pattern.get_ref()) {
            Ok(m) => m,
            Err(e) => {
                reader.diagnostics.push(
                    Diagnostic::at(
                        at.clone(),
                        format!("include pattern `{}` cannot be used", pattern.get_ref()),
                        e.to_string(),
                    )
                    .with_hint("write a glob relative to this file's folder, e.g. \"partners/*.toml\""),
                );
                continue;
            }
        };
        if matched.is_empty() {
            reader.diagnostics.push(
                Diagnostic::at(
                    at.clone(),
                    format!("include pattern `{}` matches no file", pattern.get_ref()),
                    "nothing here",
                )
                .with_hint("check the folder and the file extension, or remove the pattern"),
            );
        }
        for path in matched {
            if !seen.insert(path.clone()) {
                continue;
            }
            match files.read(&path) {
                Ok(bytes) => {
                    reader.file(&path, bytes, false);
                }
                Err(e) => {
                    reader.raw.complete = false;
                    reader.diagnostics.push(
                        Diagnostic::at(
                            at.clone(),
                            format!("cannot read `{}`: {e}", files.display(&path)),
                            "included here",
                        )
                        .with_hint("check that the file exists and is readable, or exclude it from the pattern"),
                    );
                }
            }
        }
    }
    if reader.raw.settings.is_none() && reader.raw.complete {
        reader.diagnostics.push(
            Diagnostic::at(
                Location { file: root_file, span: 0..0 },
                "the program file has no [program] section",
                "expected here",
            )
            .with_hint("start the file with [program] and its name, base_url and fallback_url"),
        );
    }
    Ok((reader.raw, reader.sources, reader.diagnostics))
}

struct Reader<'f> {
    files: &'f dyn Files,
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
    keys: KnownKeys,
    raw: RawProgram,
}

impl Reader<'_> {
    /// Reads one file; for the root file, returns its include patterns.
    fn file(&mut self, path: &Path, bytes: Vec<u8>, is_root: bool) -> Option<Vec<Spanned<String>>> {
        let name = self.files.display(path);
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let id = self.sources.add(name.clone(), text);
                self.raw.complete = false;
                self.diagnostics.push(
                    Diagnostic::at(
                        Location { file: id, span: at..at + 3 },
                        format!("`{name}` is not valid UTF-8"),
                        "this byte",
                    )
                    .with_hint("save the file as UTF-8"),
                );
                return None;
            }
        };
        // Parse from a copy so the text can go into the source map while the tree borrows it.
        let id = self.sources.add(name, text.clone());
        let (table, errors) = DeTable::parse_recoverable(&text);
        if !errors.is_empty() {
            self.raw.complete = false;
            for e in errors {
                let span = e.span().unwrap_or(0..0);
                let message = e.message().trim().replace('\n', "; ");
                let hint = if message.contains("date") || message.contains("time") {
                    "write dates as YYYY-MM-DD with a real day of that month, e.g. 2024-03-01"
                } else {
                    "see https://toml.io for the syntax; strings need double quotes"
                };
                self.diagnostics.push(
                    Diagnostic::at(Location { file: id, span }, "this is not valid TOML", message).with_hint(hint),
                );
            }
            // The rest of a broken file is not checked (it would only echo the syntax error),
            // but the files it includes still are.
            let mut table = table.into_inner();
            let include = table.remove("include").filter(|_| is_root)?;
            return self.value::<Vec<Spanned<String>>>(id, include, "include");
        }
        self.document(id, table.into_inner(), is_root)
    }

    fn document(&mut self, file: SourceId, table: DeTable<'_>, is_root: bool) -> Option<Vec<Spanned<String>>> {
        let mut includes = None;
        for (key, value) in table {
            let key_at = Location { file, span: key.span() };
            match (key.get_ref().as_ref(), is_root) {
                ("program", true) => {
                    self.raw.settings = self.table::<ProgramSection>(file, value, "[program]", |k| &k.program);
                }
                ("redirects", true) => {
                    self.raw.redirects = self.table::<RedirectsSection>(file, value, "[redirects]", |k| &k.redirects);
                }
                ("commissions", true) => self.commissions(file, value),
                ("stats", true) => self.raw.stats = self.table::<StatsSection>(file, value, "[stats]", |k| &k.stats),
                ("include", true) => includes = self.value::<Vec<Spanned<String>>>(file, value, "include"),
                ("links", _) => {
                    for entry in self.array(file, value, "links") {
                        let code = peek_code(&entry);
                        match self.table::<LinkEntry>(file, entry, "[[links]]", |k| &k.link) {
                            Some(link) => self.raw.links.push(link),
                            None => self.raw.broken_links.extend(code),
                        }
                    }
                }
                ("partners", _) => {
                    for entry in self.array(file, value, "partners") {
                        self.partner(file, entry);
                    }
                }
                ("ads", _) => {
                    for entry in self.array(file, value, "ads") {
                        self.standalone_ad(file, entry);
                    }
                }
                (top @ ("program" | "include" | "redirects" | "commissions" | "stats"), false) => self
                    .diagnostics
                    .push(
                    Diagnostic::at(
                        key_at,
                        format!("`{top}` is only allowed in the root program file"),
                        "in an included file",
                    )
                    .with_hint(
                        "included files may only hold [[links]], [[partners]] and [[ads]]; move this to the root file",
                    ),
                ),
                (other, _) => {
                    let hint = unknown_key_hint(other, &self.keys.top, "a program file");
                    self.diagnostics.push(
                        Diagnostic::at(
                            key_at,
                            format!("unknown key `{other}` at the top of the file"),
                            "not a program setting",
                        )
                        .with_hint(hint),
                    );
                }
            }
        }
        includes
    }

    /// Reads an `[[ads]]` entry: its `partner`, then the rest as `[[partners.ads]]` reads it.
    fn standalone_ad(&mut self, file: SourceId, mut entry: Spanned<DeValue<'_>>) {
        let at = Location { file, span: entry.span() };
        let partner = match entry.get_mut() {
            DeValue::Table(t) => t.remove("partner"),
            _ => None,
        };
        if partner.is_none() {
            self.diagnostics.push(
                Diagnostic::at(at, "an [[ads]] entry names no partner", "here")
                    .with_hint("add partner = \"<partner code>\" to say whose ad it is"),
            );
        }
        let partner = partner.and_then(|p| self.value::<Spanned<String>>(file, p, "partner"));
        let ad = self.table::<AdEntry>(file, entry, "[[ads]]", |k| &k.ad);
        if let (Some(partner), Some(ad)) = (partner, ad) {
            self.raw.ads.push((partner, ad));
        }
    }

    fn partner(&mut self, file: SourceId, mut entry: Spanned<DeValue<'_>>) {
        let code = peek_code(&entry);
        // Ads are read one by one so that one bad ad does not hide the others.
        let ads = match entry.get_mut() {
            DeValue::Table(t) => t.remove("ads"),
            _ => None,
        };
        let mut read_ads = Vec::new();
        if let Some(ads) = ads {
            for ad in self.array(file, ads, "ads") {
                if let Some(ad) = self.table::<AdEntry>(file, ad, "[[partners.ads]]", |k| &k.ad) {
                    read_ads.push(ad.value);
                }
            }
        }
        match self.table::<PartnerEntry>(file, entry, "[[partners]]", |k| &k.partner) {
            Some(mut partner) => {
                partner.value.ads = read_ads;
                self.raw.partners.push(partner);
            }
            None => self.raw.broken_partners.extend(code),
        }
    }

    /// Reads `[commissions]`, each plan and each plan's levels and overrides on their own, so
    /// that one bad entry does not hide the others.
    fn commissions(&mut self, file: SourceId, mut value: Spanned<DeValue<'_>>) {
        let plans = match value.get_mut() {
            DeValue::Table(t) => t.remove("plans"),
            _ => None,
        };
        let mut read_plans = Vec::new();
        for mut plan in plans.map(|p| self.array(file, p, "commissions.plans")).unwrap_or_default() {
            let (levels, overrides) = match plan.get_mut() {
                DeValue::Table(t) => (t.remove("levels"), t.remove("overrides")),
                _ => (None, None),
            };
            // A level or override that cannot be read is reported and left out; the plan is
            // still read so that references to it are checked.
            let mut read_levels = Vec::new();
            for level in levels.map(|l| self.array(file, l, "commissions.plans.levels")).unwrap_or_default() {
                read_levels.extend(
                    self.table::<LevelEntry>(file, level, "[[commissions.plans.levels]]", |k| &k.level)
                        .map(|l| l.value),
                );
            }
            let mut read_overrides = Vec::new();
            for o in overrides.map(|o| self.array(file, o, "commissions.plans.overrides")).unwrap_or_default() {
                read_overrides.extend(
                    self.table::<OverrideEntry>(file, o, "[[commissions.plans.overrides]]", |k| &k.overrides)
                        .map(|o| o.value),
                );
            }
            match self.table::<PlanEntry>(file, plan, "[[commissions.plans]]", |k| &k.plan) {
                Some(mut p) => {
                    p.value.levels = read_levels;
                    p.value.overrides = read_overrides;
                    read_plans.push(p.value);
                }
                None => self.raw.plans_complete = false,
            }
        }
        if let Some(mut section) = self.table::<CommissionsSection>(file, value, "[commissions]", |k| &k.commissions) {
            section.value.plans = read_plans;
            self.raw.commissions = Some(section);
        }
    }

    /// The items of an array of tables, reporting anything else.
    fn array<'i>(&mut self, file: SourceId, value: Spanned<DeValue<'i>>, what: &str) -> Vec<Spanned<DeValue<'i>>> {
        let span = value.span();
        match value.into_inner() {
            DeValue::Array(items) => items.into_iter().collect(),
            other => {
                self.diagnostics.push(
                    Diagnostic::at(
                        Location { file, span },
                        format!("`{what}` must be an array of tables"),
                        format!("this is a {}", other.type_str()),
                    )
                    .with_hint(format!("write each entry as a [[{what}]] table")),
                );
                Vec::new()
            }
        }
    }

    /// Reads `value` as the table `T`, reporting every unknown key and then the first type
    /// problem. Unknown keys are dropped so the rest of the table is still read.
    fn table<T: DeserializeOwned>(
        &mut self,
        file: SourceId,
        mut value: Spanned<DeValue<'_>>,
        what: &str,
        allowed: impl Fn(&KnownKeys) -> &Vec<String>,
    ) -> Option<Sourced<T>> {
        let span = value.span();
        let DeValue::Table(table) = value.get_mut() else {
            self.diagnostics.push(
                Diagnostic::at(
                    Location { file, span },
                    format!("each {what} entry must be a table"),
                    format!("this is a {}", value.get_ref().type_str()),
                )
                .with_hint(format!("write the entry as a {what} table with its keys below it")),
            );
            return None;
        };
        let allowed = allowed(&self.keys);
        let unknown: Vec<(String, Range<usize>)> = table
            .keys()
            .filter(|k| !allowed.iter().any(|a| a == k.get_ref().as_ref()))
            .map(|k| (k.get_ref().to_string(), k.span()))
            .collect();
        for (key, key_span) in &unknown {
            table.remove(key.as_str());
            let hint = unknown_key_hint(key, allowed, what);
            self.diagnostics.push(
                Diagnostic::at(
                    Location { file, span: key_span.clone() },
                    format!("unknown key `{key}` in {what}"),
                    "unknown key",
                )
                .with_hint(hint),
            );
        }
        let value_keys: Vec<(Range<usize>, String)> =
            table.iter().map(|(k, v)| (v.span(), k.get_ref().to_string())).collect();
        // A table header spans only its header line; point at that for missing keys.
        let header = header_span(&self.sources.get(file).text, span.clone());
        match T::deserialize(ValueDeserializer::from(value)) {
            // Unknown keys were reported already; the rest of the entry is still checked.
            Ok(v) => Some(Sourced { file, span, value: v }),
            Err(e) => {
                let message = e.message().trim().to_owned();
                let at = e.span().filter(|s| s != &span).unwrap_or(header);
                let hint = type_hint(&message, what);
                let missing = message.strip_prefix("missing field ").map(|k| k.trim_matches('`'));
                let headline = match (missing, value_keys.iter().find(|(s, _)| *s == at)) {
                    (Some(key), _) => format!("this {what} entry has no `{key}`"),
                    (None, Some((_, key))) => format!("`{key}` in {what}: {message}"),
                    (None, None) => format!("{what}: {message}"),
                };
                self.diagnostics.push(Diagnostic::at(Location { file, span: at }, headline, "here").with_hint(hint));
                None
            }
        }
    }

    /// Reads a plain value.
    fn value<T: DeserializeOwned>(&mut self, file: SourceId, value: Spanned<DeValue<'_>>, what: &str) -> Option<T> {
        let span = value.span();
        match T::deserialize(ValueDeserializer::from(value)) {
            Ok(v) => Some(v),
            Err(e) => {
                let at = e.span().unwrap_or(span);
                self.diagnostics.push(Diagnostic::at(
                    Location { file, span: at },
                    format!("`{what}`: {}", e.message().trim()),
                    "here",
                ));
                None
            }
        }
    }
}

/// The `code` of a table entry, if it has a string one, read before the entry is checked.
fn peek_code(entry: &Spanned<DeValue<'_>>) -> Option<String> {
    match entry.get_ref() {
        DeValue::Table(t) => t.get("code").and_then(|c| c.get_ref().as_str()).map(str::to_owned),
        _ => None,
    }
}

/// The first line of `span` in `text`, trimmed: the header of a table.
fn header_span(text: &str, span: Range<usize>) -> Range<usize> {
    let start = span.start.min(text.len());
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = line_end.min(span.end.max(start));
    let trimmed = text[start..end].trim_end();
    start..start + trimmed.len()
}

fn unknown_key_hint(key: &str, allowed: &[String], what: &str) -> String {
    let near = suggest::nearest(key, allowed.iter().map(String::as_str));
    let list = allowed.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    match near {
        Some(n) => format!("did you mean `{n}`? The keys of {what} are {list}"),
        None => format!("the keys of {what} are {list}"),
    }
}

fn type_hint(message: &str, what: &str) -> String {
    if message.starts_with("missing field") {
        format!("add the key below the {what} header; `refgen schema` lists every key with its meaning")
    } else {
        "check the value's type: strings in double quotes, numbers bare, lists in [ ]".to_owned()
    }
}
