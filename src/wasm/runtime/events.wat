;; events: the first delivery event that answers an action (`EventIndex::first`): of `kind`,
;; about the action with this key or, for events without a key, about the same message,
;; channel and recipient at or after it was sent.

(func $events.first (param $kind i32) (param $lo i64) (param $hi i64) (param $message i32)
    (param $message_len i32) (param $channel i32) (param $who i32) (param $sent_at i64)
    (result i64)
  (local $e i32) (local $n i32) (local $first i64) (local $at i64) (local $matches i32)
  (local.set $first (i64.const @NONE_I64))
  (local.set $e
    (i32.add (global.get $core.booking)
      (i32.load offset=@booking.EVENTS (global.get $core.booking))))
  (local.set $n (i32.load offset=@booking.EVENT_COUNT (global.get $core.booking)))
  (block $done
    (loop $each
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $at (i64.load offset=@event.AT (local.get $e)))
      (if (i32.eq (i32.load8_u offset=@event.KIND (local.get $e)) (local.get $kind))
        (then
          (if (i32.load8_u offset=@event.HAS_KEY (local.get $e))
            (then
              (local.set $matches
                (i32.and
                  (i64.eq (i64.load offset=@event.KEY (local.get $e)) (local.get $lo))
                  (i64.eq (i64.load offset=@event.KEY+8 (local.get $e)) (local.get $hi)))))
            (else
              (local.set $matches
                (i32.and
                  (i32.and
                    (i32.eq (i32.load8_u offset=@event.CHANNEL (local.get $e)) (local.get $channel))
                    (i32.eq (i32.load8_u offset=@event.RECIPIENT (local.get $e)) (local.get $who)))
                  (i32.and
                    (i64.ge_s (local.get $at) (local.get $sent_at))
                    (call $core.eq
                      (i32.add (global.get $core.booking)
                        (i32.load offset=@event.MESSAGE (local.get $e)))
                      (i32.load offset=@event.MESSAGE+4 (local.get $e))
                      (local.get $message) (local.get $message_len)))))))
          (if (i32.and (local.get $matches)
                (i32.or
                  (i64.eq (local.get $first) (i64.const @NONE_I64))
                  (i64.lt_s (local.get $at) (local.get $first))))
            (then (local.set $first (local.get $at))))))
      (local.set $e (i32.add (local.get $e) (i32.const @event.SIZE)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $each)))
  (local.get $first))

;; The earliest event of `kind` about the booking (`EventIndex::about_booking`), or NONE_I64.
(func $events.about_booking (param $kind i32) (result i64)
  (local $e i32) (local $n i32) (local $first i64) (local $at i64)
  (local.set $first (i64.const @NONE_I64))
  (local.set $e
    (i32.add (global.get $core.booking)
      (i32.load offset=@booking.EVENTS (global.get $core.booking))))
  (local.set $n (i32.load offset=@booking.EVENT_COUNT (global.get $core.booking)))
  (block $done
    (loop $each
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $at (i64.load offset=@event.AT (local.get $e)))
      (if (i32.and
            (i32.eq (i32.load8_u offset=@event.KIND (local.get $e)) (local.get $kind))
            (i32.or
              (i64.eq (local.get $first) (i64.const @NONE_I64))
              (i64.lt_s (local.get $at) (local.get $first))))
        (then (local.set $first (local.get $at))))
      (local.set $e (i32.add (local.get $e) (i32.const @event.SIZE)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $each)))
  (local.get $first))

;; The earliest `reply` event whose word is `word` (already in upper case), or NONE_I64
;; (`EventIndex::first_reply`, one word at a time).
(func $events.reply (param $word i32) (param $len i32) (result i64)
  (local $e i32) (local $n i32) (local $first i64) (local $at i64)
  (local.set $first (i64.const @NONE_I64))
  (local.set $e
    (i32.add (global.get $core.booking)
      (i32.load offset=@booking.EVENTS (global.get $core.booking))))
  (local.set $n (i32.load offset=@booking.EVENT_COUNT (global.get $core.booking)))
  (block $done
    (loop $each
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $at (i64.load offset=@event.AT (local.get $e)))
      (if (i32.and
            (i32.and
              (i32.eq (i32.load8_u offset=@event.KIND (local.get $e)) (i32.const @event.KIND_REPLY))
              (call $core.eq
                (i32.add (global.get $core.booking)
                  (i32.load offset=@event.REPLY (local.get $e)))
                (i32.load offset=@event.REPLY+4 (local.get $e))
                (local.get $word) (local.get $len)))
            (i32.or
              (i64.eq (local.get $first) (i64.const @NONE_I64))
              (i64.lt_s (local.get $at) (local.get $first))))
        (then (local.set $first (local.get $at))))
      (local.set $e (i32.add (local.get $e) (i32.const @event.SIZE)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $each)))
  (local.get $first))

;; The earlier of two instants, either of which may be NONE_I64.
(func $events.earlier (param $a i64) (param $b i64) (result i64)
  (if (result i64) (i64.eq (local.get $a) (i64.const @NONE_I64))
    (then (local.get $b))
    (else
      (if (result i64) (i64.eq (local.get $b) (i64.const @NONE_I64))
        (then (local.get $a))
        (else (select (local.get $a) (local.get $b) (i64.lt_s (local.get $a) (local.get $b))))))))
