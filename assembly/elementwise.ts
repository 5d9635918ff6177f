// Row-wise data movement and elementwise ops on row-major feature buffers with row strides.
// Channel counts passed as `cpad` are multiples of 4 (padding columns included).

/** out = a + b, elementwise over n rows of cpad columns. */
export function addRows(
  aPtr: usize, aStride: i32, bPtr: usize, bStride: i32, outPtr: usize, outStride: i32, n: i32, cpad: i32,
): void {
  const aS = <usize>aStride * 4, bS = <usize>bStride * 4, oS = <usize>outStride * 4;
  for (let r = 0; r < n; r++) {
    const a = aPtr + <usize>r * aS, b = bPtr + <usize>r * bS, o = outPtr + <usize>r * oS;
    for (let j = 0; j < cpad; j += 4) {
      const jo = <usize>j << 2;
      v128.store(o + jo, f32x4.add(v128.load(a + jo), v128.load(b + jo)));
    }
  }
}

/** Scalar twin of addRows. */
export function addRowsScalar(
  aPtr: usize, aStride: i32, bPtr: usize, bStride: i32, outPtr: usize, outStride: i32, n: i32, cpad: i32,
): void {
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < cpad; j++) {
      store<f32>(outPtr + (<usize>r * outStride + j) * 4,
        load<f32>(aPtr + (<usize>r * aStride + j) * 4) + load<f32>(bPtr + (<usize>r * bStride + j) * 4));
    }
  }
}

/** Channel concatenation out[r] = [a[r, 0..ca), b[r, 0..cb), 0 ... up to outCols): SparseConvNet's
 *  JoinTable. ca and cb are true channel counts (not necessarily multiples of 4); outCols is the
 *  padded width of the result. */
export function concatRows(
  aPtr: usize, aStride: i32, ca: i32, bPtr: usize, bStride: i32, cb: i32,
  outPtr: usize, outStride: i32, outCols: i32, n: i32,
): void {
  const aBytes = <usize>ca * 4, bBytes = <usize>cb * 4, padBytes = <usize>(outCols - ca - cb) * 4;
  for (let r = 0; r < n; r++) {
    const o = outPtr + <usize>r * <usize>outStride * 4;
    memory.copy(o, aPtr + <usize>r * <usize>aStride * 4, aBytes);
    memory.copy(o + aBytes, bPtr + <usize>r * <usize>bStride * 4, bBytes);
    if (padBytes) memory.fill(o + aBytes + bBytes, 0, padBytes);
  }
}

/** Scalar twin of concatRows. */
export function concatRowsScalar(
  aPtr: usize, aStride: i32, ca: i32, bPtr: usize, bStride: i32, cb: i32,
  outPtr: usize, outStride: i32, outCols: i32, n: i32,
): void {
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < outCols; j++) {
      let v: f32 = 0;
      if (j < ca) v = load<f32>(aPtr + (<usize>r * aStride + j) * 4);
      else if (j < ca + cb) v = load<f32>(bPtr + (<usize>r * bStride + j - ca) * 4);
      store<f32>(outPtr + (<usize>r * outStride + j) * 4, v);
    }
  }
}

/** out[i, 0..cols) = in[idx[i], 0..cols) for i in 0..n. */
export function gatherRows(
  inPtr: usize, inStride: i32, idxPtr: usize, n: i32, outPtr: usize, outStride: i32, cols: i32,
): void {
  const bytes = <usize>cols * 4;
  for (let i = 0; i < n; i++) {
    const s = <usize>load<i32>(idxPtr + (<usize>i << 2));
    memory.copy(outPtr + <usize>i * <usize>outStride * 4, inPtr + s * <usize>inStride * 4, bytes);
  }
}

/** Sums input rows into sites: out[site[r]] += in[r] for r ascending (SparseConvNet InputLayer
 *  mode 3). Rows of out are zeroed first; cols is the true channel count. */
export function sumRowsIntoSites(
  inPtr: usize, inStride: i32, sitePtr: usize, nRows: i32,
  outPtr: usize, outStride: i32, nSites: i32, cols: i32,
): void {
  memory.fill(outPtr, 0, <usize>nSites * <usize>outStride * 4);
  for (let r = 0; r < nRows; r++) {
    const o = outPtr + <usize>load<i32>(sitePtr + (<usize>r << 2)) * <usize>outStride * 4;
    const x = inPtr + <usize>r * <usize>inStride * 4;
    for (let j = 0; j < cols; j++) {
      const jo = <usize>j << 2;
      store<f32>(o + jo, load<f32>(o + jo) + load<f32>(x + jo));
    }
  }
}
