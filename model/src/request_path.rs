//! How a request path is read before it is matched, the way nginx, Apache and Caddy read it:
//! percent-decoded once, empty and `.` segments dropped, `..` segments resolved (never above
//! the root).

use percent_encoding::percent_decode_str;

/// The query parameter a QR code adds to the tracking link it carries (`?qr=1`), so that scans
/// can be told from clicks in the logs. Redirect hosts drop it (Netlify and Vercel pass it on
/// to the destination); access logs keep it.
pub const QR_MARKER: &str = "qr=1";

/// Whether the query `query` (without its `?`) holds the QR marker as one of its parameters.
pub fn has_qr_marker(query: &str) -> bool {
    query.split('&').any(|p| p == QR_MARKER)
}

/// The segments of the request path `raw` (without its query), decoded and resolved.
pub fn segments(raw: &str) -> Vec<String> {
    let path = raw.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut out: Vec<String> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s.to_owned()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_once_and_resolves_dots() {
        assert_eq!(segments("/go/xyz/sam/"), ["go", "xyz", "sam"]);
        assert_eq!(segments("/go//xyz/./sam"), ["go", "xyz", "sam"]);
        assert_eq!(segments("/go/nope/../xyz"), ["go", "xyz"]);
        assert_eq!(segments("/../../go"), ["go"]);
        assert_eq!(segments("/go/s%61m%2Fad"), ["go", "sam", "ad"]);
        assert_eq!(segments("/go/a%2525"), ["go", "a%25"], "decoded once only");
        assert_eq!(segments("/go/xyz?utm_source=evil"), ["go", "xyz"]);
        assert_eq!(segments("/go/%ff"), ["go", "\u{fffd}"]);
    }
}
