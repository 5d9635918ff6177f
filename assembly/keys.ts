// Site keys: (batch, coords) packed into one i64 by row-major linearisation,
//   key = ((batch * S0 + c0) * S1 + c1) [* S2 + c2]
// so that sorting keys sorts sites by batch, then coordinates with the last axis fastest
// (SparseConvNet's kernel-offset order), and so that a neighbour at offset d has key
// key + sum_i d_i * stride_i whenever the neighbour lies inside the volume.
// The TypeScript layer checks that batchCount * prod(S) < 2^62 before calling.

/** Writes keys[i] for n sites; coordinates are shifted right by `shift` first (shift 1 = parent site
 *  one level coarser). `batchPtr` 0 means every site is in batch 0. s0..s2 are the sizes at the
 *  resolution of the keys (already divided by 2^shift); s2 is ignored in 2D. */
export function computeKeys(
  coordsPtr: usize, batchPtr: usize, n: i32, dim: i32,
  s0: i32, s1: i32, s2: i32, shift: i32, keysPtr: usize,
): void {
  const S0 = <i64>s0, S1 = <i64>s1, S2 = <i64>s2;
  if (dim == 2) {
    for (let i = 0; i < n; i++) {
      const b = batchPtr ? <i64>load<i32>(batchPtr + (<usize>i << 2)) : 0;
      const p = coordsPtr + (<usize>i << 3);
      const c0 = <i64>(load<i32>(p) >> shift), c1 = <i64>(load<i32>(p, 4) >> shift);
      store<i64>(keysPtr + (<usize>i << 3), (b * S0 + c0) * S1 + c1);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const b = batchPtr ? <i64>load<i32>(batchPtr + (<usize>i << 2)) : 0;
      const p = coordsPtr + <usize>i * 12;
      const c0 = <i64>(load<i32>(p) >> shift), c1 = <i64>(load<i32>(p, 4) >> shift);
      const c2 = <i64>(load<i32>(p, 8) >> shift);
      store<i64>(keysPtr + (<usize>i << 3), ((b * S0 + c0) * S1 + c1) * S2 + c2);
    }
  }
}

/** Copies the coordinates (shifted right by `shift`) and batch of rows `firstRow[s]` into site s. */
export function gatherSiteCoords(
  coordsPtr: usize, batchPtr: usize, dim: i32, shift: i32,
  firstRowPtr: usize, nSites: i32, coordsOut: usize, batchOut: usize,
): void {
  for (let s = 0; s < nSites; s++) {
    const r = <usize>load<i32>(firstRowPtr + (<usize>s << 2));
    const src = coordsPtr + r * <usize>dim * 4;
    const dst = coordsOut + <usize>s * <usize>dim * 4;
    for (let a = 0; a < dim; a++) store<i32>(dst + (<usize>a << 2), load<i32>(src + (<usize>a << 2)) >> shift);
    store<i32>(batchOut + (<usize>s << 2), batchPtr ? load<i32>(batchPtr + (r << 2)) : 0);
  }
}
