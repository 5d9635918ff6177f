// An independent float64 re-implementation of SparseConvNet's U-ResNet over hash maps of sites,
// written straight from the architecture description (no rulebooks, no packing, no wasm): the
// reference the engine is compared with for configurations SparseConvNet's vectors do not cover.

import assert from "node:assert/strict";
import type { ModelConfig } from "../../src/model/config.js";
import type { SparseTensor } from "../../src/tensor/sparse-tensor.js";
import type { WeightTensors } from "../../src/weights/scn.js";

type Feat = Map<string, Float64Array>;

/** Asserts that `logits` are the reference network's for model (cfg, w) on t, within 1e-4 of the
 *  largest reference logit (at least 1): float32 arithmetic in another order against float64. */
export function assertMatchesReference(cfg: ModelConfig, w: WeightTensors, t: SparseTensor, logits: Float32Array, what = "logits"): void {
  const ref = referenceLogits(cfg, w, t);
  assert.equal(logits.length, ref.length, `${what}: ${logits.length} values, the reference has ${ref.length}`);
  let maxRef = 0, maxDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    maxDiff = Math.max(maxDiff, Math.abs(ref[i] - logits[i]));
  }
  assert.ok(maxDiff <= 1e-4 * Math.max(1, maxRef), `${what}: max |diff| ${maxDiff} vs max |ref| ${maxRef}`);
}

