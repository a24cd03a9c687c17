//! What a partner's page shows, computed from the model: the partner's links, ads and
//! downline, its own prebuilt tracking links, and the codes the link generator composes every
//! tracking link of its downline from (each code once, so that a page grows with the downline,
//! not with downline × links × ads). Only the partner itself and its downline appear here;
//! nothing of its parent.

use refcenter_model::{Partner, Program};

use crate::qr;
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
    /// How `partner` appears on the pages of others.
    pub fn of(partner: &Partner) -> Self {
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
    /// The QR code for print: the ad's tracking link on the partner's first link, with the QR
    /// marker, as inline SVG (none when the partner may use no link).
    pub qr: Option<String>,
    /// The text the QR code carries.
    pub qr_text: Option<String>,
    /// The link the QR code leads to.
    pub qr_link: Option<String>,
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

/// A code and a name, as a drop-down of the link generator offers an ad or a link.
#[derive(Clone, Debug, Serialize)]
pub struct Choice {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A link with one partner's tracking links: without an ad and with each of the partner's
/// ads, in the order of [`PartnerLinks::ads`].
#[derive(Clone, Debug, Serialize)]
pub struct LinkUrls {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `urls[0]` has no ad; `urls[i + 1]` has the partner's ad `i`.
    pub urls: Vec<String>,
}

/// Every prebuilt tracking link of one partner: what its own page lists without JavaScript,
/// what its parent's downline page lists for it, and what `link()` in content reads.
#[derive(Clone, Debug, Serialize)]
pub struct PartnerLinks {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The partner's ads.
    pub ads: Vec<Choice>,
    /// The links the partner may use.
    pub links: Vec<LinkUrls>,
}

impl PartnerLinks {
    /// The prebuilt links of `partner`.
    pub fn of(program: &Program, partner: &Partner) -> Self {
        let links = program
            .links_for(partner)
            .map(|link| {
                let mut urls = Vec::with_capacity(partner.ads.len() + 1);
                urls.push(program.tracking_url(link, partner, None).to_string());
                urls.extend(partner.ads.iter().map(|ad| program.tracking_url(link, partner, Some(ad)).to_string()));
                LinkUrls { code: link.code.to_string(), name: link.name.clone(), urls }
            })
            .collect();
        PartnerLinks { code: partner.code.to_string(), name: partner.name.clone(), ads: gen_ads(partner), links }
    }

    /// The tracking link for `link` and, when given and the partner's, `ad`.
    pub fn url(&self, link: &str, ad: Option<&str>) -> Option<&str> {
        let link = self.links.iter().find(|l| l.code == link)?;
        let index = ad.and_then(|ad| self.ads.iter().position(|a| a.code == ad)).map_or(0, |i| i + 1);
        link.urls.get(index).map(String::as_str)
    }

    /// Every tracking link, one row each: per link, first without an ad, then with each ad.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for link in &self.links {
            for (i, url) in link.urls.iter().enumerate() {
                let ad = i.checked_sub(1).and_then(|a| self.ads.get(a)).map(|a| a.name.clone());
                rows.push(Row { link: link.name.clone(), ad, url: url.clone() });
            }
        }
        rows
    }
}

/// A row of a table of prebuilt links (what a page shows without JavaScript).
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The link's name.
    pub link: String,
    /// The ad's name, when the row has one.
    pub ad: Option<String>,
    /// The tracking link.
    pub url: String,
}

/// What the link generator composes links from, each code written once: a tracking link is
/// `base`, the link's code, `/`, the partner's code and, with an ad, `/` and the ad's code.
#[derive(Clone, Debug, Serialize)]
pub struct GeneratorData {
    /// The start of every tracking link, up to and including the `/` after the prefix.
    pub base: String,
    /// The links anyone in [`GeneratorData::who`] may use, in program order.
    pub links: Vec<Choice>,
    /// The partner first, then its active downline, depth first.
    pub who: Vec<GenWho>,
}

