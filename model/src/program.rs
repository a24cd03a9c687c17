//! The checked program: what every other part of the project works from. A [`Program`] only
//! exists once every check passed, so its codes are valid and unique, its references resolve,
//! its partner tree has no cycle and its URLs are absolute http(s).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::attribution::Attribution;
use crate::code::Code;
use crate::commission::Commissions;
use crate::target::RedirectTarget;
use crate::tree::PartnerTree;

/// The HTTP status codes a tracking redirect may use. Permanent ones are left out on purpose.
pub const ALLOWED_STATUSES: [u16; 3] = [302, 303, 307];

/// Program-wide settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The program's name.
    pub name: String,
    /// Scheme, host and optional path that every tracking link starts with.
    pub base_url: Url,
    /// The first path segment of every tracking link (`go` by default).
    pub prefix: Code,
    /// The redirect status, one of [`ALLOWED_STATUSES`].
    pub status: u16,
    /// Where unknown links go.
    pub fallback_url: Url,
    /// The program's attribution parameters.
    pub attribution: Attribution,
    /// Whether each partner's pages are one file (`[program] single_page`).
    pub single_page: bool,
    /// Where a new ad's file can be proposed: the GitHub address of the "new file" page of the
    /// program's repository and branch (`https://github.com/<owner>/<name>/new/<branch>`).
    pub propose_url: Option<String>,
    /// The hosts to write redirect rules for, sorted, without duplicates.
    pub targets: Vec<RedirectTarget>,
    /// The commission structure; `None` when the program pays no commissions.
    pub commissions: Option<Commissions>,
    /// The scheduled `refstats` job's defaults (`[stats]`).
    pub stats: StatsDefaults,
}

/// What `[stats]` sets for `refstats`, as written (paths relative to the program file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsDefaults {
    /// The store folder.
    pub store: Option<String>,
    /// The log format's name.
    pub format: Option<String>,
    /// The shop exports.
    pub orders: Vec<String>,
    /// A text log's layout (GoAccess specifiers).
    pub log_format: Option<String>,
    /// The date format of `log_format`.
    pub date_format: Option<String>,
    /// The time format of `log_format`.
    pub time_format: Option<String>,
    /// A JSON log's keys, as `(field, dotted path)` in file order.
    pub json_fields: Vec<(String, String)>,
    /// A CloudFront real-time log's selected fields.
    pub realtime_fields: Vec<String>,
    /// What clicks are broken down by, as written (`"all"`, `"country,referrer"`, ...).
    pub breakdowns: Option<String>,
    /// Where each key above is written, as `file:line` (keys without a place of their own, the
    /// `json_fields` table and the `realtime_fields` list, at their `[stats]` line), so that
    /// refstats can point at a value it cannot use.
    pub places: std::collections::BTreeMap<&'static str, String>,
}

/// A tracking link.
#[derive(Clone, Debug)]
pub struct Link {
    /// The link's code.
    pub code: Code,
    /// The link's name.
    pub name: String,
    /// The destination website.
    pub destination: Url,
    /// A description for partners.
    pub description: Option<String>,
    /// Who may use the link; `None` means every partner.
    pub restriction: Option<Restriction>,
    /// The attribution parameters of this link (the program's with the link's overrides).
    pub attribution: Attribution,
}

/// The partners a restricted link is made for.
#[derive(Clone, Debug, Default)]
pub struct Restriction {
    /// Partners named one by one.
    pub partners: BTreeSet<Code>,
    /// Partners in any of these groups.
    pub groups: BTreeSet<String>,
}

/// A referral partner.
#[derive(Clone, Debug)]
pub struct Partner {
    /// The partner's code.
    pub code: Code,
    /// The partner's name.
    pub name: String,
    /// Who recruited this partner.
    pub parent: Option<Code>,
    /// The groups the partner belongs to.
    pub groups: Vec<String>,
    /// How to reach the partner.
    pub email: Option<String>,
    /// Whether the partner is active.
    pub active: bool,
    /// The commission plan given to this partner directly, if any.
    pub plan: Option<Code>,
    /// The partner's ads, in file order.
    pub ads: Vec<Ad>,
}

