//! Codes: the URL path segments that name links, partners and ads.
//!
//! A code is 1 to 64 characters of lowercase ASCII letters, digits, `-` and `_`, so it can
//! stand in a URL path, a file name and a log line without any escaping.

use std::fmt;

/// The JSON Schema pattern of a code.
pub const CODE_PATTERN: &str = "^[a-z0-9_-]{1,64}$";

/// The longest code allowed, in characters.
pub const MAX_CODE_LEN: usize = 64;

/// A checked code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(String);

/// Why a string is not a code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeProblem {
    /// The string is empty.
    Empty,
    /// The string is longer than [`MAX_CODE_LEN`].
    TooLong(usize),
    /// The string holds a character outside `a-z 0-9 - _` (the first one is named).
    Forbidden(char),
}

impl fmt::Display for CodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeProblem::Empty => f.write_str("is empty"),
            CodeProblem::TooLong(n) => write!(f, "is {n} characters long (at most {MAX_CODE_LEN})"),
            CodeProblem::Forbidden(c) => write!(f, "contains the forbidden character {c:?}"),
        }
    }
}

impl Code {
    /// Checks `s` and wraps it.
    pub fn parse(s: &str) -> Result<Code, CodeProblem> {
        if s.is_empty() {
            return Err(CodeProblem::Empty);
        }
        if let Some(c) = s.chars().find(|c| !is_code_char(*c)) {
            return Err(CodeProblem::Forbidden(c));
        }
        if s.len() > MAX_CODE_LEN {
            return Err(CodeProblem::TooLong(s.len()));
        }
        Ok(Code(s.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Code {
    fn borrow(&self) -> &str {
        &self.0
    }
}

fn is_code_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
}

/// A valid code close to `s`, to suggest when `s` is refused (`"Email List"` gives
/// `"email-list"`), or `None` when nothing usable is left.
pub fn suggest(s: &str) -> Option<String> {
    let mut slug = slug::slugify(s);
    slug.truncate(MAX_CODE_LEN);
    let slug = slug.trim_end_matches('-').to_owned();
    Code::parse(&slug).ok().map(|c| c.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_allowed_alphabet() {
        for ok in ["xyz", "a", "abc123", "web-site_2", &"x".repeat(64)] {
            assert!(Code::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_with_the_reason() {
        assert_eq!(Code::parse(""), Err(CodeProblem::Empty));
        assert_eq!(Code::parse("Sam"), Err(CodeProblem::Forbidden('S')));
        assert_eq!(Code::parse("a b"), Err(CodeProblem::Forbidden(' ')));
        assert_eq!(Code::parse("a/b"), Err(CodeProblem::Forbidden('/')));
        assert_eq!(Code::parse("é"), Err(CodeProblem::Forbidden('é')));
        assert_eq!(Code::parse(&"x".repeat(65)), Err(CodeProblem::TooLong(65)));
    }

    #[test]
    fn suggests_a_slug() {
        assert_eq!(suggest("Email List").as_deref(), Some("email-list"));
        assert_eq!(suggest("Main Website!").as_deref(), Some("main-website"));
        assert_eq!(suggest("%%%"), None);
        let long = suggest(&"ab ".repeat(40)).unwrap();
        assert!(long.len() <= MAX_CODE_LEN && Code::parse(&long).is_ok());
    }
}
