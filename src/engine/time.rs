//! Calendar arithmetic in the policy's time zone: day offsets, send windows, and local times
//! that do not exist or exist twice around a DST change.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
};
use chrono_tz::Tz;

use crate::plan::{self, Offset};

/// When a recall's service is due again: `interval` after it was `performed`, counted on the
/// calendar of `tz` (a month later on the same day of the month, or the month's last day when
/// it has no such day), at the same local time of day.
pub fn due(tz: Tz, performed: DateTime<Tz>, interval: plan::Interval) -> Option<DateTime<Tz>> {
    let date = performed.date_naive();
    let due = match interval {
        plan::Interval::Days(d) => date.checked_add_days(chrono::Days::new(d))?,
        plan::Interval::Months(m) => {
            date.checked_add_months(chrono::Months::new(u32::try_from(m).ok()?))?
        }
    };
    Some(local_instant(tz, due.and_time(performed.time())))
}

/// The instants of `every`: the first `times` local dates `step` apart (from the anchor's date,
/// or from the first given weekday on or after it), at `at` or the anchor's time of day, that
/// come after the anchor. Each is a local time of `tz`, so a repetition keeps its time of day
/// across a DST change.
pub fn repetitions(
    tz: Tz,
    anchor: DateTime<Tz>,
    step: plan::Step,
    at: Option<NaiveTime>,
    times: u64,
) -> Vec<DateTime<Tz>> {
    let time = at.unwrap_or_else(|| anchor.time());
    let mut date = anchor.date_naive();
    let step_days = match step {
        plan::Step::Days(d) => d,
        plan::Step::Weekday(w) => {
            let wanted = u64::from(w.index());
            let today = u64::from(date.weekday().num_days_from_monday());
            let ahead = (wanted + 7 - today) % 7;
            date = date
                .checked_add_days(chrono::Days::new(ahead))
                .unwrap_or(date);
            7
        }
    };
    let mut out = Vec::new();
    // The anchor's own date counts only when `at` is later than the anchor that day.
    while (out.len() as u64) < times {
        let t = local_instant(tz, date.and_time(time));
        if t > anchor {
            out.push(t);
        }
        match date.checked_add_days(chrono::Days::new(step_days)) {
            Some(next) => date = next,
            None => break,
        }
    }
    out
}

/// The instant of a local date and time. A time skipped by a spring-forward change moves to the
/// first valid instant after it; a time that occurs twice (fall back) takes the earlier.
pub fn local_instant(tz: Tz, local: NaiveDateTime) -> DateTime<Tz> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(earlier, _) => earlier,
        LocalResult::None => {
            // Gaps are at most a few hours; walk forward a minute at a time to their end.
            let mut probe = local;
            for _ in 0..(24 * 60) {
                probe += Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                    return t;
                }
            }
            // No zone has a day-long gap; fall back to reading the time as UTC.
            tz.from_utc_datetime(&local)
        }
    }
}

/// `visit` moved by an offset: calendar days keep the local time of day (or take `at`); minutes
/// are exact. `sign` is -1 for "before" and +1 for "after".
pub fn shifted(
    tz: Tz,
    visit: DateTime<Tz>,
    offset: Offset,
    at: Option<NaiveTime>,
    sign: i64,
) -> Option<DateTime<Tz>> {
    match offset {
        Offset::Days(days) => {
            let days = i64::try_from(days).ok()?;
            let date = visit
                .date_naive()
                .checked_add_signed(Duration::try_days(sign * days)?)?;
            let time = at.unwrap_or_else(|| visit.time());
            Some(local_instant(tz, date.and_time(time)))
        }
        Offset::Minutes(minutes) => {
            let minutes = i64::try_from(minutes).ok()?;
            visit.checked_add_signed(Duration::try_minutes(sign * minutes)?)
        }
    }
}

/// A send window: open from `from` (inclusive) to `until` (exclusive), local time, on the days
/// of the `days` bit mask (bit 0 = Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveTime,
    pub until: NaiveTime,
    pub days: u8,
}

