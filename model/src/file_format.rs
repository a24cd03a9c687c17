//! The program file as an admin writes it: `partners.toml` and the files it includes.
//!
//! These structs mirror the TOML exactly (every key, its type, its doc comment) and are the
//! single source of both deserialization and the JSON Schema that editors use. They keep the
//! byte span of every value a check may later point at; [`crate::validate`] turns them into the
//! checked [`crate::Program`].

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// A whole program file: the root `partners.toml`, or a file it includes (which may hold only
/// `links`, `partners` and `ads`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Referral program file (partners.toml)")]
pub struct ProgramFile {
    /// Program-wide settings. Required in the root file, not allowed in included files.
    pub program: Option<ProgramSection>,
    /// Glob patterns, relative to the root file, of further files holding `links` and
    /// `partners`, e.g. `["partners/*.toml"]`. Files are read in sorted path order.
    #[serde(default)]
    pub include: Vec<String>,
    /// The tracking links the business made: one per destination website.
    #[serde(default)]
    pub links: Vec<LinkEntry>,
    /// The referral partners.
    #[serde(default)]
    pub partners: Vec<PartnerEntry>,
    /// Ads kept apart from their partner's entry, each naming its partner: a file of its own
    /// per ad (`ads/<partner>-<ad>.toml`) is how a partner proposes a new ad in a pull request.
    #[serde(default)]
    pub ads: Vec<StandaloneAdEntry>,
    /// Where the site is hosted: which redirect rules `refgen build` writes. Only in the root
    /// file. Default: `targets = ["html"]`.
    pub redirects: Option<RedirectsSection>,
    /// The commission structure: plans, rates per level of the partner tree, payout terms.
    /// Only in the root file; without it the program pays no commissions.
    pub commissions: Option<CommissionsSection>,
    /// Defaults of the scheduled `refstats` job. Only in the root file.
    pub stats: Option<StatsSection>,
}

/// `[stats]`: what a scheduled `refstats` run uses when neither a flag nor an environment
/// variable says otherwise (flags first, then `REFSTATS_*` variables, then this section).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatsSection {
    /// The stats store folder, relative to this file, e.g. `"stats"` (`--store`).
    #[schemars(with = "Option<String>")]
    pub store: Option<Spanned<String>>,
    /// The log format, e.g. `"cloudfront"` (`--format`; default: detected per file).
    #[schemars(with = "Option<String>")]
    pub format: Option<Spanned<String>>,
    /// The shop exports to ingest: files, folders or patterns relative to this file, e.g.
    /// `["exports/"]` (`--orders`).
    #[schemars(with = "Option<Vec<String>>")]
    pub orders: Option<Vec<Spanned<String>>>,
    /// A text log's layout in GoAccess specifiers, e.g. `'%h %^[%d:%t %^] "%r" %s %b "%R" "%u"'`
    /// (`--log-format`; docs/refstats.md lists the specifiers).
    #[schemars(with = "Option<String>")]
    pub log_format: Option<Spanned<String>>,
    /// The date format of `log_format`'s `%d`, in strftime syntax (`--date-format`; default
    /// `%d/%b/%Y`).
    #[schemars(with = "Option<String>")]
    pub date_format: Option<Spanned<String>>,
    /// The time format of `log_format`'s `%t` (`--time-format`; default `%H:%M:%S`).
    #[schemars(with = "Option<String>")]
    pub time_format: Option<Spanned<String>>,
    /// What clicks are broken down by: `"all"`, `"none"`, or dimensions separated by commas
    /// (`source`, `device`, `os`, `browser`, `country`, `referrer`), e.g. `"country,referrer"`
    /// (`--breakdowns`; default none).
    #[schemars(with = "Option<String>")]
    pub breakdowns: Option<Spanned<String>>,
    /// The fields a CloudFront real-time log's configuration selected (`--realtime-fields`),
    /// e.g. `["timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "cs-user-agent"]`.
    pub realtime_fields: Option<Vec<String>>,
    /// Where a JSON log keeps each value a click needs (`--json-fields`): `time`, `method`,
    /// `path`, `status` and `client`, optionally `query`, `user_agent`, `referrer`, `country`
    /// and `request_id`, each a path of keys joined with dots, e.g. `path = "request.uri"`.
    pub json_fields: Option<IndexMap<String, String>>,
}

