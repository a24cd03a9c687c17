//! Markdown files with TOML front matter between `+++` lines, as Hugo and Zola write them.

use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// A content file split into its metadata and its body.
#[derive(Debug)]
pub struct Document<M> {
    /// The front matter.
    pub meta: M,
    /// The text after the closing `+++`.
    pub body: String,
    /// The 1-based line where the body starts.
    pub body_line: usize,
}

/// Splits `text` (the file `file`) and parses its front matter as `M`.
pub fn parse<M: DeserializeOwned>(file: &str, text: &str) -> Result<Document<M>, Problem> {
    let missing = || {
        Problem::new(
            file,
            Some(1),
            "no front matter",
            "start the file with a line `+++`, the TOML keys (title, subject, ...), and another `+++` line",
        )
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("+++") {
        return Err(missing());
    }
    let mut meta = String::new();
    let mut line_no = 1;
    let mut closed = false;
    for line in lines.by_ref() {
        line_no += 1;
        if line.trim_end() == "+++" {
            closed = true;
            break;
        }
        meta.push_str(line);
    }
    if !closed {
        return Err(Problem::new(file, Some(1), "the front matter is never closed", "end it with a line `+++`"));
    }
    let body: String = lines.collect();
    let meta: M = toml::from_str(&meta).map_err(|e| {
        // The front matter starts on the file's second line.
        let line = e.span().map(|span| 2 + meta[..span.start.min(meta.len())].matches('\n').count());
        Problem::new(
            file,
            line,
            format!("bad front matter: {}", e.message()),
            "see \"Resources: content/\" in the README",
        )
    })?;
    Ok(Document { meta, body, body_line: line_no + 1 })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Meta {
        title: String,
    }

    #[test]
    fn splits_meta_and_body() {
        let doc: Document<Meta> = parse("a.md", "+++\ntitle = \"T\"\n+++\n\nBody\n").unwrap();
        assert_eq!(doc.meta.title, "T");
        assert_eq!(doc.body, "\nBody\n");
        assert_eq!(doc.body_line, 4);
    }

    #[test]
    fn reports_the_line_of_a_bad_key() {
        let err = parse::<Meta>("a.md", "+++\ntitle = \"T\"\ncolour = 1\n+++\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("unknown field"), "{}", err.message);
    }

    #[test]
    fn refuses_missing_or_open_front_matter() {
        assert_eq!(parse::<Meta>("a.md", "# Title\n").unwrap_err().message, "no front matter");
        assert_eq!(
            parse::<Meta>("a.md", "+++\ntitle = \"T\"\n").unwrap_err().message,
            "the front matter is never closed"
        );
    }
}
