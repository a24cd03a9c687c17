//! The whole site of a program: the public index, the stylesheet and script, the banner
//! images, each active partner's private pages at an unguessable path, and the admin's list
//! of private addresses (outside the published folder).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use refcenter_model::page_stats::PageStats;
use refcenter_model::{Files, Partner, Program, Secret};
use serde::Serialize;
use tera::{Context, Tera};

use crate::commission_view::CommissionView;
use crate::content::{self, Content, Kind, Resource};
use crate::ledger_view::LedgerView;
use crate::link_function::LinkFunction;
use crate::markdown;
use crate::partner_view::{GenPartner, PartnerView};
use crate::problem::{Problem, Problems, tera_message};
use crate::stats_view::StatsView;
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

/// A resource as rendered for one partner.
#[derive(Clone, Debug, Serialize)]
struct RenderedResource {
    kind: &'static str,
    slug: String,
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
    stats: Option<&PageStats>,
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
        &[],
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
    };
    let active: Vec<&Partner> = program.partners().iter().filter(|p| p.active).collect();
    // Partners are rendered in parallel, a batch at a time, and written in program order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let mut teras: Vec<Tera> = (0..threads).map(|_| content_tera.clone()).collect();
    let mut access = String::from("code,name,email,private_url\n");
    let mut partners = 0;
    for batch in active.chunks(threads * 8) {
        let per_thread = batch.len().div_ceil(threads);
        let results: Vec<Result<PartnerPages, Problems>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .chunks(per_thread)
                .zip(teras.iter_mut())
                .map(|(chunk, tera)| {
                    let shared = &shared;
                    scope.spawn(move || chunk.iter().map(|p| render_partner(shared, tera, p)).collect::<Vec<_>>())
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        for result in results {
            match result {
                Ok(pages) => {
                    for (path, bytes) in &pages.files {
                        emit(path, bytes)?;
                    }
                    access.push_str(&pages.access);
                    partners += 1;
                }
                Err(p) => problems.extend(p.0.into_iter().map(|p| (p.file, p.message, p.hint))),
            }
        }
        if !problems.is_empty() {
            return Err(into_problems(problems).into());
        }
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
    stats: Option<&'a PageStats>,
    all_links: Arc<BTreeSet<String>>,
}

/// One partner's files and its line of the access list.
struct PartnerPages {
    files: Vec<(String, Vec<u8>)>,
    access: String,
}

/// Renders the pages of `partner`; `content` is this thread's copy of the content templates.
fn render_partner(shared: &Shared<'_>, content: &mut Tera, partner: &Partner) -> Result<PartnerPages, Problems> {
    let program = shared.program;
    let dir = format!("public/{}", private_dir(shared.secret, partner.code.as_str()));
    let view = PartnerView::of(program, partner);
    let own = Arc::new(view.generator[0].clone());
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
    let mut files = Vec::new();
    let rows = view.rows();
    let main = render_page(
        shared.pages,
        "partner.html",
        &page("../../"),
        &[
            ("view", to_value(&view)),
            ("rows", to_value(&rows)),
            ("link_data", tera::Value::String(link_data(&view.generator))),
            ("resources", to_value(&rendered)),
            ("commissions", tera::Value::Bool(program.settings.commissions.is_some())),
        ],
    )
    .map_err(one)?;
    files.push((format!("{dir}/index.html"), main.into_bytes()));
    // Resource pages show the partner's name only; they do not need the whole view.
    let small_view = ("view", serde_json::json!({ "partner": &view.partner }));
    let mut banners = Vec::new();
    for r in &rendered {
        if r.banner.is_some() {
            banners.push(r.clone());
            continue;
        }
        let with = [small_view.clone(), ("resource", to_value(r))];
        let html = render_page(shared.pages, "resource.html", &page("../../../../"), &with).map_err(one)?;
        files.push((format!("{dir}/{}/{}/index.html", kind_folder(r.kind), r.slug), html.into_bytes()));
    }
    let stats = StatsView::of(program, partner, shared.stats);
    let with = [small_view.clone(), ("stats", to_value(&stats))];
    let html = render_page(shared.pages, "stats.html", &page("../../../"), &with).map_err(one)?;
    files.push((format!("{dir}/stats/index.html"), html.into_bytes()));
    if let Some(commission) = CommissionView::of(program, partner) {
        let with = [small_view.clone(), ("commission", to_value(&commission))];
        let html = render_page(shared.pages, "commission.html", &page("../../../"), &with).map_err(one)?;
        files.push((format!("{dir}/commission/index.html"), html.into_bytes()));
    }
    if let Some(ledger) = LedgerView::of(program, partner, shared.stats) {
        let with = [small_view.clone(), ("ledger", to_value(&ledger))];
        let html = render_page(shared.pages, "ledger.html", &page("../../../"), &with).map_err(one)?;
        files.push((format!("{dir}/ledger/index.html"), html.into_bytes()));
    }
    if !banners.is_empty() {
        let with = [small_view, ("banners", to_value(&banners))];
        let html = render_page(shared.pages, "banners.html", &page("../../../"), &with).map_err(one)?;
        files.push((format!("{dir}/banners/index.html"), html.into_bytes()));
    }
    let access = format!(
        "{},{},{},{}\n",
        csv_field(partner.code.as_str()),
        csv_field(&partner.name),
        csv_field(partner.email.as_deref().unwrap_or("")),
        csv_field(&private_url(program, shared.secret, partner.code.as_str())),
    );
    Ok(PartnerPages { files, access })
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

fn render_page(tera: &Tera, name: &str, page: &Page<'_>, extra: &[(&str, tera::Value)]) -> Result<String, Problem> {
    let mut context = Context::from_serialize(page).unwrap_or_default();
    for (key, value) in extra {
        context.insert(*key, value);
    }
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
    own: &GenPartner,
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
    Ok(Some(RenderedResource {
        kind: kind_name(resource.kind),
        slug: resource.slug.clone(),
        title,
        href: if banner.is_some() { format!("{folder}/") } else { format!("{folder}/{}/", resource.slug) },
        html: markdown::to_html(&text),
        text: text.trim().to_owned(),
        banner,
    }))
}

/// The link generator's data as JSON that is safe inside a `<script>` element: `<`, `>` and
/// `&` are written as `\u003c`, `\u003e` and `\u0026`, so no value can close the element.
pub fn link_data(generator: &[GenPartner]) -> String {
    let json = serde_json::to_string(generator).unwrap_or_else(|_| "[]".to_owned());
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

    #[test]
    fn link_data_cannot_close_its_script_element() {
        let who = GenPartner { code: "a".into(), name: "</script><b>&".into(), ads: vec![], links: vec![] };
        let json = link_data(&[who]);
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back[0]["name"], "</script><b>&");
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
