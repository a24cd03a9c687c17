//! Which program a command works on: the file named with `--config`, else `partners.toml`
//! in the current folder, else the sample program built into the binary.

use std::path::{Path, PathBuf};

use refcenter_model::{DiskFiles, Loaded, load};

use crate::failure::Failure;

/// Where the program comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramSource {
    /// A root program file on disk.
    File(PathBuf),
    /// The built-in sample.
    Sample,
}

/// The name of the program file looked for in the current folder.
pub const DEFAULT_FILE: &str = "partners.toml";

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

    /// Loads and checks the program.
    pub fn load(&self) -> Result<Loaded, Failure> {
        let result = match self {
            ProgramSource::File(path) => {
                let (files, root) = DiskFiles::for_program_file(path);
                load(&files, &root)
            }
            ProgramSource::Sample => load(&refcenter_sample::files(), Path::new(refcenter_sample::ROOT)),
        };
        result.map_err(|e| Failure::load(&self.name(), e))
    }
}
