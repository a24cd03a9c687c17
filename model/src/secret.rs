//! The program's secret: the key behind every partner's unguessable private path and behind
//! the visitor hashes of the stats. It is never committed and never written into any output,
//! so a rebuild anywhere with the same secret gives the same paths.
//!
//! It comes from `REFGEN_SECRET`, else from the file `.refgen-secret` beside the program
//! file. When neither exists, a new random one is written to that file (git-ignored) and the
//! caller is told, so that it can say so loudly.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The environment variable holding the secret.
pub const ENV_VAR: &str = "REFGEN_SECRET";
/// The file holding the secret, beside the program file.
pub const FILE_NAME: &str = ".refgen-secret";
/// The fewest characters a secret may have.
pub const MIN_LEN: usize = 16;

/// A secret key. Its `Debug` output never shows it.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Where the secret came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// The `REFGEN_SECRET` environment variable.
    Env,
    /// An existing secret file.
    File(PathBuf),
    /// A secret generated now and written to this file.
    Generated(PathBuf),
}

/// Why no secret could be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The secret is too short to be safe.
    #[error("the secret from {0} is shorter than {MIN_LEN} characters")]
    TooShort(String),
    /// The secret file could not be read or written.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// The system has no randomness to make one.
    #[error("cannot generate a random secret: {0}")]
    Random(String),
}

impl Secret {
    /// A secret from known text (tests, and `REFGEN_SECRET`).
    pub fn from_text(text: &str) -> Result<Secret, SecretError> {
        let text = text.trim();
        if text.chars().count() < MIN_LEN {
            return Err(SecretError::TooShort(ENV_VAR.to_owned()));
        }
        Ok(Secret(text.as_bytes().to_vec()))
    }

    /// The secret for the program in `dir`: from the environment, the secret file, or a new
    /// one written to the secret file.
    pub fn for_program(dir: &Path) -> Result<(Secret, SecretSource), SecretError> {
        if let Ok(text) = std::env::var(ENV_VAR)
            && !text.trim().is_empty()
        {
            return Ok((Secret::from_text(&text)?, SecretSource::Env));
        }
        let path = dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let secret = Secret::from_text(&text).map_err(|_| SecretError::TooShort(path.display().to_string()))?;
                Ok((secret, SecretSource::File(path)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
                let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                write_private(&path, &format!("{text}\n")).map_err(|source| SecretError::Io {
                    action: "write",
                    path: path.clone(),
                    source,
                })?;
                ignore_in_git(dir);
                Ok((Secret(text.into_bytes()), SecretSource::Generated(path)))
            }
            Err(source) => Err(SecretError::Io { action: "read", path, source }),
        }
    }

    /// A keyed hash of `parts` for `purpose`, as lowercase hex of `bytes` bytes.
    pub fn token(&self, purpose: &str, parts: &[&str], bytes: usize) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        for part in parts {
            // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().iter().take(bytes).map(|b| format!("{b:02x}")).collect()
    }

    /// The unguessable folder name of a partner's private pages (128 bits).
    pub fn partner_token(&self, partner: &str) -> String {
        self.token("refcenter partner page", &[partner], 16)
    }

    /// The unguessable folder name of the page listing the tracking links of `partner`'s
    /// referral partners, which `partner` and everyone above it may open (128 bits).
    pub fn downline_token(&self, partner: &str) -> String {
        self.token("refcenter downline links", &[partner], 16)
    }
}

fn write_private(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}

/// Adds the secret file to the folder's `.gitignore` unless it is listed already.
fn ignore_in_git(dir: &Path) {
    let path = dir.join(".gitignore");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current.lines().any(|l| l.trim().trim_start_matches('/') == FILE_NAME) {
        return;
    }
    let mut text = current;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("# The secret behind the private partner paths: never commit it.\n/{FILE_NAME}\n"));
    let _ = std::fs::write(&path, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stable_keyed_and_unambiguous() {
        let a = Secret::from_text("a secret of some length").unwrap();
        let b = Secret::from_text("another secret, also long").unwrap();
        assert_eq!(a.partner_token("sam"), a.partner_token("sam"));
        assert_ne!(a.partner_token("sam"), b.partner_token("sam"));
        assert_ne!(a.partner_token("sam"), a.partner_token("kim"));
        assert_eq!(a.partner_token("sam").len(), 32);
        assert_ne!(a.partner_token("sam"), a.downline_token("sam"));
        assert_ne!(a.token("x", &["ab", "c"], 8), a.token("x", &["a", "bc"], 8));
        assert_eq!(format!("{a:?}"), "Secret(..)");
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(matches!(Secret::from_text("short"), Err(SecretError::TooShort(_))));
    }

    #[test]
    fn a_missing_secret_is_generated_once_and_ignored_in_git() {
        let dir = tempfile::tempdir().unwrap();
        // The environment may hold a secret in CI; this test is about the file.
        if std::env::var_os(ENV_VAR).is_some() {
            return;
        }
        let (first, source) = Secret::for_program(dir.path()).unwrap();
        assert_eq!(source, SecretSource::Generated(dir.path().join(FILE_NAME)));
        let (again, source) = Secret::for_program(dir.path()).unwrap();
        assert_eq!(source, SecretSource::File(dir.path().join(FILE_NAME)));
        assert_eq!(first.partner_token("p"), again.partner_token("p"));
        let ignore = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
        assert!(ignore.contains("/.refgen-secret"));
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join(FILE_NAME)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
