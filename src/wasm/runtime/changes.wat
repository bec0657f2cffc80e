;; changes: rule 5's instants of a moved booking (`engine/changes.rs`).

;; When the status last changed: `status_at`, else the creation.
(func $changes.status_at (result i64)
  (local $at i64)
  (local.set $at (call $core.instant (i32.const @booking.STATUS_AT)))
  (if (result i64) (i64.eq (local.get $at) (i64.const @NONE_I64))
    (then (call $core.instant (i32.const @booking.CREATED)))
    (else (local.get $at))))

;; When a moved booking was moved (`NONE_I64` for one never moved).
(func $changes.moved_at (result i64)
  (if (result i64)
      (i64.eq (call $core.instant (i32.const @booking.PREVIOUS_START)) (i64.const @NONE_I64))
    (then (i64.const @NONE_I64))
    (else (call $changes.status_at))))

;; The start an action sent at `send` belongs to, for a booking moved at `moved` (or
;; `NONE_I64`, as `$changes.moved_at` gives it): the earlier start for what was sent before the
;; booking was moved (it keeps its key), else the booking's.
(func $changes.keyed_start (param $send i64) (param $moved i64) (result i64)
  (if (result i64)
      (i32.and
        (i64.ne (local.get $moved) (i64.const @NONE_I64))
        (i64.lt_s (local.get $send) (local.get $moved)))
    (then (call $core.instant (i32.const @booking.PREVIOUS_START)))
    (else (call $core.instant (i32.const @booking.START)))))
