//! `rem eval --threads N`: a CSV or JSON Lines feed evaluated on several threads.
//!
//! The main thread cuts the feed into chunks of whole lines ([`rem::feed::chunks`]); worker
//! threads read and evaluate each chunk into its own buffers (the output lines, the rejects,
//! the counts); the main thread takes the chunks back in the feed's order and alone applies
//! what a feed says only as a whole ([`rem::feed::rules`]): a booking id used before is
//! rejected, and group bookings are held to the end. A chunk with a row whose id was used
//! before is evaluated again with that row rejected, so the output, the rejects file and the
//! summary are byte for byte those of one thread. At most two chunks a thread are in memory.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::{Mutex, mpsc};

use rem::booking::{Booking, id_hash};
use rem::engine::{Engine, Options, Outcome};
use rem::events::EventIndex;
use rem::feed::chunks::{Chunk, Chunker};
use rem::feed::rules::{FeedRules, duplicate};
use rem::feed::{self, Feed, FeedError, Format, Location, ReadOptions, Reject, Severity};
use rem::output::{ActionWriter, OutputFormat, Tally};

use super::inputs::Held;

/// The size of a chunk: a few thousand rows.
const CHUNK_BYTES: usize = 1 << 20;

/// What every worker reads.
pub struct Shared<'a> {
    /// Output buffers written and given back, to be filled again, not allocated anew.
    pub buffers: Mutex<Vec<Vec<u8>>>,
    pub engine: &'a Engine,
    pub events: &'a EventIndex,
    pub options: &'a Options,
    pub explain: bool,
    pub output: OutputFormat,
    pub format: Format,
    pub read: &'a ReadOptions,
}

/// What a worker made of a chunk: its part of the output, of the rejects file (rejects and
/// warnings in row order) and of the counts, every booking's id, and the rows to hold.
pub struct Part {
    pub out: Vec<u8>,
    pub rejects: Vec<Reject>,
    pub tally: Tally,
    ids: Vec<(Location, u64)>,
    held: Vec<(Location, Booking<'static>)>,
}

/// The feed's rows after the header (for CSV), with the line numbers they start at.
pub struct Rows<R> {
    chunker: Chunker<R>,
    /// The CSV header line, put before every chunk so that each reads on its own.
    header: Option<Vec<u8>>,
}

impl<R: std::io::BufRead> Rows<R> {
    /// Opens a CSV or JSON Lines feed (checking a CSV header as one thread does).
    pub fn open(format: Format, input: R) -> Result<Rows<R>, FeedError> {
        Ok(match format {
            Format::Csv => {
                let (header, rest, lines, after_cr) = feed::csv::CsvFeed::new(input)?.into_rest();
                Rows {
                    chunker: Chunker::new(rest, lines, after_cr),
                    header: Some(header),
                }
            }
            _ => Rows {
                chunker: Chunker::new(input, 0, false),
                header: None,
            },
        })
    }
}

/// A chunk made readable on its own: the header (or a blank line) before it, and what to add
/// to a line number read in it.
fn readable<'c>(chunk: &'c Chunk, header: Option<&[u8]>) -> (impl std::io::BufRead + 'c, u64) {
    let (prefix, shift) = match header {
        Some(header) => {
            let mut prefix = header.to_vec();
            prefix.push(b'\n');
            (prefix, chunk.lines_before.saturating_sub(1))
        }
        // The first chunk keeps its place as the start of the input (a byte-order mark is
        // dropped there only); later ones start after a blank line, which is counted.
        None if chunk.lines_before == 0 => (Vec::new(), 0),
        None => (b"\n".to_vec(), chunk.lines_before - 1),
    };
    let input = std::io::Read::chain(Cursor::new(prefix), Cursor::new(&chunk.bytes[..]));
    (input, shift)
}

fn shifted(location: Location, shift: u64) -> Location {
    match location {
        Location::Line(n) => Location::Line(n + shift),
        entry => entry,
    }
}

