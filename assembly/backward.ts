// Backward kernels for training. Every sum runs in one fixed order (rows ascending, then pairs in
// rulebook order), so gradients are deterministic; per-channel statistics accumulate in f64.

/** Scalar twin of convWeightGrad. */
export function convWeightGradScalar(
  xPtr: usize, xStride: i32, gPtr: usize, gStride: i32, cin: i32, coutPad: i32, K: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize, dwPtr: usize,
): void {
  for (let k = 0; k < K; k++) {
    const p1 = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    for (let p = load<i32>(ruleStart + (<usize>k << 2)); p < p1; p++) {
      const i = <usize>load<i32>(ruleIn + (<usize>p << 2)), o = <usize>load<i32>(ruleOut + (<usize>p << 2));
      for (let c = 0; c < cin; c++) {
        for (let j = 0; j < coutPad; j++) {
          const a = dwPtr + ((<usize>k * cin + c) * coutPad + j) * 4;
          store<f32>(a, load<f32>(a) + load<f32>(xPtr + (i * xStride + c) * 4) * load<f32>(gPtr + (o * gStride + j) * 4));
        }
      }
    }
  }
}

/** Column-at-a-time twin of channelStats (the reference order, cache-unfriendly). */
export function channelStatsScalar(xPtr: usize, xStride: i32, n: i32, c: i32, meanPtr: usize, varPtr: usize): void {
  for (let j = 0; j < c; j++) {
    let s: f64 = 0;
    for (let r = 0; r < n; r++) s += <f64>load<f32>(xPtr + (<usize>r * xStride + j) * 4);
    const mean = n > 0 ? s / n : 0;
    let q: f64 = 0;
    for (let r = 0; r < n; r++) {
      const d = <f64>load<f32>(xPtr + (<usize>r * xStride + j) * 4) - mean;
      q += d * d;
    }
    store<f64>(meanPtr + (<usize>j << 3), mean);
    store<f64>(varPtr + (<usize>j << 3), n > 0 ? q / n : 0);
  }
}

/** Column-at-a-time twin of bnActBackward. Backward of y = act(xhat * w + b), xhat = (x - mean) * invstd, with batch statistics:
 *  gz = g * act'(y) (the activation's slope read from the forward output y), then
 *  db += sum gz, dw += sum gz * xhat, dx = w * invstd * (gz - mean(gz) - xhat * mean(gz * xhat)).
 *  Sums in f64, rows ascending. mean/invstd/w are f32 [c]; dw/db are f32 [c], accumulated. */
export function bnActBackwardScalar(
  xPtr: usize, xStride: i32, yPtr: usize, yStride: i32, gPtr: usize, gStride: i32, dxPtr: usize, dxStride: i32,
  n: i32, c: i32, meanPtr: usize, invstdPtr: usize, wPtr: usize, leak: f32, dwPtr: usize, dbPtr: usize,
): void {
  for (let j = 0; j < c; j++) {
    const jo = <usize>j << 2;
    const mean = load<f32>(meanPtr + jo), invstd = load<f32>(invstdPtr + jo), w = load<f32>(wPtr + jo);
    let sg: f64 = 0, sgx: f64 = 0;
    for (let r = 0; r < n; r++) {
      const y = load<f32>(yPtr + <usize>r * <usize>yStride * 4 + jo);
      const gz = <f64>load<f32>(gPtr + <usize>r * <usize>gStride * 4 + jo) * (y > 0 ? 1.0 : <f64>leak);
      const xhat = (<f64>load<f32>(xPtr + <usize>r * <usize>xStride * 4 + jo) - <f64>mean) * <f64>invstd;
      sg += gz;
      sgx += gz * xhat;
    }
    store<f32>(dbPtr + jo, load<f32>(dbPtr + jo) + <f32>sg);
    store<f32>(dwPtr + jo, load<f32>(dwPtr + jo) + <f32>sgx);
    const mg = n > 0 ? sg / n : 0, mgx = n > 0 ? sgx / n : 0;
    const scale = <f64>w * <f64>invstd;
    for (let r = 0; r < n; r++) {
      const y = load<f32>(yPtr + <usize>r * <usize>yStride * 4 + jo);
      const gz = <f64>load<f32>(gPtr + <usize>r * <usize>gStride * 4 + jo) * (y > 0 ? 1.0 : <f64>leak);
      const xhat = (<f64>load<f32>(xPtr + <usize>r * <usize>xStride * 4 + jo) - <f64>mean) * <f64>invstd;
      store<f32>(dxPtr + <usize>r * <usize>dxStride * 4 + jo, <f32>(scale * (gz - mg - xhat * mgx)));
    }
  }
}

