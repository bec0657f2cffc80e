;; time: calendar arithmetic and time-zone lookups, equal to chrono and chrono-tz and to the
;; engine's `engine/time.rs` and `engine/scope.rs::age_on`.
;;
;; Units (abi.rs): instants are i64 seconds since 1970-01-01T00:00:00Z; dates are i32 days
;; since 1970-01-01; times of day are i32 seconds after midnight. A "local" is an i64 local
;; date and time counted like an instant ("local seconds since the epoch": the naive date
;; time read as UTC, chrono's `NaiveDateTime::and_utc().timestamp()`).
;;
;; A zone is the i32 address of its table (abi::tz, written by wasm/tz.rs): an i32 count of
;; spans, 4 bytes of padding, then 16 bytes a span: the i64 instant it starts (the first starts
;; at i64::MIN), the i32 offset from UTC in seconds, 4 bytes of padding. Adjacent spans have
;; different offsets, and every offset is less than a day either way (chrono's `FixedOffset`).
;;
;; Arithmetic assumes the documented ranges (years 1800..3200, day offsets of a few thousand);
;; nothing here checks for overflow.

;; The instants found by the last $time.from_local: the earliest and the latest.
(global $time.earliest (mut i64) (i64.const 0))
(global $time.latest (mut i64) (i64.const 0))

;; ---------------------------------------------------------------------------------------------
;; Calendar. Howard Hinnant's `days_from_civil` / `civil_from_days` (proleptic Gregorian, as
;; chrono's NaiveDate), with years counted from March so that the leap day ends the year.

;; The date y-m-d as days since 1970-01-01.
(func $time.days_from_civil (param $y i32) (param $m i32) (param $d i32) (result i32)
  (local $era i32) (local $yoe i32) (local $doy i32)
  ;; y -= m <= 2 (January and February belong to the year before)
  (local.set $y (i32.sub (local.get $y) (i32.le_s (local.get $m) (i32.const 2))))
  ;; era = floor(y / 400)
  (local.set $era
    (i32.div_s
      (select (local.get $y) (i32.sub (local.get $y) (i32.const 399))
        (i32.ge_s (local.get $y) (i32.const 0)))
      (i32.const 400)))
  ;; yoe = y - era * 400, in [0, 399]
  (local.set $yoe (i32.sub (local.get $y) (i32.mul (local.get $era) (i32.const 400))))
  ;; doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1, in [0, 365]
  (local.set $doy
    (i32.add
      (i32.div_u
        (i32.add
          (i32.mul (i32.const 153)
            (select (i32.sub (local.get $m) (i32.const 3)) (i32.add (local.get $m) (i32.const 9))
              (i32.gt_s (local.get $m) (i32.const 2))))
          (i32.const 2))
        (i32.const 5))
      (i32.sub (local.get $d) (i32.const 1))))
  ;; era * 146097 + doe - 719468, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
  (i32.sub
    (i32.add
      (i32.mul (local.get $era) (i32.const 146097))
      (i32.add
        (i32.sub
          (i32.add (i32.mul (local.get $yoe) (i32.const 365))
            (i32.div_u (local.get $yoe) (i32.const 4)))
          (i32.div_u (local.get $yoe) (i32.const 100)))
        (local.get $doy)))
    (i32.const 719468)))

;; The date of `days` since 1970-01-01, packed as y * 512 + m * 32 + d (so `>> 9` (signed) is
;; the year, `& 511` orders month and day within it, `>> 5 & 15` is the month, `& 31` the day).
(func $time.civil_from_days (param $days i32) (result i32)
  (local $z i32) (local $era i32) (local $doe i32) (local $yoe i32) (local $doy i32)
  (local $mp i32) (local $m i32)
  ;; z = days + 719468: days since 0000-03-01
  (local.set $z (i32.add (local.get $days) (i32.const 719468)))
  ;; era = floor(z / 146097)
  (local.set $era
    (i32.div_s
      (select (local.get $z) (i32.sub (local.get $z) (i32.const 146096))
        (i32.ge_s (local.get $z) (i32.const 0)))
      (i32.const 146097)))
  ;; doe = z - era * 146097, in [0, 146096]
  (local.set $doe (i32.sub (local.get $z) (i32.mul (local.get $era) (i32.const 146097))))
  ;; yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, in [0, 399]
  (local.set $yoe
    (i32.div_u
      (i32.sub
        (i32.add
          (i32.sub (local.get $doe) (i32.div_u (local.get $doe) (i32.const 1460)))
          (i32.div_u (local.get $doe) (i32.const 36524)))
        (i32.div_u (local.get $doe) (i32.const 146096)))
      (i32.const 365)))
  ;; doy = doe - (365 * yoe + yoe / 4 - yoe / 100), in [0, 365]
  (local.set $doy
    (i32.sub (local.get $doe)
      (i32.sub
        (i32.add (i32.mul (local.get $yoe) (i32.const 365))
          (i32.div_u (local.get $yoe) (i32.const 4)))
        (i32.div_u (local.get $yoe) (i32.const 100)))))
  ;; mp = (5 * doy + 2) / 153: months since March, in [0, 11]
  (local.set $mp
    (i32.div_u (i32.add (i32.mul (local.get $doy) (i32.const 5)) (i32.const 2))
      (i32.const 153)))
  ;; m = mp < 10 ? mp + 3 : mp - 9
  (local.set $m
    (select (i32.add (local.get $mp) (i32.const 3)) (i32.sub (local.get $mp) (i32.const 9))
      (i32.lt_u (local.get $mp) (i32.const 10))))
  ;; y = yoe + era * 400 + (m <= 2); d = doy - (153 * mp + 2) / 5 + 1
  (i32.add
    (i32.add
      (i32.shl
        (i32.add
          (i32.add (local.get $yoe) (i32.mul (local.get $era) (i32.const 400)))
          (i32.le_u (local.get $m) (i32.const 2)))
        (i32.const 9))
      (i32.shl (local.get $m) (i32.const 5)))
    (i32.add
      (i32.sub (local.get $doy)
        (i32.div_u (i32.add (i32.mul (local.get $mp) (i32.const 153)) (i32.const 2))
          (i32.const 5)))
      (i32.const 1))))

;; The weekday of `days` since 1970-01-01, Monday = 0 (chrono's `num_days_from_monday`).
;; 1970-01-01 was a Thursday (3).
(func $time.weekday (param $days i32) (result i32)
  ;; (days mod 7 + 3) mod 7, with the remainder made non-negative (rem_s is in -6..=6)
  (i32.rem_s (i32.add (i32.rem_s (local.get $days) (i32.const 7)) (i32.const 10))
    (i32.const 7)))

;; The date of a local (floor of local / 86400): `NaiveDateTime::date`.
(func $time.day_of (param $local i64) (result i32)
  (i32.wrap_i64
    (i64.sub
      (i64.div_s (local.get $local) (i64.const 86400))
      (i64.extend_i32_u
        (i64.lt_s (i64.rem_s (local.get $local) (i64.const 86400)) (i64.const 0))))))

;; The time of day of a local, in seconds after midnight: `NaiveDateTime::time`.
(func $time.second_of_day (param $local i64) (result i32)
  (local $r i32)
  (local.set $r (i32.wrap_i64 (i64.rem_s (local.get $local) (i64.const 86400))))
  (select (i32.add (local.get $r) (i32.const 86400)) (local.get $r)
    (i32.lt_s (local.get $r) (i32.const 0))))

;; The local of a date and a time of day: `NaiveDate::and_time`.
(func $time.at (param $date i32) (param $time i32) (result i64)
  (i64.add (i64.mul (i64.extend_i32_s (local.get $date)) (i64.const 86400))
    (i64.extend_i32_s (local.get $time))))

;; Age in whole years on `date` of someone born on `birth` (both days since 1970-01-01):
;; `engine::scope::age_on`:
;;   age = date.year - birth.year; if (date.month, date.day) < (birth.month, birth.day) { age -= 1 }
;; Someone born on 29 February has their birthday on 1 March in other years.
(func $time.age_on (param $birth i32) (param $date i32) (result i32)
  (local $b i32) (local $d i32)
  (local.set $b (call $time.civil_from_days (local.get $birth)))
  (local.set $d (call $time.civil_from_days (local.get $date)))
  (i32.sub
    (i32.sub (i32.shr_s (local.get $d) (i32.const 9)) (i32.shr_s (local.get $b) (i32.const 9)))
    ;; month * 32 + day orders (month, day)
    (i32.lt_u (i32.and (local.get $d) (i32.const 511)) (i32.and (local.get $b) (i32.const 511)))))

;; ---------------------------------------------------------------------------------------------
;; Time zones.

;; The instant span `i` of `zone` starts.
(func $time.span_start (param $zone i32) (param $i i32) (result i64)
  (i64.load offset=8 (i32.add (local.get $zone) (i32.shl (local.get $i) (i32.const 4)))))

;; The offset from UTC of span `i` of `zone`, in seconds.
(func $time.span_offset (param $zone i32) (param $i i32) (result i32)
  (i32.load offset=16 (i32.add (local.get $zone) (i32.shl (local.get $i) (i32.const 4)))))

;; The index of the span of `zone` that instant `t` is in: the last that starts at or before
;; `t` (chrono-tz's `offset_from_utc_datetime`: spans start inclusive and end exclusive).
;; The span found last is tried first: a booking's instants, and a feed's bookings, lie close
;; together, so most lookups end there without a search.
(global $time.cached_zone (mut i32) (i32.const 0))
(global $time.cached_index (mut i32) (i32.const 0))
(func $time.span_index (param $zone i32) (param $t i64) (result i32)
  (local $lo i32) (local $hi i32) (local $mid i32) (local $count i32)
  (local.set $count (i32.load (local.get $zone)))
  (if (i32.eq (local.get $zone) (global.get $time.cached_zone))
    (then
      (local.set $lo (global.get $time.cached_index))
      (if (i32.and
            (i64.le_s (call $time.span_start (local.get $zone) (local.get $lo)) (local.get $t))
            (i32.or
              (i32.ge_u (i32.add (local.get $lo) (i32.const 1)) (local.get $count))
              (i64.gt_s
                (call $time.span_start (local.get $zone) (i32.add (local.get $lo) (i32.const 1)))
                (local.get $t))))
        (then (return (local.get $lo))))))
  ;; start(lo) <= t (span 0 starts at i64::MIN) and hi is the count or start(hi) > t
  (local.set $lo (i32.const 0))
  (local.set $hi (local.get $count))
  (block $found
    (loop $search
      (br_if $found (i32.le_u (i32.sub (local.get $hi) (local.get $lo)) (i32.const 1)))
      (local.set $mid (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)))
      (if (i64.le_s (call $time.span_start (local.get $zone) (local.get $mid)) (local.get $t))
        (then (local.set $lo (local.get $mid)))
        (else (local.set $hi (local.get $mid))))
      (br $search)))
  (global.set $time.cached_zone (local.get $zone))
  (global.set $time.cached_index (local.get $lo))
  (local.get $lo))

;; The offset from UTC of `zone` at instant `t`, in seconds:
;; `tz.offset_from_utc_datetime(..).fix().local_minus_utc()`.
(func $time.utc_offset (param $zone i32) (param $t i64) (result i32)
  (call $time.span_offset (local.get $zone)
    (call $time.span_index (local.get $zone) (local.get $t))))

;; The local date and time of instant `t`: `DateTime<Tz>::naive_local`.
(func $time.local (param $zone i32) (param $t i64) (result i64)
  (i64.add (local.get $t)
    (i64.extend_i32_s (call $time.utc_offset (local.get $zone) (local.get $t)))))

;; How many instants have the local date and time `local` in `zone`: 0 (it falls in a gap),
;; 1, or 2 (it falls in an overlap); the earliest and the latest are left in $time.earliest
;; and $time.latest. This is chrono-tz's `from_local_datetime`: None, Single(t) (earliest =
;; latest = t), Ambiguous(earlier, later).
;;
;; chrono-tz gives span i the local times [start_i + offset_i, start_(i+1) + offset_i), start
;; inclusive and end exclusive (its `Span::contains`), and `local` is in span i exactly when
;; the instant `local - offset_i` is in span i, i.e. start_i <= local - offset_i < start_(i+1).
;; Every offset is less than a day, so those instants are within a day of `local` read as an
;; instant: only the spans that overlap [local - 86400, local + 86400] are tried, in order, so
;; the instants come out in time order. (chrono-tz finds one span by binary search, then looks
;; at its two neighbours only; with its data, whose spans last almost a week or more, that
;; finds the same spans: time_tests compares the two at both edges of every span of every
;; zone.)
(func $time.from_local (param $zone i32) (param $local i64) (result i32)
  (local $i i32) (local $last i32) (local $count i32) (local $n i32) (local $t i64)
  (local.set $count (i32.load (local.get $zone)))
  (local.set $i
    (call $time.span_index (local.get $zone) (i64.sub (local.get $local) (i64.const 86400))))
  (local.set $last
    (call $time.span_index (local.get $zone) (i64.add (local.get $local) (i64.const 86400))))
  (loop $spans
    ;; t = local - offset_i: the instant if `local` is in span i
    (local.set $t
      (i64.sub (local.get $local)
        (i64.extend_i32_s (call $time.span_offset (local.get $zone) (local.get $i)))))
    (if
      (i32.and
        (i64.ge_s (local.get $t) (call $time.span_start (local.get $zone) (local.get $i)))
        (i32.or
          (i32.eq (i32.add (local.get $i) (i32.const 1)) (local.get $count))
          (i64.lt_s (local.get $t)
            (call $time.span_start (local.get $zone) (i32.add (local.get $i) (i32.const 1))))))
      (then
        (if (i32.eqz (local.get $n)) (then (global.set $time.earliest (local.get $t))))
        (global.set $time.latest (local.get $t))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br_if $spans (i32.le_s (local.get $i) (local.get $last))))
  (local.get $n))

;; The instant of a local date and time: `engine::time::local_instant`.
;;   Single(t) => t; Ambiguous(earlier, _) => earlier;
;;   None => the first of the next 24 * 60 minutes that exists (its earliest instant), else
;;   the local time read as UTC.
(func $time.local_instant (param $zone i32) (param $local i64) (result i64)
  (local $probe i64) (local $step i32)
  (if (call $time.from_local (local.get $zone) (local.get $local))
    (then (return (global.get $time.earliest))))
  ;; In a gap: walk forward a minute at a time to its end.
  (local.set $probe (local.get $local))
  (loop $walk
    (local.set $probe (i64.add (local.get $probe) (i64.const 60)))
    (if (call $time.from_local (local.get $zone) (local.get $probe))
      (then (return (global.get $time.earliest))))
    (local.set $step (i32.add (local.get $step) (i32.const 1)))
    (br_if $walk (i32.lt_u (local.get $step) (i32.const 1440))))
  ;; No zone has a day-long gap: `tz.from_utc_datetime(&local)`.
  (local.get $local))

;; `visit` moved by `days` calendar days (negative: before), at `at` seconds after midnight or,
;; if `at` is -1, at the visit's local time of day:
;; `engine::time::shifted(tz, visit, Offset::Days(|days|), at, sign(days))`:
;;   local_instant(tz, (visit.date_naive() + days).and_time(at.unwrap_or(visit.time())))
(func $time.shift_days (param $zone i32) (param $visit i64) (param $days i32) (param $at i32)
  (result i64)
  (local $local i64)
  (local.set $local (call $time.local (local.get $zone) (local.get $visit)))
  (call $time.local_instant (local.get $zone)
    (call $time.at
      (i32.add (call $time.day_of (local.get $local)) (local.get $days))
      (select (local.get $at) (call $time.second_of_day (local.get $local))
        (i32.ge_s (local.get $at) (i32.const 0))))))

;; Whether a window with the weekday mask `days` (bit 0 = Monday) is open on `date`:
;; `Window::open_on`.
(func $time.open_on (param $days i32) (param $date i32) (result i32)
  (i32.and (i32.shr_u (local.get $days) (call $time.weekday (local.get $date))) (i32.const 1)))

;; `t` if the send window is open then, else the next moment it opens: `Window::push`. The
;; window is open from `from` (inclusive) to `until` (exclusive), seconds after midnight local
;; time, on the days of the mask `days` (bit 0 = Monday).
(func $time.window_push (param $zone i32) (param $t i64) (param $from i32) (param $until i32)
  (param $days i32) (result i64)
  (local $local i64) (local $date i32) (local $time i32) (local $open i32) (local $step i32)
  (local $opening i64) (local $opens i64)
  ;; let local = t.naive_local();
  (local.set $local (call $time.local (local.get $zone) (local.get $t)))
  (local.set $date (call $time.day_of (local.get $local)))
  (local.set $time (call $time.second_of_day (local.get $local)))
  (local.set $open (call $time.open_on (local.get $days) (local.get $date)))
  ;; if open_on(date) && from <= time < until { return t }
  (if (i32.and (local.get $open)
        (i32.and (i32.ge_s (local.get $time) (local.get $from))
          (i32.lt_s (local.get $time) (local.get $until))))
    (then (return (local.get $t))))
  ;; if !(open_on(date) && time < from) { date = date + 1; then up to 7 times: stop on an open
  ;; day, else move to the next }
  (if (i32.eqz (i32.and (local.get $open) (i32.lt_s (local.get $time) (local.get $from))))
    (then
      (local.set $date (i32.add (local.get $date) (i32.const 1)))
      (block $found
        (loop $days
          (br_if $found (call $time.open_on (local.get $days) (local.get $date)))
          (local.set $date (i32.add (local.get $date) (i32.const 1)))
          (local.set $step (i32.add (local.get $step) (i32.const 1)))
          (br_if $days (i32.lt_u (local.get $step) (i32.const 6)))))))
  ;; let opening = date.and_time(from);
  (local.set $opening (call $time.at (local.get $date) (local.get $from)))
  ;; Ambiguous(earlier, later) => if earlier >= t { earlier } else { later };
  ;; otherwise local_instant(tz, opening)
  (if (i32.eq (call $time.from_local (local.get $zone) (local.get $opening)) (i32.const 2))
    (then
      (local.set $opens
        (select (global.get $time.earliest) (global.get $time.latest)
          (i64.ge_s (global.get $time.earliest) (local.get $t)))))
    (else
      (local.set $opens (call $time.local_instant (local.get $zone) (local.get $opening)))))
  ;; opens.max(t)
  (select (local.get $opens) (local.get $t) (i64.gt_s (local.get $opens) (local.get $t))))

;; When a recall's service is due again: `engine::time::due`. `days` calendar days, or
;; `months` calendar months (the day of the month clamped to the later month's last day),
;; after the local date `performed` has in `zone`, at its local time of day.
(func $time.due (param $zone i32) (param $performed i64) (param $days i32) (param $months i32)
  (result i64)
  (local $local i64) (local $date i32) (local $c i32) (local $total i32) (local $y i32)
  (local $m i32) (local $d i32) (local $last i32)
  (local.set $local (call $time.local (local.get $zone) (local.get $performed)))
  (local.set $date (call $time.day_of (local.get $local)))
  (if (i32.gt_s (local.get $months) (i32.const 0))
    (then
      (local.set $c (call $time.civil_from_days (local.get $date)))
      ;; total months since year 0, then the later year and month
      (local.set $total
        (i32.add
          (i32.add (i32.mul (i32.shr_s (local.get $c) (i32.const 9)) (i32.const 12))
            (i32.sub (i32.and (i32.shr_u (local.get $c) (i32.const 5)) (i32.const 15))
              (i32.const 1)))
          (local.get $months)))
      (local.set $y (i32.div_s (local.get $total) (i32.const 12)))
      (local.set $m (i32.add (i32.rem_s (local.get $total) (i32.const 12)) (i32.const 1)))
      ;; the later month's length: the first of the month after it, less its own first
      (local.set $last
        (i32.sub
          (if (result i32) (i32.eq (local.get $m) (i32.const 12))
            (then (call $time.days_from_civil (i32.add (local.get $y) (i32.const 1)) (i32.const 1) (i32.const 1)))
            (else (call $time.days_from_civil (local.get $y) (i32.add (local.get $m) (i32.const 1)) (i32.const 1))))
          (call $time.days_from_civil (local.get $y) (local.get $m) (i32.const 1))))
      (local.set $d (i32.and (local.get $c) (i32.const 31)))
      (local.set $date
        (call $time.days_from_civil (local.get $y) (local.get $m)
          (select (local.get $last) (local.get $d) (i32.gt_s (local.get $d) (local.get $last))))))
    (else (local.set $date (i32.add (local.get $date) (local.get $days)))))
  (call $time.local_instant (local.get $zone)
    (call $time.at (local.get $date) (call $time.second_of_day (local.get $local)))))

;; Repetition `k` (from 1) of `every`: `engine::time::repetitions`. The local dates `step`
;; days apart from the anchor's (or, with `weekday` 0..6, from the first such weekday on or
;; after it, 7 days apart), at `at` seconds after midnight (-1: the anchor's time of day),
;; those after the anchor counted; only the first date can be at or before the anchor.
(func $time.repetition (param $zone i32) (param $anchor i64) (param $step i32) (param $weekday i32)
  (param $at i32) (param $k i32) (result i64)
  (local $local i64) (local $date i32) (local $secs i32) (local $skip i32)
  (local.set $local (call $time.local (local.get $zone) (local.get $anchor)))
  (local.set $date (call $time.day_of (local.get $local)))
  (local.set $secs
    (select (local.get $at) (call $time.second_of_day (local.get $local))
      (i32.ge_s (local.get $at) (i32.const 0))))
  (if (i32.ge_s (local.get $weekday) (i32.const 0))
    (then
      (local.set $date
        (i32.add (local.get $date)
          (i32.rem_u
            (i32.add (i32.sub (local.get $weekday) (call $time.weekday (local.get $date)))
              (i32.const 7))
            (i32.const 7))))
      (local.set $step (i32.const 7))))
  (local.set $skip
    (i64.le_s
      (call $time.local_instant (local.get $zone) (call $time.at (local.get $date) (local.get $secs)))
      (local.get $anchor)))
  (call $time.local_instant (local.get $zone)
    (call $time.at
      (i32.add (local.get $date)
        (i32.mul (i32.add (i32.sub (local.get $k) (i32.const 1)) (local.get $skip)) (local.get $step)))
      (local.get $secs))))
