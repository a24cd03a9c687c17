//! The checked sample program: its partner tree, who may use which link, and the URLs both
//! binaries build from it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;

use refcenter_model::{Program, load_path};

fn sample() -> Program {
    load_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../partners.toml")).unwrap().program
}

fn codes<'a>(items: impl IntoIterator<Item = &'a refcenter_model::Code>) -> Vec<&'a str> {
    items.into_iter().map(|c| c.as_str()).collect()
}

#[test]
fn the_partner_tree_knows_children_downline_and_ancestors() {
    let p = sample();
    let tree = p.tree();
    assert_eq!(codes(tree.roots()), ["samantha", "abc123"]);
    assert_eq!(codes(tree.children("samantha")), ["aapex", "swdf"]);
    let downline: Vec<(&str, usize)> = tree.downline("samantha").into_iter().map(|(c, d)| (c.as_str(), d)).collect();
    assert_eq!(downline, [("aapex", 1), ("a8787", 2), ("retired", 3), ("swdf", 1)]);
    assert_eq!(codes(tree.ancestors("retired")), ["a8787", "aapex", "samantha"]);
    assert!(tree.ancestors("samantha").is_empty());
    assert!(tree.is_in_downline_or_self("samantha", "retired"));
    assert!(!tree.is_in_downline_or_self("swdf", "samantha"), "a child is not above its parent");
    assert!(tree.downline("abc123").is_empty());
}

#[test]
fn restricted_links_are_offered_to_their_partners_and_groups_only() {
    let p = sample();
    let offered =
        |code: &str| -> Vec<&str> { p.links_for(p.partner(code).unwrap()).map(|l| l.code.as_str()).collect() };
    assert_eq!(offered("samantha"), ["xyz", "test", "test2"]);
    assert_eq!(offered("aapex"), ["xyz", "test", "test2", "test3"], "aapex is in the professional group");
}

#[test]
fn tracking_links_follow_the_scheme() {
    let p = sample();
    let (xyz, sam) = (p.link("xyz").unwrap(), p.partner("samantha").unwrap());
    let ad = sam.ad("email-list").unwrap();
    assert_eq!(p.tracking_url(xyz, sam, None).as_str(), "https://martyc.example.com/go/xyz/samantha");
    assert_eq!(p.tracking_url(xyz, sam, Some(ad)).as_str(), "https://martyc.example.com/go/xyz/samantha/email-list");
}

#[test]
fn every_tracking_link_is_its_base_followed_by_the_codes() {
    let mut p = sample();
    for base in
        ["https://martyc.example.com", "https://martyc.example.com/", "https://h.example/ref/", "https://h.example/ref"]
    {
        p.settings.base_url = url::Url::parse(base).unwrap();
        let base = p.tracking_base();
        assert!(base.ends_with("/go/"), "{base}");
        for partner in p.partners() {
            for link in p.links() {
                let plain = format!("{base}{}/{}", link.code.as_str(), partner.code.as_str());
                assert_eq!(p.tracking_url(link, partner, None).as_str(), plain);
                for ad in &partner.ads {
                    assert_eq!(
                        p.tracking_url(link, partner, Some(ad)).as_str(),
                        format!("{plain}/{}", ad.code.as_str())
                    );
                }
            }
        }
    }
}

#[test]
fn destinations_carry_the_attribution_of_the_click() {
    let p = sample();
    let sam = p.partner("samantha").unwrap();
    let ad = sam.ad("email-list").unwrap();
    let test = p.link("test").unwrap();
    assert_eq!(
        p.destination_url(test, Some(sam), Some(ad)).as_str(),
        "https://www.example.com/test?lang=en&utm_source=samantha&utm_medium=referral&utm_campaign=test&utm_content=email-list"
    );
    // The ad parameter is left out without an ad; the fragment stays last.
    let test2 = p.link("test2").unwrap();
    assert_eq!(
        p.destination_url(test2, Some(sam), None).as_str(),
        "https://www.example.com/test2?utm_source=samantha&utm_medium=referral&utm_campaign=test2#offers"
    );
    // Another partner's ad gives no ad attribution.
    let marty = p.partner("abc123").unwrap();
    assert!(!p.destination_url(test, Some(marty), Some(ad)).as_str().contains("utm_content"));
    // An unknown or inactive partner still reaches the destination, without attribution.
    assert_eq!(p.destination_url(test, None, None).as_str(), "https://www.example.com/test?lang=en");
    let retired = p.partner("retired").unwrap();
    assert!(!retired.active);
    assert_eq!(p.destination_url(test, Some(retired), None).as_str(), "https://www.example.com/test?lang=en");
}

#[test]
fn a_link_can_override_the_attribution() {
    let p = sample();
    let aapex = p.partner("aapex").unwrap();
    let flyer = aapex.ad("print-flyer").unwrap();
    let test3 = p.link("test3").unwrap();
    assert_eq!(
        p.destination_url(test3, Some(aapex), Some(flyer)).as_str(),
        "https://shop.example.com/wholesale?utm_source=aapex&utm_medium=referral&utm_campaign=test3&ref=aapex"
    );
}

#[test]
fn settings_have_their_defaults_and_values() {
    let p = sample();
    assert_eq!(p.settings.status, 302);
    assert_eq!(p.settings.prefix.as_str(), "go");
    assert_eq!(p.ad_count(), 7, "six in the partners' entries, one in ads/");
    let start = p.partner("abc123").unwrap().ad("website2").unwrap().start;
    assert_eq!(start.to_string(), "2024-03-10", "dates may be TOML dates or strings");
}
