//! HTML escaping for text and quoted attribute values, used by the partner pages, the redirect
//! pages and the admin report.

/// `input` with `&`, `<`, `>`, `"` and `'` escaped. (Tera's default also escapes `/`, which
/// makes every URL in the page source unreadable.)
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_and_keeps_slashes() {
        assert_eq!(escape_html(r#"<a href="x/y?a=1&b='2'">"#), "&lt;a href=&quot;x/y?a=1&amp;b=&#39;2&#39;&quot;&gt;");
    }
}
