//! The `link(code="...", ad="...")` function of content templates: the reading partner's own
//! tracking link for a link code, with one of its ads when it has that ad.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tera::{Function, Value};

use crate::partner_view::PartnerLinks;

/// `link()` for one partner.
pub struct LinkFunction {
    /// The partner's prebuilt links.
    pub partner: Arc<PartnerLinks>,
    /// Every link code of the program.
    pub all_links: Arc<BTreeSet<String>>,
    /// Set when a template asked for a link this partner may not use: the resource is then
    /// not offered to the partner.
    pub denied: Arc<AtomicBool>,
}

impl Function for LinkFunction {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        if let Some(other) = args.keys().find(|k| *k != "code" && *k != "ad") {
            return Err(format!("link() takes code= and ad=, not {other}=").into());
        }
        let code = match args.get("code") {
            Some(Value::String(code)) => code,
            _ => return Err("link() needs code=\"<link code>\"".into()),
        };
        let ad = match args.get("ad") {
            None => None,
            Some(Value::String(ad)) => Some(ad.as_str()),
            Some(_) => return Err("link(ad=...) takes an ad code in quotes".into()),
        };
        if !self.all_links.contains(code) {
            let known: Vec<&str> = self.all_links.iter().map(String::as_str).collect();
            return Err(format!("link(code=\"{code}\"): no link has this code (links: {})", known.join(", ")).into());
        }
        match self.partner.url(code, ad) {
            Some(url) => Ok(Value::String(url.to_owned())),
            None => {
                self.denied.store(true, Ordering::Relaxed);
                Ok(Value::String(String::new()))
            }
        }
    }

    fn is_safe(&self) -> bool {
        true
    }
}
