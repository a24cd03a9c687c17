//! The country of a client's address, for clicks whose log does not say where the CDN placed
//! the client (`Record::country`), from tables embedded at build time (no network at run
//! time): regional internet registry data as `logproc/data/refresh_countries.py` writes it,
//! sorted records of a range's first address and its ISO 3166-1 alpha-2 code (`--` for
//! addresses no registry assigned). The addresses themselves are never stored. A country is
//! handled as a [`Slot`] (a number for its two letters), named only when first met: every
//! click from an address the log does not place is looked up here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

static IPV4: &[u8] = include_bytes!("../../data/country-ipv4.bin");
static IPV6: &[u8] = include_bytes!("../../data/country-ipv6.bin");

/// What a click from an address no table places is counted under.
pub const UNKNOWN: &str = "unknown";

/// A country code as a number: `26 * first letter + second letter` (`A` being 0), or
/// [`UNPLACED`].
pub type Slot = u16;

/// The slot of no country: an address no table places, or a code that is not two capital
/// letters.
pub const UNPLACED: Slot = 26 * 26;

/// The slot of the code `code` (two capital letters; anything else is [`UNPLACED`]).
pub fn slot_of(code: [u8; 2]) -> Slot {
    match code {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => Slot::from(a - b'A') * 26 + Slot::from(b - b'A'),
        _ => UNPLACED,
    }
}

/// The name of `slot`: its two letters, or [`UNKNOWN`].
pub fn name(slot: Slot) -> String {
    if slot >= UNPLACED {
        return UNKNOWN.to_owned();
    }
    // Both below 26: letters.
    [slot / 26, slot % 26].iter().map(|&l| char::from(b'A' + l as u8)).collect()
}

/// The first address of record `i` of `table` (records of `width` address bytes and a two-byte
/// code).
fn start(table: &[u8], width: usize, i: usize) -> u128 {
    let record = width + 2;
    table[i * record..i * record + width].iter().fold(0u128, |a, &b| (a << 8) | u128::from(b))
}

/// The first address of record `i` of [`IPV4`] (`u32::MAX` past the end).
fn start_v4(i: usize) -> u32 {
    IPV4.get(i * 6..i * 6 + 4).and_then(|b| b.try_into().ok()).map_or(u32::MAX, u32::from_be_bytes)
}

/// The slot of the code of record `i` of `table` (records of `width` address bytes and a
/// two-byte code).
fn code_at(table: &[u8], width: usize, i: usize) -> Slot {
    let at = i * (width + 2) + width;
    table.get(at..at + 2).and_then(|c| c.try_into().ok()).map_or(UNPLACED, slot_of)
}

