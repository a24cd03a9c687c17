//! Who is not a person: user agents of crawlers, link-preview fetchers, monitoring services and
//! HTTP libraries, matched by one `RegexSet` compiled once. Each pattern has a reason, which is
//! what the reports count bot hits by.

use regex::RegexSet;

/// `(reason, pattern)`, matched case-insensitively against the user agent. Order matters only
/// for which reason is reported when several match: the first wins.
const PATTERNS: &[(&str, &str)] = &[
    (
        "link preview",
        r"facebookexternalhit|facebookcatalog|meta-externalagent|twitterbot|linkedinbot|slackbot|slack-imgproxy|discordbot|telegrambot|whatsapp|skypeuripreview|iframely|embedly|redditbot|pinterestbot|viber|bitlybot|google-pagerenderer|microsoftpreview|applebot",
    ),
    (
        "search crawler",
        r"googlebot|google-inspectiontool|storebot-google|adsbot-google|mediapartners-google|bingbot|bingpreview|msnbot|slurp|duckduckbot|baiduspider|yandex|sogou|exabot|seznambot|petalbot|qwantify|yeti/",
    ),
    (
        "SEO or AI crawler",
        r"ahrefsbot|semrushbot|mj12bot|dotbot|rogerbot|screaming frog|blexbot|dataforseobot|serpstatbot|gptbot|chatgpt-user|oai-searchbot|claudebot|claude-web|anthropic-ai|perplexitybot|ccbot|bytespider|amazonbot|imagesiftbot|diffbot|omgili",
    ),
    (
        "monitoring",
        r"pingdom|uptimerobot|statuscake|site24x7|newrelicpinger|datadog|checkly|better uptime|betteruptimebot|freshping|hetrixtools|nagios|zabbix|monitor",
    ),
    (
        "HTTP library or tool",
        r"^curl/|^wget/|python-requests|python-urllib|aiohttp|httpx|go-http-client|java/|okhttp|apache-httpclient|libwww-perl|node-fetch|axios/|undici|ruby|php/|postmanruntime|insomnia|httpie|scrapy|headlesschrome|phantomjs|puppeteer|playwright|selenium",
    ),
    ("other bot", r"bot\b|bot/|crawl|spider|scrape|fetcher|preview|scanner|archiver|validator"),
];

/// The compiled bot patterns.
pub struct Bots {
    set: RegexSet,
}

impl Default for Bots {
    fn default() -> Self {
        Bots::new()
    }
}

impl Bots {
    /// Compiles the patterns.
    pub fn new() -> Bots {
        let set = RegexSet::new(PATTERNS.iter().map(|(_, p)| format!("(?i){p}")))
            .unwrap_or_else(|e| panic!("the built-in bot patterns compile: {e}"));
        Bots { set }
    }

    /// Why `user_agent` is a bot, or `None` for what looks like a person's browser.
    pub fn reason(&self, user_agent: &str) -> Option<&'static str> {
        let agent = user_agent.trim();
        if agent.is_empty() || agent == "-" {
            return Some("no user agent");
        }
        self.set.matches(agent).iter().next().map(|i| PATTERNS[i].0)
    }

    /// Every reason a bot hit can be counted under, for report columns.
    pub fn reasons() -> impl Iterator<Item = &'static str> {
        std::iter::once("no user agent")
            .chain(PATTERNS.iter().map(|(r, _)| *r))
            .chain(std::iter::once("CDN bot verdict"))
    }
}

/// [`Bots::reason`] with the verdicts of user agents already seen kept: logs repeat a few
/// thousand user agents millions of times. Each user agent kept has a number (in the order they
/// were met), so that what else is found out about it (its breakdown values) can be kept by
/// that number instead of looking the text up again.
pub struct BotCache<'b> {
    bots: &'b Bots,
    seen: rustc_hash::FxHashMap<String, (Option<&'static str>, u32)>,
}

/// How many user agents a cache keeps.
const CACHE_LIMIT: usize = 100_000;

impl<'b> BotCache<'b> {
    /// An empty cache in front of `bots`.
    pub fn new(bots: &'b Bots) -> Self {
        BotCache { bots, seen: rustc_hash::FxHashMap::default() }
    }

    /// Why `user_agent` is a bot, or `None`; with the user agent's number in the cache (`None`
    /// past the cache's bound).
    pub fn reason(&mut self, user_agent: &str) -> (Option<&'static str>, Option<u32>) {
        if let Some(&(verdict, number)) = self.seen.get(user_agent) {
            return (verdict, Some(number));
        }
        let verdict = self.bots.reason(user_agent);
        if self.seen.len() < CACHE_LIMIT {
            let number = u32::try_from(self.seen.len()).unwrap_or(u32::MAX);
            self.seen.insert(user_agent.to_owned(), (verdict, number));
            return (verdict, Some(number));
        }
        (verdict, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_numbers_user_agents_up_to_its_bound() {
        let bots = Bots::new();
        let mut cache = BotCache::new(&bots);
        assert_eq!(cache.reason("curl/8.5.0"), (Some("HTTP library or tool"), Some(0)));
        assert_eq!(cache.reason("Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0"), (None, Some(1)));
        assert_eq!(cache.reason("curl/8.5.0").1, Some(0), "the same number again");
        for i in 2..CACHE_LIMIT {
            assert_eq!(cache.reason(&format!("Mozilla/5.0 agent {i}")).1, u32::try_from(i).ok());
        }
        // Past the bound: the verdict still, without a number.
        assert_eq!(cache.reason("Mozilla/5.0 one too many"), (None, None));
        assert_eq!(cache.reason("python-requests/2.31.0"), (Some("HTTP library or tool"), None));
    }

    #[test]
    fn people_are_not_bots_and_bots_are() {
        let bots = Bots::new();
        for person in [
            "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
        ] {
            assert_eq!(bots.reason(person), None, "{person}");
        }
        for (agent, reason) in [
            ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "link preview"),
            ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "link preview"),
            ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "search crawler"),
            ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "SEO or AI crawler"),
            ("curl/8.5.0", "HTTP library or tool"),
            ("python-requests/2.31.0", "HTTP library or tool"),
            ("", "no user agent"),
            ("Mozilla/5.0 (compatible; SomeNewBot/1.0)", "other bot"),
        ] {
            assert_eq!(bots.reason(agent), Some(reason), "{agent}");
        }
    }
}
