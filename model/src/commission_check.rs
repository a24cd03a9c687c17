//! The checks of `[commissions]`: the currency, the levels, the payout terms, the column
//! mapping, every plan's rates and overrides, and the plans partners are given. Every problem
//! is reported with its place and a hint; [`Commissions`] is only built when there are none.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use toml::Spanned;

use crate::code::Code;
use crate::commission::{Commissions, ConversionField, LevelRates, MAX_LEVELS, PayoutBasis, PayoutTerms, Plan, Rate};
use crate::diagnostic::Diagnostic;
use crate::file_format::{CommissionsSection, OverrideEntry, PlanEntry};
use crate::load::{RawProgram, Sourced};
use crate::money::{Currency, Money, Percent};
use crate::source::Location;
use crate::suggest;

/// The fields a column mapping must name.
const REQUIRED_COLUMNS: [ConversionField; 3] =
    [ConversionField::OrderId, ConversionField::Date, ConversionField::Partner];

/// Checks `[commissions]` and the partners' `plan` keys. `Some(None)`: the program has no
/// commissions. `None`: problems were pushed onto `diagnostics`.
pub fn check(raw: &RawProgram, diagnostics: &mut Vec<Diagnostic>) -> Option<Option<Commissions>> {
    let mut c = Checker { diagnostics, ok: true };
    let Some(section) = &raw.commissions else {
        for p in &raw.partners {
            if let Some(plan) = &p.value.plan {
                c.push(
                    Diagnostic::at(
                        p.at(plan.span()),
                        format!(
                            "partner `{}` is given plan `{}`, but the program has no [commissions]",
                            p.value.code.get_ref(),
                            plan.get_ref()
                        ),
                        "no plans to choose from",
                    )
                    .with_hint("add a [commissions] section with its [[commissions.plans]], or remove `plan`"),
                );
            }
        }
        return c.ok.then_some(None);
    };
    let commissions = c.section(raw, section);
    match commissions {
        Some(commissions) if c.ok && raw.plans_complete => Some(Some(commissions)),
        _ => None,
    }
}

struct Checker<'d> {
    diagnostics: &'d mut Vec<Diagnostic>,
    ok: bool,
}

