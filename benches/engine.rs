//! The hot paths of `rem eval` (issue 12), each alone, on bookings from `rem gen` for the
//! benchmark's policies (`policies/vas-vardcentral.rem`, `policies/jonkoping-kf.rem`):
//! reading CSV and JSON Lines rows, one booking's evaluation, the time-zone arithmetic of its
//! send times, and writing its actions as JSON Lines. Run with `cargo bench --bench engine`;
//! whole-process runs are `benches/run.sh` (see BENCHMARKS.md).

use std::hint::black_box;
use std::path::PathBuf;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use rem::booking::Booking;
use rem::engine::{Engine, Mode, Options, Outcome};
use rem::events::EventIndex;
use rem::feed::{Feed, Format, ReadOptions};
use rem::output::{ActionWriter, OutputFormat};

const ROWS: usize = 20_000;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-24T12:00:00+01:00")
        .unwrap_or_else(|e| panic!("{e}"))
        .to_utc()
}

fn engine() -> Engine {
    let roots: Vec<PathBuf> = ["policies/vas-vardcentral.rem", "policies/jonkoping-kf.rem"]
        .iter()
        .map(PathBuf::from)
        .collect();
    let compiled = rem::compile(&roots, |p| std::fs::read(p));
    assert!(!compiled.has_errors(), "the policies compile");
    Engine::new(compiled.plan).unwrap_or_else(|e| panic!("{e}"))
}

/// The generated bookings, and the same as CSV and JSON Lines text.
fn bookings(engine: &Engine) -> (Vec<Booking<'static>>, EventIndex, Vec<u8>, Vec<u8>) {
    let mut generator =
        rem::generate::Generator::new(1, rem::generate::places(engine.plan()), now());
    let (mut csv, mut jsonl) = (Vec::new(), Vec::new());
    rem::feed::csv::write_header(&mut csv);
    let mut bookings = Vec::new();
    let mut events = EventIndex::default();
    for _ in 0..ROWS {
        let (booking, reported) = generator.next_booking();
        rem::feed::csv::write_booking(&mut csv, &booking);
        rem::feed::jsonl::write_booking(&mut jsonl, &booking);
        for event in reported {
            events.insert(
                &booking.id,
                rem::events::Event {
                    key: None,
                    message: event.message,
                    channel: Some(event.channel),
                    recipient: Some(event.recipient),
                    kind: event.kind,
                    at: event.at,
                    reply: None,
                },
            );
        }
        bookings.push(booking);
    }
    (bookings, events, csv, jsonl)
}

fn options() -> Options {
    Options {
        now: now(),
        since: None,
        mode: Mode::Forecast,
    }
}

fn hot_paths(c: &mut Criterion) {
    let engine = engine();
    let (bookings, events, csv, jsonl) = bookings(&engine);
    let mut group = c.benchmark_group("20k bookings");
    group.sample_size(20);
    group.throughput(Throughput::Elements(ROWS as u64));
    for (name, format, text) in [
        ("read CSV rows", Format::Csv, &csv),
        ("read JSON Lines rows", Format::Jsonl, &jsonl),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let options = ReadOptions::at(now());
                let mut feed =
                    Feed::open(format, &text[..], &options).unwrap_or_else(|e| panic!("{e}"));
                let mut rows = 0;
                while let Some(row) = feed.next_row() {
                    let (_, row) = row.unwrap_or_else(|e| panic!("{e}"));
                    rows += usize::from(row.is_ok());
                }
                assert_eq!(rows, ROWS);
            });
        });
    }
    let options = options();
    group.bench_function("evaluate bookings", |b| {
        let mut outcomes = Vec::new();
        b.iter(|| {
            for booking in &bookings {
                outcomes.clear();
                engine.evaluate(booking, &events, &options, &mut outcomes);
                black_box(&outcomes);
            }
        });
    });
    let evaluated: Vec<(usize, Vec<Outcome>)> = bookings
        .iter()
        .enumerate()
        .map(|(i, booking)| {
            let mut outcomes = Vec::new();
            engine.evaluate(booking, &events, &options, &mut outcomes);
            (i, outcomes)
        })
        .collect();
    group.bench_function("write actions as JSON Lines", |b| {
        b.iter(|| {
            let mut writer =
                ActionWriter::continuing(Vec::with_capacity(8 << 20), OutputFormat::Jsonl, false);
            for (i, outcomes) in &evaluated {
                for outcome in outcomes {
                    writer
                        .write(&engine, &bookings[*i], outcome)
                        .unwrap_or_else(|e| panic!("{e}"));
                }
            }
            black_box(writer.finish().unwrap_or_else(|e| panic!("{e}")).len())
        });
    });
    group.bench_function("time-zone arithmetic: a day before at 10:00, local", |b| {
        let zone = chrono_tz::Europe::Stockholm;
        b.iter(|| {
            for booking in &bookings {
                let visit = booking.start.with_timezone(&zone);
                let date = visit.date_naive() - Duration::days(1);
                let ten = date.and_hms_opt(10, 0, 0).unwrap_or_default();
                black_box(zone.from_local_datetime(&ten).earliest());
            }
        });
    });
    group.finish();
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
