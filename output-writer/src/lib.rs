//! The one place that writes output: `refgen build`'s site, `refstats`'s reports and partials.
//! Files go into a staging folder beside the output folder; only when every file is written
//! does the staging folder replace the output folder, in one atomic exchange where the file
//! system allows it. A run that fails or is interrupted leaves the previous output as it was.
//! Threads of one build may write files side by side through the same writer.

use std::collections::HashSet;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file system operation failed.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// Two parts of the build wanted the same file.
    #[error("two parts of the build write {0}")]
    Duplicate(String),
    /// A path that would leave the output folder.
    #[error("refusing to write outside the output folder: {0}")]
    Escapes(String),
}

/// A build being written. Dropping it without [`OutputWriter::commit`] removes what it wrote.
#[derive(Debug)]
pub struct OutputWriter {
    target: PathBuf,
    staging: PathBuf,
    /// What was written so far, shared by the threads writing.
    records: Mutex<Records>,
    committed: bool,
}

/// The paths an [`OutputWriter`] has written and the folders it has made.
#[derive(Debug, Default)]
struct Records {
    /// The paths written so far, by [`fingerprint`] (a build of a million files keeps 16 bytes
    /// each, not the paths), to refuse a path written twice.
    written: HashSet<u128>,
    /// The folders made in the staging folder so far, by [`fingerprint`], so each is made once.
    folders: HashSet<u128>,
}

/// A 128-bit hash of a path, which stands for it in the writer's records: two different paths
/// of a build share one with a chance of about 10^-26 for a million files (then the second
/// would be refused as a duplicate, or its folder not made, and the build would fail: never a
/// wrong output).
fn fingerprint(path: &Path) -> u128 {
    use std::hash::Hasher as _;
    let mut h = siphasher::sip128::SipHasher13::new();
    h.write(path.as_os_str().as_encoded_bytes());
    siphasher::sip128::Hasher128::finish128(&h).as_u128()
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> OutputError + 'a {
    move |source| OutputError::Io { action, path: path.to_path_buf(), source }
}

/// Removes the staging folders of `name` in `parent` that runs which no longer exist left
/// behind (killed before they could clean up).
fn remove_leftovers(parent: &Path, name: &str) -> Result<(), OutputError> {
    let prefix = format!(".{name}.building-");
    let Ok(entries) = std::fs::read_dir(parent) else { return Ok(()) };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else { continue };
        let pid = match rest.strip_suffix(".old") {
            // The previous output, moved aside by a run killed before the new one was in place.
            Some(_) if !parent.join(name).exists() => continue,
            Some(pid) => pid,
            None => rest,
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid == std::process::id() || !running(pid) {
            let path = entry.path();
            std::fs::remove_dir_all(&path).map_err(io_error("remove", &path))?;
        }
    }
    Ok(())
}

