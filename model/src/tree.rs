//! The partner tree: who recruited whom. Built from a validated program, so every parent
//! exists and there is no cycle.

use std::collections::HashMap;

use crate::code::Code;
use crate::program::Partner;

/// Parents and children of every partner. Children keep file order.
#[derive(Clone, Debug, Default)]
pub struct PartnerTree {
    parent: HashMap<Code, Code>,
    children: HashMap<Code, Vec<Code>>,
    roots: Vec<Code>,
}

impl PartnerTree {
    /// The tree of `partners`, whose parents must all be among them and form no cycle.
    pub(crate) fn new(partners: &[Partner]) -> Self {
        let mut tree = PartnerTree::default();
        for p in partners {
            match &p.parent {
                Some(parent) => {
                    tree.parent.insert(p.code.clone(), parent.clone());
                    tree.children.entry(parent.clone()).or_default().push(p.code.clone());
                }
                None => tree.roots.push(p.code.clone()),
            }
        }
        tree
    }

    /// Partners without a parent, in file order.
    pub fn roots(&self) -> &[Code] {
        &self.roots
    }

    /// The parent of `code`.
    pub fn parent(&self, code: &str) -> Option<&Code> {
        self.parent.get(code)
    }

    /// The direct children of `code`, in file order.
    pub fn children(&self, code: &str) -> &[Code] {
        self.children.get(code).map_or(&[], Vec::as_slice)
    }

    /// Everyone below `code` (children, their children, ...), depth first, each with its depth
    /// below `code` (children are at depth 1).
    pub fn downline(&self, code: &str) -> Vec<(&Code, usize)> {
        let mut out = Vec::new();
        let mut stack: Vec<(&Code, usize)> = self.children(code).iter().rev().map(|c| (c, 1)).collect();
        while let Some((c, depth)) = stack.pop() {
            out.push((c, depth));
            stack.extend(self.children(c.as_str()).iter().rev().map(|k| (k, depth + 1)));
        }
        out
    }

    /// The parent of `code`, its parent, and so on up to a root.
    pub fn ancestors(&self, code: &str) -> Vec<&Code> {
        let mut out = Vec::new();
        let mut at = self.parent(code);
        while let Some(p) = at {
            out.push(p);
            at = self.parent(p.as_str());
        }
        out
    }

    /// Whether `other` is `code` itself or in its downline.
    pub fn is_in_downline_or_self(&self, code: &str, other: &str) -> bool {
        code == other || self.ancestors(other).iter().any(|a| a.as_str() == code)
    }
}
