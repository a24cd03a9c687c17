//! Attribution parameters: the query parameters a redirect appends to a link's destination
//! so that the destination's analytics credit the partner, link and ad of the click.
//!
//! Each parameter's value is a template: literal text with `{partner}`, `{link}` and `{ad}`
//! standing for the codes of the click. A parameter whose template uses `{ad}` is left out
//! of a click without an ad.

use indexmap::IndexMap;

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Partner,
    Link,
    Ad,
}

/// A parsed parameter value template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// Why a template cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{name}` other than the three known ones.
    #[error("unknown placeholder `{{{0}}}`")]
    UnknownPlaceholder(String),
    /// A `{` without its `}`.
    #[error("`{{` is never closed")]
    Unclosed,
}

/// The codes of one click, as templates see them.
#[derive(Clone, Copy, Debug)]
pub struct Click<'a> {
    /// The link code.
    pub link: &'a str,
    /// The partner code.
    pub partner: &'a str,
    /// The ad code, when the click has one.
    pub ad: Option<&'a str>,
}

impl Template {
    /// Parses `{partner}`, `{link}` and `{ad}` out of `s`.
    pub fn parse(s: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let close = rest[open..].find('}').ok_or(TemplateError::Unclosed)? + open;
            parts.push(match &rest[open + 1..close] {
                "partner" => Part::Partner,
                "link" => Part::Link,
                "ad" => Part::Ad,
                other => return Err(TemplateError::UnknownPlaceholder(other.to_owned())),
            });
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// Whether the template uses `{ad}`.
    pub fn uses_ad(&self) -> bool {
        self.parts.contains(&Part::Ad)
    }

    /// The value for `click`, or `None` when it needs an ad the click does not have.
    pub fn render(&self, click: Click<'_>) -> Option<String> {
        if self.uses_ad() && click.ad.is_none() {
            return None;
        }
        let mut out = String::new();
        for part in &self.parts {
            out.push_str(match part {
                Part::Text(t) => t,
                Part::Partner => click.partner,
                Part::Link => click.link,
                Part::Ad => click.ad.unwrap_or_default(),
            });
        }
        Some(out)
    }
}

/// What a recorded attribution value names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    /// The partner code.
    Partner,
    /// The link code.
    Link,
    /// The ad code.
    Ad,
}

impl Template {
    /// Reads a value this template wrote back into the code it stands for: for a template of
    /// one placeholder between literal text (`{partner}`, `p-{partner}`), the placeholder and
    /// the code; `None` for other templates and for values that do not fit.
    pub fn read_back<'v>(&self, value: &'v str) -> Option<(Slot, &'v str)> {
        let mut slot = None;
        let (mut prefix, mut suffix) = ("", "");
        for part in &self.parts {
            match (part, slot) {
                (Part::Text(t), None) => prefix = t,
                (Part::Text(t), Some(_)) => suffix = t,
                (Part::Partner, None) => slot = Some(Slot::Partner),
                (Part::Link, None) => slot = Some(Slot::Link),
                (Part::Ad, None) => slot = Some(Slot::Ad),
                (_, Some(_)) => return None,
            }
        }
        let code = value.strip_prefix(prefix)?.strip_suffix(suffix)?;
        Some((slot?, code)).filter(|(_, c)| !c.is_empty())
    }
}

/// A set of attribution parameters, in the order they are appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribution {
    params: IndexMap<String, Template>,
}

impl Default for Attribution {
    /// The UTM parameters: source = partner, medium = referral, campaign = link, content = ad.
    fn default() -> Self {
        let params = [
            ("utm_source", "{partner}"),
            ("utm_medium", "referral"),
            ("utm_campaign", "{link}"),
            ("utm_content", "{ad}"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Template::parse(v).expect("built-in templates parse")))
        .collect();
        Attribution { params }
    }
}

impl Attribution {
    /// An attribution from parameters given in order.
    pub fn new(params: IndexMap<String, Template>) -> Self {
        Attribution { params }
    }

    /// This attribution with `overrides` applied: a parameter set to `None` is removed, any
    /// other replaces or extends.
    pub fn merged(&self, overrides: impl IntoIterator<Item = (String, Option<Template>)>) -> Attribution {
        let mut params = self.params.clone();
        for (name, value) in overrides {
            match value {
                Some(t) => {
                    params.insert(name, t);
                }
                None => {
                    params.shift_remove(&name);
                }
            }
        }
        Attribution { params }
    }

    /// The parameter names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.params.keys().map(String::as_str)
    }

    /// The template of the parameter `name`.
    pub fn template(&self, name: &str) -> Option<&Template> {
        self.params.get(name)
    }

    /// The `(name, value)` pairs for `click`, in order, leaving out those that need a missing ad.
    pub fn pairs(&self, click: Click<'_>) -> Vec<(&str, String)> {
        self.params.iter().filter_map(|(k, t)| t.render(click).map(|v| (k.as_str(), v))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLICK: Click<'static> = Click { link: "xyz", partner: "sam", ad: Some("email-list") };

    #[test]
    fn templates_fill_in_the_codes() {
        let t = Template::parse("ref-{partner}-{link}/{ad}!").unwrap();
        assert_eq!(t.render(CLICK).unwrap(), "ref-sam-xyz/email-list!");
        assert_eq!(t.render(Click { ad: None, ..CLICK }), None);
        assert_eq!(Template::parse("plain").unwrap().render(Click { ad: None, ..CLICK }).unwrap(), "plain");
    }

    #[test]
    fn template_errors_are_precise() {
        assert_eq!(Template::parse("{partnr}"), Err(TemplateError::UnknownPlaceholder("partnr".into())));
        assert_eq!(Template::parse("x{partner"), Err(TemplateError::Unclosed));
    }

    #[test]
    fn the_default_is_utm_and_drops_content_without_an_ad() {
        let a = Attribution::default();
        let names: Vec<_> = a.pairs(Click { ad: None, ..CLICK }).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["utm_source", "utm_medium", "utm_campaign"]);
        assert_eq!(a.pairs(CLICK)[3], ("utm_content", "email-list".to_owned()));
    }

    #[test]
    fn overrides_replace_extend_and_remove() {
        let a = Attribution::default().merged([
            ("utm_medium".to_owned(), Some(Template::parse("partner").unwrap())),
            ("utm_content".to_owned(), None),
            ("ref".to_owned(), Some(Template::parse("{partner}").unwrap())),
        ]);
        let pairs = a.pairs(CLICK);
        let names: Vec<_> = pairs.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, ["utm_source", "utm_medium", "utm_campaign", "ref"]);
        assert_eq!(pairs[1].1, "partner");
    }
}
