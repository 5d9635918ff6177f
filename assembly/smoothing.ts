// Neighbour smoothing of per-site class scores: the decision stage of a model whose config has
// `smoothing` (src/model/smoothing.ts says why and what it gains). Each site's scores are mixed
// with the mean scores of the active sites around it, then scaled by a constant factor per class,
// and the label is the first largest class.

import { expNeg } from "./softmax";

/** For the n sites of one level (keys sorted ascending, as the levels keep them; coords i32 [n, dim];
 *  s0..s2 the level's size): out[o, :] = the normalised w[o, :], where
 *    w[o, c] = ((1 - share) s[o, c] + share * mean of s[j, c] over the active sites j != o within
 *              Chebyshev distance `radius` of o) * e^(k[c] - max k)
 *  (a site with no such neighbour keeps its own scores in place of the mix), and labels[o] = the first
 *  c with the largest w[o, c]. s: f32 [n, stride] (softmax scores), k: f32 [c] (constants: adding k
 *  to the log of the mixed scores). Neighbours are found as subRulesMerge finds them: one merge walk
 *  over the sorted keys per offset of the first half, each pair found counted for both of its sites
 *  (the second half's offsets are the first's mirror images). So nothing of size (2 radius + 1)^dim
 *  per site is stored: sums f64 [n * c] and counts i32 [n] are the only scratch. Sums in f64, added
 *  in a fixed order (offset, then site), the same bits wherever it runs. */
/** out may be scores itself: each row is read whole before it is written. */
export function smoothScores(
  keys: usize, coords: usize, n: i32, dim: i32, s0: i32, s1: i32, s2: i32, radius: i32,
  scores: usize, stride: i32, c: i32, share: f64, constants: usize,
  sums: usize, counts: usize, out: usize, outStride: i32, labels: usize,
): void {
  memory.fill(sums, 0, <usize>n * <usize>c * 8);
  memory.fill(counts, 0, <usize>n * 4);
  const ks = 2 * radius + 1;
  const K = dim == 2 ? ks * ks : ks * ks * ks;
  const centre = K >> 1;
  const S1 = <i64>s1, S2 = <i64>s2;
  const rowBytes = <usize>stride * 4;
  for (let k = 0; k < centre; k++) {
    let d0: i32, d1: i32, d2: i32 = 0;
    let delta: i64;
    if (dim == 2) {
      d0 = k / ks - radius; d1 = k % ks - radius;
      delta = <i64>d0 * S1 + <i64>d1;
    } else {
      d0 = k / (ks * ks) - radius; d1 = (k / ks) % ks - radius; d2 = k % ks - radius;
      delta = (<i64>d0 * S1 + <i64>d1) * S2 + <i64>d2;
    }
    // delta < 0 in the first half, so site o's neighbour j (if any) comes before it: j <= o.
    let j = 0, o = 0;
    while (o < n) {
      const target = load<i64>(keys + (<usize>o << 3)) + delta;
      const key = load<i64>(keys + (<usize>j << 3));
      if (key < target) { j++; continue; }
      if (key == target) {
        const co = coords + <usize>o * <usize>dim * 4;
        let inside = <u32>(load<i32>(co) + d0) < <u32>s0 && <u32>(load<i32>(co, 4) + d1) < <u32>s1;
        if (dim == 3) inside = inside && <u32>(load<i32>(co, 8) + d2) < <u32>s2;
        if (inside) {
          const so = scores + <usize>o * rowBytes, sj = scores + <usize>j * rowBytes;
          const ao = sums + <usize>o * <usize>c * 8, aj = sums + <usize>j * <usize>c * 8;
          for (let q = 0; q < c; q++) {
            const b = <usize>q;
            store<f64>(ao + (b << 3), load<f64>(ao + (b << 3)) + <f64>load<f32>(sj + (b << 2)));
            store<f64>(aj + (b << 3), load<f64>(aj + (b << 3)) + <f64>load<f32>(so + (b << 2)));
          }
          store<i32>(counts + (<usize>o << 2), load<i32>(counts + (<usize>o << 2)) + 1);
          store<i32>(counts + (<usize>j << 2), load<i32>(counts + (<usize>j << 2)) + 1);
        }
      }
      o++;
    }
  }
  // The constants as factors e^(k - max k) <= 1: only their ratios matter, and expNeg is the
  // module's own exp, so no host Math decides a bit.
  let kMax = load<f32>(constants);
  for (let q = 1; q < c; q++) kMax = max<f32>(kMax, load<f32>(constants + (<usize>q << 2)));
  const keep = 1 - share;
  for (let o = 0; o < n; o++) {
    const so = scores + <usize>o * rowBytes, ao = sums + <usize>o * <usize>c * 8;
    const yo = out + <usize>o * <usize>outStride * 4;
    const m = load<i32>(counts + (<usize>o << 2));
    let total: f64 = 0, best: f64 = -1, label = 0;
    for (let q = 0; q < c; q++) {
      const b = <usize>q;
      const s = <f64>load<f32>(so + (b << 2));
      const mixed = m > 0 ? keep * s + share * (load<f64>(ao + (b << 3)) / <f64>m) : s;
      const w = mixed * <f64>expNeg(load<f32>(constants + (b << 2)) - kMax);
      store<f64>(ao + (b << 3), w);
      total += w;
      if (w > best) { best = w; label = q; }
    }
    // total > 0 unless every factor's score underflowed to 0; then the row is all 0, labelled 0.
    for (let q = 0; q < c; q++) {
      const b = <usize>q;
      store<f32>(yo + (b << 2), total > 0 ? <f32>(load<f64>(ao + (b << 3)) / total) : 0);
    }
    store<i32>(labels + (<usize>o << 2), label);
  }
}
