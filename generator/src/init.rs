//! `refgen init DIR`: a new program, copied from the sample, ready to check and build.
//!
//! The files are written into a hidden folder beside `DIR` and moved into place at the end,
//! so an interrupted init leaves no half-written program.

use std::path::Path;

use refcenter_model::secret;

use crate::failure::Failure;

/// The `.gitignore` of a new program: build output and the secret stay out of git.
const GITIGNORE: &str = "/output/\n/.refgen-secret\n";

/// Writes the sample program into `dir` and returns what to tell the user.
pub fn init(dir: &Path) -> Result<String, Failure> {
    let occupied = std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(false);
    if occupied || dir.is_file() {
        return Err(Failure::usage(
            format!("{} already exists and is not empty", dir.display()),
            &std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            "name a new folder, or an empty one",
        ));
    }
    let io = |what: &str, e: std::io::Error| {
        Failure::usage(format!("cannot {what}"), &e, "check that the parent folder exists and is writable")
    };
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "program".to_owned());
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let staging = parent.join(format!(".{name}.init-{}", std::process::id()));
    let result = (|| {
        std::fs::create_dir_all(&staging).map_err(|e| io("create the new program's folder", e))?;
        for (path, bytes) in refcenter_sample::files().iter() {
            let target = staging.join(path);
            if let Some(p) = target.parent() {
                std::fs::create_dir_all(p).map_err(|e| io(&format!("create {}", p.display()), e))?;
            }
            std::fs::write(&target, bytes).map_err(|e| io(&format!("write {}", target.display()), e))?;
        }
        std::fs::write(staging.join(".gitignore"), GITIGNORE).map_err(|e| io("write .gitignore", e))?;
        if dir.exists() {
            std::fs::remove_dir(dir).map_err(|e| io(&format!("replace the empty folder {}", dir.display()), e))?;
        }
        std::fs::rename(&staging, dir).map_err(|e| io(&format!("move the new program into {}", dir.display()), e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result?;
    let d = dir.display();
    Ok(format!(
        "created a new program in {d} (a copy of the sample: edit partners.toml, partners/ and content/)\n\
         next:\n  cd {d}\n  refgen check\n  refgen build      # generates {} on first use; keep it out of git\n  refgen serve      # preview on http://127.0.0.1:8000/\n",
        secret::FILE_NAME
    ))
}
