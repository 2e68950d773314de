;; The hot loops of a PostgreSQL backup and restore, in WebAssembly. `rows`: the CopyData
;; messages of one socket read are parsed, each row is hashed with MurmurHash3_x86_128 (seed 0,
;; as row-hash.ts, the lifeboat-postgres-v2 checksum), the hashes are summed modulo 2^128, and
;; the row bytes are moved down over the message headers. `lines`: the same checksum of the
;; newline-ended lines of a COPY block as a restore sends them. The same work in JavaScript took
;; three times as long: a DataView call per word, bounds checks, a call and a copy per row.
;;
;; Source of postgres-copy-rows-wasm.ts: `node scripts/build-wasm.mjs` writes it, and a test
;; checks that it is this file's compilation.
(module
  (memory (export "memory") 2)
  ;; The sum of the row hashes of the last call, as the 128-bit number hi·2^64 + lo.
  (global $sumHi (export "sumHi") (mut i64) (i64.const 0))
  (global $sumLo (export "sumLo") (mut i64) (i64.const 0))
  (global $rows (export "rowCount") (mut i32) (i32.const 0))
  ;; Where the compacted row bytes of the last call end.
  (global $out (export "out") (mut i32) (i32.const 0))
  ;; 1 when the last call stopped at a row without its newline.
  (global $bad (export "bad") (mut i32) (i32.const 0))

  (func $fmix (param $h i32) (result i32)
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0x85ebca6b)))
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0xc2b2ae35)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  ;; The low n bytes (0-4) of the little-endian word at p; reads up to 3 bytes past the range,
  ;; which the caller keeps inside memory.
  (func $partial (param $p i32) (param $n i32) (result i32)
    (if (result i32) (i32.ge_u (local.get $n) (i32.const 4))
      (then (i32.load (local.get $p)))
      (else
        (i32.and (i32.load (local.get $p))
          (i32.sub (i32.shl (i32.const 1) (i32.shl (local.get $n) (i32.const 3))) (i32.const 1))))))

  ;; MurmurHash3_x86_128 of [p, p+len), seed 0; adds h1·2^96 + h2·2^64 + h3·2^32 + h4 to the sum.
  (func $hash (param $p i32) (param $len i32)
    (local $h1 i32) (local $h2 i32) (local $h3 i32) (local $h4 i32)
    (local $k1 i32) (local $k2 i32) (local $k3 i32) (local $k4 i32)
    (local $end i32) (local $tail i32) (local $lo i64) (local $hi i64) (local $sum i64)
    (local.set $end (i32.add (local.get $p) (i32.and (local.get $len) (i32.const -16))))
    (block $done
      (loop $body
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $k1 (i32.load (local.get $p)))
        (local.set $k2 (i32.load offset=4 (local.get $p)))
        (local.set $k3 (i32.load offset=8 (local.get $p)))
        (local.set $k4 (i32.load offset=12 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $h1 (i32.xor (local.get $h1)
          (i32.mul (i32.rotl (i32.mul (local.get $k1) (i32.const 0x239b961b)) (i32.const 15)) (i32.const 0xab0e9789))))
        (local.set $h1 (i32.add (i32.mul (i32.add (i32.rotl (local.get $h1) (i32.const 19)) (local.get $h2)) (i32.const 5)) (i32.const 0x561ccd1b)))
        (local.set $h2 (i32.xor (local.get $h2)
          (i32.mul (i32.rotl (i32.mul (local.get $k2) (i32.const 0xab0e9789)) (i32.const 16)) (i32.const 0x38b34ae5))))
        (local.set $h2 (i32.add (i32.mul (i32.add (i32.rotl (local.get $h2) (i32.const 17)) (local.get $h3)) (i32.const 5)) (i32.const 0x0bcaa747)))
        (local.set $h3 (i32.xor (local.get $h3)
          (i32.mul (i32.rotl (i32.mul (local.get $k3) (i32.const 0x38b34ae5)) (i32.const 17)) (i32.const 0xa1e38b93))))
        (local.set $h3 (i32.add (i32.mul (i32.add (i32.rotl (local.get $h3) (i32.const 15)) (local.get $h4)) (i32.const 5)) (i32.const 0x96cd1c35)))
        (local.set $h4 (i32.xor (local.get $h4)
          (i32.mul (i32.rotl (i32.mul (local.get $k4) (i32.const 0xa1e38b93)) (i32.const 18)) (i32.const 0x239b961b))))
        (local.set $h4 (i32.add (i32.mul (i32.add (i32.rotl (local.get $h4) (i32.const 13)) (local.get $h1)) (i32.const 5)) (i32.const 0x32ac3b17)))
        (br $body)))
    (local.set $tail (i32.and (local.get $len) (i32.const 15)))
    (if (i32.gt_u (local.get $tail) (i32.const 12))
      (then
        (local.set $h4 (i32.xor (local.get $h4)
          (i32.mul (i32.rotl (i32.mul
            (call $partial (i32.add (local.get $p) (i32.const 12)) (i32.sub (local.get $tail) (i32.const 12)))
            (i32.const 0xa1e38b93)) (i32.const 18)) (i32.const 0x239b961b))))))
    (if (i32.gt_u (local.get $tail) (i32.const 8))
      (then
        (local.set $h3 (i32.xor (local.get $h3)
          (i32.mul (i32.rotl (i32.mul
            (call $partial (i32.add (local.get $p) (i32.const 8)) (i32.sub (local.get $tail) (i32.const 8)))
            (i32.const 0x38b34ae5)) (i32.const 17)) (i32.const 0xa1e38b93))))))
    (if (i32.gt_u (local.get $tail) (i32.const 4))
      (then
        (local.set $h2 (i32.xor (local.get $h2)
          (i32.mul (i32.rotl (i32.mul
            (call $partial (i32.add (local.get $p) (i32.const 4)) (i32.sub (local.get $tail) (i32.const 4)))
            (i32.const 0xab0e9789)) (i32.const 16)) (i32.const 0x38b34ae5))))))
    (if (i32.gt_u (local.get $tail) (i32.const 0))
      (then
        (local.set $h1 (i32.xor (local.get $h1)
          (i32.mul (i32.rotl (i32.mul
            (call $partial (local.get $p) (local.get $tail))
            (i32.const 0x239b961b)) (i32.const 15)) (i32.const 0xab0e9789))))))
    (local.set $h1 (i32.xor (local.get $h1) (local.get $len)))
    (local.set $h2 (i32.xor (local.get $h2) (local.get $len)))
    (local.set $h3 (i32.xor (local.get $h3) (local.get $len)))
    (local.set $h4 (i32.xor (local.get $h4) (local.get $len)))
    (local.set $h1 (i32.add (i32.add (i32.add (local.get $h1) (local.get $h2)) (local.get $h3)) (local.get $h4)))
    (local.set $h2 (i32.add (local.get $h2) (local.get $h1)))
    (local.set $h3 (i32.add (local.get $h3) (local.get $h1)))
    (local.set $h4 (i32.add (local.get $h4) (local.get $h1)))
    (local.set $h1 (call $fmix (local.get $h1)))
    (local.set $h2 (call $fmix (local.get $h2)))
    (local.set $h3 (call $fmix (local.get $h3)))
    (local.set $h4 (call $fmix (local.get $h4)))
    (local.set $h1 (i32.add (i32.add (i32.add (local.get $h1) (local.get $h2)) (local.get $h3)) (local.get $h4)))
    (local.set $h2 (i32.add (local.get $h2) (local.get $h1)))
    (local.set $h3 (i32.add (local.get $h3) (local.get $h1)))
    (local.set $h4 (i32.add (local.get $h4) (local.get $h1)))
    ;; sum += (h1:h2):(h3:h4), with the carry out of the low 64 bits
    (local.set $lo (i64.or (i64.shl (i64.extend_i32_u (local.get $h3)) (i64.const 32)) (i64.extend_i32_u (local.get $h4))))
    (local.set $hi (i64.or (i64.shl (i64.extend_i32_u (local.get $h1)) (i64.const 32)) (i64.extend_i32_u (local.get $h2))))
    (local.set $sum (i64.add (global.get $sumLo) (local.get $lo)))
    (global.set $sumHi (i64.add (i64.add (global.get $sumHi) (local.get $hi))
      (i64.extend_i32_u (i64.lt_u (local.get $sum) (local.get $lo)))))
    (global.set $sumLo (local.get $sum)))

  ;; Parses the CopyData messages ('d', big-endian length, row with its newline) that lie whole
  ;; in [p, end); hashes each row without its newline; with keep, moves the rows down to start
  ;; at `out` (out <= p). Stops at anything else, or at a message cut by `end`, and returns
  ;; where. Resets the sum, the row count and `bad` first.
  (func (export "rows") (param $p i32) (param $end i32) (param $out i32) (param $keep i32) (result i32)
    (local $len i32) (local $s i32) (local $e i32)
    (global.set $sumHi (i64.const 0))
    (global.set $sumLo (i64.const 0))
    (global.set $rows (i32.const 0))
    (global.set $bad (i32.const 0))
    (block $stop
      (loop $next
        (br_if $stop (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 5)))
        (br_if $stop (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x64)))
        (local.set $len (i32.sub
          (i32.or (i32.or (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 24))
                          (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 16)))
                  (i32.or (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 8))
                          (i32.load8_u offset=4 (local.get $p))))
          (i32.const 4)))
        (local.set $s (i32.add (local.get $p) (i32.const 5)))
        (br_if $stop (i32.gt_u (local.get $len) (i32.sub (local.get $end) (local.get $s))))
        (local.set $e (i32.add (local.get $s) (local.get $len)))
        (if (i32.or (i32.eqz (local.get $len)) (i32.ne (i32.load8_u (i32.sub (local.get $e) (i32.const 1))) (i32.const 0x0a)))
          (then (global.set $bad (i32.const 1)) (br $stop)))
        (call $hash (local.get $s) (i32.sub (local.get $len) (i32.const 1)))
        (global.set $rows (i32.add (global.get $rows) (i32.const 1)))
        (if (local.get $keep)
          (then
            (memory.copy (local.get $out) (local.get $s) (local.get $len))
            (local.set $out (i32.add (local.get $out) (local.get $len)))))
        (local.set $p (local.get $e))
        (br $next)))
    (global.set $out (local.get $out))
    (local.get $p))