/** Column-at-a-time twin of columnSums. */
export function columnSumsScalar(gPtr: usize, gStride: i32, n: i32, c: i32, outPtr: usize): void {
  for (let j = 0; j < c; j++) {
    let s: f64 = 0;
    for (let r = 0; r < n; r++) s += <f64>load<f32>(gPtr + (<usize>r * gStride + j) * 4);
    store<f32>(outPtr + (<usize>j << 2), load<f32>(outPtr + (<usize>j << 2)) + <f32>s);
  }
}

// ---- Fast kernels. Each keeps its twin's per-element summation order (pairs or rows ascending),
// so the results are bit-identical; they only change the loop nest for locality.

/** Weight gradient of a sparse convolution: for each offset k and pair (i, o) in rulebook order,
 *  dW[k][c][j] += x[i][c] * g[o][j]. dW is [K][cin][coutPad], accumulated (not cleared); threads
 *  split it by offsets (convWeightGradOffsets). A block of
 *  2 input channels x 16 output channels stays in registers over a chunk of pairs, instead of a
 *  read-modify-write of dW per pair (bound by store-to-load latency); chunks are small enough that
 *  their x and g rows stay in L1 while every channel block walks them. Pairs are still added in
 *  rulebook order for every dW element, so the bits equal the scalar twin's. */
export function convWeightGrad(
  xPtr: usize, xStride: i32, gPtr: usize, gStride: i32, cin: i32, coutPad: i32, K: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize, dwPtr: usize, nzStarts: usize, nzEntries: usize,
): void {
  if (nzStarts) {
    convWeightGradSparseInput(gPtr, gStride, cin, coutPad, K, ruleStart, ruleIn, ruleOut, dwPtr, nzStarts, nzEntries);
    return;
  }
  const xs = <usize>xStride * 4, gs = <usize>gStride * 4, wRow = <usize>coutPad * 4;
  const chunk = min(512, max(16, 24576 / ((xStride + gStride) * 4)));
  for (let k = 0; k < K; k++) {
    const p0 = load<i32>(ruleStart + (<usize>k << 2)), p1 = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    const dwk = dwPtr + <usize>k * <usize>cin * wRow;
    for (let q0 = p0; q0 < p1; q0 += chunk) {
      const q1 = min(p1, q0 + chunk);
      let c = 0;
      for (; c + 2 <= cin; c += 2) {
        let j = 0;
        for (; j + 16 <= coutPad; j += 16) wg2x16(xPtr + (<usize>c << 2), xs, gPtr + (<usize>j << 2), gs, q0, q1, ruleIn, ruleOut, dwk + <usize>c * wRow + (<usize>j << 2), wRow);
        for (; j < coutPad; j += 4) {
          wg1x4(xPtr + (<usize>c << 2), xs, gPtr + (<usize>j << 2), gs, q0, q1, ruleIn, ruleOut, dwk + <usize>c * wRow + (<usize>j << 2));
          wg1x4(xPtr + (<usize>(c + 1) << 2), xs, gPtr + (<usize>j << 2), gs, q0, q1, ruleIn, ruleOut, dwk + <usize>(c + 1) * wRow + (<usize>j << 2));
        }
      }
      for (; c < cin; c++) {
        for (let j = 0; j < coutPad; j += 4) wg1x4(xPtr + (<usize>c << 2), xs, gPtr + (<usize>j << 2), gs, q0, q1, ruleIn, ruleOut, dwk + <usize>c * wRow + (<usize>j << 2));
      }
    }
  }
}

