// Coordinate levels and rulebooks against brute force in JavaScript: the merge-built and the
// hash-built submanifold rulebooks must both equal the set of (neighbour, site) pairs found by
// direct coordinate search, for kernel sizes 1/3/5 in 2D and 3D, batches, sites on the volume
// boundary and spatial sizes up to 65,536 per axis.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Arena } from "../src/backend/wasm/arena.js";
import { instantiateKernels } from "../src/backend/wasm/module.js";
import { buildGeometry, type Geometry } from "../src/geometry/levels.js";
import type { SparseTensor } from "../src/tensor/sparse-tensor.js";
import { rng } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";

const k = await instantiateKernels();
const arena = new Arena(k);

function siteKeys(g: Geometry, l: number): string[] {
  const L = g.levels[l];
  const c = arena.i32(L.coords, L.n * g.dim), b = arena.i32(L.batch, L.n);
  return Array.from({ length: L.n }, (_, i) => `${b[i]}:${Array.from(c.subarray(i * g.dim, (i + 1) * g.dim)).join(",")}`);
}

function pairsOf(start: number, pin: number, pout: number, K: number): string[][] {
  const s = arena.i32(start, K + 1);
  const out: string[][] = [];
  for (let kk = 0; kk < K; kk++) {
    const ins = arena.i32(pin + s[kk] * 4, s[kk + 1] - s[kk]), outs = arena.i32(pout + s[kk] * 4, s[kk + 1] - s[kk]);
    out.push(Array.from(ins, (i, p) => `${i}->${outs[p]}`));
  }
  return out;
}

function bruteSub(keys: string[], size: number[], ks: number): string[][] {
  const index = new Map(keys.map((key, i) => [key, i]));
  const dim = size.length, r = ks >> 1, K = ks ** dim;
  const out: string[][] = [];
  for (let kk = 0; kk < K; kk++) {
    const d: number[] = [];
    let rem = kk;
    for (let a = dim - 1; a >= 0; a--) { d[a] = (rem % ks) - r; rem = Math.floor(rem / ks); }
    const list: string[] = [];
    keys.forEach((key, o) => {
      const [b, cs] = key.split(":");
      const q = cs.split(",").map((v, a) => Number(v) + d[a]);
      if (q.some((v, a) => v < 0 || v >= size[a])) return;
      const i = index.get(`${b}:${q.join(",")}`);
      if (i !== undefined) list.push(`${i}->${o}`);
    });
    out.push(list);
  }
  return out;
}

function checkEvent(t: SparseTensor, levels: number, kernels: number[]) {
  arena.resetEvent();
  const g = buildGeometry(arena, t, levels, kernels.flatMap((ks) => Array.from({ length: levels }, (_, level) => ({ level, ks }))));
  // Level 0 = distinct input sites in sorted (batch, coords) order, every row mapped to its site.
  const n = t.coords.length / t.dim;
  const rowKeys = Array.from({ length: n }, (_, r) => `${t.batch ? t.batch[r] : 0}:${Array.from(t.coords.subarray(r * t.dim, (r + 1) * t.dim)).join(",")}`);
  const keys0 = siteKeys(g, 0);
  assert.deepEqual(keys0, [...new Set(rowKeys)].sort(compareKeys));
  const siteOfRow = arena.i32(g.siteOfRow, n);
  rowKeys.forEach((key, r) => assert.equal(keys0[siteOfRow[r]], key));
  let size = t.spatialSize;
  for (let l = 0; l < levels; l++) {
    const keys = siteKeys(g, l);
    if (l > 0) {
      // Coarse level = distinct parents of the finer level, sorted.
      const fine = siteKeys(g, l - 1);
      const parents = fine.map((key) => { const [b, c] = key.split(":"); return `${b}:${c.split(",").map((v) => Number(v) >> 1).join(",")}`; });
      assert.deepEqual(keys, [...new Set(parents)].sort(compareKeys));
      // Strided rules: pair (f, parent(f)) under offset k = parity index of f.
      const rb = g.strided[l - 1];
      const want: string[][] = Array.from({ length: rb.K }, () => []);
      fine.forEach((key, fi) => {
        const c = key.split(":")[1].split(",").map(Number);
        want[c.reduce((kk, v) => (kk << 1) | (v & 1), 0)].push(`${fi}->${keys.indexOf(parents[fi])}`);
      });
      assert.deepEqual(pairsOf(rb.start, rb.inIdx, rb.outIdx, rb.K), want);
    }
    for (const ks of kernels) {
      const rb = g.sub.get(`${l}:${ks}`)!;
      const brute = bruteSub(keys, size, ks);
      assert.deepEqual(pairsOf(rb.start, rb.inIdx, rb.outIdx, rb.K), brute, `merge rulebook level ${l} ks ${ks}`);
      // Hash-built rulebook over the same sites.
      const L = g.levels[l];
      let capLog2 = 1;
      while ((1 << capLog2) < 2 * L.n) capLog2++;
      const table = arena.alloc(k.hashTableBytes(capLog2));
      assert.equal(k.hashBuild(table, capLog2, L.keys, L.n), L.n);
      const K = rb.K;
      const st = arena.alloc((K + 1) * 4), pi = arena.alloc(L.n * K * 4), po = arena.alloc(L.n * K * 4);
      const total = k.subRulesHash(table, capLog2, L.keys, L.coords, L.n, t.dim, L.size[0], L.size[1], L.size[2] ?? 1, ks, st, pi, po);
      assert.equal(total, rb.pairs);
      assert.deepEqual(pairsOf(st, pi, po, K), brute, `hash rulebook level ${l} ks ${ks}`);
    }
    size = size.map((s) => s / 2);
  }
}

