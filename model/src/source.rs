//! The text of every file a program was loaded from, so that any problem can be shown with
//! its file, line, column and source line.

use std::ops::Range;

/// Which loaded file a [`Location`] is in: an index into a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(usize);

impl SourceId {
    /// The root program file, always the first one read.
    pub const ROOT: SourceId = SourceId(0);
}

/// A place in a loaded file: a byte range of its text. Places order by file, then position.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file.
    pub file: SourceId,
    /// The bytes, as offsets into the file's text.
    pub span: Range<usize>,
}

impl Ord for Location {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.file, self.span.start, self.span.end).cmp(&(other.file, other.span.start, other.span.end))
    }
}

impl PartialOrd for Location {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// One loaded file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name shown in messages: the path as the user gave it or as the include glob found it.
    pub name: String,
    /// The whole text (empty when the file could not be read).
    pub text: String,
}

/// Every file of a program, in load order (root first, then includes in sorted order).
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: String, text: String) -> SourceId {
        self.files.push(SourceFile { name, text });
        SourceId(self.files.len() - 1)
    }

    /// The file behind `id`.
    pub fn get(&self, id: SourceId) -> &SourceFile {
        &self.files[id.0]
    }

    /// All files in load order.
    pub fn files(&self) -> impl Iterator<Item = (SourceId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (SourceId(i), f))
    }

    /// The 1-based line and column (in characters) where `loc` starts.
    pub fn line_col(&self, loc: &Location) -> (usize, usize) {
        let text = &self.get(loc.file).text;
        let start = floor_char_boundary(text, loc.span.start);
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = text[line_start..start].chars().count() + 1;
        (line, col)
    }

    /// The source text at `loc` (empty when the span is out of range).
    pub fn text_at(&self, loc: &Location) -> &str {
        self.get(loc.file).text.get(loc.span.clone()).unwrap_or("")
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let mut map = SourceMap::default();
        let id = map.add("a.toml".into(), "a = 1\nnamé = \"x\"\n".into());
        let at = |start| Location { file: id, span: start..start + 1 };
        assert_eq!(map.line_col(&at(0)), (1, 1));
        assert_eq!(map.line_col(&at(6)), (2, 1));
        // `=` after the two-byte `é` is the 6th character of line 2, at byte 12.
        assert_eq!(map.line_col(&at(12)), (2, 6));
        assert_eq!(map.line_col(&at(999)), (3, 1));
    }
}
