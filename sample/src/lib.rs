//! The sample program, built into the binaries: `partners.toml`, the partner and ad files it
//! includes and the `content/` folder, exactly as they are at the root of this repository.
//!
//! Commands use it when no program file is named and none is in the current folder, and
//! `refgen init` writes it out as the start of a new program.
//!
//! ```
//! use std::path::Path;
//! let files = refcenter_sample::files();
//! let loaded = refcenter_model::load(&files, Path::new(refcenter_sample::ROOT)).unwrap();
//! assert_eq!(loaded.program.settings.name, "Martyc Hair Care");
//! ```

use std::path::{Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};
use refcenter_model::files::MemoryFiles;

/// The root program file's path inside the sample.
pub const ROOT: &str = "partners.toml";

static ROOT_FILE: &str = include_str!("../../partners.toml");
static PARTNERS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../partners");
static CONTENT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../content");
static ADS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../ads");

/// The sample's files, with paths relative to the program folder.
pub fn files() -> MemoryFiles {
    let mut all = vec![(PathBuf::from(ROOT), ROOT_FILE.as_bytes().to_vec())];
    for (prefix, dir) in [("partners", &PARTNERS), ("content", &CONTENT), ("ads", &ADS)] {
        collect(dir, Path::new(prefix), &mut all);
    }
    MemoryFiles::new(all, Some("(built-in sample)"))
}

fn collect(dir: &'static Dir<'static>, prefix: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => collect(d, prefix, out),
            DirEntry::File(f) => out.push((prefix.join(f.path()), f.contents().to_vec())),
        }
    }
}

#[cfg(test)]
mod tests {
    use refcenter_model::Files;

    use super::*;

    #[test]
    fn holds_the_program_its_partner_files_and_content() {
        let files = files();
        let paths: Vec<&Path> = files.iter().map(|(p, _)| p).collect();
        for expected in ["partners.toml", "partners/swdf.toml", "content/banners/leaderboard.svg"] {
            assert!(paths.contains(&Path::new(expected)), "{expected} missing from {paths:?}");
        }
        assert_eq!(files.read(Path::new("partners.toml")).unwrap(), ROOT_FILE.as_bytes());
        assert!(files.read(Path::new("nope.toml")).is_err());
    }

    #[test]
    fn the_sample_program_checks_clean() {
        let loaded = refcenter_model::load(&files(), Path::new(ROOT)).unwrap_or_else(|e| {
            panic!("{}", e.render(refcenter_model::Style::Plain));
        });
        let program = loaded.program;
        assert_eq!(program.links().len(), 4);
        assert_eq!(program.partners().len(), 6);
        assert_eq!(program.tree().children("samantha").len(), 2);
    }
}
