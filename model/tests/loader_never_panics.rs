//! Property tests: no text, however broken, makes the loader or the diagnostic renderer panic,
//! and every failure comes with at least one diagnostic pointing inside its file.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use refcenter_model::files::MemoryFiles;
use refcenter_model::{LoadError, Style, load};

fn sample_root() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../partners.toml")).unwrap()
}

/// Loads `root` (and `included` as `partners/x.toml`) and checks the shape of the outcome.
fn load_and_check(root: &[u8], included: &[u8]) {
    let files = MemoryFiles::new(
        [(PathBuf::from("partners.toml"), root.to_vec()), (PathBuf::from("partners/x.toml"), included.to_vec())],
        None,
    );
    match load(&files, Path::new("partners.toml")) {
        Ok(_) => {}
        Err(LoadError::Io { .. }) => panic!("the root file exists, so no I/O error is possible"),
        Err(e @ LoadError::Invalid { .. }) => {
            let LoadError::Invalid { sources, diagnostics } = &e else { unreachable!() };
            assert!(!diagnostics.is_empty(), "a failure lists its problems");
            for d in diagnostics {
                if let Some(p) = &d.primary {
                    let len = sources.get(p.at.file).text.len();
                    assert!(p.at.span.start <= len && p.at.span.end <= len + 3, "{d:?} points outside its file");
                }
            }
            let text = e.render(Style::Plain);
            assert!(text.contains("error: "));
        }
    }
}

/// Pieces of TOML and of the program format that make interesting edits.
const FRAGMENTS: &[&str] = &[
    "\n",
    "[[partners]]\n",
    "[[partners.ads]]\n",
    "[[links]]\n",
    "[program]\n",
    "code = ",
    "\"x\"",
    "\"\"",
    "=",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'''",
    "parent = \"samantha\"\n",
    "parent = \"swdf\"\n",
    "ads = 5\n",
    "start = 2024-13-01\n",
    "start = 1979-05-27T07:32:00Z\n",
    "media = \"tv\"\n",
    "include = [\"../*\"]\n",
    "include = [\"[\"]\n",
    "é",
    "\u{0}",
    "\u{feff}",
    "#",
    "status = 99999999999999999999\n",
    "groups = [1, 2]\n",
    "destination = \"javascript:x\"\n",
    "attribution = { a = \"{\" }\n",
    "partners = [\"zz\"]\n",
    "\r\n",
];

fn mutated_sample() -> impl Strategy<Value = String> {
    let edits =
        prop::collection::vec((any::<prop::sample::Index>(), 0usize..40, prop::sample::select(FRAGMENTS)), 1..6);
    edits.prop_map(|edits| {
        let mut text = sample_root();
        for (at, delete, insert) in edits {
            let mut start = at.index(text.len() + 1);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + delete).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, insert);
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(root in prop::collection::vec(any::<u8>(), 0..400), included in prop::collection::vec(any::<u8>(), 0..100)) {
        load_and_check(&root, &included);
    }

    #[test]
    fn random_text(root in ".{0,300}", included in "\\PC{0,100}") {
        load_and_check(root.as_bytes(), included.as_bytes());
    }

    #[test]
    fn edited_sample_program(root in mutated_sample(), included in mutated_sample()) {
        let root = format!("include = [\"partners/*.toml\"]\n{root}");
        load_and_check(root.as_bytes(), included.as_bytes());
    }
}

#[test]
fn the_unedited_sample_loads_and_needs_its_includes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let alone = MemoryFiles::new([(PathBuf::from("partners.toml"), sample_root().into_bytes())], None);
    assert!(load(&alone, Path::new("partners.toml")).is_err(), "its include pattern matches nothing here");
    let mut files = vec![(PathBuf::from("partners.toml"), sample_root().into_bytes())];
    for folder in ["partners", "ads"] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            files.push((Path::new(folder).join(path.file_name().unwrap()), std::fs::read(&path).unwrap()));
        }
    }
    let loaded = load(&MemoryFiles::new(files, None), Path::new("partners.toml")).unwrap();
    assert_eq!(loaded.program.partners().len(), 6);
    assert_eq!(loaded.program.partner("swdf").unwrap().ads.len(), 2, "its own ad and the one in ads/");
}
