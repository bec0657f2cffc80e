//! A bundle cut into its entries as it is read: the bytes of each element of the top-level
//! `entry` list are handed over one at a time, and everything else of the document (its
//! `resourceType`, `link`, ..., with `"entry":[]`) is kept to be read whole. Each entry is then
//! parsed from memory on its own, which is faster than parsing the file as one stream and lets
//! an entry that does not read cost that entry only. The cut follows JSON's strings and
//! brackets only; JSON itself is checked by serde, entry by entry and for the rest.

use std::io::{self, BufRead};

/// Where the scanner is: in the document, in the `entry` list between entries, in an entry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Rest,
    Entries,
    Entry,
}

/// Why a document cannot be cut: it ends inside a string or a bracket, or an entry is no
/// object.
#[derive(Debug)]
pub enum SplitError {
    Io(io::Error),
    Ends,
    NotAnObject { entry: usize },
}

struct Scanner {
    mode: Mode,
    depth: usize,
    in_string: bool,
    escape: bool,
    /// A string being read at depth 1 (a key of the document), when short.
    text: Vec<u8>,
    /// The last string read at depth 1, and whether a `:` followed it.
    last: Vec<u8>,
    key: bool,
    entries: usize,
}

/// Reads `input` to its end: calls `entry` with the index and the bytes of each element of the
/// top-level `entry` list, and returns the rest of the document.
pub fn split(
    mut input: impl BufRead,
    mut entry: impl FnMut(usize, &[u8]),
) -> Result<Vec<u8>, SplitError> {
    let mut s = Scanner {
        mode: Mode::Rest,
        depth: 0,
        in_string: false,
        escape: false,
        text: Vec::new(),
        last: Vec::new(),
        key: false,
        entries: 0,
    };
    let mut rest = Vec::new();
    let mut current = Vec::new();
    loop {
        let chunk = match input.fill_buf() {
            Ok([]) => break,
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SplitError::Io(e)),
        };
        let used = chunk.len();
        s.chunk(chunk, &mut rest, &mut current, &mut entry)?;
        input.consume(used);
    }
    if s.depth != 0 || s.in_string || s.mode != Mode::Rest {
        return Err(SplitError::Ends);
    }
    Ok(rest)
}

impl Scanner {
    /// A byte inside a string: the end of the string, an escape, or a byte of a key.
    fn string_byte(&mut self, b: u8) {
        if self.escape {
            self.escape = false;
        } else if b == b'\\' {
            self.escape = true;
        } else if b == b'"' {
            self.in_string = false;
            if self.mode == Mode::Rest && self.depth == 1 {
                self.last = std::mem::take(&mut self.text);
            }
        } else if self.mode == Mode::Rest && self.depth == 1 && self.text.len() < 16 {
            self.text.push(b);
        }
    }

    fn chunk(
        &mut self,
        chunk: &[u8],
        rest: &mut Vec<u8>,
        current: &mut Vec<u8>,
        entry: &mut impl FnMut(usize, &[u8]),
    ) -> Result<(), SplitError> {
        // The start of the bytes not yet copied to `rest` or `current`.
        let mut from = 0;
        let mut i = 0;
        while i < chunk.len() {
            let b = chunk[i];
            if self.in_string {
                // Most of a bundle is the inside of strings: jump to their ends.
                let key = self.mode == Mode::Rest && self.depth == 1;
                if !self.escape && !key {
                    match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                        Some(skip) => i += skip,
                        None => break,
                    }
                }
                self.string_byte(chunk[i]);
                i += 1;
                continue;
            }
            match self.mode {
                Mode::Rest => match b {
                    b'"' => {
                        self.in_string = true;
                        self.text.clear();
                    }
                    b':' if self.depth == 1 => self.key = self.last == b"entry",
                    b',' if self.depth == 1 => self.key = false,
                    b'[' if self.depth == 1 && self.key => {
                        rest.extend_from_slice(&chunk[from..=i]);
                        from = i + 1;
                        self.depth = 2;
                        self.mode = Mode::Entries;
                        self.key = false;
                    }
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                },
                Mode::Entries => match b {
                    b'{' => {
                        current.clear();
                        from = i;
                        self.depth = 3;
                        self.mode = Mode::Entry;
                    }
                    b']' => {
                        from = i;
                        self.depth = 1;
                        self.mode = Mode::Rest;
                    }
                    b',' | b' ' | b'\n' | b'\r' | b'\t' => from = i + 1,
                    _ => {
                        return Err(SplitError::NotAnObject {
                            entry: self.entries,
                        });
                    }
                },
                Mode::Entry => match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 2 {
                            current.extend_from_slice(&chunk[from..=i]);
                            from = i + 1;
                            entry(self.entries, current);
                            self.entries += 1;
                            self.mode = Mode::Entries;
                        }
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        match self.mode {
            Mode::Rest => rest.extend_from_slice(&chunk[from..]),
            Mode::Entry => current.extend_from_slice(&chunk[from..]),
            Mode::Entries => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str, chunk: usize) -> (Vec<String>, String) {
        let reader = io::BufReader::with_capacity(chunk, text.as_bytes());
        let mut entries = Vec::new();
        let rest = split(reader, |_, bytes| {
            entries.push(String::from_utf8(bytes.to_vec()).expect("utf-8"));
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
        (entries, String::from_utf8(rest).expect("utf-8"))
    }

    #[test]
    fn entries_are_cut_out_whatever_the_chunks() {
        let text = r#"{"resourceType":"Bundle","link":[{"url":"a]\"{"}],"entry": [ {"resource":{"id":"x}","a":[1,{}]}} , {"fullUrl":"u"} ],"total":2}"#;
        for chunk in [1, 2, 3, 7, 64] {
            let (entries, rest) = cut(text, chunk);
            assert_eq!(
                entries,
                [
                    r#"{"resource":{"id":"x}","a":[1,{}]}}"#,
                    r#"{"fullUrl":"u"}"#
                ],
                "chunks of {chunk}"
            );
            assert_eq!(
                rest,
                r#"{"resourceType":"Bundle","link":[{"url":"a]\"{"}],"entry": []"#.to_string()
                    + r#","total":2}"#
            );
        }
    }

    #[test]
    fn a_resource_and_nested_entry_keys_are_not_cut() {
        let text = r#"{"resourceType":"Appointment","x":{"entry":[{"a":1}]}}"#;
        let (entries, rest) = cut(text, 5);
        assert!(entries.is_empty());
        assert_eq!(rest, text);
    }

    #[test]
    fn a_document_that_ends_early_or_an_entry_that_is_no_object_is_refused() {
        let reader = |t: &'static str| io::BufReader::new(t.as_bytes());
        assert!(matches!(
            split(reader(r#"{"entry":[{"a":"#), |_, _| {}),
            Err(SplitError::Ends)
        ));
        assert!(matches!(
            split(reader(r#"{"entry":[1]}"#), |_, _| {}),
            Err(SplitError::NotAnObject { entry: 0 })
        ));
    }
}
