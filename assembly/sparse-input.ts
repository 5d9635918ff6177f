// Channel-sparse view of a feature matrix, for convolutions whose input comes out of a ReLU
// (about half of the values are exactly zero, more in trained networks).
//
// Skipping a zero input term never changes a bit of the convolution: the term is in[i,c] * W = ±0
// (weights are finite), and an accumulator that starts at +0 is never -0 (x + y rounds to -0 only
// when both are -0), so adding ±0 leaves it unchanged. The remaining terms keep their order.
//
// Layout: starts[i] .. starts[i + 1] index row i's entries; an entry is 8 bytes, (value f32,
// byte offset c * wRowBytes of the weight row that multiplies it, i32), in channel order.

/** Fills starts[0..n] with the prefix sums of the non-zero counts of n rows of `cin` columns and
 *  returns the total. -0 counts as zero. */
export function nonzeroStarts(inPtr: usize, inStride: i32, n: i32, cin: i32, starts: usize): i32 {
  const inS = <usize>inStride << 2;
  const zero = f32x4.splat(0);
  let total = 0;
  for (let r = 0; r < n; r++) {
    store<i32>(starts + (<usize>r << 2), total);
    const x = inPtr + <usize>r * inS;
    let c = 0;
    for (; c + 4 <= cin; c += 4) total += <i32>popcnt(i32x4.bitmask(f32x4.ne(v128.load(x + (<usize>c << 2)), zero)));
    for (; c < cin; c++) if (load<f32>(x + (<usize>c << 2)) != 0) total++;
  }
  store<i32>(starts + (<usize>n << 2), total);
  return total;
}

/** Writes the entries of n rows (starts from nonzeroStarts). Branch-free: every value is written at
 *  the next slot, which only advances past non-zero values, so `entries` needs room for one entry
 *  beyond the last (nnz + 1). */
export function compressRows(inPtr: usize, inStride: i32, n: i32, cin: i32, wRowBytes: i32, starts: usize, entries: usize): void {
  const inS = <usize>inStride << 2;
  let e = entries;
  for (let r = 0; r < n; r++) {
    const x = inPtr + <usize>r * inS;
    for (let c = 0; c < cin; c++) {
      const v = load<f32>(x + (<usize>c << 2));
      store<f32>(e, v);
      store<i32>(e, c * wRowBytes, 4);
      e += <usize>(<i32>(v != 0) << 3);
    }
  }
}
