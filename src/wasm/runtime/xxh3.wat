;; xxh3-128 (XXH3_128bits: seed 0, default secret), byte for byte equal to
;; `xxhash_rust::xxh3::xxh3_128` and to the C reference `XXH3_128bits`.
;;
;; Entry point:
;;   $xxh3.hash128 (ptr len out): hashes the `len` bytes at `ptr` and writes the 128-bit
;;   result at `out`: the low 64 bits as a little-endian u64 at `out`, the high 64 bits at
;;   `out + 8` (read as a little-endian u128, the 16 bytes are `xxh3_128(bytes)`).
;;
;; Memory: reads the input and the 192-byte default secret (the `data` field below, at
;; `abi::memory::XXH3_SECRET` = 64); writes only the 16 bytes at `out`. No scratch memory:
;; every intermediate value, the eight accumulators of the long path included, is a local.
;;
;; Names follow the xxHash specification (doc/xxhash_spec.md) and the reference code:
;; PRIME32_n, PRIME64_n, mult64to128, mul128_fold64, mix16B, mix32B, XXH3_avalanche,
;; XXH64_avalanche, accumulate_512, scrambleAcc, mergeAccs. Since the seed is always 0,
;; the reference's `+ seed` / `- seed` terms are left out.
;;
;; Constants used below, as the reference names them:
;;   PRIME32_1 = 0x9E3779B1              PRIME64_1 = 0x9E3779B185EBCA87
;;   PRIME32_2 = 0x85EBCA77              PRIME64_2 = 0xC2B2AE3D27D4EB4F
;;   PRIME32_3 = 0xC2B2AE3D              PRIME64_3 = 0x165667B19E3779F9
;;   PRIME_MX1 = 0x165667919E3779F9      PRIME64_4 = 0x85EBCA77C2B2AE63
;;   PRIME_MX2 = 0x9FB21C651E98DF25      PRIME64_5 = 0x27D4EB2F165667C5
;;
;; WebAssembly loads may be unaligned and are little-endian, as the reference's
;; readLE32/readLE64 are.

;; The address of the default secret (abi::memory::XXH3_SECRET).
(global $xxh3.secret i32 (i32.const 64))

;; kSecret, the default secret, 192 bytes.
(data (i32.const 64)
  "\b8\fe\6c\39\23\a4\4b\be\7c\01\81\2c\f7\21\ad\1c"  ;; secret[0..16]
  "\de\d4\6d\e9\83\90\97\db\72\40\a4\a4\b7\b3\67\1f"  ;; secret[16..32]
  "\cb\79\e6\4e\cc\c0\e5\78\82\5a\d0\7d\cc\ff\72\21"  ;; secret[32..48]
  "\b8\08\46\74\f7\43\24\8e\e0\35\90\e6\81\3a\26\4c"  ;; secret[48..64]
  "\3c\28\52\bb\91\c3\00\cb\88\d0\65\8b\1b\53\2e\a3"  ;; secret[64..80]
  "\71\64\48\97\a2\0d\f9\4e\38\19\ef\46\a9\de\ac\d8"  ;; secret[80..96]
  "\a8\fa\76\3f\e3\9c\34\3f\f9\dc\bb\c7\c7\0b\4f\1d"  ;; secret[96..112]
  "\8a\51\e0\4b\cd\b4\59\31\c8\9f\7e\c9\d9\78\73\64"  ;; secret[112..128]
  "\ea\c5\ac\83\34\d3\eb\c3\c5\81\a0\ff\fa\13\63\eb"  ;; secret[128..144]
  "\17\0d\dd\51\b7\f0\da\49\d3\16\55\26\29\d4\68\9e"  ;; secret[144..160]
  "\2b\16\be\58\7d\47\a1\fc\8f\f8\b8\d1\7a\d0\31\ce"  ;; secret[160..176]
  "\45\cb\3a\8f\95\16\04\28\af\d7\fb\ca\bb\4b\40\7e"  ;; secret[176..192]
)

;; ---------------------------------------------------------------------------------------
;; Primitives
;; ---------------------------------------------------------------------------------------