/// `[commissions]`: what partners earn on the sales and leads they refer, and when it is paid.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommissionsSection {
    /// The program's one currency, an ISO 4217 code such as `USD` or `EUR`. Every amount in
    /// this file and in the imported orders is in it.
    #[schemars(with = "String", extend("pattern" = "^[A-Z]{3}$"))]
    pub currency: Spanned<String>,
    /// How many levels of the partner tree earn on a conversion: 1 (only the credited partner,
    /// the default), 2 (and its parent) or 3 (and its grandparent).
    #[schemars(with = "Option<u8>", extend("minimum" = 1, "maximum" = 3))]
    pub levels: Option<Spanned<i64>>,
    /// The code of the plan of every partner not given another one (by `plan` or a group).
    #[schemars(with = "String")]
    pub default_plan: Spanned<String>,
    /// When a commission becomes payable: `on-payment` (once the customer paid, the default)
    /// or `up-front` (when the order is placed).
    #[schemars(with = "Option<String>", extend("enum" = ["on-payment", "up-front"]))]
    pub payout: Option<Spanned<String>>,
    /// Days a commission is held (refund window) before it is payable. Default 0.
    #[schemars(with = "Option<u32>", extend("minimum" = 0))]
    pub holding_days: Option<Spanned<i64>>,
    /// A partner is paid only when its payable balance reaches this amount, e.g. `"50.00"`.
    /// Default `"0"`.
    #[schemars(with = "Option<String>")]
    pub minimum_payout: Option<Spanned<String>>,
    /// When set, a customer (known by a keyed hash of their e-mail) stays with the first
    /// partner who referred them for this many days: later orders within that time are
    /// credited to that partner whatever the order's own attribution says.
    #[schemars(with = "Option<u32>", extend("minimum" = 1))]
    pub first_referrer_days: Option<Spanned<i64>>,
    /// The columns of a shop export refstats has no preset for: each key is a field
    /// (`order_id`, `date`, `kind`, `status`, `amount`, `refunded`, `refunded_at`,
    /// `currency`, `email`, `partner`, `link`, `ad`, `sku`), each value the export's column
    /// header. `order_id`, `date` and `partner` are required.
    #[schemars(with = "Option<IndexMap<String, String>>")]
    pub columns: Option<Spanned<IndexMap<String, Spanned<String>>>>,
    /// The commission plans.
    #[serde(default)]
    pub plans: Vec<PlanEntry>,
}

/// `[[commissions.plans]]`: one commission plan.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanEntry {
    /// The plan's code: lowercase letters, digits, `-` and `_`, unique among plans.
    #[schemars(with = "String", extend("pattern" = crate::code::CODE_PATTERN))]
    pub code: Spanned<String>,
    /// The plan's name, shown on partners' My Commission Structure page.
    pub name: String,
    /// When a partner's groups match several plans, the highest priority wins. Unique among
    /// plans. Default 0.
    #[schemars(with = "Option<i64>")]
    pub priority: Option<Spanned<i64>>,
    /// Partners in any of these groups are on this plan, unless their own `plan` says
    /// otherwise.
    #[schemars(with = "Option<Vec<String>>")]
    pub groups: Option<Vec<Spanned<String>>>,
    /// The rates of each level of the tree, level 1 (the credited partner) first.
    #[serde(default)]
    pub levels: Vec<LevelEntry>,
    /// Sale rates that replace the plan's for one link or one product.
    #[serde(default)]
    pub overrides: Vec<OverrideEntry>,
}

/// `[[commissions.plans.levels]]`: what one level of the partner tree earns.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelEntry {
    /// On a sale: a percentage of the commissionable amount (`"20%"`) or a flat amount per
    /// order (`"5.00"`).
    #[schemars(with = "Option<String>")]
    pub sale: Option<Spanned<String>>,
    /// On a lead (opt-in): a flat amount, e.g. `"1.00"`.
    #[schemars(with = "Option<String>")]
    pub lead: Option<Spanned<String>>,
}

/// `[[commissions.plans.overrides]]`: sale rates for one link or one product.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideEntry {
    /// The link these rates apply to (give `link` or `sku`).
    #[schemars(with = "Option<String>")]
    pub link: Option<Spanned<String>>,
    /// The product SKU these rates apply to (give `link` or `sku`); a product override wins
    /// over a link override.
    #[schemars(with = "Option<String>")]
    pub sku: Option<Spanned<String>>,
    /// The sale rate per level, level 1 first, e.g. `["10%", "2%"]`; levels past the list
    /// keep the plan's rate.
    #[schemars(with = "Vec<String>")]
    pub sale: Spanned<Vec<Spanned<String>>>,
}

/// `[redirects]`: the hosts to write redirect rules for.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedirectsSection {
    /// One or more of `netlify`, `cloudflare-pages`, `vercel`, `nginx`, `apache`, `caddy`,
    /// `cloudfront` and `html` (meta-refresh pages, for hosts without redirects).
    #[schemars(with = "Vec<crate::RedirectTarget>")]
    pub targets: Vec<Spanned<String>>,
}

