//! The page templates: built into the binary, each replaceable by a file of the same name in
//! the program's `templates/` folder.

use std::path::Path;

use refcenter_model::Files;
use tera::Tera;

use crate::problem::{Problem, tera_message};

pub use refcenter_common::escape_html;

/// The folder of a program's own templates, relative to the program file.
pub const TEMPLATES_DIR: &str = "templates";

/// The built-in templates, by name.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("partner.html", include_str!("../templates/partner.html")),
    ("resource.html", include_str!("../templates/resource.html")),
    ("resource_body.html", include_str!("../templates/resource_body.html")),
    ("banners.html", include_str!("../templates/banners.html")),
    ("banners_body.html", include_str!("../templates/banners_body.html")),
    ("stats.html", include_str!("../templates/stats.html")),
    ("stats_body.html", include_str!("../templates/stats_body.html")),
    ("commission.html", include_str!("../templates/commission.html")),
    ("commission_body.html", include_str!("../templates/commission_body.html")),
    ("ledger.html", include_str!("../templates/ledger.html")),
    ("ledger_body.html", include_str!("../templates/ledger_body.html")),
    ("downline.html", include_str!("../templates/downline.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("links_table.html", include_str!("../templates/links_table.html")),
];

/// The page templates, with the program's overrides applied. `.html` templates escape every
/// value they print unless it is marked `| safe`.
pub fn load(files: &dyn Files) -> Result<Tera, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut chosen: Vec<(String, String)> = BUILT_IN.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect();
    let listed = files.list(Path::new(TEMPLATES_DIR)).unwrap_or_default();
    for path in listed {
        let file = files.display(&path);
        let name = path.strip_prefix(TEMPLATES_DIR).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let Some(slot) = chosen.iter_mut().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
            problems.push(Problem::new(
                file,
                None,
                format!("`{name}` replaces no built-in template"),
                format!("a program's templates/ folder may hold {}", names.join(", ")),
            ));
            continue;
        };
        match files.read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => slot.1 = text,
            Ok(Err(_)) => problems.push(Problem::new(file, None, "not UTF-8 text", "save the file as UTF-8")),
            Err(e) => problems.push(Problem::new(file, None, format!("cannot read: {e}"), "check the file")),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut tera = Tera::default();
    tera.set_escape_fn(escape_html);
    tera.add_raw_templates(chosen.iter().map(|(n, t)| (n.as_str(), t.as_str()))).map_err(|e| {
        vec![Problem::new(
            TEMPLATES_DIR,
            None,
            format!("a template does not compile: {}", tera_message(&e)),
            "compare it with the built-in template of the same name (pages/templates/ in the refgen source)",
        )]
    })?;
    Ok(tera)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use refcenter_model::files::MemoryFiles;

    use super::*;

    #[test]
    fn built_in_templates_compile() {
        let tera = load(&MemoryFiles::default()).unwrap();
        assert_eq!(tera.get_template_names().count(), BUILT_IN.len());
    }

    #[test]
    fn a_programs_template_may_still_call_the_links_table_macro() {
        let call = b"{% import \"macros.html\" as m %}{{ m::links_table(rows=rows) }}".to_vec();
        let files = MemoryFiles::new([(PathBuf::from("templates/index.html"), call)], None);
        let tera = load(&files).unwrap();
        let mut context = tera::Context::new();
        let rows = serde_json::json!([{ "link": "Home <1>", "ad": null, "url": "https://go.example/go/h/p" }]);
        context.insert("rows", &rows);
        let by_macro = tera.render("index.html", &context).unwrap();
        assert_eq!(by_macro, tera.render("links_table.html", &context).unwrap());
        assert!(
            by_macro.contains("<td data-label=\"Where\">Home &lt;1&gt;</td><td data-label=\"Ad\">(none)</td>"),
            "{by_macro}"
        );
    }

    #[test]
    fn an_override_replaces_a_template_and_a_stray_file_is_refused() {
        let files = MemoryFiles::new(
            [
                (PathBuf::from("templates/index.html"), b"custom {{ program.name }}".to_vec()),
                (PathBuf::from("templates/indx.html"), b"x".to_vec()),
            ],
            None,
        );
        let problems = load(&files).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("indx.html"), "{:?}", problems[0]);
        let files = MemoryFiles::new([(PathBuf::from("templates/index.html"), b"custom".to_vec())], None);
        let tera = load(&files).unwrap();
        assert_eq!(tera.render("index.html", &tera::Context::new()).unwrap(), "custom");
    }
}