impl Checker<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.ok = false;
        self.diagnostics.push(d);
    }

    fn section(&mut self, raw: &RawProgram, s: &Sourced<CommissionsSection>) -> Option<Commissions> {
        let v = &s.value;
        let currency = Currency::parse(v.currency.get_ref().trim());
        if currency.is_none() {
            self.push(
                Diagnostic::at(
                    s.at(v.currency.span()),
                    format!("`{}` is not a currency code", v.currency.get_ref()),
                    "here",
                )
                .with_hint("write the ISO 4217 code in capitals, e.g. \"USD\", \"EUR\" or \"GBP\""),
            );
        }
        // Amounts are still checked against a two-decimal currency when the code is wrong.
        let money = currency.unwrap_or(Currency::UNKNOWN);
        let levels = match &v.levels {
            None => Some(1),
            Some(l) => match u8::try_from(*l.get_ref()) {
                Ok(n @ 1..=MAX_LEVELS) => Some(n),
                _ => {
                    self.push(
                        Diagnostic::at(
                            s.at(l.span()),
                            format!("`levels` must be 1, 2 or 3, not {}", l.get_ref()),
                            "here",
                        )
                        .with_hint("1 pays the credited partner only, 2 its parent too, 3 its grandparent too"),
                    );
                    None
                }
            },
        };
        let basis = match &v.payout {
            None => Some(PayoutBasis::OnPayment),
            Some(b) => {
                let parsed = PayoutBasis::parse(b.get_ref());
                if parsed.is_none() {
                    let hint = suggest::hint(b.get_ref(), "payout basis", ["on-payment", "up-front"]);
                    self.push(
                        Diagnostic::at(s.at(b.span()), format!("unknown payout basis `{}`", b.get_ref()), "here")
                            .with_hint(hint),
                    );
                }
                parsed
            }
        };
        let holding_days = self.days(s, v.holding_days.as_ref(), "holding_days", 0).or(Some(0));
        let first_referrer_days = self.days(s, v.first_referrer_days.as_ref(), "first_referrer_days", 1);
        let minimum = match &v.minimum_payout {
            None => Some(Money::ZERO),
            Some(m) => self.amount(s, m, money, "minimum_payout"),
        };
        let columns = self.columns(s);
        let group_names: BTreeSet<&str> =
            raw.partners.iter().flat_map(|p| p.value.groups.iter().flatten()).map(|g| g.get_ref().trim()).collect();
        let link_codes: BTreeSet<&str> = raw
            .links
            .iter()
            .map(|l| l.value.code.get_ref().as_str())
            .chain(raw.broken_links.iter().map(String::as_str))
            .collect();
        let program_levels = levels.unwrap_or(MAX_LEVELS);
        let mut plans = Vec::new();
        let mut codes: HashMap<String, Location> = HashMap::new();
        let mut priorities: HashMap<i64, (String, Location)> = HashMap::new();
        for plan in &v.plans {
            let at = s.at(plan.code.span());
            if let Some(first) = codes.get(plan.code.get_ref()) {
                self.push(
                    Diagnostic::at(
                        at.clone(),
                        format!("duplicate plan code `{}`", plan.code.get_ref()),
                        "used again here",
                    )
                    .with_related(first.clone(), "first used here")
                    .with_hint("each plan code must be unique; rename or remove one of them"),
                );
            } else {
                codes.insert(plan.code.get_ref().clone(), at.clone());
            }
            // Only plans given to groups compete, so only their priorities must differ.
            let priority = plan.priority.as_ref().map_or(0, |p| *p.get_ref());
            let priority_at = plan.priority.as_ref().map_or(at.clone(), |p| s.at(p.span()));
            let competes = plan.groups.as_ref().is_some_and(|g| !g.is_empty());
            match priorities.get(&priority) {
                Some((other, first)) if competes => self.push(
                    Diagnostic::at(
                        priority_at,
                        format!("plans `{other}` and `{}` have the same priority {priority}", plan.code.get_ref()),
                        "same priority",
                    )
                    .with_related(first.clone(), format!("`{other}`'s priority"))
                    .with_hint("give every plan its own `priority`: when a partner's groups match several plans, the highest one wins"),
                ),
                None if competes => {
                    priorities.insert(priority, (plan.code.get_ref().clone(), priority_at));
                }
                _ => {}
            }
            if let Some(p) = self.plan(s, plan, money, program_levels, &group_names, &link_codes, raw.complete) {
                plans.push(p);
            }
        }
        if v.plans.is_empty() && raw.plans_complete {
            self.push(
                Diagnostic::at(s.at(header(s)), "[commissions] has no plan", "no [[commissions.plans]]")
                    .with_hint("add a [[commissions.plans]] with its code, name and [[commissions.plans.levels]]"),
            );
        }
        let default_plan = v.plans.iter().position(|p| p.code.get_ref() == v.default_plan.get_ref());
        if default_plan.is_none() && raw.plans_complete {
            let hint =
                suggest::hint(v.default_plan.get_ref(), "plan code", v.plans.iter().map(|p| p.code.get_ref().as_str()));
            self.push(
                Diagnostic::at(
                    s.at(v.default_plan.span()),
                    format!("unknown default plan `{}`", v.default_plan.get_ref()),
                    "no plan has this code",
                )
                .with_hint(hint),
            );
        }
        for p in &raw.partners {
            let Some(plan) = &p.value.plan else { continue };
            if !codes.contains_key(plan.get_ref()) && raw.plans_complete {
                let hint = suggest::hint(plan.get_ref(), "plan code", codes.keys().map(String::as_str));
                self.push(
                    Diagnostic::at(
                        p.at(plan.span()),
                        format!("unknown plan `{}` for partner `{}`", plan.get_ref(), p.value.code.get_ref()),
                        "no plan has this code",
                    )
                    .with_hint(hint),
                );
            }
        }
        Some(Commissions {
            currency: currency?,
            levels: levels?,
            plans,
            default_plan: default_plan?,
            payout: PayoutTerms { basis: basis?, holding_days: holding_days?, minimum: minimum? },
            first_referrer_days,
            columns: columns?,
        })
    }

    /// A number of days (`min` or more, at most ten years); `None` when absent or wrong.
    fn days(
        &mut self,
        s: &Sourced<CommissionsSection>,
        value: Option<&Spanned<i64>>,
        key: &str,
        min: i64,
    ) -> Option<u32> {
        let v = value?;
        match u32::try_from(*v.get_ref()) {
            Ok(n) if i64::from(n) >= min && n <= 3650 => Some(n),
            _ => {
                self.push(
                    Diagnostic::at(
                        s.at(v.span()),
                        format!("`{key}` must be a number of days from {min} to 3650, not {}", v.get_ref()),
                        "here",
                    )
                    .with_hint(format!("write a whole number of days, e.g. {key} = 30")),
                );
                None
            }
        }
    }

    fn amount<T>(&mut self, s: &Sourced<T>, value: &Spanned<String>, currency: Currency, key: &str) -> Option<Money> {
        match currency.parse_amount(value.get_ref()) {
            Ok(m) if m >= Money::ZERO => Some(m),
            Ok(_) => {
                self.push(
                    Diagnostic::at(s.at(value.span()), format!("`{key}` cannot be negative"), "here")
                        .with_hint("write a positive amount, e.g. \"25.00\""),
                );
                None
            }
            Err(e) => {
                self.push(Diagnostic::at(s.at(value.span()), format!("`{key}`: {e}"), "not an amount").with_hint(
                    format!(
                        "write the amount as a string with a decimal point and at most {} decimals, e.g. \"25.00\"",
                        currency.digits()
                    ),
                ));
                None
            }
        }
    }

    /// A rate: `"12.5%"` or a flat amount such as `"5.00"`.
    fn rate<T>(&mut self, s: &Sourced<T>, value: &Spanned<String>, currency: Currency, key: &str) -> Option<Rate> {
        let text = value.get_ref().trim();
        match text.strip_suffix('%') {
            Some(p) => match Percent::parse(p) {
                Some(p) => Some(Rate::Percent(p)),
                None => {
                    self.push(
                        Diagnostic::at(s.at(value.span()), format!("`{key}`: `{text}` is not a percentage from 0% to 100%"), "here")
                            .with_hint("write a percentage with at most four decimals, e.g. \"12.5%\", or a flat amount such as \"5.00\""),
                    );
                    None
                }
            },
            None => match currency.parse_amount(text) {
                Ok(m) if m >= Money::ZERO => Some(Rate::Flat(m)),
                Ok(_) | Err(_) => {
                    self.push(
                        Diagnostic::at(s.at(value.span()), format!("`{key}`: `{text}` is neither a percentage nor an amount"), "here")
                            .with_hint(format!(
                                "write a percentage such as \"12.5%\", or a flat amount with a decimal point and at most {} decimals, such as \"5.00\"",
                                currency.digits()
                            )),
                    );
                    None
                }
            },
        }
    }

    fn columns(&mut self, s: &Sourced<CommissionsSection>) -> Option<BTreeMap<ConversionField, String>> {
        let mut out = BTreeMap::new();
        let Some(table) = &s.value.columns else { return Some(out) };
        let start = self.diagnostics.len();
        for (key, header) in table.get_ref() {
            let at = s.at(header.span());
            match ConversionField::parse(key) {
                None => {
                    let names: Vec<&str> = ConversionField::ALL.iter().map(|f| f.as_str()).collect();
                    let hint = suggest::hint(key, "field", names.iter().copied());
                    self.push(
                        Diagnostic::at(
                            at,
                            format!("unknown field `{key}` in [commissions.columns]"),
                            "for this column",
                        )
                        .with_hint(format!("{hint}; the fields are {}", names.join(", "))),
                    );
                }
                Some(_) if header.get_ref().trim().is_empty() => self.push(
                    Diagnostic::at(at, format!("the column of `{key}` is empty"), "here")
                        .with_hint("write the export's column header exactly as in its first line"),
                ),
                Some(field) => {
                    out.insert(field, header.get_ref().trim().to_owned());
                }
            }
        }
        for field in REQUIRED_COLUMNS.into_iter().filter(|f| !out.contains_key(f)) {
            self.push(
                Diagnostic::at(
                    s.at(table.span()),
                    format!("[commissions.columns] does not name the `{}` column", field.as_str()),
                    "in this mapping",
                )
                .with_hint(format!("add {} = \"<the export's column header>\"", field.as_str())),
            );
        }
        (self.diagnostics.len() == start).then_some(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn plan(
        &mut self,
        s: &Sourced<CommissionsSection>,
        p: &PlanEntry,
        currency: Currency,
        program_levels: u8,
        groups: &BTreeSet<&str>,
        links: &BTreeSet<&str>,
        check_references: bool,
    ) -> Option<Plan> {
        let start = self.diagnostics.len();
        let code = Code::parse(p.code.get_ref()).ok();
        if code.is_none() {
            self.push(
                Diagnostic::at(
                    s.at(p.code.span()),
                    format!("plan code `{}` is not a valid code", p.code.get_ref()),
                    "here",
                )
                .with_hint("codes are 1 to 64 lowercase letters, digits, `-` and `_`"),
            );
        }
        let plan_code = p.code.get_ref();
        if p.levels.len() > usize::from(program_levels) {
            self.push(
                Diagnostic::at(
                    s.at(p.code.span()),
                    format!("plan `{plan_code}` has {} levels, but the program pays {program_levels}", p.levels.len()),
                    "this plan",
                )
                .with_hint("remove the extra [[commissions.plans.levels]], or raise `levels` in [commissions]"),
            );
        }
        let mut levels = Vec::new();
        for level in &p.levels {
            let sale = level.sale.as_ref().and_then(|r| self.rate(s, r, currency, "sale"));
            let lead = match &level.lead {
                Some(r) if r.get_ref().trim().ends_with('%') => {
                    self.push(
                        Diagnostic::at(
                            s.at(r.span()),
                            "a lead commission cannot be a percentage",
                            "a lead has no amount",
                        )
                        .with_hint("write a flat amount per lead, e.g. lead = \"1.00\""),
                    );
                    None
                }
                Some(r) => self.amount(s, r, currency, "lead"),
                None => None,
            };
            levels.push(LevelRates { sale, lead });
        }
        levels.resize(usize::from(program_levels), LevelRates::default());
        for g in p.groups.iter().flatten() {
            let group = g.get_ref().trim();
            if check_references && !groups.contains(group) {
                let hint = suggest::hint(group, "group", groups.iter().copied());
                self.push(
                    Diagnostic::at(
                        s.at(g.span()),
                        format!("plan `{plan_code}` is given to unknown group `{group}`"),
                        "no partner is in this group",
                    )
                    .with_hint(hint),
                );
            }
        }
        let (mut by_link, mut by_sku) = (BTreeMap::new(), BTreeMap::new());
        let mut seen: HashMap<String, Location> = HashMap::new();
        for o in &p.overrides {
            if let Some((key, rates)) = self.r#override(s, o, currency, program_levels, links, check_references) {
                let at = s.at(o.sale.span());
                if let Some(first) = seen.get(&key) {
                    self.push(
                        Diagnostic::at(at, format!("plan `{plan_code}` overrides {key} twice"), "again here")
                            .with_related(first.clone(), "first here")
                            .with_hint("keep one override per link and per product"),
                    );
                    continue;
                }
                seen.insert(key, at);
                match (&o.link, &o.sku) {
                    (Some(l), _) => {
                        if let Ok(c) = Code::parse(l.get_ref()) {
                            by_link.insert(c, rates);
                        }
                    }
                    (None, Some(sku)) => {
                        by_sku.insert(sku.get_ref().trim().to_owned(), rates);
                    }
                    (None, None) => {}
                }
            }
        }
        let ok = self.diagnostics.len() == start;
        Some(Plan {
            code: code?,
            name: p.name.clone(),
            priority: p.priority.as_ref().map_or(0, |v| *v.get_ref()),
            groups: p.groups.iter().flatten().map(|g| g.get_ref().trim().to_owned()).collect(),
            levels,
            link_overrides: by_link,
            product_overrides: by_sku,
        })
        .filter(|_| ok)
    }

    /// One override: what it applies to (for messages) and its rates.
    fn r#override(
        &mut self,
        s: &Sourced<CommissionsSection>,
        o: &OverrideEntry,
        currency: Currency,
        program_levels: u8,
        links: &BTreeSet<&str>,
        check_references: bool,
    ) -> Option<(String, Vec<Rate>)> {
        let at = s.at(o.sale.span());
        let key = match (&o.link, &o.sku) {
            (Some(l), None) => {
                let code = l.get_ref().as_str();
                if check_references && !links.contains(code) {
                    let hint = suggest::hint(code, "link code", links.iter().copied());
                    self.push(
                        Diagnostic::at(
                            s.at(l.span()),
                            format!("override for unknown link `{code}`"),
                            "no link has this code",
                        )
                        .with_hint(hint),
                    );
                    return None;
                }
                format!("link `{code}`")
            }
            (None, Some(sku)) if !sku.get_ref().trim().is_empty() => format!("product `{}`", sku.get_ref().trim()),
            (None, Some(sku)) => {
                self.push(
                    Diagnostic::at(s.at(sku.span()), "an override's `sku` is empty", "here")
                        .with_hint("write the product's SKU as the shop exports it"),
                );
                return None;
            }
            _ => {
                self.push(
                    Diagnostic::at(at, "an override needs exactly one of `link` and `sku`", "for these rates")
                        .with_hint("add link = \"<link code>\" or sku = \"<product SKU>\" (one per override)"),
                );
                return None;
            }
        };
        let rates = o.sale.get_ref();
        if rates.is_empty() || rates.len() > usize::from(program_levels) {
            self.push(
                Diagnostic::at(
                    at,
                    format!(
                        "the override of {key} gives {} rates; the program pays {program_levels} levels",
                        rates.len()
                    ),
                    "here",
                )
                .with_hint("give one rate per level, level 1 first, e.g. sale = [\"10%\"]"),
            );
            return None;
        }
        let parsed: Vec<Option<Rate>> = rates.iter().map(|r| self.rate(s, r, currency, "sale")).collect();
        parsed.into_iter().collect::<Option<Vec<Rate>>>().map(|r| (key, r))
    }
}

/// The span of the `[commissions]` header line.
fn header(s: &Sourced<CommissionsSection>) -> std::ops::Range<usize> {
    s.span.start..s.span.start + "[commissions]".len().min(s.span.len())
}
