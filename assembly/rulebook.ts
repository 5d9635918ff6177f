// Rulebooks: for each kernel offset k, the list of (input row, output row) pairs it connects.
// Layout: ruleStart i32[K+1] (pairs of offset k are [ruleStart[k], ruleStart[k+1])), ruleIn i32[P],
// ruleOut i32[P]. Within one offset every output row appears at most once and pairs are in
// ascending output order, so a kernel can update outputs in place without conflicts and the
// per-output summation order is the canonical offset order (see DESIGN.md).
//
// Submanifold offsets enumerate d in {-r..r}^dim row-major with the last axis fastest, which is
// SparseConvNet's weight order. Strided (kernel 2, stride 2) offsets enumerate kvec in {0,1}^dim the
// same way.

import { hashFind } from "./hash";

/** Builds the submanifold rulebook of odd kernel size ks over n sites with sorted unique keys,
 *  by merging the sorted key list with itself shifted by each offset's key delta: sequential
 *  memory access only, O(n) per offset. Coordinates (i32 [n, dim]) give the bounds check that
 *  keeps a shifted key from wrapping into the next row. Only the first half of the offsets is
 *  searched: the centre offset pairs every site with itself, and offset K-1-k (the mirror -d of
 *  offset k) has exactly k's pairs swapped, which are again in ascending output order because the
 *  merge finds neighbours in ascending order. Returns the number of pairs. */
export function subRulesMerge(
  keys: usize, coords: usize, n: i32, dim: i32, s0: i32, s1: i32, s2: i32, ks: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize,
): i32 {
  const r = ks >> 1;
  const K = dim == 2 ? ks * ks : ks * ks * ks;
  const centre = K >> 1;
  const S1 = <i64>s1, S2 = <i64>s2;
  let p = 0;
  for (let k = 0; k < centre; k++) {
    store<i32>(ruleStart + (<usize>k << 2), p);
    let d0: i32, d1: i32, d2: i32 = 0;
    let delta: i64;
    if (dim == 2) {
      d0 = k / ks - r; d1 = k % ks - r;
      delta = <i64>d0 * S1 + <i64>d1;
    } else {
      d0 = k / (ks * ks) - r; d1 = (k / ks) % ks - r; d2 = k % ks - r;
      delta = (<i64>d0 * S1 + <i64>d1) * S2 + <i64>d2;
    }
    // Branch-free merge: each step compares key j with site o's target and advances j (key below
    // the target) or o (a match, or no neighbour there), so at most 2n steps. The pair is written
    // at p every step and kept only on a match inside the volume. A branch per site on whether its
    // neighbour exists, taken about as often as not, had made this 1.3% of a 3D 192^3 event.
    // (delta < 0 here, so the target is below site o's own key and j <= o < n.)
    let j = 0, o = 0;
    while (o < n) {
      const c = coords + <usize>o * <usize>dim * 4;
      const x0 = load<i32>(c) + d0, x1 = load<i32>(c, 4) + d1;
      let inside = <i32>(<u32>x0 < <u32>s0) & <i32>(<u32>x1 < <u32>s1);
      if (dim == 3) inside &= <i32>(<u32>(load<i32>(c, 8) + d2) < <u32>s2);
      const target = load<i64>(keys + (<usize>o << 3)) + delta;
      const key = load<i64>(keys + (<usize>j << 3));
      store<i32>(ruleIn + (<usize>p << 2), j);
      store<i32>(ruleOut + (<usize>p << 2), o);
      p += inside & <i32>(key == target);
      const below = <i32>(key < target);
      j += below;
      o += below ^ 1;
    }
  }
  store<i32>(ruleStart + (<usize>centre << 2), p);
  for (let o = 0; o < n; o++) {
    store<i32>(ruleIn + (<usize>p << 2), o);
    store<i32>(ruleOut + (<usize>p << 2), o);
    p++;
  }
  for (let k = centre + 1; k < K; k++) {
    store<i32>(ruleStart + (<usize>k << 2), p);
    const m = K - 1 - k;
    const q0 = load<i32>(ruleStart + (<usize>m << 2)), q1 = load<i32>(ruleStart + (<usize>(m + 1) << 2));
    for (let q = q0; q < q1; q++) {
      store<i32>(ruleIn + (<usize>p << 2), load<i32>(ruleOut + (<usize>q << 2)));
      store<i32>(ruleOut + (<usize>p << 2), load<i32>(ruleIn + (<usize>q << 2)));
      p++;
    }
  }
  store<i32>(ruleStart + (<usize>K << 2), p);
  return p;
}

/** The same rulebook built with hash-table lookups (table from hashBuild over the same keys).
 *  Kept as an independent construction to cross-check subRulesMerge, and for unsorted keys. */
