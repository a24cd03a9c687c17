//! What a partner's page shows, computed from the model: the partner's links, ads and
//! downline, and every prebuilt tracking link the link generator can pick from. Only the
//! partner itself and its downline appear here; nothing of its parent.

use refcenter_model::{Partner, Program};
use serde::Serialize;

/// A partner as other partners see it.
#[derive(Clone, Debug, Serialize)]
pub struct PartnerRef {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Whether the partner is active.
    pub active: bool,
}

impl PartnerRef {
    fn of(partner: &Partner) -> Self {
        PartnerRef { code: partner.code.to_string(), name: partner.name.clone(), active: partner.active }
    }
}

/// A row of **My Sales Websites**.
#[derive(Clone, Debug, Serialize)]
pub struct Website {
    /// Link code.
    pub code: String,
    /// Link name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Where the link goes.
    pub destination: String,
    /// The partner's tracking link.
    pub tracking: String,
}

/// A row of **My Ads**.
#[derive(Clone, Debug, Serialize)]
pub struct AdView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Media type.
    pub media: &'static str,
    /// Start date, `YYYY-MM-DD`.
    pub start: String,
    /// Optional description.
    pub description: Option<String>,
}

/// A partner in the downline tree.
#[derive(Clone, Debug, Serialize)]
pub struct TreeNode {
    /// The partner.
    #[serde(flatten)]
    pub partner: PartnerRef,
    /// Its children.
    pub children: Vec<TreeNode>,
}

/// An ad as the link generator lists it.
#[derive(Clone, Debug, Serialize)]
pub struct GenAd {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A link as the link generator lists it: its tracking links without an ad and with each of
/// the partner's ads, in the order of [`GenPartner::ads`].
#[derive(Clone, Debug, Serialize)]
pub struct GenLink {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `urls[0]` has no ad; `urls[i + 1]` has the partner's ad `i`.
    pub urls: Vec<String>,
}

/// One "who" of the link generator: the partner or a member of its downline.
#[derive(Clone, Debug, Serialize)]
pub struct GenPartner {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The partner's ads.
    pub ads: Vec<GenAd>,
    /// The links the partner may use.
    pub links: Vec<GenLink>,
}

impl GenPartner {
    /// The prebuilt links of `partner`.
    pub fn of(program: &Program, partner: &Partner) -> Self {
        let links = program
            .links_for(partner)
            .map(|link| {
                let mut urls = Vec::with_capacity(partner.ads.len() + 1);
                urls.push(program.tracking_url(link, partner, None).to_string());
                urls.extend(partner.ads.iter().map(|ad| program.tracking_url(link, partner, Some(ad)).to_string()));
                GenLink { code: link.code.to_string(), name: link.name.clone(), urls }
            })
            .collect();
        let ads = partner.ads.iter().map(|a| GenAd { code: a.code.to_string(), name: a.name.clone() }).collect();
        GenPartner { code: partner.code.to_string(), name: partner.name.clone(), ads, links }
    }

    /// The tracking link for `link` and, when given and the partner's, `ad`.
    pub fn url(&self, link: &str, ad: Option<&str>) -> Option<&str> {
        let link = self.links.iter().find(|l| l.code == link)?;
        let index = ad.and_then(|ad| self.ads.iter().position(|a| a.code == ad)).map_or(0, |i| i + 1);
        link.urls.get(index).map(String::as_str)
    }
}

/// A row of the table of every prebuilt link (what the page shows without JavaScript).
#[derive(Clone, Debug, Serialize)]
pub struct Row<'a> {
    /// Who gets the credit.
    pub who: &'a str,
    /// The link's name.
    pub link: &'a str,
    /// The ad's name, when the row has one.
    pub ad: Option<&'a str>,
    /// The tracking link.
    pub url: &'a str,
}

/// Everything a partner's page shows.
#[derive(Clone, Debug, Serialize)]
pub struct PartnerView {
    /// The partner.
    pub partner: PartnerRef,
    /// My Sales Websites.
    pub websites: Vec<Website>,
    /// My Ads.
    pub ads: Vec<AdView>,
    /// My Referral Partners: the direct children.
    pub children: Vec<PartnerRef>,
    /// The whole downline, as a tree.
    pub tree: Vec<TreeNode>,
    /// The link generator's choices: the partner first, then its active downline.
    pub generator: Vec<GenPartner>,
}

impl PartnerView {
    /// The view of `partner`'s page.
    pub fn of(program: &Program, partner: &Partner) -> Self {
        let websites = program
            .links_for(partner)
            .map(|link| Website {
                code: link.code.to_string(),
                name: link.name.clone(),
                description: link.description.clone(),
                destination: link.destination.to_string(),
                tracking: program.tracking_url(link, partner, None).to_string(),
            })
            .collect();
        let ads = partner
            .ads
            .iter()
            .map(|a| AdView {
                code: a.code.to_string(),
                name: a.name.clone(),
                media: a.media.as_str(),
                start: a.start.format("%Y-%m-%d").to_string(),
                description: a.description.clone(),
            })
            .collect();
        let tree = program.tree();
        let children = tree
            .children(partner.code.as_str())
            .iter()
            .filter_map(|c| program.partner(c.as_str()))
            .map(PartnerRef::of)
            .collect();
        let mut generator = vec![GenPartner::of(program, partner)];
        for (code, _) in tree.downline(partner.code.as_str()) {
            if let Some(p) = program.partner(code.as_str()).filter(|p| p.active) {
                generator.push(GenPartner::of(program, p));
            }
        }
        PartnerView {
            partner: PartnerRef::of(partner),
            websites,
            ads,
            children,
            tree: subtree(program, partner.code.as_str()),
            generator,
        }
    }

    /// Every prebuilt link, one row each.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::new();
        for who in &self.generator {
            for link in &who.links {
                for (i, url) in link.urls.iter().enumerate() {
                    let ad = i.checked_sub(1).and_then(|a| who.ads.get(a)).map(|a| a.name.as_str());
                    rows.push(Row { who: &who.name, link: &link.name, ad, url });
                }
            }
        }
        rows
    }
}

fn subtree(program: &Program, code: &str) -> Vec<TreeNode> {
    program
        .tree()
        .children(code)
        .iter()
        .filter_map(|c| program.partner(c.as_str()))
        .map(|p| TreeNode { partner: PartnerRef::of(p), children: subtree(program, p.code.as_str()) })
        .collect()
}
