//! Names given small ids: the link, partner and ad codes seen (and the program's own), and the
//! values of a breakdown, so that counts are kept and tables computed on integers and the
//! strings joined back at the end.

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

/// The ids in `into` of every name in `from` (given one where new), for link, partner and ad
/// codes at once: what merging counts numbered by another [`Names`] needs.
pub fn adopt(into: [&mut Names; 3], from: [&Names; 3]) -> [Vec<u32>; 3] {
    let [a, b, c] = into;
    [(a, from[0]), (b, from[1]), (c, from[2])].map(|(into, from)| from.all().iter().map(|n| into.id(n)).collect())
}
