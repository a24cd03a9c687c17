//! The last day each visitor clicked each (link, partner, ad) key on the store's closed days
//! (every day before its open ones): what a run that adds clicks to the open days looks a
//! visitor up in, to tell whether a click makes a new unique click of a group over a window,
//! without reading every stored visit again. A full run writes it; it is a cache beside the
//! ledger (made again whenever the closed days change), never part of what the store keeps.
//!
//! The file: the entries, 16 bytes each (visitor, key, last day, and the key's link code),
//! sorted by the visitor's part of the visits ([`VISIT_PARTS`]), then visitor and key; an index
//! of the first entry of each bucket (the part and the visitor's top 16 bits); each key as the
//! numbers of its link, partner and ad codes, keys numbered in the order of their partner, link
//! and ad (a partner's keys are a run of numbers); the codes of each kind, sorted, which number
//! them; and a fixed trailer saying where each section starts. A lookup reads one bucket's
//! entries. Days are kept in 16 bits and link numbers too: a store with a day before 1970 or
//! after 2149, or more than 65,535 link codes, has no cache (its reports are made in full).

use std::fs::File;
use std::io::{BufWriter, Read as _, Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::FileExt as _;
use std::path::Path;

use crate::days::{Day, day_key, split_day_key};
use crate::names::Keys;
use crate::visits::{VISIT_PARTS, Visits};

/// The cache's file name in the store.
pub const LAST_SEEN_FILE: &str = "last-seen.bin";

const MAGIC: &[u8; 16] = b"refcenter-seen-3";
/// Bits of a visitor that pick its bucket within its part.
const BUCKET_BITS: u32 = 16;
const BUCKETS: usize = VISIT_PARTS << BUCKET_BITS;
/// One entry: visitor, key, day.
const ENTRY: usize = 16;
/// The trailer: the first open day, the digest of the closed days' partitions, the number of
/// entries and keys, and where the index, the keys and the codes start.
const TRAILER: usize = 4 + 32 + 8 * 5;

/// The bucket of `visitor`: its part of the visits, then its top bits.
fn bucket(visitor: u64) -> usize {
    ((visitor % VISIT_PARTS as u64) as usize) << BUCKET_BITS | (visitor >> (64 - BUCKET_BITS)) as usize
}

/// A kind of code: link, partner or ad, as a key holds them.
pub type Kind = usize;
/// Links.
pub const LINK: Kind = 0;
/// Partners.
pub const PARTNER: Kind = 1;
/// Ads.
pub const AD: Kind = 2;

/// Writes the cache at `path` (through a partial file and a rename): the last day each
/// (visitor, key) of `visits` was seen on before `open`, the keys named from `keys`; `closed`
/// is the digest of the closed days' partitions (see [`closed_digest`]). Removes it instead
/// when the visits do not fit the file (see above); `false` then.
pub fn write(path: &Path, open: Day, closed: [u8; 32], keys: &Keys, visits: &mut Visits) -> std::io::Result<bool> {
    let before = (day_key(open, 0) >> 32) as u32;
    let fits =
        visits.days_before(before).all(|d| (0..=i32::from(u16::MAX)).contains(&split_day_key(u64::from(d) << 32).0))
            && keys.links.all().len() <= usize::from(u16::MAX);
    if !fits {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => return Ok(false),
        }
    }
    let partial = path.with_extension("partial");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&partial)?);
    out.write_all(MAGIC)?;
    let mut index = vec![0u64; BUCKETS + 1];
    let mut entries = 0u64;
    // The keys with a visit, and their codes, are numbered in the order of the codes (a key's
    // partner first), so that the same visits make the same bytes whatever other keys a run
    // met, and in whatever order.
    let used = visits.keys_before(before, keys.parts().len());
    let mut order: Vec<usize> = (0..used.len()).filter(|&k| used[k]).collect();
    let by_partner = |k: usize| {
        let [link, partner, ad] = keys.names(keys.parts()[k]);
        [partner, link, ad]
    };
    order.sort_unstable_by(|&a, &b| by_partner(a).cmp(&by_partner(b)));
    let mut number = vec![u32::MAX; used.len()];
    for (n, &k) in order.iter().enumerate() {
        number[k] = n as u32;
    }
    let mut codes: [Vec<&str>; 3] = Default::default();
    for &k in &order {
        for (kind, name) in keys.names(keys.parts()[k]).into_iter().enumerate() {
            codes[kind].push(name);
        }
    }
    for list in &mut codes {
        list.sort_unstable();
        list.dedup();
    }
    // Each key's link code's number, by the key's number here.
    let link_of: Vec<u16> = order
        .iter()
        .map(|&k| {
            let link = keys.names(keys.parts()[k])[LINK];
            codes[LINK].binary_search(&link).map_or(u16::MAX, |n| u16::try_from(n).unwrap_or(u16::MAX))
        })
        .collect();
    for part in 0..VISIT_PARTS {
        let mut seen = visits.last_seen(part, before);
        for entry in &mut seen {
            entry.1 = number.get(entry.1 as usize).copied().unwrap_or(u32::MAX);
        }
        // Sorted by visitor already: each visitor's keys are sorted again by their numbers.
        for run in seen.chunk_by_mut(|a, b| a.0 == b.0) {
            run.sort_unstable();
        }
        for (visitor, key, day) in seen {
            index[bucket(visitor) + 1] += 1;
            let day = u16::try_from(split_day_key(u64::from(day) << 32).0).unwrap_or(u16::MAX);
            out.write_all(&visitor.to_le_bytes())?;
            out.write_all(&key.to_le_bytes())?;
            out.write_all(&day.to_le_bytes())?;
            out.write_all(&link_of.get(key as usize).copied().unwrap_or(u16::MAX).to_le_bytes())?;
            entries += 1;
        }
    }
    for b in 1..index.len() {
        index[b] += index[b - 1];
    }
    let index_at = MAGIC.len() as u64 + entries * ENTRY as u64;
    for i in &index {
        out.write_all(&i.to_le_bytes())?;
    }
    let keys_at = index_at + (index.len() * 8) as u64;
    for &k in &order {
        for (kind, name) in keys.names(keys.parts()[k]).into_iter().enumerate() {
            let n = codes[kind].binary_search(&name).map_or(u32::MAX, |n| n as u32);
            out.write_all(&n.to_le_bytes())?;
        }
    }
    // The codes of each kind: their number, where each starts in the text, and the text.
    let codes_at = keys_at + order.len() as u64 * 12;
    for list in &codes {
        out.write_all(&(list.len() as u64).to_le_bytes())?;
        let mut at = 0u64;
        for name in list.iter() {
            out.write_all(&at.to_le_bytes())?;
            at += name.len() as u64;
        }
        out.write_all(&at.to_le_bytes())?;
        for name in list.iter() {
            out.write_all(name.as_bytes())?;
        }
    }
    out.write_all(&open.to_le_bytes())?;
    out.write_all(&closed)?;
    for n in [entries, order.len() as u64, index_at, keys_at, codes_at] {
        out.write_all(&n.to_le_bytes())?;
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::rename(&partial, path)?;
    Ok(true)
}

