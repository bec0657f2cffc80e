;; text: the inline text of a message with its placeholders filled (`engine/text.rs`). The
;; generator splits the text at compile time and calls one function a part.

(global $text.start (mut i32) (i32.const 0))
(global $text.end (mut i32) (i32.const 0))

;; Starts a text of at most `capacity` bytes.
(func $text.begin (param $capacity i32)
  (global.set $text.start (call $core.alloc (local.get $capacity)))
  (global.set $text.end (global.get $text.start)))

(func $text.bytes (param $s i32) (param $len i32)
  (call $core.copy (global.get $text.end) (local.get $s) (local.get $len))
  (global.set $text.end (i32.add (global.get $text.end) (local.get $len))))

;; `n` (0..9999) in `width` digits (2 or 4), zeros in front.
(func $text.digits (param $n i32) (param $width i32)
  (local $i i32)
  (local.set $i (local.get $width))
  (block $done
    (loop $digit
      (br_if $done (i32.eqz (local.get $i)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (global.get $text.end) (local.get $i))
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br $digit)))
  (global.set $text.end (i32.add (global.get $text.end) (local.get $width))))

;; `{booking.date}`: YYYY-MM-DD of local seconds.
(func $text.date (param $local i64)
  (local $ymd i32)
  (local.set $ymd (call $time.civil_from_days (call $text.day (local.get $local))))
  (call $text.digits (i32.shr_u (local.get $ymd) (i32.const 9)) (i32.const 4))
  (call $text.bytes (i32.const @memory.RUNTIME_DATA) (i32.const 1))
  (call $text.digits (i32.and (i32.shr_u (local.get $ymd) (i32.const 5)) (i32.const 15)) (i32.const 2))
  (call $text.bytes (i32.const @memory.RUNTIME_DATA) (i32.const 1))
  (call $text.digits (i32.and (local.get $ymd) (i32.const 31)) (i32.const 2)))

;; `{booking.time}`: HH:MM of local seconds.
(func $text.time (param $local i64)
  (local $seconds i32)
  (local.set $seconds
    (i32.wrap_i64
      (i64.sub (local.get $local)
        (i64.mul (i64.extend_i32_s (call $text.day (local.get $local))) (i64.const 86400)))))
  (call $text.digits (i32.div_u (local.get $seconds) (i32.const 3600)) (i32.const 2))
  (call $text.bytes (i32.const @memory.RUNTIME_DATA+1) (i32.const 1))
  (call $text.digits (i32.rem_u (i32.div_u (local.get $seconds) (i32.const 60)) (i32.const 60))
    (i32.const 2)))

;; `{booking.weekday}`: the name of the day of local seconds from a table of seven (address,
;; length) pairs, Monday first.
(func $text.weekday (param $local i64) (param $names i32)
  (call $text.bytes
    (call $core.word (local.get $names) (call $time.weekday (call $text.day (local.get $local))))))

;; The day of local seconds (days since 1970-01-01, rounded down).
(func $text.day (param $local i64) (result i32)
  (i32.wrap_i64
    (i64.div_s
      (i64.sub (local.get $local)
        (select (i64.const 86399) (i64.const 0) (i64.lt_s (local.get $local) (i64.const 0))))
      (i64.const 86400))))

(data (i32.const @memory.RUNTIME_DATA) "-:")
