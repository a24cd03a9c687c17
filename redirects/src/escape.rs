//! Making URLs safe to place in each host's configuration syntax. Targets come from the url
//! crate, so they hold no spaces or control characters; what remains are characters some
//! configuration languages give a meaning (variables, placeholders, quotes), which are
//! percent-encoded: the URL means the same to the destination.

/// `url` with every character in `special` percent-encoded.
pub fn percent_encode(url: &str, special: &[char]) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if special.contains(&c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters with a meaning in nginx, Apache and Caddy configuration strings.
pub const CONFIG_SPECIALS: &[char] = &['$', '{', '}', '"', '\'', '\\', '%', ';', '`'];

/// A URL ready for a double-quoted configuration string. `%` is kept as is (it already starts
/// an escape in the URL); the other specials are encoded.
pub fn for_config(url: &str) -> String {
    let specials: Vec<char> = CONFIG_SPECIALS.iter().copied().filter(|c| *c != '%').collect();
    percent_encode(url, &specials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_only_the_specials() {
        assert_eq!(for_config("https://x.example/?a=$b&c={d}"), "https://x.example/?a=%24b&c=%7Bd%7D");
        assert_eq!(for_config("https://x.example/?q=%20"), "https://x.example/?q=%20");
    }
}
