import { affineAct } from "./bnact";
import { addRows } from "./elementwise";

// Sparse convolution over a rulebook (gather - multiply - accumulate in place):
//   out[o, :] = 0; for k in offset order: for (i, o) in rules[k]: for c in 0..cin: out[o, :] += in[i, c] * W[k, c, :]
// with an f32 multiply and an f32 add per term (no fused multiply-add). Keeping the partial sum in
// the output row between offsets gives exactly the bits of a register accumulator, so the result
// is the determinism contract of DESIGN.md whatever the blocking. The SIMD kernel vectorises over
// output channels (4 lanes) and blocks 2 pairs x 16 channels in registers; its scalar twin below
// performs the same operations one lane at a time and must agree with it bit for bit.
//
// Layouts: features row-major with a row stride (floats) >= channels; weights packed per offset as
// [K][cin][coutPad] with coutPad a multiple of 4 (padding columns are zero, so padding output
// columns come out as +0).

/** SIMD sparse convolution. Outputs are processed in tiles of `tileRows` rows: for each tile, every
 *  offset's pairs that write into it (tileStarts[k * (nTiles + 1) + t] .. [.. + t + 1], from
 *  ruleTiles), so a tile's output rows stay in cache across all offsets. Within an output row
 *  the order is still offset by offset, so tiling does not change a bit. Only tiles
 *  [tBegin, tEnd) are computed: threads share a convolution by taking disjoint tile ranges.
 *  Epilogue, applied to each finished tile while it is in cache: y = acc (+ addend row when
 *  addPtr != 0), then (when scalePtr != 0) y = y * scale + shift and (leaky) ReLU: exactly the
 *  operations of addRows and affineAct run afterwards, so fusing them changes no bit. */
export function convRules(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, nOut: i32,
  wPtr: usize, cin: i32, coutPad: i32, K: i32,
  tileStarts: usize, tileRows: i32, nTiles: i32, tBegin: i32, tEnd: i32, ruleIn: usize, ruleOut: usize,
  addPtr: usize, addStride: i32, scalePtr: usize, shiftPtr: usize, leak: f32,
  nzStarts: usize, nzEntries: usize,
): void {
  const wK = <usize>cin * <usize>coutPad * 4;
  const inS = <usize>inStride * 4, outS = <usize>outStride * 4, wRow = <usize>coutPad * 4;
  const tsRow = <usize>(nTiles + 1) << 2;
  for (let t = tBegin; t < tEnd; t++) {
    const r0 = t * tileRows;
    zeroRows(outPtr + <usize>r0 * outS, outStride, min(tileRows, nOut - r0), coutPad);
    for (let k = 0; k < K; k++) {
      const ts = tileStarts + <usize>k * tsRow + (<usize>t << 2);
      const p1 = load<i32>(ts, 4);
      const wk = wPtr + <usize>k * wK;
      let p = load<i32>(ts);
      if (p < p1) touchLines(wk, wk + wK);
      if (nzStarts) {
        // Channel-sparse input (see sparse-input.ts): one pair at a time over its non-zero entries,
        // at every width (two pairs side by side at 16 columns made V8 spill accumulators and ran
        // slower: docs/performance.md). The next pair's input row, entry range and output row are
        // read before this pair's entries are multiplied: their chain of dependent loads (rule ->
        // row starts -> entries -> weights) then no longer waits behind the end of each pair's
        // loop (5000 x 32 x 32, 27 offsets, half-zero input: 0.94x the time; session 42).
        if (p < p1) {
          const i = <usize>load<i32>(ruleIn + (<usize>p << 2));
          let e0 = load<i32>(nzStarts + (i << 2)), e1 = load<i32>(nzStarts + (i << 2), 4);
          let o = load<i32>(ruleOut + (<usize>p << 2));
          const last = p1 - 1;
          for (; p < p1; p++) {
            const pn = <usize>(p < last ? p + 1 : p);
            const iN = <usize>load<i32>(ruleIn + (pn << 2));
            const oN = load<i32>(ruleOut + (pn << 2));
            const e0N = load<i32>(nzStarts + (iN << 2)), e1N = load<i32>(nzStarts + (iN << 2), 4);
            if (e0 != e1) sparseRow(nzEntries + (<usize>e0 << 3), nzEntries + (<usize>e1 << 3), outPtr + <usize>o * outS, wk, coutPad);
            e0 = e0N; e1 = e1N; o = oN;
          }
        }
        continue;
      }
      for (; p + 2 <= p1; p += 2) {
        const pi = ruleIn + (<usize>p << 2), po = ruleOut + (<usize>p << 2);
        const x0 = inPtr + <usize>load<i32>(pi) * inS, x1 = inPtr + <usize>load<i32>(pi, 4) * inS;
        const y0 = outPtr + <usize>load<i32>(po) * outS, y1 = outPtr + <usize>load<i32>(po, 4) * outS;
        block2(x0, x1, y0, y1, wk, cin, coutPad, wRow);
      }
      if (p < p1) {
        const x = inPtr + <usize>load<i32>(ruleIn + (<usize>p << 2)) * inS;
        const y = outPtr + <usize>load<i32>(ruleOut + (<usize>p << 2)) * outS;
        block1(x, y, wk, cin, coutPad, wRow);
      }
    }
    const rows = min(tileRows, nOut - r0);
    if (addPtr) {
      addRows(outPtr + <usize>r0 * outS, outStride, addPtr + <usize>r0 * <usize>addStride * 4, addStride,
        outPtr + <usize>r0 * outS, outStride, rows, coutPad);
    }
    if (scalePtr) {
      affineAct(outPtr + <usize>r0 * outS, outStride, outPtr + <usize>r0 * outS, outStride, rows, coutPad, scalePtr, shiftPtr, leak);
    }
  }
}

