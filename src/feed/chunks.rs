//! A text feed (CSV rows, JSON lines) cut into chunks of whole lines, so that chunks can be
//! read and evaluated on several threads (`rem eval --threads`).
//!
//! Lines end as [`super::lines`] reads them: LF, CRLF or a bare CR. A chunk ends just after a
//! line ending (never between the CR and the LF of a CRLF), so every line is in exactly one
//! chunk, and each chunk says how many lines came before it, so every row keeps its line
//! number. A chunk is read with the same [`super::lines::LineReader`] as a whole feed, so a
//! row reads the same either way.
//!
//! A line can be endless (a broken export, a device given as a feed): once the unfinished
//! line at the end of a chunk is longer than [`MAX_LINE_BYTES`], only its first
//! `MAX_LINE_BYTES + 1` bytes are kept, enough for the reader to report it as too long, and the
//! rest is skipped up to its end. Memory stays bounded by the chunk size.

use std::io::{self, BufRead};

use super::lines::MAX_LINE_BYTES;

/// Whole lines of a feed, and how many lines came before them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    pub lines_before: u64,
}

pub struct Chunker<R> {
    input: R,
    lines: u64,
    /// The line before the input ended with a bare CR: a LF first in the input belongs to it.
    after_cr: bool,
    /// The start of a line that continues in the input.
    carry: Vec<u8>,
    /// The unfinished line got too long: its bytes are dropped up to its end.
    skipping: bool,
    /// Buffers of chunks done with, to be filled again (see [`Chunker::recycle`]).
    spare: Vec<Vec<u8>>,
}

impl<R: BufRead> Chunker<R> {
    /// A chunker for `input`, after `lines_before` lines read already; `after_cr` when the last
    /// of them ended with a bare CR.
    pub fn new(input: R, lines_before: u64, after_cr: bool) -> Self {
        Chunker {
            input,
            lines: lines_before,
            after_cr,
            carry: Vec::new(),
            skipping: false,
            spare: Vec::new(),
        }
    }

    /// The next chunk of at least `size` bytes where the lines allow (the last may be
    /// smaller); `None` at the end of the input.
    pub fn next_chunk(&mut self, size: usize) -> io::Result<Option<Chunk>> {
        let mut bytes = std::mem::take(&mut self.carry);
        let mut end_of_input = false;
        let cut = loop {
            if bytes.len() >= size {
                if let Some(cut) = last_cut(&bytes) {
                    break cut;
                }
            }
            let piece = match self.input.fill_buf() {
                Ok(piece) => piece,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if piece.is_empty() {
                end_of_input = true;
                break bytes.len();
            }
            let mut piece = piece;
            let len = piece.len();
            if std::mem::take(&mut self.after_cr) && piece[0] == b'\n' {
                piece = &piece[1..];
            }
            if self.skipping {
                if let Some(at) = memchr::memchr2(b'\n', b'\r', piece) {
                    self.skipping = false;
                    bytes.extend_from_slice(&piece[at..]);
                }
            } else {
                bytes.extend_from_slice(piece);
            }
            self.input.consume(len);
            self.bound_unfinished_line(&mut bytes);
        };
        if bytes.is_empty() {
            return Ok(None);
        }
        let mut carry = self.spare.pop().unwrap_or_default();
        carry.clear();
        if !end_of_input {
            carry.extend_from_slice(&bytes[cut..]);
        }
        bytes.truncate(cut);
        self.carry = carry;
        let chunk = Chunk {
            lines_before: self.lines,
            bytes,
        };
        self.lines += endings(&chunk.bytes);
        Ok(Some(chunk))
    }

    /// Gives back the bytes of a chunk done with: the next chunks are read into them, not into
    /// fresh memory.
    pub fn recycle(&mut self, bytes: Vec<u8>) {
        if self.spare.len() < 4 {
            self.spare.push(bytes);
        }
    }

    /// Keeps the unfinished line at the end of `bytes` within the limit.
    fn bound_unfinished_line(&mut self, bytes: &mut Vec<u8>) {
        let start = memchr::memrchr2(b'\n', b'\r', bytes).map_or(0, |at| at + 1);
        if bytes.len() - start > MAX_LINE_BYTES + 1 {
            bytes.truncate(start + MAX_LINE_BYTES + 1);
            self.skipping = true;
        }
    }
}

/// Where a chunk may end: after the last line ending in `bytes`, unless that is a CR at the
/// very end (a LF may follow it in the input).
fn last_cut(bytes: &[u8]) -> Option<usize> {
    let last = memchr::memrchr2(b'\n', b'\r', bytes)?;
    if bytes[last] == b'\r' && last + 1 == bytes.len() {
        return memchr::memrchr2(b'\n', b'\r', &bytes[..last]).map(|at| at + 1);
    }
    Some(last + 1)
}

/// The line endings in `bytes`: LF, CRLF and bare CR each count once.
fn endings(bytes: &[u8]) -> u64 {
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let bare_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&at| bytes.get(at + 1) != Some(&b'\n'))
        .count();
    (lf + bare_cr) as u64
}

