// Neighbour smoothing of per-site class scores: the decision stage of a model whose config has
// `smoothing` (src/model/smoothing.ts says why and what it gains). Each site's scores are mixed
// with the mean scores of the active sites around it, then scaled by a constant factor per class,
// and the label is the first largest class.

import { expNeg } from "./softmax";

/** Sites per block of the neighbour search. */
const BLOCK = 256;

/** Lines of the box along the last axis up to a site's own: one cursor each in smoothScores. */
export function smoothLines(dim: i32, radius: i32): i32 {
  return dim == 2 ? radius + 1 : radius * (2 * radius + 1) + radius + 1;
}

/** For the n sites of one level (keys sorted ascending; coords i32 [n, dim]; s0..s2 the level's
 *  size): sums[o, :] = the sum of values[j, :] over the active sites j != o within Chebyshev distance
 *  `radius` of o, in float64, and counts[o] = how many there are. values: T [n, stride], the first c
 *  of each row read. Each pair of neighbours is found once, from the site later in key order, and
 *  counted for both: the box's lines along the last axis before the site's own, each one walk over
 *  the sorted keys (a merge walk per offset, as subRulesMerge does, made whole 3D events 1.3-1.6x as
 *  long at radius 3: 171 walks with a branch per step). Nothing of size (2 radius + 1)^dim per site
 *  is stored: cursors i32 [smoothLines(dim, radius)] are the only scratch besides sums and counts.
 *  Added in a fixed order (block of sites, line, site, neighbour): the same bits wherever it runs. */
@inline function addNeighbourSums<T>(
  keys: usize, coords: usize, n: i32, dim: i32, s1: i32, s2: i32, radius: i32,
  values: usize, stride: i32, c: i32, sums: usize, counts: usize, cursors: usize,
): void {
  memory.fill(sums, 0, <usize>n * <usize>c * 8);
  memory.fill(counts, 0, <usize>n * 4);
  const S1 = <i64>s1, S2 = <i64>s2;
  const rowBytes = <usize>stride * sizeof<T>();
  const last = dim - 1; // the axis whose neighbours lie next to each other in key order
  // Lines of the box along the last axis, in key order: (d0) in 2D, (d0, d1) in 3D, up to the site's
  // own line. A line's 2r + 1 neighbours have consecutive keys, so one pass over the sorted keys
  // finds them all; on the site's own line only those below it (the others find it there).
  const side = 2 * radius + 1;
  const lines = smoothLines(dim, radius);
  for (let l = 0; l < lines; l++) store<i32>(cursors + (<usize>l << 2), 0);
  // Blocks of sites, every line within a block: the block's own rows stay in cache while each line's
  // window of neighbours moves through the keys (line by line over all sites streamed every array
  // once per line: 113 ms on a 150k-site event).
  for (let ob = 0; ob < n; ob += BLOCK) {
    const oe = min(n, ob + BLOCK);
    for (let l = 0; l < lines; l++) {
      let d0: i32, d1: i32 = 0;
      let base: i64;
      if (dim == 2) {
        d0 = l - radius;
        base = <i64>d0 * S1;
      } else {
        d0 = l / side - radius; d1 = l % side - radius;
        base = (<i64>d0 * S1 + <i64>d1) * S2;
      }
      const own = l == lines - 1;
      let j = load<i32>(cursors + (<usize>l << 2));
      for (let o = ob; o < oe; o++) {
        const ko = load<i64>(keys + (<usize>o << 3));
        const lo = ko + base - <i64>radius, hi = own ? ko - 1 : ko + base + <i64>radius;
        while (load<i64>(keys + (<usize>j << 3)) < lo) j++; // j <= o: key[o] >= lo
        const co = coords + <usize>o * <usize>dim * 4;
        for (let q = j; q < n && load<i64>(keys + (<usize>q << 3)) <= hi; q++) {
          // A key in range is on the line unless the line's ends wrapped into the next row.
          const cq = coords + <usize>q * <usize>dim * 4;
          if (load<i32>(cq) != load<i32>(co) + d0) continue;
          if (dim == 3 && load<i32>(cq, 4) != load<i32>(co, 4) + d1) continue;
          const dl = load<i32>(cq + (<usize>last << 2)) - load<i32>(co + (<usize>last << 2));
          if (dl < -radius || dl > radius) continue;
          const so = values + <usize>o * rowBytes, sq = values + <usize>q * rowBytes;
          const ao = sums + <usize>o * <usize>c * 8, aq = sums + <usize>q * <usize>c * 8;
          for (let b: usize = 0; b < <usize>c; b++) {
            store<f64>(ao + (b << 3), load<f64>(ao + (b << 3)) + <f64>load<T>(sq + b * sizeof<T>()));
            store<f64>(aq + (b << 3), load<f64>(aq + (b << 3)) + <f64>load<T>(so + b * sizeof<T>()));
          }
          store<i32>(counts + (<usize>o << 2), load<i32>(counts + (<usize>o << 2)) + 1);
          store<i32>(counts + (<usize>q << 2), load<i32>(counts + (<usize>q << 2)) + 1);
        }
      }
      store<i32>(cursors + (<usize>l << 2), j);
    }
  }
}

