//! The WebAssembly backend against the native engine (issue 9): throughput of `evaluate` on
//! the same bookings, the time to build a plan into a module, and the time to instantiate it.
//! Run with `cargo bench --bench wasm`; the numbers are in BENCHMARKS.md.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use rem::booking::Booking;
use rem::engine::{Engine, Mode, Options};
use rem::events::EventIndex;
use rem::feed::{Feed, Format};
use rem::wasm::host::{Host, Limits};

/// The engine of `.rem` files, or of every `.rem` file of a folder.
fn engine(paths: &[&str]) -> Engine {
    let mut roots: Vec<PathBuf> = Vec::new();
    for path in paths {
        let path = PathBuf::from(path);
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .unwrap_or_else(|e| panic!("{e}"))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "rem"))
                .collect();
            files.sort();
            roots.extend(files);
        } else {
            roots.push(path);
        }
    }
    let compiled = rem::compile(&roots, |p| std::fs::read(p));
    assert!(!compiled.has_errors(), "the policies compile");
    match Engine::new(compiled.plan) {
        Ok(engine) => engine,
        Err(e) => panic!("{e}"),
    }
}

/// The shipped example bookings, repeated with fresh ids to `n`.
fn bookings(n: usize) -> Vec<Booking<'static>> {
    let file = File::open("examples/bookings.csv").unwrap_or_else(|e| panic!("{e}"));
    let mut feed = Feed::open(
        Format::Csv,
        BufReader::new(file),
        &rem::feed::ReadOptions::at(chrono::DateTime::UNIX_EPOCH),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut examples = Vec::new();
    while let Some(row) = feed.next_row() {
        if let Ok((_, Ok(booking))) = row {
            examples.push(booking.into_owned());
        }
    }
    (0..n)
        .map(|i| {
            let mut b = examples[i % examples.len()].clone();
            b.id = format!("{}-{i}", b.id).into();
            b
        })
        .collect()
}

fn options() -> Options {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-03-24T12:00:00+01:00")
        .unwrap_or_else(|e| panic!("{e}"))
        .with_timezone(&Utc);
    Options {
        now,
        since: None,
        mode: Mode::Forecast,
    }
}

fn evaluate(c: &mut Criterion) {
    let engine = engine(&["policies"]);
    let bookings = bookings(2000);
    let events = EventIndex::default();
    let options = options();
    let module = rem::wasm::build(&engine).unwrap_or_else(|e| panic!("{e}"));
    let mut host = Host::new("bench", &module, Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("evaluate 2000 bookings");
    group.throughput(Throughput::Elements(bookings.len() as u64));
    let mut out = Vec::new();
    group.bench_function("native", |b| {
        b.iter(|| {
            for booking in &bookings {
                out.clear();
                engine.evaluate(booking, &events, &options, &mut out);
            }
        });
    });
    group.bench_function("wasm", |b| {
        b.iter(|| {
            for booking in &bookings {
                out.clear();
                if let Err(e) = host.evaluate(booking, &events, &options, &mut out) {
                    panic!("{e}");
                }
            }
        });
    });
    group.finish();
}

fn module(c: &mut Criterion) {
    let all = engine(&["policies"]);
    let one = engine(&["policies/jonkoping-kf.rem"]);
    let mut group = c.benchmark_group("module");
    group.bench_function("build one policy", |b| {
        b.iter(|| rem::wasm::build(&one).unwrap_or_else(|e| panic!("{e}")));
    });
    group.bench_function("build policies/ (7 policies)", |b| {
        b.iter(|| rem::wasm::build(&all).unwrap_or_else(|e| panic!("{e}")));
    });
    let bytes = rem::wasm::build(&all).unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("compile with wasmtime", |b| {
        b.iter(|| Host::new("bench", &bytes, Limits::default()).unwrap_or_else(|e| panic!("{e}")));
    });
    let mut host = Host::new("bench", &bytes, Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("instantiate", |b| {
        b.iter_batched(
            || (),
            |()| host.restart().unwrap_or_else(|e| panic!("{e}")),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, evaluate, module);
criterion_main!(benches);
