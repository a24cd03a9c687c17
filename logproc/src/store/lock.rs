//! The store's lock: an advisory lock on `.lock`, held for the whole run. The operating system
//! drops it when the process ends however it ends, so a killed run never leaves the store
//! locked; a second run at the same time is refused and changes nothing.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::Path;

/// The lock file's name in the store.
pub const LOCK_FILE: &str = ".lock";

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("another refstats run is using the store (lock held{holder})")]
    Busy {
        /// What the holder wrote into the lock file, e.g. ` by process 1234`.
        holder: String,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {0}: {1}")]
    Io(String, std::io::Error),
}

impl Lock {
    /// Takes the lock of the store at `dir` without waiting.
    pub fn take(dir: &Path) -> Result<Lock, LockError> {
        let path = dir.join(LOCK_FILE);
        let io = |e| LockError::Io(path.display().to_string(), e);
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = text.trim().parse::<u32>().map(|pid| format!(" by process {pid}")).unwrap_or_default();
                return Err(LockError::Busy { holder });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        Ok(Lock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::take(dir.path()).unwrap();
        let e = Lock::take(dir.path()).unwrap_err().to_string();
        assert!(e.contains(&format!("process {}", std::process::id())), "{e}");
        drop(first);
        Lock::take(dir.path()).unwrap();
    }
}
