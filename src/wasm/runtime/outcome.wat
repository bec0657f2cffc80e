;; outcome: the records `evaluate` returns (layout: `abi::outcome`, whose names the at-sign
;; words stand for), written while the rules run, then ordered by `$outcome.finish`.
;;
;; The generator defines `$outcome.records` (room for the most outcomes one booking can have)
;; and `$outcome.capacity`.

(global $outcome.count (mut i32) (i32.const 0))
;; The idempotency key of the next action, made by `$key.make`.
(global $key.lo (mut i64) (i64.const 0))
(global $key.hi (mut i64) (i64.const 0))

;; The next record, zeroed, with its "none" fields set.
(func $outcome.next (result i32)
  (local $r i32) (local $i i32)
  (if (i32.ge_u (global.get $outcome.count) (global.get $outcome.capacity)) (then unreachable))
  (local.set $r
    (i32.add (global.get $outcome.records)
      (i32.mul (global.get $outcome.count) (i32.const @outcome.SIZE))))
  (global.set $outcome.count (i32.add (global.get $outcome.count) (i32.const 1)))
  ;; zero the record (its size is a multiple of 8)
  (local.set $i (i32.const 0))
  (block $zeroed
    (loop $zero
      (br_if $zeroed (i32.ge_u (local.get $i) (i32.const @outcome.SIZE)))
      (i64.store (i32.add (local.get $r) (local.get $i)) (i64.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $zero)))
  (i32.store8 offset=@outcome.CHANNEL (local.get $r) (i32.const 255))
  (i32.store8 offset=@outcome.RECIPIENT (local.get $r) (i32.const 255))
  (i32.store8 offset=@outcome.ADDRESS (local.get $r) (i32.const 255))
  (i32.store8 offset=@outcome.UNLESS_EVENT (local.get $r) (i32.const 255))
  (i32.store offset=@outcome.RULE (local.get $r) (i32.const -1))
  (i32.store offset=@outcome.PARAM (local.get $r) (i32.const -1))
  (i64.store offset=@outcome.SEND_AT (local.get $r) (i64.const @NONE_I64))
  (i64.store offset=@outcome.UNLESS_BY (local.get $r) (i64.const @NONE_I64))
  (i32.store offset=@outcome.SENDER (local.get $r) (i32.const -1))
  (i32.store offset=@outcome.TEXT (local.get $r) (i32.const -1))
  (local.get $r))

;; Where an outcome comes from: policy, message, origin (`abi::outcome::origin`), trigger,
;; complement (each -1 when none).
(func $outcome.from (param $r i32) (param $policy i32) (param $message i32) (param $origin i32)
    (param $trigger i32) (param $complement i32)
  (i32.store offset=@outcome.POLICY (local.get $r) (local.get $policy))
  (i32.store offset=@outcome.MESSAGE (local.get $r) (local.get $message))
  (i32.store8 offset=@outcome.ORIGIN (local.get $r) (local.get $origin))
  (i32.store offset=@outcome.TRIGGER (local.get $r) (local.get $trigger))
  (i32.store offset=@outcome.COMPLEMENT (local.get $r) (local.get $complement)))

;; A message, or one recipient's copy of it (`who`, or 255), not sent, and why.
(func $outcome.skip (param $policy i32) (param $message i32) (param $origin i32)
    (param $trigger i32) (param $complement i32) (param $who i32) (param $reason i32)
    (param $param i32)
  (local $r i32)
  (local.set $r (call $outcome.next))
  (i32.store8 offset=@outcome.TAG (local.get $r) (i32.const @outcome.SKIP))
  (call $outcome.from (local.get $r) (local.get $policy) (local.get $message)
    (local.get $origin) (local.get $trigger) (local.get $complement))
  (i32.store8 offset=@outcome.RECIPIENT (local.get $r) (local.get $who))
  (i32.store8 offset=@outcome.REASON (local.get $r) (local.get $reason))
  (i32.store offset=@outcome.PARAM (local.get $r) (local.get $param)))

;; An action with the key of `$key.make`, sent at `send_at` (its offset from the zone), to
;; `who` at `address` by recipient line `rule` (or -1); `unless` an event (or 255) by `by`.
(func $outcome.action (param $policy i32) (param $message i32) (param $origin i32)
    (param $trigger i32) (param $complement i32) (param $channel i32) (param $who i32)
    (param $address i32) (param $rule i32) (param $zone i32) (param $send_at i64)
    (param $unless i32) (param $by i64) (param $sender i32) (param $sender_len i32)
    (param $text i32) (param $text_len i32)
  (local $r i32)
  (local.set $r (call $outcome.next))
  (i32.store8 offset=@outcome.TAG (local.get $r) (i32.const @outcome.ACTION))
  (call $outcome.from (local.get $r) (local.get $policy) (local.get $message)
    (local.get $origin) (local.get $trigger) (local.get $complement))
  (i32.store8 offset=@outcome.CHANNEL (local.get $r) (local.get $channel))
  (i32.store8 offset=@outcome.RECIPIENT (local.get $r) (local.get $who))
  (i32.store8 offset=@outcome.ADDRESS (local.get $r) (local.get $address))
  (i32.store offset=@outcome.RULE (local.get $r) (local.get $rule))
  (i64.store offset=@outcome.SEND_AT (local.get $r) (local.get $send_at))
  (i32.store offset=@outcome.SEND_AT_OFFSET (local.get $r)
    (call $time.utc_offset (local.get $zone) (local.get $send_at)))
  (i32.store8 offset=@outcome.UNLESS_EVENT (local.get $r) (local.get $unless))
  (if (i32.ne (local.get $unless) (i32.const 255))
    (then
      (i64.store offset=@outcome.UNLESS_BY (local.get $r) (local.get $by))
      (i32.store offset=@outcome.UNLESS_BY_OFFSET (local.get $r)
        (call $time.utc_offset (local.get $zone) (local.get $by)))))
  (i64.store offset=@outcome.KEY (local.get $r) (global.get $key.lo))
  (i64.store offset=@outcome.KEY+8 (local.get $r) (global.get $key.hi))
  (i32.store offset=@outcome.SENDER (local.get $r) (local.get $sender))
  (i32.store offset=@outcome.SENDER+4 (local.get $r) (local.get $sender_len))
  (i32.store offset=@outcome.TEXT (local.get $r) (local.get $text))
  (i32.store offset=@outcome.TEXT+4 (local.get $r) (local.get $text_len)))

;; Whether the mode keeps an action: every one in forecast (mode 0); in due (mode 1) only
;; those decided (no `unless`) and sent in (since, now].
(func $outcome.kept (param $r i32) (param $now i64) (param $since i64) (param $mode i32)
    (result i32)
  (local $at i64)
  (if (i32.eqz (local.get $mode)) (then (return (i32.const 1))))
  (local.set $at (i64.load offset=@outcome.SEND_AT (local.get $r)))
  (i32.and
    (i32.and
      (i32.eq (i32.load8_u offset=@outcome.UNLESS_EVENT (local.get $r)) (i32.const 255))
      (i64.le_s (local.get $at) (local.get $now)))
    (i32.or
      (i64.eq (local.get $since) (i64.const @NONE_I64))
      (i64.gt_s (local.get $at) (local.get $since)))))

;; The booking's outcomes in output order, as `evaluate` returns them (`abi::outcome`):
;; the actions the mode keeps by send time (ties in the order they were made), then the
;; skips in the order they were made.
(func $outcome.finish (param $now i64) (param $since i64) (param $mode i32) (result i32)
  (local $list i32) (local $n i32) (local $i i32) (local $r i32) (local $at i64)
  (local $j i32) (local $slot i32)
  (local.set $list
    (call $core.alloc
      (i32.add (i32.const @outcome.HEADER)
        (i32.mul (global.get $outcome.count) (i32.const @outcome.SIZE)))))
  ;; actions, each inserted after those sent at or before it
  (block $done
    (loop $each
      (br_if $done (i32.ge_u (local.get $i) (global.get $outcome.count)))
      (local.set $r
        (i32.add (global.get $outcome.records)
          (i32.mul (local.get $i) (i32.const @outcome.SIZE))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each
        (i32.ne (i32.load8_u offset=@outcome.TAG (local.get $r)) (i32.const @outcome.ACTION)))
      (br_if $each
        (i32.eqz (call $outcome.kept (local.get $r) (local.get $now) (local.get $since)
          (local.get $mode))))
      (local.set $at (i64.load offset=@outcome.SEND_AT (local.get $r)))
      (local.set $j (local.get $n))
      (block $found
        (loop $back
          (br_if $found (i32.eqz (local.get $j)))
          (local.set $slot (call $outcome.slot (local.get $list) (i32.sub (local.get $j) (i32.const 1))))
          (br_if $found (i64.le_s (i64.load offset=@outcome.SEND_AT (local.get $slot)) (local.get $at)))
          (local.set $j (i32.sub (local.get $j) (i32.const 1)))
          (br $back)))
      ;; make room at j
      (local.set $slot (call $outcome.slot (local.get $list) (local.get $j)))
      (if (i32.lt_u (local.get $j) (local.get $n))
        (then
          (memory.copy
            (i32.add (local.get $slot) (i32.const @outcome.SIZE))
            (local.get $slot)
            (i32.mul (i32.sub (local.get $n) (local.get $j)) (i32.const @outcome.SIZE)))))
      (call $core.copy (local.get $slot) (local.get $r) (i32.const @outcome.SIZE))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $each)))
  ;; then the skips
  (local.set $i (i32.const 0))
  (block $done
    (loop $each
      (br_if $done (i32.ge_u (local.get $i) (global.get $outcome.count)))
      (local.set $r
        (i32.add (global.get $outcome.records)
          (i32.mul (local.get $i) (i32.const @outcome.SIZE))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each
        (i32.ne (i32.load8_u offset=@outcome.TAG (local.get $r)) (i32.const @outcome.SKIP)))
      (call $core.copy (call $outcome.slot (local.get $list) (local.get $n)) (local.get $r)
        (i32.const @outcome.SIZE))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $each)))
  (i32.store (local.get $list) (local.get $n))
  (i32.store offset=4 (local.get $list) (i32.const 0))
  (local.get $list))

;; R7 reply-to-cancel (`engine/changes.rs::void_after_reply`): every action sent after
;; `replied` of a message about the visit (the generated `$about_visit`) becomes a skip
;; `cancelled_by_reply`, where it was made.
(func $outcome.void_after (param $replied i64)
  (local $i i32) (local $r i32)
  (block $done
    (loop $each
      (br_if $done (i32.ge_u (local.get $i) (global.get $outcome.count)))
      (local.set $r
        (i32.add (global.get $outcome.records)
          (i32.mul (local.get $i) (i32.const @outcome.SIZE))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each
        (i32.ne (i32.load8_u offset=@outcome.TAG (local.get $r)) (i32.const @outcome.ACTION)))
      (br_if $each
        (i64.le_s (i64.load offset=@outcome.SEND_AT (local.get $r)) (local.get $replied)))
      (br_if $each
        (i32.eqz
          (call $about_visit (i32.load offset=@outcome.POLICY (local.get $r))
            (i32.load offset=@outcome.MESSAGE (local.get $r)))))
      (i32.store8 offset=@outcome.TAG (local.get $r) (i32.const @outcome.SKIP))
      (i32.store8 offset=@outcome.REASON (local.get $r) (i32.const @outcome.REASON_CANCELLED_BY_REPLY))
      (i32.store offset=@outcome.PARAM (local.get $r) (i32.const -1))
      (br $each))))

;; The address of record `i` of a list.
(func $outcome.slot (param $list i32) (param $i i32) (result i32)
  (i32.add (i32.add (local.get $list) (i32.const @outcome.HEADER))
    (i32.mul (local.get $i) (i32.const @outcome.SIZE))))
