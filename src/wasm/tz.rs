//! Time-zone tables for modules: the spans of a zone, taken from chrono-tz.
//!
//! chrono-tz does not expose its table of transitions, only the offset at an instant, so
//! [`spans`] probes it: it scans the years that chrono-tz has data for (its generated
//! transitions run from the 1840s to 2099) a day at a time and bisects every change to the
//! second, then checks the centuries after more coarsely that the offset stays constant, as it
//! does in chrono-tz after its last transition.

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::abi;

/// 1800-01-01T00:00:00Z. chrono-tz has no change before it (its earliest is in 1844): the first
/// span, from `i64::MIN`, takes the offset here.
const SCAN_FROM: i64 = -5_364_662_400;
/// 2101-01-01T00:00:00Z: up to here changes are dense (chrono-tz generates DST changes through
/// 2099), so the scan probes every day.
const DENSE_UNTIL: i64 = 4_133_980_800;
/// 3100-01-01T00:00:00Z: the end of the scan; the last span is taken to last forever.
const SCAN_UNTIL: i64 = 35_659_353_600;
const DAY: i64 = 86_400;
/// The step of the scan after [`DENSE_UNTIL`]: 6 days, shorter than any span of chrono-tz's
/// data (the shortest, America/Boa_Vista's summer time of October 2000, lasted 6 days and 23
/// hours), so a DST period or any other excursion would still show.
const SPARSE_STEP: i64 = 6 * DAY;