/// The digest that names the closed days' partitions: `(day, rows file)` of each day before
/// `open`, as the ledger names them.
pub fn closed_digest<'a>(days: impl Iterator<Item = (&'a str, &'a str)>) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for (day, rows) in days {
        h.update(day.as_bytes());
        h.update([0]);
        h.update(rows.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

/// The codes of one kind, sorted: a code's place is its number.
struct Codes {
    starts: Vec<u64>,
    text: Vec<u8>,
}

impl Codes {
    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn get(&self, n: usize) -> &[u8] {
        &self.text[self.starts[n] as usize..self.starts[n + 1] as usize]
    }
}

/// An open cache, read a bucket at a time.
pub struct LastSeen {
    file: File,
    open: Day,
    closed: [u8; 32],
    index: Vec<u64>,
    keys: Vec<[u32; 3]>,
    codes: [Codes; 3],
    /// The first key number of each partner code, and the number past the last key.
    partner_keys: Vec<u32>,
}

/// A visitor's last day on a key: the key's number, the day and the key's link code's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The key's number.
    pub key: u32,
    /// The last closed day the visitor clicked it.
    pub day: Day,
    /// The number of its link code.
    pub link: u32,
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map_or(0, u64::from_le_bytes)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).and_then(|s| s.try_into().ok()).map_or(0, u32::from_le_bytes)
}

