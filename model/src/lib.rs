//! The referral program's data model, shared by the generator (`refgen`) and the log
//! processor (`refstats`).
//!
//! A program lives in `partners.toml` and the files it includes. [`load`] reads them through
//! a [`Files`] tree, checks everything and returns either a [`Program`] or every problem found,
//! each with its file, line, column and a hint. The program knows its partner tree and builds
//! the tracking links and redirect destinations both binaries agree on.
//!
//! ```
//! use std::path::Path;
//! use refcenter_model::{DiskFiles, load};
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("partners.toml"), r#"
//!     [program]
//!     name = "Hair Care"
//!     base_url = "https://go.example.com"
//!     fallback_url = "https://www.example.com/"
//!
//!     [[links]]
//!     code = "xyz"
//!     name = "Sample"
//!     destination = "https://www.example.com/shop?lang=en"
//!
//!     [[partners]]
//!     code = "sam"
//!     name = "Samantha"
//! "#).unwrap();
//! let loaded = load(&DiskFiles::new(dir.path()), Path::new("partners.toml")).unwrap();
//! let program = &loaded.program;
//! let (link, sam) = (program.link("xyz").unwrap(), program.partner("sam").unwrap());
//! assert_eq!(program.tracking_url(link, sam, None).as_str(), "https://go.example.com/go/xyz/sam");
//! assert_eq!(
//!     program.destination_url(link, Some(sam), None).as_str(),
//!     "https://www.example.com/shop?lang=en&utm_source=sam&utm_medium=referral&utm_campaign=xyz",
//! );
//! ```

pub mod attribution;
pub mod code;
pub mod commission;
pub mod commission_check;
pub mod diagnostic;
pub mod error;
pub mod file_format;
pub mod files;
pub mod json_file;
pub mod load;
pub mod money;
pub mod page_stats;
pub mod program;
pub mod request_path;
pub mod schema;
pub mod secret;
pub mod source;
pub mod suggest;
pub mod target;
pub mod tree;
pub mod url_scheme;
pub mod validate;

use std::path::Path;

pub use code::Code;
pub use diagnostic::{Diagnostic, Style};
pub use error::LoadError;
pub use files::{DiskFiles, Files};
pub use program::{Ad, Link, MediaType, Partner, Program, Settings};
pub use secret::Secret;
pub use source::SourceMap;
pub use target::RedirectTarget;

/// A checked program with the text of the files it came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The program.
    pub program: Program,
    /// The files it was read from, in load order.
    pub sources: SourceMap,
}

/// Loads and checks the program whose root file is `root` (a path inside `files`).
pub fn load(files: &dyn Files, root: &Path) -> Result<Loaded, LoadError> {
    let (raw, sources, diagnostics) = load::read_program(files, root)?;
    match validate::validate(&raw, diagnostics) {
        Ok(mut program) => {
            program.settings.stats.places = validate::stats_places(&raw, &sources);
            Ok(Loaded { program, sources })
        }
        Err(diagnostics) => Err(LoadError::Invalid { sources, diagnostics }),
    }
}

/// Loads and checks the program whose root file is at `path` on disk.
pub fn load_path(path: &Path) -> Result<Loaded, LoadError> {
    let (files, name) = DiskFiles::for_program_file(path);
    load(&files, &name)
}