// Reads one word of each cache line of [p, end), in address order, so that a block of weights is in
// cache before the kernel reads it. A convolution's weights are read once per event and are cold
// then (the 32-filter 3D network holds 44 MB of them); the kernels read them in the order of the
// pairs and, in the channel-sparse path, of the non-zero input channels. In the network, a
// convolution's first call took up to 1.5x as long as an immediate repeat of the same call; with
// its weights read in order first, at most 1.15x (docs/performance.md, session 41). Per tile and
// offset, at most cin x coutPad floats: 3D 192^3 0.95-0.97x the time at 16 and 32 filters.
// (The sink keeps the loads from being optimised away; it is never read.)
let touchSink: i32 = 0;
// @ts-ignore: decorator
@inline function touchLines(p: usize, end: usize): void {
  let s: i32 = 0;
  for (; p < end; p += 64) s |= load<i32>(p);
  touchSink |= s;
}

/** Tile boundaries of a rulebook whose pairs are sorted by output row within each offset:
 *  tileStarts[k * (nTiles + 1) + t] = first pair of offset k with output row >= t * tileRows, and
 *  [.. + nTiles] = the end of offset k's pairs. */
export function ruleTiles(ruleStart: usize, ruleOut: usize, K: i32, tileRows: i32, nTiles: i32, tileStarts: usize): void {
  for (let k = 0; k < K; k++) {
    let p = load<i32>(ruleStart + (<usize>k << 2));
    const end = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    const row = tileStarts + <usize>k * (<usize>(nTiles + 1) << 2);
    for (let t = 0; t < nTiles; t++) {
      const first = t * tileRows;
      while (p < end && load<i32>(ruleOut + (<usize>p << 2)) < first) p++;
      store<i32>(row + (<usize>t << 2), p);
    }
    store<i32>(row + (<usize>nTiles << 2), end);
  }
}