fn damaged(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("the last-seen cache is damaged: {what}"))
}

/// The codes of one kind at `at` in `b`, and where the next kind's start.
fn codes_at(b: &[u8], at: usize) -> std::io::Result<(Codes, usize)> {
    let n = usize::try_from(u64_at(b, at)).map_err(|_| damaged("codes"))?;
    let starts_end = n.checked_add(1).and_then(|n| n.checked_mul(8)).and_then(|s| s.checked_add(at + 8));
    let starts_end = starts_end.filter(|&e| e <= b.len()).ok_or_else(|| damaged("codes"))?;
    let starts: Vec<u64> = (0..=n).map(|i| u64_at(b, at + 8 + i * 8)).collect();
    let len = usize::try_from(starts[n]).map_err(|_| damaged("codes"))?;
    let text = b.get(starts_end..starts_end + len).ok_or_else(|| damaged("codes"))?.to_vec();
    if starts.first() != Some(&0) || starts.windows(2).any(|w| w[0] > w[1]) {
        return Err(damaged("codes"));
    }
    Ok((Codes { starts, text }, starts_end + len))
}

impl LastSeen {
    /// Opens the cache at `path`; `None` if there is none.
    pub fn open(path: &Path) -> std::io::Result<Option<LastSeen>> {
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let len = file.metadata()?.len();
        let mut magic = [0u8; 16];
        if len < (MAGIC.len() + TRAILER) as u64 || file.read_exact(&mut magic).is_err() || &magic != MAGIC {
            return Err(damaged("not a cache of this version"));
        }
        let mut t = [0u8; TRAILER];
        file.seek(SeekFrom::Start(len - TRAILER as u64))?;
        file.read_exact(&mut t)?;
        let open = u32_at(&t, 0).cast_signed();
        let closed: [u8; 32] = t[4..36].try_into().map_err(|_| damaged("trailer"))?;
        let [entries, keys, index_at, keys_at, codes_at_] = [0, 1, 2, 3, 4].map(|i| u64_at(&t, 36 + 8 * i));
        let sections_fit = entries.checked_mul(ENTRY as u64).and_then(|e| e.checked_add(MAGIC.len() as u64))
            == Some(index_at)
            && index_at.checked_add((BUCKETS as u64 + 1) * 8) == Some(keys_at)
            && keys.checked_mul(12).and_then(|k| k.checked_add(keys_at)) == Some(codes_at_)
            && codes_at_ <= len - TRAILER as u64;
        if !sections_fit {
            return Err(damaged("sections"));
        }
        let mut head = vec![0u8; (len - TRAILER as u64 - index_at) as usize];
        file.seek(SeekFrom::Start(index_at))?;
        file.read_exact(&mut head)?;
        let index: Vec<u64> = (0..=BUCKETS).map(|i| u64_at(&head, i * 8)).collect();
        if index.windows(2).any(|w| w[0] > w[1]) || index[BUCKETS] != entries {
            return Err(damaged("index"));
        }
        let k_at = (keys_at - index_at) as usize;
        let keys: Vec<[u32; 3]> =
            (0..keys as usize).map(|k| std::array::from_fn(|c| u32_at(&head, k_at + k * 12 + c * 4))).collect();
        let (links, next) = codes_at(&head, (codes_at_ - index_at) as usize)?;
        let (partners, next) = codes_at(&head, next)?;
        let (ads, next) = codes_at(&head, next)?;
        let codes = [links, partners, ads];
        let in_range = keys.iter().all(|k| (0..3).all(|c| (k[c] as usize) < codes[c].len()));
        if next != head.len() || !in_range || keys.windows(2).any(|w| w[0][PARTNER] > w[1][PARTNER]) {
            return Err(damaged("keys"));
        }
        // Keys are in partner order: each partner's are the numbers from its first.
        let mut partner_keys = Vec::with_capacity(codes[PARTNER].len() + 1);
        for p in 0..=codes[PARTNER].len() as u32 {
            partner_keys.push(keys.partition_point(|k| k[PARTNER] < p) as u32);
        }
        Ok(Some(LastSeen { file, open, closed, index, keys, codes, partner_keys }))
    }

