;; Finds a literal of lower-case letters in bytes, in any mix of cases (caseless-find.ts says why and how it is used).
;;
;; Memory: the bytes to search at 0 (at most 65536, then 16 bytes of slack a vector load may read past the end), and
;; the literal (at most 16 bytes) at 65552. A letter and its upper case differ in bit 0x20 only, so a byte ORed with
;; 0x20 equals a lower-case letter exactly when it is that letter in either case. It reads 16 bytes at a time for the
;; literal's first letter, and compares the rest of the literal at each one found.
(module
  (memory (export "memory") 2)

  (global $LITERAL i32 (i32.const 65552))

  ;; Where the literal of `n` letters first starts in bytes [0, len), or -1.
  (func (export "find") (param $len i32) (param $n i32) (result i32)
    (local $i i32) (local $first v128) (local $fold v128) (local $m i32) (local $p i32) (local $k i32)
    (local.set $first (i8x16.splat (i32.load8_u (global.get $LITERAL))))
    (local.set $fold (i8x16.splat (i32.const 0x20)))
    (block $none
      (loop $chunk
        ;; No room left for the literal at or after $i.
        (br_if $none (i32.gt_s (i32.add (local.get $i) (local.get $n)) (local.get $len)))
        (local.set $m
          (i8x16.bitmask
            (i8x16.eq (v128.or (v128.load (local.get $i)) (local.get $fold)) (local.get $first))))
        (block $nextChunk
          (loop $candidate
            (br_if $nextChunk (i32.eqz (local.get $m)))
            (local.set $p (i32.add (local.get $i) (i32.ctz (local.get $m))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            ;; Candidates come in order: once one has no room, none after it has.
            (br_if $none (i32.gt_s (i32.add (local.get $p) (local.get $n)) (local.get $len)))
            (local.set $k (i32.const 1))
            (block $mismatch
              (loop $letter
                (if (i32.ge_u (local.get $k) (local.get $n)) (then (return (local.get $p))))
                (br_if $mismatch
                  (i32.ne
                    (i32.or (i32.load8_u (i32.add (local.get $p) (local.get $k))) (i32.const 0x20))
                    (i32.load8_u (i32.add (global.get $LITERAL) (local.get $k)))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $letter)))
            (br $candidate)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $chunk)))
    (i32.const -1))
)
