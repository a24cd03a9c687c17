//! The program's resources from `content/`: email templates (`content/emails/*.md`), resource
//! pages (`content/pages/*.md`) and banners (`content/banners/*.md` with their images). Each
//! is a tera template rendered once per partner, so that `{{ link(code="...") }}` becomes the
//! reading partner's own tracking link.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use refcenter_model::{Code, Files};
use serde::Deserialize;
use tera::Tera;

use crate::front_matter;
use crate::problem::{Problem, tera_message};

/// The folder resources are read from, relative to the program file.
pub const CONTENT_DIR: &str = "content";

/// What a resource is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// An email template a partner sends to its contacts.
    Email,
    /// A page of information for partners.
    Page,
    /// A banner image with its embed code.
    Banner,
}

impl Kind {
    /// The folder below `content/`, and below each partner's private folder.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Email => "emails",
            Kind::Page => "pages",
            Kind::Banner => "banners",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailMeta {
    subject: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageMeta {
    title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BannerMeta {
    title: String,
    image: String,
    width: u32,
    height: u32,
    link: String,
    alt: String,
}

/// A banner's picture and the link it points to.
#[derive(Clone, Debug)]
pub struct Banner {
    /// The image's file name in `content/banners/`, published as `assets/banners/<image>`.
    pub image: String,
    /// Width in CSS pixels.
    pub width: u32,
    /// Height in CSS pixels.
    pub height: u32,
    /// The code of the link the banner points to.
    pub link: String,
    /// The image's text alternative.
    pub alt: String,
}

/// One resource.
#[derive(Clone, Debug)]
pub struct Resource {
    /// Its kind.
    pub kind: Kind,
    /// Its file name without `.md`: its folder name in each partner's pages.
    pub slug: String,
    /// The file, as shown in messages.
    pub file: String,
    /// The title (an email's subject).
    pub title: String,
    /// The banner, for banners.
    pub banner: Option<Banner>,
}

impl Resource {
    /// The tera template name of the body.
    pub fn body_template(&self) -> String {
        format!("{}/{}", self.kind.folder(), self.slug)
    }

    /// The tera template name of the title (emails' subjects may use `link()` too).
    pub fn title_template(&self) -> String {
        format!("{}/{}#title", self.kind.folder(), self.slug)
    }
}

/// Every resource of a program, with the templates that render them.
#[derive(Debug)]
pub struct Content {
    /// The resources, emails first, then pages, then banners, each by file name.
    pub resources: Vec<Resource>,
    /// The banner images by file name.
    pub images: BTreeMap<String, Vec<u8>>,
    /// The body and title templates (no auto-escaping: the bodies are Markdown).
    pub tera: Tera,
}

/// Reads `content/` from `files`, collecting every problem.
pub fn load(files: &dyn Files) -> Result<Content, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut resources = Vec::new();
    let mut images = BTreeMap::new();
    let mut templates: Vec<(String, String)> = Vec::new();
    let listed = match files.list(Path::new(CONTENT_DIR)) {
        Ok(listed) => listed,
        Err(e) => {
            let file = files.display(Path::new(CONTENT_DIR));
            return Err(vec![Problem::new(
                file,
                None,
                format!("cannot list the folder: {e}"),
                "check its permissions",
            )]);
        }
    };
    let mut markdown: Vec<(Kind, PathBuf)> = Vec::new();
    for path in listed {
        let rel = path.strip_prefix(CONTENT_DIR).unwrap_or(&path);
        let parts: Vec<&str> = rel.iter().filter_map(|p| p.to_str()).collect();
        let is_md = path.extension().is_some_and(|e| e == "md");
        let kind = match parts.first().copied() {
            Some("emails") => Some(Kind::Email),
            Some("pages") => Some(Kind::Page),
            Some("banners") => Some(Kind::Banner),
            _ => None,
        };
        match (kind, is_md, parts.len()) {
            (Some(kind), true, 2) => markdown.push((kind, path.clone())),
            (Some(Kind::Banner), false, 2) => match files.read(&path) {
                Ok(bytes) => {
                    images.insert(parts[1].to_owned(), bytes);
                }
                Err(e) => problems.push(Problem::new(
                    files.display(&path),
                    None,
                    format!("cannot read: {e}"),
                    "check the file",
                )),
            },
            (_, true, _) => problems.push(Problem::new(
                files.display(&path),
                None,
                "a Markdown file outside content/emails/, content/pages/ and content/banners/",
                "move it into one of those folders (directly, not in a subfolder)",
            )),
            _ => {}
        }
    }
    for (kind, path) in markdown {
        let file = files.display(&path);
        match read_resource(files, kind, &path, &file, &images) {
            Ok((resource, body, title)) => {
                templates.push((resource.body_template(), body));
                templates.push((resource.title_template(), title));
                resources.push(resource);
            }
            Err(problem) => problems.push(problem),
        }
    }
    resources.sort_by(|a, b| (a.kind, &a.slug).cmp(&(b.kind, &b.slug)));
    let mut tera = Tera::default();
    tera.autoescape_on(Vec::new());
    for (name, text) in &templates {
        if let Err(e) = tera.add_raw_template(name, text) {
            let file = resources
                .iter()
                .find(|r| name.starts_with(&r.body_template()))
                .map_or_else(|| name.clone(), |r| r.file.clone());
            problems.push(Problem::new(
                file,
                None,
                format!("bad template syntax: {}", tera_message(&e)),
                "write tera expressions as {{ link(code=\"xyz\") }}; to show braces literally use {% raw %}...{% endraw %}",
            ));
        }
    }
    if problems.is_empty() { Ok(Content { resources, images, tera }) } else { Err(problems) }
}

fn read_resource(
    files: &dyn Files,
    kind: Kind,
    path: &Path,
    file: &str,
    images: &BTreeMap<String, Vec<u8>>,
) -> Result<(Resource, String, String), Problem> {
    let bytes =
        files.read(path).map_err(|e| Problem::new(file, None, format!("cannot read: {e}"), "check the file"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| Problem::new(file, None, "not UTF-8 text", "save the file as UTF-8"))?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let slug = Code::parse(stem).map_err(|problem| {
        let hint = match refcenter_model::code::suggest(stem) {
            Some(s) => format!("rename the file to `{s}.md`"),
            None => "name the file with lowercase letters, digits, `-` and `_`".to_owned(),
        };
        Problem::new(file, None, format!("the file name is not usable in a URL: {problem}"), hint)
    })?;
    let slug = slug.as_str().to_owned();
    let (resource, body, title) = match kind {
        Kind::Email => {
            let doc = front_matter::parse::<EmailMeta>(file, &text)?;
            let resource =
                Resource { kind, slug, file: file.to_owned(), title: doc.meta.subject.clone(), banner: None };
            (resource, doc.body, doc.meta.subject)
        }
        Kind::Page => {
            let doc = front_matter::parse::<PageMeta>(file, &text)?;
            let resource = Resource { kind, slug, file: file.to_owned(), title: doc.meta.title.clone(), banner: None };
            (resource, doc.body, doc.meta.title)
        }
        Kind::Banner => {
            let doc = front_matter::parse::<BannerMeta>(file, &text)?;
            let m = doc.meta;
            if !images.contains_key(&m.image) {
                return Err(Problem::new(
                    file,
                    None,
                    format!("the image `{}` is not in content/banners/", m.image),
                    "put the image beside the banner's Markdown file and give its file name",
                ));
            }
            let banner = Banner { image: m.image, width: m.width, height: m.height, link: m.link.clone(), alt: m.alt };
            let resource = Resource { kind, slug, file: file.to_owned(), title: m.title.clone(), banner: Some(banner) };
            (resource, doc.body, m.title)
        }
    };
    Ok((resource, body, title))
}
