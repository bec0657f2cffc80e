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
    /// The line last split had no quotes: its fields are read from `line` itself, `ends`
    /// holding where each ends (at its comma).
    unquoted: bool,
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
            unquoted: false,
        };
        let header = feed
            .input
            .next_line(&mut feed.line)
            .map_err(|e| FeedError::Io(e.to_string()))?;
        if header != Line::Text {
            return Err(FeedError::NoHeader);
        }
        let count = feed.split().ok_or(FeedError::NoHeader)?;
        let names: Vec<String> = (0..count)
            .map(|i| feed.field(i))
            .map(|(start, end)| {
                String::from_utf8_lossy(&feed.text()[start..end])
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

    /// The header line as read, and the rest of the input with where it starts (see
    /// [`LineReader::into_parts`]): to read the rows in chunks on several threads, each chunk
    /// after the header.
    pub fn into_rest(self) -> (Vec<u8>, R, u64, bool) {
        let (input, lines, after_cr) = self.input.into_parts();
        (self.line, input, lines, after_cr)
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
        if memchr::memchr_iter(b'"', &self.line).count() % 2 == 1 {
            return Err(bad_line(Problem::BrokenQuoting));
        }
        let Some(count) = self.split() else {
            return Err(bad_line(Problem::NotCsv));
        };
        if count != self.columns.len() {
            return Err(bad_line(Problem::FieldCount {
                found: count,
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
        let end = count.checked_sub(1).map_or(0, |last| self.ends[last]);
        let whole = std::str::from_utf8(&self.text()[..end]).ok();
        for (i, column) in self.columns.iter().enumerate() {
            let Some(column) = column else { continue };
            let (start, end) = self.field(i);
            let text = match whole.and_then(|w| w.get(start..end)) {
                Some(text) => Some(text),
                None => std::str::from_utf8(&self.text()[start..end]).ok(),
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

    /// [`CsvFeed::split`] of a line without quotes, as `csv-core` splits it, without copying:
    /// the fields are read from the line, `ends` holding where each ends. Most lines of an
    /// export quote nothing.
    fn split_unquoted(&mut self) -> usize {
        self.unquoted = true;
        let mut count = 0;
        let commas = self.line.iter().enumerate().filter(|(_, b)| **b == b',');
        for end in commas
            .map(|(at, _)| at)
            .chain(std::iter::once(self.line.len()))
        {
            if count == self.ends.len() {
                self.ends.resize(self.ends.len() * 2, 0);
            }
            self.ends[count] = end;
            count += 1;
        }
        count
    }

    /// The bytes the fields of the line last split are in.
    fn text(&self) -> &[u8] {
        if self.unquoted {
            &self.line
        } else {
            &self.output
        }
    }

    /// Where field `i` of the line last split is in [`CsvFeed::text`].
    fn field(&self, i: usize) -> (usize, usize) {
        let start = match i.checked_sub(1) {
            Some(before) if self.unquoted => self.ends[before] + 1,
            Some(before) => self.ends[before],
            None => 0,
        };
        (start, self.ends[i])
    }

    /// Splits the current line into fields in `output` (their ends in `ends`); returns how many
    /// there are.
    fn split(&mut self) -> Option<usize> {
        self.unquoted = false;
        let line: &[u8] = &self.line;
        // csv-core also drops a byte-order mark at the start of a line: such lines go to it.
        if memchr::memchr(b'"', line).is_none() && !line.starts_with(super::lines::BYTE_ORDER_MARK)
        {
            return Some(self.split_unquoted());
        }
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
        Some(ends_len)
    }
}

/// The canonical header line: every column, in the order of [`Column::ALL`].
pub fn write_header(out: &mut Vec<u8>) {
    for (i, column) in Column::ALL.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(column.name().as_bytes());
    }
    out.push(b'\n');
}

/// One booking as a line of the canonical CSV feed (`rem gen`, held rows): every column of
/// [`write_header`], a field quoted only when it holds a comma or a quote.
pub fn write_booking(out: &mut Vec<u8>, booking: &Booking<'_>) {
    use std::io::Write as _;
    for (i, column) in Column::ALL.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let value = value_of(booking, *column);
        if value.contains([',', '"']) {
            let _ = write!(out, "\"{}\"", value.replace('"', "\"\""));
        } else {
            out.extend_from_slice(value.as_bytes());
        }
    }
    out.push(b'\n');
}

/// A booking's value of one column, as the canonical CSV feed writes it.
fn value_of<'a>(booking: &'a Booking<'_>, column: Column) -> std::borrow::Cow<'a, str> {
    let time = |t: &chrono::DateTime<chrono::FixedOffset>| {
        t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
    };
    let flag = |b: bool| if b { "true" } else { "false" };
    let patient = &booking.patient;
    let guardian = |n: usize| booking.guardians[n].as_ref();
    match column {
        Column::BookingId => booking.id.as_ref().into(),
        Column::PatientId => booking.patient_id.as_ref().into(),
        Column::Clinic => booking.clinic.as_ref().into(),
        Column::Unit => booking.unit.as_ref().into(),
        Column::Exam => booking.exam.as_ref().into(),
        Column::Kind => booking.kind.as_str().into(),
        Column::SeriesId => booking.series_id.as_deref().unwrap_or_default().into(),
        Column::GroupId => booking.group_id.as_deref().unwrap_or_default().into(),
        Column::Source => booking.source.as_str().into(),
        Column::Status => booking.status.as_str().into(),
        Column::StatusAt => booking
            .status_at
            .as_ref()
            .map(time)
            .unwrap_or_default()
            .into(),
        Column::Start => time(&booking.start).into(),
        Column::Created => time(&booking.created).into(),
        Column::Reminder => flag(booking.reminder).into(),
        Column::BirthDate => patient.birth_date.format("%Y-%m-%d").to_string().into(),
        Column::IdKind => patient.id_kind.as_str().into(),
        Column::Mobile => {
            super::as_given(patient.mobile.as_deref(), patient.mobile_invalid, column)
                .unwrap_or_default()
                .into()
        }
        Column::Email => super::as_given(patient.email.as_deref(), patient.email_invalid, column)
            .unwrap_or_default()
            .into(),
        Column::ConsentSms => flag(patient.consent_sms).into(),
        Column::ConsentEmail => flag(patient.consent_email).into(),
        Column::ConsentSource => patient.consent_source.as_str().into(),
        Column::InboxAccount => flag(patient.inbox_account).into(),
        Column::InboxNotifications => flag(patient.inbox_notifications).into(),
        Column::Interpreter => flag(patient.interpreter).into(),
        Column::Language => patient.language.as_deref().unwrap_or_default().into(),
        Column::Guardian1Mobile | Column::Guardian2Mobile => {
            let n = usize::from(column == Column::Guardian2Mobile);
            let g = guardian(n);
            let invalid = g.is_some_and(|g| g.mobile_invalid);
            super::as_given(g.and_then(|g| g.mobile.as_deref()), invalid, column)
                .unwrap_or_default()
                .into()
        }
        Column::Guardian1ConsentSms | Column::Guardian2ConsentSms => {
            let n = usize::from(column == Column::Guardian2ConsentSms);
            guardian(n)
                .map(|g| flag(g.consent_sms))
                .unwrap_or_default()
                .into()
        }
        Column::PreviousStart => booking
            .previous_start
            .as_ref()
            .map(time)
            .unwrap_or_default()
            .into(),
        Column::PatientStatus => patient.status.as_str().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every example booking, written as a CSV line (as `rem gen` writes them) and read back,
    /// is the same booking.
    #[test]
    fn a_written_booking_reads_back_equal() {
        let text = include_str!("../../examples/bookings.jsonl");
        let mut feed = super::super::jsonl::JsonlFeed::new(text.as_bytes());
        let mut written = Vec::new();
        write_header(&mut written);
        let mut bookings = Vec::new();
        while let Some(row) = feed.next_row() {
            let (_, row) = row.expect("readable");
            let booking = row.expect("valid").into_owned();
            write_booking(&mut written, &booking);
            bookings.push(booking);
        }
        let mut again = CsvFeed::new(&written[..]).expect("a header");
        for booking in &bookings {
            let (_, read) = again.next_row().expect("a row").expect("readable");
            assert_eq!(&read.expect("valid"), booking);
        }
        assert!(again.next_row().is_none());
        assert_eq!(bookings.len(), 20);
    }

    /// The fields of `line` as `csv-core` gives them, and as the path for lines without
    /// quotes gives them.
    fn both_splits(line: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let mut header = Vec::new();
        write_header(&mut header);
        let mut feed = CsvFeed::new(&header[..]).expect("a header");
        let fields = |feed: &CsvFeed<&[u8]>, count: usize| -> Vec<Vec<u8>> {
            (0..count)
                .map(|i| {
                    let (start, end) = feed.field(i);
                    feed.text()[start..end].to_vec()
                })
                .collect()
        };
        feed.line = line.to_vec();
        let fast = feed.split_unquoted();
        let fast = fields(&feed, fast);
        // csv-core, as `split` calls it for a line with quotes.
        let mut reader = Reader::new();
        let (mut out, mut ends) = (vec![0u8; 4096], vec![0usize; 1024]);
        let (mut input, mut written, mut ended) = (line, 0, 0);
        loop {
            let (result, read, w, e) =
                reader.read_record(input, &mut out[written..], &mut ends[ended..]);
            input = &input[read..];
            written += w;
            ended += e;
            if matches!(result, ReadRecordResult::Record | ReadRecordResult::End) {
                break;
            }
        }
        let mut start = 0;
        let slow = ends[..ended]
            .iter()
            .map(|&end| {
                let field = out[start..end].to_vec();
                start = end;
                field
            })
            .collect();
        (fast, slow)
    }

    proptest::proptest! {
        /// Issue 12: a line without quotes is split with `memchr`, exactly as `csv-core`
        /// splits it.
        #[test]
        fn lines_without_quotes_split_as_csv_core_splits_them(
            line in "[a,; \t\u{e5}\u{feff}0-9+:-]{1,120}"
        ) {
            proptest::prop_assume!(!line.starts_with('\u{feff}'));
            let (fast, slow) = both_splits(line.as_bytes());
            proptest::prop_assert_eq!(&fast, &slow, "{:?}", line.as_bytes());
        }
    }
}