/** convWeightGrad over the offsets [k0, k1) only, every input channel: the unit in which threads
 *  share a weight gradient (each dW element is then computed by one thread, its terms in pair
 *  order, as by convWeightGrad over all offsets). */
export function convWeightGradOffsets(
  xPtr: usize, xStride: i32, gPtr: usize, gStride: i32, cin: i32, coutPad: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize, dwPtr: usize, nzStarts: usize, nzEntries: usize, k0: i32, k1: i32,
): void {
  convWeightGrad(xPtr, xStride, gPtr, gStride, cin, coutPad, k1 - k0, ruleStart + (<usize>k0 << 2), ruleIn, ruleOut,
    dwPtr + <usize>k0 * <usize>cin * <usize>coutPad * 4, nzStarts, nzEntries);
}

/** convWeightGrad over a channel-sparse x (see sparse-input.ts; entries carry c * coutPad * 4): for
 *  each pair in rulebook order, dW[k][c] += x[i][c] * g[o] for the non-zero x[i][c] only, read-
 *  modify-write on the dW rows. Every dW element still gets its terms in pair order, and the skipped
 *  ones are ±0 (see sparse-input.ts), so the bits equal the dense kernel's. */
function convWeightGradSparseInput(
  gPtr: usize, gStride: i32, cin: i32, coutPad: i32, K: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize, dwPtr: usize, nzStarts: usize, nzEntries: usize,
): void {
  const gs = <usize>gStride * 4, wRow = <usize>coutPad * 4;
  for (let k = 0; k < K; k++) {
    const p0 = load<i32>(ruleStart + (<usize>k << 2)), p1 = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    const dwk = dwPtr + <usize>k * <usize>cin * wRow;
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(ruleIn + (<usize>p << 2));
      const e0 = nzEntries + (<usize>load<i32>(nzStarts + (i << 2)) << 3), e1 = nzEntries + (<usize>load<i32>(nzStarts + (i << 2), 4) << 3);
      const g = gPtr + <usize>load<i32>(ruleOut + (<usize>p << 2)) * gs;
      let j = 0;
      for (; j + 16 <= coutPad; j += 16) {
        const gj = g + (<usize>j << 2), dj = dwk + (<usize>j << 2);
        const ga = v128.load(gj), gb = v128.load(gj, 16), gc = v128.load(gj, 32), gd = v128.load(gj, 48);
        for (let q = e0; q < e1; q += 8) {
          const v = v128.load32_splat(q);
          const d = dj + <usize>load<i32>(q, 4);
          v128.store(d, f32x4.add(v128.load(d), f32x4.mul(v, ga)));
          v128.store(d, f32x4.add(v128.load(d, 16), f32x4.mul(v, gb)), 16);
          v128.store(d, f32x4.add(v128.load(d, 32), f32x4.mul(v, gc)), 32);
          v128.store(d, f32x4.add(v128.load(d, 48), f32x4.mul(v, gd)), 48);
        }
      }
      for (; j < coutPad; j += 4) {
        const ga = v128.load(g + (<usize>j << 2)), dj = dwk + (<usize>j << 2);
        for (let q = e0; q < e1; q += 8) {
          const d = dj + <usize>load<i32>(q, 4);
          v128.store(d, f32x4.add(v128.load(d), f32x4.mul(v128.load32_splat(q), ga)));
        }
      }
    }
  }
}

