//! The program as a reduce outside refstats needs it (`refstats --program-table FILE`): which
//! link, partner and ad codes are the program's, and every (parent, member) pair of the
//! partner tree, so that the Spark job flags codes and sums downlines exactly as refstats does
//! without reading the program's TOML. One Parquet file:
//!
//! | `kind` | `partner` | `code` |
//! | --- | --- | --- |
//! | `link` | (empty) | a link code |
//! | `partner` | a partner code | (empty) |
//! | `ad` | the partner | one of its ad codes |
//! | `downline` | a partner | a member of its downline (a child, a child's child, ...) |
//! | `program` | (empty) | the program's name |

use polars::prelude::*;
use refcenter_model::Program;

use crate::store::partition::to_parquet;

/// The Parquet bytes of `program`'s table, rows sorted.
pub fn encode(program: &Program) -> PolarsResult<Vec<u8>> {
    let mut rows: Vec<[&str; 3]> = vec![["program", "", program.settings.name.as_str()]];
    for link in program.links() {
        rows.push(["link", "", link.code.as_str()]);
    }
    for p in program.partners() {
        rows.push(["partner", p.code.as_str(), ""]);
        for ad in &p.ads {
            rows.push(["ad", p.code.as_str(), ad.code.as_str()]);
        }
        for (member, _) in program.tree().downline(p.code.as_str()) {
            rows.push(["downline", p.code.as_str(), member.as_str()]);
        }
    }
    rows.sort_unstable();
    rows.dedup();
    let columns = ["kind", "partner", "code"]
        .iter()
        .enumerate()
        .map(|(i, name)| StringChunked::from_iter_values((*name).into(), rows.iter().map(|r| r[i])).into_column())
        .collect();
    let mut df = DataFrame::new(rows.len(), columns)?;
    to_parquet(&mut df)
}