/// One "who" of the link generator.
#[derive(Clone, Debug, Serialize)]
pub struct GenWho {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The partner's ads.
    pub ads: Vec<Choice>,
    /// The positions in [`GeneratorData::links`] of the links this partner may use; absent
    /// when it may use all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<usize>>,
}

impl GeneratorData {
    /// The generator's data for `partner` and its active `downline`.
    pub fn of<'a>(program: &'a Program, partner: &'a Partner, downline: impl IntoIterator<Item = &'a Partner>) -> Self {
        let people: Vec<&Partner> = std::iter::once(partner).chain(downline).collect();
        let n = program.links().len();
        let usable: Vec<Vec<usize>> =
            people.iter().map(|p| (0..n).filter(|&i| program.may_use(p, &program.links()[i])).collect()).collect();
        // The links anyone here may use, and where each program link sits among them.
        let mut used = vec![false; n];
        for &i in usable.iter().flatten() {
            used[i] = true;
        }
        let mut position = vec![0; n];
        let mut links = Vec::new();
        for (i, link) in program.links().iter().enumerate().filter(|(i, _)| used[*i]) {
            position[i] = links.len();
            links.push(Choice { code: link.code.to_string(), name: link.name.clone() });
        }
        let who = people
            .iter()
            .zip(usable)
            .map(|(p, usable)| GenWho {
                code: p.code.to_string(),
                name: p.name.clone(),
                ads: gen_ads(p),
                links: (usable.len() != links.len()).then(|| usable.iter().map(|&i| position[i]).collect()),
            })
            .collect();
        GeneratorData { base: program.tracking_base(), links, who }
    }
}

fn gen_ads(partner: &Partner) -> Vec<Choice> {
    partner.ads.iter().map(|a| Choice { code: a.code.to_string(), name: a.name.clone() }).collect()
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
    /// The partner's own prebuilt links (the page gets them as `rows`, not with the view).
    #[serde(skip)]
    pub own: PartnerLinks,
    /// The link generator's choices: the partner first, then its active downline (the page
    /// gets them once, as `link_data`, not with the view).
    #[serde(skip)]
    pub generator: GeneratorData,
}

impl PartnerView {
    /// The view of `partner`'s page.
    pub fn of(program: &Program, partner: &Partner) -> Self {
        let own = PartnerLinks::of(program, partner);
        let websites = program
            .links_for(partner)
            .zip(&own.links)
            .map(|(link, urls)| Website {
                code: link.code.to_string(),
                name: link.name.clone(),
                description: link.description.clone(),
                destination: link.destination.to_string(),
                tracking: urls.urls[0].clone(),
            })
            .collect();
        // QR codes lead to the partner's first link, with each ad.
        let qr_link = own.links.first();
        let ads = partner
            .ads
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let text = qr_link.map(|link| qr::qr_text(&link.urls[i + 1]));
                let label = format!("QR code of the tracking link for {} with the ad {}", partner.name, a.name);
                AdView {
                    code: a.code.to_string(),
                    name: a.name.clone(),
                    media: a.media.as_str(),
                    start: a.start.format("%Y-%m-%d").to_string(),
                    description: a.description.clone(),
                    qr: text.as_deref().and_then(|t| qr::svg(t, 160, &label)),
                    qr_text: text,
                    qr_link: qr_link.map(|l| l.name.clone()),
                }
            })
            .collect();
        let tree = program.tree();
        let children = tree
            .children(partner.code.as_str())
            .iter()
            .filter_map(|c| program.partner(c.as_str()))
            .map(PartnerRef::of)
            .collect();
        let downline: Vec<&Partner> = tree
            .downline(partner.code.as_str())
            .into_iter()
            .filter_map(|(code, _)| program.partner(code.as_str()).filter(|p| p.active))
            .collect();
        PartnerView {
            partner: PartnerRef::of(partner),
            websites,
            ads,
            children,
            tree: subtree(program, partner.code.as_str()),
            own,
            generator: GeneratorData::of(program, partner, downline),
        }
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
