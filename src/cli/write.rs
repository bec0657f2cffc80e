//! Where the command line writes: standard output, files, and messages on standard error.
//!
//! Every write is checked. A full disk or a closed pipe ends the command with a message that
//! says what could not be written and a non-zero exit status, never a panic and never a false
//! success. A file is written to a temporary file beside it and renamed into place only when
//! complete, so a failed run leaves no half-written file; what was there before stays. No
//! output may be one of the command's inputs (compared by canonical path and by file
//! identity, so a symbolic or hard link is caught too), and that is checked before anything is
//! opened for writing.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes a line to standard error. A message that cannot be written (a closed or full
/// standard error) is dropped: there is nowhere left to say it, and panicking would hide the
/// exit status that still tells.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use say;

/// Writes text to standard error as it is (no newline added), like [`say!`].
pub fn say_text(text: &str) {
    let _ = io::stderr().write_all(text.as_bytes());
}

/// An output that could not be written, and why.
#[derive(Debug)]
pub struct WriteError {
    /// What was being written: `standard output` or the file's path.
    pub what: String,
    pub error: io::Error,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.error.kind() {
            io::ErrorKind::BrokenPipe => {
                "the program reading it stopped reading (broken pipe)".to_string()
            }
            io::ErrorKind::StorageFull => "the disk is full".to_string(),
            _ => self.error.to_string(),
        };
        write!(
            f,
            "cannot write {}: {why}; the output is incomplete",
            self.what
        )
    }
}

impl WriteError {
    pub fn new(what: impl Into<String>, error: io::Error) -> Self {
        WriteError {
            what: what.into(),
            error,
        }
    }
}

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) -> Result<(), WriteError> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| WriteError::new("standard output", e))
}

/// Writes a whole file in one go, atomically.
pub fn write_file(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let mut output = Output::file(path)?;
    output
        .write_all(contents)
        .map_err(|e| WriteError::new(output.name(), e))?;
    output.finish()
}

/// A buffered output: standard output, or a file that appears only when finished.
pub struct Output {
    name: String,
    sink: Sink,
}

enum Sink {
    /// Standard output, through a buffer that is dropped, not written, when the command fails
    /// before finishing (a feed refused after the header was written, say).
    Stdout {
        out: io::StdoutLock<'static>,
        buffer: Vec<u8>,
    },
    /// A temporary file beside the target, renamed over it by [`Output::finish`].
    Atomic {
        temp: BufWriter<tempfile::NamedTempFile>,
        target: PathBuf,
    },
    /// A target that is not a regular file (`/dev/null`, a named pipe): written directly.
    Direct(BufWriter<File>),
}

impl Output {
    pub fn stdout() -> Output {
        Output {
            name: "standard output".to_string(),
            sink: Sink::Stdout {
                out: io::stdout().lock(),
                buffer: Vec::with_capacity(1 << 20),
            },
        }
    }

    /// `path`, or standard output when there is none.
    pub fn to(path: Option<&Path>) -> Result<Output, WriteError> {
        match path {
            Some(path) => Output::file(path),
            None => Ok(Output::stdout()),
        }
    }

    pub fn file(path: &Path) -> Result<Output, WriteError> {
        let name = path.display().to_string();
        let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
        let sink = if special {
            let file = File::options()
                .write(true)
                .open(path)
                .map_err(|e| WriteError::new(&name, e))?;
            Sink::Direct(BufWriter::with_capacity(1 << 20, file))
        } else {
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let prefix = format!(".{file_name}.");
            let mut builder = tempfile::Builder::new();
            builder.prefix(&prefix).suffix(".partial");
            // The file keeps the permissions it had (`rem fmt` rewrites policies in place); a
            // new file gets those `File::create` would give it.
            let permissions = match std::fs::metadata(path) {
                Ok(existing) => Some(existing.permissions()),
                Err(_) => new_file_permissions(),
            };
            if let Some(permissions) = permissions {
                builder.permissions(permissions);
            }
            let temp = builder
                .tempfile_in(folder)
                .map_err(|e| WriteError::new(&name, e))?;
            Sink::Atomic {
                temp: BufWriter::with_capacity(1 << 20, temp),
                target: path.to_path_buf(),
            }
        };
        Ok(Output { name, sink })
    }

    /// What is written, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Flushes everything; a file is moved into place only now.
    pub fn finish(self) -> Result<(), WriteError> {
        let name = self.name;
        let failed = |e: io::Error| WriteError::new(&name, e);
        match self.sink {
            Sink::Stdout { mut out, buffer } => out
                .write_all(&buffer)
                .and_then(|()| out.flush())
                .map_err(failed),
            Sink::Direct(mut out) => out.flush().map_err(failed),
            Sink::Atomic { temp, target } => {
                let temp = temp.into_inner().map_err(|e| failed(e.into_error()))?;
                temp.as_file().sync_all().map_err(failed)?;
                temp.persist(&target).map_err(|e| failed(e.error))?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout { out, buffer } => {
                buffer.extend_from_slice(buf);
                if buffer.len() >= 1 << 20 {
                    out.write_all(buffer)?;
                    buffer.clear();
                }
                Ok(())
            }
            Sink::Atomic { temp, .. } => temp.write_all(buf),
            Sink::Direct(out) => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            // Standard output is written a megabyte at a time and by `finish`, never by a flush:
            // a writer that flushes as it is dropped on failure must not print half a report.
            Sink::Stdout { .. } => Ok(()),
            Sink::Atomic { temp, .. } => temp.flush(),
            Sink::Direct(out) => out.flush(),
        }
    }
}

#[cfg(unix)]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    // Created with this mode, less the umask, as `File::create` does.
    Some(std::fs::Permissions::from_mode(0o666))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    None
}