/// Reads and evaluates one chunk; the rows at `duplicates` are rejected as ids used before.
pub fn evaluate_chunk(
    shared: &Shared<'_>,
    chunk: &Chunk,
    header: Option<&[u8]>,
    duplicates: &[Location],
) -> Result<Part, FeedError> {
    let (input, shift) = readable(chunk, header);
    let mut feed = Feed::open(shared.format, input, shared.read)?;
    let mut buffer = shared
        .buffers
        .lock()
        .ok()
        .and_then(|mut buffers| buffers.pop())
        .unwrap_or_else(|| Vec::with_capacity(chunk.bytes.len() * 3));
    buffer.clear();
    let mut writer = ActionWriter::continuing(buffer, shared.output, shared.explain);
    let mut part = Part {
        out: Vec::new(),
        rejects: Vec::new(),
        tally: Tally::default(),
        ids: Vec::new(),
        held: Vec::new(),
    };
    let mut outcomes: Vec<Outcome> = Vec::new();
    while let Some(row) = feed.next_row() {
        let (location, row) = row?;
        let location = shifted(location, shift);
        let at = |reject: &Reject| Reject {
            location: shifted(reject.location, shift),
            ..reject.clone()
        };
        match row {
            Err(reject) if reject.severity == Severity::Warning => part.rejects.push(at(&reject)),
            Err(reject) => {
                if part.tally.count_unevaluated(reject.problem) {
                    part.rejects.push(at(&reject));
                }
            }
            Ok(booking) => {
                part.rejects.extend(feed::warnings(location, &booking));
                if duplicates.contains(&location) {
                    part.tally
                        .count_unevaluated(feed::Problem::DuplicateBookingId);
                    part.rejects.push(duplicate(location, &booking));
                    continue;
                }
                part.ids.push((location, id_hash(&booking.id)));
                if booking.group_id.is_some() {
                    part.held.push((location, booking.into_owned()));
                    continue;
                }
                evaluate_booking(
                    shared,
                    &booking,
                    &mut outcomes,
                    &mut writer,
                    &mut part.tally,
                )
                .map_err(|e| FeedError::Io(e.to_string()))?;
            }
        }
    }
    part.out = writer.finish().map_err(|e| FeedError::Io(e.to_string()))?;
    Ok(part)
}

/// One booking evaluated, counted and written.
pub fn evaluate_booking<W: std::io::Write>(
    shared: &Shared<'_>,
    booking: &Booking<'_>,
    outcomes: &mut Vec<Outcome>,
    writer: &mut ActionWriter<W>,
    tally: &mut Tally,
) -> std::io::Result<()> {
    outcomes.clear();
    shared
        .engine
        .evaluate(booking, shared.events, shared.options, outcomes);
    tally.count_booking(outcomes);
    for outcome in outcomes.iter() {
        writer.write(shared.engine, booking, outcome)?;
    }
    Ok(())
}

/// Why the evaluation on several threads stopped.
pub enum Stop<E> {
    Feed(FeedError),
    /// `take` failed (an output could not be written).
    Take(E),
}

