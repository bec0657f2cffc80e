//! What the fuzz targets share: an independent count of a text feed's rows, and the check that
//! a reject never repeats a personal value.
//!
//! Both are written from `docs/feed-format.md` and `src/feed/lines.rs`'s contract, not by
//! calling the code under test, so that a disagreement is a finding.

use rem::feed::lines::{BYTE_ORDER_MARK, MAX_LINE_BYTES};

/// The lines of a text feed as the feed readers see them: a line ends at LF, CRLF or a bare
/// CR; the byte-order mark is dropped from the first line. Each item is the line's number
/// (1-based, blank lines counted) and its bytes, or `None` for a line over `MAX_LINE_BYTES`.
pub fn physical_lines(input: &[u8]) -> Vec<(u64, Option<&[u8]>)> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut number = 0;
    while start < input.len() {
        let end = input[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(input.len(), |at| start + at);
        let mut line = &input[start..end];
        number += 1;
        if number == 1 && line.starts_with(BYTE_ORDER_MARK) {
            line = &line[BYTE_ORDER_MARK.len()..];
        }
        let kept = (end - start <= MAX_LINE_BYTES).then_some(line);
        lines.push((number, kept));
        start = end + 1;
        if input.get(end) == Some(&b'\r') && input.get(end + 1) == Some(&b'\n') {
            start += 1;
        }
    }
    lines
}

/// The lines that are rows (or the header): every line but the blank ones. A line over the
/// length limit is a row (it is rejected as too long), whatever it holds.
pub fn text_lines(input: &[u8]) -> Vec<(u64, Option<&[u8]>)> {
    physical_lines(input)
        .into_iter()
        .filter(|(_, line)| line.is_none_or(|l| !l.iter().all(u8::is_ascii_whitespace)))
        .collect()
}

/// Runs of six or more ASCII digits in `text`: long enough to be part of an id number, a
/// phone number or a birth date written without separators.
pub fn digit_runs(text: &str) -> Vec<&str> {
    let mut runs = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start >= 6 {
                runs.push(&text[start..i]);
            }
        } else {
            i += 1;
        }
    }
    runs
}

/// Digits that rem's own messages show as examples (`e.g. +46701234567`): a personal value
/// that happens to share them is not being repeated.
const EXAMPLE_DIGITS: &[&str] = &["46701234567"];

/// Panics if `reason` repeats a run of six or more digits found in a personal value of the
/// row, unless the same digits are also in one of its other values (then the reason may be
/// quoting that value, which is allowed) or in an example of rem's messages.
pub fn assert_no_personal_digits(reason: &str, personal: &[&str], other: &[&str]) {
    for value in personal {
        for run in digit_runs(value) {
            if other.iter().chain(EXAMPLE_DIGITS).any(|o| o.contains(run)) {
                continue;
            }
            assert!(
                !reason.contains(run),
                "a reject's reason repeats the digits `{run}` of a personal value: {reason:?}"
            );
        }
    }
}
