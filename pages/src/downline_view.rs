//! What a downline page shows: the prebuilt tracking links of one partner's direct referral
//! partners, each with a link to its own downline page. It is the link generator's no-JavaScript
//! fallback for the downline: a partner reaches any member of its downline in as many steps as
//! that member is deep, and every page holds only one level, so the site grows with the number
//! of partners, not with downline × links × ads.

use std::collections::HashSet;

use refcenter_model::{Code, Partner, Program};
use serde::Serialize;

use crate::partner_view::{PartnerLinks, PartnerRef, Row};

/// A downline page.
#[derive(Clone, Debug, Serialize)]
pub struct DownlineView {
    /// Whose referral partners the page lists.
    pub partner: PartnerRef,
    /// The direct referral partners, in program order.
    pub members: Vec<Member>,
}

/// One referral partner on a downline page.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    /// The partner.
    pub partner: PartnerRef,
    /// Its tracking links (none when it is inactive).
    pub rows: Vec<Row>,
    /// The address of its own downline page, relative to this one, when it has one.
    pub downline: Option<String>,
}

impl DownlineView {
    /// The downline page of `partner`; `href` gives the relative address of a partner's
    /// downline page when it has one.
    pub fn of(program: &Program, partner: &Partner, href: impl Fn(&str) -> Option<String>) -> Self {
        let members = program
            .tree()
            .children(partner.code.as_str())
            .iter()
            .filter_map(|c| program.partner(c.as_str()))
            .map(|child| Member {
                partner: PartnerRef::of(child),
                rows: if child.active { PartnerLinks::of(program, child).rows() } else { Vec::new() },
                downline: href(child.code.as_str()),
            })
            .collect();
        DownlineView { partner: PartnerRef::of(partner), members }
    }
}

/// The partners that get a downline page: those with an active partner somewhere below them
/// that are active themselves or have an active partner above them (who can reach the page).
pub fn partners_with_downline_page(program: &Program) -> HashSet<&str> {
    let tree = program.tree();
    let active = |code: &str| program.partner(code).is_some_and(|p| p.active);
    let mut above_active: HashSet<&Code> = HashSet::new();
    for p in program.partners().iter().filter(|p| p.active) {
        let mut at = tree.parent(p.code.as_str());
        while let Some(code) = at {
            if !above_active.insert(code) {
                break;
            }
            at = tree.parent(code.as_str());
        }
    }
    let mut pages = HashSet::new();
    let mut stack: Vec<(&Code, bool)> = tree.roots().iter().map(|r| (r, false)).collect();
    while let Some((code, reached)) = stack.pop() {
        let reached = reached || active(code.as_str());
        if reached && above_active.contains(code) {
            pages.insert(code.as_str());
        }
        stack.extend(tree.children(code.as_str()).iter().map(|c| (c, reached)));
    }
    pages
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use refcenter_model::files::MemoryFiles;

    use super::*;

    fn program(toml: &str) -> Program {
        let files = MemoryFiles::new([(PathBuf::from("p.toml"), toml.as_bytes().to_vec())], None);
        refcenter_model::load(&files, Path::new("p.toml")).unwrap().program
    }

    fn pages(program: &Program) -> Vec<&str> {
        let mut codes: Vec<&str> = partners_with_downline_page(program).into_iter().collect();
        codes.sort_unstable();
        codes
    }

    #[test]
    fn the_sample_gives_pages_to_partners_with_an_active_downline() {
        let program = refcenter_model::load(&refcenter_sample::files(), Path::new(refcenter_sample::ROOT)).unwrap();
        // samantha > aapex > a8787 > retired (inactive), samantha > swdf, abc123 alone.
        assert_eq!(pages(&program.program), ["aapex", "samantha"]);
    }

    #[test]
    fn pages_go_where_someone_active_can_reach_them() {
        let mut toml = String::from(
            "[program]\nname = \"P\"\nbase_url = \"https://go.example.com\"\nfallback_url = \"https://example.com/\"\n\n\
             [[links]]\ncode = \"home\"\nname = \"Home\"\ndestination = \"https://example.com/\"\n",
        );
        // top (active) > gone (inactive) > kid (active); root (inactive) > mid (inactive) > leaf.
        for (code, parent, active) in [
            ("top", None, true),
            ("gone", Some("top"), false),
            ("kid", Some("gone"), true),
            ("root", None, false),
            ("mid", Some("root"), false),
            ("leaf", Some("mid"), true),
        ] {
            toml += &format!("\n[[partners]]\ncode = \"{code}\"\nname = \"{code}\"\nactive = {active}\n");
            if let Some(parent) = parent {
                toml += &format!("parent = \"{parent}\"\n");
            }
        }
        let program = program(&toml);
        // gone is inactive but top reaches kid through its page; nobody active is above leaf.
        assert_eq!(pages(&program), ["gone", "top"]);
        let view = DownlineView::of(&program, program.partner("top").unwrap(), |c| Some(format!("../{c}/")));
        assert_eq!(view.members.len(), 1);
        assert!(view.members[0].rows.is_empty(), "an inactive partner has no tracking links");
        let view = DownlineView::of(&program, program.partner("gone").unwrap(), |_| None);
        let urls: Vec<&str> = view.members[0].rows.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, ["https://go.example.com/go/home/kid"]);
    }
}