    /// The first open day: the entries are of the days before it.
    pub fn open_day(&self) -> Day {
        self.open
    }

    /// The digest of the closed days' partitions it was made from ([`closed_digest`]).
    pub fn closed(&self) -> [u8; 32] {
        self.closed
    }

    /// Every key `visitor` clicked on a closed day, with the last such day, by key number
    /// ([`LastSeen::key`]), into `found`, read through `bytes` (both emptied first, so that
    /// lookup after lookup reuses them).
    pub fn of(&self, visitor: u64, bytes: &mut Vec<u8>, found: &mut Vec<Seen>) -> std::io::Result<()> {
        let b = bucket(visitor);
        let (first, end) = (self.index[b], self.index[b + 1]);
        bytes.clear();
        bytes.resize(((end - first) as usize) * ENTRY, 0);
        self.file.read_exact_at(bytes, MAGIC.len() as u64 + first * ENTRY as u64)?;
        let bytes = &bytes[..];
        let at = |i: usize| u64_at(bytes, i * ENTRY);
        let n = (end - first) as usize;
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if at(mid) < visitor {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        found.clear();
        found.extend((lo..n).take_while(|&i| at(i) == visitor).map(|i| Seen {
            key: u32_at(bytes, i * ENTRY + 8),
            day: Day::from(u16_at(i * ENTRY + 12)),
            link: u32::from(u16_at(i * ENTRY + 14)),
        }));
        if found.iter().any(|s| s.key as usize >= self.keys.len() || s.link != self.keys[s.key as usize][LINK]) {
            return Err(damaged("a key out of range"));
        }
        Ok(())
    }

    /// The numbers of the keys of the partner code numbered `partner` (none for a number past
    /// the codes).
    pub fn partner_keys(&self, partner: u32) -> std::ops::Range<u32> {
        let p = partner as usize;
        match (self.partner_keys.get(p), self.partner_keys.get(p + 1)) {
            (Some(&first), Some(&end)) => first..end,
            _ => 0..0,
        }
    }

    /// The number of the partner code of the key numbered `key`, found from `hint` (a partner
    /// at or before it: keys are in partner order).
    pub fn partner_of(&self, key: u32, hint: u32) -> u32 {
        if self.partner_keys(hint).contains(&key) {
            return hint;
        }
        let from = (hint as usize).min(self.partner_keys.len().saturating_sub(1));
        let rest = &self.partner_keys[from..];
        // The partner whose first key is the last at or before `key`.
        (from + rest.partition_point(|&first| first <= key)).saturating_sub(1) as u32
    }

    /// The numbers of the link, partner and ad codes of the key numbered `key` (from
    /// [`LastSeen::of`]).
    pub fn key(&self, key: u32) -> [u32; 3] {
        self.keys.get(key as usize).copied().unwrap_or([u32::MAX; 3])
    }

    /// How many codes of `kind` there are: they are numbered from 0.
    pub fn codes(&self, kind: Kind) -> usize {
        self.codes[kind].len()
    }

    /// The number of the code `name` of `kind`, if a key has it.
    pub fn number(&self, kind: Kind, name: &str) -> Option<u32> {
        let codes = &self.codes[kind];
        let (mut lo, mut hi) = (0, codes.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match codes.get(mid).cmp(name.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid as u32),
            }
        }
        None
    }

