//! Which program a command works on: the file named with `--config`, else `partners.toml` in
//! the current folder, else the sample program built into the binaries.

use std::path::{Path, PathBuf};

use refcenter_model::{DiskFiles, Files, Loaded, load};

use crate::failure::Failure;

/// The name of the program file looked for in the current folder.
pub const DEFAULT_FILE: &str = "partners.toml";

/// Where the program comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramSource {
    /// A root program file on disk.
    File(PathBuf),
    /// The built-in sample.
    Sample,
}

impl ProgramSource {
    /// The program named on the command line, or the default one.
    pub fn resolve(config: Option<&Path>) -> ProgramSource {
        match config {
            Some(path) => ProgramSource::File(path.to_path_buf()),
            None if Path::new(DEFAULT_FILE).is_file() => ProgramSource::File(PathBuf::from(DEFAULT_FILE)),
            None => ProgramSource::Sample,
        }
    }

    /// How to name this program in messages.
    pub fn name(&self) -> String {
        match self {
            ProgramSource::File(path) => path.display().to_string(),
            ProgramSource::Sample => "the built-in sample program".to_owned(),
        }
    }

    /// The program's files and the root file's path among them.
    pub fn files(&self) -> (Box<dyn Files + Send + Sync>, PathBuf) {
        match self {
            ProgramSource::File(path) => {
                let (files, root) = DiskFiles::for_program_file(path);
                (Box::new(files), root)
            }
            ProgramSource::Sample => (Box::new(refcenter_sample::files()), PathBuf::from(refcenter_sample::ROOT)),
        }
    }

    /// The folder of the program file (the current folder for the sample): where the secret
    /// file and the program's own folders are.
    pub fn dir(&self) -> PathBuf {
        match self {
            ProgramSource::File(path) => match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            },
            ProgramSource::Sample => PathBuf::from("."),
        }
    }

    /// Loads and checks the program; `consequence` says what a failure leaves undone.
    pub fn load(&self, consequence: &str) -> Result<Loaded, Failure> {
        let (files, root) = self.files();
        load(files.as_ref(), &root).map_err(|e| Failure::load(&self.name(), e, consequence))
    }
}