export function referenceLogits(cfg: ModelConfig, w: WeightTensors, t: SparseTensor): Float64Array {
  const dim = t.dim;
  const n = t.coords.length / dim;
  const keyOf = (b: number, c: number[]) => `${b}:${c.join(",")}`;
  const parse = (k: string) => { const [b, c] = k.split(":"); return { b: Number(b), c: c.split(",").map(Number) }; };
  const W = (name: string) => { const x = w.get(name); if (!x) throw new Error(`missing ${name}`); return x.data; };

  // InputLayer mode 3: sum duplicates in row order.
  let x: Feat = new Map();
  const rowKeys: string[] = [];
  for (let r = 0; r < n; r++) {
    const k = keyOf(t.batch ? t.batch[r] : 0, Array.from(t.coords.subarray(r * dim, (r + 1) * dim)));
    rowKeys.push(k);
    const f = x.get(k) ?? new Float64Array(t.channels);
    for (let c = 0; c < t.channels; c++) f[c] += t.features[r * t.channels + c];
    x.set(k, f);
  }
  const sizes = [t.spatialSize];
  for (let l = 1; l < cfg.depth; l++) sizes.push(sizes[l - 1].map((s) => s / 2));

  const subconv = (x: Feat, name: string, ks: number, cin: number, cout: number, level: number): Feat => {
    const Wt = W(`${name}.weight`);
    const r = ks >> 1, K = ks ** dim;
    const out: Feat = new Map();
    for (const key of x.keys()) {
      const { b, c } = parse(key);
      const acc = new Float64Array(cout);
      for (let k = 0; k < K; k++) {
        const d: number[] = [];
        let rem = k;
        for (let a = dim - 1; a >= 0; a--) { d[a] = (rem % ks) - r; rem = Math.floor(rem / ks); }
        const q = c.map((v, a) => v + d[a]);
        if (q.some((v, a) => v < 0 || v >= sizes[level][a])) continue;
        const nb = x.get(keyOf(b, q));
        if (!nb) continue;
        for (let i = 0; i < cin; i++) for (let j = 0; j < cout; j++) acc[j] += nb[i] * Wt[(k * cin + i) * cout + j];
      }
      out.set(key, acc);
    }
    return out;
  };
  const parity = (c: number[]) => c.reduce((k, v) => (k << 1) | (v & 1), 0);
  const down = (x: Feat, name: string, cin: number, cout: number): Feat => {
    const Wt = W(`${name}.weight`);
    const out: Feat = new Map();
    for (const [key, f] of x) {
      const { b, c } = parse(key);
      const pk = keyOf(b, c.map((v) => v >> 1));
      const acc = out.get(pk) ?? new Float64Array(cout);
      const k = parity(c);
      for (let i = 0; i < cin; i++) for (let j = 0; j < cout; j++) acc[j] += f[i] * Wt[(k * cin + i) * cout + j];
      out.set(pk, acc);
    }
    return out;
  };
  const up = (coarse: Feat, fineSites: Iterable<string>, name: string, cin: number, cout: number): Feat => {
    const Wt = W(`${name}.weight`);
    const out: Feat = new Map();
    for (const key of fineSites) {
      const { b, c } = parse(key);
      const f = coarse.get(keyOf(b, c.map((v) => v >> 1)))!;
      const k = parity(c);
      const acc = new Float64Array(cout);
      for (let i = 0; i < cin; i++) for (let j = 0; j < cout; j++) acc[j] += f[i] * Wt[(k * cin + i) * cout + j];
      out.set(key, acc);
    }
    return out;
  };
  const bnAct = (x: Feat, name: string, leak: number): Feat => {
    const [g, bb, m, v] = ["weight", "bias", "running_mean", "running_var"].map((s) => W(`${name}.${s}`));
    const out: Feat = new Map();
    for (const [key, f] of x) {
      out.set(key, f.map((val, c) => {
        const y = (val - m[c]) / Math.sqrt(v[c] + cfg.bnEps) * g[c] + bb[c];
        return y > 0 ? y : y * leak;
      }));
    }
    return out;
  };
  const map2 = (a: Feat, b: Feat, fn: (x: Float64Array, y: Float64Array) => Float64Array): Feat => {
    const out: Feat = new Map();
    for (const [key, f] of a) out.set(key, fn(f, b.get(key)!));
    return out;
  };
  const nin = (x: Feat, name: string, cin: number, cout: number): Feat => {
    const Wt = W(`${name}.weight`);
    const out: Feat = new Map();
    for (const [key, f] of x) {
      const acc = new Float64Array(cout);
      for (let i = 0; i < cin; i++) for (let j = 0; j < cout; j++) acc[j] += f[i] * Wt[i * cout + j];
      out.set(key, acc);
    }
    return out;
  };
  const block = (P: string, i: number, level: number, x: Feat, a: number, b: number): Feat => {
    if (cfg.residualBlocks) {
      const shortcut = a === b ? x : nin(x, `${P}.${i}.0`, a, b);
      let y = bnAct(x, `${P}.${i}.1.0`, cfg.leakiness);
      y = subconv(y, `${P}.${i}.1.1`, 3, a, b, level);
      y = bnAct(y, `${P}.${i}.1.2`, cfg.leakiness);
      y = subconv(y, `${P}.${i}.1.3`, 3, b, b, level);
      return map2(shortcut, y, (p, q) => p.map((v, j) => v + q[j]));
    }
    return subconv(bnAct(x, `${P}.${i}`, cfg.leakiness), `${P}.${i + 1}`, 3, a, b, level);
  };
  const level = (P: string, l: number, x: Feat): Feat => {
    const nl = cfg.planes[l];
    let i = 0;
    for (let r = 0; r < cfg.reps; r++, i += 2) x = block(P, i, l, x, nl, nl);
    if (l + 1 < cfg.depth) {
      const n2 = cfg.planes[l + 1];
      const D = `${P}.${i}.1`;
      let y = down(bnAct(x, `${D}.0`, cfg.leakiness), `${D}.1`, nl, n2);
      y = level(`${D}.2`, l + 1, y);
      y = up(bnAct(y, `${D}.3`, cfg.leakiness), x.keys(), `${D}.4`, n2, nl);
      x = map2(x, y, (p, q) => Float64Array.from([...p, ...q]));
      i += 2;
      for (let r = 0; r < cfg.reps; r++, i += 2) x = block(P, i, l, x, r === 0 ? 2 * nl : nl, nl);
    }
    return x;
  };

  x = subconv(x, "sparseModel.1", cfg.inputKernel, cfg.inputChannels, cfg.filters, 0);
  x = level("sparseModel.2", 0, x);
  x = bnAct(x, "sparseModel.3", cfg.finalLeakiness);
  const LW = W("linear.weight"), LB = W("linear.bias");
  const C = cfg.classes, m = cfg.filters;
  const out = new Float64Array(n * C);
  rowKeys.forEach((k, r) => {
    const f = x.get(k)!;
    for (let j = 0; j < C; j++) {
      let s = LB[j];
      for (let i = 0; i < m; i++) s += f[i] * LW[j * m + i];
      out[r * C + j] = s;
    }
  });
  return out;
}