;; mult64to128: the full 128-bit product of two u64, as (low, high). WebAssembly has no
;; 64x64->128 multiply, so this is the reference's portable version (XXH_mult64to128)
;; from four 32x32->64 products:
;;   a = a_hi * 2^32 + a_lo, b = b_hi * 2^32 + b_lo
;;   cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFF) + lo_hi     (cannot overflow 64 bits)
;;   high  = (hi_lo >> 32) + (cross >> 32) + hi_hi
;;   low   = (cross << 32) | (lo_lo & 0xFFFFFFFF)
(func $xxh3.mul128 (param $a i64) (param $b i64) (result i64 i64)
  (local $a_lo i64) (local $a_hi i64) (local $b_lo i64) (local $b_hi i64)
  (local $lo_lo i64) (local $hi_lo i64) (local $lo_hi i64) (local $cross i64)
  (local.set $a_lo (i64.and (local.get $a) (i64.const 0xFFFFFFFF)))
  (local.set $a_hi (i64.shr_u (local.get $a) (i64.const 32)))
  (local.set $b_lo (i64.and (local.get $b) (i64.const 0xFFFFFFFF)))
  (local.set $b_hi (i64.shr_u (local.get $b) (i64.const 32)))
  (local.set $lo_lo (i64.mul (local.get $a_lo) (local.get $b_lo)))
  (local.set $hi_lo (i64.mul (local.get $a_hi) (local.get $b_lo)))
  (local.set $lo_hi (i64.mul (local.get $a_lo) (local.get $b_hi)))
  (local.set $cross
    (i64.add
      (i64.add
        (i64.shr_u (local.get $lo_lo) (i64.const 32))
        (i64.and (local.get $hi_lo) (i64.const 0xFFFFFFFF)))
      (local.get $lo_hi)))
  ;; low
  (i64.or
    (i64.shl (local.get $cross) (i64.const 32))
    (i64.and (local.get $lo_lo) (i64.const 0xFFFFFFFF)))
  ;; high
  (i64.add
    (i64.add
      (i64.shr_u (local.get $hi_lo) (i64.const 32))
      (i64.shr_u (local.get $cross) (i64.const 32)))
    (i64.mul (local.get $a_hi) (local.get $b_hi)))
)

;; mul128_fold64: low ^ high of the 128-bit product.
(func $xxh3.mul_fold64 (param $a i64) (param $b i64) (result i64)
  (call $xxh3.mul128 (local.get $a) (local.get $b))
  (i64.xor)
)

;; XXH_swap32: byte swap of a u32.
(func $xxh3.bswap32 (param $x i32) (result i32)
  (i32.or
    (i32.or
      (i32.shl (local.get $x) (i32.const 24))
      (i32.shl (i32.and (local.get $x) (i32.const 0xFF00)) (i32.const 8)))
    (i32.or
      (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xFF00))
      (i32.shr_u (local.get $x) (i32.const 24))))
)

;; XXH_swap64: byte swap of a u64 (swap bytes within 16-bit pairs, then 16-bit halves
;; within 32-bit halves, then the two 32-bit halves).
(func $xxh3.bswap64 (param $x i64) (result i64)
  (local.set $x
    (i64.or
      (i64.and (i64.shr_u (local.get $x) (i64.const 8)) (i64.const 0x00FF00FF00FF00FF))
      (i64.shl (i64.and (local.get $x) (i64.const 0x00FF00FF00FF00FF)) (i64.const 8))))
  (local.set $x
    (i64.or
      (i64.and (i64.shr_u (local.get $x) (i64.const 16)) (i64.const 0x0000FFFF0000FFFF))
      (i64.shl (i64.and (local.get $x) (i64.const 0x0000FFFF0000FFFF)) (i64.const 16))))
  (i64.rotl (local.get $x) (i64.const 32))
)

;; XXH64_avalanche (used by the 0 and 1-3 byte classes).
(func $xxh3.xxh64_avalanche (param $h i64) (result i64)
  (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
  (local.set $h (i64.mul (local.get $h) (i64.const 0xC2B2AE3D27D4EB4F)))   ;; PRIME64_2
  (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 29))))
  (local.set $h (i64.mul (local.get $h) (i64.const 0x165667B19E3779F9)))   ;; PRIME64_3
  (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 32)))
)

;; XXH3_avalanche: xorshift 37, multiply by PRIME_MX1, xorshift 32.
(func $xxh3.avalanche (param $h i64) (result i64)
  (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 37))))
  (local.set $h (i64.mul (local.get $h) (i64.const 0x165667919E3779F9)))   ;; PRIME_MX1
  (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 32)))
)

;; XXH3_mix16B (seed 0): mul128_fold64(in[0..8] ^ sec[0..8], in[8..16] ^ sec[8..16]).
(func $xxh3.mix16 (param $in i32) (param $sec i32) (result i64)
  (call $xxh3.mul_fold64
    (i64.xor (i64.load (local.get $in)) (i64.load (local.get $sec)))
    (i64.xor (i64.load offset=8 (local.get $in)) (i64.load offset=8 (local.get $sec))))
)

;; XXH128_mix32B (seed 0): mixes two 16-byte inputs into the (low, high) accumulator pair.
;;   low  += mix16B(in1, sec);      low  ^= in2[0..8] + in2[8..16]
;;   high += mix16B(in2, sec + 16); high ^= in1[0..8] + in1[8..16]
(func $xxh3.mix32
  (param $lo i64) (param $hi i64) (param $in1 i32) (param $in2 i32) (param $sec i32)
  (result i64 i64)
  ;; low
  (i64.xor
    (i64.add (local.get $lo) (call $xxh3.mix16 (local.get $in1) (local.get $sec)))
    (i64.add (i64.load (local.get $in2)) (i64.load offset=8 (local.get $in2))))
  ;; high
  (i64.xor
    (i64.add
      (local.get $hi)
      (call $xxh3.mix16 (local.get $in2) (i32.add (local.get $sec) (i32.const 16))))
    (i64.add (i64.load (local.get $in1)) (i64.load offset=8 (local.get $in1))))
)

