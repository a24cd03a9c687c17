//! Markdown to HTML for resources. Raw HTML in the Markdown is shown as text, never passed
//! through: values filled in by templates (a partner's name, say) can hold `<script>`, and
//! must stay text on the page.

use pulldown_cmark::{Event, Options, Parser, html};

/// The HTML of `markdown`.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        assert_eq!(to_html("# Hi\n\n*you*"), "<h1>Hi</h1>\n<p><em>you</em></p>\n");
    }

    #[test]
    fn raw_html_stays_text() {
        let html = to_html("Hello <script>alert(1)</script>\n\n<div onclick=\"x\">a</div>\n");
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn autolinks_keep_their_query() {
        let html = to_html("<https://example.com/?a=1&b=2>");
        assert!(html.contains("href=\"https://example.com/?a=1&amp;b=2\""), "{html}");
    }
}
