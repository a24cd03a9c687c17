//! Where log lines come from: files, folders (walked), glob patterns and standard input; plain,
//! gzip (also multi-member, as CDNs concatenate them) or zstd, told apart by their first bytes,
//! not by name; read a line at a time so that memory does not grow with the file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

/// One input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Source {
    /// How to name the source in messages and reports.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "(stdin)".to_owned(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// An input argument that names nothing.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Neither a file, a folder nor a pattern that matches anything.
    #[error("`{0}` is not a file or folder, and no file matches it as a pattern")]
    Missing(String),
    /// A pattern that does not parse.
    #[error("bad pattern `{0}`: {1}")]
    Pattern(String, String),
    /// A folder that cannot be walked.
    #[error("cannot read the folder {0}: {1}")]
    Folder(String, String),
}

/// The sources named by `args`, in a stable order: each argument's files sorted by path.
/// Hidden files (`.name`) in folders are left out; symbolic links are followed (a folder of links
/// to the files of the day is a folder of those files).
pub fn expand(args: &[String]) -> Result<Vec<Source>, InputError> {
    let mut out = Vec::new();
    for arg in args {
        if arg == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let path = PathBuf::from(arg);
        if path.is_file() {
            out.push(Source::File(path));
        } else if path.is_dir() {
            for entry in walkdir::WalkDir::new(&path).follow_links(true).sort_by_file_name() {
                let entry = entry.map_err(|e| InputError::Folder(arg.clone(), e.to_string()))?;
                let hidden = entry.file_name().to_string_lossy().starts_with('.') && entry.depth() > 0;
                if entry.file_type().is_file() && !hidden {
                    out.push(Source::File(entry.into_path()));
                }
            }
        } else if arg.contains(['*', '?', '[']) {
            let mut matched: Vec<PathBuf> = glob::glob(arg)
                .map_err(|e| InputError::Pattern(arg.clone(), e.to_string()))?
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect();
            matched.sort();
            if matched.is_empty() {
                return Err(InputError::Missing(arg.clone()));
            }
            out.extend(matched.into_iter().map(Source::File));
        } else {
            return Err(InputError::Missing(arg.clone()));
        }
    }
    Ok(out)
}

/// How a source is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip, one or more members.
    Gzip,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// The compression whose magic bytes start `head`.
    pub fn sniff(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// Opens `source` for reading lines, decompressing as its first bytes say.
pub fn open(source: &Source) -> io::Result<(Box<dyn BufRead>, Compression)> {
    let raw: Box<dyn Read> = match source {
        Source::Stdin => Box::new(io::stdin().lock()),
        Source::File(path) => Box::new(File::open(path)?),
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let head = reader.fill_buf()?;
    let compression = Compression::sniff(head);
    let lines: Box<dyn BufRead> = match compression {
        Compression::Gzip => Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(reader))),
        Compression::Zstd => Box::new(BufReader::with_capacity(1 << 16, zstd::Decoder::with_buffer(reader)?)),
        Compression::None => Box::new(reader),
    };
    Ok((lines, compression))
}

/// Reads the next line into `buf` (without its line ending); `Ok(false)` at the end.
pub fn next_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    if reader.read_until(b'\n', buf)? == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn lines(source: &Source) -> Vec<String> {
        let (mut reader, _) = open(source).unwrap();
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while next_line(reader.as_mut(), &mut buf).unwrap() {
            out.push(String::from_utf8(buf.clone()).unwrap());
        }
        out
    }

    #[test]
    fn plain_gzip_multi_member_and_zstd_read_alike() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.log");
        std::fs::write(&plain, "one\r\ntwo\nthree").unwrap();
        // Two gzip members, as a CDN appends them; named .txt: the bytes decide, not the name.
        let gz = dir.path().join("b.txt");
        let mut bytes = Vec::new();
        for part in ["one\ntwo\n", "three\n"] {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(part.as_bytes()).unwrap();
            bytes.extend(e.finish().unwrap());
        }
        std::fs::write(&gz, bytes).unwrap();
        let zst = dir.path().join("c");
        std::fs::write(&zst, zstd::encode_all("one\ntwo\nthree\n".as_bytes(), 3).unwrap()).unwrap();
        for path in [plain, gz, zst] {
            assert_eq!(lines(&Source::File(path.clone())), ["one", "two", "three"], "{}", path.display());
        }
        let sources = expand(&[dir.path().display().to_string()]).unwrap();
        assert_eq!(sources.len(), 3);
        let pattern = format!("{}/*.log", dir.path().display());
        assert_eq!(expand(&[pattern]).unwrap().len(), 1);
        assert!(expand(&["/no/such/file".to_owned()]).is_err());
    }

    #[test]
    fn a_folder_of_links_is_a_folder_of_their_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.log"), "one\n").unwrap();
        let links = dir.path().join("links");
        std::fs::create_dir(&links).unwrap();
        std::os::unix::fs::symlink(dir.path().join("a.log"), links.join("a.log")).unwrap();
        let sources = expand(&[links.display().to_string()]).unwrap();
        assert_eq!(sources.len(), 1);
        assert_eq!(lines(&sources[0]), ["one"]);
    }
}