/** Scalar twin of convRules: same operations, same order, one output element at a time. */
export function convRulesScalar(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, nOut: i32,
  wPtr: usize, cin: i32, coutPad: i32, K: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize,
): void {
  for (let o = 0; o < nOut; o++) {
    for (let j = 0; j < coutPad; j++) store<f32>(outPtr + (<usize>o * outStride + j) * 4, 0);
  }
  for (let k = 0; k < K; k++) {
    const p0 = load<i32>(ruleStart + (<usize>k << 2));
    const p1 = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(ruleIn + (<usize>p << 2));
      const o = <usize>load<i32>(ruleOut + (<usize>p << 2));
      for (let j = 0; j < coutPad; j++) {
        const y = outPtr + (o * outStride + j) * 4;
        let acc = load<f32>(y);
        for (let c = 0; c < cin; c++) {
          acc = acc + load<f32>(inPtr + (i * inStride + c) * 4) *
            load<f32>(wPtr + ((<usize>k * cin + c) * coutPad + j) * 4);
        }
        store<f32>(y, acc);
      }
    }
  }
}

/** Dense rows times a matrix: out[r, :] = in[r, :] @ W (+ bias), W [cin][coutPad]; the bias, when
 *  biasPtr != 0, is added after the sum (epilogue). Used by NetworkInNetwork and Linear. */
export function gemmRows(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, n: i32,
  wPtr: usize, cin: i32, coutPad: i32, biasPtr: usize,
): void {
  zeroRows(outPtr, outStride, n, coutPad);
  const inS = <usize>inStride * 4, outS = <usize>outStride * 4, wRow = <usize>coutPad * 4;
  let r = 0;
  for (; r + 2 <= n; r += 2) {
    const x = inPtr + <usize>r * inS, y = outPtr + <usize>r * outS;
    block2(x, x + inS, y, y + outS, wPtr, cin, coutPad, wRow);
  }
  if (r < n) block1(inPtr + <usize>r * inS, outPtr + <usize>r * outS, wPtr, cin, coutPad, wRow);
  if (biasPtr) {
    for (let q = 0; q < n; q++) {
      const y = outPtr + <usize>q * outS;
      for (let j = 0; j < coutPad; j += 4) {
        v128.store(y + (<usize>j << 2), f32x4.add(v128.load(y + (<usize>j << 2)), v128.load(biasPtr + (<usize>j << 2))));
      }
    }
  }
}

/** Scalar twin of gemmRows. */
export function gemmRowsScalar(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, n: i32,
  wPtr: usize, cin: i32, coutPad: i32, biasPtr: usize,
): void {
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < coutPad; j++) {
      let acc: f32 = 0;
      for (let c = 0; c < cin; c++) {
        acc = acc + load<f32>(inPtr + (<usize>r * inStride + c) * 4) * load<f32>(wPtr + (<usize>c * coutPad + j) * 4);
      }
      if (biasPtr) acc = acc + load<f32>(biasPtr + (<usize>j << 2));
      store<f32>(outPtr + (<usize>r * outStride + j) * 4, acc);
    }
  }
}

/** Sets n rows of `cols` floats (a multiple of 4) to +0. */
export function zeroRows(ptr: usize, stride: i32, n: i32, cols: i32): void {
  if (stride == cols) { memory.fill(ptr, 0, <usize>n * <usize>cols * 4); return; }
  for (let r = 0; r < n; r++) memory.fill(ptr + <usize>r * <usize>stride * 4, 0, <usize>cols * 4);
}