@inline function wg2x16(x0: usize, xs: usize, g0: usize, gs: usize, p0: i32, p1: i32, ruleIn: usize, ruleOut: usize, d: usize, wRow: usize): void {
  let a0 = v128.load(d), a1 = v128.load(d + 16), a2 = v128.load(d + 32), a3 = v128.load(d + 48);
  let b0 = v128.load(d + wRow), b1 = v128.load(d + wRow + 16), b2 = v128.load(d + wRow + 32), b3 = v128.load(d + wRow + 48);
  for (let p = p0; p < p1; p++) {
    const x = x0 + <usize>load<i32>(ruleIn + (<usize>p << 2)) * xs;
    const g = g0 + <usize>load<i32>(ruleOut + (<usize>p << 2)) * gs;
    const g0v = v128.load(g), g1v = v128.load(g + 16), g2v = v128.load(g + 32), g3v = v128.load(g + 48);
    const u = v128.load32_splat(x), v = v128.load32_splat(x + 4);
    a0 = f32x4.add(a0, f32x4.mul(u, g0v)); a1 = f32x4.add(a1, f32x4.mul(u, g1v));
    a2 = f32x4.add(a2, f32x4.mul(u, g2v)); a3 = f32x4.add(a3, f32x4.mul(u, g3v));
    b0 = f32x4.add(b0, f32x4.mul(v, g0v)); b1 = f32x4.add(b1, f32x4.mul(v, g1v));
    b2 = f32x4.add(b2, f32x4.mul(v, g2v)); b3 = f32x4.add(b3, f32x4.mul(v, g3v));
  }
  v128.store(d, a0); v128.store(d + 16, a1); v128.store(d + 32, a2); v128.store(d + 48, a3);
  v128.store(d + wRow, b0); v128.store(d + wRow + 16, b1); v128.store(d + wRow + 32, b2); v128.store(d + wRow + 48, b3);
}

@inline function wg1x4(x0: usize, xs: usize, g0: usize, gs: usize, p0: i32, p1: i32, ruleIn: usize, ruleOut: usize, d: usize): void {
  let a = v128.load(d);
  for (let p = p0; p < p1; p++) {
    const u = v128.load32_splat(x0 + <usize>load<i32>(ruleIn + (<usize>p << 2)) * xs);
    a = f32x4.add(a, f32x4.mul(u, v128.load(g0 + <usize>load<i32>(ruleOut + (<usize>p << 2)) * gs)));
  }
  v128.store(d, a);
}

/** Rows per block of channelStats, for rows of c channels: a block's rows (about 4 KB of
 *  each array) stay in L1 while each group of channels walks them with its sums in registers
 *  (rows one after another for each channel, as in the twins). Summing in memory row by row
 *  instead made each row wait for the previous row's store. */
@inline function rowBlock(c: i32): i32 {
  return max(8, 1024 / max(c, 1));
}

/** Per-channel batch statistics of n rows: mean and biased variance (two passes, f64, rows
 *  ascending per channel), four channels at a time over blocks of rows. mean/var: f64 [c]. */
export function channelStats(xPtr: usize, xStride: i32, n: i32, c: i32, meanPtr: usize, varPtr: usize): void {
  memory.fill(meanPtr, 0, <usize>c << 3);
  memory.fill(varPtr, 0, <usize>c << 3);
  const xs = <usize>xStride * 4, c4 = c & ~3, rb = rowBlock(c);
  for (let r0 = 0; r0 < n; r0 += rb) {
    const r1 = min(n, r0 + rb);
    for (let j = 0; j < c4; j += 4) {
      const m = meanPtr + (<usize>j << 3);
      let s0 = v128.load(m), s1 = v128.load(m, 16);
      for (let r = r0; r < r1; r++) {
        const x = xPtr + <usize>r * xs + (<usize>j << 2);
        s0 = f64x2.add(s0, widen2(x));
        s1 = f64x2.add(s1, widen2(x + 8));
      }
      v128.store(m, s0);
      v128.store(m, s1, 16);
    }
    for (let j = c4; j < c; j++) {
      const m = meanPtr + (<usize>j << 3);
      let s = load<f64>(m);
      for (let r = r0; r < r1; r++) s += <f64>load<f32>(xPtr + <usize>r * xs + (<usize>j << 2));
      store<f64>(m, s);
    }
  }
  for (let j = 0; j < c; j++) {
    const m = meanPtr + (<usize>j << 3);
    store<f64>(m, n > 0 ? load<f64>(m) / n : 0);
  }
  for (let r0 = 0; r0 < n; r0 += rb) {
    const r1 = min(n, r0 + rb);
    for (let j = 0; j < c4; j += 4) {
      const q = varPtr + (<usize>j << 3), m = meanPtr + (<usize>j << 3);
      const m0 = v128.load(m), m1 = v128.load(m, 16);
      let s0 = v128.load(q), s1 = v128.load(q, 16);
      for (let r = r0; r < r1; r++) {
        const x = xPtr + <usize>r * xs + (<usize>j << 2);
        const d0 = f64x2.sub(widen2(x), m0), d1 = f64x2.sub(widen2(x + 8), m1);
        s0 = f64x2.add(s0, f64x2.mul(d0, d0));
        s1 = f64x2.add(s1, f64x2.mul(d1, d1));
      }
      v128.store(q, s0);
      v128.store(q, s1, 16);
    }
    for (let j = c4; j < c; j++) {
      const q = varPtr + (<usize>j << 3), mean = load<f64>(meanPtr + (<usize>j << 3));
      let s = load<f64>(q);
      for (let r = r0; r < r1; r++) {
        const d = <f64>load<f32>(xPtr + <usize>r * xs + (<usize>j << 2)) - mean;
        s += d * d;
      }
      store<f64>(q, s);
    }
  }
  for (let j = 0; j < c; j++) {
    const q = varPtr + (<usize>j << 3);
    store<f64>(q, n > 0 ? load<f64>(q) / n : 0);
  }
}