function compareKeys(a: string, b: string): number {
  const pa = a.split(/[:,]/).map(Number), pb = b.split(/[:,]/).map(Number);
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

test("2D random walk, kernels 1/3/5, 4 levels", () => {
  checkEvent(randomWalkEvent({ dim: 2, size: 64, sites: 400, seed: 1 }), 4, [1, 3, 5]);
});

test("3D random walk with duplicates and a batch of 3, kernels 3/5", () => {
  checkEvent(randomWalkEvent({ dim: 3, size: 32, sites: 200, seed: 2, batch: 3, duplicates: 30 }), 3, [3, 5]);
});

test("sites on every face and corner of the volume", () => {
  const coords: number[] = [];
  for (const x of [0, 1, 14, 15]) for (const y of [0, 7, 15]) for (const z of [0, 15]) coords.push(x, y, z);
  const n = coords.length / 3;
  checkEvent({ dim: 3, spatialSize: [16, 16, 16], coords: Int32Array.from(coords), features: new Float32Array(n).fill(1), channels: 1 }, 5, [3]);
});

test("spatial size 65,536 per axis (2D and 3D) with several batches", () => {
  const u = rng(5);
  for (const dim of [2, 3] as const) {
    const coords: number[] = [], batch: number[] = [];
    for (let i = 0; i < 300; i++) {
      const base = i % 2 ? 65535 - Math.floor(u() * 6) : Math.floor(u() * 6);
      for (let a = 0; a < dim; a++) coords.push(a === 0 ? Math.floor(u() * 65536) & ~7 | Math.floor(u() * 8) : base);
      batch.push(Math.floor(u() * 4));
    }
    checkEvent({ dim, spatialSize: new Array(dim).fill(65536), coords: Int32Array.from(coords), features: new Float32Array(300).fill(1), channels: 1, batch: Int32Array.from(batch) }, 3, [3]);
  }
});

test("hash table: every key found, absent keys give -1", () => {
  arena.resetEvent();
  const u = rng(9);
  const n = 5000;
  const keys = arena.alloc(n * 8);
  const kv = new BigInt64Array(k.memory.buffer, keys, n);
  const set = new Set<bigint>();
  while (set.size < n) set.add(BigInt(Math.floor(u() * 2 ** 40)) * 977n);
  [...set].forEach((v, i) => { kv[i] = v; });
  const table = arena.alloc(k.hashTableBytes(14));
  assert.equal(k.hashBuild(table, 14, keys, n), n);
  const q = arena.alloc(2 * n * 8), out = arena.alloc(2 * n * 4);
  const qv = new BigInt64Array(k.memory.buffer, q, 2 * n);
  const kv2 = new BigInt64Array(k.memory.buffer, keys, n);
  for (let i = 0; i < n; i++) { qv[i] = kv2[i]; qv[n + i] = kv2[i] + 1n; }
  k.hashLookupMany(table, 14, q, 2 * n, out);
  const ov = arena.i32(out, 2 * n);
  for (let i = 0; i < n; i++) {
    assert.equal(ov[i], i);
    assert.equal(ov[n + i], set.has(kv2[i] + 1n) ? [...set].indexOf(kv2[i] + 1n) : -1);
  }
});
