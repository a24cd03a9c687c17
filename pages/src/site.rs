//! The whole site of a program: the public index, the stylesheet and script, the banner
//! images, each active partner's private pages at an unguessable path, and the admin's list
//! of private addresses (outside the published folder).

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use refcenter_model::page_stats::{PAGE_STATS_FILE, StatsFile};
use refcenter_model::{Files, MediaType, Partner, Program, Secret};
use serde::Serialize;
use tera::{Context, Tera};

use crate::commission_view::CommissionView;
use crate::content::{self, Content, Kind, Resource};
use crate::downline_view::{self, DownlineView};
use crate::ledger_view::LedgerView;
use crate::link_function::LinkFunction;
use crate::markdown;
use crate::partner_view::{GeneratorData, PartnerLinks, PartnerView};
use crate::problem::{Problem, Problems, tera_message};
use crate::stats_view::{Given, StatsView};
use crate::templates::{self, escape_html};

/// The folder, below the published root, holding every partner's private folder.
pub const PRIVATE_ROOT: &str = "p";
/// The admin's list of private addresses, relative to the output folder.
pub const ACCESS_FILE: &str = "private/partner-access.csv";

const STYLE: &str = include_str!("../assets/style.css");
const SCRIPT: &str = include_str!("../assets/generator.js");

/// What a render produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Site {
    /// How many files were handed to the writer.
    pub files: usize,
    /// How many partners got pages.
    pub partners: usize,
}

/// Where rendered files go: a path (`/`-separated, relative to the output folder) and its bytes.
pub type Writer<'a, E> = dyn FnMut(&str, &[u8]) -> Result<(), E> + 'a;

/// Why a render stopped.
#[derive(Debug)]
pub enum RenderError<E> {
    /// The content or templates have problems; nothing should be kept.
    Problems(Problems),
    /// The writer failed.
    Write(E),
}

impl<E> From<Problems> for RenderError<E> {
    fn from(p: Problems) -> Self {
        RenderError::Problems(p)
    }
}

/// The private folder name of `partner`: `p/<token>`.
pub fn private_dir(secret: &Secret, partner: &str) -> String {
    format!("{PRIVATE_ROOT}/{}", secret.partner_token(partner))
}

/// The folder name of the page listing the tracking links of `partner`'s referral partners:
/// `p/<token>`, beside the private folders.
pub fn downline_dir(secret: &Secret, partner: &str) -> String {
    format!("{PRIVATE_ROOT}/{}", secret.downline_token(partner))
}

/// The address of `partner`'s private pages on the program's host.
pub fn private_url(program: &Program, secret: &Secret, partner: &str) -> String {
    format!("{}/{}/", program.settings.base_url.as_str().trim_end_matches('/'), private_dir(secret, partner))
}

#[derive(Serialize)]
struct ProgramView<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Page<'a> {
    program: ProgramView<'a>,
    /// The relative path from the page to the published root, ending in `/` (or empty).
    root: String,
    /// Whether the page is private (noindex).
    private: bool,
}

/// Where the parts of a Partner Center are, relative to the page being rendered: folders of
/// their own, or with `single_page` sections of the one page.
#[derive(Serialize)]
struct Hrefs {
    main: String,
    stats: String,
    commission: String,
    ledger: String,
    banners: String,
}

impl Hrefs {
    /// From a page `up` (`""`, `"../"`, ...) below the partner's folder.
    fn folders(up: &str) -> Self {
        Hrefs {
            main: if up.is_empty() { "./".to_owned() } else { up.to_owned() },
            stats: format!("{up}stats/"),
            commission: format!("{up}commission/"),
            ledger: format!("{up}ledger/"),
            banners: format!("{up}banners/"),
        }
    }

    /// On the one page of `single_page`.
    fn anchors() -> Self {
        let at = |id: &str| format!("#{id}");
        Hrefs {
            main: at("main"),
            stats: at("stats"),
            commission: at("commission"),
            ledger: at("ledger"),
            banners: at("banners"),
        }
    }
}

/// A part of the Partner Center as a section of the main page (`single_page`).
#[derive(Serialize)]
struct Section {
    id: String,
    title: String,
    html: String,
}

impl Section {
    fn new(id: &str, title: &str) -> Self {
        Section { id: id.to_owned(), title: title.to_owned(), html: String::new() }
    }
}

