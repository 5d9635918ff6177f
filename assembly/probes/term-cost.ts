// Probes for bench/term-cost.ts: why a term of the channel-sparse convolution costs more than a
// term of the dense one. Not part of the engine's module; compiled on its own by the bench. The
// one-row and dense probes run the engine's own blocks (sparseCols16, block2); the others change
// one thing about them. Every kernel multiplies then adds in f32, as assembly/conv.ts does.

import { block2, sparseCols16 } from "../conv";

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, acc: v128): v128 { return f32x4.add(acc, f32x4.mul(a, b)); }

/** n iterations of 8 independent 128-bit loads (each OR-ed into its own register): the machine's
 *  vector-load rate. */
export function loads8(n: i32, base: usize): i32 {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i = 0; i < n; i++) {
    const p = base + (<usize>(i & 63) << 7);
    a0 = v128.or(a0, v128.load(p)); a1 = v128.or(a1, v128.load(p, 16)); a2 = v128.or(a2, v128.load(p, 32)); a3 = v128.or(a3, v128.load(p, 48));
    a4 = v128.or(a4, v128.load(p, 64)); a5 = v128.or(a5, v128.load(p, 80)); a6 = v128.or(a6, v128.load(p, 96)); a7 = v128.or(a7, v128.load(p, 112));
  }
  return i32x4.extract_lane(v128.or(v128.or(v128.or(a0, a1), v128.or(a2, a3)), v128.or(v128.or(a4, a5), v128.or(a6, a7))), 0);
}

/** n iterations of 8 independent f32x4 additions: the machine's vector-add rate. */
export function adds8(n: i32, s: f32): f32 {
  const x = f32x4.splat(s);
  let a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x;
  for (let i = 0; i < n; i++) {
    a0 = f32x4.add(a0, x); a1 = f32x4.add(a1, x); a2 = f32x4.add(a2, x); a3 = f32x4.add(a3, x);
    a4 = f32x4.add(a4, x); a5 = f32x4.add(a5, x); a6 = f32x4.add(a6, x); a7 = f32x4.add(a7, x);
  }
  return f32x4.extract_lane(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), 0);
}

/** n dependent f32x4 additions: the add latency. */
export function addChain(n: i32, s: f32): f32 {
  const x = f32x4.splat(s);
  let a = x;
  for (let i = 0; i < n; i++) a = f32x4.add(a, x);
  return f32x4.extract_lane(a, 0);
}

/** The channel-sparse kernel (assembly/conv.ts sparseRow at 16 and 32 columns; from 48 on it uses
 *  24-column blocks): one output row per pair, 16-column blocks (sparseCols16), one entry (value,
 *  weight-row byte offset) per non-zero input. Per entry: the value's broadcast load and 4 weight
 *  loads for 4 multiply-adds. */
export function sparseOneRow(starts: usize, entries: usize, ruleIn: usize, ruleOut: usize, nPairs: i32, out: usize, outS: usize, w: usize, coutPad: i32): void {
  for (let p = 0; p < nPairs; p++) {
    const i = <usize>load<i32>(ruleIn + (<usize>p << 2));
    const e = entries + (<usize>load<i32>(starts + (i << 2)) << 3), ee = entries + (<usize>load<i32>(starts + (i << 2), 4) << 3);
    const y = out + <usize>load<i32>(ruleOut + (<usize>p << 2)) * outS;
    for (let j = 0; j < coutPad; j += 16) sparseCols16(e, ee, y + (<usize>j << 2), w + (<usize>j << 2));
  }
}

/** sparseOneRow without the value's load (a constant instead; wrong results, timing only): what
 *  one vector load fewer per entry buys. */
export function sparseOneRowNoValueLoad(starts: usize, entries: usize, ruleIn: usize, ruleOut: usize, nPairs: i32, out: usize, outS: usize, w: usize, coutPad: i32): void {
  const v = f32x4.splat(0.5);
  for (let p = 0; p < nPairs; p++) {
    const i = <usize>load<i32>(ruleIn + (<usize>p << 2));
    const e = entries + (<usize>load<i32>(starts + (i << 2)) << 3), ee = entries + (<usize>load<i32>(starts + (i << 2), 4) << 3);
    const y = out + <usize>load<i32>(ruleOut + (<usize>p << 2)) * outS;
    for (let j = 0; j < coutPad; j += 16) {
      const yj = y + (<usize>j << 2), wj = w + (<usize>j << 2);
      let a0 = v128.load(yj), a1 = v128.load(yj, 16), a2 = v128.load(yj, 32), a3 = v128.load(yj, 48);
      for (let q = e; q < ee; q += 8) {
        const wp = wj + <usize>load<i32>(q, 4);
        a0 = madd(v, v128.load(wp), a0); a1 = madd(v, v128.load(wp, 16), a1);
        a2 = madd(v, v128.load(wp, 32), a2); a3 = madd(v, v128.load(wp, 48), a3);
      }
      v128.store(yj, a0); v128.store(yj, a1, 16); v128.store(yj, a2, 32); v128.store(yj, a3, 48);
    }
  }
}

