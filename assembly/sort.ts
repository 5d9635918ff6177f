// Stable LSD radix sort of (i64 key, i32 payload) pairs, 8 bits per pass, as many passes as the
// largest key needs. Stability makes equal keys keep their payload order, which is what makes
// duplicate-summing and first-occurrence bookkeeping deterministic.

/** Sorts keys[0..n) with payload vals[0..n) ascending by key. tmpKeys/tmpVals are scratch of the
 *  same sizes, counts is scratch of 256 i32. `bits` is the number of significant key bits.
 *  Returns 0 when the result is in (keys, vals), 1 when it is in (tmpKeys, tmpVals). */
export function radixSortPairs(
  keys: usize, vals: usize, n: i32, tmpKeys: usize, tmpVals: usize, counts: usize, bits: i32,
): i32 {
  let srcK = keys, srcV = vals, dstK = tmpKeys, dstV = tmpVals;
  let flipped = 0;
  for (let shift = 0; shift < bits; shift += 8) {
    memory.fill(counts, 0, 256 * 4);
    for (let i = 0; i < n; i++) {
      const d = <usize>((load<i64>(srcK + (<usize>i << 3)) >>> shift) & 0xff);
      store<i32>(counts + (d << 2), load<i32>(counts + (d << 2)) + 1);
    }
    // Skip a pass in which every key has the same digit: it would be an identity permutation.
    let single = false;
    for (let d = 0; d < 256; d++) {
      const c = load<i32>(counts + (<usize>d << 2));
      if (c == n) { single = true; break; }
      if (c != 0) break;
    }
    if (single) continue;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = load<i32>(counts + (<usize>d << 2));
      store<i32>(counts + (<usize>d << 2), sum);
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = load<i64>(srcK + (<usize>i << 3));
      const d = <usize>((k >>> shift) & 0xff);
      const pos = <usize>load<i32>(counts + (d << 2));
      store<i32>(counts + (d << 2), <i32>pos + 1);
      store<i64>(dstK + (pos << 3), k);
      store<i32>(dstV + (pos << 2), load<i32>(srcV + (<usize>i << 2)));
    }
    const tk = srcK; srcK = dstK; dstK = tk;
    const tv = srcV; srcV = dstV; dstV = tv;
    flipped ^= 1;
  }
  return flipped;
}

/** Collapses runs of equal keys in sorted (keys, vals). For sorted position i the site index is
 *  written to siteOf[vals[i]]; the first payload of each run goes to firstVal[site] and its key to
 *  uniqueKeys[site]. Returns the number of distinct keys. */
export function uniqueSorted(
  keys: usize, vals: usize, n: i32, siteOf: usize, uniqueKeys: usize, firstVal: usize,
): i32 {
  let m = 0;
  let prev: i64 = 0;
  for (let i = 0; i < n; i++) {
    const k = load<i64>(keys + (<usize>i << 3));
    const v = load<i32>(vals + (<usize>i << 2));
    if (i == 0 || k != prev) {
      store<i64>(uniqueKeys + (<usize>m << 3), k);
      store<i32>(firstVal + (<usize>m << 2), v);
      m++;
      prev = k;
    }
    store<i32>(siteOf + (<usize>v << 2), m - 1);
  }
  return m;
}
