//! "Did you mean" hints: the closest known name to a misspelt one.

/// The candidate closest to `wrong` by edit distance, when it is close enough to be a likely
/// typo (at most a third of the length, and at least 1 or 2 edits for short names).
pub fn nearest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(wrong, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// A hint naming the nearest candidate, or listing a few when none is near.
pub fn hint<'a>(wrong: &str, what: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    if let Some(near) = nearest(wrong, candidates.clone()) {
        return format!("did you mean `{near}`?");
    }
    let mut all: Vec<&str> = candidates.into_iter().collect();
    all.sort_unstable();
    all.dedup();
    match all.len() {
        0 => format!("there is no {what} to refer to yet"),
        n if n <= 8 => format!("the known {what}s are: {}", quoted(&all)),
        n => format!("no {what} has a similar name ({n} exist; the first are {}, ...)", quoted(&all[..5])),
    }
}

fn quoted(items: &[&str]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_but_not_strangers() {
        let codes = ["samantha", "aapex", "a8787"];
        assert_eq!(nearest("samanta", codes), Some("samantha"));
        assert_eq!(nearest("aapx", codes), Some("aapex"));
        assert_eq!(nearest("zzzzzz", codes), None);
    }

    #[test]
    fn hints_list_the_known_names_when_none_is_near() {
        assert_eq!(hint("x", "partner code", ["b", "a"]).as_str(), "did you mean `a`?");
        assert_eq!(hint("qqqqqq", "group", ["gold", "silver"]), "the known groups are: `gold`, `silver`");
        assert_eq!(hint("qqqqqq", "group", []), "there is no group to refer to yet");
    }
}
