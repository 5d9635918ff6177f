// Sparse convolution over a rulebook (gather - multiply - accumulate in place):
//   out[o, :] = 0; for k in offset order: for (i, o) in rules[k]: for c in 0..cin: out[o, :] += in[i, c] * W[k, c, :]
// with an f32 multiply and an f32 add per term (no fused multiply-add). Keeping the partial sum in
// the output row between offsets gives exactly the bits of a register accumulator, so the result
// is the determinism contract of DESIGN.md whatever the blocking. The SIMD kernel vectorises over
// output channels (4 lanes) and blocks 4 pairs x 8 channels in registers; its scalar twin below
// performs the same operations one lane at a time and must agree with it bit for bit.
//
// Layouts: features row-major with a row stride (floats) >= channels; weights packed per offset as
// [K][cin][coutPad] with coutPad a multiple of 4 (padding columns are zero, so padding output
// columns come out as +0).

/** SIMD sparse convolution. wK = floats per offset block (cin * coutPad). */
export function convRules(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, nOut: i32,
  wPtr: usize, cin: i32, coutPad: i32, K: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize,
): void {
  zeroRows(outPtr, outStride, nOut, coutPad);
  const wK = <usize>cin * <usize>coutPad * 4;
  const inS = <usize>inStride * 4, outS = <usize>outStride * 4, wRow = <usize>coutPad * 4;
  for (let k = 0; k < K; k++) {
    const p0 = load<i32>(ruleStart + (<usize>k << 2));
    const p1 = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    const wk = wPtr + <usize>k * wK;
    let p = p0;
    for (; p + 4 <= p1; p += 4) {
      const pi = ruleIn + (<usize>p << 2), po = ruleOut + (<usize>p << 2);
      const x0 = inPtr + <usize>load<i32>(pi) * inS, x1 = inPtr + <usize>load<i32>(pi, 4) * inS;
      const x2 = inPtr + <usize>load<i32>(pi, 8) * inS, x3 = inPtr + <usize>load<i32>(pi, 12) * inS;
      const y0 = outPtr + <usize>load<i32>(po) * outS, y1 = outPtr + <usize>load<i32>(po, 4) * outS;
      const y2 = outPtr + <usize>load<i32>(po, 8) * outS, y3 = outPtr + <usize>load<i32>(po, 12) * outS;
      block4(x0, x1, x2, x3, y0, y1, y2, y3, wk, cin, coutPad, wRow);
    }
    for (; p < p1; p++) {
      const x = inPtr + <usize>load<i32>(ruleIn + (<usize>p << 2)) * inS;
      const y = outPtr + <usize>load<i32>(ruleOut + (<usize>p << 2)) * outS;
      block1(x, y, wk, cin, coutPad, wRow);
    }
  }
}

/** Scalar twin of convRules: same operations, same order, one output element at a time. */
export function convRulesScalar(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, nOut: i32,
  wPtr: usize, cin: i32, coutPad: i32, K: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize,
): void {
  for (let o = 0; o < nOut; o++) {
    for (let j = 0; j < coutPad; j++) store<f32>(outPtr + (<usize>o * outStride + j) * 4, 0);
  }
  for (let k = 0; k < K; k++) {
    const p0 = load<i32>(ruleStart + (<usize>k << 2));
    const p1 = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(ruleIn + (<usize>p << 2));
      const o = <usize>load<i32>(ruleOut + (<usize>p << 2));
      for (let j = 0; j < coutPad; j++) {
        const y = outPtr + (o * outStride + j) * 4;
        let acc = load<f32>(y);
        for (let c = 0; c < cin; c++) {
          acc = acc + load<f32>(inPtr + (i * inStride + c) * 4) *
            load<f32>(wPtr + ((<usize>k * cin + c) * coutPad + j) * 4);
        }
        store<f32>(y, acc);
      }
    }
  }
}

/** Dense rows times a matrix: out[r, :] = in[r, :] @ W (+ bias), W [cin][coutPad]; the bias, when
 *  biasPtr != 0, is added after the sum (epilogue). Used by NetworkInNetwork and Linear. */
export function gemmRows(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, n: i32,
  wPtr: usize, cin: i32, coutPad: i32, biasPtr: usize,
): void {
  zeroRows(outPtr, outStride, n, coutPad);
  const inS = <usize>inStride * 4, outS = <usize>outStride * 4, wRow = <usize>coutPad * 4;
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const x = inPtr + <usize>r * inS, y = outPtr + <usize>r * outS;
    block4(x, x + inS, x + 2 * inS, x + 3 * inS, y, y + outS, y + 2 * outS, y + 3 * outS, wPtr, cin, coutPad, wRow);
  }
  for (; r < n; r++) block1(inPtr + <usize>r * inS, outPtr + <usize>r * outS, wPtr, cin, coutPad, wRow);
  if (biasPtr) {
    for (let q = 0; q < n; q++) {
      const y = outPtr + <usize>q * outS;
      for (let j = 0; j < coutPad; j += 4) {
        v128.store(y + (<usize>j << 2), f32x4.add(v128.load(y + (<usize>j << 2)), v128.load(biasPtr + (<usize>j << 2))));
      }
    }
  }
}

