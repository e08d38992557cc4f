;; Finds where the elements of a JSON array start and end (element-splitter.ts says why and how it is used).
;;
;; Memory: the bytes to scan at 0 (at most 65536, then 16 bytes of slack a vector load may read past the end), the
;; state at 65568 (eight i32: in element, depth, in string, escaped, bare scalar, element start, close, pairs), and
;; the [start, end) offsets of the elements that end here at 65600. An element that started before these bytes has
;; start -1. `close` is where the array's closing bracket is, or -1.
;;
;; Between elements and inside scalar elements it reads byte by byte. Inside an object or array element, which is
;; nearly every byte of a list, it reads 16 bytes at a time: masks of quotes, backslashes and brackets, the escaped
;; bytes, a prefix XOR of the unescaped quotes for which bytes are inside strings, then the brackets outside strings
;; one by one for the depth.
(module
  (memory (export "memory") 6)

  (global $STATE i32 (i32.const 65568))
  (global $PAIRS i32 (i32.const 65600))

  (func $state (param $k i32) (result i32)
    (i32.load (i32.add (global.get $STATE) (i32.shl (local.get $k) (i32.const 2)))))
  (func $setState (param $k i32) (param $v i32)
    (i32.store (i32.add (global.get $STATE) (i32.shl (local.get $k) (i32.const 2))) (local.get $v)))

  ;; A space, tab, newline or carriage return.
  (func $isSpace (param $b i32) (result i32)
    (i32.or
      (i32.or (i32.eq (local.get $b) (i32.const 0x20)) (i32.eq (local.get $b) (i32.const 0x0a)))
      (i32.or (i32.eq (local.get $b) (i32.const 0x0d)) (i32.eq (local.get $b) (i32.const 0x09)))))

  (func (export "split") (param $len i32) (result i32)
    (local $i i32) (local $b i32) (local $count i32) (local $close i32)
    (local $inItem i32) (local $depth i32) (local $inString i32) (local $escaped i32) (local $bare i32)
    (local $start i32)
    (local $v v128) (local $n i32) (local $valid i32) (local $quotes i32) (local $backslashes i32)
    (local $opens i32) (local $closes i32) (local $esc i32) (local $m i32) (local $p i32) (local $x i32)
    (local $brackets i32) (local $ended i32)

    (local.set $inItem (call $state (i32.const 0)))
    (local.set $depth (call $state (i32.const 1)))
    (local.set $inString (call $state (i32.const 2)))
    (local.set $escaped (call $state (i32.const 3)))
    (local.set $bare (call $state (i32.const 4)))
    (local.set $start (i32.const -1))
    (local.set $close (i32.const -1))

    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))

        ;; Between elements: separators, the array's end, or the first byte of the next element.
        (if (i32.eqz (local.get $inItem))
          (then
            (local.set $b (i32.load8_u (local.get $i)))
            (if (i32.or (i32.eq (local.get $b) (i32.const 0x2c)) (call $isSpace (local.get $b)))
              (then (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $next)))
            (if (i32.eq (local.get $b) (i32.const 0x5d))
              (then (local.set $close (local.get $i)) (br $done)))
            (local.set $inItem (i32.const 1))
            (local.set $start (local.get $i))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $depth (i32.const 0))
            (local.set $bare (i32.const 0))
            (if (i32.or (i32.eq (local.get $b) (i32.const 0x7b)) (i32.eq (local.get $b) (i32.const 0x5b)))
              (then (local.set $depth (i32.const 1)) (br $next)))
            (if (i32.eq (local.get $b) (i32.const 0x22))
              (then (local.set $inString (i32.const 1)) (br $next)))
            (local.set $bare (i32.const 1))
            (br $next)))

        ;; A bare scalar (a number, true, …) ends just before its delimiter, which is read again between elements.
        (if (local.get $bare)
          (then
            (local.set $b (i32.load8_u (local.get $i)))
            (if (i32.or
                  (i32.or (i32.eq (local.get $b) (i32.const 0x2c)) (i32.eq (local.get $b) (i32.const 0x5d)))
                  (call $isSpace (local.get $b)))
              (then
                (call $pair (local.get $count) (local.get $start) (local.get $i))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))
                (local.set $inItem (i32.const 0))
                (local.set $bare (i32.const 0))
                (br $next)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))

        ;; A string element: byte by byte to its closing quote.
        (if (i32.eqz (local.get $depth))
          (then
            (if (local.get $escaped)
              (then (local.set $escaped (i32.const 0)) (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $next)))
            (local.set $b (i32.load8_u (local.get $i)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (if (i32.eq (local.get $b) (i32.const 0x5c)) (then (local.set $escaped (i32.const 1)) (br $next)))
            (if (i32.eq (local.get $b) (i32.const 0x22))
              (then
                (call $pair (local.get $count) (local.get $start) (local.get $i))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))
                (local.set $inItem (i32.const 0))
                (local.set $inString (i32.const 0))))
            (br $next)))

        ;; Inside an object or array: 16 bytes at a time.
        (local.set $n (i32.sub (local.get $len) (local.get $i)))
        (local.set $valid
          (if (result i32) (i32.ge_u (local.get $n) (i32.const 16))
            (then (i32.const 0xffff))
            (else (i32.sub (i32.shl (i32.const 1) (local.get $n)) (i32.const 1)))))
        (if (i32.gt_u (local.get $n) (i32.const 16)) (then (local.set $n (i32.const 16))))
        (local.set $v (v128.load align=1 (local.get $i)))
        (local.set $quotes (i32.and (local.get $valid)
          (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22))))))
        (local.set $backslashes (i32.and (local.get $valid)
          (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))))
        (local.set $opens (i32.and (local.get $valid)
          (i8x16.bitmask (v128.or
            (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x7b)))
            (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5b)))))))
        (local.set $closes (i32.and (local.get $valid)
          (i8x16.bitmask (v128.or
            (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x7d)))
            (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5d)))))))
        ;; Escaped bytes: each backslash that is not itself escaped escapes the next byte (bit 16 and up: past here).
        (local.set $esc (local.get $escaped))
        (local.set $m (local.get $backslashes))
        (block $noMore
          (loop $eachBackslash
            (local.set $m (i32.and (local.get $m) (i32.xor (local.get $esc) (i32.const -1))))
            (br_if $noMore (i32.eqz (local.get $m)))
            (local.set $p (i32.ctz (local.get $m)))
            (local.set $esc (i32.or (local.get $esc) (i32.shl (i32.const 2) (local.get $p))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (br $eachBackslash)))
        (local.set $quotes (i32.and (local.get $quotes) (i32.xor (local.get $esc) (i32.const -1))))
        ;; Inside strings: a prefix XOR of the unescaped quotes (an opening quote in, a closing one out).
        (local.set $x (local.get $quotes))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 1))))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 2))))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 4))))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 8))))
        (if (local.get $inString) (then (local.set $x (i32.xor (local.get $x) (i32.const -1)))))
        (local.set $brackets (i32.and (i32.or (local.get $opens) (local.get $closes))
          (i32.xor (local.get $x) (i32.const -1))))
        (local.set $ended (i32.const 0))
        (block $blockDone
          (loop $eachBracket
            (br_if $blockDone (i32.eqz (local.get $brackets)))
            (local.set $p (i32.ctz (local.get $brackets)))
            (local.set $brackets (i32.and (local.get $brackets) (i32.sub (local.get $brackets) (i32.const 1))))
            (if (i32.and (i32.shr_u (local.get $opens) (local.get $p)) (i32.const 1))
              (then (local.set $depth (i32.add (local.get $depth) (i32.const 1))) (br $eachBracket)))
            (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
            (br_if $eachBracket (local.get $depth))
            ;; The element's closing bracket: read on from the byte after it, between elements.
            (local.set $i (i32.add (local.get $i) (i32.add (local.get $p) (i32.const 1))))
            (call $pair (local.get $count) (local.get $start) (local.get $i))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $inItem (i32.const 0))
            (local.set $inString (i32.const 0))
            (local.set $escaped (i32.const 0))
            (local.set $ended (i32.const 1))))
        (br_if $next (local.get $ended))
        (local.set $inString (i32.xor (local.get $inString) (i32.and (i32.popcnt (local.get $quotes)) (i32.const 1))))
        (local.set $escaped (i32.and (i32.shr_u (local.get $esc) (local.get $n)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (local.get $n)))
        (br $next)))

    (call $setState (i32.const 0) (local.get $inItem))
    (call $setState (i32.const 1) (local.get $depth))
    (call $setState (i32.const 2) (local.get $inString))
    (call $setState (i32.const 3) (local.get $escaped))
    (call $setState (i32.const 4) (local.get $bare))
    (call $setState (i32.const 5) (local.get $start))
    (call $setState (i32.const 6) (local.get $close))
    (call $setState (i32.const 7) (local.get $count))
    (local.get $count))

  ;; Records the k-th element's start and end.
  (func $pair (param $k i32) (param $start i32) (param $end i32)
    (local $at i32)
    (local.set $at (i32.add (global.get $PAIRS) (i32.shl (local.get $k) (i32.const 3))))
    (i32.store (local.get $at) (local.get $start))
    (i32.store offset=4 (local.get $at) (local.get $end))))