/** Backward of y = act(xhat * w + b) with batch statistics (see bnActBackwardScalar for the
 *  formulas), walking rows in memory order, two channels per f64x2 lane pair (IEEE f64 per lane,
 *  so the same bits as the scalar twin; the vector conversion also avoids the false dependency of
 *  scalar f32->f64 conversions, which made the scalar loop latency-bound). scratch: 2c f64. */
export function bnActBackward(
  xPtr: usize, xStride: i32, yPtr: usize, yStride: i32, gPtr: usize, gStride: i32, dxPtr: usize, dxStride: i32,
  n: i32, c: i32, meanPtr: usize, invstdPtr: usize, wPtr: usize, leak: f32, dwPtr: usize, dbPtr: usize, scratch: usize,
): void {
  const sgPtr = scratch, sgxPtr = scratch + (<usize>c << 3);
  memory.fill(scratch, 0, <usize>c << 4);
  const one = f64x2.splat(1.0), leak2 = f64x2.splat(<f64>leak), zero = f32x4.splat(0);
  const c2 = c & ~1;
  for (let r = 0; r < n; r++) {
    const x = xPtr + <usize>r * <usize>xStride * 4, y = yPtr + <usize>r * <usize>yStride * 4, g = gPtr + <usize>r * <usize>gStride * 4;
    for (let j = 0; j < c2; j += 2) {
      const jo = <usize>j << 2, j8 = <usize>j << 3;
      const slope = v128.bitselect(one, leak2, i64x2.extend_low_i32x4_s(f32x4.gt(v128.load64_zero(y + jo), zero)));
      const gz = f64x2.mul(widen2(g + jo), slope);
      const xhat = f64x2.mul(f64x2.sub(widen2(x + jo), widen2(meanPtr + jo)), widen2(invstdPtr + jo));
      v128.store(sgPtr + j8, f64x2.add(v128.load(sgPtr + j8), gz));
      v128.store(sgxPtr + j8, f64x2.add(v128.load(sgxPtr + j8), f64x2.mul(gz, xhat)));
    }
    for (let j = c2; j < c; j++) {
      const jo = <usize>j << 2, j8 = <usize>j << 3;
      const gz = <f64>load<f32>(g + jo) * (load<f32>(y + jo) > 0 ? 1.0 : <f64>leak);
      const xhat = (<f64>load<f32>(x + jo) - <f64>load<f32>(meanPtr + jo)) * <f64>load<f32>(invstdPtr + jo);
      store<f64>(sgPtr + j8, load<f64>(sgPtr + j8) + gz);
      store<f64>(sgxPtr + j8, load<f64>(sgxPtr + j8) + gz * xhat);
    }
  }
  for (let j = 0; j < c; j++) {
    const jo = <usize>j << 2, j8 = <usize>j << 3;
    const sg = load<f64>(sgPtr + j8), sgx = load<f64>(sgxPtr + j8);
    store<f32>(dbPtr + jo, load<f32>(dbPtr + jo) + <f32>sg);
    store<f32>(dwPtr + jo, load<f32>(dwPtr + jo) + <f32>sgx);
    // From here on the scratch holds the means of gz and gz * xhat.
    store<f64>(sgPtr + j8, n > 0 ? sg / n : 0);
    store<f64>(sgxPtr + j8, n > 0 ? sgx / n : 0);
  }
  for (let r = 0; r < n; r++) {
    const x = xPtr + <usize>r * <usize>xStride * 4, y = yPtr + <usize>r * <usize>yStride * 4, g = gPtr + <usize>r * <usize>gStride * 4;
    const dx = dxPtr + <usize>r * <usize>dxStride * 4;
    for (let j = 0; j < c2; j += 2) {
      const jo = <usize>j << 2, j8 = <usize>j << 3;
      const invstd = widen2(invstdPtr + jo);
      const slope = v128.bitselect(one, leak2, i64x2.extend_low_i32x4_s(f32x4.gt(v128.load64_zero(y + jo), zero)));
      const gz = f64x2.mul(widen2(g + jo), slope);
      const xhat = f64x2.mul(f64x2.sub(widen2(x + jo), widen2(meanPtr + jo)), invstd);
      const scale = f64x2.mul(widen2(wPtr + jo), invstd);
      const v = f64x2.mul(scale, f64x2.sub(f64x2.sub(gz, v128.load(sgPtr + j8)), f64x2.mul(xhat, v128.load(sgxPtr + j8))));
      v128.store64_lane(dx + jo, f32x4.demote_f64x2_zero(v), 0);
    }
    for (let j = c2; j < c; j++) {
      const jo = <usize>j << 2, j8 = <usize>j << 3;
      const invstd = <f64>load<f32>(invstdPtr + jo);
      const gz = <f64>load<f32>(g + jo) * (load<f32>(y + jo) > 0 ? 1.0 : <f64>leak);
      const xhat = (<f64>load<f32>(x + jo) - <f64>load<f32>(meanPtr + jo)) * invstd;
      const scale = <f64>load<f32>(wPtr + jo) * invstd;
      store<f32>(dx + jo, <f32>(scale * (gz - load<f64>(sgPtr + j8) - xhat * load<f64>(sgxPtr + j8))));
    }
  }
}