// Two rows x (16-column blocks, then 8- and 4-column tails), accumulating into the output rows.
// 2 x 16 keeps 8 accumulators, 2 broadcast inputs and one weight vector in registers (x64 has 16
// vector registers), and walks the input rows by pointer: measured fastest among 4x8, 6x8, 2x16
// and unrolled variants (bench/kernels).
// (Exported for the timing probes of bench/term-cost; the engine's module does not export it.)
// @ts-ignore: decorator
@inline export function block2(x0: usize, x1: usize, y0: usize, y1: usize, w: usize, cin: i32, coutPad: i32, wRow: usize): void {
  const d1 = x1 - x0;
  const xe = x0 + (<usize>cin << 2);
  let j = 0;
  for (; j + 16 <= coutPad; j += 16) {
    const jo = <usize>j << 2;
    let a0 = v128.load(y0 + jo), b0 = v128.load(y0 + jo, 16), c0 = v128.load(y0 + jo, 32), e0 = v128.load(y0 + jo, 48);
    let a1 = v128.load(y1 + jo), b1 = v128.load(y1 + jo, 16), c1 = v128.load(y1 + jo, 32), e1 = v128.load(y1 + jo, 48);
    let wp = w + jo;
    for (let xp = x0; xp < xe; xp += 4) {
      const v0 = v128.load32_splat(xp), v1 = v128.load32_splat(xp + d1);
      const wa = v128.load(wp);
      a0 = madd(v0, wa, a0); a1 = madd(v1, wa, a1);
      const wb = v128.load(wp, 16);
      b0 = madd(v0, wb, b0); b1 = madd(v1, wb, b1);
      const wc = v128.load(wp, 32);
      c0 = madd(v0, wc, c0); c1 = madd(v1, wc, c1);
      const wd = v128.load(wp, 48);
      e0 = madd(v0, wd, e0); e1 = madd(v1, wd, e1);
      wp += wRow;
    }
    v128.store(y0 + jo, a0); v128.store(y0 + jo, b0, 16); v128.store(y0 + jo, c0, 32); v128.store(y0 + jo, e0, 48);
    v128.store(y1 + jo, a1); v128.store(y1 + jo, b1, 16); v128.store(y1 + jo, c1, 32); v128.store(y1 + jo, e1, 48);
  }
  if (j + 8 <= coutPad) {
    const jo = <usize>j << 2;
    let a0 = v128.load(y0 + jo), b0 = v128.load(y0 + jo, 16);
    let a1 = v128.load(y1 + jo), b1 = v128.load(y1 + jo, 16);
    let wp = w + jo;
    for (let xp = x0; xp < xe; xp += 4) {
      const v0 = v128.load32_splat(xp), v1 = v128.load32_splat(xp + d1);
      const wa = v128.load(wp), wb = v128.load(wp, 16);
      a0 = madd(v0, wa, a0); a1 = madd(v1, wa, a1);
      b0 = madd(v0, wb, b0); b1 = madd(v1, wb, b1);
      wp += wRow;
    }
    v128.store(y0 + jo, a0); v128.store(y0 + jo, b0, 16);
    v128.store(y1 + jo, a1); v128.store(y1 + jo, b1, 16);
    j += 8;
  }
  if (j < coutPad) {
    const jo = <usize>j << 2;
    let a0 = v128.load(y0 + jo), a1 = v128.load(y1 + jo);
    let wp = w + jo;
    for (let xp = x0; xp < xe; xp += 4) {
      const wa = v128.load(wp);
      a0 = madd(v128.load32_splat(xp), wa, a0);
      a1 = madd(v128.load32_splat(xp + d1), wa, a1);
      wp += wRow;
    }
    v128.store(y0 + jo, a0); v128.store(y1 + jo, a1);
  }
}