/** The dense kernel (assembly/conv.ts block2): two pairs, 16-column blocks, every input channel.
 *  Per channel: 2 broadcast loads and 4 weight loads for 8 multiply-adds. */
export function denseTwoRows(x: usize, inS: usize, cin: i32, ruleIn: usize, ruleOut: usize, nPairs: i32, out: usize, outS: usize, w: usize, coutPad: i32): void {
  for (let p = 0; p + 2 <= nPairs; p += 2) {
    const x0 = x + <usize>load<i32>(ruleIn + (<usize>p << 2)) * inS, x1 = x + <usize>load<i32>(ruleIn + (<usize>p << 2), 4) * inS;
    const y0 = out + <usize>load<i32>(ruleOut + (<usize>p << 2)) * outS, y1 = out + <usize>load<i32>(ruleOut + (<usize>p << 2), 4) * outS;
    block2(x0, x1, y0, y1, w, cin, coutPad, <usize>coutPad << 2);
  }
}

/** Two pairs over the union of their inputs' non-zero channels, from a prepared list per pair
 *  couple (16-byte entries: value of row 0, value of row 1, weight-row byte offset, unused): the
 *  dense kernel's weight sharing with the sparse kernel's skipping. Per entry: 2 broadcast loads
 *  and 4 weight loads for 8 multiply-adds. */
export function unionTwoRows(uStarts: usize, uEntries: usize, ruleOut: usize, nPairs: i32, out: usize, outS: usize, w: usize, coutPad: i32): void {
  for (let p = 0; p + 2 <= nPairs; p += 2) {
    const s = uStarts + (<usize>(p >> 1) << 2);
    const e = uEntries + (<usize>load<i32>(s) << 4), ee = uEntries + (<usize>load<i32>(s, 4) << 4);
    const y0 = out + <usize>load<i32>(ruleOut + (<usize>p << 2)) * outS, y1 = out + <usize>load<i32>(ruleOut + (<usize>p << 2), 4) * outS;
    for (let j = 0; j < coutPad; j += 16) {
      const jo = <usize>j << 2, wj = w + jo;
      let a0 = v128.load(y0 + jo), b0 = v128.load(y0 + jo, 16), c0 = v128.load(y0 + jo, 32), d0 = v128.load(y0 + jo, 48);
      let a1 = v128.load(y1 + jo), b1 = v128.load(y1 + jo, 16), c1 = v128.load(y1 + jo, 32), d1 = v128.load(y1 + jo, 48);
      for (let q = e; q < ee; q += 16) {
        const v0 = v128.load32_splat(q), v1 = v128.load32_splat(q, 4);
        const wp = wj + <usize>load<i32>(q, 8);
        const wa = v128.load(wp);
        a0 = madd(v0, wa, a0); a1 = madd(v1, wa, a1);
        const wb = v128.load(wp, 16);
        b0 = madd(v0, wb, b0); b1 = madd(v1, wb, b1);
        const wc = v128.load(wp, 32);
        c0 = madd(v0, wc, c0); c1 = madd(v1, wc, c1);
        const wd = v128.load(wp, 48);
        d0 = madd(v0, wd, d0); d1 = madd(v1, wd, d1);
      }
      v128.store(y0 + jo, a0); v128.store(y0 + jo, b0, 16); v128.store(y0 + jo, c0, 32); v128.store(y0 + jo, d0, 48);
      v128.store(y1 + jo, a1); v128.store(y1 + jo, b1, 16); v128.store(y1 + jo, c1, 32); v128.store(y1 + jo, d1, 48);
    }
  }
}

/** sparseOneRow with the next pair's indices (input row, its entry range, output row) loaded before
 *  the current pair's multiply-adds, so that their chain of dependent loads is not started only
 *  after the mispredicted exit of the current pair's loop. */
