//! CSV feeds: a header line naming the columns, then one booking a line.
//!
//! Lines are read one at a time (LF, CRLF or a bare CR ends a line; see [`super::lines`]) and
//! split with `csv-core`, so a broken line (an unclosed quote, invalid UTF-8, a missing field)
//! is rejected alone and the next line is read as usual. Fields cannot contain line breaks;
//! booking exports never need them.

use std::io::BufRead;

use csv_core::{ReadRecordResult, Reader};

use super::lines::{Line, LineReader};
use super::{Column, FeedError, Location, Problem, RawBooking, Reject, Row, reject};
use crate::booking::Booking;

pub struct CsvFeed<R> {
    /// The country of national phone numbers (the feed configuration's `phone_region`).
    pub region: Option<phonenumber::country::Id>,
    input: LineReader<R>,
    columns: Vec<Option<Column>>,
    reader: Reader,
    line: Vec<u8>,
    /// The current line was longer than a line may be, and is not in `line`.
    too_long: bool,
    output: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: BufRead> CsvFeed<R> {
    /// Reads the header and checks that every canonical column is there.
    pub fn new(input: R) -> Result<Self, FeedError> {
        let mut feed = CsvFeed {
            region: None,
            input: LineReader::new(input),
            columns: Vec::new(),
            reader: Reader::new(),
            line: Vec::with_capacity(512),
            too_long: false,
            output: vec![0; 512],
            ends: vec![0; 64],
        };
        let header = feed
            .input
            .next_line(&mut feed.line)
            .map_err(|e| FeedError::Io(e.to_string()))?;
        if header != Line::Text {
            return Err(FeedError::NoHeader);
        }
        let fields = feed.split().ok_or(FeedError::NoHeader)?;
        let names: Vec<String> = fields
            .iter()
            .map(|&(start, end)| {
                String::from_utf8_lossy(&feed.output[start..end])
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect();
        let columns: Vec<Option<Column>> = names.iter().map(|n| Column::named(n)).collect();
        // A column named twice is ambiguous: which of the two values is the patient's?
        for (second, column) in columns.iter().enumerate() {
            let Some(column) = column else { continue };
            if let Some(first) = columns[..second].iter().position(|c| c == &Some(*column)) {
                return Err(FeedError::DuplicateColumn {
                    column: column.name(),
                    first: first + 1,
                    second: second + 1,
                });
            }
        }
        let missing: Vec<&'static str> = Column::ALL
            .iter()
            .filter(|c| c.in_canonical_header() && !columns.contains(&Some(**c)))
            .map(|c| c.name())
            .collect();
        if !missing.is_empty() {
            return Err(FeedError::MissingColumns { missing });
        }
        feed.columns = columns;
        Ok(feed)
    }

    /// The next row: a booking borrowing from the feed's buffer, or a reject. `None` at the
    /// end of the feed; an unreadable input ends the feed with an error.
    pub fn next_row(&mut self) -> Option<Result<Row<'_>, FeedError>> {
        match self.input.next_line(&mut self.line) {
            Ok(Line::Text) => self.too_long = false,
            Ok(Line::TooLong) => self.too_long = true,
            Ok(Line::End) => return None,
            Err(error) => return Some(Err(FeedError::Io(error.to_string()))),
        }
        let location = Location::Line(self.input.number());
        Some(Ok((location, self.row(location))))
    }

    fn row(&mut self, location: Location) -> Result<Booking<'_>, Reject> {
        let bad_line = |problem| Reject::line(location, problem);
        if self.too_long {
            return Err(bad_line(Problem::LineTooLong));
        }
        if self.line.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
            return Err(bad_line(Problem::BrokenQuoting));
        }
        let Some(fields) = self.split() else {
            return Err(bad_line(Problem::NotCsv));
        };
        if fields.len() != self.columns.len() {
            return Err(bad_line(Problem::FieldCount {
                found: fields.len(),
                expected: self.columns.len(),
            }));
        }
        let mut raw = RawBooking {
            region: self.region,
            ..RawBooking::default()
        };
        let mut bad_text = None;
        // One UTF-8 check for the whole record; a field whose bounds fall inside a character,
        // or a record that is not UTF-8, is checked field by field to name the culprit.
        let end = fields.last().map_or(0, |&(_, end)| end);
        let whole = std::str::from_utf8(&self.output[..end]).ok();
        for (&(start, end), column) in fields.iter().zip(&self.columns) {
            let Some(column) = column else { continue };
            let text = match whole.and_then(|w| w.get(start..end)) {
                Some(text) => Some(text),
                None => std::str::from_utf8(&self.output[start..end]).ok(),
            };
            match text {
                Some(text) => raw.set(*column, text),
                None => bad_text = bad_text.or(Some(*column)),
            }
        }
        let booking_id = raw.booking_id();
        if let Some(column) = bad_text {
            return Err(reject(location, booking_id, (column, Problem::NotUtf8)));
        }
        raw.validate().map_err(|e| reject(location, booking_id, e))
    }

    /// Splits the current line into fields in `output`; returns their ranges.
    fn split(&mut self) -> Option<Vec<(usize, usize)>> {
        let line: &[u8] = &self.line;
        self.reader.reset();
        let (mut out_len, mut ends_len) = (0, 0);
        let mut input = line;
        let mut finished_input = false;
        loop {
            let (result, read, written, ended) = self.reader.read_record(
                input,
                &mut self.output[out_len..],
                &mut self.ends[ends_len..],
            );
            input = &input[read..];
            out_len += written;
            ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty if !finished_input => {
                    finished_input = input.is_empty()
                }
                ReadRecordResult::InputEmpty => return None,
                ReadRecordResult::OutputFull => self.output.resize(self.output.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => break,
                ReadRecordResult::End => return None,
            }
        }
        let mut start = 0;
        Some(
            self.ends[..ends_len]
                .iter()
                .map(|&end| {
                    let range = (start, end);
                    start = end;
                    range
                })
                .collect(),
        )
    }
}