// One output row from a channel-sparse input row (entries [e, ee): value, weight-row byte offset):
// 24- and 16-column blocks, then 8- and 4-column tails; a row of exactly 32 columns in one pass
// (sparseCols32). Per non-zero input the multiply-adds are those of the dense kernel, in the same
// order. Why not 32-column blocks everywhere: V8 schedules all of an iteration's loads before its
// arithmetic, so 8 weight vectors + 8 accumulators + the broadcast need 17 registers; it spilled
// an accumulator and every term then waited on a store-load round trip. 24 columns need 13
// (bench/kernels: +10-25% at 32-160 channels). sparseCols32 avoids the spill, but as blocks of
// wider rows (48 as 32 + 16, 64 as 32 + 32, ...) it was no faster than the 24-column ones
// (0.99-1.02x, session 42).
// @ts-ignore: decorator
@inline function sparseRow(e: usize, ee: usize, y: usize, w: usize, coutPad: i32): void {
  if (coutPad == 32) { sparseCols32(e, ee, y, w); return; }
  // 24 columns where they fit, except that a remainder of 8 is better done as 16 + 16 (measured).
  let n24 = coutPad / 24;
  if (n24 > 0 && coutPad - n24 * 24 == 8) n24--;
  let j = 0;
  for (const j24 = n24 * 24; j < j24; j += 24) {
    const yj = y + (<usize>j << 2), wj = w + (<usize>j << 2);
    let a0 = v128.load(yj), a1 = v128.load(yj, 16), a2 = v128.load(yj, 32), a3 = v128.load(yj, 48);
    let a4 = v128.load(yj, 64), a5 = v128.load(yj, 80);
    for (let q = e; q < ee; q += 8) {
      const v = v128.load32_splat(q);
      const wp = wj + <usize>load<i32>(q, 4);
      a0 = madd(v, v128.load(wp), a0); a1 = madd(v, v128.load(wp, 16), a1);
      a2 = madd(v, v128.load(wp, 32), a2); a3 = madd(v, v128.load(wp, 48), a3);
      a4 = madd(v, v128.load(wp, 64), a4); a5 = madd(v, v128.load(wp, 80), a5);
    }
    v128.store(yj, a0); v128.store(yj, a1, 16); v128.store(yj, a2, 32); v128.store(yj, a3, 48);
    v128.store(yj, a4, 64); v128.store(yj, a5, 80);
  }
  for (; j + 16 <= coutPad; j += 16) sparseCols16(e, ee, y + (<usize>j << 2), w + (<usize>j << 2));
  if (j + 8 <= coutPad) {
    const yj = y + (<usize>j << 2), wj = w + (<usize>j << 2);
    let a0 = v128.load(yj), a1 = v128.load(yj, 16);
    for (let q = e; q < ee; q += 8) {
      const v = v128.load32_splat(q);
      const wp = wj + <usize>load<i32>(q, 4);
      a0 = madd(v, v128.load(wp), a0); a1 = madd(v, v128.load(wp, 16), a1);
    }
    v128.store(yj, a0); v128.store(yj, a1, 16);
    j += 8;
  }
  if (j < coutPad) {
    const yj = y + (<usize>j << 2), wj = w + (<usize>j << 2);
    let a0 = v128.load(yj);
    for (let q = e; q < ee; q += 8) {
      a0 = madd(v128.load32_splat(q), v128.load(wj + <usize>load<i32>(q, 4)), a0);
    }
    v128.store(yj, a0);
  }
}

// All 32 columns of one output row in one pass over the entries: eight independent accumulator
// chains, where two passes of 16 columns have four each and pay each entry's broadcast, index and
// loop twice (5000 x 32 x 32, 27 offsets, half-zero input: 0.90x the time of 16 + 16 with the
// pairs read ahead; session 42). V8 would load all eight weight vectors before the arithmetic
// and, needing 17 registers, spill an accumulator (then 1.2x the time); storing a0 and a1 into
// the output row, where they end anyway, keeps their weights from being loaded before those two
// multiply-adds are done, so the other six weights, eight accumulators and the broadcast fit in
// 15 registers.
// @ts-ignore: decorator
@inline function sparseCols32(e: usize, ee: usize, y: usize, w: usize): void {
  let a0 = v128.load(y), a1 = v128.load(y, 16), a2 = v128.load(y, 32), a3 = v128.load(y, 48);
  let a4 = v128.load(y, 64), a5 = v128.load(y, 80), a6 = v128.load(y, 96), a7 = v128.load(y, 112);
  for (let q = e; q < ee; q += 8) {
    const v = v128.load32_splat(q);
    const wp = w + <usize>load<i32>(q, 4);
    a0 = madd(v, v128.load(wp), a0); a1 = madd(v, v128.load(wp, 16), a1);
    v128.store(y, a0); v128.store(y, a1, 16);
    a2 = madd(v, v128.load(wp, 32), a2); a3 = madd(v, v128.load(wp, 48), a3);
    a4 = madd(v, v128.load(wp, 64), a4); a5 = madd(v, v128.load(wp, 80), a5);
    a6 = madd(v, v128.load(wp, 96), a6); a7 = madd(v, v128.load(wp, 112), a7);
  }
  v128.store(y, a0); v128.store(y, a1, 16); v128.store(y, a2, 32); v128.store(y, a3, 48);
  v128.store(y, a4, 64); v128.store(y, a5, 80); v128.store(y, a6, 96); v128.store(y, a7, 112);
}