/// A resource as rendered for one partner.
#[derive(Clone, Debug, Serialize)]
struct RenderedResource {
    kind: &'static str,
    slug: String,
    /// Its id on a page: the kind and the slug.
    anchor: String,
    title: String,
    /// Link from the partner's main page.
    href: String,
    html: String,
    /// The Markdown with the partner's links filled in, for copying into an email.
    text: String,
    banner: Option<RenderedBanner>,
}

#[derive(Clone, Debug, Serialize)]
struct RenderedBanner {
    image: String,
    width: u32,
    height: u32,
    alt: String,
    url: String,
    embed: String,
}

/// Renders the site of `program`, reading content and templates from `files`, with each
/// partner's click figures from `stats` (`None`: no figures yet), and hands each file to
/// `write` (a path `/`-separated and relative to the output folder, and its bytes) as
/// soon as it is made, in a fixed order, so that memory does not grow with the program.
pub fn render<E>(
    program: &Program,
    files: &dyn Files,
    secret: &Secret,
    stats: Option<&StatsFile>,
    write: &mut Writer<'_, E>,
) -> Result<Site, RenderError<E>> {
    let mut site = Site::default();
    let mut emit = |path: &str, bytes: &[u8]| {
        site.files += 1;
        write(path, bytes).map_err(RenderError::Write)
    };
    let (pages, content) = match (templates::load(files), content::load(files)) {
        (Ok(t), Ok(c)) => (t, c),
        (t, c) => {
            let mut problems = t.err().unwrap_or_default();
            problems.extend(c.err().unwrap_or_default());
            return Err(Problems(problems).into());
        }
    };
    let Content { resources, images, tera: content_tera } = content;
    let mut problems: BTreeSet<(String, String, String)> = BTreeSet::new();
    for r in &resources {
        if let Some(b) = &r.banner
            && program.link(&b.link).is_none()
        {
            let known: Vec<&str> = program.links().iter().map(|l| l.code.as_str()).collect();
            problems.insert((
                r.file.clone(),
                format!("no link has the code `{}`", b.link),
                format!("links: {}", known.join(", ")),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(into_problems(problems).into());
    }

    let index = render_page(
        &pages,
        "index.html",
        &Page { program: ProgramView { name: &program.settings.name }, root: String::new(), private: false },
        Vec::new(),
    );
    emit("public/index.html", index.map_err(|p| Problems(vec![p]))?.as_bytes())?;
    emit("public/assets/style.css", STYLE.as_bytes())?;
    emit("public/assets/generator.js", SCRIPT.as_bytes())?;
    for (name, bytes) in &images {
        emit(&format!("public/assets/banners/{name}"), bytes)?;
    }
    let shared = Shared {
        program,
        secret,
        pages: &pages,
        resources: &resources,
        stats,
        all_links: Arc::new(program.links().iter().map(|l| l.code.to_string()).collect()),
        downline_pages: downline_view::partners_with_downline_page(program),
    };
    // In program order: each active partner's pages, then its downline page when it has one.
    let jobs: Vec<Job<'_>> = program
        .partners()
        .iter()
        .flat_map(|p| {
            let own = p.active.then_some(Job::Partner(p));
            let downline = shared.downline_pages.contains(p.code.as_str()).then_some(Job::Downline(p));
            own.into_iter().chain(downline)
        })
        .collect();
    // Jobs run in parallel, a batch at a time, and are written in program order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let mut teras: Vec<Tera> = (0..threads).map(|_| content_tera.clone()).collect();
    let mut access = String::from("code,name,email,private_url\n");
    let mut partners = 0;
    // Hands a batch's files to the writer, in order; problems are gathered, not written.
    let mut write_batch = |results: Vec<Result<Rendered, Problems>>,
                           problems: &mut BTreeSet<(String, String, String)>|
     -> Result<(), RenderError<E>> {
        for result in results {
            match result {
                Ok(rendered) => {
                    for (path, bytes) in &rendered.files {
                        emit(path, bytes)?;
                    }
                    if let Some(line) = rendered.access {
                        access.push_str(&line);
                        partners += 1;
                    }
                }
                Err(p) => problems.extend(p.0.into_iter().map(|p| (p.file, p.message, p.hint))),
            }
        }
        Ok(())
    };
    // Each batch renders on the worker threads while this thread writes the batch before it.
    let mut pending: Vec<Result<Rendered, Problems>> = Vec::new();
    for batch in jobs.chunks(threads * 8) {
        let per_thread = batch.len().div_ceil(threads);
        let previous = std::mem::take(&mut pending);
        let (results, written) = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .chunks(per_thread)
                .zip(teras.iter_mut())
                .map(|(chunk, tera)| {
                    let shared = &shared;
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|job| match job {
                                Job::Partner(p) => render_partner(shared, tera, p),
                                Job::Downline(p) => render_downline(shared, p),
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let written = write_batch(previous, &mut problems);
            let results: Vec<Result<Rendered, Problems>> = handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect();
            (results, written)
        });
        written?;
        if !problems.is_empty() {
            return Err(into_problems(problems).into());
        }
        pending = results;
    }
    write_batch(pending, &mut problems)?;
    if !problems.is_empty() {
        return Err(into_problems(problems).into());
    }
    emit(ACCESS_FILE, access.as_bytes())?;
    site.partners = partners;
    Ok(site)
}

/// What every partner's render reads.
struct Shared<'a> {
    program: &'a Program,
    secret: &'a Secret,
    pages: &'a Tera,
    resources: &'a [Resource],
    stats: Option<&'a StatsFile>,
    all_links: Arc<BTreeSet<String>>,
    downline_pages: HashSet<&'a str>,
}

impl Shared<'_> {
    /// The address of `partner`'s downline page relative to a page one folder below `p/`.
    fn downline_href(&self, partner: &str) -> Option<String> {
        self.downline_pages.contains(partner).then(|| format!("../{}/", self.secret.downline_token(partner)))
    }
}

/// What the render makes, one at a time.
enum Job<'a> {
    /// An active partner's private pages.
    Partner(&'a Partner),
    /// The page of a partner's referral partners' tracking links.
    Downline(&'a Partner),
}

/// One job's files, and for a partner's pages its line of the access list.
struct Rendered {
    files: Vec<(String, Vec<u8>)>,
    access: Option<String>,
}

/// Renders the pages of `partner`; `content` is this thread's copy of the content templates.
fn render_partner(shared: &Shared<'_>, content: &mut Tera, partner: &Partner) -> Result<Rendered, Problems> {
    let program = shared.program;
    let dir = format!("public/{}", private_dir(shared.secret, partner.code.as_str()));
    let view = PartnerView::of(program, partner);
    let own = Arc::new(view.own.clone());
    let denied = Arc::new(AtomicBool::new(false));
    content.register_function(
        "link",
        LinkFunction { partner: own.clone(), all_links: shared.all_links.clone(), denied: denied.clone() },
    );
    let mut rendered = Vec::new();
    let mut problems = Vec::new();
    for resource in shared.resources {
        match render_resource(content, program, partner, resource, &own, &denied) {
            Ok(Some(r)) => rendered.push(r),
            Ok(None) => {}
            Err((message, hint)) => problems.push(Problem::new(resource.file.clone(), None, message, hint)),
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    let page = |root: &str| Page {
        program: ProgramView { name: &program.settings.name },
        root: root.to_owned(),
        private: true,
    };
    let one = |p: Problem| Problems(vec![p]);
    let single = program.settings.single_page;
    // Resource pages show the partner's name only; they do not need the whole view.
    let small_view = ("view", serde_json::json!({ "partner": &view.partner }));
    let mut files = Vec::new();
    let mut sections = Vec::new();
    // Each part of the Partner Center: its body, then a page of its own `depth` folders below
    // the partner's folder, or with `single_page` a section of the main page.
    let mut add = |part: Section, folder: &str, depth: usize, template: &str, key: &str, value: tera::Value| {
        let (root, href) = if single {
            ("../../".to_owned(), Hrefs::anchors())
        } else {
            ("../".repeat(depth + 2), Hrefs::folders(&"../".repeat(depth)))
        };
        let mut with = vec![small_view.clone(), (key, value), ("href", to_value(&href))];
        let body =
            render_page(shared.pages, &format!("{template}_body.html"), &page(&root), with.clone()).map_err(one)?;
        let body = body.trim().to_owned();
        if single {
            sections.push(Section { html: body, ..part });
        } else {
            with.push(("body", tera::Value::String(body)));
            let html = render_page(shared.pages, &format!("{template}.html"), &page(&root), with).map_err(one)?;
            files.push((format!("{dir}/{folder}/index.html"), html.into_bytes()));
        }
        Ok::<(), Problems>(())
    };
    for r in rendered.iter().filter(|r| r.banner.is_none()) {
        let folder = format!("{}/{}", kind_folder(r.kind), r.slug);
        add(Section::new(&r.anchor, &r.title), &folder, 2, "resource", "resource", to_value(r))?;
    }
    let banners: Vec<&RenderedResource> = rendered.iter().filter(|r| r.banner.is_some()).collect();
    if !banners.is_empty() {
        add(Section::new("banners", "Banners"), "banners", 1, "banners", "banners", to_value(&banners))?;
    }
    // The partner's own figures, read from the file's entry for this page only.
    let mine = match shared.stats {
        Some(s) => s.partner(partner.code.as_str()).map_err(|e| {
            Problems(vec![Problem::new(
                PAGE_STATS_FILE.to_owned(),
                None,
                e.to_string(),
                "report this as a bug".to_owned(),
            )])
        })?,
        None => None,
    };
    let given = shared.stats.map(|s| Given { as_of: &s.as_of, mine: mine.as_ref() });
    let stats = StatsView::of(program, partner, given);
    add(Section::new("stats", "Link Tracking Stats"), "stats", 1, "stats", "stats", to_value(&stats))?;
    if let Some(commission) = CommissionView::of(program, partner) {
        let section = Section::new("commission", "My Commission Structure");
        add(section, "commission", 1, "commission", "commission", to_value(&commission))?;
    }
    if let Some(ledger) = LedgerView::of(program, given) {
        add(Section::new("ledger", "My Ledger"), "ledger", 1, "ledger", "ledger", to_value(&ledger))?;
    }
    let href = if single { Hrefs::anchors() } else { Hrefs::folders("") };
    let main = render_page(
        shared.pages,
        "partner.html",
        &page("../../"),
        vec![
            ("view", to_value(&view)),
            ("rows", to_value(&view.own.rows())),
            ("link_data", tera::Value::String(link_data(&view.generator))),
            ("downline_href", to_value(&shared.downline_href(partner.code.as_str()))),
            ("resources", to_value(&rendered)),
            ("commissions", tera::Value::Bool(program.settings.commissions.is_some())),
            ("href", to_value(&href)),
            ("sections", to_value(&sections)),
            ("propose_url", to_value(&program.settings.propose_url)),
            ("media_types", to_value(&MediaType::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>())),
        ],
    )
    .map_err(one)?;
    files.insert(0, (format!("{dir}/index.html"), main.into_bytes()));
    let access = format!(
        "{},{},{},{}\n",
        csv_field(partner.code.as_str()),
        csv_field(&partner.name),
        csv_field(partner.email.as_deref().unwrap_or("")),
        csv_field(&private_url(program, shared.secret, partner.code.as_str())),
    );
    Ok(Rendered { files, access: Some(access) })
}

/// Renders the page listing the tracking links of `partner`'s referral partners.
fn render_downline(shared: &Shared<'_>, partner: &Partner) -> Result<Rendered, Problems> {
    let view = DownlineView::of(shared.program, partner, |code| shared.downline_href(code));
    let page =
        Page { program: ProgramView { name: &shared.program.settings.name }, root: "../../".into(), private: true };
    let html = render_page(shared.pages, "downline.html", &page, vec![("view", to_value(&view))])
        .map_err(|p| Problems(vec![p]))?;
    let path = format!("public/{}/index.html", downline_dir(shared.secret, partner.code.as_str()));
    Ok(Rendered { files: vec![(path, html.into_bytes())], access: None })
}

fn into_problems(problems: BTreeSet<(String, String, String)>) -> Problems {
    Problems(problems.into_iter().map(|(file, message, hint)| Problem::new(file, None, message, hint)).collect())
}

fn to_value<T: Serialize>(value: &T) -> tera::Value {
    serde_json::to_value(value).unwrap_or(tera::Value::Null)
}

fn kind_folder(kind: &str) -> &'static str {
    match kind {
        "email" => Kind::Email.folder(),
        "banner" => Kind::Banner.folder(),
        _ => Kind::Page.folder(),
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Email => "email",
        Kind::Page => "page",
        Kind::Banner => "banner",
    }
}

/// Renders the page `name` with `page` and `extra` as its context; the values are moved into
/// the context, not copied (a partner's main page holds hundreds of rows).
fn render_page(tera: &Tera, name: &str, page: &Page<'_>, extra: Vec<(&str, tera::Value)>) -> Result<String, Problem> {
    let mut values = match to_value(page) {
        tera::Value::Object(map) => map,
        _ => tera::Map::new(),
    };
    for (key, value) in extra {
        values.insert(key.to_owned(), value);
    }
    let context = Context::from_value(tera::Value::Object(values)).unwrap_or_default();
    tera.render(name, &context).map_err(|e| {
        Problem::new(
            format!("{}/{name}", templates::TEMPLATES_DIR),
            None,
            format!("cannot render: {}", tera_message(&e)),
            "compare the template with the built-in one of the same name",
        )
    })
}

/// Renders `resource` for `partner`; `None` when it uses a link the partner may not use.
fn render_resource(
    tera: &Tera,
    program: &Program,
    partner: &Partner,
    resource: &Resource,
    own: &PartnerLinks,
    denied: &AtomicBool,
) -> Result<Option<RenderedResource>, (String, String)> {
    denied.store(false, Ordering::Relaxed);
    let mut context = Context::new();
    context.insert("partner", &serde_json::json!({ "code": partner.code.as_str(), "name": partner.name }));
    context.insert("program", &serde_json::json!({ "name": program.settings.name }));
    let hint = "content templates may use {{ partner.name }}, {{ partner.code }}, {{ program.name }} and {{ link(code=\"...\") }}";
    let render = |name: String| tera.render(&name, &context).map_err(|e| (tera_message(&e), hint.to_owned()));
    let title = render(resource.title_template())?.trim().to_owned();
    let text = render(resource.body_template())?;
    if denied.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let banner = match &resource.banner {
        None => None,
        Some(b) => {
            let Some(url) = own.url(&b.link, None) else { return Ok(None) };
            let src =
                format!("{}/assets/banners/{}", program.settings.base_url.as_str().trim_end_matches('/'), b.image);
            let embed = format!(
                "<a href=\"{}\"><img src=\"{}\" width=\"{}\" height=\"{}\" alt=\"{}\"></a>",
                escape_html(url),
                escape_html(&src),
                b.width,
                b.height,
                escape_html(&b.alt)
            );
            Some(RenderedBanner {
                image: b.image.clone(),
                width: b.width,
                height: b.height,
                alt: b.alt.clone(),
                url: url.to_owned(),
                embed,
            })
        }
    };
    let folder = resource.kind.folder();
    let kind = kind_name(resource.kind);
    let anchor = format!("{kind}-{}", resource.slug);
    let href = match (program.settings.single_page, banner.is_some()) {
        (true, _) => format!("#{anchor}"),
        (false, true) => format!("{folder}/#{anchor}"),
        (false, false) => format!("{folder}/{}/", resource.slug),
    };
    Ok(Some(RenderedResource {
        kind,
        slug: resource.slug.clone(),
        anchor,
        title,
        href,
        html: markdown::to_html(&text),
        text: text.trim().to_owned(),
        banner,
    }))
}

/// The link generator's data as JSON that is safe inside a `<script>` element: `<`, `>` and
/// `&` are written as `\u003c`, `\u003e` and `\u0026`, so no value can close the element.
pub fn link_data(generator: &GeneratorData) -> String {
    let json = serde_json::to_string(generator).unwrap_or_else(|_| "{}".to_owned());
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// A CSV field: quoted when needed, and defused when a spreadsheet would read it as a formula.
fn csv_field(s: &str) -> String {
    let s = refcenter_common::spreadsheet_safe(s);
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partner_view::GenWho;

    #[test]
    fn link_data_cannot_close_its_script_element() {
        let who = GenWho { code: "a".into(), name: "</script><b>&".into(), ads: vec![], links: None };
        let json = link_data(&GeneratorData { base: "https://h/go/".into(), links: vec![], who: vec![who] });
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["who"][0]["name"], "</script><b>&");
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