/// Whether the process `pid` is running; where the system does not say (no `/proc`), it is
/// taken to be, so that nothing of a live run is removed.
fn running(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

impl OutputWriter {
    /// Starts a build that will replace the folder `target`.
    pub fn begin(target: &Path) -> Result<OutputWriter, OutputError> {
        let name = target.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io_error("create", &parent))?;
        remove_leftovers(&parent, &name)?;
        let staging = parent.join(format!(".{name}.building-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io_error("remove", &staging))?;
        }
        std::fs::create_dir(&staging).map_err(io_error("create", &staging))?;
        Ok(OutputWriter { target: target.to_path_buf(), staging, records: Mutex::default(), committed: false })
    }

    /// Writes one file at `path` (`/`-separated, relative to the output folder).
    pub fn write(&self, path: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let full = self.claim(path)?;
        std::fs::write(&full, bytes).map_err(io_error("write", &full))
    }

    /// Writes one file at `path` as `fill` produces it, without holding it whole in memory.
    pub fn write_with(
        &self,
        path: &str,
        fill: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let full = self.claim(path)?;
        let file = std::fs::File::create(&full).map_err(io_error("create", &full))?;
        let mut out = io::BufWriter::with_capacity(1 << 16, file);
        fill(&mut out).and_then(|()| io::Write::flush(&mut out)).map_err(io_error("write", &full))
    }

    /// Writes one file at `path` into the file `fill` is handed, unbuffered: for a writer that
    /// copies from other files (which the system then copies without reading them through).
    pub fn write_file(
        &self,
        path: &str,
        fill: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let full = self.claim(path)?;
        let mut file = std::fs::File::create(&full).map_err(io_error("create", &full))?;
        fill(&mut file).map_err(io_error("write", &full))
    }

    /// Writes the files at `paths` side by side as `fill` produces them, each through its own
    /// buffered writer (in the order of `paths`), without holding them whole in memory: for
    /// one content in several formats, made a part at a time.
    pub fn write_many(
        &self,
        paths: &[&str],
        fill: impl FnOnce(&mut [io::BufWriter<std::fs::File>]) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let mut outs = Vec::with_capacity(paths.len());
        let mut fulls = Vec::with_capacity(paths.len());
        for path in paths {
            let full = self.claim(path)?;
            let file = std::fs::File::create(&full).map_err(io_error("create", &full))?;
            outs.push(io::BufWriter::with_capacity(1 << 16, file));
            fulls.push(full);
        }
        let label = fulls.first().cloned().unwrap_or_else(|| self.staging.clone());
        fill(&mut outs).map_err(io_error("write", &label))?;
        for (out, full) in outs.iter_mut().zip(&fulls) {
            io::Write::flush(out).map_err(io_error("write", full))?;
        }
        Ok(())
    }

    /// Keeps the file at `path` of the output being replaced, unchanged (a hard link where the
    /// file system allows it, else a copy); `false` when the old output has no such file.
    pub fn keep(&self, path: &str) -> Result<bool, OutputError> {
        let old = self.target.join(path);
        if !old.is_file() {
            return Ok(false);
        }
        let full = self.claim(path)?;
        if std::fs::hard_link(&old, &full).is_err() {
            std::fs::copy(&old, &full).map_err(io_error("copy", &old))?;
        }
        Ok(true)
    }

    /// Checks `path` and makes its folder; the full path in the staging folder.
    fn claim(&self, path: &str) -> Result<PathBuf, OutputError> {
        let rel = Path::new(path);
        if path.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(OutputError::Escapes(path.to_owned()));
        }
        // A writer whose other thread panicked while holding the records left them whole: each
        // is one insert.
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if !records.written.insert(fingerprint(rel)) {
            return Err(OutputError::Duplicate(path.to_owned()));
        }
        let full = self.staging.join(rel);
        // The folders not made yet, made from the top down and each recorded: one `mkdir` per
        // folder (`create_dir_all` would first try the deepest and fail where its parent is
        // missing, and meet parents made for other files without knowing them).
        let mut missing = Vec::new();
        let mut dir = full.parent();
        while let Some(d) = dir.filter(|d| *d != self.staging && !records.folders.contains(&fingerprint(d))) {
            missing.push(d);
            dir = d.parent();
        }
        for d in missing.into_iter().rev() {
            match std::fs::create_dir(d) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(io_error("create", d)(e)),
                _ => {}
            }
            records.folders.insert(fingerprint(d));
        }
        Ok(full)
    }

    /// How many files were written.
    pub fn len(&self) -> usize {
        self.records.lock().unwrap_or_else(PoisonError::into_inner).written.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Puts the new output in place of the old one.
    pub fn commit(mut self) -> Result<(), OutputError> {
        if self.target.exists() {
            // Swap both folders in one step, then delete the old output from the staging path.
            let swapped = rustix::fs::renameat_with(
                rustix::fs::CWD,
                &self.staging,
                rustix::fs::CWD,
                &self.target,
                rustix::fs::RenameFlags::EXCHANGE,
            );
            if swapped.is_err() {
                // File systems without RENAME_EXCHANGE: two renames, restoring on failure.
                let old = self.staging.with_extension("old");
                std::fs::rename(&self.target, &old).map_err(io_error("move aside", &self.target))?;
                if let Err(e) = std::fs::rename(&self.staging, &self.target) {
                    let _ = std::fs::rename(&old, &self.target);
                    return Err(io_error("move into place", &self.staging)(e));
                }
                self.staging = old;
            }
        } else {
            std::fs::rename(&self.staging, &self.target).map_err(io_error("move into place", &self.staging))?;
        }
        self.committed = true;
        if self.staging.exists() {
            std::fs::remove_dir_all(&self.staging).map_err(io_error("remove the previous output in", &self.staging))?;
        }
        Ok(())
    }
}

