//! `time.wat` against chrono, chrono-tz and the engine's own functions: exhaustively where the
//! inputs are few (calendar days, the edges of every span), by proptest elsewhere, with the
//! inputs weighted towards the changes of each zone.

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset};
use chrono::{TimeZone, Weekday};
use chrono_tz::{Africa, America, Asia, Australia, Europe, Pacific, Tz};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use wasmtime::{Instance, Store, WasmParams, WasmResults};

use crate::engine::{Window, local_instant, shifted};
use crate::plan::Offset as PlanOffset;
use crate::wasm::{abi, tz};

const DAY: i64 = 86_400;
/// 1900-01-01T00:00:00Z and 3000-01-01T00:00:00Z: the range of booking instants.
const FROM_1900: i64 = -2_208_988_800;
const UNTIL_3000: i64 = 32_503_680_000;
/// Days since 1970-01-01 of 1800-01-01 and 3200-01-01: the range of the calendar functions.
const DAYS_1800: i32 = -62_091;
const DAYS_3200: i32 = 449_248;

/// The zones of the tests, at these addresses of the module's data.
const ZONES: [Tz; 8] = [
    Europe::Stockholm,
    Europe::Copenhagen,
    America::New_York,
    Australia::Lord_Howe,
    Asia::Kolkata,
    Pacific::Apia,
    Africa::Casablanca,
    Tz::UTC,
];

struct Zone {
    tz: Tz,
    /// The address of its table in the module's memory.
    address: i32,
    spans: Vec<(i64, i32)>,
    /// The changes in 1900–2999: the instant, the offset before and the offset after.
    changes: Vec<(i64, i32, i32)>,
}

fn zones() -> &'static [Zone] {
    static ZONE_TABLES: OnceLock<Vec<Zone>> = OnceLock::new();
    ZONE_TABLES.get_or_init(|| {
        let mut address = abi::memory::PLAN_DATA;
        let mut zones = Vec::new();
        for tz in ZONES {
            let spans = tz::spans(tz);
            let changes = changes(&spans);
            let size = tz::table(&spans).len() as u32;
            zones.push(Zone {
                tz,
                address: address as i32,
                spans,
                changes,
            });
            address += size;
        }
        zones
    })
}

fn changes(spans: &[(i64, i32)]) -> Vec<(i64, i32, i32)> {
    spans
        .windows(2)
        .filter_map(|pair| match pair {
            [(_, before), (start, after)] if (FROM_1900..UNTIL_3000).contains(start) => {
                Some((*start, *before, *after))
            }
            _ => None,
        })
        .collect()
}

/// A module of the `time` piece with an export for each function, the tables of [`ZONES`] at
/// their addresses, and room after them (from the second page on) for more tables.
struct Wasm {
    store: RefCell<Store<()>>,
    instance: Instance,
}

const EXPORTS: &str = r#"
(func (export "days_from_civil") (param i32 i32 i32) (result i32)
  (call $time.days_from_civil (local.get 0) (local.get 1) (local.get 2)))
(func (export "civil_from_days") (param i32) (result i32)
  (call $time.civil_from_days (local.get 0)))
(func (export "weekday") (param i32) (result i32) (call $time.weekday (local.get 0)))
(func (export "utc_offset") (param i32 i64) (result i32)
  (call $time.utc_offset (local.get 0) (local.get 1)))
(func (export "local") (param i32 i64) (result i64) (call $time.local (local.get 0) (local.get 1)))
(func (export "from_local") (param i32 i64) (result i32)
  (call $time.from_local (local.get 0) (local.get 1)))
(func (export "earliest") (result i64) (global.get $time.earliest))
(func (export "latest") (result i64) (global.get $time.latest))
(func (export "local_instant") (param i32 i64) (result i64)
  (call $time.local_instant (local.get 0) (local.get 1)))