/** addNeighbourSums over float64 values [n, c]: the training's mix of the loss (src/train/mixed-loss.ts)
 *  sums the softmax scores forward and the scaled gradients backward through it, so the network is
 *  trained on the very neighbourhoods the decision stage mixes. */
export function neighbourSums(
  keys: usize, coords: usize, n: i32, dim: i32, s0: i32, s1: i32, s2: i32, radius: i32,
  values: usize, c: i32, sums: usize, counts: usize, cursors: usize,
): void {
  addNeighbourSums<f64>(keys, coords, n, dim, s1, s2, radius, values, c, c, sums, counts, cursors);
}

/** For the n sites of one level (keys sorted ascending, as the levels keep them; coords i32 [n, dim];
 *  s0..s2 the level's size): out[o, :] = the normalised w[o, :], where
 *    w[o, c] = ((1 - share) s[o, c] + share * mean of s[j, c] over the active sites j != o within
 *              Chebyshev distance `radius` of o) * e^(k[c] - max k)
 *  (a site with no such neighbour keeps its own scores in place of the mix), and labels[o] = the first
 *  c with the largest w[o, c]. s: f32 [n, stride] (softmax scores), k: f32 [c] (constants: adding k
 *  to the log of the mixed scores). out may be scores itself: every score is read before the first
 *  row of out is written.
 *  The neighbours' sums come from addNeighbourSums (sums f64 [n * c], counts i32 [n], cursors i32
 *  [smoothLines(dim, radius)] the only scratch), in a fixed order: the same bits wherever it runs. */
export function smoothScores(
  keys: usize, coords: usize, n: i32, dim: i32, s0: i32, s1: i32, s2: i32, radius: i32,
  scores: usize, stride: i32, c: i32, share: f64, constants: usize,
  sums: usize, counts: usize, cursors: usize, out: usize, outStride: i32, labels: usize,
): void {
  addNeighbourSums<f32>(keys, coords, n, dim, s1, s2, radius, scores, stride, c, sums, counts, cursors);
  const rowBytes = <usize>stride * 4;
  // The constants as factors e^(k - max k) <= 1: only their ratios matter, and expNeg is the
  // module's own exp, so no host Math decides a bit.
  let kMax = load<f32>(constants);
  for (let q = 1; q < c; q++) kMax = max<f32>(kMax, load<f32>(constants + (<usize>q << 2)));
  const keep = 1 - share;
  // w = mixed score * factor, into the sums' place, one class at a time (one exp per class).
  for (let q = 0; q < c; q++) {
    const b = <usize>q;
    const factor = <f64>expNeg(load<f32>(constants + (b << 2)) - kMax);
    for (let o = 0; o < n; o++) {
      const a = sums + (<usize>o * <usize>c + b) * 8;
      const s = <f64>load<f32>(scores + <usize>o * rowBytes + (b << 2));
      const m = load<i32>(counts + (<usize>o << 2));
      store<f64>(a, (m > 0 ? keep * s + share * (load<f64>(a) / <f64>m) : s) * factor);
    }
  }
  for (let o = 0; o < n; o++) {
    const ao = sums + <usize>o * <usize>c * 8, yo = out + <usize>o * <usize>outStride * 4;
    let total: f64 = 0, best: f64 = -1, label = 0;
    for (let q = 0; q < c; q++) {
      const w = load<f64>(ao + (<usize>q << 3));
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
