//! Any bytes as an event feed, read as JSON Lines and as CSV, at a `now` taken from the input:
//! no panic, and every line (after the header, for CSV) that is not blank ends as an event in
//! the index or as a reject.

#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first 8 bytes are `now`, in seconds from 2026-03-24T11:00:00Z, so that a short
    // input lands near the example events; the rest is the feed.
    let (now, feed) = match data.split_first_chunk::<8>() {
        Some((now, feed)) => (i64::from_le_bytes(*now), feed),
        None => (0, data),
    };
    let now = DateTime::<Utc>::from_timestamp(1_774_350_000_i64.saturating_add(now % (1 << 40)), 0)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let lines = rem_fuzz::text_lines(feed).len();

    if let Ok((index, rejects)) = rem::feed::events::read(feed, false, now) {
        assert_eq!(
            index.len() + rejects.len(),
            lines,
            "JSON Lines: events + rejects"
        );
    }
    // The first line is the header, whatever its bytes (an earlier finding: a header that
    // was not UTF-8 was taken for a row; fuzz/regressions/events/).
    if let Ok((index, rejects)) = rem::feed::events::read(feed, true, now) {
        assert_eq!(
            index.len() + rejects.len(),
            lines.saturating_sub(1),
            "CSV: events + rejects against lines after the header"
        );
    }
});
