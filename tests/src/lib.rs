//! Helpers for the end-to-end tests: finding the real binaries, copying fixture programs into
//! temporary folders, snapshotting folders to prove a command wrote nothing, and golden files.
//!
//! The binaries are the ones `cargo test --workspace` builds next to this crate's test
//! executables, so the tests always run what was just compiled.

pub mod host_matchers;
pub mod http;
pub mod redirect_cases;
pub mod servers;
pub mod webdriver;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The folder of this crate's fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The repository root (the workspace), where the sample program lives.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate sits in the workspace").to_path_buf()
}

/// The path of the workspace binary `name`, built by `cargo test --workspace`.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable has a path");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe.parent().and_then(Path::parent).expect("test executables live in target/<profile>/deps");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.is_file(), "{} is not built: run the whole suite with `cargo test --workspace`", path.display());
    path
}

/// A small random number generator (xorshift): the same numbers for the same seed, so that a
/// test's generated data or random points can be replayed.
pub struct Rng(pub u64);

impl Rng {
    /// The next number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// The secret every test run uses, so that private paths are the same in every build.
pub const TEST_SECRET: &str = "test-secret-for-the-refcenter-suite";

/// The environment variables the binaries read their settings from; a test starts without
/// them, whatever the shell running the suite has set.
pub const SETTINGS_VARIABLES: [&str; 7] = [
    "REFCENTER_CONFIG",
    "REFGEN_OUT",
    "REFGEN_STATS",
    "REFSTATS_STORE",
    "REFSTATS_FORMAT",
    "REFSTATS_FORMATS",
    "REFSTATS_AS_OF",
];

/// The binary `name` to run in `dir`, without colours, with [`TEST_SECRET`] and none of the
/// [`SETTINGS_VARIABLES`].
pub fn command(name: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(bin(name));
    cmd.current_dir(dir).env("NO_COLOR", "1").env("REFGEN_SECRET", TEST_SECRET);
    for variable in SETTINGS_VARIABLES {
        cmd.env_remove(variable);
    }
    cmd
}

/// Runs the binary `name` with `args` in `dir`, without colours, with [`TEST_SECRET`].
pub fn run(name: &str, args: &[&str], dir: &Path) -> Output {
    command(name, dir).args(args).output().expect("the binary starts")
}

/// Copies the sample program (`partners.toml`, `partners/`, `content/`) into the folder `to`.
pub fn copy_sample(to: &Path) {
    std::fs::create_dir_all(to).expect("folders can be made");
    std::fs::copy(repo_root().join("partners.toml"), to.join("partners.toml")).expect("files can be copied");
    for folder in ["partners", "content", "ads"] {
        std::fs::create_dir_all(to.join(folder)).expect("folders can be made");
        copy_dir(&repo_root().join(folder), &to.join(folder), &[]);
    }
}

/// Copies the folder `from` into `to`, keeping symbolic links as links and leaving out the
/// files named in `skip`.
pub fn copy_dir(from: &Path, to: &Path, skip: &[&str]) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.expect("fixture folders are readable");
        let rel = entry.path().strip_prefix(from).expect("walk stays below its root");
        if skip.iter().any(|s| rel == Path::new(s)) {
            continue;
        }
        let dest = to.join(rel);
        if entry.path_is_symlink() {
            let target = std::fs::read_link(entry.path()).expect("links can be read");
            std::os::unix::fs::symlink(target, &dest).expect("links can be made");
        } else if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("folders can be made");
        } else {
            std::fs::copy(entry.path(), &dest).expect("files can be copied");
        }
    }
}

/// Every file and link below `dir` with its content (a link's target for links).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("folders can be walked"))
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let content = if e.path_is_symlink() {
                std::fs::read_link(e.path()).expect("links can be read").into_os_string().into_encoded_bytes()
            } else {
                std::fs::read(e.path()).expect("files can be read")
            };
            (e.path().strip_prefix(dir).expect("below the root").to_path_buf(), content)
        })
        .collect()
}

/// Builds the program at `config` into `out` with the real `refgen`, panicking with its
/// messages when the build fails.
pub fn build(config: &Path, out: &Path) {
    let out_arg = out.to_str().expect("temporary paths are UTF-8");
    let config_arg = config.to_str().expect("paths are UTF-8");
    let result = run("refgen", &["build", "--config", config_arg, "--out", out_arg], Path::new("."));
    assert_eq!(result.status.code(), Some(0), "refgen build failed:\n{}", String::from_utf8_lossy(&result.stderr));
}

/// Every partner's private path (`/p/<token>/`) by code, in the order of the admin's list
/// `<out>/private/partner-access.csv` that `refgen build` wrote.
pub fn private_paths(out: &Path) -> Vec<(String, String)> {
    let csv = std::fs::read_to_string(out.join("private/partner-access.csv")).expect("the build wrote the access list");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("code,name,email,private_url"), "the access list's header");
    lines
        .map(|line| {
            let code = line.split(',').next().unwrap_or_default().to_owned();
            let url = line.rsplit(',').next().unwrap_or_default();
            let path = url.find("/p/").map(|at| url[at..].to_owned()).unwrap_or_else(|| panic!("no /p/ in {url}"));
            (code, path)
        })
        .collect()
}

/// Compares `actual` with the golden file at `path`; with `REFCENTER_BLESS=1`, rewrites the
/// golden file instead.
pub fn assert_golden(path: &Path, actual: &str) {
    if std::env::var_os("REFCENTER_BLESS").is_some() {
        std::fs::write(path, actual).expect("golden files can be written");
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with REFCENTER_BLESS=1 to create it", path.display()));
    if expected != actual {
        panic!(
            "{} differs from the output (run with REFCENTER_BLESS=1 to accept the new output)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}