/// `[program]`: settings that apply to every link and partner.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramSection {
    /// The program's name, shown on every partner page.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The redirect host: scheme and host (and optionally a path) that tracking links start
    /// with, e.g. `https://martyc.example.com`.
    #[schemars(with = "String", extend("format" = "uri"))]
    pub base_url: Spanned<String>,
    /// The first path segment of every tracking link. Default `go`.
    #[schemars(with = "Option<String>")]
    pub prefix: Option<Spanned<String>>,
    /// The HTTP status of a redirect: 302 (default), 303 or 307. Permanent redirects (301,
    /// 308) are refused: browsers cache them and repeat clicks vanish from the logs.
    #[schemars(with = "Option<u16>", extend("enum" = [302, 303, 307]))]
    pub status: Option<Spanned<i64>>,
    /// Where a visitor goes when the link code is unknown.
    #[schemars(with = "String", extend("format" = "uri"))]
    pub fallback_url: Spanned<String>,
    /// The query parameters appended to every destination. Keys are parameter names, values
    /// are templates in which `{partner}`, `{link}` and `{ad}` stand for the codes of the
    /// click; a parameter whose template uses `{ad}` is left out when the link has no ad.
    /// Default: `utm_source = "{partner}"`, `utm_medium = "referral"`,
    /// `utm_campaign = "{link}"`, `utm_content = "{ad}"`.
    #[schemars(with = "Option<IndexMap<String, String>>")]
    pub attribution: Option<Spanned<IndexMap<String, Spanned<String>>>>,
    /// The program's GitHub repository (`https://github.com/<owner>/<name>`): with it, a
    /// partner's Create Ad offers a prefilled pull request adding the ad's file.
    #[schemars(with = "Option<String>", extend("format" = "uri"))]
    pub repository: Option<Spanned<String>>,
    /// The branch pull requests go to. Default `main`.
    #[schemars(with = "Option<String>")]
    pub repository_branch: Option<Spanned<String>>,
    /// Each partner's whole Partner Center in one file (resources, stats, commission structure
    /// and ledger as sections of its page) instead of a folder of pages: for hosts that limit
    /// the number of files, such as Cloudflare Pages' free plan. Default `false`.
    pub single_page: Option<bool>,
}

/// `[[links]]`: one tracking link.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkEntry {
    /// The link's code, used in the tracking URL: lowercase letters, digits, `-` and `_`,
    /// 1 to 64 characters, unique among links.
    #[schemars(with = "String", extend("pattern" = crate::code::CODE_PATTERN))]
    pub code: Spanned<String>,
    /// The link's name, as partners see it.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The website the link leads to: an absolute `http` or `https` URL.
    #[schemars(with = "String", extend("format" = "uri"))]
    pub destination: Spanned<String>,
    /// A longer description shown to partners.
    pub description: Option<String>,
    /// Restricts the link to these partner codes (and the partners in `groups`). Without
    /// `partners` and `groups`, every partner may use the link.
    #[schemars(with = "Option<Vec<String>>")]
    pub partners: Option<Vec<Spanned<String>>>,
    /// Restricts the link to partners in these groups (and the partners in `partners`).
    #[schemars(with = "Option<Vec<String>>")]
    pub groups: Option<Vec<Spanned<String>>>,
    /// Attribution parameters for this link only, merged over the program's: a parameter
    /// set to the empty string is removed.
    #[schemars(with = "Option<IndexMap<String, String>>")]
    pub attribution: Option<Spanned<IndexMap<String, Spanned<String>>>>,
}

/// `[[partners]]`: one referral partner.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerEntry {
    /// The partner's code, used in the tracking URL: lowercase letters, digits, `-` and `_`,
    /// 1 to 64 characters, unique among partners.
    #[schemars(with = "String", extend("pattern" = crate::code::CODE_PATTERN))]
    pub code: Spanned<String>,
    /// The partner's name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The code of the partner who recruited this one.
    #[schemars(with = "Option<String>")]
    pub parent: Option<Spanned<String>>,
    /// Groups the partner belongs to, used to restrict links.
    #[schemars(with = "Option<Vec<String>>")]
    pub groups: Option<Vec<Spanned<String>>>,
    /// Where the admins reach the partner (used for the private-URL mail merge).
    #[schemars(with = "Option<String>", extend("format" = "email"))]
    pub email: Option<Spanned<String>>,
    /// An inactive partner gets no pages and no attribution. Default `true`.
    pub active: Option<bool>,
    /// The code of the commission plan this partner is on, over any plan of its groups.
    #[schemars(with = "Option<String>")]
    pub plan: Option<Spanned<String>>,
    /// The ads this partner created, each with its own statistics.
    #[serde(default)]
    pub ads: Vec<AdEntry>,
}

/// `[[ads]]`: an ad outside its partner's entry.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct StandaloneAdEntry {
    /// The code of the partner the ad belongs to.
    #[schemars(with = "String", extend("pattern" = crate::code::CODE_PATTERN))]
    pub partner: Spanned<String>,
    /// The ad, as in `[[partners.ads]]`.
    #[serde(flatten)]
    pub ad: AdEntry,
}

/// `[[partners.ads]]`: one ad a partner created.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdEntry {
    /// The ad's code, appended to the tracking URL: lowercase letters, digits, `-` and `_`,
    /// 1 to 64 characters, unique among this partner's ads.
    #[schemars(with = "String", extend("pattern" = crate::code::CODE_PATTERN))]
    pub code: Spanned<String>,
    /// The ad's name.
    pub name: String,
    /// What the ad is and where it runs.
    pub description: Option<String>,
    /// The kind of medium the ad runs in.
    #[schemars(with = "crate::MediaType")]
    pub media: Spanned<String>,
    /// The day the ad starts, as a TOML date (`2024-03-01`) or a string in that form.
    #[schemars(with = "String", extend("format" = "date"))]
    pub start: Spanned<toml::Value>,
}
