//! The checks that turn what was read into a [`Program`]: codes, uniqueness, URLs, dates,
//! media types, parents and cycles, link restrictions. Every problem is collected, each with
//! its place and a hint; a [`Program`] is only built when there are none.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use indexmap::IndexMap;
use toml::Spanned;
use url::Url;

use crate::attribution::{Attribution, Template};
use crate::code::{self, Code, CodeProblem};
use crate::commission_check;
use crate::diagnostic::Diagnostic;
use crate::file_format::{AdEntry, LinkEntry, PartnerEntry, ProgramSection};
use crate::load::{RawProgram, Sourced};
use crate::program::{ALLOWED_STATUSES, Ad, Link, MediaType, Partner, Program, Restriction, Settings};
use crate::source::{Location, SourceId};
use crate::suggest;
use crate::target::RedirectTarget;

/// Checks everything read and builds the program, or returns every problem found.
pub fn validate(raw: &RawProgram, mut diagnostics: Vec<Diagnostic>) -> Result<Program, Vec<Diagnostic>> {
    let mut v = Validator { diagnostics: &mut diagnostics };
    let targets = v.targets(raw);
    let settings = raw.settings.as_ref().and_then(|s| v.settings(s)).zip(targets).map(|(mut s, t)| {
        s.targets = t;
        s
    });
    let partners = v.partners(raw);
    let default_attribution = Attribution::default();
    let attribution = settings.as_ref().map_or(&default_attribution, |s| &s.attribution);
    let links = v.links(raw, attribution);
    let commissions = commission_check::check(raw, &mut diagnostics);
    diagnostics.sort_by_key(Diagnostic::sort_key);
    match (settings, links, partners, commissions) {
        (Some(mut settings), Some(links), Some(partners), Some(commissions)) if diagnostics.is_empty() => {
            settings.commissions = commissions;
            settings.stats = stats_defaults(raw);
            Ok(Program::new(settings, links, partners))
        }
        _ => Err(diagnostics),
    }
}

/// Where `[stats]`'s keys are written, as `file:line` ([`crate::program::StatsDefaults::places`]).
pub(crate) fn stats_places(
    raw: &RawProgram,
    sources: &crate::source::SourceMap,
) -> std::collections::BTreeMap<&'static str, String> {
    let mut places = std::collections::BTreeMap::new();
    let Some(s) = &raw.stats else { return places };
    let name = &sources.get(s.file).name;
    let line = |span: std::ops::Range<usize>| sources.line_col(&s.at(span)).0;
    let table = line(s.span.clone());
    let keys: [(&'static str, Option<&Spanned<String>>); 6] = [
        ("store", s.value.store.as_ref()),
        ("format", s.value.format.as_ref()),
        ("log_format", s.value.log_format.as_ref()),
        ("date_format", s.value.date_format.as_ref()),
        ("time_format", s.value.time_format.as_ref()),
        ("breakdowns", s.value.breakdowns.as_ref()),
    ];
    for (key, value) in keys {
        if let Some(v) = value {
            places.insert(key, format!("{name}:{}", line(v.span())));
        }
    }
    for key in ["orders", "json_fields", "realtime_fields"] {
        places.insert(key, format!("{name}:{table}"));
    }
    places
}

/// The `[stats]` defaults as written.
fn stats_defaults(raw: &RawProgram) -> crate::program::StatsDefaults {
    let Some(s) = &raw.stats else { return Default::default() };
    let text = |v: &Option<toml::Spanned<String>>| v.as_ref().map(|v| v.get_ref().trim().to_owned());
    crate::program::StatsDefaults {
        store: text(&s.value.store).filter(|v| !v.is_empty()),
        format: text(&s.value.format).filter(|v| !v.is_empty()),
        orders: s.value.orders.iter().flatten().map(|o| o.get_ref().trim().to_owned()).collect(),
        log_format: s.value.log_format.as_ref().map(|v| v.get_ref().clone()).filter(|v| !v.trim().is_empty()),
        date_format: text(&s.value.date_format).filter(|v| !v.is_empty()),
        time_format: text(&s.value.time_format).filter(|v| !v.is_empty()),
        json_fields: s.value.json_fields.iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect(),
        realtime_fields: s.value.realtime_fields.iter().flatten().map(|f| f.trim().to_owned()).collect(),
        breakdowns: text(&s.value.breakdowns).filter(|v| !v.is_empty()),
        places: Default::default(),
    }
}

