//! Problems found in a program, each pointing at the file, line and column it comes from,
//! and their rendering as compiler-style messages with the source line and a caret.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::source::{Location, SourceMap};

/// A place a diagnostic points at, with what to say there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub at: Location,
    /// What is wrong (or relevant) there.
    pub text: String,
}

/// One problem in a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The headline: what is wrong.
    pub message: String,
    /// The place that is wrong, when there is one.
    pub primary: Option<Label>,
    /// Other places that explain it (where a duplicate was first defined, the rest of a cycle).
    pub related: Vec<Label>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem at `at`.
    pub fn at(at: Location, message: impl Into<String>, label: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            primary: Some(Label { at, text: label.into() }),
            related: Vec::new(),
            hint: None,
        }
    }

    /// A problem that no place in the sources shows.
    pub fn nowhere(message: impl Into<String>) -> Self {
        Diagnostic { message: message.into(), primary: None, related: Vec::new(), hint: None }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a related place.
    pub fn with_related(mut self, at: Location, text: impl Into<String>) -> Self {
        self.related.push(Label { at, text: text.into() });
        self
    }

    /// The sort key that orders diagnostics by file and position.
    pub(crate) fn sort_key(&self) -> Option<Location> {
        self.primary.as_ref().map(|l| l.at.clone())
    }
}

/// How to render diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// Plain text, for files, pipes and golden tests.
    #[default]
    Plain,
    /// With ANSI colours, for a terminal.
    Color,
}

/// Renders `diagnostics` as text, one block each, blank-line separated.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, style: Style) -> String {
    let renderer = match style {
        Style::Plain => Renderer::plain(),
        Style::Color => Renderer::styled(),
    };
    let mut out = String::new();
    for d in diagnostics {
        let report = report(d, sources);
        let _ = writeln!(out, "{}\n", renderer.render(&report));
    }
    out
}

fn report<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> Vec<Group<'a>> {
    let mut group = Group::with_title(Level::ERROR.primary_title(d.message.as_str()));
    // One snippet per file, primary place first, so related places in the same file share it.
    let mut places: Vec<(&Label, AnnotationKind)> = Vec::new();
    if let Some(p) = &d.primary {
        places.push((p, AnnotationKind::Primary));
    }
    places.extend(d.related.iter().map(|l| (l, AnnotationKind::Context)));
    let mut files = Vec::new();
    for (label, _) in &places {
        if !files.contains(&label.at.file) {
            files.push(label.at.file);
        }
    }
    for file in files {
        let source = sources.get(file);
        let mut snippet = Snippet::source(source.text.as_str()).path(source.name.as_str());
        for (label, kind) in places.iter().filter(|(l, _)| l.at.file == file) {
            let span = clamp(&label.at.span, &source.text);
            snippet = snippet.annotation(kind.span(span).label(label.text.as_str()));
        }
        group = group.element(snippet);
    }
    if let Some(hint) = &d.hint {
        group = group.element(Level::HELP.message(hint.as_str()));
    }
    vec![group]
}

/// Keeps a span inside the text and on character boundaries, so rendering never panics.
fn clamp(span: &std::ops::Range<usize>, text: &str) -> std::ops::Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_caret_and_hint() {
        let mut map = SourceMap::default();
        let id = map.add("partners.toml".into(), "[[partners]]\ncode = \"Sam\"\n".into());
        let d = Diagnostic::at(Location { file: id, span: 20..25 }, "bad code", "here").with_hint("use `sam`");
        let text = render(&[d], &map, Style::Plain);
        assert!(text.contains("error: bad code"), "{text}");
        assert!(text.contains("--> partners.toml:2:8"), "{text}");
        assert!(text.contains("2 | code = \"Sam\""), "{text}");
        assert!(text.contains("^^^^^ here"), "{text}");
        assert!(text.contains("help: use `sam`"), "{text}");
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let mut map = SourceMap::default();
        let id = map.add("x.toml".into(), "é".into());
        let d = Diagnostic::at(Location { file: id, span: 1..99 }, "m", "l");
        render(&[d], &map, Style::Plain);
    }
}
