// Every SIMD kernel against its scalar twin (bit for bit) and against an independent JavaScript
// reference that performs the same float32 operations (Math.fround after every multiply and add),
// with random sweeps and edge cases: empty rulebooks, single pairs, channel counts that are not
// multiples of 4, padded row strides.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Arena, roundUp4 } from "../src/backend/wasm/arena.js";
import { instantiateKernels } from "../src/backend/wasm/module.js";
import { rng } from "../src/weights/random-init.js";
import { firstNonFinite as firstNonFiniteJs } from "../src/weights/scn.js";

const k = await instantiateKernels();
const arena = new Arena(k);
const u = rng(2024);
const f = Math.fround;

function fillRandom(ptr: number, n: number, scale = 1) {
  const v = arena.f32(ptr, n);
  for (let i = 0; i < n; i++) v[i] = (2 * u() - 1) * scale;
  return v;
}
function assertSameBits(a: Float32Array, b: Float32Array, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i}: ${a[i]} vs ${b[i]}`);
  }
}

/** Random rulebook: for each offset a random subset of outputs, each with a random input. */
function randomRules(K: number, nIn: number, nOut: number, density: number) {
  const start = [0], ins: number[] = [], outs: number[] = [];
  for (let kk = 0; kk < K; kk++) {
    for (let o = 0; o < nOut; o++) if (nIn > 0 && u() < density) { ins.push(Math.floor(u() * nIn)); outs.push(o); }
    start.push(ins.length);
  }
  const s = arena.alloc(start.length * 4), pi = arena.alloc(Math.max(1, ins.length) * 4), po = arena.alloc(Math.max(1, outs.length) * 4);
  arena.i32(s, start.length).set(start);
  arena.i32(pi, ins.length).set(ins);
  arena.i32(po, outs.length).set(outs);
  return { s, pi, po, start, ins, outs };
}

/** A random convolution shape: offsets, row counts, padded output width, padded row strides. */
function randomConvShape(cin: number, cout: number) {
  const K = [1, 8, 9, 27][Math.floor(u() * 4)];
  const nIn = 1 + Math.floor(u() * 40), nOut = 1 + Math.floor(u() * 40);
  const cp = roundUp4(cout);
  const inStride = cin + (u() < 0.5 ? 0 : 3), outStride = cp + (u() < 0.5 ? 0 : 4);
  return { K, nIn, nOut, cp, inStride, outStride };
}

test("convRules (tiled) == convRulesScalar == float32 JS reference, random sweep", () => {
  let n = 0;
  for (const cin of [1, 3, 4, 5, 8, 13, 16, 33]) {
    for (const cout of [1, 3, 4, 5, 8, 12, 16, 20, 33]) {
      arena.resetEvent();
      const { K, nIn, nOut, cp, inStride, outStride } = randomConvShape(cin, cout);
      const x = arena.alloc(nIn * inStride * 4);
      fillRandom(x, nIn * inStride);
      const w = arena.alloc(K * cin * cp * 4);
      const wv = fillRandom(w, K * cin * cp, 0.5);
      for (let i = 0; i < K * cin; i++) for (let j = cout; j < cp; j++) wv[i * cp + j] = 0; // packed padding
      const r = randomRules(K, nIn, nOut, 0.6);
      const y1 = arena.alloc(nOut * outStride * 4), y2 = arena.alloc(nOut * outStride * 4);
      fillRandom(y1, nOut * outStride); // padding beyond cp must be left alone; rows must be reset
      arena.f32(y2, nOut * outStride).set(arena.f32(y1, nOut * outStride));
      const tileRows = [1, 3, 16, 64][Math.floor(u() * 4)];
      const nTiles = Math.ceil(nOut / tileRows);
      const tiles = arena.alloc(K * (nTiles + 1) * 4);
      k.ruleTiles(r.s, r.po, K, tileRows, nTiles, tiles);
      // Two disjoint tile ranges, as two threads would run them.
      const mid = Math.floor(u() * (nTiles + 1));
      k.convRules(x, inStride, y1, outStride, nOut, w, cin, cp, K, tiles, tileRows, nTiles, mid, nTiles, r.pi, r.po, 0, 0, 0, 0, 0, 0, 0);
      k.convRules(x, inStride, y1, outStride, nOut, w, cin, cp, K, tiles, tileRows, nTiles, 0, mid, r.pi, r.po, 0, 0, 0, 0, 0, 0, 0);
      k.convRulesScalar(x, inStride, y2, outStride, nOut, w, cin, cp, K, r.s, r.pi, r.po);
      assertSameBits(arena.f32(y1, nOut * outStride), arena.f32(y2, nOut * outStride), `cin ${cin} cout ${cout} K ${K}`);
      // Independent reference: canonical order, f32 rounding after each multiply and add.
      const xv = arena.f32(x, nIn * inStride), wv2 = arena.f32(w, K * cin * cp), yv = arena.f32(y1, nOut * outStride);
      const ref = new Float32Array(nOut * cp);
      for (let kk = 0; kk < K; kk++) {
        for (let p = r.start[kk]; p < r.start[kk + 1]; p++) {
          const i = r.ins[p], o = r.outs[p];
          for (let j = 0; j < cp; j++) {
            let acc = ref[o * cp + j];
            for (let c = 0; c < cin; c++) acc = f(acc + f(xv[i * inStride + c] * wv2[(kk * cin + c) * cp + j]));
            ref[o * cp + j] = acc;
          }
        }
      }
      for (let o = 0; o < nOut; o++) for (let j = 0; j < cp; j++) {
        if (!Object.is(ref[o * cp + j], yv[o * outStride + j])) assert.fail(`reference mismatch cin ${cin} cout ${cout} o ${o} j ${j}`);
      }
      n++;
    }
  }
  assert.equal(n, 72);
});

test("convRules with a channel-sparse input (ReLU zeros, -0, all-zero rows) == convRulesScalar, bit for bit", () => {
  let n = 0;
  for (const cin of [8, 13, 16, 32, 48]) {
    // Output widths that reach every column blocking of sparseRow: 24-column blocks, a remainder
    // of 8 done as 16 + 16 (32, 56, 104), and the 8- and 4-column tails.
    for (const cout of [4, 8, 12, 16, 20, 28, 32, 36, 56, 64, 104, 160]) {
      arena.resetEvent();
      const { K, nIn, nOut, cp, inStride, outStride } = randomConvShape(cin, cout);
      const x = arena.alloc(nIn * inStride * 4);
      const xv = fillRandom(x, nIn * inStride);
      const density = [0.05, 0.5, 0.9][n % 3];
      for (let i = 0; i < xv.length; i++) {
        if (u() > density) xv[i] = u() < 0.2 ? -0 : 0;
        else if (u() < 0.02) xv[i] = 1e-30; // products that underflow to ±0
      }
      for (let c = 0; c < cin; c++) xv[c] = 0; // row 0 has no non-zero input at all
      const w = arena.alloc(K * cin * cp * 4);
      const wv = fillRandom(w, K * cin * cp, 0.5);
      for (let i = 0; i < K * cin; i++) for (let j = cout; j < cp; j++) wv[i * cp + j] = 0;
      if (n % 2) for (let i = 0; i < wv.length; i += 7) wv[i] *= 1e-20;
      const r = randomRules(K, nIn, nOut, 0.6);
      const y1 = arena.alloc(nOut * outStride * 4), y2 = arena.alloc(nOut * outStride * 4);
      fillRandom(y1, nOut * outStride);
      arena.f32(y2, nOut * outStride).set(arena.f32(y1, nOut * outStride));
      const tileRows = [1, 3, 16, 64][Math.floor(u() * 4)];
      const nTiles = Math.ceil(nOut / tileRows);
      const tiles = arena.alloc(K * (nTiles + 1) * 4);
      k.ruleTiles(r.s, r.po, K, tileRows, nTiles, tiles);
      const starts = arena.alloc((nIn + 1) * 4);
      const nnz = k.nonzeroStarts(x, inStride, nIn, cin, starts);
      let expectNnz = 0;
      for (let i = 0; i < nIn; i++) for (let c = 0; c < cin; c++) if (xv[i * inStride + c] !== 0) expectNnz++;
      assert.equal(nnz, expectNnz, "non-zero count");
      const entries = arena.alloc(nnz * 8 + 8);
      k.compressRows(x, inStride, nIn, cin, cp * 4, entries);
      const ev = arena.f32(entries, 2 * nnz), ei = arena.i32(entries, 2 * nnz);
      for (let i = 0, e = 0; i < nIn; i++) for (let c = 0; c < cin; c++) {
        if (xv[i * inStride + c] === 0) continue;
        assert.ok(ev[2 * e] === xv[i * inStride + c] && ei[2 * e + 1] === c * cp * 4, `entry ${e} (row ${i}, channel ${c})`);
        e++;
      }
      const twin = arena.alloc(nnz * 8 + 8);
      k.compressRowsScalar(x, inStride, nIn, cin, cp * 4, twin);
      assert.deepEqual(arena.i32(twin, 2 * nnz), arena.i32(entries, 2 * nnz), "compressRows and its scalar twin");
      const mid = Math.floor(u() * (nTiles + 1));
      k.convRules(x, inStride, y1, outStride, nOut, w, cin, cp, K, tiles, tileRows, nTiles, mid, nTiles, r.pi, r.po, 0, 0, 0, 0, 0, starts, entries);
      k.convRules(x, inStride, y1, outStride, nOut, w, cin, cp, K, tiles, tileRows, nTiles, 0, mid, r.pi, r.po, 0, 0, 0, 0, 0, starts, entries);
      k.convRulesScalar(x, inStride, y2, outStride, nOut, w, cin, cp, K, r.s, r.pi, r.po);
      assertSameBits(arena.f32(y1, nOut * outStride), arena.f32(y2, nOut * outStride), `sparse input: cin ${cin} cout ${cout} K ${K} density ${density}`);
      n++;
    }
  }
  assert.equal(n, 60);
});

test("convRules: empty rulebook gives zeros; a single pair; nOut 0", () => {
  arena.resetEvent();
  const cin = 5, cp = 8, nOut = 3;
  const x = arena.alloc(4 * cin * 4); fillRandom(x, 4 * cin);
  const w = arena.alloc(9 * cin * cp * 4); fillRandom(w, 9 * cin * cp);
  const empty = arena.alloc(10 * 4); arena.i32(empty, 10).fill(0);
  const y = arena.alloc(nOut * cp * 4); fillRandom(y, nOut * cp);
  const tiles9 = arena.alloc(9 * 2 * 4);
  k.ruleTiles(empty, 0, 9, 8, 1, tiles9);
  k.convRules(x, cin, y, cp, nOut, w, cin, cp, 9, tiles9, 8, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  assert.ok(arena.f32(y, nOut * cp).every((v) => Object.is(v, 0)));
  const one = arena.alloc(3 * 4); arena.i32(one, 3).set([0, 1, 1]);
  const pi = arena.alloc(4), po = arena.alloc(4);
  arena.i32(pi, 1).set([2]); arena.i32(po, 1).set([1]);
  const tiles2 = arena.alloc(2 * 3 * 4);
  k.ruleTiles(one, po, 2, 2, 2, tiles2);
  k.convRules(x, cin, y, cp, nOut, w, cin, cp, 2, tiles2, 2, 2, 0, 2, pi, po, 0, 0, 0, 0, 0, 0, 0);
  const xv = arena.f32(x, 4 * cin), wv = arena.f32(w, 9 * cin * cp), yv = arena.f32(y, nOut * cp);
  for (let j = 0; j < cp; j++) {
    let acc = 0;
    for (let c = 0; c < cin; c++) acc = f(acc + f(xv[2 * cin + c] * wv[c * cp + j]));
    assert.ok(Object.is(yv[cp + j], acc));
    assert.ok(Object.is(yv[j], 0) && Object.is(yv[2 * cp + j], 0));
  }
  k.convRules(x, cin, y, cp, 0, w, cin, cp, 9, tiles9, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); // no output rows: must not trap
});

test("convRules epilogue (residual add, batch-norm + ReLU / leaky) == scalar conv, then scalar add, then scalar affineAct", () => {
  for (const [leak, withAdd, withBn] of [[0, true, false], [0, false, true], [0.33, true, true], [0, true, true]] as const) {
    arena.resetEvent();
    const cin = 12, cp = 20, K = 9, nIn = 30, nOut = 37;
    const x = arena.alloc(nIn * cin * 4); fillRandom(x, nIn * cin);
    const w = arena.alloc(K * cin * cp * 4); fillRandom(w, K * cin * cp, 0.5);
    const r = randomRules(K, nIn, nOut, 0.5);
    const addend = arena.alloc(nOut * 24 * 4); fillRandom(addend, nOut * 24);
    const sc = arena.alloc(cp * 4); fillRandom(sc, cp, 2);
    const sh = arena.alloc(cp * 4); fillRandom(sh, cp);
    const nTiles = Math.ceil(nOut / 16);
    const tiles = arena.alloc(K * (nTiles + 1) * 4);
    k.ruleTiles(r.s, r.po, K, 16, nTiles, tiles);
    const y1 = arena.alloc(nOut * cp * 4), y2 = arena.alloc(nOut * cp * 4);
    k.convRules(x, cin, y1, cp, nOut, w, cin, cp, K, tiles, 16, nTiles, 0, nTiles, r.pi, r.po,
      withAdd ? addend : 0, withAdd ? 24 : 0, withBn ? sc : 0, withBn ? sh : 0, leak, 0, 0);
    k.convRulesScalar(x, cin, y2, cp, nOut, w, cin, cp, K, r.s, r.pi, r.po);
    if (withAdd) k.addRowsScalar(addend, 24, y2, cp, y2, cp, nOut, cp);
    if (withBn) k.affineActScalar(y2, cp, y2, cp, nOut, cp, sc, sh, leak);
    assertSameBits(arena.f32(y1, nOut * cp), arena.f32(y2, nOut * cp), `epilogue leak ${leak} add ${withAdd} bn ${withBn}`);
  }
});

test("convWeightGrad (whole or by offsets) == convWeightGradScalar == float32 JS reference (accumulating into dW)", () => {
  for (const [cin, cout, K] of [[1, 4, 9], [5, 12, 27], [16, 20, 8], [3, 8, 1], [32, 32, 9], [17, 48, 27], [2, 5, 1]]) {
    arena.resetEvent();
    const nIn = 25, nOut = 30, cp = roundUp4(cout);
    const x = arena.alloc(nIn * cin * 4);
    const xz = fillRandom(x, nIn * cin);
    for (let i = 0; i < xz.length; i++) if (u() < 0.5) xz[i] = u() < 0.2 ? -0 : 0; // ReLU-like zeros
    const g = arena.alloc(nOut * cp * 4); fillRandom(g, nOut * cp);
    const r = randomRules(K, nIn, nOut, 0.5);
    const d1 = arena.alloc(K * cin * cp * 4), d2 = arena.alloc(K * cin * cp * 4), d3 = arena.alloc(K * cin * cp * 4);
    fillRandom(d1, K * cin * cp);
    arena.f32(d2, K * cin * cp).set(arena.f32(d1, K * cin * cp));
    arena.f32(d3, K * cin * cp).set(arena.f32(d1, K * cin * cp));
    const start = Float32Array.from(arena.f32(d1, K * cin * cp));
    k.convWeightGrad(x, cin, g, cp, cin, cp, K, r.s, r.pi, r.po, d1, 0, 0);
    k.convWeightGradScalar(x, cin, g, cp, cin, cp, K, r.s, r.pi, r.po, d2);
    assertSameBits(arena.f32(d1, K * cin * cp), arena.f32(d2, K * cin * cp), `convWeightGrad ${cin}x${cout} K ${K}`);
    // The channel-sparse path (zeros skipped) gives the same bits.
    const starts = arena.alloc((nIn + 1) * 4);
    const entries = arena.alloc(k.nonzeroStarts(x, cin, nIn, cin, starts) * 8 + 8);
    k.compressRows(x, cin, nIn, cin, cp * 4, entries);
    k.convWeightGrad(x, cin, g, cp, cin, cp, K, r.s, r.pi, r.po, d3, starts, entries);
    assertSameBits(arena.f32(d3, K * cin * cp), arena.f32(d2, K * cin * cp), `convWeightGrad, channel-sparse x, ${cin}x${cout} K ${K}`);
    // Offset ranges (as threads share it through their queue), later range first, give them too.
    const kSplit = Math.floor(u() * (K + 1));
    for (const sparse of [false, true]) {
      const d4 = arena.alloc(K * cin * cp * 4);
      arena.f32(d4, K * cin * cp).set(start);
      const [s0, e0] = sparse ? [starts, entries] : [0, 0];
      k.convWeightGradOffsets(x, cin, g, cp, cin, cp, r.s, r.pi, r.po, d4, s0, e0, kSplit, K);
      k.convWeightGradOffsets(x, cin, g, cp, cin, cp, r.s, r.pi, r.po, d4, s0, e0, 0, kSplit);
      assertSameBits(arena.f32(d4, K * cin * cp), arena.f32(d2, K * cin * cp), `convWeightGradOffsets ${sparse ? "channel-sparse " : ""}${cin}x${cout} K ${K} split at ${kSplit}`);
    }
    const xv = arena.f32(x, nIn * cin), gv = arena.f32(g, nOut * cp), dv = arena.f32(d1, K * cin * cp);
    const ref = start;
    for (let kk = 0; kk < K; kk++) for (let p = r.start[kk]; p < r.start[kk + 1]; p++) {
      for (let c = 0; c < cin; c++) for (let j = 0; j < cp; j++) {
        const a = (kk * cin + c) * cp + j;
        ref[a] = f(ref[a] + f(xv[r.ins[p] * cin + c] * gv[r.outs[p] * cp + j]));
      }
    }
    assertSameBits(dv, ref, `convWeightGrad reference ${cin}x${cout}`);
  }
});

test("channelStats, bnActBackward, columnSums (row order) == their column-order twins, bit for bit", () => {
  for (const [n, c, stride, leak] of [[0, 4, 4, 0], [1, 3, 4, 0], [37, 16, 16, 0], [101, 20, 24, 0.33], [64, 5, 8, 0]]) {
    arena.resetEvent();
    const x = arena.alloc(Math.max(1, n * stride) * 4); fillRandom(x, n * stride);
    const y = arena.alloc(Math.max(1, n * stride) * 4); fillRandom(y, n * stride);
    const g = arena.alloc(Math.max(1, n * stride) * 4); fillRandom(g, n * stride);
    const m1 = arena.alloc(c * 8), v1 = arena.alloc(c * 8), m2 = arena.alloc(c * 8), v2 = arena.alloc(c * 8);
    k.channelStats(x, stride, n, c, m1, v1);
    k.channelStatsScalar(x, stride, n, c, m2, v2);
    assert.deepEqual(new Float64Array(k.memory.buffer, m1, c), new Float64Array(k.memory.buffer, m2, c), `mean n ${n} c ${c}`);
    assert.deepEqual(new Float64Array(k.memory.buffer, v1, c), new Float64Array(k.memory.buffer, v2, c), `variance n ${n} c ${c}`);
    const mean = arena.alloc(c * 4), invstd = arena.alloc(c * 4), w = arena.alloc(c * 4);
    fillRandom(mean, c); fillRandom(w, c);
    arena.f32(invstd, c).set(Float32Array.from({ length: c }, (_, j) => 0.5 + j / c));
    const dx1 = arena.alloc(Math.max(1, n * stride) * 4), dx2 = arena.alloc(Math.max(1, n * stride) * 4);
    const dw1 = arena.alloc(c * 4), db1 = arena.alloc(c * 4), dw2 = arena.alloc(c * 4), db2 = arena.alloc(c * 4);
    fillRandom(dw1, c); fillRandom(db1, c);
    arena.f32(dw2, c).set(arena.f32(dw1, c)); arena.f32(db2, c).set(arena.f32(db1, c));
    arena.f32(dx1, n * stride).fill(0); arena.f32(dx2, n * stride).fill(0);
    k.bnActBackward(x, stride, y, stride, g, stride, dx1, stride, n, c, mean, invstd, w, leak, dw1, db1, arena.alloc(c * 16));
    k.bnActBackwardScalar(x, stride, y, stride, g, stride, dx2, stride, n, c, mean, invstd, w, leak, dw2, db2);
    assertSameBits(arena.f32(dx1, n * stride), arena.f32(dx2, n * stride), `bn dx n ${n} c ${c}`);
    assertSameBits(arena.f32(dw1, c), arena.f32(dw2, c), `bn dw n ${n} c ${c}`);
    assertSameBits(arena.f32(db1, c), arena.f32(db2, c), `bn db n ${n} c ${c}`);
    k.columnSums(g, stride, n, c, db1, arena.alloc(c * 8));
    k.columnSumsScalar(g, stride, n, c, db2);
    assertSameBits(arena.f32(db1, c), arena.f32(db2, c), `columnSums n ${n} c ${c}`);
  }
});

test("gemmRows == gemmRowsScalar == JS reference, with and without bias", () => {
  for (const [n, cin, cout] of [[0, 3, 5], [1, 1, 1], [7, 5, 3], [13, 16, 16], [9, 33, 20], [4, 8, 5]]) {
    arena.resetEvent();
    const cp = roundUp4(cout);
    const x = arena.alloc(Math.max(1, n * cin) * 4); fillRandom(x, n * cin);
    const w = arena.alloc(cin * cp * 4); fillRandom(w, cin * cp);
    const b = arena.alloc(cp * 4); fillRandom(b, cp);
    for (const bias of [0, b]) {
      const y1 = arena.alloc(Math.max(1, n * cp) * 4), y2 = arena.alloc(Math.max(1, n * cp) * 4);
      k.gemmRows(x, cin, y1, cp, n, w, cin, cp, bias);
      k.gemmRowsScalar(x, cin, y2, cp, n, w, cin, cp, bias);
      assertSameBits(arena.f32(y1, n * cp), arena.f32(y2, n * cp), `gemm ${n}x${cin}x${cout}`);
      const xv = arena.f32(x, n * cin), wv = arena.f32(w, cin * cp), bv = arena.f32(b, cp), yv = arena.f32(y1, n * cp);
      for (let r = 0; r < n; r++) for (let j = 0; j < cp; j++) {
        let acc = 0;
        for (let c = 0; c < cin; c++) acc = f(acc + f(xv[r * cin + c] * wv[c * cp + j]));
        if (bias) acc = f(acc + bv[j]);
        assert.ok(Object.is(yv[r * cp + j], acc), `gemm ref r ${r} j ${j}`);
      }
    }
  }
});

test("affineAct (ReLU and leaky) == scalar == JS reference, in place too", () => {
  for (const leak of [0, 0.33]) {
    arena.resetEvent();
    const n = 11, cp = 12, stride = 16;
    const x = arena.alloc(n * stride * 4); fillRandom(x, n * stride, 3);
    const sc = arena.alloc(cp * 4); fillRandom(sc, cp, 2);
    const sh = arena.alloc(cp * 4); fillRandom(sh, cp);
    const y1 = arena.alloc(n * cp * 4), y2 = arena.alloc(n * cp * 4);
    k.affineAct(x, stride, y1, cp, n, cp, sc, sh, leak);
    k.affineActScalar(x, stride, y2, cp, n, cp, sc, sh, leak);
    assertSameBits(arena.f32(y1, n * cp), arena.f32(y2, n * cp), `affineAct leak ${leak}`);
    const xv = arena.f32(x, n * stride), s = arena.f32(sc, cp), h = arena.f32(sh, cp), yv = arena.f32(y1, n * cp);
    for (let r = 0; r < n; r++) for (let j = 0; j < cp; j++) {
      const v = f(f(xv[r * stride + j] * s[j]) + h[j]);
      const want = leak === 0 ? (v > 0 ? v : 0) : (v > 0 ? v : f(v * f(leak)));
      assert.ok(Object.is(yv[r * cp + j], want), `affine r ${r} j ${j}: ${yv[r * cp + j]} vs ${want}`);
    }
    k.affineAct(x, stride, x, stride, n, cp, sc, sh, leak); // in place
    const xin = arena.f32(x, n * stride);
    for (let r = 0; r < n; r++) for (let j = 0; j < cp; j++) assert.ok(Object.is(xin[r * stride + j], yv[r * cp + j]));
  }
});

test("addRows and concatRows == scalar twins; concat puts [a, b] then zero padding", () => {
  arena.resetEvent();
  const n = 9;
  const a = arena.alloc(n * 8 * 4); fillRandom(a, n * 8);
  const b = arena.alloc(n * 12 * 4); fillRandom(b, n * 12);
  const s1 = arena.alloc(n * 8 * 4), s2 = arena.alloc(n * 8 * 4);
  k.addRows(a, 8, b, 12, s1, 8, n, 8);
  k.addRowsScalar(a, 8, b, 12, s2, 8, n, 8);
  assertSameBits(arena.f32(s1, n * 8), arena.f32(s2, n * 8), "addRows");
  const av = arena.f32(a, n * 8), bv = arena.f32(b, n * 12), sv = arena.f32(s1, n * 8);
  for (let r = 0; r < n; r++) for (let j = 0; j < 8; j++) assert.ok(Object.is(sv[r * 8 + j], f(av[r * 8 + j] + bv[r * 12 + j])));
  for (const [ca, cb] of [[5, 7], [8, 8], [1, 2]]) {
    const cols = roundUp4(ca + cb);
    const c1 = arena.alloc(n * cols * 4), c2 = arena.alloc(n * cols * 4);
    fillRandom(c1, n * cols);
    k.concatRows(a, 8, ca, b, 12, cb, c1, cols, cols, n);
    k.concatRowsScalar(a, 8, ca, b, 12, cb, c2, cols, cols, n);
    assertSameBits(arena.f32(c1, n * cols), arena.f32(c2, n * cols), `concat ${ca}+${cb}`);
    const cv = arena.f32(c1, n * cols);
    for (let r = 0; r < n; r++) for (let j = 0; j < cols; j++) {
      const want = j < ca ? av[r * 8 + j] : j < ca + cb ? bv[r * 12 + j - ca] : 0;
      assert.ok(Object.is(cv[r * cols + j], want));
    }
  }
});

test("softmax == scalar twin bit for bit, close to Math.exp; argmax == scalar == JS (first max wins)", () => {
  for (const [n, c] of [[1, 5], [4, 5], [13, 5], [9, 3], [6, 1]]) {
    arena.resetEvent();
    const stride = roundUp4(c);
    const x = arena.alloc(n * stride * 4); fillRandom(x, n * stride, 30);
    const xv = arena.f32(x, n * stride);
    if (n > 2 && c > 2) { xv[stride] = 7; xv[stride + 2] = 7; } // a tie in row 1
    const y1 = arena.alloc(n * stride * 4), y2 = arena.alloc(n * stride * 4);
    k.softmaxRows(x, stride, y1, stride, n, c);
    k.softmaxRowsScalar(x, stride, y2, stride, n, c);
    const a = arena.f32(y1, n * stride), b = arena.f32(y2, n * stride);
    for (let r = 0; r < n; r++) for (let j = 0; j < c; j++) assert.ok(Object.is(a[r * stride + j], b[r * stride + j]), `softmax ${n}x${c} r ${r}`);
    for (let r = 0; r < n; r++) {
      const row = Array.from(xv.subarray(r * stride, r * stride + c));
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((p, q) => p + q, 0);
      e.forEach((v, j) => assert.ok(Math.abs(v / s - a[r * stride + j]) <= 1e-6, `softmax accuracy ${v / s} vs ${a[r * stride + j]}`));
    }
    const l1 = arena.alloc(n * 4), l2 = arena.alloc(n * 4);
    k.argmaxRows(x, stride, n, c, l1);
    k.argmaxRowsScalar(x, stride, n, c, l2);
    const la = arena.i32(l1, n), lb = arena.i32(l2, n);
    for (let r = 0; r < n; r++) {
      const row = Array.from(xv.subarray(r * stride, r * stride + c));
      assert.equal(la[r], row.indexOf(Math.max(...row)));
      assert.equal(lb[r], la[r]);
    }
  }
});

test("expNeg: relative error below 3e-7 over [-87, 0], 0 below", () => {
  let worst = 0;
  for (let i = 0; i <= 20000; i++) {
    const x = f(-87 * i / 20000);
    const rel = Math.abs(k.expNeg(x) - Math.exp(x)) / Math.exp(x);
    worst = Math.max(worst, rel);
  }
  assert.ok(worst < 3e-7, `worst relative error ${worst}`);
  assert.equal(k.expNeg(-100), 0);
  assert.equal(k.expNeg(0), 1);
});

test("transposeOffsets == JS per-offset transpose, padding columns zero over garbage", () => {
  for (const [K, cin, cout, coutPad, cinPad] of [[9, 16, 16, 16, 16], [27, 3, 5, 8, 4], [8, 32, 48, 48, 32], [1, 1, 5, 8, 4]]) {
    const m = arena.mark();
    const w = fillRandom(arena.alloc(K * cin * coutPad * 4), K * cin * coutPad);
    const outPtr = arena.alloc(K * cout * cinPad * 4);
    fillRandom(outPtr, K * cout * cinPad, 1e9); // garbage where the padding goes
    k.transposeOffsets(w.byteOffset, K, cin, cout, coutPad, outPtr, cinPad);
    const want = new Float32Array(K * cout * cinPad);
    for (let kk = 0; kk < K; kk++) for (let c = 0; c < cin; c++) for (let j = 0; j < cout; j++) want[(kk * cout + j) * cinPad + c] = w[(kk * cin + c) * coutPad + j];
    assertSameBits(arena.f32(outPtr, K * cout * cinPad), want, `K ${K} cin ${cin} cout ${cout}`);
    arena.release(m);
  }
});

test("firstNonFinite == scalar twin == JavaScript: first NaN or infinity at every position, none in finite extremes", () => {
  const n = 80, ptr = arena.alloc(n * 4 + 16);
  const v = arena.f32(ptr, n);
  const bits = new Int32Array(v.buffer, v.byteOffset, n);
  const check = (len: number, what: string) => {
    const js = firstNonFiniteJs(v.subarray(0, len));
    assert.equal(k.firstNonFiniteScalar(ptr, len), js, `scalar, ${what}`);
    assert.equal(k.firstNonFinite(ptr, len), js, `SIMD, ${what}`);
    return js;
  };
  // Finite values whatever their size, the sign, zeros and subnormals: never flagged.
  const finite = [0, -0, 1, -1, 3.4028234663852886e38, -3.4028234663852886e38, 1.4e-45, -1.4e-45, 1.1754942e-38];
  for (let i = 0; i < n; i++) v[i] = finite[i % finite.length];
  for (let len = 0; len <= n; len++) assert.equal(check(len, `all finite, length ${len}`), -1);
  // Every kind of non-finite value at every position (inside and after the 16-wide steps), with
  // a second one later, which must not be the one reported.
  const kinds: [string, number][] = [["NaN", 0x7fc00000], ["-NaN", 0xffc00000 | 0], ["NaN with payload", 0x7f800001],
    ["Infinity", 0x7f800000], ["-Infinity", 0xff800000 | 0]];
  for (const [name, b] of kinds) {
    for (let at = 0; at < n; at++) {
      for (let i = 0; i < n; i++) v[i] = u() - 0.5;
      bits[at] = b;
      if (at + 7 < n) bits[at + 7] = 0x7f800000;
      assert.equal(check(n, `${name} at ${at}`), at);
      assert.equal(check(at, `${name} just past the end (length ${at})`), -1);
    }
  }
});
