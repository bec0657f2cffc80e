;; key: the idempotency key of an action (`engine/keys.rs`): xxh3-128 of its parts, each
;; with its length in front as a little-endian u64, then the address's tag and value and the
;; start of the visit it belongs to.

;; Writes `len` as a u64 then the bytes at `s` to `at`; gives the next free byte.
(func $key.piece (param $at i32) (param $s i32) (param $len i32) (result i32)
  (i64.store (local.get $at) (i64.extend_i32_u (local.get $len)))
  (call $core.copy (i32.add (local.get $at) (i32.const 8)) (local.get $s) (local.get $len))
  (i32.add (local.get $at) (i32.add (local.get $len) (i32.const 8))))

;; Sets `$key.lo` and `$key.hi`. The strings are the policy's, the message's and the
;; trigger's names, the part's tag, the channel's and the recipient's words; `tag` is the
;; address's one-byte tag, `value` its text; `start` the visit's start the action belongs to.
(func $key.make
    (param $policy i32) (param $policy_len i32) (param $message i32) (param $message_len i32)
    (param $trigger i32) (param $trigger_len i32) (param $part i32) (param $part_len i32)
    (param $channel i32) (param $channel_len i32) (param $who i32) (param $who_len i32)
    (param $tag i32) (param $value i32) (param $value_len i32) (param $start i64)
  (local $buffer i32) (local $at i32) (local $id i32) (local $id_len i32)
  (local $patient i32) (local $patient_len i32)
  (call $core.string (i32.const @booking.ID))
  (local.set $id_len)
  (local.set $id)
  (call $core.string (i32.const @booking.PATIENT_ID))
  (local.set $patient_len)
  (local.set $patient)
  ;; nine length-prefixed pieces, the tag and the start; then 16 bytes for the hash
  (local.set $buffer
    (call $core.alloc
      (i32.add (i32.const 105)
        (i32.add
          (i32.add
            (i32.add (local.get $policy_len) (local.get $message_len))
            (i32.add (local.get $id_len) (local.get $trigger_len)))
          (i32.add
            (i32.add (local.get $part_len) (local.get $channel_len))
            (i32.add
              (i32.add (local.get $who_len) (local.get $patient_len))
              (local.get $value_len)))))))
  (local.set $at (call $key.piece (local.get $buffer) (local.get $policy) (local.get $policy_len)))
  (local.set $at (call $key.piece (local.get $at) (local.get $message) (local.get $message_len)))
  (local.set $at (call $key.piece (local.get $at) (local.get $id) (local.get $id_len)))
  (local.set $at (call $key.piece (local.get $at) (local.get $trigger) (local.get $trigger_len)))
  (local.set $at (call $key.piece (local.get $at) (local.get $part) (local.get $part_len)))
  (local.set $at (call $key.piece (local.get $at) (local.get $channel) (local.get $channel_len)))
  (local.set $at (call $key.piece (local.get $at) (local.get $who) (local.get $who_len)))
  (local.set $at (call $key.piece (local.get $at) (local.get $patient) (local.get $patient_len)))
  (i32.store8 (local.get $at) (local.get $tag))
  (local.set $at
    (call $key.piece (i32.add (local.get $at) (i32.const 1)) (local.get $value)
      (local.get $value_len)))
  (i64.store (local.get $at) (local.get $start))
  (local.set $at (i32.add (local.get $at) (i32.const 8)))
  (call $xxh3.hash128 (local.get $buffer) (i32.sub (local.get $at) (local.get $buffer))
    (local.get $at))
  (global.set $key.lo (i64.load (local.get $at)))
  (global.set $key.hi (i64.load offset=8 (local.get $at))))