;; The final step shared by the 17-128 and 129-240 byte classes (seed 0):
;;   low  = XXH3_avalanche(acc.low + acc.high)
;;   high = 0 - XXH3_avalanche(acc.low * PRIME64_1 + acc.high * PRIME64_4
;;                             + len * PRIME64_2)
(func $xxh3.mid_final (param $lo i64) (param $hi i64) (param $len i32) (result i64 i64)
  (call $xxh3.avalanche (i64.add (local.get $lo) (local.get $hi)))
  (i64.sub
    (i64.const 0)
    (call $xxh3.avalanche
      (i64.add
        (i64.add
          (i64.mul (local.get $lo) (i64.const 0x9E3779B185EBCA87))          ;; PRIME64_1
          (i64.mul (local.get $hi) (i64.const 0x85EBCA77C2B2AE63)))         ;; PRIME64_4
        (i64.mul
          (i64.extend_i32_u (local.get $len))
          (i64.const 0xC2B2AE3D27D4EB4F)))))                                ;; PRIME64_2
)

;; ---------------------------------------------------------------------------------------
;; Length classes; each returns (low, high)
;; ---------------------------------------------------------------------------------------

;; XXH3_len_0to16_128b, empty input:
;;   low  = XXH64_avalanche(secret[64..72] ^ secret[72..80])
;;   high = XXH64_avalanche(secret[80..88] ^ secret[88..96])
(func $xxh3.len_0 (result i64 i64)
  (call $xxh3.xxh64_avalanche
    (i64.xor
      (i64.load offset=64 (global.get $xxh3.secret))
      (i64.load offset=72 (global.get $xxh3.secret))))
  (call $xxh3.xxh64_avalanche
    (i64.xor
      (i64.load offset=80 (global.get $xxh3.secret))
      (i64.load offset=88 (global.get $xxh3.secret))))
)

;; XXH3_len_1to3_128b:
;;   combinedl = c1 << 16 | c2 << 24 | c3 | len << 8   (c1 first byte, c2 middle, c3 last)
;;   combinedh = rotl32(swap32(combinedl), 13)
;;   low  = XXH64_avalanche(combinedl ^ (readLE32(secret) ^ readLE32(secret + 4)))
;;   high = XXH64_avalanche(combinedh ^ (readLE32(secret + 8) ^ readLE32(secret + 12)))
(func $xxh3.len_1to3 (param $ptr i32) (param $len i32) (result i64 i64)
  (local $combined_lo i32) (local $combined_hi i32)
  (local.set $combined_lo
    (i32.or
      (i32.or
        (i32.shl (i32.load8_u (local.get $ptr)) (i32.const 16))
        (i32.shl
          (i32.load8_u (i32.add (local.get $ptr) (i32.shr_u (local.get $len) (i32.const 1))))
          (i32.const 24)))
      (i32.or
        (i32.load8_u (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 1)))
        (i32.shl (local.get $len) (i32.const 8)))))
  (local.set $combined_hi
    (i32.rotl (call $xxh3.bswap32 (local.get $combined_lo)) (i32.const 13)))
  ;; low
  (call $xxh3.xxh64_avalanche
    (i64.xor
      (i64.extend_i32_u (local.get $combined_lo))
      (i64.extend_i32_u
        (i32.xor
          (i32.load (global.get $xxh3.secret))
          (i32.load offset=4 (global.get $xxh3.secret))))))
  ;; high
  (call $xxh3.xxh64_avalanche
    (i64.xor
      (i64.extend_i32_u (local.get $combined_hi))
      (i64.extend_i32_u
        (i32.xor
          (i32.load offset=8 (global.get $xxh3.secret))
          (i32.load offset=12 (global.get $xxh3.secret))))))
)

;; XXH3_len_4to8_128b:
;;   input64 = readLE32(input) + (readLE32(input + len - 4) << 32)
;;   keyed   = input64 ^ (readLE64(secret + 16) ^ readLE64(secret + 24))
;;   m128    = mult64to128(keyed, PRIME64_1 + (len << 2))
;;   m128.high += m128.low << 1
;;   m128.low  ^= m128.high >> 3
;;   m128.low   = xorshift(m128.low, 35) * PRIME_MX2
;;   m128.low   = xorshift(m128.low, 28)
;;   m128.high  = XXH3_avalanche(m128.high)
(func $xxh3.len_4to8 (param $ptr i32) (param $len i32) (result i64 i64)
  (local $keyed i64) (local $lo i64) (local $hi i64)
  (local.set $keyed
    (i64.xor
      (i64.add
        (i64.load32_u (local.get $ptr))
        (i64.shl
          (i64.load32_u (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 4)))
          (i64.const 32)))
      (i64.xor
        (i64.load offset=16 (global.get $xxh3.secret))
        (i64.load offset=24 (global.get $xxh3.secret)))))
  (call $xxh3.mul128
    (local.get $keyed)
    (i64.add
      (i64.const 0x9E3779B185EBCA87)                                        ;; PRIME64_1
      (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 2))))
  (local.set $hi)
  (local.set $lo)
  (local.set $hi (i64.add (local.get $hi) (i64.shl (local.get $lo) (i64.const 1))))
  (local.set $lo (i64.xor (local.get $lo) (i64.shr_u (local.get $hi) (i64.const 3))))
  (local.set $lo (i64.xor (local.get $lo) (i64.shr_u (local.get $lo) (i64.const 35))))
  (local.set $lo (i64.mul (local.get $lo) (i64.const 0x9FB21C651E98DF25)))  ;; PRIME_MX2
  (local.set $lo (i64.xor (local.get $lo) (i64.shr_u (local.get $lo) (i64.const 28))))
  (local.get $lo)
  (call $xxh3.avalanche (local.get $hi))
)

