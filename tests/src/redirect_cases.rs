//! The request table every redirect target is held to, for the sample program: what a visitor
//! asking for each path must be sent to. Written out by hand from the sample's
//! `partners.toml`, so that it checks the rule list instead of repeating it.

/// The destination of link `xyz`.
const XYZ: &str = "https://www.example.com/";
/// The destination of link `test`.
const TEST: &str = "https://www.example.com/test?lang=en";
/// The program's fallback.
const FALLBACK: &str = "https://www.example.com/";

/// One request and the `Location` it must get, with a 302.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// What the case shows.
    pub name: &'static str,
    /// The request path, exactly as sent.
    pub path: &'static str,
    /// The expected `Location`.
    pub location: &'static str,
}

const fn case(name: &'static str, path: &'static str, location: &'static str) -> Case {
    Case { name, path, location }
}

/// The table.
pub const CASES: &[Case] = &[
    case(
        "link, partner and ad",
        "/go/xyz/samantha/email-list",
        "https://www.example.com/?utm_source=samantha&utm_medium=referral&utm_campaign=xyz&utm_content=email-list",
    ),
    case(
        "trailing slash after the ad",
        "/go/xyz/samantha/email-list/",
        "https://www.example.com/?utm_source=samantha&utm_medium=referral&utm_campaign=xyz&utm_content=email-list",
    ),
    case(
        "destination with a query",
        "/go/test/abc123/website2",
        "https://www.example.com/test?lang=en&utm_source=abc123&utm_medium=referral&utm_campaign=test&utm_content=website2",
    ),
    case(
        "destination with a fragment",
        "/go/test2/swdf/instagram",
        "https://www.example.com/test2?utm_source=swdf&utm_medium=referral&utm_campaign=test2&utm_content=instagram#offers",
    ),
    case(
        "link override of the attribution",
        "/go/test3/aapex/print-flyer",
        "https://shop.example.com/wholesale?utm_source=aapex&utm_medium=referral&utm_campaign=test3&ref=aapex",
    ),
    case(
        "link and partner",
        "/go/xyz/samantha",
        "https://www.example.com/?utm_source=samantha&utm_medium=referral&utm_campaign=xyz",
    ),
    case(
        "trailing slash after the partner",
        "/go/test/samantha/",
        "https://www.example.com/test?lang=en&utm_source=samantha&utm_medium=referral&utm_campaign=test",
    ),
    case(
        "partner without ads",
        "/go/xyz/a8787",
        "https://www.example.com/?utm_source=a8787&utm_medium=referral&utm_campaign=xyz",
    ),
    case(
        "unknown ad keeps the partner",
        "/go/xyz/samantha/no-such-ad",
        "https://www.example.com/?utm_source=samantha&utm_medium=referral&utm_campaign=xyz",
    ),
    case(
        "another partner's ad keeps the partner only",
        "/go/xyz/samantha/instagram",
        "https://www.example.com/?utm_source=samantha&utm_medium=referral&utm_campaign=xyz",
    ),
    case(
        "extra segments keep the partner",
        "/go/xyz/samantha/email-list/more",
        "https://www.example.com/?utm_source=samantha&utm_medium=referral&utm_campaign=xyz",
    ),
    case("unknown partner", "/go/test/nobody", TEST),
    case("unknown partner with an ad", "/go/test/nobody/email-list", TEST),
    case("inactive partner", "/go/xyz/retired", XYZ),
    case("partner not allowed on a restricted link", "/go/test3/samantha", "https://shop.example.com/wholesale"),
    case("link alone", "/go/test", TEST),
    case("link alone with a trailing slash", "/go/test/", TEST),
    case("unknown link", "/go/nope", FALLBACK),
    case("a prefix of a link code is unknown", "/go/tes/samantha", FALLBACK),
    case("a link code that is a prefix of another", "/go/test2", "https://www.example.com/test2#offers"),
    case("a prefix of a partner code is unknown", "/go/test/saman", TEST),
    case("a partner code with more after it is unknown", "/go/test/samanthas", TEST),
    case(
        "a prefix of an ad code keeps the partner",
        "/go/xyz/samantha/email",
        "https://www.example.com/?utm_source=samantha&utm_medium=referral&utm_campaign=xyz",
    ),
    case("inactive partner with an ad", "/go/xyz/retired/email-list", XYZ),
    case(
        "partner not allowed on a restricted link, with an ad",
        "/go/test3/samantha/email-list",
        "https://shop.example.com/wholesale",
    ),
    case("unknown link with a partner", "/go/nope/samantha/email-list", FALLBACK),
    case("the tracking root", "/go", FALLBACK),
    case("the tracking root with a slash", "/go/", FALLBACK),
    case("encoded ampersand in a partner code", "/go/test/samantha%26utm_source%3Devil", TEST),
    case("encoded question mark in a partner code", "/go/test/samantha%3Futm_source=evil", TEST),
    case("encoded hash in a partner code", "/go/test/samantha%23evil", TEST),
    case("query string on the request is dropped", "/go/test/nobody?utm_source=evil&next=https://evil.example", TEST),
    case(
        "encoded slash splits like a slash",
        "/go/xyz/samantha%2Femail-list",
        "https://www.example.com/?utm_source=samantha&utm_medium=referral&utm_campaign=xyz&utm_content=email-list",
    ),
    case(
        "dot segments are resolved first",
        "/go/nope/../test/samantha",
        "https://www.example.com/test?lang=en&utm_source=samantha&utm_medium=referral&utm_campaign=test",
    ),
    case("an absolute URL as a code", "/go/xyz/https:%2F%2Fevil.example", XYZ),
    case(
        "escaped letters decode once",
        "/go/xyz/s%61mantha",
        "https://www.example.com/?utm_source=samantha&utm_medium=referral&utm_campaign=xyz",
    ),
];