    /// The code numbered `n` of `kind`.
    pub fn name(&self, kind: Kind, n: u32) -> std::io::Result<&str> {
        let codes = &self.codes[kind];
        let bytes = (n as usize) < codes.len();
        let text = bytes.then(|| codes.get(n as usize)).ok_or_else(|| damaged("a code out of range"))?;
        std::str::from_utf8(text).map_err(|_| damaged("codes"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn each_visitor_finds_the_last_closed_day_of_each_key_it_clicked() {
        let mut keys = Keys::default();
        // Partners with several links and ads: keys are numbered partner by partner.
        let ad = |i: usize| if i.is_multiple_of(3) { String::new() } else { format!("a{}", i % 4) };
        let k: Vec<u32> =
            (0..50).map(|i| keys.key_of([&format!("l{}", i % 5), &format!("p,{}", i % 17), &ad(i)])).collect();
        let mut visits = Visits::default();
        let mut want: BTreeMap<(u64, u32), Day> = BTreeMap::new();
        let open = 20_000;
        // Visitors spread over every bucket, some in many, some on open days only.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..20_000u64 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let visitor = if i % 3 == 0 { x % 500 } else { x };
            let key = k[(x >> 20) as usize % k.len()];
            let day = open - 40 + ((x >> 40) % 45) as Day;
            visits.push(day_key(day, key), visitor);
            if day < open {
                let last = want.entry((visitor, key)).or_insert(day);
                *last = (*last).max(day);
            }
        }
        let dir = std::env::temp_dir().join(format!("last-seen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(LAST_SEEN_FILE);
        assert!(write(&path, open, [7; 32], &keys, &mut visits).unwrap());
        let seen = LastSeen::open(&path).unwrap().unwrap();
        assert_eq!((seen.open_day(), seen.closed()), (open, [7; 32]));
        let mut by_visitor: BTreeMap<u64, Vec<(String, Day)>> = BTreeMap::new();
        for (&(visitor, key), &day) in &want {
            by_visitor.entry(visitor).or_default().push((keys.names(keys.parts()[key as usize]).join("/"), day));
        }
        let (mut bytes, mut entries) = (Vec::new(), Vec::new());
        for (visitor, mut expected) in by_visitor {
            seen.of(visitor, &mut bytes, &mut entries).unwrap();
            let mut found: Vec<(String, Day)> = entries
                .iter()
                .copied()
                .map(|Seen { key, day, link }| {
                    let [l, p, a] = seen.key(key);
                    assert_eq!(link, l);
                    assert_eq!(seen.partner_of(key, 0), p);
                    let names = [(LINK, l), (PARTNER, p), (AD, a)].map(|(kind, n)| seen.name(kind, n).unwrap());
                    for (kind, name) in [LINK, PARTNER, AD].into_iter().zip(names) {
                        assert_eq!(seen.number(kind, name), Some(seen.key(key)[kind]));
                    }
                    (names.join("/"), day)
                })
                .collect();
            found.sort();
            expected.sort();
            assert_eq!(found, expected, "visitor {visitor}");
        }
        seen.of(12_345_678_901, &mut bytes, &mut entries).unwrap();
        assert!(entries.is_empty(), "a visitor never seen");
        // A day its 16 bits cannot hold: no cache.
        let mut early = Visits::default();
        early.push(day_key(-3, k[0]), 1);
        assert!(!write(&path, open, [7; 32], &keys, &mut early).unwrap());
        assert!(LastSeen::open(&path).unwrap().is_none());
        assert!(write(&path, open, [7; 32], &keys, &mut visits).unwrap());
        assert_eq!(seen.number(PARTNER, "p,999"), None);
        assert_eq!(seen.codes(LINK), 5);
        // Damage is an error, not a panic; no file is none.
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 20] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert!(LastSeen::open(&path).is_err());
        std::fs::write(&path, b"short").unwrap();
        assert!(LastSeen::open(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(LastSeen::open(&path).unwrap().is_none());
    }
}