;; XXH3_len_9to16_128b:
;;   input_lo = readLE64(input), input_hi = readLE64(input + len - 8)
;;   m128 = mult64to128(input_lo ^ input_hi ^ (readLE64(secret + 32) ^ readLE64(secret + 40)),
;;                      PRIME64_1)
;;   m128.low  += (len - 1) << 54
;;   input_hi  ^= readLE64(secret + 48) ^ readLE64(secret + 56)
;;   m128.high += input_hi + mult32to64((u32)input_hi, PRIME32_2 - 1)
;;   m128.low  ^= swap64(m128.high)
;;   h128 = mult64to128(m128.low, PRIME64_2)
;;   h128.high += m128.high * PRIME64_2
;;   result = (XXH3_avalanche(h128.low), XXH3_avalanche(h128.high))
(func $xxh3.len_9to16 (param $ptr i32) (param $len i32) (result i64 i64)
  (local $input_lo i64) (local $input_hi i64)
  (local $m_lo i64) (local $m_hi i64) (local $h_lo i64) (local $h_hi i64)
  (local.set $input_lo (i64.load (local.get $ptr)))
  (local.set $input_hi
    (i64.load (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 8))))
  (call $xxh3.mul128
    (i64.xor
      (i64.xor (local.get $input_lo) (local.get $input_hi))
      (i64.xor
        (i64.load offset=32 (global.get $xxh3.secret))
        (i64.load offset=40 (global.get $xxh3.secret))))
    (i64.const 0x9E3779B185EBCA87))                                         ;; PRIME64_1
  (local.set $m_hi)
  (local.set $m_lo)
  (local.set $m_lo
    (i64.add
      (local.get $m_lo)
      (i64.shl
        (i64.extend_i32_u (i32.sub (local.get $len) (i32.const 1)))
        (i64.const 54))))
  (local.set $input_hi
    (i64.xor
      (local.get $input_hi)
      (i64.xor
        (i64.load offset=48 (global.get $xxh3.secret))
        (i64.load offset=56 (global.get $xxh3.secret)))))
  (local.set $m_hi
    (i64.add
      (local.get $m_hi)
      (i64.add
        (local.get $input_hi)
        ;; mult32to64((u32)input_hi, PRIME32_2 - 1)
        (i64.mul
          (i64.and (local.get $input_hi) (i64.const 0xFFFFFFFF))
          (i64.const 0x85EBCA76)))))
  (local.set $m_lo (i64.xor (local.get $m_lo) (call $xxh3.bswap64 (local.get $m_hi))))
  (call $xxh3.mul128 (local.get $m_lo) (i64.const 0xC2B2AE3D27D4EB4F))      ;; PRIME64_2
  (local.set $h_hi)
  (local.set $h_lo)
  (local.set $h_hi
    (i64.add
      (local.get $h_hi)
      (i64.mul (local.get $m_hi) (i64.const 0xC2B2AE3D27D4EB4F))))          ;; PRIME64_2
  (call $xxh3.avalanche (local.get $h_lo))
  (call $xxh3.avalanche (local.get $h_hi))
)

