//! QR codes of tracking links for print: the link with the QR marker ([`QR_MARKER`]), so that
//! scans can be told from clicks in the logs, drawn as a small inline SVG (one path of
//! horizontal runs, about 2 KB for a 60-character link) that pages embed without another file.
//! The module matrix comes from `fast_qr` (medium error correction), a few microseconds a code:
//! a 10,000-partner program has 50,000 of them.

use fast_qr::{ECL, QRBuilder};

use crate::templates::escape_html;

use refcenter_model::request_path::QR_MARKER;

/// Modules of white around the code, as the QR standard asks.
const QUIET: usize = 4;

/// The text a QR code of `tracking_url` carries.
pub fn qr_text(tracking_url: &str) -> String {
    format!("{tracking_url}?{QR_MARKER}")
}

/// An inline SVG QR code of `text`, `size` CSS pixels wide, labelled `label` for screen
/// readers; `None` when the text is too long for a QR code.
pub fn svg(text: &str, size: u32, label: &str) -> Option<String> {
    let dark = modules(text)?;
    let width = dark.len().isqrt();
    let side = width + 2 * QUIET;
    let mut path = String::with_capacity(2048);
    for (y, row) in dark.chunks(width).enumerate() {
        let mut x = 0;
        let mut pen: Option<usize> = None;
        while x < width {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && row[x] {
                x += 1;
            }
            // `M x y.5` to the first run of a row, `m dx 0` to the next; `h n` draws n modules.
            // Written digit by digit: a code has a few hundred runs, 50,000 codes a big program.
            match pen {
                None => {
                    path.push('M');
                    push_number(&mut path, start + QUIET);
                    path.push(' ');
                    push_number(&mut path, y + QUIET);
                    path.push_str(".5h");
                }
                Some(end) => {
                    path.push('m');
                    push_number(&mut path, start - end);
                    path.push_str(" 0h");
                }
            }
            push_number(&mut path, x - start);
            pen = Some(x);
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 {side} {side}\" width=\"{size}\" height=\"{size}\" \
         role=\"img\" aria-label=\"{}\" shape-rendering=\"crispEdges\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path stroke=\"#000\" d=\"{path}\"/></svg>",
        escape_html(label)
    ))
}

/// Appends the decimal digits of `n`.
fn push_number(out: &mut String, n: usize) {
    if n >= 10 {
        push_number(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// The code's modules of `text`, row by row, `true` for dark.
fn modules(text: &str) -> Option<Vec<bool>> {
    let code = QRBuilder::new(text.as_bytes()).ecl(ECL::M).build().ok()?;
    Some(code.data[..code.size * code.size].iter().map(|m| m.value()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_draws_exactly_the_dark_modules() {
        let text = qr_text("https://martyc.example.com/go/xyz/samantha/email-list");
        let svg = svg(&text, 160, "QR code").unwrap();
        let expected = modules(&text).unwrap();
        let width = expected.len().isqrt();
        // Replay the path: `M x y.5` moves, `m dx 0` moves by, `h n` draws n modules.
        let d = &svg[svg.find(" d=\"").unwrap() + 4..svg.rfind("\"/>").unwrap()];
        let mut commands: Vec<(char, String)> = Vec::new();
        for c in d.chars() {
            if c.is_ascii_alphabetic() {
                commands.push((c, String::new()));
            } else {
                commands.last_mut().unwrap().1.push(c);
            }
        }
        let mut dark = vec![false; width * width];
        let (mut x, mut y) = (0.0f64, 0.0f64);
        for (command, args) in commands {
            let n: Vec<f64> = args.split(' ').filter(|a| !a.is_empty()).map(|a| a.parse().unwrap()).collect();
            match command {
                'M' => (x, y) = (n[0], n[1]),
                'm' => (x, y) = (x + n[0], y + n[1]),
                'h' => {
                    let row = (y - 0.5) as usize - QUIET;
                    for k in 0..n[0] as usize {
                        dark[row * width + x as usize - QUIET + k] = true;
                    }
                    x += n[0];
                }
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(dark, expected);
        assert!(svg.len() < 4_000, "{} bytes", svg.len());
    }

    #[test]
    fn labels_are_escaped_and_overlong_texts_refused() {
        let svg = svg("https://h/go/a/b", 100, "<Ad> & \"co\"").unwrap();
        assert!(svg.contains("aria-label=\"&lt;Ad&gt; &amp; &quot;co&quot;\""));
        assert!(super::svg(&"x".repeat(5_000), 100, "").is_none());
    }
}