/// An ad a partner created.
#[derive(Clone, Debug)]
pub struct Ad {
    /// The ad's code, unique for its partner.
    pub code: Code,
    /// The ad's name.
    pub name: String,
    /// The ad's description.
    pub description: Option<String>,
    /// The medium it runs in.
    pub media: MediaType,
    /// The day it starts.
    pub start: NaiveDate,
}

/// The closed list of media an ad can run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    /// An email or newsletter.
    Email,
    /// A website or blog.
    Web,
    /// A social network.
    Social,
    /// A search engine ad.
    Search,
    /// Print.
    Print,
    /// Video.
    Video,
    /// Audio or podcast.
    Audio,
    /// Anything else.
    Other,
}

impl MediaType {
    /// Every media type, in the order admins see them listed.
    pub const ALL: [MediaType; 8] = [
        MediaType::Email,
        MediaType::Web,
        MediaType::Social,
        MediaType::Search,
        MediaType::Print,
        MediaType::Video,
        MediaType::Audio,
        MediaType::Other,
    ];

    /// The name used in the program file.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Email => "email",
            MediaType::Web => "web",
            MediaType::Social => "social",
            MediaType::Search => "search",
            MediaType::Print => "print",
            MediaType::Video => "video",
            MediaType::Audio => "audio",
            MediaType::Other => "other",
        }
    }

    /// The media type named `s` in the program file.
    pub fn parse(s: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A whole checked program.
#[derive(Clone, Debug)]
pub struct Program {
    /// Program-wide settings.
    pub settings: Settings,
    links: Vec<Link>,
    partners: Vec<Partner>,
    tree: PartnerTree,
    link_index: HashMap<Code, usize>,
    partner_index: HashMap<Code, usize>,
}

impl Program {
    /// Assembles a program from parts that passed validation.
    pub(crate) fn new(settings: Settings, links: Vec<Link>, partners: Vec<Partner>) -> Program {
        let link_index = links.iter().enumerate().map(|(i, l)| (l.code.clone(), i)).collect();
        let partner_index = partners.iter().enumerate().map(|(i, p)| (p.code.clone(), i)).collect();
        let tree = PartnerTree::new(&partners);
        Program { settings, links, partners, tree, link_index, partner_index }
    }

    /// Every link, in file order.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Every partner, in file order (root file first, then included files in path order).
    pub fn partners(&self) -> &[Partner] {
        &self.partners
    }

    /// The partner tree.
    pub fn tree(&self) -> &PartnerTree {
        &self.tree
    }

    /// The link with this code.
    pub fn link(&self, code: &str) -> Option<&Link> {
        self.link_index.get(code).map(|&i| &self.links[i])
    }

    /// The partner with this code.
    pub fn partner(&self, code: &str) -> Option<&Partner> {
        self.partner_index.get(code).map(|&i| &self.partners[i])
    }

    /// Whether `partner` may use `link`.
    pub fn may_use(&self, partner: &Partner, link: &Link) -> bool {
        match &link.restriction {
            None => true,
            Some(r) => r.partners.contains(&partner.code) || partner.groups.iter().any(|g| r.groups.contains(g)),
        }
    }

    /// The links `partner` may use, in file order.
    pub fn links_for<'a>(&'a self, partner: &'a Partner) -> impl Iterator<Item = &'a Link> + 'a {
        self.links.iter().filter(move |l| self.may_use(partner, l))
    }

    /// The total number of ads across partners.
    pub fn ad_count(&self) -> usize {
        self.partners.iter().map(|p| p.ads.len()).sum()
    }
}

impl Partner {
    /// The ad with this code.
    pub fn ad(&self, code: &str) -> Option<&Ad> {
        self.ads.iter().find(|a| a.code.as_str() == code)
    }
}