;; XXH3_len_17to128_128b:
;;   acc = (len * PRIME64_1, 0)
;;   if len > 32:
;;     if len > 64:
;;       if len > 96: acc = mix32B(acc, input + 48, input + len - 64, secret + 96)
;;       acc = mix32B(acc, input + 32, input + len - 48, secret + 64)
;;     acc = mix32B(acc, input + 16, input + len - 32, secret + 32)
;;   acc = mix32B(acc, input, input + len - 16, secret)
;;   then the shared final step ($xxh3.mid_final).
(func $xxh3.len_17to128 (param $ptr i32) (param $len i32) (result i64 i64)
  (local $lo i64) (local $hi i64) (local $end i32)
  (local.set $end (i32.add (local.get $ptr) (local.get $len)))
  (local.set $lo
    (i64.mul (i64.extend_i32_u (local.get $len)) (i64.const 0x9E3779B185EBCA87))) ;; PRIME64_1
  (if (i32.gt_u (local.get $len) (i32.const 32))
    (then
      (if (i32.gt_u (local.get $len) (i32.const 64))
        (then
          (if (i32.gt_u (local.get $len) (i32.const 96))
            (then
              (call $xxh3.mix32
                (local.get $lo) (local.get $hi)
                (i32.add (local.get $ptr) (i32.const 48))
                (i32.sub (local.get $end) (i32.const 64))
                (i32.add (global.get $xxh3.secret) (i32.const 96)))
              (local.set $hi)
              (local.set $lo)))
          (call $xxh3.mix32
            (local.get $lo) (local.get $hi)
            (i32.add (local.get $ptr) (i32.const 32))
            (i32.sub (local.get $end) (i32.const 48))
            (i32.add (global.get $xxh3.secret) (i32.const 64)))
          (local.set $hi)
          (local.set $lo)))
      (call $xxh3.mix32
        (local.get $lo) (local.get $hi)
        (i32.add (local.get $ptr) (i32.const 16))
        (i32.sub (local.get $end) (i32.const 32))
        (i32.add (global.get $xxh3.secret) (i32.const 32)))
      (local.set $hi)
      (local.set $lo)))
  (call $xxh3.mix32
    (local.get $lo) (local.get $hi)
    (local.get $ptr)
    (i32.sub (local.get $end) (i32.const 16))
    (global.get $xxh3.secret))
  (local.set $hi)
  (local.set $lo)
  (call $xxh3.mid_final (local.get $lo) (local.get $hi) (local.get $len))
)

;; XXH3_len_129to240_128b:
;;   acc = (len * PRIME64_1, 0)
;;   for i in 0..4:          acc = mix32B(acc, input + 32i, input + 32i + 16, secret + 32i)
;;   acc = (XXH3_avalanche(acc.low), XXH3_avalanche(acc.high))
;;   for i in 4..len / 32:   acc = mix32B(acc, input + 32i, input + 32i + 16,
;;                                        secret + XXH3_MIDSIZE_STARTOFFSET (3) + 32(i - 4))
;;   last 32 bytes:          acc = mix32B(acc, input + len - 16, input + len - 32,
;;                                        secret + XXH3_SECRET_SIZE_MIN (136)
;;                                               - XXH3_MIDSIZE_LASTOFFSET (17) - 16)
;;   then the shared final step ($xxh3.mid_final).
(func $xxh3.len_129to240 (param $ptr i32) (param $len i32) (result i64 i64)
  (local $lo i64) (local $hi i64) (local $end i32)
  (local $in i32) (local $sec i32) (local $rounds_end i32)
  (local.set $end (i32.add (local.get $ptr) (local.get $len)))
  (local.set $lo
    (i64.mul (i64.extend_i32_u (local.get $len)) (i64.const 0x9E3779B185EBCA87))) ;; PRIME64_1
  ;; The first four rounds: input + 32i with secret + 32i.
  (local.set $in (local.get $ptr))
  (local.set $sec (global.get $xxh3.secret))
  (loop $first
    (call $xxh3.mix32
      (local.get $lo) (local.get $hi)
      (local.get $in)
      (i32.add (local.get $in) (i32.const 16))
      (local.get $sec))
    (local.set $hi)
    (local.set $lo)
    (local.set $in (i32.add (local.get $in) (i32.const 32)))
    (local.set $sec (i32.add (local.get $sec) (i32.const 32)))
    (br_if $first (i32.lt_u (local.get $in) (i32.add (local.get $ptr) (i32.const 128)))))
  (local.set $lo (call $xxh3.avalanche (local.get $lo)))
  (local.set $hi (call $xxh3.avalanche (local.get $hi)))
  ;; Rounds i = 4 .. len / 32 (none when len < 160): input + 32i with secret + 3 + 32(i - 4).
  ;; `$in` is input + 128 here.
  (local.set $rounds_end
    (i32.add
      (local.get $ptr)
      (i32.and (local.get $len) (i32.const -32))))  ;; input + 32 * (len / 32)
  (local.set $sec (i32.add (global.get $xxh3.secret) (i32.const 3)))
  (block $rounds_done
    (loop $rounds
      (br_if $rounds_done (i32.ge_u (local.get $in) (local.get $rounds_end)))
      (call $xxh3.mix32
        (local.get $lo) (local.get $hi)
        (local.get $in)
        (i32.add (local.get $in) (i32.const 16))
        (local.get $sec))
      (local.set $hi)
      (local.set $lo)
      (local.set $in (i32.add (local.get $in) (i32.const 32)))
      (local.set $sec (i32.add (local.get $sec) (i32.const 32)))
      (br $rounds)))
  ;; The last 32 bytes, halves swapped, with secret + 103.
  (call $xxh3.mix32
    (local.get $lo) (local.get $hi)
    (i32.sub (local.get $end) (i32.const 16))
    (i32.sub (local.get $end) (i32.const 32))
    (i32.add (global.get $xxh3.secret) (i32.const 103)))
  (local.set $hi)
  (local.set $lo)
  (call $xxh3.mid_final (local.get $lo) (local.get $hi) (local.get $len))
)

