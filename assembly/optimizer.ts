// Adam's update of one tensor, in float64 as the TypeScript reference computes it (src/train/
// adam.ts, adamUpdate): the same operations in the same order, each correctly rounded, so both
// give the same bits. Two lanes at a time: f64x2 multiply, add, divide and square root round like
// their scalar forms, and the parameter is rounded to float32 once, at the store.
//   m = b1 m + (1 - b1) g;  v = b2 v + ((1 - b2) g) g;
//   x = p, minus lr wd x with decoupled weight decay;  p = x - (lr (m / c1)) / (sqrt(v / c2) + eps)

/** p: f32[n] (updated), g: f32[n], m and v: f64[n] (updated). */
export function adamStep(p: usize, g: usize, m: usize, v: usize, n: i32,
  b1: f64, b2: f64, eps: f64, lr: f64, weightDecay: f64, c1: f64, c2: f64): void {
  const a1 = 1 - b1, a2 = 1 - b2, decay = lr * weightDecay;
  const B1 = f64x2.splat(b1), B2 = f64x2.splat(b2), A1 = f64x2.splat(a1), A2 = f64x2.splat(a2);
  const C1 = f64x2.splat(c1), C2 = f64x2.splat(c2), LR = f64x2.splat(lr), EPS = f64x2.splat(eps), DECAY = f64x2.splat(decay);
  const decays = weightDecay != 0;
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o4 = <usize>i << 2, o8 = <usize>i << 3;
    const gi = f64x2.promote_low_f32x4(v128.load64_zero(g + o4));
    const mi = f64x2.add(f64x2.mul(B1, v128.load(m + o8)), f64x2.mul(A1, gi));
    const vi = f64x2.add(f64x2.mul(B2, v128.load(v + o8)), f64x2.mul(f64x2.mul(A2, gi), gi));
    v128.store(m + o8, mi);
    v128.store(v + o8, vi);
    let x = f64x2.promote_low_f32x4(v128.load64_zero(p + o4));
    if (decays) x = f64x2.sub(x, f64x2.mul(DECAY, x));
    const step = f64x2.div(f64x2.mul(LR, f64x2.div(mi, C1)), f64x2.add(f64x2.sqrt(f64x2.div(vi, C2)), EPS));
    v128.store64_lane(p + o4, f32x4.demote_f64x2_zero(f64x2.sub(x, step)), 0);
  }
  for (; i < n; i++) {
    const o4 = <usize>i << 2, o8 = <usize>i << 3;
    const gi = <f64>load<f32>(g + o4);
    const mi = b1 * load<f64>(m + o8) + a1 * gi;
    const vi = b2 * load<f64>(v + o8) + a2 * gi * gi;
    store<f64>(m + o8, mi);
    store<f64>(v + o8, vi);
    let x = <f64>load<f32>(p + o4);
    if (decays) x -= decay * x;
    store<f32>(p + o4, <f32>(x - lr * (mi / c1) / (Math.sqrt(vi / c2) + eps)));
  }
}