/** Two consecutive f32 widened to an f64x2. */
@inline function widen2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** out[j] += sum over rows of g[r][j] (f64 sums, rows ascending): bias gradients, walking rows in
 *  memory order. scratch holds c f64. */
export function columnSums(gPtr: usize, gStride: i32, n: i32, c: i32, outPtr: usize, scratch: usize): void {
  memory.fill(scratch, 0, <usize>c << 3);
  for (let r = 0; r < n; r++) {
    const g = gPtr + <usize>r * <usize>gStride * 4;
    for (let j = 0; j < c; j++) {
      const s = scratch + (<usize>j << 3);
      store<f64>(s, load<f64>(s) + <f64>load<f32>(g + (<usize>j << 2)));
    }
  }
  for (let j = 0; j < c; j++) {
    const o = outPtr + (<usize>j << 2);
    store<f32>(o, load<f32>(o) + <f32>load<f64>(scratch + (<usize>j << 3)));
  }
}

/** out[k][j][c] = w[k][c][j] for c < cin, and 0 for cin <= c < cinPad: each kernel offset's
 *  weights [K][cin][coutPad] transposed to [K][cout][cinPad], for the input gradient dx = g W^T. */
export function transposeOffsets(w: usize, K: i32, cin: i32, cout: i32, coutPad: i32, out: usize, cinPad: i32): void {
  for (let k = 0; k < K; k++) {
    const wk = w + (<usize>(k * cin * coutPad) << 2), ok = out + (<usize>(k * cout * cinPad) << 2);
    for (let j = 0; j < cout; j++) {
      const oj = ok + (<usize>(j * cinPad) << 2), wj = wk + (<usize>j << 2);
      for (let c = 0; c < cin; c++) store<f32>(oj + (<usize>c << 2), load<f32>(wj + (<usize>(c * coutPad) << 2)));
      for (let c = cin; c < cinPad; c++) store<f32>(oj + (<usize>c << 2), 0);
    }
  }
}
