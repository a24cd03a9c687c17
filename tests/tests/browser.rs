//! A real headless Chromium on a parent partner's page, served by `refgen serve`: it picks a
//! child, a link and one of the child's ads, clicks Generate Link and reads the exact URL;
//! then, with JavaScript off, finds the same URL in the table of every link.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use refcenter_tests::webdriver::Browser;
use refcenter_tests::{private_paths, repo_root, servers};

/// The link samantha generates for her child swdf, on link `test`, with swdf's ad.
const EXPECTED: &str = "https://martyc.example.com/go/test/swdf/instagram";

#[test]
fn a_parent_generates_a_link_for_a_child_with_and_without_javascript() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let server = servers::refgen_serve(&repo_root().join("partners.toml"), &out, dir.path());
    let (_, path) = private_paths(&out).into_iter().find(|(code, _)| code == "samantha").unwrap();
    let page = format!("http://{}{path}", server.addr);

    let browser = Browser::start(dir.path(), true);
    browser.open(&page);
    assert!(browser.find("#generator").is_displayed(), "the script shows the generator");
    assert_eq!(browser.find("#all-links").property("open"), false, "the script folds the table away");
    // Preselected: the partner herself.
    assert_eq!(browser.find("#gen-who").property("value"), "samantha");
    browser.find("#gen-who option[value=\"swdf\"]").click();
    browser.find("#gen-link option[value=\"test\"]").click();
    browser.find("#gen-ad option[value=\"instagram\"]").click();
    browser.find("#gen-button").click();
    assert_eq!(browser.find("#gen-result").property("value"), EXPECTED);
    // The child's choices replaced the parent's: only swdf's ad (and "None") is offered.
    let ads: Vec<String> = browser.find_all("#gen-ad option").iter().map(|o| o.property("value").to_string()).collect();
    assert_eq!(ads, ["\"\"", "\"instagram\""]);
    // Back to the parent, no ad: her own plain link.
    browser.find("#gen-who option[value=\"samantha\"]").click();
    browser.find("#gen-link option[value=\"xyz\"]").click();
    browser.find("#gen-button").click();
    assert_eq!(browser.find("#gen-result").property("value"), "https://martyc.example.com/go/xyz/samantha");
    drop(browser);

    let browser = Browser::start(dir.path(), false);
    browser.open(&page);
    assert!(!browser.find("#generator").is_displayed(), "without JavaScript the generator stays hidden");
    assert_eq!(browser.find("#all-links").property("open"), true, "no script ran: the table is open");
    let cells: Vec<String> = browser.find_all("#all-links td code").iter().map(|c| c.text()).collect();
    assert!(cells.iter().any(|c| c == EXPECTED), "the table holds {EXPECTED}: {cells:?}");
}
