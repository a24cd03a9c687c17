//! Bunny CDN raw logs: one request a line, pipe-separated, as its logging API, its permanent
//! log storage and its log forwarding (inside an RFC 5424 syslog line) write them:
//! cache status, status, time in milliseconds, bytes, pull zone, client address, referrer, full
//! URL, edge location, user agent, request id, country, and on some zones three more fields.
//! The user agent may itself hold `|`: fields are taken from both ends. The log has no method,
//! so every request reads as a `GET` (HEAD requests cannot be told apart; bots still are, by
//! their user agents). Bunny removes the last part of client addresses unless told otherwise,
//! which makes visitors coarser.
//!
//! Sample lines (the first as Bunny's documentation shows it; the tests below parse every one):
//! ```text
//! HIT|200|1507167062421|412|390|163.172.53.229|-|https://example.b-cdn.net/video.mp4|WA|Mozilla/5.0...|322b688bd63fb63f2babe9de30a5d262|DE
//! <165>1 2024-05-01T10:00:01.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="BunnyCDN" eventID="1011"] BOMMISS|302|1714557600421|0|390|203.0.113.0|-|https://go.example.com/go/xyz/samantha?gclid=x|DE|Mozilla/5.0 (X11; Linux x86_64) A|B|7a5b688bd63fb63f2babe9de30a5d262|DE
//! ```

use std::borrow::Cow;

use crate::formats::LineParser;
use crate::formats::fields::{dash, path_of_url};
use crate::record::{Parsed, Record};

/// The Bunny parser.
pub struct Bunny;

/// The pipe-separated message of a line, without a syslog header or a byte order mark.
pub fn message(line: &str) -> &str {
    let mut rest = line;
    if rest.starts_with('<') {
        // `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD...] MSG`: the message starts after the
        // last space before the first `|`.
        let bar = rest.find('|').unwrap_or(rest.len());
        rest = &rest[rest[..bar].rfind(' ').map_or(0, |i| i + 1)..];
    }
    rest.trim_start_matches('\u{feff}').trim_start_matches("BOM")
}

/// Whether `line` looks like a Bunny log line.
pub fn looks_like(line: &str) -> bool {
    let fields: Vec<&str> = message(line).splitn(9, '|').collect();
    fields.len() == 9
        && fields[1].len() == 3
        && fields[1].bytes().all(|b| b.is_ascii_digit())
        && fields[2].len() == 13
        && fields[2].bytes().all(|b| b.is_ascii_digit())
        && (fields[7].starts_with("https://") || fields[7].starts_with("http://"))
}

fn is_request_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl LineParser for Bunny {
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(Bunny)
    }

    fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        let fields: Vec<&str> = message(line).split('|').collect();
        if fields.len() < 12 {
            return Parsed::Reject("fewer than 12 fields");
        }
        // The request id is two fields from the end, or five with the extended fields; the user
        // agent is everything between the edge location and it.
        let Some(id) = [2, 5]
            .into_iter()
            .filter_map(|back| fields.len().checked_sub(back))
            .find(|&i| i > 9 && is_request_id(fields[i]))
        else {
            return Parsed::Reject("no request id where Bunny writes it");
        };
        let Some(time) = fields[2].parse::<i64>().ok().filter(|t| *t >= 0).map(|ms| ms / 1000) else {
            return Parsed::Reject("bad or missing time");
        };
        let Some(status) = fields[1].parse().ok() else { return Parsed::Reject("bad status") };
        let Some(path) = path_of_url(fields[7]).filter(|p| p.starts_with('/')) else {
            return Parsed::Reject("no request URL");
        };
        let agent = fields[9..id].join("|");
        Parsed::Record(Record {
            time,
            method: Cow::Borrowed("GET"),
            path: Cow::Borrowed(path),
            status,
            client: Cow::Borrowed(dash(fields[5])),
            user_agent: Cow::Owned(dash(&agent).to_owned()),
            referrer: Cow::Borrowed(dash(fields[6])),
            country: None,
            query: Cow::Borrowed(""),
            has_agent: true,
            cdn_bot: false,
            edge_result: None,
            request_id: Some(Cow::Borrowed(fields[id])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_line_parses_and_is_recognised() {
        let samples = crate::formats::doc_samples(include_str!("bunny.rs"));
        let records: Vec<Record<'_>> = samples
            .iter()
            .map(|l| {
                assert!(looks_like(l), "{l}");
                match Bunny.parse(l) {
                    Parsed::Record(r) => r,
                    other => panic!("{l}: {other:?}"),
                }
            })
            .collect();
        assert_eq!((records[0].time, records[0].status, records[0].path.as_ref()), (1_507_167_062, 200, "/video.mp4"));
        assert_eq!(records[0].user_agent, "Mozilla/5.0...");
        let r = &records[1];
        assert_eq!((r.time, r.status, r.client.as_ref()), (1_714_557_600, 302, "203.0.113.0"));
        assert_eq!(
            (r.path.as_ref(), r.user_agent.as_ref()),
            ("/go/xyz/samantha?gclid=x", "Mozilla/5.0 (X11; Linux x86_64) A|B")
        );
        assert_eq!(r.request_id.as_deref(), Some("7a5b688bd63fb63f2babe9de30a5d262"));
    }

    #[test]
    fn extended_lines_and_broken_ones() {
        let extended = "HIT|302|1714557600421|0|390|203.0.113.0|-|https://go.example.com/go/xyz/aapex|DE|curl/8.5.0|322b688bd63fb63f2babe9de30a5d262|DE|0|-|-";
        let Parsed::Record(r) = Bunny.parse(extended) else { panic!() };
        assert_eq!((r.path.as_ref(), r.user_agent.as_ref()), ("/go/xyz/aapex", "curl/8.5.0"));
        assert!(matches!(
            Bunny.parse("HIT|302|soon|0|390|1.2.3.4|-|https://h/go/a|DE|x|322b688bd63fb63f2babe9de30a5d262|DE"),
            Parsed::Reject(_)
        ));
        assert!(matches!(
            Bunny.parse("HIT|302|1714557600421|0|390|1.2.3.4|-|https://h/go/a|DE|x|not-an-id|DE"),
            Parsed::Reject(_)
        ));
        assert!(matches!(Bunny.parse("HIT|302"), Parsed::Reject(_)));
        assert!(!looks_like("203.0.113.9 - - [01/May/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1"));
    }
}