impl Drop for OutputWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Writes the single file `target` whole: through a temporary file beside it, synced, then
/// renamed over it, so that `target` is the previous file or the new one, never a part.
pub fn write_file(target: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    use std::io::Write as _;
    let name = target.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let partial = target.with_file_name(format!(".{name}.writing-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&partial).map_err(io_error("create", &partial))?;
        file.write_all(bytes).map_err(io_error("write", &partial))?;
        file.sync_all().map_err(io_error("sync", &partial))?;
        std::fs::rename(&partial, target).map_err(io_error("replace", target))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_the_old_output_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        std::fs::create_dir_all(out.join("public")).unwrap();
        std::fs::write(out.join("public/stale.html"), "old").unwrap();
        let w = OutputWriter::begin(&out).unwrap();
        w.write("public/index.html", b"new").unwrap();
        w.commit().unwrap();
        assert_eq!(std::fs::read_to_string(out.join("public/index.html")).unwrap(), "new");
        assert!(!out.join("public/stale.html").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("output")]);
    }

    #[test]
    fn kept_files_are_carried_over_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let w = OutputWriter::begin(&target).unwrap();
        w.write("days/a.csv", b"old a").unwrap();
        w.write("days/b.csv", b"old b").unwrap();
        w.commit().unwrap();
        let w = OutputWriter::begin(&target).unwrap();
        assert!(w.keep("days/a.csv").unwrap());
        assert!(!w.keep("days/none.csv").unwrap());
        w.write("days/b.csv", b"new b").unwrap();
        w.commit().unwrap();
        assert_eq!(std::fs::read(target.join("days/a.csv")).unwrap(), b"old a");
        assert_eq!(std::fs::read(target.join("days/b.csv")).unwrap(), b"new b");
    }

    #[test]
    fn files_written_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let w = OutputWriter::begin(&target).unwrap();
        w.write_many(&["t.csv", "t.json"], |outs| {
            for part in ["a", "b"] {
                io::Write::write_all(&mut outs[0], part.as_bytes())?;
                io::Write::write_all(&mut outs[1], part.to_uppercase().as_bytes())?;
            }
            Ok(())
        })
        .unwrap();
        assert!(matches!(w.write_many(&["t.json"], |_| Ok(())), Err(OutputError::Duplicate(_))));
        let failed = w.write_many(&["u.csv"], |_| Err(io::Error::other("disk full")));
        assert!(matches!(failed, Err(OutputError::Io { action: "write", .. })));
        w.commit().unwrap();
        assert_eq!(std::fs::read(target.join("t.csv")).unwrap(), b"ab");
        assert_eq!(std::fs::read(target.join("t.json")).unwrap(), b"AB");
    }

    #[test]
    fn a_file_is_written_from_another_file_by_the_system() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.json");
        std::fs::write(&source, b"0123456789").unwrap();
        let target = dir.path().join("out");
        let w = OutputWriter::begin(&target).unwrap();
        w.write_file("pages.json", |file| {
            io::Write::write_all(file, b"[")?;
            // Bytes 2..8 of the source, copied file to file.
            let mut from = std::fs::File::open(&source)?;
            io::Seek::seek(&mut from, io::SeekFrom::Start(2))?;
            io::copy(&mut io::Read::take(&from, 6), file)?;
            io::Write::write_all(file, b"]")
        })
        .unwrap();
        assert!(matches!(w.write_file("pages.json", |_| Ok(())), Err(OutputError::Duplicate(_))));
        w.commit().unwrap();
        assert_eq!(std::fs::read(target.join("pages.json")).unwrap(), b"[234567]");
    }

    #[test]
    fn threads_write_side_by_side_and_no_path_twice() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let w = OutputWriter::begin(&target).unwrap();
        let duplicates = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|t| {
                    let w = &w;
                    scope.spawn(move || {
                        // Every thread writes its own files and tries the one shared path.
                        for i in 0..50 {
                            w.write(&format!("t{t}/f{i}.txt"), format!("{t} {i}").as_bytes()).unwrap();
                        }
                        matches!(w.write("shared/once.txt", t.to_string().as_bytes()), Err(OutputError::Duplicate(_)))
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).filter(|refused| *refused).count()
        });
        assert_eq!(duplicates, 3, "one thread writes the shared path, the others are refused");
        assert_eq!(w.len(), 4 * 50 + 1);
        w.commit().unwrap();
        assert_eq!(std::fs::read_to_string(target.join("t2/f49.txt")).unwrap(), "2 49");
        assert_eq!(std::fs::read_dir(target.join("shared")).unwrap().count(), 1);
    }

    #[test]
    fn staging_folders_of_runs_that_died_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let leftover = dir.path().join(format!(".out.building-{dead}"));
        std::fs::create_dir(&leftover).unwrap();
        let live = dir.path().join(format!(".out.building-{}", std::process::id()));
        let other = dir.path().join(".other.building-1");
        std::fs::create_dir(&other).unwrap();
        let w = OutputWriter::begin(&dir.path().join("out")).unwrap();
        assert!(!leftover.exists());
        assert!(live.exists(), "this run's own staging folder");
        assert!(other.exists(), "another output's folder is not touched");
        drop(w);
    }

    #[test]
    fn an_abandoned_build_leaves_the_old_output_and_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("keep.txt"), "old").unwrap();
        {
            let w = OutputWriter::begin(&out).unwrap();
            w.write("keep.txt", b"new").unwrap();
            assert!(matches!(w.write("keep.txt", b"again"), Err(OutputError::Duplicate(_))));
            assert!(matches!(w.write("../x", b""), Err(OutputError::Escapes(_))));
        }
        assert_eq!(std::fs::read_to_string(out.join("keep.txt")).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