;; XXH3_mergeAccs: result = start + sum over i in 0..4 of
;;   mul128_fold64(acc[2i] ^ readLE64(sec + 16i), acc[2i + 1] ^ readLE64(sec + 16i + 8)),
;; then XXH3_avalanche(result).
(func $xxh3.merge_accs
  (param $a0 i64) (param $a1 i64) (param $a2 i64) (param $a3 i64)
  (param $a4 i64) (param $a5 i64) (param $a6 i64) (param $a7 i64)
  (param $sec i32) (param $start i64)
  (result i64)
  (call $xxh3.avalanche
    (i64.add
      (i64.add
        (i64.add
          (local.get $start)
          (call $xxh3.mul_fold64
            (i64.xor (local.get $a0) (i64.load offset=0 (local.get $sec)))
            (i64.xor (local.get $a1) (i64.load offset=8 (local.get $sec)))))
        (call $xxh3.mul_fold64
          (i64.xor (local.get $a2) (i64.load offset=16 (local.get $sec)))
          (i64.xor (local.get $a3) (i64.load offset=24 (local.get $sec)))))
      (i64.add
        (call $xxh3.mul_fold64
          (i64.xor (local.get $a4) (i64.load offset=32 (local.get $sec)))
          (i64.xor (local.get $a5) (i64.load offset=40 (local.get $sec))))
        (call $xxh3.mul_fold64
          (i64.xor (local.get $a6) (i64.load offset=48 (local.get $sec)))
          (i64.xor (local.get $a7) (i64.load offset=56 (local.get $sec)))))))
)