struct Validator<'d> {
    diagnostics: &'d mut Vec<Diagnostic>,
}

/// What kind of thing a code names, for messages.
#[derive(Clone, Copy)]
enum Kind {
    Link,
    Partner,
    Ad,
    Prefix,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Link => "link code",
            Kind::Partner => "partner code",
            Kind::Ad => "ad code",
            Kind::Prefix => "path prefix",
        }
    }
}

impl Validator<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn settings(&mut self, s: &Sourced<ProgramSection>) -> Option<Settings> {
        let p = &s.value;
        let base_url = self.url(s.file, &p.base_url, "base_url");
        if let Some(u) = &base_url
            && (u.query().is_some() || u.fragment().is_some())
        {
            self.push(
                Diagnostic::at(
                    s.at(p.base_url.span()),
                    "`base_url` cannot have a query or a fragment",
                    "tracking links are built below this",
                )
                .with_hint("give only the scheme, host and optional path, e.g. \"https://go.example.com\""),
            );
        }
        let fallback_url = self.url(s.file, &p.fallback_url, "fallback_url");
        let propose_url = match &p.repository {
            None => Some(None),
            Some(repo) => self.url(s.file, repo, "repository").and_then(|u| {
                let path: Vec<&str> =
                    u.path_segments().map(|s| s.filter(|p| !p.is_empty()).collect()).unwrap_or_default();
                let branch = p.repository_branch.as_ref().map_or("main", |b| b.get_ref().trim());
                let branch_ok =
                    !branch.is_empty() && branch.chars().all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c));
                if !branch_ok {
                    let at = p.repository_branch.as_ref().map_or(repo.span(), Spanned::span);
                    self.push(
                        Diagnostic::at(s.at(at), format!("`{branch}` is not a branch name"), "here")
                            .with_hint("branch names here use letters, digits, `.`, `_`, `/` and `-`, e.g. main"),
                    );
                    None
                } else if u.host_str() == Some("github.com") && path.len() == 2 && u.query().is_none() {
                    Some(Some(format!(
                        "https://github.com/{}/{}/new/{branch}",
                        path[0],
                        path[1].trim_end_matches(".git")
                    )))
                } else {
                    self.push(
                        Diagnostic::at(s.at(repo.span()), "`repository` is not a GitHub repository address", "here")
                            .with_hint("write it as https://github.com/<owner>/<name>, or leave it out"),
                    );
                    None
                }
            }),
        };
        let prefix = match &p.prefix {
            Some(prefix) => self.code(s.file, prefix, Kind::Prefix),
            None => Code::parse("go").ok(),
        };
        let status = match &p.status {
            None => Some(302),
            Some(st) => {
                let value = *st.get_ref();
                match u16::try_from(value) {
                    Ok(v) if ALLOWED_STATUSES.contains(&v) => Some(v),
                    _ => {
                        let hint = if value == 301 || value == 308 {
                            "permanent redirects are cached by browsers, so repeat clicks never reach the logs; use 302"
                        } else {
                            "use 302 (the default), 303 or 307"
                        };
                        self.push(
                            Diagnostic::at(s.at(st.span()), format!("redirect status {value} is not allowed"), "here")
                                .with_hint(hint),
                        );
                        None
                    }
                }
            }
        };
        let attribution = match &p.attribution {
            None => Some(Attribution::default()),
            Some(table) => self
                .overrides(s.file, table, false)
                .map(|params| Attribution::new(params.into_iter().filter_map(|(k, v)| v.map(|t| (k, t))).collect())),
        };
        Some(Settings {
            name: p.name.get_ref().clone(),
            base_url: base_url?,
            prefix: prefix?,
            status: status?,
            fallback_url: fallback_url?,
            attribution: attribution?,
            single_page: p.single_page.unwrap_or(false),
            propose_url: propose_url?,
            targets: Vec::new(),
            commissions: None,
            stats: Default::default(),
        })
    }

    /// Parses attribution templates; with `allow_removal`, an empty value means "remove".
    fn overrides(
        &mut self,
        file: SourceId,
        table: &Spanned<IndexMap<String, Spanned<String>>>,
        allow_removal: bool,
    ) -> Option<Vec<(String, Option<Template>)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (name, value) in table.get_ref() {
            let at = Location { file, span: value.span() };
            if name.trim().is_empty() {
                self.push(
                    Diagnostic::at(at, "an attribution parameter has an empty name", "its value")
                        .with_hint("name the query parameter, e.g. utm_source"),
                );
                ok = false;
                continue;
            }
            if value.get_ref().is_empty() {
                if allow_removal {
                    out.push((name.clone(), None));
                } else {
                    self.push(
                        Diagnostic::at(at, format!("attribution parameter `{name}` is empty"), "empty value")
                            .with_hint("give it a value such as \"{partner}\", or delete the line"),
                    );
                    ok = false;
                }
                continue;
            }
            match Template::parse(value.get_ref()) {
                Ok(t) => out.push((name.clone(), Some(t))),
                Err(e) => {
                    self.push(
                        Diagnostic::at(at, format!("attribution parameter `{name}`: {e}"), "in this template")
                            .with_hint("templates may use {partner}, {link} and {ad}"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn url(&mut self, file: SourceId, value: &Spanned<String>, field: &str) -> Option<Url> {
        let at = Location { file, span: value.span() };
        let text = value.get_ref().trim();
        match Url::parse(text) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Some(u),
            Ok(u) => {
                let hint = match u.scheme() {
                    "javascript" | "data" | "vbscript" | "file" => {
                        format!(
                            "a `{}:` address can run code or read files in the visitor's browser; only http and https addresses are allowed",
                            u.scheme()
                        )
                    }
                    _ => "only absolute http and https addresses are allowed".to_owned(),
                };
                self.push(
                    Diagnostic::at(
                        at,
                        format!("`{field}` must be an http or https address"),
                        format!("this is a `{}:` address", u.scheme()),
                    )
                    .with_hint(hint),
                );
                None
            }
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                // "www.example.com/x" lacks only the scheme; "/x" lacks the host too.
                let looks_like_host = text.split('/').next().is_some_and(|h| h.contains('.'));
                let example = if looks_like_host {
                    format!("https://{text}")
                } else {
                    format!("https://www.example.com/{}", text.trim_start_matches('/'))
                };
                self.push(
                    Diagnostic::at(at, format!("`{field}` must be an absolute address"), "this is a relative address")
                        .with_hint(format!("write the whole address with its scheme and host, e.g. \"{example}\"")),
                );
                None
            }
            Err(e) => {
                self.push(
                    Diagnostic::at(at, format!("`{field}` is not a valid address: {e}"), "here")
                        .with_hint("write an absolute address such as \"https://www.example.com/page\""),
                );
                None
            }
        }
    }

    fn code(&mut self, file: SourceId, value: &Spanned<String>, kind: Kind) -> Option<Code> {
        match Code::parse(value.get_ref()) {
            Ok(c) => Some(c),
            Err(problem) => {
                let at = Location { file, span: value.span() };
                let hint = match (&problem, code::suggest(value.get_ref())) {
                    (CodeProblem::TooLong(_), Some(s)) => format!("shorten it, e.g. to \"{s}\""),
                    (_, Some(s)) => {
                        format!("codes are URL path segments: lowercase letters, digits, `-` and `_`; try \"{s}\"")
                    }
                    (_, None) => {
                        "codes are URL path segments: 1 to 64 lowercase letters, digits, `-` and `_`".to_owned()
                    }
                };
                self.push(
                    Diagnostic::at(at, format!("{} `{}` {problem}", kind.noun(), value.get_ref()), "not a valid code")
                        .with_hint(hint),
                );
                None
            }
        }
    }

    /// Reports a code already seen; remembers it otherwise.
    fn unique(&mut self, seen: &mut HashMap<String, Location>, at: Location, code: &str, kind: Kind, scope: &str) {
        match seen.get(code) {
            Some(first) => self.push(
                Diagnostic::at(at, format!("duplicate {} `{code}`{scope}", kind.noun()), "used again here")
                    .with_related(first.clone(), "first used here")
                    .with_hint(format!("each {} must be unique{scope}; rename or remove one of them", kind.noun())),
            ),
            None => {
                seen.insert(code.to_owned(), at);
            }
        }
    }

    fn partners(&mut self, raw: &RawProgram) -> Option<Vec<Partner>> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        let mut ok = true;
        // The [[ads]] entries by the partner they name, in load order.
        let mut apart: HashMap<&str, Vec<(SourceId, &AdEntry)>> = HashMap::new();
        for (who, ad) in &raw.ads {
            apart.entry(who.get_ref().trim()).or_default().push((ad.file, &ad.value));
        }
        for entry in &raw.partners {
            let p: &PartnerEntry = &entry.value;
            let code = self.code(entry.file, &p.code, Kind::Partner);
            self.unique(&mut seen, entry.at(p.code.span()), p.code.get_ref(), Kind::Partner, "");
            let partner_code = code.as_ref().map_or(p.code.get_ref().as_str(), Code::as_str);
            // Its own [[partners.ads]], then the [[ads]] entries naming it, from any file.
            let own = p.ads.iter().map(|ad| (entry.file, ad));
            let elsewhere = apart.get(p.code.get_ref().as_str()).into_iter().flatten().copied();
            let ads = self.ads(own.chain(elsewhere).collect(), partner_code);
            let email = p.email.as_ref().map(|e| self.email(entry.file, e));
            let groups: Vec<String> = p.groups.iter().flatten().map(|g| g.get_ref().trim().to_owned()).collect();
            for g in p.groups.iter().flatten().filter(|g| g.get_ref().trim().is_empty()) {
                self.push(
                    Diagnostic::at(entry.at(g.span()), "a group name is empty", "here")
                        .with_hint("name the group, or remove the empty string"),
                );
                ok = false;
            }
            match (code, ads, email.unwrap_or(Some(String::new()))) {
                (Some(code), Some(ads), Some(email)) => out.push(Partner {
                    code,
                    name: p.name.get_ref().clone(),
                    parent: p.parent.as_ref().and_then(|c| Code::parse(c.get_ref()).ok()),
                    groups,
                    email: p.email.as_ref().map(|_| email),
                    active: p.active.unwrap_or(true),
                    plan: p.plan.as_ref().and_then(|c| Code::parse(c.get_ref()).ok()),
                    ads,
                }),
                _ => ok = false,
            }
        }
        ok &= self.parents(raw, &seen);
        ok &= self.ads_of_unknown_partners(raw, &seen);
        ok.then_some(out)
    }

    /// Reports `[[ads]]` entries whose partner does not exist (when every file could be read).
    fn ads_of_unknown_partners(&mut self, raw: &RawProgram, known: &HashMap<String, Location>) -> bool {
        let mut ok = true;
        for (partner, ad) in &raw.ads {
            let code = partner.get_ref().trim();
            if known.contains_key(code) || !raw.complete || raw.broken_partners.contains(code) {
                continue;
            }
            let hint = suggest::hint(code, "partner code", known.keys().map(String::as_str));
            self.push(
                Diagnostic::at(
                    ad.at(partner.span()),
                    format!("the ad `{}` names an unknown partner `{code}`", ad.value.code.get_ref()),
                    "no partner has this code",
                )
                .with_hint(hint),
            );
            ok = false;
        }
        ok
    }

    fn email(&mut self, file: SourceId, value: &Spanned<String>) -> Option<String> {
        let e = value.get_ref().trim();
        let well_formed = e.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty() && domain.contains('.') && !domain.contains('@') && !e.contains(char::is_whitespace)
        });
        if well_formed {
            Some(e.to_owned())
        } else {
            self.push(
                Diagnostic::at(Location { file, span: value.span() }, format!("`{e}` is not an email address"), "here")
                    .with_hint("write it as name@example.com, or leave `email` out"),
            );
            None
        }
    }

    /// The ads of the partner `partner_code`, each with the file it is written in.
    fn ads(&mut self, ads: Vec<(SourceId, &AdEntry)>, partner_code: &str) -> Option<Vec<Ad>> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        let mut ok = true;
        let scope = format!(" for partner `{partner_code}`");
        for (file, ad) in ads {
            let AdEntry { code, name, description, media, start } = ad;
            let at = Location { file, span: code.span() };
            let checked = self.code(file, code, Kind::Ad);
            self.unique(&mut seen, at, code.get_ref(), Kind::Ad, &scope);
            let media_type = MediaType::parse(media.get_ref());
            if media_type.is_none() {
                let allowed: Vec<&str> = MediaType::ALL.iter().map(|m| m.as_str()).collect();
                let near = suggest::nearest(&media.get_ref().to_lowercase(), allowed.iter().copied());
                let list = allowed.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
                let hint = match near {
                    Some(n) => format!("did you mean `{n}`? The media types are {list}"),
                    None => format!("the media types are {list}"),
                };
                self.push(
                    Diagnostic::at(
                        Location { file, span: media.span() },
                        format!("unknown media type `{}`", media.get_ref()),
                        "not a media type",
                    )
                    .with_hint(hint),
                );
            }
            let date = self.date(file, start);
            match (checked, media_type, date) {
                (Some(code), Some(media), Some(start)) => {
                    out.push(Ad { code, name: name.clone(), description: description.clone(), media, start })
                }
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn date(&mut self, file: SourceId, value: &Spanned<toml::Value>) -> Option<NaiveDate> {
        let at = Location { file, span: value.span() };
        let parsed = match value.get_ref() {
            toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                }
                _ => None,
            },
            toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.push(
                Diagnostic::at(
                    at,
                    format!("`start` is not a valid date: {}", value.get_ref()),
                    "expected a calendar date",
                )
                .with_hint("write the day the ad starts as YYYY-MM-DD, e.g. start = 2024-03-01"),
            );
        }
        parsed
    }

    /// Checks every parent reference and the tree's shape; true when all is well. Unknown
    /// parents are only reported when every file could be read.
    fn parents(&mut self, raw: &RawProgram, known: &HashMap<String, Location>) -> bool {
        let mut ok = true;
        let mut parent_of: HashMap<&str, (&str, Location)> = HashMap::new();
        for entry in &raw.partners {
            let p = &entry.value;
            let Some(parent) = &p.parent else { continue };
            let at = entry.at(parent.span());
            let (code, parent) = (p.code.get_ref().as_str(), parent.get_ref().as_str());
            if parent == code {
                self.push(
                    Diagnostic::at(at, format!("partner `{code}` is its own parent"), "points at itself")
                        .with_hint("name the partner who recruited this one, or remove `parent`"),
                );
                ok = false;
            } else if known.contains_key(parent) {
                parent_of.insert(code, (parent, at));
            } else if raw.complete && !raw.broken_partners.contains(parent) {
                let hint = suggest::hint(parent, "partner code", known.keys().map(String::as_str));
                self.push(
                    Diagnostic::at(
                        at,
                        format!("unknown parent `{parent}` for partner `{code}`"),
                        "no partner has this code",
                    )
                    .with_hint(hint),
                );
                ok = false;
            }
        }
        // Follow parent links from every partner; a walk that comes back to itself is a cycle.
        let mut reported: HashSet<&str> = HashSet::new();
        let mut starts: Vec<&str> = parent_of.keys().copied().collect();
        starts.sort_unstable();
        for start in starts {
            let mut path = vec![start];
            let mut at = start;
            while let Some((next, _)) = parent_of.get(at) {
                if let Some(pos) = path.iter().position(|c| c == next) {
                    let cycle = &path[pos..];
                    if cycle.iter().all(|c| !reported.contains(c)) {
                        reported.extend(cycle.iter().copied());
                        self.cycle(cycle, &parent_of);
                        ok = false;
                    }
                    break;
                }
                if path.len() > parent_of.len() {
                    break;
                }
                path.push(next);
                at = next;
            }
        }
        ok
    }

    fn cycle(&mut self, cycle: &[&str], parent_of: &HashMap<&str, (&str, Location)>) {
        // Start the cycle at its smallest code, so the message does not depend on walk order.
        let first = cycle.iter().enumerate().min_by_key(|(_, c)| **c).map_or(0, |(i, _)| i);
        let ordered: Vec<&str> = cycle[first..].iter().chain(&cycle[..first]).copied().collect();
        let mut chain: Vec<String> = ordered.iter().map(|c| format!("`{c}`")).collect();
        chain.push(format!("`{}`", ordered[0]));
        let place = |c: &str| parent_of.get(c).map(|(p, at)| (*p, at.clone()));
        let Some((parent, at)) = place(ordered[0]) else { return };
        let mut d = Diagnostic::at(
            at,
            format!("the partner tree has a cycle: {}", chain.join(" -> ")),
            format!("`{}`'s parent is `{parent}`", ordered[0]),
        )
        .with_hint("a partner cannot be in its own downline; remove or change one of these `parent` keys");
        for c in &ordered[1..] {
            if let Some((p, at)) = place(c) {
                d = d.with_related(at, format!("`{c}`'s parent is `{p}`"));
            }
        }
        self.push(d);
    }

    fn targets(&mut self, raw: &RawProgram) -> Option<Vec<RedirectTarget>> {
        let Some(section) = &raw.redirects else { return Some(vec![RedirectTarget::Html]) };
        let mut out: Vec<(RedirectTarget, Location)> = Vec::new();
        let mut ok = true;
        for name in &section.value.targets {
            let at = section.at(name.span());
            match RedirectTarget::parse(name.get_ref()) {
                Some(t) => match out.iter().find(|(seen, _)| *seen == t) {
                    Some((_, first)) => {
                        self.push(
                            Diagnostic::at(at, format!("redirect target `{t}` is listed twice"), "again here")
                                .with_related(first.clone(), "first listed here")
                                .with_hint("list each target once"),
                        );
                        ok = false;
                    }
                    None => out.push((t, at)),
                },
                None => {
                    let hint =
                        suggest::hint(name.get_ref(), "redirect target", RedirectTarget::ALL.map(|t| t.as_str()));
                    self.push(
                        Diagnostic::at(
                            at,
                            format!("unknown redirect target `{}`", name.get_ref()),
                            "not a host refgen writes rules for",
                        )
                        .with_hint(hint),
                    );
                    ok = false;
                }
            }
        }
        let netlify = out.iter().find(|(t, _)| *t == RedirectTarget::Netlify);
        let cloudflare = out.iter().find(|(t, _)| *t == RedirectTarget::CloudflarePages);
        if let (Some((_, n)), Some((_, c))) = (netlify, cloudflare) {
            self.push(
                Diagnostic::at(
                    c.clone(),
                    "`netlify` and `cloudflare-pages` both need public/_redirects",
                    "the second one",
                )
                .with_related(n.clone(), "the first one")
                .with_hint("a site is published to one of them at a time: keep the one you deploy to"),
            );
            ok = false;
        }
        if out.is_empty() && ok {
            self.push(
                Diagnostic::at(section.at(section.span.clone()), "`[redirects] targets` is empty", "no host")
                    .with_hint("name at least one host, e.g. targets = [\"netlify\"], or \"html\" for any static host"),
            );
            ok = false;
        }
        let mut targets: Vec<RedirectTarget> = out.into_iter().map(|(t, _)| t).collect();
        targets.sort();
        ok.then_some(targets)
    }

    fn links(&mut self, raw: &RawProgram, program_attribution: &Attribution) -> Option<Vec<Link>> {
        let partner_codes: BTreeSet<&str> = raw
            .partners
            .iter()
            .map(|p| p.value.code.get_ref().as_str())
            .chain(raw.broken_partners.iter().map(String::as_str))
            .collect();
        let groups: BTreeSet<&str> =
            raw.partners.iter().flat_map(|p| p.value.groups.iter().flatten()).map(|g| g.get_ref().trim()).collect();
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        let mut ok = true;
        for entry in &raw.links {
            let l: &LinkEntry = &entry.value;
            let code = self.code(entry.file, &l.code, Kind::Link);
            self.unique(&mut seen, entry.at(l.code.span()), l.code.get_ref(), Kind::Link, "");
            let destination = self.url(entry.file, &l.destination, "destination");
            let restriction = self.restriction(entry, &partner_codes, &groups, raw.complete);
            let attribution = match &l.attribution {
                None => Some(program_attribution.clone()),
                Some(t) => self.overrides(entry.file, t, true).map(|o| program_attribution.merged(o)),
            };
            match (code, destination, restriction, attribution) {
                (Some(code), Some(destination), Some(restriction), Some(attribution)) => out.push(Link {
                    code,
                    name: l.name.get_ref().clone(),
                    destination,
                    description: l.description.clone(),
                    restriction,
                    attribution,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn restriction(
        &mut self,
        entry: &Sourced<LinkEntry>,
        partner_codes: &BTreeSet<&str>,
        groups: &BTreeSet<&str>,
        check_references: bool,
    ) -> Option<Option<Restriction>> {
        let l = &entry.value;
        if l.partners.is_none() && l.groups.is_none() {
            return Some(None);
        }
        let mut ok = true;
        let mut r = Restriction::default();
        for p in l.partners.iter().flatten() {
            let code = p.get_ref().as_str();
            if check_references && !partner_codes.contains(code) {
                let hint = suggest::hint(code, "partner code", partner_codes.iter().copied());
                self.push(
                    Diagnostic::at(
                        entry.at(p.span()),
                        format!("link `{}` is restricted to unknown partner `{code}`", l.code.get_ref()),
                        "no partner has this code",
                    )
                    .with_hint(hint),
                );
                ok = false;
            } else if let Ok(c) = Code::parse(code) {
                r.partners.insert(c);
            }
        }
        for g in l.groups.iter().flatten() {
            let group = g.get_ref().trim();
            if check_references && !groups.contains(group) {
                let hint = suggest::hint(group, "group", groups.iter().copied());
                self.push(
                    Diagnostic::at(
                        entry.at(g.span()),
                        format!("link `{}` is restricted to unknown group `{group}`", l.code.get_ref()),
                        "no partner is in this group",
                    )
                    .with_hint(hint),
                );
                ok = false;
            } else {
                r.groups.insert(group.to_owned());
            }
        }
        ok.then_some(Some(r))
    }
}