/** Scalar twin of gemmRows. */
export function gemmRowsScalar(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, n: i32,
  wPtr: usize, cin: i32, coutPad: i32, biasPtr: usize,
): void {
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < coutPad; j++) {
      let acc: f32 = 0;
      for (let c = 0; c < cin; c++) {
        acc = acc + load<f32>(inPtr + (<usize>r * inStride + c) * 4) * load<f32>(wPtr + (<usize>c * coutPad + j) * 4);
      }
      if (biasPtr) acc = acc + load<f32>(biasPtr + (<usize>j << 2));
      store<f32>(outPtr + (<usize>r * outStride + j) * 4, acc);
    }
  }
}

/** Sets n rows of `cols` floats (a multiple of 4) to +0. */
export function zeroRows(ptr: usize, stride: i32, n: i32, cols: i32): void {
  if (stride == cols) { memory.fill(ptr, 0, <usize>n * <usize>cols * 4); return; }
  for (let r = 0; r < n; r++) memory.fill(ptr + <usize>r * <usize>stride * 4, 0, <usize>cols * 4);
}

// 4 rows x (8-column blocks, then a 4-column tail), accumulating into the output rows.
// @ts-ignore: decorator
@inline function block4(
  x0: usize, x1: usize, x2: usize, x3: usize, y0: usize, y1: usize, y2: usize, y3: usize,
  w: usize, cin: i32, coutPad: i32, wRow: usize,
): void {
  let j = 0;
  for (; j + 8 <= coutPad; j += 8) {
    const jo = <usize>j << 2;
    let a0 = v128.load(y0 + jo), b0 = v128.load(y0 + jo, 16);
    let a1 = v128.load(y1 + jo), b1 = v128.load(y1 + jo, 16);
    let a2 = v128.load(y2 + jo), b2 = v128.load(y2 + jo, 16);
    let a3 = v128.load(y3 + jo), b3 = v128.load(y3 + jo, 16);
    let wp = w + jo;
    for (let c = 0; c < cin; c++) {
      const co = <usize>c << 2;
      const wa = v128.load(wp), wb = v128.load(wp, 16);
      const v0 = v128.load32_splat(x0 + co);
      a0 = f32x4.add(a0, f32x4.mul(v0, wa)); b0 = f32x4.add(b0, f32x4.mul(v0, wb));
      const v1 = v128.load32_splat(x1 + co);
      a1 = f32x4.add(a1, f32x4.mul(v1, wa)); b1 = f32x4.add(b1, f32x4.mul(v1, wb));
      const v2 = v128.load32_splat(x2 + co);
      a2 = f32x4.add(a2, f32x4.mul(v2, wa)); b2 = f32x4.add(b2, f32x4.mul(v2, wb));
      const v3 = v128.load32_splat(x3 + co);
      a3 = f32x4.add(a3, f32x4.mul(v3, wa)); b3 = f32x4.add(b3, f32x4.mul(v3, wb));
      wp += wRow;
    }
    v128.store(y0 + jo, a0); v128.store(y0 + jo, b0, 16);
    v128.store(y1 + jo, a1); v128.store(y1 + jo, b1, 16);
    v128.store(y2 + jo, a2); v128.store(y2 + jo, b2, 16);
    v128.store(y3 + jo, a3); v128.store(y3 + jo, b3, 16);
  }
  if (j < coutPad) {
    const jo = <usize>j << 2;
    let a0 = v128.load(y0 + jo), a1 = v128.load(y1 + jo), a2 = v128.load(y2 + jo), a3 = v128.load(y3 + jo);
    let wp = w + jo;
    for (let c = 0; c < cin; c++) {
      const co = <usize>c << 2;
      const wa = v128.load(wp);
      a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + co), wa));
      a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(x1 + co), wa));
      a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(x2 + co), wa));
      a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(x3 + co), wa));
      wp += wRow;
    }
    v128.store(y0 + jo, a0); v128.store(y1 + jo, a1); v128.store(y2 + jo, a2); v128.store(y3 + jo, a3);
  }
}

// One row x (8-column blocks, then a 4-column tail).
// @ts-ignore: decorator
@inline function block1(x: usize, y: usize, w: usize, cin: i32, coutPad: i32, wRow: usize): void {
  let j = 0;
  for (; j + 8 <= coutPad; j += 8) {
    const jo = <usize>j << 2;
    let a = v128.load(y + jo), b = v128.load(y + jo, 16);
    let wp = w + jo;
    for (let c = 0; c < cin; c++) {
      const v = v128.load32_splat(x + (<usize>c << 2));
      a = f32x4.add(a, f32x4.mul(v, v128.load(wp)));
      b = f32x4.add(b, f32x4.mul(v, v128.load(wp, 16)));
      wp += wRow;
    }
    v128.store(y + jo, a); v128.store(y + jo, b, 16);
  }
  if (j < coutPad) {
    const jo = <usize>j << 2;
    let a = v128.load(y + jo);
    let wp = w + jo;
    for (let c = 0; c < cin; c++) {
      a = f32x4.add(a, f32x4.mul(v128.load32_splat(x + (<usize>c << 2)), v128.load(wp)));
      wp += wRow;
    }
    v128.store(y + jo, a);
  }
}