/// The zone's offset from UTC at instant `t` (whole seconds since the epoch), in seconds.
fn offset(tz: Tz, t: i64) -> i32 {
    // Every instant of the scan is well inside chrono's range.
    DateTime::from_timestamp(t, 0).map_or(0, |utc| {
        tz.offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

/// The spans of `tz`: the instant each starts and its offset from UTC in seconds, in time order.
/// The first starts at `i64::MIN`; adjacent spans have different offsets (chrono-tz's spans
/// that differ only in name or in how the offset splits into standard and DST are merged).
pub fn spans(tz: Tz) -> Vec<(i64, i32)> {
    let mut spans = vec![(i64::MIN, offset(tz, SCAN_FROM))];
    let mut t = SCAN_FROM;
    while t < SCAN_UNTIL {
        let step = if t < DENSE_UNTIL { DAY } else { SPARSE_STEP };
        let next = (t + step).min(SCAN_UNTIL);
        changes(tz, t, next, &mut spans);
        t = next;
    }
    spans
}

/// Appends to `spans` the changes in `(from, to]`, given that `spans` ends with the offset at
/// `from`: each is bisected to the second at which the new offset starts.
fn changes(tz: Tz, from: i64, to: i64, spans: &mut Vec<(i64, i32)>) {
    let end = offset(tz, to);
    let mut lo = from;
    let mut at_lo = spans.last().map_or(end, |span| span.1);
    // More than one change between two probes (never in chrono-tz's data, whose spans last
    // almost a week or more) is bisected one change at a time.
    while at_lo != end {
        // offset(lo) == at_lo != offset(hi)
        let mut hi = to;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if offset(tz, mid) == at_lo {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        at_lo = offset(tz, hi);
        spans.push((hi, at_lo));
        lo = hi;
    }
}

/// The bytes of a zone's table in the layout of [`abi::tz`]: the count of spans, 4 bytes of
/// padding, then each span as its `i64` start, its `i32` offset and 4 bytes of padding, all
/// little-endian.
pub fn table(spans: &[(i64, i32)]) -> Vec<u8> {
    let header = abi::tz::HEADER as usize;
    let span = abi::tz::SPAN as usize;
    let mut bytes = Vec::with_capacity(header + span * spans.len());
    let count = i32::try_from(spans.len()).unwrap_or(i32::MAX);
    bytes.extend_from_slice(&count.to_le_bytes());
    bytes.resize(header, 0);
    for &(start, offset) in spans {
        bytes.extend_from_slice(&start.to_le_bytes());
        bytes.extend_from_slice(&offset.to_le_bytes());
        bytes.resize(bytes.len() + span - 12, 0);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{Africa, America, Asia, Australia, Europe, Pacific};

    /// 1890-01-01T00:00:00Z and 2120-01-01T00:00:00Z.
    const CHECK_FROM: i64 = -2_524_521_600;
    const CHECK_UNTIL: i64 = 4_733_510_400;

    /// The spans of `tz` are well formed, start exactly when chrono-tz's offset changes, and
    /// give chrono-tz's offset at every hour of 1890–2120.
    fn check(tz: Tz) -> Vec<(i64, i32)> {
        let spans = spans(tz);
        assert_eq!(spans.first().map(|s| s.0), Some(i64::MIN), "{tz}");
        for pair in spans.windows(2) {
            let [(start, before), (next, after)] = pair else {
                panic!("a window of two")
            };
            assert!(start < next, "{tz}: spans out of order at {next}");
            assert_ne!(before, after, "{tz}: equal offsets not merged at {next}");
            assert_eq!(offset(tz, next - 1), *before, "{tz}: before {next}");
            assert_eq!(offset(tz, *next), *after, "{tz}: at {next}");
        }
        let mut index = 0;
        let mut t = CHECK_FROM;
        while t < CHECK_UNTIL {
            while index + 1 < spans.len() && spans[index + 1].0 <= t {
                index += 1;
            }
            assert_eq!(spans[index].1, offset(tz, t), "{tz} at {t}");
            t += 3600;
        }
        spans
    }

    /// The span that starts at `t` (`"YYYY-MM-DD HH:MM:SS"`, UTC), if any.
    fn starting(spans: &[(i64, i32)], t: &str) -> Option<i32> {
        let t = match chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S") {
            Ok(t) => t.and_utc().timestamp(),
            Err(e) => panic!("{t}: {e}"),
        };
        spans.iter().find(|s| s.0 == t).map(|s| s.1)
    }

    #[test]
    fn stockholm() {
        let spans = check(Europe::Stockholm);
        // 2026: summer time from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
        // last Sunday of October.
        assert_eq!(starting(&spans, "2026-03-29 01:00:00"), Some(7200));
        assert_eq!(starting(&spans, "2026-10-25 01:00:00"), Some(3600));
        // The last change in chrono-tz's data, then constant to the end of time.
        assert_eq!(spans.last(), Some(&(4_096_573_200, 3600)));
    }

    #[test]
    fn copenhagen() {
        check(Europe::Copenhagen);
    }

    #[test]
    fn new_york() {
        let spans = check(America::New_York);
        assert_eq!(starting(&spans, "2026-03-08 07:00:00"), Some(-4 * 3600));
        assert_eq!(starting(&spans, "2026-11-01 06:00:00"), Some(-5 * 3600));
    }

    #[test]
    fn lord_howe() {
        // Half an hour of DST: +10:30 and +11:00.
        let spans = check(Australia::Lord_Howe);
        assert_eq!(starting(&spans, "2026-04-04 15:00:00"), Some(37_800));
        assert_eq!(starting(&spans, "2026-10-03 15:30:00"), Some(39_600));
    }

    #[test]
    fn kolkata() {
        let spans = check(Asia::Kolkata);
        assert_eq!(spans.last().map(|s| s.1), Some(19_800));
    }

    #[test]
    fn apia() {
        // Samoa skipped 2011-12-30: from 23:59:59 on the 29th (-10:00) to 00:00 on the 31st
        // (+14:00).
        let spans = check(Pacific::Apia);
        assert_eq!(starting(&spans, "2011-12-30 10:00:00"), Some(14 * 3600));
    }

    #[test]
    fn casablanca() {
        // Since 2018 the clocks go back an hour for Ramadan: two changes a year, at dates that
        // move through the calendar.
        let spans = check(Africa::Casablanca);
        assert_eq!(starting(&spans, "2026-02-15 02:00:00"), Some(0));
        assert_eq!(starting(&spans, "2026-03-22 02:00:00"), Some(3600));
    }

    #[test]
    fn utc() {
        assert_eq!(check(Tz::UTC), vec![(i64::MIN, 0)]);
    }

    #[test]
    fn every_zone_is_constant_outside_the_scan() {
        // chrono's earliest and latest instants, against the ends of the scan.
        let first = chrono::NaiveDateTime::MIN.and_utc().timestamp();
        let last = chrono::NaiveDateTime::MAX.and_utc().timestamp();
        for tz in chrono_tz::TZ_VARIANTS {
            assert_eq!(offset(tz, first), offset(tz, SCAN_FROM), "{tz}");
            assert_eq!(offset(tz, last), offset(tz, SCAN_UNTIL), "{tz}");
        }
    }

    /// How long [`spans`] takes: `cargo test --release --lib wasm::tz -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, for release builds"]
    fn timing() {
        for tz in [
            Europe::Stockholm,
            America::New_York,
            Africa::Casablanca,
            Tz::UTC,
        ] {
            let start = std::time::Instant::now();
            let runs = 20;
            let mut count = 0;
            for _ in 0..runs {
                count = spans(tz).len();
            }
            println!("{tz}: {count} spans in {:?}", start.elapsed() / runs);
        }
        let start = std::time::Instant::now();
        let count: usize = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| spans(*tz).len())
            .sum();
        println!("every zone: {count} spans in {:?}", start.elapsed());
    }

    #[test]
    fn table_layout() {
        let bytes = table(&[(i64::MIN, 3600), (1_000, -7200)]);
        let mut expected = vec![2, 0, 0, 0, 0, 0, 0, 0];
        expected.extend_from_slice(&i64::MIN.to_le_bytes());
        expected.extend_from_slice(&3600i32.to_le_bytes());
        expected.extend_from_slice(&[0; 4]);
        expected.extend_from_slice(&1_000i64.to_le_bytes());
        expected.extend_from_slice(&(-7200i32).to_le_bytes());
        expected.extend_from_slice(&[0; 4]);
        assert_eq!(bytes, expected);
    }
}
