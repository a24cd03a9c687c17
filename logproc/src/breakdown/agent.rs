//! What clicked, read from the user agent by the woothee parser (its dataset is compiled in):
//! the device class, the operating system and the browser. Device classes are woothee's
//! categories under plainer names: `desktop` (pc), `mobile` (smartphones and feature phones),
//! `tablet`, `appliance` (game consoles, TVs, readers), `crawler`, `other`, and `unknown`.
//! woothee counts tablets as smartphones; they are told apart here: an iPad, or an Android
//! device whose browser leaves `Mobile` out of its user agent (Android browsers write it on
//! phones only). An iPad whose Safari asks for desktop sites (the default since iPadOS 13) sends
//! a Mac's user agent and is counted as a desktop: nothing in the request tells them apart.

use woothee::parser::Parser;

/// What woothee reports for what it does not know.
const WOOTHEE_UNKNOWN: &str = "UNKNOWN";

/// The value counted for what the user agent does not tell.
pub const UNKNOWN: &str = "unknown";

/// A user agent's device class, operating system and browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    /// The device class.
    pub device: &'static str,
    /// The operating system as woothee names it (`Windows 10`, `Mac OSX`, `iPhone`, `Android`).
    pub os: String,
    /// The browser (`Chrome`, `Safari`, `Firefox`, ...).
    pub browser: String,
}

fn known(value: &str) -> String {
    if value.is_empty() || value == WOOTHEE_UNKNOWN { UNKNOWN.to_owned() } else { value.to_owned() }
}

/// The device class, operating system and browser of `user_agent`.
pub fn agent(parser: &Parser, user_agent: &str) -> Agent {
    let Some(r) = parser.parse(user_agent) else {
        return Agent { device: UNKNOWN, os: UNKNOWN.to_owned(), browser: UNKNOWN.to_owned() };
    };
    let tablet = r.os == "iPad" || (r.os == "Android" && !user_agent.contains("Mobile"));
    let device = match r.category {
        "pc" => "desktop",
        "smartphone" if tablet => "tablet",
        "smartphone" | "mobilephone" => "mobile",
        "appliance" => "appliance",
        "crawler" => "crawler",
        "misc" => "other",
        _ => UNKNOWN,
    };
    Agent { device, os: known(r.os), browser: known(r.name) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_class_os_and_browser() {
        let p = Parser::new();
        let read = |ua: &str| {
            let a = agent(&p, ua);
            (a.device, a.os, a.browser)
        };
        let s = |v: &str| v.to_owned();
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                ("desktop", "Windows 10", "Chrome"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
                ("mobile", "iPhone", "Safari"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
                ("mobile", "Android", "Chrome"),
            ),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", ("desktop", "Linux", "Firefox")),
            // Tablets: an iPad, and an Android tablet (no `Mobile` in its user agent).
            (
                "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
                ("tablet", "iPad", "Safari"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Safari/537.36",
                ("tablet", "Android", "Chrome"),
            ),
        ];
        for (ua, (device, os, browser)) in cases {
            assert_eq!(read(ua), (device, s(os), s(browser)), "{ua}");
        }
        assert_eq!(read(""), (UNKNOWN, s(UNKNOWN), s(UNKNOWN)));
        assert_eq!(read("something nobody knows"), (UNKNOWN, s(UNKNOWN), s(UNKNOWN)));
    }
}