/// The last of the records `lo..hi` whose first address (`start(i)`) is at or before `addr`,
/// found by a binary search (records are sorted by address): the range holding `addr`.
fn holder<T: Ord>(addr: T, start: impl Fn(usize) -> T, (mut lo, mut hi): (usize, usize)) -> Option<usize> {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if start(mid) <= addr {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo.checked_sub(1)
}

/// The slot of the code of the range holding `addr` in `table` (records of `width` address
/// bytes and a two-byte code, sorted by address), searching records `lo..hi` (the holder is
/// among them).
fn lookup(table: &'static [u8], width: usize, addr: u128, records: (usize, usize)) -> Slot {
    holder(addr, |i| start(table, width, i), records).map_or(UNPLACED, |i| code_at(table, width, i))
}

/// What [`V4Index`] holds for a /24 whose records have several codes (a code's index is below).
const MIXED: u8 = u8::MAX;

/// What [`V4Index`] holds for a /16 with a block of /24s: this plus the block's number.
const BLOCK: u16 = 1 << 15;

/// What [`V4Index`] holds for a /16 whose addresses are all searched for among its records
/// (past the codes a byte or the blocks a `u16` can number: never with today's data). As a
/// block's number it is past every block.
const SEARCH: u16 = u16::MAX;

/// A lookup of an IPv4 address in two steps instead of a search among records scattered over
/// the table (every click from an address the log does not place is looked up): per /16 the
/// code when one record's code holds all of it (most /16s), else a block of its 256 /24s, each
/// with its code when one holds all of it; only the addresses of a /24 of several codes are
/// searched for among its records. Codes are held as their index in `slots`.
struct V4Index {
    /// The first record of [`IPV4`] at or after each /16 (and, last, the number of records).
    first: Vec<u32>,
    /// Per /16: the index of its code, or [`BLOCK`] plus the number of its block in `blocks`.
    whole: Vec<u16>,
    /// The /24s of the /16s with a block, 256 to a block: the index of the code, or [`MIXED`].
    blocks: Vec<u8>,
    /// The slot of each code, by index.
    slots: Vec<Slot>,
    /// The index of each slot's code ([`MIXED`] until met).
    indexes: Vec<u8>,
}

impl V4Index {
    fn new() -> V4Index {
        let n = IPV4.len() / 6;
        // One pass over the records: each is the first of the /16s that start after the one
        // before it and at or before it.
        let mut first = Vec::with_capacity((1 << 16) + 1);
        for i in 0..n {
            let at = u64::from(start_v4(i));
            while first.len() <= 1 << 16 && (first.len() as u64) << 16 <= at {
                first.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        first.resize((1 << 16) + 1, u32::try_from(n).unwrap_or(u32::MAX));
        let (whole, slots, indexes) = (Vec::with_capacity(1 << 16), Vec::new(), vec![MIXED; usize::from(UNPLACED) + 1]);
        let mut index = V4Index { first, whole, blocks: Vec::new(), slots, indexes };
        // A /24's code while its block is made: unset until a record holding part of it is met,
        // several when records of several codes hold parts of it.
        const UNSET: u16 = 0x100;
        const SEVERAL: u16 = 0x1ff;
        for prefix in 0..1u32 << 16 {
            let (start, end) = (prefix << 16, index.first[prefix as usize + 1] as usize);
            // The first record starting after the /16's first address (the one before it holds
            // that address; unplaced when there is none).
            let mut next = index.first[prefix as usize] as usize;
            if next < end && start_v4(next) == start {
                next += 1;
            }
            let holder = next.checked_sub(1).map_or(UNPLACED, |h| code_at(IPV4, 4, h));
            if (next..end).all(|i| code_at(IPV4, 4, i) == holder) {
                // Past the codes a byte can number (never, with today's few hundred): searched.
                let whole = index.code_index(holder).map_or(SEARCH, u16::from);
                index.whole.push(whole);
                continue;
            }
            // (Past the blocks a `u16` can number, never with today's nine thousand: no block,
            // and every address of the /16 is searched.)
            let Some(number) = u16::try_from(index.blocks.len() / 256).ok().filter(|&b| b < SEARCH - BLOCK) else {
                index.whole.push(SEARCH);
                continue;
            };
            // The parts of the /16 each record holds, as (first address, code), and the /24s
            // each part touches.
            let parts: Vec<(u32, Slot)> = std::iter::once((start, holder))
                .chain((next..end).map(|i| (start_v4(i), code_at(IPV4, 4, i))))
                .collect();
            let mut subs = [UNSET; 256];
            for (k, &(from, code)) in parts.iter().enumerate() {
                let last = parts.get(k + 1).map_or(start | 0xffff, |p| p.0 - 1);
                let code = index.code_index(code).map_or(SEVERAL, u16::from);
                for sub in &mut subs[((from >> 8) & 0xff) as usize..=((last >> 8) & 0xff) as usize] {
                    *sub = if *sub == UNSET || *sub == code { code } else { SEVERAL };
                }
            }
            index.blocks.extend(subs.map(|s| u8::try_from(s).unwrap_or(MIXED)));
            index.whole.push(BLOCK + number);
        }
        index
    }

    /// The index of the code of `slot`, given one if new; `None` past the codes a byte can
    /// number.
    fn code_index(&mut self, slot: Slot) -> Option<u8> {
        let index = &mut self.indexes[usize::from(slot)];
        if *index == MIXED && self.slots.len() < usize::from(MIXED) {
            *index = self.slots.len() as u8;
            self.slots.push(slot);
        }
        Some(*index).filter(|&i| i != MIXED)
    }
}

static IPV4_INDEX: LazyLock<V4Index> = LazyLock::new(V4Index::new);

/// The slot of the IPv4 address `addr`: [`V4Index`]'s, or [`lookup`]'s on 32-bit addresses
/// among the records of its /16.
fn lookup_v4(addr: u32) -> Slot {
    let prefix = (addr >> 16) as usize;
    let index: &'static V4Index = &IPV4_INDEX;
    let whole = index.whole[prefix];
    let code = match whole.checked_sub(BLOCK) {
        None => Some(whole as u8),
        Some(block) => {
            let at = usize::from(block) * 256 + ((addr >> 8) & 0xff) as usize;
            index.blocks.get(at).copied().filter(|&c| c != MIXED)
        }
    };
    if let Some(slot) = code.and_then(|c| index.slots.get(usize::from(c))) {
        return *slot;
    }
    // The holder starts in this /16 or is the record before its first.
    let records = ((index.first[prefix] as usize).saturating_sub(1), index.first[prefix + 1] as usize);
    holder(addr, start_v4, records).map_or(UNPLACED, |i| code_at(IPV4, 4, i))
}

/// Whether `a` is an address no country has: private, shared (carrier-grade NAT), loopback,
/// link-local, documentation, multicast, broadcast or unspecified. (The registry data places
/// some of these ranges; they are never a client's public address.)
fn special_v4(a: Ipv4Addr) -> bool {
    let [x, y, z, _] = a.octets();
    // The first octets of every such range: most addresses are told apart by this alone.
    if !matches!(x, 0 | 10 | 100 | 127 | 169 | 172 | 192 | 198 | 203 | 224..=255) {
        return false;
    }
    a.is_private()
        || a.is_loopback()
        || a.is_link_local()
        || a.is_multicast()
        || a.is_broadcast()
        || a.is_unspecified()
        || x == 0
        || (x == 100 && (64..128).contains(&y))
        || matches!((x, y, z), (192, 0, 2) | (198, 51, 100) | (203, 0, 113))
        || x >= 240
}

/// [`special_v4`] for IPv6: loopback, unspecified, unique local, link-local, multicast and
/// documentation addresses.
fn special_v6(a: Ipv6Addr) -> bool {
    let first = a.segments()[0];
    a.is_loopback()
        || a.is_unspecified()
        || a.is_unique_local()
        || a.is_unicast_link_local()
        || a.is_multicast()
        || (first == 0x2001 && a.segments()[1] == 0x0db8)
}

/// The flags of a word (the high bit of each byte, others clear) as bits, bit `i` for byte
/// `i`: the multiplication puts each flag on its own bit, the eight of them on the top byte.
fn gather(flags: u64) -> u32 {
    (flags.wrapping_mul(0x0002_0408_1020_4081) >> 56) as u32
}

/// The high bit of each byte of `x` below `n` (at most 128), the others clear.
fn below(x: u64, n: u8) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    !(((x & !HIGH) + ONES * u64::from(0x80 - n)) | x) & HIGH
}

/// The IPv4 address written as a plain dotted quad (`203.0.113.7`: four decimal octets, none
/// above 255 and none with a leading zero), as a number; `None` for anything else, which the
/// standard library's parsers then read (IPv6, a port, ...). It accepts only what
/// `Ipv4Addr::from_str` accepts, with the same value. Every click from an address the log does
/// not place is read here, so it is read without a branch per byte (which random addresses
/// mispredict): the bytes in two words, their dots and digits found in all of them at once,
/// each octet's digits read where the dots put them.
fn dotted_quad(s: &[u8]) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let n = s.len();
    if !(7..=15).contains(&n) {
        return None;
    }
    let word = |b: &[u8]| b.try_into().map_or(0, u64::from_le_bytes);
    let half = |b: &[u8]| b.try_into().map_or(0, |b: [u8; 4]| u64::from(u32::from_le_bytes(b)));
    // Bytes 0..8 and 8..n, zero past the end: byte i of the text is byte i % 8 of word i / 8.
    let (lo, hi) = match n {
        8.. => (word(&s[..8]), word(&s[n - 8..]).checked_shr(8 * (16 - n as u32)).unwrap_or(0)),
        _ => (half(&s[..4]) | (half(&s[3..7]) << 24), 0),
    };
    let bits = |t: u64, n: u8| gather(below(lo ^ t, n)) | (gather(below(hi ^ t, n)) << 8);
    // A byte is a dot when it xors to zero with `.`, a digit when it xors below 10 with `0`.
    let (dots, digits) = (bits(ONES * u64::from(b'.'), 1), bits(ONES * u64::from(b'0'), 10));
    if dots.count_ones() != 3 || (dots | digits) != (1 << n) - 1 {
        return None;
    }
    // The dots' places: the lowest set bit, then with it cleared, then with the next cleared.
    let second = dots & (dots - 1);
    let [p1, p2, p3] = [dots, second, second & (second - 1)].map(|d| d.trailing_zeros() as usize);
    let (mut addr, mut start) = (0u32, 0);
    for end in [p1, p2, p3, n] {
        let len = end - start;
        if !(1..=3).contains(&len) || (len > 1 && s[start] == b'0') {
            return None;
        }
        // The last digit, and the ones before it when there are (else a zero's place).
        let digit = |back: usize| s.get(end.wrapping_sub(back)).map_or(0, |d| u32::from(d.wrapping_sub(b'0')));
        let value = digit(1) + u32::from(len >= 2) * 10 * digit(2) + u32::from(len == 3) * 100 * digit(3);
        if value > 255 {
            return None;
        }
        addr = (addr << 8) | value;
        start = end + 1;
    }
    Some(addr)
}

/// The slot of the country of the IPv4 address `a`.
fn slot_v4(a: Ipv4Addr) -> Slot {
    if special_v4(a) { UNPLACED } else { lookup_v4(u32::from(a)) }
}

/// The [`Slot`] of the country of the client address `client` (IPv4 or IPv6, with or without
/// a port): [`UNPLACED`] for a private, reserved or unassigned address or no address.
pub fn slot(client: &str) -> Slot {
    if let Some(a) = dotted_quad(client.as_bytes()) {
        return slot_v4(Ipv4Addr::from(a));
    }
    let addr = (client.parse::<IpAddr>().ok())
        .or_else(|| client.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| client.rsplit_once(':').and_then(|(a, _)| a.parse().ok()));
    match addr {
        Some(IpAddr::V4(a)) => slot_v4(a),
        Some(IpAddr::V6(a)) => match a.to_ipv4_mapped() {
            Some(a) => slot_v4(a),
            None if special_v6(a) => UNPLACED,
            None => lookup(IPV6, 16, u128::from(a), (0, IPV6.len() / 18)),
        },
        None => UNPLACED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two-letter country code of the client address `client`, or [`UNKNOWN`].
    fn country(client: &str) -> String {
        name(slot(client))
    }

    /// The slot of the IPv4 address `addr` by a search of the whole table, without the index.
    fn searched(addr: u32) -> Slot {
        lookup(IPV4, 4, u128::from(addr), (0, IPV4.len() / 6))
    }

    #[test]
    fn addresses_are_placed_by_their_registry_range() {
        // Ranges as the registries delegate them (APNIC's 1.0.0.0/24 to Australia, 1.0.1.0/24
        // to China; Google's public resolvers in the United States; the RIPE NCC's own
        // address space in the Netherlands).
        assert_eq!(country("1.0.0.1"), "AU");
        assert_eq!(country("1.0.1.7"), "CN");
        assert_eq!(country("8.8.8.8"), "US");
        assert_eq!(country("193.0.6.139"), "NL");
        assert_eq!(country("2001:4860:4860::8888"), "US");
        assert_eq!(country("::ffff:8.8.8.8"), "US", "an IPv4-mapped address is read as IPv4");
        assert_eq!(country("8.8.8.8:443"), "US", "a port is dropped");
        assert_eq!(country("[2001:4860:4860::8888]:443"), "US");
        for unplaced in [
            "10.1.2.3",
            "172.16.5.4",
            "192.168.0.1",
            "100.64.0.1",
            "127.0.0.1",
            "192.0.2.1",
            "203.0.113.20",
            "::1",
            "fd00::1",
            "fe80::1",
            "2001:db8::1",
            "",
            "-",
            "not an address",
            "999.1.1.1",
        ] {
            assert_eq!(country(unplaced), UNKNOWN, "{unplaced}");
        }
    }

    #[test]
    fn dotted_quads_are_read_as_the_standard_library_reads_them() {
        let std = |s: &str| s.parse::<Ipv4Addr>().ok().map(u32::from);
        for s in [
            "0.0.0.0",
            "255.255.255.255",
            "1.2.3.4",
            "203.0.113.7",
            "10.0.0.1",
            "01.2.3.4",
            "1.2.3.04",
            "1.2.3.256",
            "1.2.3",
            "1.2.3.4.",
            ".1.2.3.4",
            "1..2.3",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1.2.3.4:80",
            "1.2.3.-4",
            "+1.2.3.4",
            "1.2.3.1000",
            "0001.2.3.4",
            "1.2.3.00",
            "1.2.3.0",
            "::1",
            "",
            "a.b.c.d",
            "1.2.3.4x",
            "999.1.1.1",
        ] {
            assert_eq!(dotted_quad(s.as_bytes()), std(s), "{s:?}");
        }
        // Random strings of mostly digits and dots, and random addresses, some with a leading
        // zero.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut read = 0;
        for _ in 0..300_000 {
            let r = next();
            let s: String = if r % 3 == 0 {
                let len = (r >> 8) % 17;
                // Digits, dots, and bytes that are neither (one of them above 127, in `é`).
                let alphabet = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '.', '.', ':', '/', 'é'];
                (0..len).map(|i| alphabet[((r >> (12 + 4 * i % 48)) % 15) as usize]).collect()
            } else {
                let o = (r >> 8) as u32;
                let lead = if r % 7 == 0 { "0" } else { "" };
                format!("{}.{}.{lead}{}.{}", o >> 24, (o >> 16) & 255, (o >> 8) & 255, o & 255)
            };
            let fast = dotted_quad(s.as_bytes());
            assert_eq!(fast, std(&s), "{s:?}");
            read += usize::from(fast.is_some());
        }
        assert!(read > 150_000, "{read}: most were addresses");
    }

    #[test]
    fn the_index_finds_what_the_whole_table_finds() {
        let mut x: u32 = 0x1234_5678;
        // Addresses found per /16, per /24, and searched for among records.
        let mut ways = [0; 3];
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let a = Ipv4Addr::from(x);
            assert_eq!(lookup_v4(x), searched(x), "{a}");
            let whole = IPV4_INDEX.whole[(x >> 16) as usize];
            let block = usize::from(whole.saturating_sub(BLOCK)) * 256 + ((x >> 8) & 0xff) as usize;
            let way = match IPV4_INDEX.blocks.get(block) {
                _ if whole < BLOCK => 0,
                Some(&code) if code != MIXED => 1,
                _ => 2,
            };
            ways[way] += 1;
        }
        // Every way of finding a code was taken: most /16s have one code, many have several,
        // and a few of their /24s too.
        assert!((100_000..190_000).contains(&ways[0]), "{ways:?}: found per /16");
        assert!(ways[1] > 1_000 && ways[2] > 10, "{ways:?}");
        for edge in [0, 0xffff_ffff, 0x0100_0000, 0x0100_00ff, 0x0100_0100] {
            let a = Ipv4Addr::from(edge);
            assert_eq!(lookup_v4(edge), searched(edge), "{a}");
        }
        // Every record starting in a /16 or /24 the index gives one code has that code.
        for i in 0..IPV4.len() / 6 {
            let at = start_v4(i);
            assert_eq!(lookup_v4(at), code_at(IPV4, 4, i), "{}", Ipv4Addr::from(at));
        }
        // Every /24 of every /16 with a block, at its first and last address.
        for (prefix, &whole) in (0u32..).zip(&IPV4_INDEX.whole) {
            if whole >= BLOCK {
                for sub in 0..256 {
                    for addr in [(prefix << 16) | (sub << 8), (prefix << 16) | (sub << 8) | 0xff] {
                        assert_eq!(lookup_v4(addr), searched(addr));
                    }
                }
            }
        }
    }

    #[test]
    fn tables_are_sorted_records() {
        for (table, width) in [(IPV4, 4), (IPV6, 16)] {
            assert_eq!(table.len() % (width + 2), 0);
            let starts: Vec<&[u8]> = table.chunks(width + 2).map(|r| &r[..width]).collect();
            assert!(starts.windows(2).all(|w| w[0] < w[1]), "sorted, one record a start");
        }
    }
}