;; XXH3_hashLong_128b (len > 240), with the default secret (192 bytes):
;;   nbStripesPerBlock = (192 - STRIPE_LEN (64)) / SECRET_CONSUME_RATE (8) = 16
;;   block_len = 64 * 16 = 1024, nb_blocks = (len - 1) / 1024
;;   for each block:            16 x accumulate_512(acc, stripe n, secret + 8n)
;;                              then scrambleAcc(acc, secret + 192 - 64)
;;   last partial block:        ((len - 1) - 1024 * nb_blocks) / 64 stripes, likewise
;;   last stripe:               accumulate_512(acc, input + len - 64,
;;                                             secret + 192 - 64 - XXH_SECRET_LASTACC_START (7))
;;   low  = mergeAccs(acc, secret + XXH_SECRET_MERGEACCS_START (11), len * PRIME64_1)
;;   high = mergeAccs(acc, secret + 192 - 64 - 11, ~(len * PRIME64_2))
;;
;; The blocks and the partial block together are stripes i = 0 .. (len - 1) / 64 - 1 at
;; input + 64i, each with secret + 8 * (i mod 16), and a scramble after every stripe with
;; i mod 16 = 15 (exactly the ends of full blocks: a partial block has at most 15 stripes).
;; One loop does them all, and one more iteration (i = (len - 1) / 64) does the last stripe,
;; so that accumulate_512 is written once. The eight accumulators are locals $a0..$a7.
;;
;; accumulate_512, for each lane j in 0..8:
;;   data_val = readLE64(stripe + 8j), data_key = data_val ^ readLE64(secret + 8j)
;;   acc[j ^ 1] += data_val
;;   acc[j]     += (data_key & 0xFFFFFFFF) * (data_key >> 32)
;; scrambleAcc, for each lane j:
;;   acc[j] = (acc[j] ^ (acc[j] >> 47) ^ readLE64(secret + 8j)) * PRIME32_1
(func $xxh3.hash_long (param $ptr i32) (param $len i32) (result i64 i64)
  (local $a0 i64) (local $a1 i64) (local $a2 i64) (local $a3 i64)
  (local $a4 i64) (local $a5 i64) (local $a6 i64) (local $a7 i64)
  (local $val i64) (local $key i64)
  (local $i i32) (local $stripes i32) (local $in i32) (local $sec i32) (local $scr i32)
  ;; XXH3_INIT_ACC
  (local.set $a0 (i64.const 0xC2B2AE3D))                 ;; PRIME32_3
  (local.set $a1 (i64.const 0x9E3779B185EBCA87))         ;; PRIME64_1
  (local.set $a2 (i64.const 0xC2B2AE3D27D4EB4F))         ;; PRIME64_2
  (local.set $a3 (i64.const 0x165667B19E3779F9))         ;; PRIME64_3
  (local.set $a4 (i64.const 0x85EBCA77C2B2AE63))         ;; PRIME64_4
  (local.set $a5 (i64.const 0x85EBCA77))                 ;; PRIME32_2
  (local.set $a6 (i64.const 0x27D4EB2F165667C5))         ;; PRIME64_5
  (local.set $a7 (i64.const 0x9E3779B1))                 ;; PRIME32_1
  ;; Stripes of the blocks and of the last partial block: (len - 1) / 64.
  (local.set $stripes (i32.shr_u (i32.sub (local.get $len) (i32.const 1)) (i32.const 6)))
  ;; The scramble's secret: secret + 192 - 64.
  (local.set $scr (i32.add (global.get $xxh3.secret) (i32.const 128)))
  (block $done
    (loop $stripe
      (if (i32.lt_u (local.get $i) (local.get $stripes))
        (then
          ;; stripe i of the blocks: input + 64i, secret + 8 * (i mod 16)
          (local.set $in (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 6))))
          (local.set $sec
            (i32.add
              (global.get $xxh3.secret)
              (i32.shl (i32.and (local.get $i) (i32.const 15)) (i32.const 3)))))
        (else
          ;; the last stripe: input + len - 64, secret + 192 - 64 - 7
          (local.set $in (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 64)))
          (local.set $sec (i32.add (global.get $xxh3.secret) (i32.const 121)))))

      ;; accumulate_512
      ;; lane 0
      (local.set $val (i64.load offset=0 (local.get $in)))
      (local.set $key (i64.xor (local.get $val) (i64.load offset=0 (local.get $sec))))
      (local.set $a1 (i64.add (local.get $a1) (local.get $val)))
      (local.set $a0
        (i64.add (local.get $a0)
          (i64.mul
            (i64.and (local.get $key) (i64.const 0xFFFFFFFF))
            (i64.shr_u (local.get $key) (i64.const 32)))))
      ;; lane 1
      (local.set $val (i64.load offset=8 (local.get $in)))
      (local.set $key (i64.xor (local.get $val) (i64.load offset=8 (local.get $sec))))
      (local.set $a0 (i64.add (local.get $a0) (local.get $val)))
      (local.set $a1
        (i64.add (local.get $a1)
          (i64.mul
            (i64.and (local.get $key) (i64.const 0xFFFFFFFF))
            (i64.shr_u (local.get $key) (i64.const 32)))))
      ;; lane 2
      (local.set $val (i64.load offset=16 (local.get $in)))
      (local.set $key (i64.xor (local.get $val) (i64.load offset=16 (local.get $sec))))
      (local.set $a3 (i64.add (local.get $a3) (local.get $val)))
      (local.set $a2
        (i64.add (local.get $a2)
          (i64.mul
            (i64.and (local.get $key) (i64.const 0xFFFFFFFF))
            (i64.shr_u (local.get $key) (i64.const 32)))))
      ;; lane 3
      (local.set $val (i64.load offset=24 (local.get $in)))
      (local.set $key (i64.xor (local.get $val) (i64.load offset=24 (local.get $sec))))
      (local.set $a2 (i64.add (local.get $a2) (local.get $val)))
      (local.set $a3
        (i64.add (local.get $a3)
          (i64.mul
            (i64.and (local.get $key) (i64.const 0xFFFFFFFF))
            (i64.shr_u (local.get $key) (i64.const 32)))))
      ;; lane 4
      (local.set $val (i64.load offset=32 (local.get $in)))
      (local.set $key (i64.xor (local.get $val) (i64.load offset=32 (local.get $sec))))
      (local.set $a5 (i64.add (local.get $a5) (local.get $val)))
      (local.set $a4
        (i64.add (local.get $a4)
          (i64.mul
            (i64.and (local.get $key) (i64.const 0xFFFFFFFF))
            (i64.shr_u (local.get $key) (i64.const 32)))))
      ;; lane 5
      (local.set $val (i64.load offset=40 (local.get $in)))
      (local.set $key (i64.xor (local.get $val) (i64.load offset=40 (local.get $sec))))
      (local.set $a4 (i64.add (local.get $a4) (local.get $val)))
      (local.set $a5
        (i64.add (local.get $a5)
          (i64.mul
            (i64.and (local.get $key) (i64.const 0xFFFFFFFF))
            (i64.shr_u (local.get $key) (i64.const 32)))))
      ;; lane 6
      (local.set $val (i64.load offset=48 (local.get $in)))
      (local.set $key (i64.xor (local.get $val) (i64.load offset=48 (local.get $sec))))
      (local.set $a7 (i64.add (local.get $a7) (local.get $val)))
      (local.set $a6
        (i64.add (local.get $a6)
          (i64.mul
            (i64.and (local.get $key) (i64.const 0xFFFFFFFF))
            (i64.shr_u (local.get $key) (i64.const 32)))))
      ;; lane 7
      (local.set $val (i64.load offset=56 (local.get $in)))
      (local.set $key (i64.xor (local.get $val) (i64.load offset=56 (local.get $sec))))
      (local.set $a6 (i64.add (local.get $a6) (local.get $val)))
      (local.set $a7
        (i64.add (local.get $a7)
          (i64.mul
            (i64.and (local.get $key) (i64.const 0xFFFFFFFF))
            (i64.shr_u (local.get $key) (i64.const 32)))))

      ;; The last stripe was just accumulated: no scramble after it.
      (br_if $done (i32.eq (local.get $i) (local.get $stripes)))

      ;; scrambleAcc at the end of each full block (stripe 15 of 16)
      (if (i32.eq (i32.and (local.get $i) (i32.const 15)) (i32.const 15))
        (then
          (local.set $a0
            (i64.mul
              (i64.xor
                (i64.xor (local.get $a0) (i64.shr_u (local.get $a0) (i64.const 47)))
                (i64.load offset=0 (local.get $scr)))
              (i64.const 0x9E3779B1)))                   ;; PRIME32_1
          (local.set $a1
            (i64.mul
              (i64.xor
                (i64.xor (local.get $a1) (i64.shr_u (local.get $a1) (i64.const 47)))
                (i64.load offset=8 (local.get $scr)))
              (i64.const 0x9E3779B1)))
          (local.set $a2
            (i64.mul
              (i64.xor
                (i64.xor (local.get $a2) (i64.shr_u (local.get $a2) (i64.const 47)))
                (i64.load offset=16 (local.get $scr)))
              (i64.const 0x9E3779B1)))
          (local.set $a3
            (i64.mul
              (i64.xor
                (i64.xor (local.get $a3) (i64.shr_u (local.get $a3) (i64.const 47)))
                (i64.load offset=24 (local.get $scr)))
              (i64.const 0x9E3779B1)))
          (local.set $a4
            (i64.mul
              (i64.xor
                (i64.xor (local.get $a4) (i64.shr_u (local.get $a4) (i64.const 47)))
                (i64.load offset=32 (local.get $scr)))
              (i64.const 0x9E3779B1)))
          (local.set $a5
            (i64.mul
              (i64.xor
                (i64.xor (local.get $a5) (i64.shr_u (local.get $a5) (i64.const 47)))
                (i64.load offset=40 (local.get $scr)))
              (i64.const 0x9E3779B1)))
          (local.set $a6
            (i64.mul
              (i64.xor
                (i64.xor (local.get $a6) (i64.shr_u (local.get $a6) (i64.const 47)))
                (i64.load offset=48 (local.get $scr)))
              (i64.const 0x9E3779B1)))
          (local.set $a7
            (i64.mul
              (i64.xor
                (i64.xor (local.get $a7) (i64.shr_u (local.get $a7) (i64.const 47)))
                (i64.load offset=56 (local.get $scr)))
              (i64.const 0x9E3779B1)))))

      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $stripe)))

  ;; XXH3_mergeAccs, low then high
  (call $xxh3.merge_accs
    (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)
    (local.get $a4) (local.get $a5) (local.get $a6) (local.get $a7)
    (i32.add (global.get $xxh3.secret) (i32.const 11))
    (i64.mul (i64.extend_i32_u (local.get $len)) (i64.const 0x9E3779B185EBCA87))) ;; PRIME64_1
  (call $xxh3.merge_accs
    (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)
    (local.get $a4) (local.get $a5) (local.get $a6) (local.get $a7)
    (i32.add (global.get $xxh3.secret) (i32.const 117))
    (i64.xor
      (i64.mul (i64.extend_i32_u (local.get $len)) (i64.const 0xC2B2AE3D27D4EB4F)) ;; PRIME64_2
      (i64.const -1)))
)

