//! Any bytes as a CSV booking feed. When the header is accepted: no panic, one row for each
//! line after the header that is not blank (lines end at LF, CRLF or a bare CR), at that
//! line's number, each a booking or a reject; a reject's reason never repeats the digits of a
//! personal value of its row.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rem::feed::{Column, Location};

/// The fields of one line, split by the `csv` crate (not by the code under test).
fn fields(line: &[u8]) -> Option<Vec<String>> {
    let record = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line)
        .records()
        .next()?
        .ok()?;
    Some(record.iter().map(str::to_string).collect())
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut feed) = rem::feed::csv::CsvFeed::new(data) else {
        return;
    };
    let lines = rem_fuzz::text_lines(data);
    let header: Option<Vec<Option<Column>>> = lines[0].1.and_then(fields).map(|names| {
        names
            .iter()
            .map(|n| Column::named(n.trim().trim_start_matches('\u{feff}')))
            .collect()
    });
    let mut rows = 0;
    while let Some(row) = feed.next_row() {
        let (location, row) = row.expect("a byte slice cannot fail to read");
        rows += 1;
        let Some(&(number, line)) = lines.get(rows) else {
            panic!(
                "row {rows} at {location:?}, but the input has only {} rows",
                lines.len() - 1
            );
        };
        assert_eq!(location, Location::Line(number), "row {rows}");
        let Err(reject) = row else { continue };
        assert_eq!(reject.location, location);
        let (Some(header), Some(values)) = (&header, line.and_then(fields)) else {
            continue;
        };
        if values.len() != header.len() {
            continue;
        }
        let (mut personal, mut other) = (Vec::new(), Vec::new());
        for (column, value) in header.iter().zip(&values) {
            match column {
                Some(c) if c.is_personal() => personal.push(value.as_str()),
                _ => other.push(value.as_str()),
            }
        }
        rem_fuzz::assert_no_personal_digits(&reject.reason(), &personal, &other);
    }
    assert_eq!(
        rows,
        lines.len() - 1,
        "rows read against lines after the header"
    );
});