/// Evaluates the rows on `threads` workers and gives each chunk's [`Part`] to `take`, in the
/// feed's order; whole-feed rules are applied with `rules`, group rows are put in `held`.
pub fn evaluate<R: std::io::BufRead + Send, E>(
    shared: &Shared<'_>,
    threads: usize,
    mut rows: Rows<R>,
    rules: &mut FeedRules,
    held: &mut Held,
    mut take: impl FnMut(&Part) -> Result<(), E>,
) -> Result<(), Stop<E>> {
    let header = rows.header.take();
    let header = header.as_deref();
    if threads <= 1 {
        return evaluate_here(shared, rows, header, rules, held, take);
    }
    let (jobs, job_queue) = mpsc::channel::<(usize, Chunk)>();
    let job_queue = Mutex::new(job_queue);
    std::thread::scope(|scope| {
        // Dropped on every way out of the loop below, which ends the workers.
        let jobs = jobs;
        let (results, finished) = mpsc::channel();
        for _ in 0..threads {
            let results = results.clone();
            let job_queue = &job_queue;
            scope.spawn(move || {
                loop {
                    let job = job_queue.lock().map(|queue| queue.recv());
                    let Ok(Ok((n, chunk))) = job else { return };
                    // A worker that panicked would leave its chunk missing and the main
                    // thread waiting for it: the panic becomes the chunk's error instead.
                    let part = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        evaluate_chunk(shared, &chunk, header, &[])
                    }))
                    .unwrap_or_else(|_| {
                        Err(FeedError::Io(format!(
                            "evaluating chunk {n} of the feed failed"
                        )))
                    });
                    if results.send((n, chunk, part)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(results);
        let mut order = Order::new(shared, header, rules, held);
        let mut read = 0;
        let mut end = false;
        loop {
            while !end && read - order.next < threads * 2 {
                match next_chunk(&mut rows)? {
                    Some(chunk) => {
                        // The workers outlive the loop: a send cannot fail.
                        let _ = jobs.send((read, chunk));
                        read += 1;
                    }
                    None => end = true,
                }
            }
            if order.next == read {
                return Ok(());
            }
            let Ok((n, chunk, part)) = finished.recv() else {
                return Err(Stop::Feed(FeedError::Io("a worker thread stopped".into())));
            };
            order.waiting.insert(n, (chunk, part));
            order.take_ready(&mut take, &mut rows.chunker)?;
        }
    })
}

/// [`evaluate`] on this thread alone: each chunk read, evaluated and taken in turn.
fn evaluate_here<R: std::io::BufRead, E>(
    shared: &Shared<'_>,
    mut rows: Rows<R>,
    header: Option<&[u8]>,
    rules: &mut FeedRules,
    held: &mut Held,
    mut take: impl FnMut(&Part) -> Result<(), E>,
) -> Result<(), Stop<E>> {
    let mut order = Order::new(shared, header, rules, held);
    loop {
        let Some(chunk) = next_chunk(&mut rows)? else {
            return Ok(());
        };
        let part = evaluate_chunk(shared, &chunk, header, &[]);
        order.waiting.insert(order.next, (chunk, part));
        order.take_ready(&mut take, &mut rows.chunker)?;
    }
}

fn next_chunk<R: std::io::BufRead, E>(rows: &mut Rows<R>) -> Result<Option<Chunk>, Stop<E>> {
    rows.chunker
        .next_chunk(CHUNK_BYTES)
        .map_err(|error| Stop::Feed(FeedError::Io(error.to_string())))
}

/// The chunks that came back, put in order.
struct Order<'s, 'a> {
    shared: &'s Shared<'a>,
    header: Option<&'s [u8]>,
    rules: &'s mut FeedRules,
    held: &'s mut Held,
    /// The number of the next chunk to take.
    next: usize,
    waiting: BTreeMap<usize, (Chunk, Result<Part, FeedError>)>,
}

impl<'s, 'a> Order<'s, 'a> {
    fn new(
        shared: &'s Shared<'a>,
        header: Option<&'s [u8]>,
        rules: &'s mut FeedRules,
        held: &'s mut Held,
    ) -> Self {
        Order {
            shared,
            header,
            rules,
            held,
            next: 0,
            waiting: BTreeMap::new(),
        }
    }

    /// Takes every chunk that is next in order.
    fn take_ready<E, R: std::io::BufRead>(
        &mut self,
        take: &mut impl FnMut(&Part) -> Result<(), E>,
        chunker: &mut Chunker<R>,
    ) -> Result<(), Stop<E>> {
        while let Some((chunk, part)) = self.waiting.remove(&self.next) {
            self.next += 1;
            let mut part = self
                .settle(&chunk, part.map_err(Stop::Feed)?)
                .map_err(Stop::Feed)?;
            let held = std::mem::take(&mut part.held);
            take(&part).map_err(Stop::Take)?;
            if let Ok(mut buffers) = self.shared.buffers.lock() {
                if buffers.len() < 8 {
                    buffers.push(part.out);
                }
            }
            chunker.recycle(chunk.bytes);
            for (location, booking) in held {
                self.rules.note_group(&booking);
                self.held.push(location, &booking).map_err(|e| {
                    Stop::Feed(FeedError::Io(format!(
                        "cannot hold the rows of group bookings in a temporary file: {e}"
                    )))
                })?;
            }
        }
        Ok(())
    }

    /// The part with the feed's ids applied: if a row's id was used before (in an earlier
    /// chunk or earlier in this one), the chunk is evaluated again with that row rejected.
    fn settle(&mut self, chunk: &Chunk, part: Part) -> Result<Part, FeedError> {
        let mut duplicates = Vec::new();
        let mut first = Vec::new();
        for &(location, id) in &part.ids {
            if self.rules.first_use(id) {
                first.push(id);
            } else {
                duplicates.push(location);
            }
        }
        if duplicates.is_empty() {
            return Ok(part);
        }
        for id in first {
            self.rules.forget(id);
        }
        let again = evaluate_chunk(self.shared, chunk, self.header, &duplicates)?;
        for &(_, id) in &again.ids {
            self.rules.first_use(id);
        }
        Ok(again)
    }
}