;; ---------------------------------------------------------------------------------------
;; Entry point
;; ---------------------------------------------------------------------------------------

;; XXH3_128bits: dispatch on the length (XXH3_128bits_internal, XXH3_len_0to16_128b), then
;; store (low, high) at `out` as two little-endian u64.
(func $xxh3.hash128 (param $ptr i32) (param $len i32) (param $out i32)
  (local $lo i64) (local $hi i64)
  (if (result i64 i64) (i32.le_u (local.get $len) (i32.const 16))
    (then
      (if (result i64 i64) (i32.gt_u (local.get $len) (i32.const 8))
        (then (call $xxh3.len_9to16 (local.get $ptr) (local.get $len)))
        (else
          (if (result i64 i64) (i32.ge_u (local.get $len) (i32.const 4))
            (then (call $xxh3.len_4to8 (local.get $ptr) (local.get $len)))
            (else
              (if (result i64 i64) (i32.ne (local.get $len) (i32.const 0))
                (then (call $xxh3.len_1to3 (local.get $ptr) (local.get $len)))
                (else (call $xxh3.len_0))))))))
    (else
      (if (result i64 i64) (i32.le_u (local.get $len) (i32.const 128))
        (then (call $xxh3.len_17to128 (local.get $ptr) (local.get $len)))
        (else
          (if (result i64 i64) (i32.le_u (local.get $len) (i32.const 240)) ;; XXH3_MIDSIZE_MAX
            (then (call $xxh3.len_129to240 (local.get $ptr) (local.get $len)))
            (else (call $xxh3.hash_long (local.get $ptr) (local.get $len))))))))
  (local.set $hi)
  (local.set $lo)
  (i64.store (local.get $out) (local.get $lo))
  (i64.store offset=8 (local.get $out) (local.get $hi))
)