/// A file named on the command line and what it is for (`--feed`, `-o`, ...), for messages.
#[derive(Debug, Clone)]
pub struct Named<'a> {
    pub role: &'a str,
    pub path: &'a Path,
}

/// The files of one role, for [`refuse_overwriting_inputs`].
pub fn named<'a>(role: &'a str, paths: &'a [PathBuf]) -> Vec<Named<'a>> {
    paths.iter().map(|path| Named { role, path }).collect()
}

/// How a file is known: its canonical path, and on Unix its device and inode, which also
/// catches a hard link.
#[derive(Debug, PartialEq, Eq)]
struct Identity {
    canonical: Option<PathBuf>,
    #[cfg(unix)]
    inode: Option<(u64, u64)>,
}

fn identity(path: &Path) -> Identity {
    // The canonical form of a file that does not exist yet: its folder's, and its name.
    let canonical = path.canonicalize().ok().or_else(|| {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        Some(folder.canonicalize().ok()?.join(path.file_name()?))
    });
    Identity {
        canonical,
        #[cfg(unix)]
        inode: {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
        },
    }
}

fn same(a: &Identity, b: &Identity) -> bool {
    #[cfg(unix)]
    if a.inode.is_some() && a.inode == b.inode {
        return true;
    }
    a.canonical.is_some() && a.canonical == b.canonical
}

/// Refuses outputs that are inputs, or that are each other, before anything is written.
pub fn refuse_overwriting_inputs(
    inputs: &[Named<'_>],
    outputs: &[Named<'_>],
) -> Result<(), String> {
    // Standard input, standard output and the like are streams, not files to protect.
    let stream = |p: &Path| p.starts_with("/dev/") || p.starts_with("/proc/");
    let known: Vec<(&Named<'_>, Identity)> = inputs
        .iter()
        .filter(|n| !stream(n.path))
        .map(|n| (n, identity(n.path)))
        .collect();
    let mut written: Vec<(&Named<'_>, Identity)> = Vec::new();
    for output in outputs.iter().filter(|n| !stream(n.path)) {
        let id = identity(output.path);
        if let Some((input, _)) = known.iter().find(|(_, i)| same(i, &id)) {
            let alias = if input.path == output.path {
                String::new()
            } else {
                format!(" {}", input.path.display())
            };
            return Err(format!(
                "{} {} is also the {}{alias}: writing it would destroy that input; name another file",
                output.role,
                output.path.display(),
                input.role,
            ));
        }
        if let Some((other, _)) = written.iter().find(|(_, i)| same(i, &id)) {
            return Err(format!(
                "{} {} is also where {} goes; name two different files",
                output.role,
                output.path.display(),
                other.role
            ));
        }
        written.push((output, id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_is_refused_by_path_link_or_identity() {
        let dir = tempfile::tempdir().expect("temp dir");
        let feed = dir.path().join("bookings.csv");
        std::fs::write(&feed, "x").expect("writes");
        let inputs = [Named {
            role: "booking feed (--feed)",
            path: &feed,
        }];
        let refused = |path: &Path| {
            refuse_overwriting_inputs(
                &inputs,
                &[Named {
                    role: "--rejects",
                    path,
                }],
            )
            .is_err()
        };
        assert!(refused(&feed));
        assert!(refused(&dir.path().join(".").join("bookings.csv")));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&feed, &link).expect("symlink");
            assert!(refused(&link));
            let hard = dir.path().join("hard.csv");
            std::fs::hard_link(&feed, &hard).expect("hard link");
            assert!(refused(&hard));
        }
        assert!(!refused(&dir.path().join("actions.jsonl")));
        // Two outputs may not be one file either.
        let out = dir.path().join("out.csv");
        assert!(
            refuse_overwriting_inputs(
                &inputs,
                &[
                    Named {
                        role: "-o",
                        path: &out
                    },
                    Named {
                        role: "--rejects",
                        path: &out
                    }
                ]
            )
            .is_err()
        );
    }

    #[test]
    fn a_file_appears_only_when_finished() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("plan.json");
        std::fs::write(&target, "old").expect("writes");
        let mut output = Output::file(&target).expect("opens");
        output.write_all(b"new").expect("writes");
        assert_eq!(std::fs::read_to_string(&target).expect("reads"), "old");
        drop(output);
        assert_eq!(std::fs::read_to_string(&target).expect("reads"), "old");
        assert_eq!(std::fs::read_dir(dir.path()).expect("lists").count(), 1);
        let mut output = Output::file(&target).expect("opens");
        output.write_all(b"new").expect("writes");
        output.finish().expect("finishes");
        assert_eq!(std::fs::read_to_string(&target).expect("reads"), "new");
    }
}
