//! Lines of a text feed, as exports from real systems end them: LF (Unix), CRLF (Windows) or
//! a bare CR (old Mac exports). Each of the three ends a row; CRLF is one ending, not two.
//!
//! A line is read into a reused buffer, so a feed of any size streams in constant memory. A
//! line longer than [`MAX_LINE_BYTES`] is not kept: its bytes are skipped up to its end and it
//! is reported as too long, so that one runaway line (or a device such as `/dev/zero` given
//! as a feed) cannot exhaust memory and costs only its own row.

use std::io::{self, BufRead};

/// The longest line kept: far beyond any booking row (a few hundred bytes).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The UTF-8 byte-order mark some exporters put at the start of a file.
pub const BYTE_ORDER_MARK: &[u8] = b"\xef\xbb\xbf";

/// What [`LineReader::next_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// A line with something on it is in the buffer, without its line ending.
    Text,
    /// A line over [`MAX_LINE_BYTES`]; the buffer is empty.
    TooLong,
    /// The end of the input.
    End,
}

pub struct LineReader<R> {
    input: R,
    /// The number of the line last read, counting blank lines; the first line is 1.
    number: u64,
    /// The last line ended with a bare CR: a LF at the start of the next read belongs to it.
    after_cr: bool,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(input: R) -> Self {
        LineReader {
            input,
            number: 0,
            after_cr: false,
        }
    }

    /// The input, the number of lines read, and whether the last ended with a bare CR: what a
    /// [`super::chunks::Chunker`] needs to go on where this reader stopped.
    pub fn into_parts(self) -> (R, u64, bool) {
        (self.input, self.number, self.after_cr)
    }

    /// The number of the line last returned (1-based; blank lines are counted).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Reads the next line that is not blank into `line` (cleared first), without its ending
    /// and without a byte-order mark at the start of the input.
    pub fn next_line(&mut self, line: &mut Vec<u8>) -> io::Result<Line> {
        loop {
            line.clear();
            match self.read_one(line)? {
                None => return Ok(Line::End),
                Some(false) => return Ok(Line::TooLong),
                Some(true) => {}
            }
            if self.number == 1 && line.starts_with(BYTE_ORDER_MARK) {
                line.drain(..BYTE_ORDER_MARK.len());
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                return Ok(Line::Text);
            }
        }
    }

    /// One line: `None` at the end of the input, `Some(false)` when it was too long.
    fn read_one(&mut self, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
        let mut any = false;
        let mut kept = true;
        loop {
            let buffer = match self.input.fill_buf() {
                Ok(buffer) => buffer,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if buffer.is_empty() {
                self.after_cr = false;
                if !any {
                    return Ok(None);
                }
                self.number += 1;
                return Ok(Some(kept));
            }
            if std::mem::take(&mut self.after_cr) && buffer[0] == b'\n' {
                self.input.consume(1);
                continue;
            }
            any = true;
            match memchr::memchr2(b'\n', b'\r', buffer) {
                Some(at) => {
                    let cr = buffer[at] == b'\r';
                    kept = kept && keep(line, &buffer[..at]);
                    self.input.consume(at + 1);
                    self.after_cr = cr;
                    self.number += 1;
                    return Ok(Some(kept));
                }
                None => {
                    let len = buffer.len();
                    kept = kept && keep(line, buffer);
                    self.input.consume(len);
                }
            }
        }
    }
}

/// Appends `piece` unless the line would grow over the limit; then forgets the line.
fn keep(line: &mut Vec<u8>, piece: &[u8]) -> bool {
    if line.len() + piece.len() > MAX_LINE_BYTES {
        line.clear();
        line.shrink_to(4096);
        false
    } else {
        line.extend_from_slice(piece);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(u64, String)> {
        // A tiny buffer, so that endings fall across buffer boundaries.
        let mut reader = LineReader::new(io::BufReader::with_capacity(3, input));
        let mut line = Vec::new();
        let mut found = Vec::new();
        loop {
            match reader.next_line(&mut line).expect("reads") {
                Line::Text => {
                    found.push((reader.number(), String::from_utf8_lossy(&line).into_owned()))
                }
                Line::TooLong => found.push((reader.number(), "<too long>".to_string())),
                Line::End => return found,
            }
        }
    }

    #[test]
    fn lf_crlf_and_bare_cr_each_end_a_row() {
        let expected = vec![
            (1, "a".to_string()),
            (2, "b".to_string()),
            (3, "c".to_string()),
        ];
        assert_eq!(lines(b"a\nb\nc\n"), expected);
        assert_eq!(lines(b"a\r\nb\r\nc\r\n"), expected);
        assert_eq!(lines(b"a\rb\rc\r"), expected);
        assert_eq!(lines(b"a\nb\r\nc"), expected);
        // A bare CR between two rows ends the first; nothing is dropped.
        assert_eq!(lines(b"a\nb\rc\n"), expected);
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        assert_eq!(
            lines(b"a\r\n\r\n  \nb\r\rc"),
            vec![
                (1, "a".to_string()),
                (4, "b".to_string()),
                (6, "c".to_string())
            ]
        );
    }

    #[test]
    fn a_byte_order_mark_is_dropped_from_the_first_line_only() {
        assert_eq!(
            lines(b"\xef\xbb\xbfa\n\xef\xbb\xbfb\n"),
            vec![(1, "a".to_string()), (2, "\u{feff}b".to_string())]
        );
    }

    #[test]
    fn an_endless_line_costs_its_row_only() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nnext\n");
        let mut reader = LineReader::new(io::BufReader::new(&input[..]));
        let mut line = Vec::new();
        assert_eq!(reader.next_line(&mut line).expect("reads"), Line::TooLong);
        assert_eq!(reader.number(), 1);
        assert!(line.capacity() <= MAX_LINE_BYTES);
        assert_eq!(reader.next_line(&mut line).expect("reads"), Line::Text);
        assert_eq!((reader.number(), &line[..]), (2, &b"next"[..]));
        assert_eq!(reader.next_line(&mut line).expect("reads"), Line::End);
    }
}