#[cfg(test)]
mod tests {
    use super::super::lines::{Line, LineReader};
    use super::*;

    /// Every line of `input` with its number, read whole.
    fn whole(input: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut reader = LineReader::new(input);
        let mut line = Vec::new();
        let mut found = Vec::new();
        loop {
            match reader.next_line(&mut line).expect("reads") {
                Line::Text => found.push((reader.number(), line.clone())),
                Line::TooLong => found.push((reader.number(), b"<too long>".to_vec())),
                Line::End => return found,
            }
        }
    }

    /// Every line of `input` with its number, read chunk by chunk as the threads read them
    /// (each chunk after a blank line, so a byte-order mark stays the first line's alone).
    fn chunked(input: &[u8], size: usize, buffer: usize) -> Vec<(u64, Vec<u8>)> {
        let mut chunker = Chunker::new(io::BufReader::with_capacity(buffer, input), 0, false);
        let mut found = Vec::new();
        while let Some(chunk) = chunker.next_chunk(size).expect("reads") {
            let mut prefixed = b"\n".to_vec();
            prefixed.extend_from_slice(&chunk.bytes);
            for (n, line) in whole(&prefixed) {
                found.push((chunk.lines_before + n - 1, line));
            }
        }
        found
    }

    #[test]
    fn chunks_give_every_line_once_with_its_number_whatever_the_sizes() {
        let inputs: [&[u8]; 5] = [
            b"a\nb\nc\n",
            b"a\r\nb\r\n\r\nc",
            b"a\rb\rc\r",
            b"a\nb\r\nc\rd\n\n  \ne",
            b"x\r\r\n\ny\r",
        ];
        for input in inputs {
            for size in 1..8 {
                for buffer in 1..6 {
                    assert_eq!(
                        chunked(input, size, buffer),
                        whole(input),
                        "{input:?} in chunks of {size} through a buffer of {buffer}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_endless_line_is_cut_and_still_reads_as_too_long() {
        let mut input = b"first\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 3 * MAX_LINE_BYTES));
        input.extend_from_slice(b"\r\nnext\n");
        let mut chunker = Chunker::new(io::BufReader::new(&input[..]), 0, false);
        while let Some(chunk) = chunker.next_chunk(1 << 16).expect("reads") {
            assert!(chunk.bytes.len() <= MAX_LINE_BYTES + (1 << 17));
        }
        assert_eq!(
            chunked(&input, 1 << 16, 1 << 16),
            vec![
                (1, b"first".to_vec()),
                (2, b"<too long>".to_vec()),
                (3, b"next".to_vec())
            ]
        );
    }

    #[test]
    fn a_lf_after_a_header_that_ended_with_a_bare_cr_belongs_to_the_header() {
        let mut chunker = Chunker::new(&b"\nrow\n"[..], 1, true);
        let chunk = chunker.next_chunk(100).expect("reads").expect("a chunk");
        assert_eq!(chunk.bytes, b"row\n");
        assert_eq!(chunk.lines_before, 1);
    }
}