;; Position of the first newline in [q, end), or end: eight bytes at a time (a zero byte
  ;; of x ^ 0x0a.. is a newline; the lowest flagged byte of the borrow trick is always a true one).
  (func $newline (param $q i32) (param $end i32) (result i32)
    (local $x i64)
    (block $bytes
      (loop $words
        (br_if $bytes (i32.gt_u (i32.add (local.get $q) (i32.const 8)) (local.get $end)))
        (local.set $x (i64.xor (i64.load (local.get $q)) (i64.const 0x0a0a0a0a0a0a0a0a)))
        (local.set $x (i64.and
          (i64.and (i64.sub (local.get $x) (i64.const 0x0101010101010101))
                   (i64.xor (local.get $x) (i64.const -1)))
          (i64.const 0x8080808080808080)))
        (if (i64.ne (local.get $x) (i64.const 0))
          (then (return (i32.add (local.get $q)
            (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $x)) (i64.const 3)))))))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (br $words)))
    (block $none
      (loop $byte
        (br_if $none (i32.ge_u (local.get $q) (local.get $end)))
        (if (i32.eq (i32.load8_u (local.get $q)) (i32.const 0x0a)) (then (return (local.get $q))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $byte)))
    (local.get $end))

  ;; Hashes every newline-ended line in [p, end) without its newline (and without the \r of a
  ;; CRLF end) into the sum; returns where the last such line ends (the rest is a cut line).
  ;; Resets the sum and the row count first.
  (func (export "lines") (param $p i32) (param $end i32) (result i32)
    (local $nl i32) (local $len i32)
    (global.set $sumHi (i64.const 0))
    (global.set $sumLo (i64.const 0))
    (global.set $rows (i32.const 0))
    (block $stop
      (loop $next
        (local.set $nl (call $newline (local.get $p) (local.get $end)))
        (br_if $stop (i32.ge_u (local.get $nl) (local.get $end)))
        (local.set $len (i32.sub (local.get $nl) (local.get $p)))
        ;; Two ifs: i32.and would load the byte before an empty line at the start of memory.
        (if (local.get $len)
          (then
            (if (i32.eq (i32.load8_u (i32.sub (local.get $nl) (i32.const 1))) (i32.const 0x0d))
              (then (local.set $len (i32.sub (local.get $len) (i32.const 1)))))))
        (call $hash (local.get $p) (local.get $len))
        (global.set $rows (i32.add (global.get $rows) (i32.const 1)))
        (local.set $p (i32.add (local.get $nl) (i32.const 1)))
        (br $next)))
    (local.get $p))
)