(func (export "shift_days") (param i32 i64 i32 i32) (result i64)
  (call $time.shift_days (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
(func (export "window_push") (param i32 i64 i32 i32 i32) (result i64)
  (call $time.window_push (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
(func (export "age_on") (param i32 i32) (result i32)
  (call $time.age_on (local.get 0) (local.get 1)))
"#;

/// Where the sweep of every zone writes its table.
const SCRATCH: i32 = 65_536;

impl Wasm {
    fn new() -> Wasm {
        let mut extra = String::from(EXPORTS);
        let mut data = String::new();
        let end = zones()
            .last()
            .map_or(0, |z| z.address as usize + tz::table(&z.spans).len());
        assert!(
            end <= SCRATCH as usize,
            "the tables run into the scratch table"
        );
        for zone in zones() {
            for byte in tz::table(&zone.spans) {
                let _ = write!(data, "\\{byte:02x}");
            }
        }
        let _ = write!(
            extra,
            "(data (i32.const {}) \"{data}\")",
            abi::memory::PLAN_DATA
        );
        let (store, instance) = super::harness::instance(&[super::TIME], &extra, 2);
        Wasm {
            store: RefCell::new(store),
            instance,
        }
    }

    fn call<P: WasmParams, R: WasmResults>(&self, name: &str, params: P) -> R {
        let mut store = self.store.borrow_mut();
        let function = match self.instance.get_typed_func::<P, R>(&mut *store, name) {
            Ok(function) => function,
            Err(e) => panic!("{name}: {e:?}"),
        };
        match function.call(&mut *store, params) {
            Ok(result) => result,
            Err(e) => panic!("{name}: {e:?}"),
        }
    }

    /// `from_local` and the instants it leaves: (count, earliest, latest).
    fn instants_of(&self, zone: i32, local: i64) -> (i32, i64, i64) {
        let n = self.call("from_local", (zone, local));
        (n, self.call("earliest", ()), self.call("latest", ()))
    }

    /// Writes the table of `spans` at [`SCRATCH`].
    fn write_table(&self, spans: &[(i64, i32)]) {
        let mut store = self.store.borrow_mut();
        let Some(memory) = self.instance.get_memory(&mut *store, "memory") else {
            panic!("no memory")
        };
        if let Err(e) = memory.write(&mut *store, SCRATCH as usize, &tz::table(spans)) {
            panic!("{e}")
        }
    }
}

// Native values, from the same numbers as the module's.

fn instant(tz: Tz, t: i64) -> DateTime<Tz> {
    match DateTime::from_timestamp(t, 0) {
        Some(t) => t.with_timezone(&tz),
        None => panic!("{t} is out of range"),
    }
}

fn naive(local: i64) -> NaiveDateTime {
    match DateTime::from_timestamp(local, 0) {
        Some(t) => t.naive_utc(),
        None => panic!("{local} is out of range"),
    }
}

fn date(days: i32) -> NaiveDate {
    match NaiveDate::from_num_days_from_ce_opt(days + 719_163) {
        Some(date) => date,
        None => panic!("{days} is out of range"),
    }
}

fn time(seconds: i32) -> NaiveTime {
    match NaiveTime::from_num_seconds_from_midnight_opt(seconds as u32, 0) {
        Some(time) => time,
        None => panic!("{seconds} is not a time of day"),
    }
}

fn offset_at(tz: Tz, t: i64) -> i32 {
    instant(tz, t).offset().fix().local_minus_utc()
}

/// chrono-tz's `from_local_datetime` as (count, earliest, latest); 0s for none.
fn native_from_local(tz: Tz, local: i64) -> (i32, i64, i64) {
    match tz.from_local_datetime(&naive(local)) {
        LocalResult::None => (0, 0, 0),
        LocalResult::Single(t) => (1, t.timestamp(), t.timestamp()),
        LocalResult::Ambiguous(a, b) => (2, a.timestamp(), b.timestamp()),
    }
}

/// The engine's `age_on` (`engine::scope::age_on`, private to the engine), copied verbatim.
fn age_on(birth: NaiveDate, date: NaiveDate) -> i64 {
    let mut age = i64::from(date.year()) - i64::from(birth.year());
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Counts a case of kind `kind` in `counts`, to check that the inputs reach what they aim at.
fn count(counts: &Cell<[usize; 3]>, kind: usize) {
    let mut all = counts.get();
    all[kind] += 1;
    counts.set(all);
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    if let Err(e) = TestRunner::new(config).run(&strategy, test) {
        panic!("{e}")
    }
}

// The inputs: a point is an instant or a local time, anywhere in 1900–2999 or near a change of
// the zone (within a second, two hours, or three days).

#[derive(Debug, Clone)]
struct Point {
    /// 0 (a third of the points): `uniform`; else near a change of the zone.
    kind: u8,
    /// Which change (modulo their count).
    change: usize,
    /// For a local time: the edge of the local times with the offset after the change, else
    /// with the offset before.
    after: bool,
    /// Seconds from the change.
    delta: i64,
    uniform: i64,
}

fn point() -> impl Strategy<Value = Point> {
    (
        0..3u8,
        any::<usize>(),
        any::<bool>(),
        prop_oneof![-2i64..=2, -7200i64..=7200, -3 * DAY..=3 * DAY],
        FROM_1900..UNTIL_3000,
    )
        .prop_map(|(kind, change, after, delta, uniform)| Point {
            kind,
            change,
            after,
            delta,
            uniform,
        })
}

/// A point near a change: within two seconds or two hours of where a span's local times
/// start, so often in a gap or an overlap.
fn near() -> impl Strategy<Value = Point> {
    (
        any::<usize>(),
        any::<bool>(),
        prop_oneof![-2i64..=2, -7200i64..=7200],
    )
        .prop_map(|(change, after, delta)| Point {
            kind: 1,
            change,
            after,
            delta,
            uniform: FROM_1900,
        })
}

impl Point {
    fn change(&self, zone: &Zone) -> Option<(i64, i32, i32)> {
        if self.kind == 0 || zone.changes.is_empty() {
            return None;
        }
        Some(zone.changes[self.change % zone.changes.len()])
    }

    /// An instant: near the start of a span.
    fn instant(&self, zone: &Zone) -> i64 {
        self.change(zone)
            .map_or(self.uniform, |(start, _, _)| start + self.delta)
    }

    /// A local time: near where a span's local times start (the edge of a gap or of an
    /// overlap), with the offset before or after the change.
    fn local(&self, zone: &Zone) -> i64 {
        match self.change(zone) {
            None => self.uniform,
            Some((start, before, after)) => {
                start + i64::from(if self.after { after } else { before }) + self.delta
            }
        }
    }
}

fn day_of(local: i64) -> i32 {
    local.div_euclid(DAY) as i32
}

fn second_of_day(local: i64) -> i32 {
    local.rem_euclid(DAY) as i32
}

#[test]
fn calendar_days_equal_chrono_from_1800_to_3200() {
    let wasm = Wasm::new();
    for days in DAYS_1800..DAYS_3200 {
        let d = date(days);
        let packed: i32 = wasm.call("civil_from_days", days);
        assert_eq!(
            (packed >> 9, (packed >> 5) & 15, packed & 31),
            (d.year(), d.month() as i32, d.day() as i32),
            "civil_from_days({days})"
        );
        let back: i32 = wasm.call(
            "days_from_civil",
            (d.year(), d.month() as i32, d.day() as i32),
        );
        assert_eq!(back, days, "days_from_civil({d})");
        let weekday: i32 = wasm.call("weekday", days);
        assert_eq!(
            weekday,
            d.weekday().num_days_from_monday() as i32,
            "weekday({d})"
        );
    }
    assert_eq!(date(0).weekday(), Weekday::Thu);
}

/// At every change of `zone` and at the local times where each span's local times start and
/// end, give or take a second: the offset, `from_local` and `local_instant` equal chrono-tz
/// and the engine. Returns how many points it compared.
fn check_edges(wasm: &Wasm, tz: Tz, address: i32, spans: &[(i64, i32)]) -> usize {
    let mut points = 0;
    for pair in spans.windows(2) {
        let [(_, before), (start, after)] = pair else {
            panic!("a window of two")
        };
        for t in start - 1..=start + 1 {
            let offset: i32 = wasm.call("utc_offset", (address, t));
            assert_eq!(offset, offset_at(tz, t), "{tz}: utc_offset at {t}");
            let local: i64 = wasm.call("local", (address, t));
            assert_eq!(
                local,
                instant(tz, t).naive_local().and_utc().timestamp(),
                "{tz}: local at {t}"
            );
        }
        for offset in [before, after] {
            for local in start + i64::from(*offset) - 1..=start + i64::from(*offset) + 1 {
                let found = wasm.instants_of(address, local);
                let expected = native_from_local(tz, local);
                let found = if found.0 == 0 { (0, 0, 0) } else { found };
                assert_eq!(found, expected, "{tz}: from_local at {}", naive(local));
                let t: i64 = wasm.call("local_instant", (address, local));
                let native = local_instant(tz, naive(local)).timestamp();
                assert_eq!(t, native, "{tz}: local_instant at {}", naive(local));
                points += 1;
            }
        }
    }
    points
}

#[test]
fn the_edges_of_every_span_equal_chrono_tz() {
    let wasm = Wasm::new();
    let mut points = 0;
    for zone in zones() {
        points += check_edges(&wasm, zone.tz, zone.address, &zone.spans);
    }
    assert!(points > 5000, "{points}");
}

/// Every zone of chrono-tz, at the edges of its spans. Slow in a debug build (the spans of
/// ~600 zones): `cargo test --release --lib wasm::runtime::time_tests -- --ignored`.
#[test]
#[ignore = "slow in debug builds: run with --release --ignored"]
fn the_edges_of_every_span_of_every_zone_equal_chrono_tz() {
    let wasm = Wasm::new();
    let mut points = 0;
    for tz in chrono_tz::TZ_VARIANTS {
        let spans = tz::spans(tz);
        wasm.write_table(&spans);
        points += check_edges(&wasm, tz, SCRATCH, &spans);
    }
    println!(
        "{} zones, {points} local times",
        chrono_tz::TZ_VARIANTS.len()
    );
}

#[test]
fn offsets_and_local_times_equal_chrono_tz() {
    let wasm = Wasm::new();
    run(20_000, (0..ZONES.len(), point()), |(z, point)| {
        let zone = &zones()[z];
        let t = point.instant(zone);
        let offset: i32 = wasm.call("utc_offset", (zone.address, t));
        prop_assert_eq!(
            offset,
            offset_at(zone.tz, t),
            "utc_offset {} at {}",
            zone.tz,
            t
        );
        let local: i64 = wasm.call("local", (zone.address, t));
        let native = instant(zone.tz, t).naive_local().and_utc().timestamp();
        prop_assert_eq!(local, native, "local {} at {}", zone.tz, t);
        Ok(())
    });
}

#[test]
fn from_local_and_local_instant_equal_chrono_tz_and_the_engine() {
    let wasm = Wasm::new();
    let counts = Cell::new([0; 3]);
    run(20_000, (0..ZONES.len(), point()), |(z, point)| {
        let zone = &zones()[z];
        let local = point.local(zone);
        let found = wasm.instants_of(zone.address, local);
        let found = if found.0 == 0 { (0, 0, 0) } else { found };
        let expected = native_from_local(zone.tz, local);
        count(&counts, expected.0 as usize);
        prop_assert_eq!(
            found,
            expected,
            "from_local {} at {}",
            zone.tz,
            naive(local)
        );
        let t: i64 = wasm.call("local_instant", (zone.address, local));
        let native = local_instant(zone.tz, naive(local));
        prop_assert_eq!(
            t,
            native.timestamp(),
            "local_instant {} at {}",
            zone.tz,
            naive(local)
        );
        let offset: i32 = wasm.call("utc_offset", (zone.address, t));
        prop_assert_eq!(offset, native.offset().fix().local_minus_utc());
        Ok(())
    });
    // Gaps, single and overlaps.
    let [none, _, two] = counts.get();
    assert!(none > 1000 && two > 1000, "{:?}", counts.get());
}

/// A day offset: random, or aimed so that the result falls near a change of the zone (at the
/// time of day of the aim when `at` is given).
#[derive(Debug, Clone)]
struct Shift {
    visit: Point,
    days: i32,
    at: Option<i32>,
    aim: Option<Point>,
}

/// `at`: none, midnight, a whole hour or any second.
fn at() -> impl Strategy<Value = Option<i32>> {
    proptest::option::of(prop_oneof![
        Just(0),
        (0..24i32).prop_map(|h| h * 3600),
        0..86_400i32
    ])
}

fn shift() -> impl Strategy<Value = Shift> {
    (
        point(),
        -3660i32..=3660,
        at(),
        proptest::option::of(point()),
    )
        .prop_map(|(visit, days, at, aim)| Shift {
            visit,
            days,
            at,
            aim,
        })
}

impl Shift {
    /// The visit instant, the days and `at` (-1 for none).
    fn inputs(&self, zone: &Zone) -> (i64, i32, i32) {
        let Some(aim) = &self.aim else {
            return (self.visit.instant(zone), self.days, self.at.unwrap_or(-1));
        };
        // The visit is `days` before the aimed local time, at the same time of day.
        let target = aim.local(zone);
        let visit = i64::from(day_of(target) - self.days) * DAY + i64::from(second_of_day(target));
        let visit = local_instant(zone.tz, naive(visit)).timestamp();
        (
            visit,
            self.days,
            self.at.map_or(-1, |_| second_of_day(target)),
        )
    }
}

#[test]
fn day_offsets_equal_the_engine() {
    let wasm = Wasm::new();
    let counts = Cell::new([0; 3]);
    run(20_000, (0..ZONES.len(), shift()), |(z, shift)| {
        let zone = &zones()[z];
        let (visit, days, at) = shift.inputs(zone);
        let t: i64 = wasm.call("shift_days", (zone.address, visit, days, at));
        // The local time it aims at: in a gap, single or in an overlap.
        let local = instant(zone.tz, visit).naive_local().and_utc().timestamp();
        let target = (i64::from(day_of(local) + days)) * DAY
            + i64::from(if at >= 0 { at } else { second_of_day(local) });
        count(&counts, native_from_local(zone.tz, target).0 as usize);
        let offset = PlanOffset::Days(u64::from(days.unsigned_abs()));
        let sign = if days < 0 { -1 } else { 1 };
        let at_time = (at >= 0).then(|| time(at));
        let Some(native) = shifted(zone.tz, instant(zone.tz, visit), offset, at_time, sign) else {
            panic!("{shift:?} is out of range")
        };
        prop_assert_eq!(
            t,
            native.timestamp(),
            "{} {} {} days at {}",
            zone.tz,
            visit,
            days,
            at
        );
        let offset: i32 = wasm.call("utc_offset", (zone.address, t));
        prop_assert_eq!(offset, native.offset().fix().local_minus_utc());
        Ok(())
    });
    let [none, _, two] = counts.get();
    assert!(none > 400 && two > 400, "{:?}", counts.get());
}

/// A send window and an instant: random, or with `from` at a local time near a change of the
/// zone (in a gap, an overlap or at their edges) and the instant up to 8 days before it.
#[derive(Debug, Clone)]
struct Push {
    t: Point,
    from: i32,
    length: i32,
    days: u8,
    aim: Option<(Point, i64)>,
    /// Moves the instant to the local time `from` (false) or `until` (true) of its day, plus
    /// -1, 0 or 1 second.
    edge: Option<(bool, i32)>,
}

fn push() -> impl Strategy<Value = Push> {
    (
        point(),
        0..86_399i32,
        any::<i32>(),
        1..=127u8,
        proptest::option::of((near(), prop_oneof![-7200..7200i64, 0..8 * DAY])),
        proptest::option::of((any::<bool>(), -1..=1i32)),
    )
        .prop_map(|(t, from, length, days, aim, edge)| Push {
            t,
            from,
            length,
            days,
            aim,
            edge,
        })
}

impl Push {
    /// The instant, from, until and days.
    fn inputs(&self, zone: &Zone) -> (i64, i32, i32, u8) {
        let (t, from, days) = match &self.aim {
            None => (self.t.instant(zone), self.from, self.days),
            Some((aim, before)) => {
                // Open on the aimed day.
                let opening = aim.local(zone);
                let t = local_instant(zone.tz, naive(opening)).timestamp() - before;
                let weekday = date(day_of(opening)).weekday().num_days_from_monday();
                let days = self.days | 1 << weekday;
                (t, second_of_day(opening).min(86_398), days)
            }
        };
        // from < until <= 23:59:59
        let until = from + 1 + self.length.rem_euclid(86_399 - from);
        let t = match self.edge {
            None => t,
            Some((at_until, d)) => {
                let day = day_of(instant(zone.tz, t).naive_local().and_utc().timestamp());
                let time = if at_until { until } else { from } + d;
                let local = i64::from(day) * DAY + i64::from(time);
                local_instant(zone.tz, naive(local)).timestamp()
            }
        };
        (t, from, until, days)
    }
}

#[test]
fn windows_equal_the_engine() {
    let wasm = Wasm::new();
    let counts = Cell::new([0; 3]);
    run(20_000, (0..ZONES.len(), push()), |(z, push)| {
        let zone = &zones()[z];
        let (t, from, until, days) = push.inputs(zone);
        let found: i64 = wasm.call(
            "window_push",
            (zone.address, t, from, until, i32::from(days)),
        );
        let window = Window {
            from: time(from),
            until: time(until),
            days,
        };
        let native = window.push(zone.tz, instant(zone.tz, t));
        prop_assert_eq!(
            found,
            native.timestamp(),
            "{} {:?} at {}",
            zone.tz,
            window,
            t
        );
        // Pushed to an opening that is in a gap or an overlap, pushed, or not.
        let opening = zone
            .tz
            .from_local_datetime(&native.date_naive().and_time(window.from));
        let pushed = native.timestamp() != t;
        count(
            &counts,
            if !pushed {
                0
            } else if matches!(opening, LocalResult::Single(_)) {
                1
            } else {
                2
            },
        );
        let offset: i32 = wasm.call("utc_offset", (zone.address, found));
        prop_assert_eq!(offset, native.offset().fix().local_minus_utc());
        Ok(())
    });
    let [open, _, odd] = counts.get();
    assert!(open > 1000 && odd > 500, "{:?}", counts.get());
}

#[test]
fn windows_on_the_nights_clocks_change() {
    // The engine's own cases: Stockholm, 2026-10-25 02:00-03:00 happens twice.
    let wasm = Wasm::new();
    let zone = &zones()[0];
    let stockholm = |s: &str| match DateTime::parse_from_rfc3339(s) {
        Ok(t) => t.timestamp(),
        Err(e) => panic!("{s}: {e}"),
    };
    let push = |t: &str| -> i64 {
        wasm.call(
            "window_push",
            (zone.address, stockholm(t), 9000, 72_000, 0x7f),
        )
    };
    assert_eq!(
        push("2026-10-25T02:15:00+01:00"),
        stockholm("2026-10-25T02:30:00+01:00")
    );
    assert_eq!(
        push("2026-10-25T02:15:00+02:00"),
        stockholm("2026-10-25T02:30:00+02:00")
    );
    // 2026-03-29 02:30 does not exist: the window opens at 03:00.
    assert_eq!(
        push("2026-03-29T01:00:00+01:00"),
        stockholm("2026-03-29T03:00:00+02:00")
    );
}

fn civil(y: i32, m: u32, d: u32) -> i32 {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date.num_days_from_ce() - 719_163,
        None => panic!("{y}-{m}-{d}"),
    }
}

#[test]
fn ages_equal_the_engine() {
    let wasm = Wasm::new();
    // Birthdays: any day of 1900–2100, or 29 February; the day: any within 130 years, or
    // `d` days from 1 March of the `k`th year after the birth (28 February to 3 March).
    let birth = prop_oneof![
        civil(1900, 1, 1)..civil(2100, 1, 1),
        (0..49i32).prop_map(|k| civil(1904 + 4 * k, 2, 29)),
    ];
    let day = prop_oneof![
        (0..130 * 366).prop_map(|d| (None, d)),
        (0..130i32, -2..=2i32).prop_map(|(k, d)| (Some(k), d)),
    ];
    run(20_000, (birth, day), |(birth, (k, d))| {
        let b = date(birth);
        let on = match k {
            None => birth + d,
            Some(k) => civil(b.year() + k, 3, 1) + d,
        };
        let age: i32 = wasm.call("age_on", (birth, on));
        prop_assert_eq!(
            i64::from(age),
            age_on(b, date(on)),
            "born {} on {}",
            b,
            date(on)
        );
        Ok(())
    });
}

#[test]
fn ages_of_every_birthday_of_a_leap_year() {
    let wasm = Wasm::new();
    for birth in civil(2000, 1, 1)..civil(2001, 1, 1) {
        for on in
            (civil(2023, 1, 1)..civil(2025, 1, 1)).chain(civil(1999, 12, 30)..civil(2000, 3, 2))
        {
            let age: i32 = wasm.call("age_on", (birth, on));
            assert_eq!(
                i64::from(age),
                age_on(date(birth), date(on)),
                "{} {}",
                date(birth),
                date(on)
            );
        }
    }
}
