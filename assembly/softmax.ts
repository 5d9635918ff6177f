// Softmax over classes and argmax, per row. The SIMD kernels put 4 rows in the 4 lanes; the exp is
// our own (range reduction + polynomial, mul and add only) so that the SIMD lanes and the scalar
// twin execute the very same float operations and agree bit for bit, in every engine.

// exp(x) = 2^n * p(r), n = round(x / ln 2), r = x - n ln 2 (ln 2 split in two for accuracy).
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504;
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;
// Minimax coefficients for exp(r) on [-ln2/2, ln2/2] (Cephes expf), relative error ~1e-7.
// @ts-ignore: decorator
@inline const P0: f32 = 1.9875691500e-4;
// @ts-ignore: decorator
@inline const P1: f32 = 1.3981999507e-3;
// @ts-ignore: decorator
@inline const P2: f32 = 8.3334519073e-3;
// @ts-ignore: decorator
@inline const P3: f32 = 4.1665795894e-2;
// @ts-ignore: decorator
@inline const P4: f32 = 1.6666665459e-1;
// @ts-ignore: decorator
@inline const P5: f32 = 5.0000001201e-1;
// Below this, exp underflows to 0 (we never need subnormals for probabilities).
// @ts-ignore: decorator
@inline const MIN_X: f32 = -87.0;

/** exp for x <= 0 (softmax only calls it on x - max). Exported for tests. */
export function expNeg(x: f32): f32 {
  if (x < MIN_X) return 0;
  const n = nearest<f32>(x * LOG2E);
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  const r2 = r * r;
  let p = P0;
  p = p * r + P1; p = p * r + P2; p = p * r + P3; p = p * r + P4; p = p * r + P5;
  p = p * r2 + r;
  p = p + 1;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

// @ts-ignore: decorator
@inline function expNeg4(x: v128): v128 {
  const under = f32x4.lt(x, f32x4.splat(MIN_X));
  const xs = v128.bitselect(f32x4.splat(0), x, under); // keep lanes finite; zeroed at the end
  const n = f32x4.nearest(f32x4.mul(xs, f32x4.splat(LOG2E)));
  let r = f32x4.sub(xs, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.splat(P0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  p = f32x4.add(f32x4.mul(p, r2), r);
  p = f32x4.add(p, f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, scale), under);
}

/** Softmax of n rows of c classes: out[r, j] = exp(x[r, j] - max_r) / sum_j exp(...), the sum taken
 *  in class order. */
export function softmaxRows(inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, n: i32, c: i32): void {
  const inS = <usize>inStride * 4, outS = <usize>outStride * 4;
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const x = inPtr + <usize>r * inS, y = outPtr + <usize>r * outS;
    let m = lanes(x, inS, 0);
    for (let j = 1; j < c; j++) m = f32x4.max(m, lanes(x, inS, j));
    let s = f32x4.splat(0);
    for (let j = 0; j < c; j++) {
      const e = expNeg4(f32x4.sub(lanes(x, inS, j), m));
      s = f32x4.add(s, e);
      storeLanes(y, outS, j, e);
    }
    for (let j = 0; j < c; j++) storeLanes(y, outS, j, f32x4.div(lanes(y, outS, j), s));
  }
  if (r < n) softmaxRowsScalar(inPtr + <usize>r * inS, inStride, outPtr + <usize>r * outS, outStride, n - r, c);
}

/** Scalar twin of softmaxRows. */
export function softmaxRowsScalar(inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, n: i32, c: i32): void {
  for (let r = 0; r < n; r++) {
    const x = inPtr + <usize>r * <usize>inStride * 4, y = outPtr + <usize>r * <usize>outStride * 4;
    let m = load<f32>(x);
    for (let j = 1; j < c; j++) m = max<f32>(m, load<f32>(x + (<usize>j << 2)));
    let s: f32 = 0;
    for (let j = 0; j < c; j++) {
      const e = expNeg(load<f32>(x + (<usize>j << 2)) - m);
      s = s + e;
      store<f32>(y + (<usize>j << 2), e);
    }
    for (let j = 0; j < c; j++) store<f32>(y + (<usize>j << 2), load<f32>(y + (<usize>j << 2)) / s);
  }
}

/** labels[r] = the first class with the largest value in row r. */
export function argmaxRows(inPtr: usize, inStride: i32, n: i32, c: i32, labelsPtr: usize): void {
  const inS = <usize>inStride * 4;
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const x = inPtr + <usize>r * inS;
    let best = lanes(x, inS, 0);
    let idx = i32x4.splat(0);
    for (let j = 1; j < c; j++) {
      const v = lanes(x, inS, j);
      const gt = f32x4.gt(v, best);
      best = v128.bitselect(v, best, gt);
      idx = v128.bitselect(i32x4.splat(j), idx, gt);
    }
    v128.store(labelsPtr + (<usize>r << 2), idx);
  }
  if (r < n) argmaxRowsScalar(inPtr + <usize>r * inS, inStride, n - r, c, labelsPtr + (<usize>r << 2));
}

/** Scalar twin of argmaxRows. */
export function argmaxRowsScalar(inPtr: usize, inStride: i32, n: i32, c: i32, labelsPtr: usize): void {
  for (let r = 0; r < n; r++) {
    const x = inPtr + <usize>r * <usize>inStride * 4;
    let best = load<f32>(x), idx = 0;
    for (let j = 1; j < c; j++) {
      const v = load<f32>(x + (<usize>j << 2));
      if (v > best) { best = v; idx = j; }
    }
    store<i32>(labelsPtr + (<usize>r << 2), idx);
  }
}

// Column j of 4 consecutive rows as one vector.
// @ts-ignore: decorator
@inline function lanes(x: usize, stride: usize, j: i32): v128 {
  const o = <usize>j << 2;
  let v = v128.load32_zero(x + o);
  v = v128.load32_lane(x + stride + o, v, 1);
  v = v128.load32_lane(x + 2 * stride + o, v, 2);
  v = v128.load32_lane(x + 3 * stride + o, v, 3);
  return v;
}

// @ts-ignore: decorator
@inline function storeLanes(y: usize, stride: usize, j: i32, v: v128): void {
  const o = <usize>j << 2;
  v128.store32_lane(y + o, v, 0);
  v128.store32_lane(y + stride + o, v, 1);
  v128.store32_lane(y + 2 * stride + o, v, 2);
  v128.store32_lane(y + 3 * stride + o, v, 3);
}