// 16 columns of one output row (at yj; their weight columns at wj) from a channel-sparse input row.
// (Exported for the timing probes of bench/term-cost; the engine's module does not export it.)
// @ts-ignore: decorator
@inline export function sparseCols16(e: usize, ee: usize, yj: usize, wj: usize): void {
  let a0 = v128.load(yj), a1 = v128.load(yj, 16), a2 = v128.load(yj, 32), a3 = v128.load(yj, 48);
  for (let q = e; q < ee; q += 8) {
    const v = v128.load32_splat(q);
    const wp = wj + <usize>load<i32>(q, 4);
    a0 = madd(v, v128.load(wp), a0); a1 = madd(v, v128.load(wp, 16), a1);
    a2 = madd(v, v128.load(wp, 32), a2); a3 = madd(v, v128.load(wp, 48), a3);
  }
  v128.store(yj, a0); v128.store(yj, a1, 16); v128.store(yj, a2, 32); v128.store(yj, a3, 48);
}

// One row x (16-column blocks, then 8- and 4-column tails).
// @ts-ignore: decorator
@inline function block1(x: usize, y: usize, w: usize, cin: i32, coutPad: i32, wRow: usize): void {
  const xe = x + (<usize>cin << 2);
  let j = 0;
  for (; j + 16 <= coutPad; j += 16) {
    const jo = <usize>j << 2;
    let a = v128.load(y + jo), b = v128.load(y + jo, 16), c = v128.load(y + jo, 32), e = v128.load(y + jo, 48);
    let wp = w + jo;
    for (let xp = x; xp < xe; xp += 4) {
      const v = v128.load32_splat(xp);
      a = madd(v, v128.load(wp), a);
      b = madd(v, v128.load(wp, 16), b);
      c = madd(v, v128.load(wp, 32), c);
      e = madd(v, v128.load(wp, 48), e);
      wp += wRow;
    }
    v128.store(y + jo, a); v128.store(y + jo, b, 16); v128.store(y + jo, c, 32); v128.store(y + jo, e, 48);
  }
  if (j + 8 <= coutPad) {
    const jo = <usize>j << 2;
    let a = v128.load(y + jo), b = v128.load(y + jo, 16);
    let wp = w + jo;
    for (let xp = x; xp < xe; xp += 4) {
      const v = v128.load32_splat(xp);
      a = madd(v, v128.load(wp), a);
      b = madd(v, v128.load(wp, 16), b);
      wp += wRow;
    }
    v128.store(y + jo, a); v128.store(y + jo, b, 16);
    j += 8;
  }
  if (j < coutPad) {
    const jo = <usize>j << 2;
    let a = v128.load(y + jo);
    let wp = w + jo;
    for (let xp = x; xp < xe; xp += 4) {
      a = madd(v128.load32_splat(xp), v128.load(wp), a);
      wp += wRow;
    }
    v128.store(y + jo, a);
  }
}

// acc + a * b. The default build multiplies then adds (two roundings: the determinism contract).
// The fast build (--enable relaxed-simd) uses relaxed fused multiply-add: one rounding where the
// hardware fuses, so its results differ in the last bits and between machines.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
