;; core: the arena, strings, and the booking being evaluated.
;;
;; The generator defines `$core.heap_base` (the first byte after the plan's data and the
;; outcome records) and `$core.heap` (mutable, starting there).

;; Whether the next `alloc` empties the arena: set when `evaluate` returns, so that its
;; outcomes stay readable until the host asks for room for the next booking.
(global $core.fresh (mut i32) (i32.const 1))
;; The header of the booking being evaluated.
(global $core.booking (mut i32) (i32.const 0))

;; `size` bytes of the arena, 8-byte aligned, growing the memory when needed. Traps when the
;; memory cannot grow (the host's limit): the booking fails, never the host.
(func $core.alloc (param $size i32) (result i32)
  (local $at i32) (local $end i32) (local $pages i32)
  (if (global.get $core.fresh)
    (then
      (global.set $core.heap (global.get $core.heap_base))
      (global.set $core.fresh (i32.const 0))))
  (local.set $at
    (i32.and (i32.add (global.get $core.heap) (i32.const 7)) (i32.const -8)))
  (local.set $end (i32.add (local.get $at) (local.get $size)))
  ;; a size that wraps around the address space
  (if (i32.lt_u (local.get $end) (local.get $at)) (then unreachable))
  ;; pages needed beyond the memory's: ceil(end / 64 KiB) - memory.size
  (local.set $pages
    (i32.sub
      (i32.shr_u (i32.add (local.get $end) (i32.const 0xffff)) (i32.const 16))
      (memory.size)))
  (if (i32.gt_s (local.get $pages) (i32.const 0))
    (then
      (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1))
        (then unreachable))))
  (global.set $core.heap (local.get $end))
  (local.get $at))

;; Whether two byte strings are equal.
(func $core.eq (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (result i32)
  (local $i i32)
  (if (i32.ne (local.get $alen) (local.get $blen)) (then (return (i32.const 0))))
  ;; eight bytes at a time, then the rest one by one
  (block $done
    (loop $words
      (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $alen)))
      (if (i64.ne
            (i64.load (i32.add (local.get $a) (local.get $i)))
            (i64.load (i32.add (local.get $b) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $words)))
  (block $end
    (loop $bytes
      (br_if $end (i32.ge_u (local.get $i) (local.get $alen)))
      (if (i32.ne
            (i32.load8_u (i32.add (local.get $a) (local.get $i)))
            (i32.load8_u (i32.add (local.get $b) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $bytes)))
  (i32.const 1))

;; -1, 0 or 1 as `a` sorts before, with or after `b`: bytes compared in order, then lengths
;; (Rust's order of `str`, which is the order of code points).
(func $core.cmp (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (result i32)
  (local $i i32) (local $n i32) (local $x i32) (local $y i32)
  (local.set $n
    (select (local.get $alen) (local.get $blen)
      (i32.lt_u (local.get $alen) (local.get $blen))))
  (block $end
    (loop $bytes
      (br_if $end (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $x (i32.load8_u (i32.add (local.get $a) (local.get $i))))
      (local.set $y (i32.load8_u (i32.add (local.get $b) (local.get $i))))
      (if (i32.lt_u (local.get $x) (local.get $y)) (then (return (i32.const -1))))
      (if (i32.gt_u (local.get $x) (local.get $y)) (then (return (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $bytes)))
  (i32.sub
    (i32.gt_u (local.get $alen) (local.get $blen))
    (i32.lt_u (local.get $alen) (local.get $blen))))

;; A string of the booking by the offset of its field in the header: its address and length;
;; an absent string is empty at address 0.
(func $core.string (param $field i32) (result i32 i32)
  (local $at i32) (local $offset i32)
  (local.set $at (i32.add (global.get $core.booking) (local.get $field)))
  (local.set $offset (i32.load (local.get $at)))
  (if (i32.eq (local.get $offset) (i32.const -1))
    (then (return (i32.const 0) (i32.const 0))))
  (i32.add (global.get $core.booking) (local.get $offset))
  (i32.load offset=4 (local.get $at)))

;; Whether the booking has the string of this field.
(func $core.has (param $field i32) (result i32)
  (i32.ne
    (i32.load (i32.add (global.get $core.booking) (local.get $field)))
    (i32.const -1)))

;; Whether the booking's string of this field equals the bytes at `s`.
(func $core.string_is (param $field i32) (param $s i32) (param $len i32) (result i32)
  (call $core.eq (call $core.string (local.get $field)) (local.get $s) (local.get $len)))

;; An instant of the booking's header.
(func $core.instant (param $field i32) (result i64)
  (i64.load (i32.add (global.get $core.booking) (local.get $field))))

;; A byte of the booking's header.
(func $core.byte (param $field i32) (result i32)
  (i32.load8_u (i32.add (global.get $core.booking) (local.get $field))))

;; The word of an enumeration's value from its table of (address, length) pairs.
(func $core.word (param $table i32) (param $index i32) (result i32 i32)
  (local $at i32)
  (local.set $at (i32.add (local.get $table) (i32.shl (local.get $index) (i32.const 3))))
  (i32.load (local.get $at))
  (i32.load offset=4 (local.get $at)))

;; Copies `len` bytes from `src` to `dst` (ranges that do not overlap, or `dst` before `src`).
;; Written out rather than `memory.copy`, which wasmtime runs as a call into the host: for the
;; few dozen bytes of a name or a record, words are several times faster. From 8 bytes on, the
;; last word is copied where it ends, overlapping the words before it.
(func $core.copy (param $dst i32) (param $src i32) (param $len i32)
  (local $i i32) (local $last i32)
  (if (i32.lt_u (local.get $len) (i32.const 8))
    (then
      (block $done
        (loop $bytes
          (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
          (i32.store8 (i32.add (local.get $dst) (local.get $i))
            (i32.load8_u (i32.add (local.get $src) (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $bytes)))
      (return)))
  (local.set $last (i32.sub (local.get $len) (i32.const 8)))
  (i64.store (i32.add (local.get $dst) (local.get $last))
    (i64.load (i32.add (local.get $src) (local.get $last))))
  (block $done
    (loop $words
      (br_if $done (i32.ge_u (local.get $i) (local.get $last)))
      (i64.store (i32.add (local.get $dst) (local.get $i))
        (i64.load (i32.add (local.get $src) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $words))))
