//! Names given small ids: the link, partner and ad codes seen (and the program's own), the keys
//! made of them ([`Keys`]), and the values of a breakdown, so that counts are kept and tables
//! computed on integers and the strings joined back at the end.

use rustc_hash::FxHashMap;

/// Codes seen (and the program's own), each given a small id, so that the tables are computed
/// on integers and the strings are joined back at the end.
#[derive(Clone, Default)]
pub struct Names {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Names {
    /// The id of `name`, given one if new.
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    /// The id of `name`, if it has one.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// Every name, by id.
    pub fn all(&self) -> &[String] {
        &self.names
    }

    /// Each id's rank among the names in sorted order (what [`Names::sort`] renumbers them
    /// to), without renumbering.
    pub fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_unstable_by(|&a, &b| self.names[a].cmp(&self.names[b]));
        let mut rank = vec![0u32; order.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id] = u32::try_from(r).unwrap_or(u32::MAX);
        }
        rank
    }

    /// Renumbers the names in sorted order; returns each old id's new one.
    pub fn sort(&mut self) -> Vec<u32> {
        let new_id = self.ranks();
        let mut names = vec![String::new(); new_id.len()];
        for (old, name) in std::mem::take(&mut self.names).into_iter().enumerate() {
            names[new_id[old] as usize] = name;
        }
        self.names = names;
        for (name, id) in self.index.iter_mut() {
            *id = new_id[*id as usize];
            debug_assert_eq!(&self.names[*id as usize], name);
        }
        new_id
    }
}

/// The (link, partner, ad) keys met, each given an id, with the names of their codes: the key
/// space of a tally and of its breakdowns.
#[derive(Default)]
pub struct Keys {
    /// Link codes.
    pub links: Names,
    /// Partner codes.
    pub partners: Names,
    /// Ad codes.
    pub ads: Names,
    /// The id of each key of `parts`; made again from `parts` when it lags behind them (it is
    /// dropped where nothing needs it).
    ids: FxHashMap<[u32; 3], u32>,
    parts: Vec<[u32; 3]>,
}

impl Keys {
    /// The id of the key named `[link, partner, ad]`, given one if new.
    pub fn key_of(&mut self, names: [&str; 3]) -> u32 {
        let parts = [self.links.id(names[0]), self.partners.id(names[1]), self.ads.id(names[2])];
        self.intern(parts)
    }

    /// The id of the key of these link, partner and ad ids, given one if new.
    fn intern(&mut self, parts: [u32; 3]) -> u32 {
        if self.ids.len() != self.parts.len() {
            self.ids = self.parts.iter().enumerate().map(|(i, &k)| (k, u32::try_from(i).unwrap_or(u32::MAX))).collect();
        }
        if let Some(&k) = self.ids.get(&parts) {
            return k;
        }
        let k = u32::try_from(self.parts.len()).unwrap_or(u32::MAX);
        self.parts.push(parts);
        self.ids.insert(parts, k);
        k
    }

    /// Link, partner and ad ids of each key, by key id.
    pub fn parts(&self) -> &[[u32; 3]] {
        &self.parts
    }

    /// The names of a key's link, partner and ad ids.
    pub fn names(&self, key: [u32; 3]) -> [&str; 3] {
        [
            self.links.all()[key[0] as usize].as_str(),
            self.partners.all()[key[1] as usize].as_str(),
            self.ads.all()[key[2] as usize].as_str(),
        ]
    }

    /// The id here of each key of `other` (given one where new): what merging counts keyed by
    /// other keys needs.
    pub fn adopt(&mut self, other: &Keys) -> Vec<u32> {
        let [links, partners, ads] =
            [(&mut self.links, &other.links), (&mut self.partners, &other.partners), (&mut self.ads, &other.ads)]
                .map(|(into, from)| from.all().iter().map(|n| into.id(n)).collect::<Vec<u32>>());
        other
            .parts
            .iter()
            .map(|&[l, p, a]| self.intern([links[l as usize], partners[p as usize], ads[a as usize]]))
            .collect()
    }

    /// The same keys and names, without the lookup of ids (made again if a key is added).
    pub fn copy(&self) -> Keys {
        let [links, partners, ads] = [&self.links, &self.partners, &self.ads].map(Names::clone);
        Keys { links, partners, ads, ids: FxHashMap::default(), parts: self.parts.clone() }
    }

    /// Drops the lookup of ids (made again if a key is added later), where nothing needs it.
    pub fn drop_lookup(&mut self) {
        self.ids = FxHashMap::default();
    }

    /// Whether no code was named.
    pub fn is_empty(&self) -> bool {
        [&self.links, &self.partners, &self.ads].iter().all(|n| n.all().is_empty()) && self.parts.is_empty()
    }

    /// Renumbers the codes in sorted order, and the keys in the order of their (link, partner,
    /// ad) names, so that tables sorted by id are sorted by name; returns each old key's new id.
    pub fn sort(&mut self) -> Vec<u32> {
        let (links, partners, ads) = (self.links.sort(), self.partners.sort(), self.ads.sort());
        for [l, p, a] in &mut self.parts {
            *l = links[*l as usize];
            *p = partners[*p as usize];
            *a = ads[*a as usize];
        }
        let mut order: Vec<u32> = (0..self.parts.len()).map(|i| u32::try_from(i).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by_key(|&k| self.parts[k as usize]);
        let mut new_key = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_key[old as usize] = u32::try_from(new).unwrap_or(u32::MAX);
        }
        self.parts = order.iter().map(|&old| self.parts[old as usize]).collect();
        self.drop_lookup();
        new_key
    }
}