impl Window {
    /// The window of a plan; `None` for one that is never open (hand-edited plans).
    pub fn from_plan(window: &plan::Window) -> Option<Window> {
        let days = window
            .days
            .iter()
            .fold(0u8, |days, day| days | 1 << (*day as u8));
        let (from, until) = (window.from.0, window.until.0);
        (from < until && days != 0).then_some(Window { from, until, days })
    }

    fn open_on(&self, date: NaiveDate) -> bool {
        self.days & (1 << date.weekday().num_days_from_monday()) != 0
    }

    /// `t` if the window is open then, else the next moment it opens.
    pub fn push(&self, tz: Tz, t: DateTime<Tz>) -> DateTime<Tz> {
        let local = t.naive_local();
        if self.open_on(local.date()) && local.time() >= self.from && local.time() < self.until {
            return t;
        }
        let mut date = local.date();
        if !(self.open_on(date) && local.time() < self.from) {
            date = date.succ_opt().unwrap_or(date);
            for _ in 0..7 {
                if self.open_on(date) {
                    break;
                }
                date = date.succ_opt().unwrap_or(date);
            }
        }
        // The opening time of a day whose clocks go back can come twice: take the first that
        // is not before `t`, so that a window never moves a message earlier.
        let opening = date.and_time(self.from);
        let opens = match tz.from_local_datetime(&opening) {
            LocalResult::Ambiguous(earlier, later) => {
                if earlier >= t {
                    earlier
                } else {
                    later
                }
            }
            _ => local_instant(tz, opening),
        };
        opens.max(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Stockholm;

    fn at(s: &str) -> DateTime<Tz> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time");
        local_instant(Stockholm, naive)
    }

    #[test]
    fn r08_a_month_later_is_the_same_day_or_the_months_last() {
        let due = |performed: &str, interval| {
            super::due(Stockholm, at(performed), interval)
                .expect("in range")
                .to_rfc3339()
        };
        assert_eq!(
            due("2026-01-31 10:00", plan::Interval::Months(1)),
            "2026-02-28T10:00:00+01:00"
        );
        assert_eq!(
            due("2027-02-28 10:00", plan::Interval::Months(12)),
            "2028-02-28T10:00:00+01:00"
        );
        // Four weeks from before the spring change: same local time, now summer time.
        assert_eq!(
            due("2026-03-02 10:00", plan::Interval::Days(28)),
            "2026-03-30T10:00:00+02:00"
        );
    }

    #[test]
    fn r18_repetitions_keep_their_local_time_across_dst() {
        let eight = NaiveTime::from_hms_opt(8, 0, 0);
        let daily = repetitions(
            Stockholm,
            at("2026-03-27 13:00"),
            plan::Step::Days(1),
            eight,
            3,
        );
        let daily: Vec<String> = daily.iter().map(DateTime::to_rfc3339).collect();
        assert_eq!(
            daily,
            [
                "2026-03-28T08:00:00+01:00",
                "2026-03-29T08:00:00+02:00",
                "2026-03-30T08:00:00+02:00"
            ]
        );
        // Every Monday from a Monday at 07:00: that Monday's 08:00 is the first.
        let mondays = repetitions(
            Stockholm,
            at("2026-03-23 07:00"),
            plan::Step::Weekday(crate::schema::Weekday::Mon),
            eight,
            2,
        );
        let mondays: Vec<String> = mondays.iter().map(DateTime::to_rfc3339).collect();
        assert_eq!(
            mondays,
            ["2026-03-23T08:00:00+01:00", "2026-03-30T08:00:00+02:00"]
        );
        // Without `at`, the anchor's own time of day: the first is a step later.
        let weekly = repetitions(
            Stockholm,
            at("2026-03-30 10:00"),
            plan::Step::Days(7),
            None,
            1,
        );
        assert_eq!(weekly[0].to_rfc3339(), "2026-04-06T10:00:00+02:00");
    }

    #[test]
    fn a_window_never_moves_a_time_earlier_on_the_night_clocks_go_back() {
        // 2026-10-25 in Stockholm: 02:00-03:00 happens twice. At the second 02:15 the window
        // opening at 02:30 opens at the second 02:30, not at the first (45 minutes earlier).
        let window = Window {
            from: NaiveTime::from_hms_opt(2, 30, 0).expect("time"),
            until: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
            days: 0x7f,
        };
        let second = DateTime::parse_from_rfc3339("2026-10-25T02:15:00+01:00")
            .expect("time")
            .with_timezone(&Stockholm);
        let pushed = window.push(Stockholm, second);
        assert_eq!(pushed.to_rfc3339(), "2026-10-25T02:30:00+01:00");
        let first = DateTime::parse_from_rfc3339("2026-10-25T02:15:00+02:00")
            .expect("time")
            .with_timezone(&Stockholm);
        assert_eq!(
            window.push(Stockholm, first).to_rfc3339(),
            "2026-10-25T02:30:00+02:00"
        );
    }

    #[test]
    fn spring_forward_moves_to_the_end_of_the_gap() {
        // 2026-03-29 02:30 does not exist in Stockholm: clocks go from 02:00 to 03:00.
        assert_eq!(
            at("2026-03-29 02:30").to_rfc3339(),
            "2026-03-29T03:00:00+02:00"
        );
    }

    #[test]
    fn fall_back_takes_the_earlier() {
        // 2026-10-25 02:30 happens twice; the first is still summer time.
        assert_eq!(
            at("2026-10-25 02:30").to_rfc3339(),
            "2026-10-25T02:30:00+02:00"
        );
    }

    #[test]
    fn a_day_before_across_dst_is_calendar_not_24_hours() {
        // Monday after the change: 1 day before at 10:00 is Sunday 10:00 local.
        let monday = at("2026-03-30 09:00");
        let ten = NaiveTime::from_hms_opt(10, 0, 0);
        let day = shifted(Stockholm, monday, Offset::Days(1), ten, -1).expect("in range");
        assert_eq!(day.to_rfc3339(), "2026-03-29T10:00:00+02:00");
        // Noon on the day of the change: the night was an hour short, so 24 hours before is
        // 11:00 on Saturday, while 1 day before keeps noon.
        let sunday = at("2026-03-29 12:00");
        let hours =
            shifted(Stockholm, sunday, Offset::Minutes(24 * 60), None, -1).expect("in range");
        assert_eq!(hours.to_rfc3339(), "2026-03-28T11:00:00+01:00");
        let day = shifted(Stockholm, sunday, Offset::Days(1), None, -1).expect("in range");
        assert_eq!(day.to_rfc3339(), "2026-03-28T12:00:00+01:00");
    }

    #[test]
    fn window_pushes_to_next_open_day() {
        let window = Window {
            from: NaiveTime::from_hms_opt(8, 0, 0).expect("time"),
            until: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
            days: 0b0011111,
        };
        // Sunday 10:00 → Monday 08:00; Tuesday 21:00 → Wednesday 08:00; Tuesday 07:00 → 08:00.
        assert_eq!(
            window.push(Stockholm, at("2026-03-29 10:00")).to_rfc3339(),
            "2026-03-30T08:00:00+02:00"
        );
        assert_eq!(
            window.push(Stockholm, at("2026-03-31 21:00")).to_rfc3339(),
            "2026-04-01T08:00:00+02:00"
        );
        assert_eq!(
            window.push(Stockholm, at("2026-03-31 07:00")).to_rfc3339(),
            "2026-03-31T08:00:00+02:00"
        );
        assert_eq!(
            window.push(Stockholm, at("2026-03-31 12:00")).to_rfc3339(),
            "2026-03-31T12:00:00+02:00"
        );
    }
}
