//! Where a program's files come from: a folder on disk, or a set of files built into the
//! binary (the sample program). The loader reads through this trait only, so both behave
//! alike, include globs included.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

use glob::{MatchOptions, Pattern};

/// A tree of files, addressed by `/`-separated paths relative to the program's folder.
pub trait Files {
    /// The bytes of the file at `path`.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Every file below the folder `dir` (`""` for the program folder), recursively, as paths
    /// relative to the program folder. A missing folder gives an empty list.
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// How to show `path` in messages.
    fn display(&self, path: &Path) -> String;
}

/// Files on disk, below one folder.
#[derive(Clone, Debug)]
pub struct DiskFiles {
    root: PathBuf,
}

impl DiskFiles {
    /// The files below `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DiskFiles { root: root.into() }
    }

    /// Splits the path of a root program file into the files of its folder and its name in
    /// that folder.
    pub fn for_program_file(path: &Path) -> (DiskFiles, PathBuf) {
        let name = path.file_name().map(PathBuf::from).unwrap_or_else(|| path.to_path_buf());
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        (DiskFiles::new(dir), name)
    }
}

impl Files for DiskFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(self.root.join(path))
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let start = self.root.join(dir);
        if !start.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&start).sort_by_file_name() {
            let entry = entry.map_err(io::Error::other)?;
            // Links are listed too, so that a dangling one is reported rather than skipped.
            if entry.file_type().is_file() || entry.path_is_symlink() {
                let rel = entry.path().strip_prefix(&self.root).map_err(io::Error::other)?;
                out.push(rel.to_path_buf());
            }
        }
        Ok(out)
    }

    fn display(&self, path: &Path) -> String {
        let full = if self.root.as_os_str().is_empty() { path.to_path_buf() } else { self.root.join(path) };
        full.to_string_lossy().replace('\\', "/")
    }
}

/// Files held in memory: the sample program built into the binaries, and tests.
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles {
    files: BTreeMap<PathBuf, Vec<u8>>,
    label: Option<String>,
}

impl MemoryFiles {
    /// Files from `(path, bytes)` pairs; `label`, when given, is shown before every path in
    /// messages (e.g. "(built-in sample)").
    pub fn new(files: impl IntoIterator<Item = (PathBuf, Vec<u8>)>, label: Option<&str>) -> Self {
        MemoryFiles { files: files.into_iter().collect(), label: label.map(str::to_owned) }
    }

    /// Every file with its bytes, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&Path, &[u8])> {
        self.files.iter().map(|(p, b)| (p.as_path(), b.as_slice()))
    }
}

impl Files for MemoryFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let path = path.strip_prefix(".").unwrap_or(path);
        self.files.get(path).cloned().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(self.files.keys().filter(|p| p.starts_with(dir)).cloned().collect())
    }

    fn display(&self, path: &Path) -> String {
        match &self.label {
            Some(label) => format!("{label} {}", path.display()),
            None => path.display().to_string(),
        }
    }
}

/// Why an include pattern cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GlobError {
    /// The pattern is not a valid glob.
    #[error("not a valid glob pattern: {0}")]
    Syntax(String),
    /// The pattern leaves the program folder.
    #[error("include patterns must stay inside the program's folder (no absolute paths, no `..`)")]
    Escapes,
    /// Listing the folder failed.
    #[error("cannot list {0}: {1}")]
    Io(String, io::Error),
}

/// The files matching `pattern`, sorted by path. `*` and `?` do not cross `/`; `**` does.
pub fn glob(files: &dyn Files, pattern: &str) -> Result<Vec<PathBuf>, GlobError> {
    let path = Path::new(pattern);
    if path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(GlobError::Escapes);
    }
    let compiled = Pattern::new(pattern.trim_start_matches("./")).map_err(|e| GlobError::Syntax(e.msg.to_owned()))?;
    // Only walk the folder named by the pattern's literal leading components.
    let literal: PathBuf =
        path.components().take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '['])).collect();
    let base = if literal == path { literal.parent().map(Path::to_path_buf).unwrap_or_default() } else { literal };
    let options = MatchOptions { require_literal_separator: true, ..MatchOptions::new() };
    let mut found: Vec<PathBuf> = files
        .list(&base)
        .map_err(|e| GlobError::Io(files.display(&base), e))?
        .into_iter()
        .filter(|p| compiled.matches_path_with(p, options))
        .collect();
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in ["partners/b.toml", "partners/a.toml", "partners/x.txt", "partners/deep/c.toml", "root.toml"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        dir
    }

    #[test]
    fn star_stays_in_one_folder_and_results_are_sorted() {
        let dir = tree();
        let files = DiskFiles::new(dir.path());
        let got = glob(&files, "partners/*.toml").unwrap();
        assert_eq!(got, vec![PathBuf::from("partners/a.toml"), PathBuf::from("partners/b.toml")]);
        let deep = glob(&files, "partners/**/*.toml").unwrap();
        assert_eq!(deep.len(), 3);
        assert_eq!(glob(&files, "./root.toml").unwrap(), vec![PathBuf::from("root.toml")]);
    }

    #[test]
    fn missing_folders_match_nothing_and_escapes_are_refused() {
        let dir = tree();
        let files = DiskFiles::new(dir.path());
        assert!(glob(&files, "nowhere/*.toml").unwrap().is_empty());
        assert!(matches!(glob(&files, "../*.toml"), Err(GlobError::Escapes)));
        assert!(matches!(glob(&files, "/etc/*"), Err(GlobError::Escapes)));
        assert!(matches!(glob(&files, "partners/[.toml"), Err(GlobError::Syntax(_))));
    }
}