export function subRulesHash(
  table: usize, capLog2: i32, keys: usize, coords: usize, n: i32, dim: i32,
  s0: i32, s1: i32, s2: i32, ks: i32, ruleStart: usize, ruleIn: usize, ruleOut: usize,
): i32 {
  const r = ks >> 1;
  const K = dim == 2 ? ks * ks : ks * ks * ks;
  const S1 = <i64>s1, S2 = <i64>s2;
  let p = 0;
  for (let k = 0; k < K; k++) {
    store<i32>(ruleStart + (<usize>k << 2), p);
    let d0: i32, d1: i32, d2: i32 = 0;
    let delta: i64;
    if (dim == 2) {
      d0 = k / ks - r; d1 = k % ks - r;
      delta = <i64>d0 * S1 + <i64>d1;
    } else {
      d0 = k / (ks * ks) - r; d1 = (k / ks) % ks - r; d2 = k % ks - r;
      delta = (<i64>d0 * S1 + <i64>d1) * S2 + <i64>d2;
    }
    for (let o = 0; o < n; o++) {
      const c = coords + <usize>o * <usize>dim * 4;
      const x0 = load<i32>(c) + d0, x1 = load<i32>(c, 4) + d1;
      if (<u32>x0 >= <u32>s0 || <u32>x1 >= <u32>s1) continue;
      if (dim == 3) {
        const x2 = load<i32>(c, 8) + d2;
        if (<u32>x2 >= <u32>s2) continue;
      }
      const j = hashFind(table, capLog2, load<i64>(keys + (<usize>o << 3)) + delta);
      if (j >= 0) {
        store<i32>(ruleIn + (<usize>p << 2), j);
        store<i32>(ruleOut + (<usize>p << 2), o);
        p++;
      }
    }
  }
  store<i32>(ruleStart + (<usize>K << 2), p);
  return p;
}

/** Rulebook of the strided convolution (kernel 2, stride 2) from fine sites to their parents:
 *  parentOf[f] is the coarse row of fine site f, its offset k is the row-major index of its
 *  coordinates' parities. Pairs are (fine, coarse), grouped by k, fine rows ascending within k.
 *  The transposed convolution reads the same pairs swapped. */
export function stridedRules(
  coords: usize, nFine: i32, dim: i32, parentOf: usize,
  ruleStart: usize, ruleIn: usize, ruleOut: usize,
): void {
  const K = 1 << dim;
  memory.fill(ruleStart, 0, <usize>(K + 1) << 2);
  for (let f = 0; f < nFine; f++) {
    const k = parityIndex(coords, f, dim);
    store<i32>(ruleStart + (<usize>(k + 1) << 2), load<i32>(ruleStart + (<usize>(k + 1) << 2)) + 1);
  }
  for (let k = 0; k < K; k++) {
    store<i32>(ruleStart + (<usize>(k + 1) << 2),
      load<i32>(ruleStart + (<usize>(k + 1) << 2)) + load<i32>(ruleStart + (<usize>k << 2)));
  }
  // Fill using ruleStart[k] as a cursor, then shift the cursors back.
  for (let f = 0; f < nFine; f++) {
    const k = parityIndex(coords, f, dim);
    const pos = <usize>load<i32>(ruleStart + (<usize>k << 2));
    store<i32>(ruleStart + (<usize>k << 2), <i32>pos + 1);
    store<i32>(ruleIn + (pos << 2), f);
    store<i32>(ruleOut + (pos << 2), load<i32>(parentOf + (<usize>f << 2)));
  }
  for (let k = K; k > 0; k--) {
    store<i32>(ruleStart + (<usize>k << 2), load<i32>(ruleStart + (<usize>(k - 1) << 2)));
  }
  store<i32>(ruleStart, 0);
}

// @ts-ignore: decorator
@inline function parityIndex(coords: usize, f: i32, dim: i32): i32 {
  const c = coords + <usize>f * <usize>dim * 4;
  let k = 0;
  for (let a = 0; a < dim; a++) k = (k << 1) | (load<i32>(c + (<usize>a << 2)) & 1);
  return k;
}

/** The output-stationary form of a rulebook, for kernels that own one output row each (WebGPU):
 *  table[o * K + k] = the input row that offset k brings to output row o, or -1. */
export function rulesToTable(ruleStart: usize, ruleIn: usize, ruleOut: usize, K: i32, nOut: i32, table: usize): void {
  memory.fill(table, 0xff, <usize>nOut * <usize>K * 4);
  for (let k = 0; k < K; k++) {
    const p1 = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    for (let p = load<i32>(ruleStart + (<usize>k << 2)); p < p1; p++) {
      const o = <usize>load<i32>(ruleOut + (<usize>p << 2));
      store<i32>(table + (o * <usize>K + <usize>k) * 4, load<i32>(ruleIn + (<usize>p << 2)));
    }
  }
}