export function sparseOneRowAhead(starts: usize, entries: usize, ruleIn: usize, ruleOut: usize, nPairs: i32, out: usize, outS: usize, w: usize, coutPad: i32): void {
  if (nPairs <= 0) return;
  let i = <usize>load<i32>(ruleIn);
  let e = entries + (<usize>load<i32>(starts + (i << 2)) << 3), ee = entries + (<usize>load<i32>(starts + (i << 2), 4) << 3);
  let y = out + <usize>load<i32>(ruleOut) * outS;
  for (let p = 0; p < nPairs; p++) {
    // The next pair's (the last pair reads one past the end of ruleIn/ruleOut: padding there).
    const ni = <usize>load<i32>(ruleIn + (<usize>(p + 1) << 2));
    const ne = entries + (<usize>load<i32>(starts + (ni << 2)) << 3), nee = entries + (<usize>load<i32>(starts + (ni << 2), 4) << 3);
    const ny = out + <usize>load<i32>(ruleOut + (<usize>(p + 1) << 2)) * outS;
    for (let j = 0; j < coutPad; j += 16) sparseCols16(e, ee, y + (<usize>j << 2), w + (<usize>j << 2));
    e = ne; ee = nee; y = ny;
  }
}

/** Output-stationary channel-sparse: per output row, the entries of all its inputs (table[o * K + k]
 *  = input row of offset k, or -1) are first copied into one list (the weight offsets made
 *  absolute: + k * wK; every copy moves cin slots, the cursor advances by the row's count, so the
 *  copy has no data-dependent branch), then one loop per 16-column block runs the whole list with
 *  the accumulators in registers: one loop exit per output row and block instead of one per pair. */
export function sparseGatherRow(starts: usize, entries: usize, table: usize, K: i32, nOut: i32, out: usize, outS: usize, w: usize, cin: i32, coutPad: i32, scratch: usize): void {
  const wK = <i64>cin * <i64>coutPad * 4;
  for (let o = 0; o < nOut; o++) {
    let e = scratch;
    for (let k = 0; k < K; k++) {
      const i = load<i32>(table + ((<usize>o * <usize>K + <usize>k) << 2));
      if (i < 0) continue;
      const src = entries + (<usize>load<i32>(starts + (<usize>i << 2)) << 3);
      const cnt = load<i32>(starts + (<usize>i << 2), 4) - load<i32>(starts + (<usize>i << 2));
      const add = i64x2.splat((<i64>k * wK) << 32);
      for (let c = 0; c < cin; c += 2) v128.store(e + (<usize>c << 3), i64x2.add(v128.load(src + (<usize>c << 3)), add));
      e += <usize>cnt << 3;
    }
    // The row is zeroed first, so the engine's block gives the sum of this row's terms alone.
    const y = out + <usize>o * outS;
    memory.fill(y, 0, <usize>coutPad << 2);
    for (let j = 0; j < coutPad; j += 16) sparseCols16(scratch, e, y + (<usize>j << 2), w + (<usize>j << 2));
  }
}

/** sparseOneRow with the weight address not loaded from the entry but computed from the entry's
 *  position (wrong results, timing only): whether the load of the weight offset, on which the
 *  weight loads wait, is what holds the loop back. */
export function sparseOneRowNoOffsetLoad(starts: usize, entries: usize, ruleIn: usize, ruleOut: usize, nPairs: i32, out: usize, outS: usize, w: usize, coutPad: i32): void {
  const wMask = (<usize>coutPad * <usize>coutPad * 4 - 1) & ~(<usize>(coutPad * 4) - 1);
  for (let p = 0; p < nPairs; p++) {
    const i = <usize>load<i32>(ruleIn + (<usize>p << 2));
    const e = entries + (<usize>load<i32>(starts + (i << 2)) << 3), ee = entries + (<usize>load<i32>(starts + (i << 2), 4) << 3);
    const y = out + <usize>load<i32>(ruleOut + (<usize>p << 2)) * outS;
    for (let j = 0; j < coutPad; j += 16) {
      const yj = y + (<usize>j << 2), wj = w + (<usize>j << 2);
      let a0 = v128.load(yj), a1 = v128.load(yj, 16), a2 = v128.load(yj, 32), a3 = v128.load(yj, 48);
      for (let q = e; q < ee; q += 8) {
        const v = v128.load32_splat(q);
        const wp = wj + ((q * <usize>coutPad) & wMask);
        a0 = madd(v, v128.load(wp), a0); a1 = madd(v, v128.load(wp, 16), a1);
        a2 = madd(v, v128.load(wp, 32), a2); a3 = madd(v, v128.load(wp, 48), a3);
      }
      v128.store(yj, a0); v128.store(yj, a1, 16); v128.store(yj, a2, 32); v128.store(yj, a3, 48);
    }
  }
}
