//! Reading policy files from disk, the one way the CLI does it for `source::load`.
//!
//! A path may name anything: a FIFO (opening it waits for a writer), a device such as
//! `/dev/zero` (it never ends), a file of gigabytes. So only a regular file is opened, and no
//! more than a policy file may hold is read, whatever its size claims to be.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use rem::parser::MAX_SOURCE_BYTES;
use rem::source::Refusal;

/// The bytes of the policy file at `path`, or why not; refusals travel as [`Refusal`]s.
pub fn policy_file(path: &Path) -> io::Result<Vec<u8>> {
    // Asked before opening, since opening a FIFO blocks until something writes to it.
    if !std::fs::metadata(path)?.is_file() {
        return Err(io::Error::other(Refusal::NotAFile));
    }
    let file = open(path)?;
    // The path may have been replaced between the look and the opening.
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::other(Refusal::NotAFile));
    }
    if metadata.len() > MAX_SOURCE_BYTES as u64 {
        return Err(io::Error::other(Refusal::TooLarge));
    }
    read_at_most(file, MAX_SOURCE_BYTES)
}

/// The text of a policy file for a snippet, when it is a `.rem` file that can be read safely;
/// byte offsets count from after a byte-order mark, as `source::load` counts them.
pub fn policy_text(path: &Path) -> Option<String> {
    if path.extension().is_none_or(|e| e != "rem") {
        return None;
    }
    policy_file_text(path).ok()
}

/// The text of a policy file, read the safe way, without a byte-order mark; or why not.
pub fn policy_file_text(path: &Path) -> Result<String, String> {
    let bytes = policy_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Reads until the end, but refuses as soon as there is more than `limit`: a file may grow, and
/// some (in `/proc`) claim a size of 0.
fn read_at_most(reader: impl Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        return Err(io::Error::other(Refusal::TooLarge));
    }
    Ok(bytes)
}

/// Opens for reading without waiting, should the path have become a FIFO after the look.
fn open(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// The most bytes a policy module (`rem build --target wasm`) may have.
pub const MAX_MODULE_BYTES: usize = 64 << 20;

/// The bytes of a WebAssembly module, read the safe way: a regular file of at most
/// [`MAX_MODULE_BYTES`].
pub fn module_file(path: &Path) -> Result<Vec<u8>, String> {
    let failed = |e: io::Error| format!("cannot read {}: {e}", path.display());
    let not_a_file = || format!("cannot read {}: it is not a regular file", path.display());
    if !std::fs::metadata(path).map_err(failed)?.is_file() {
        return Err(not_a_file());
    }
    let file = open(path).map_err(failed)?;
    if !file.metadata().map_err(failed)?.is_file() {
        return Err(not_a_file());
    }
    read_at_most(file, MAX_MODULE_BYTES).map_err(|_| {
        format!(
            "cannot read {}: a policy module has at most {} MiB",
            path.display(),
            MAX_MODULE_BYTES >> 20
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(result: io::Result<Vec<u8>>) -> Option<Refusal> {
        result.err()?.get_ref()?.downcast_ref::<Refusal>().copied()
    }

    #[test]
    fn an_endless_reader_is_cut_at_the_limit() {
        assert_eq!(
            refusal(read_at_most(io::repeat(b'a'), 10)),
            Some(Refusal::TooLarge)
        );
        assert_eq!(
            read_at_most(&b"0123456789"[..], 10).ok(),
            Some(b"0123456789".to_vec())
        );
    }

    #[test]
    fn a_folder_is_not_a_policy_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(refusal(policy_file(dir.path())), Some(Refusal::NotAFile));
    }
}
