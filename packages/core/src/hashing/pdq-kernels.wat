;; WebAssembly kernels for the bulk of PDQ: float luma, box-filter steps and transposes.
;;
;; Why WebAssembly: the reference computes in IEEE single precision; JavaScript can only emulate
;; that with a rounding after every operation (Math.fround), which costs ~3.5 ns per filtered
;; sample. WebAssembly has native f32 arithmetic (exact IEEE single, no fused multiply-add) and
;; 128-bit SIMD, so the same operations in the same order give bit-identical results, four
;; lanes at a time. Built by scripts/build-wasm.mjs into pdq-kernels.wasm.ts (committed).
;;
;; Layout: every matrix is row-major f32. A "lanes" matrix has `nl` independent lanes side by
;; side: element (step i, lane l) is at byte offset 4 * (i * nl + l).
(module
  (memory (export "memory") 1)

  ;; Luma of RGB(A) pixels, row-major with a row stride of `os` bytes.
  ;; xs[x] and ys[y] (i32 arrays) are byte offsets of the sampled column and row, which also
  ;; performs the reference's nearest-neighbour resize. Four pixels at a time: each pixel's
  ;; bytes are read as one little-endian i32 (R | G << 8 | B << 16 | next << 24; the caller
  ;; leaves 4 readable bytes after the pixels) and split into R, G, B lanes. Returns non-zero if
  ;; any sampled pixel is not grey (R, G, B not all equal).
  (func (export "luma_rgb")
    (param $src i32) (param $xs i32) (param $ys i32) (param $rows i32) (param $cols i32) (param $out i32) (param $os i32)
    (result i32)
    (local $x i32) (local $y i32) (local $row v128) (local $p v128) (local $px v128) (local $o i32)
    (local $r v128) (local $g v128) (local $b v128) (local $colour v128) (local $cols4 i32)
    (local $rs i32) (local $s i32) (local $rr i32) (local $gg i32) (local $bb i32) (local $tail i32)
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (block $ydone
      (loop $yl
        (br_if $ydone (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $rs (i32.add (local.get $src)
          (i32.load (i32.add (local.get $ys) (i32.shl (local.get $y) (i32.const 2))))))
        (local.set $row (i32x4.splat (local.get $rs)))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $os))))
        (local.set $x (i32.const 0))
        (block $xdone
          (loop $xl
            (br_if $xdone (i32.ge_u (local.get $x) (local.get $cols4)))
            (local.set $p (i32x4.add (local.get $row)
              (v128.load (i32.add (local.get $xs) (i32.shl (local.get $x) (i32.const 2))))))
            (local.set $px (i32x4.splat (i32.load (i32x4.extract_lane 0 (local.get $p)))))
            (local.set $px (i32x4.replace_lane 1 (local.get $px) (i32.load (i32x4.extract_lane 1 (local.get $p)))))
            (local.set $px (i32x4.replace_lane 2 (local.get $px) (i32.load (i32x4.extract_lane 2 (local.get $p)))))
            (local.set $px (i32x4.replace_lane 3 (local.get $px) (i32.load (i32x4.extract_lane 3 (local.get $p)))))
            (local.set $r (v128.and (local.get $px) (v128.const i32x4 255 255 255 255)))
            (local.set $g (v128.and (i32x4.shr_u (local.get $px) (i32.const 8)) (v128.const i32x4 255 255 255 255)))
            (local.set $b (v128.and (i32x4.shr_u (local.get $px) (i32.const 16)) (v128.const i32x4 255 255 255 255)))
            (local.set $colour (v128.or (local.get $colour)
              (v128.or (v128.xor (local.get $r) (local.get $g)) (v128.xor (local.get $g) (local.get $b)))))
            ;; (0.299f * R + 0.587f * G) + 0.114f * B, each step rounded to f32, as in C++.
            (v128.store (local.get $o)
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (v128.const f32x4 0.299 0.299 0.299 0.299) (f32x4.convert_i32x4_u (local.get $r)))
                  (f32x4.mul (v128.const f32x4 0.587 0.587 0.587 0.587) (f32x4.convert_i32x4_u (local.get $g))))
                (f32x4.mul (v128.const f32x4 0.114 0.114 0.114 0.114) (f32x4.convert_i32x4_u (local.get $b)))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $xl)))
        (block $tdone
          (loop $tl
            (br_if $tdone (i32.ge_u (local.get $x) (local.get $cols)))
            (local.set $s (i32.add (local.get $rs)
              (i32.load (i32.add (local.get $xs) (i32.shl (local.get $x) (i32.const 2))))))
            (local.set $rr (i32.load8_u (local.get $s)))
            (local.set $gg (i32.load8_u offset=1 (local.get $s)))
            (local.set $bb (i32.load8_u offset=2 (local.get $s)))
            (local.set $tail (i32.or (local.get $tail)
              (i32.or (i32.xor (local.get $rr) (local.get $gg)) (i32.xor (local.get $gg) (local.get $bb)))))
            (f32.store (local.get $o)
              (f32.add
                (f32.add
                  (f32.mul (f32.const 0.299) (f32.convert_i32_u (local.get $rr)))
                  (f32.mul (f32.const 0.587) (f32.convert_i32_u (local.get $gg))))
                (f32.mul (f32.const 0.114) (f32.convert_i32_u (local.get $bb)))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $tl)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $yl)))
    (i32.or (local.get $tail) (v128.any_true (local.get $colour))))

  ;; Grey samples (the byte at each sampled offset) as f32, row-major like luma_rgb.
  (func (export "grey")
    (param $src i32) (param $xs i32) (param $ys i32) (param $rows i32) (param $cols i32) (param $out i32) (param $os i32)
    (local $x i32) (local $y i32) (local $row i32) (local $o i32)
    (block $ydone
      (loop $yl
        (br_if $ydone (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $row (i32.add (local.get $src)
          (i32.load (i32.add (local.get $ys) (i32.shl (local.get $y) (i32.const 2))))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $os))))
        (local.set $x (i32.const 0))
        (block $xdone
          (loop $xl
            (br_if $xdone (i32.ge_u (local.get $x) (local.get $cols)))
            (f32.store (local.get $o)
              (f32.convert_i32_u (i32.load8_u (i32.add (local.get $row)
                (i32.load (i32.add (local.get $xs) (i32.shl (local.get $x) (i32.const 2))))))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $xl)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $yl))))

  ;; One step of box filters running down `nl` lanes at once; the step of the reference's
  ;; box1DFloat, per lane:  sum += in[add];  sum -= in[sub];  out = sum / count.
  ;; `add`, `sub`, `out` are byte addresses of the step's first lane, or -1 to skip that part.
  ;; `sums` holds the nl running sums. Four lanes per SIMD operation, the rest one by one.
  (func (export "lane_step")
    (param $sums i32) (param $add i32) (param $sub i32) (param $out i32) (param $nl i32) (param $count f32)
    (local $l i32) (local $n4 i32) (local $off i32) (local $v v128) (local $cv v128) (local $s f32)
    (local.set $cv (f32x4.splat (local.get $count)))
    (local.set $n4 (i32.and (local.get $nl) (i32.const -4)))
    (block $vdone
      (loop $vl
        (br_if $vdone (i32.ge_u (local.get $l) (local.get $n4)))
        (local.set $off (i32.shl (local.get $l) (i32.const 2)))
        (local.set $v (v128.load (i32.add (local.get $sums) (local.get $off))))
        (if (i32.ge_s (local.get $add) (i32.const 0))
          (then (local.set $v (f32x4.add (local.get $v)
            (v128.load (i32.add (local.get $add) (local.get $off)))))))
        (if (i32.ge_s (local.get $sub) (i32.const 0))
          (then (local.set $v (f32x4.sub (local.get $v)
            (v128.load (i32.add (local.get $sub) (local.get $off)))))))
        (v128.store (i32.add (local.get $sums) (local.get $off)) (local.get $v))
        (if (i32.ge_s (local.get $out) (i32.const 0))
          (then (v128.store (i32.add (local.get $out) (local.get $off))
            (f32x4.div (local.get $v) (local.get $cv)))))
        (local.set $l (i32.add (local.get $l) (i32.const 4)))
        (br $vl)))
    (block $sdone
      (loop $sl
        (br_if $sdone (i32.ge_u (local.get $l) (local.get $nl)))
        (local.set $off (i32.shl (local.get $l) (i32.const 2)))
        (local.set $s (f32.load (i32.add (local.get $sums) (local.get $off))))
        (if (i32.ge_s (local.get $add) (i32.const 0))
          (then (local.set $s (f32.add (local.get $s)
            (f32.load (i32.add (local.get $add) (local.get $off)))))))
        (if (i32.ge_s (local.get $sub) (i32.const 0))
          (then (local.set $s (f32.sub (local.get $s)
            (f32.load (i32.add (local.get $sub) (local.get $off)))))))
        (f32.store (i32.add (local.get $sums) (local.get $off)) (local.get $s))
        (if (i32.ge_s (local.get $out) (i32.const 0))
          (then (f32.store (i32.add (local.get $out) (local.get $off))
            (f32.div (local.get $s) (local.get $count)))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $sl))))

  ;; out (cols x rows) = transpose of in (rows x cols); `rs` and `cs` are the row strides in
  ;; bytes of in and out (padded by the caller so that rows do not alias in the cache). 4x4 tiles
  ;; with SIMD shuffles; the ragged right and bottom edges element by element.
  (func (export "transpose")
    (param $in i32) (param $out i32) (param $rows i32) (param $cols i32) (param $rs i32) (param $cs i32)
    (local $r i32) (local $c i32) (local $r4 i32) (local $c4 i32) (local $ip i32)
    (local $a v128) (local $b v128) (local $c0 v128) (local $d v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $op i32)
    (local.set $r4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (block $rdone
      (loop $rl
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $r4)))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $cl
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $c4)))
            (local.set $ip (i32.add (i32.add (local.get $in) (i32.mul (local.get $r) (local.get $rs)))
              (i32.shl (local.get $c) (i32.const 2))))
            (local.set $a (v128.load (local.get $ip)))
            (local.set $b (v128.load (i32.add (local.get $ip) (local.get $rs))))
            (local.set $c0 (v128.load (i32.add (local.get $ip) (i32.shl (local.get $rs) (i32.const 1)))))
            (local.set $d (v128.load (i32.add (local.get $ip) (i32.mul (local.get $rs) (i32.const 3)))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c0) (local.get $d)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c0) (local.get $d)))
            (local.set $op (i32.add (i32.add (local.get $out) (i32.mul (local.get $c) (local.get $cs)))
              (i32.shl (local.get $r) (i32.const 2))))
            (v128.store (local.get $op)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $op) (local.get $cs))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $op) (i32.shl (local.get $cs) (i32.const 1)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store (i32.add (local.get $op) (i32.mul (local.get $cs) (i32.const 3)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $cl)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rl)))
    ;; Right strip: columns c4..cols-1 of every row.
    (local.set $r (i32.const 0))
    (block $rdone2
      (loop $rl2
        (br_if $rdone2 (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (local.get $c4))
        (block $cdone2
          (loop $cl2
            (br_if $cdone2 (i32.ge_u (local.get $c) (local.get $cols)))
            (f32.store
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $c) (local.get $cs)))
                (i32.shl (local.get $r) (i32.const 2)))
              (f32.load (i32.add (i32.add (local.get $in) (i32.mul (local.get $r) (local.get $rs)))
                (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cl2)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl2)))
    ;; Bottom strip: rows r4..rows-1, columns 0..c4-1.
    (local.set $r (local.get $r4))
    (block $rdone3
      (loop $rl3
        (br_if $rdone3 (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $cdone3
          (loop $cl3
            (br_if $cdone3 (i32.ge_u (local.get $c) (local.get $c4)))
            (f32.store
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $c) (local.get $cs)))
                (i32.shl (local.get $r) (i32.const 2)))
              (f32.load (i32.add (i32.add (local.get $in) (i32.mul (local.get $r) (local.get $rs)))
                (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cl3)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl3))))

  ;; The 16x16 DCT corner: T = D A (16x64 by 64x64), B = T D^T (16x64 by 64x16), where `dt` holds
  ;; D^T (64x16). Each output is a sequential f32 sum over k of separately rounded products,
  ;; exactly the reference's dct64To16; SIMD runs four output columns at once.
  (func (export "dct")
    (param $a i32) (param $d i32) (param $dt i32) (param $t i32) (param $b i32)
    (local $i i32) (local $j i32) (local $k i32) (local $acc v128)
    (block $idone
      (loop $il
        (br_if $idone (i32.ge_u (local.get $i) (i32.const 16)))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (i32.const 64)))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (block $kdone
              (loop $kl
                (br_if $kdone (i32.ge_u (local.get $k) (i32.const 64)))
                (local.set $acc (f32x4.add (local.get $acc)
                  (f32x4.mul
                    (f32x4.splat (f32.load (i32.add (local.get $d)
                      (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 6)) (local.get $k)) (i32.const 2)))))
                    (v128.load (i32.add (local.get $a)
                      (i32.shl (i32.add (i32.shl (local.get $k) (i32.const 6)) (local.get $j)) (i32.const 2)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $kl)))
            (v128.store (i32.add (local.get $t)
              (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 6)) (local.get $j)) (i32.const 2)))
              (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jl)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il)))
    (local.set $i (i32.const 0))
    (block $idone2
      (loop $il2
        (br_if $idone2 (i32.ge_u (local.get $i) (i32.const 16)))
        (local.set $j (i32.const 0))
        (block $jdone2
          (loop $jl2
            (br_if $jdone2 (i32.ge_u (local.get $j) (i32.const 16)))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (block $kdone2
              (loop $kl2
                (br_if $kdone2 (i32.ge_u (local.get $k) (i32.const 64)))
                (local.set $acc (f32x4.add (local.get $acc)
                  (f32x4.mul
                    (f32x4.splat (f32.load (i32.add (local.get $t)
                      (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 6)) (local.get $k)) (i32.const 2)))))
                    (v128.load (i32.add (local.get $dt)
                      (i32.shl (i32.add (i32.shl (local.get $k) (i32.const 4)) (local.get $j)) (i32.const 2)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $kl2)))
            (v128.store (i32.add (local.get $b)
              (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 4)) (local.get $j)) (i32.const 2)))
              (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jl2)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il2))))
)
