// The loss through the decision stage's mix (`train --smooth R,A`, src/train/mixed-loss.ts): the
// value against a float64 reference that finds neighbours by walking every offset of the box
// through a map of coordinates, its gradient by finite differences of that reference, the kernel's
// neighbour sums against the same brute force, the whole network's gradient by finite differences,
// and a model written by such a run mixes as it was trained.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiateKernels } from "../src/backend/wasm/module.js";
import { parseModelConfig } from "../src/model/config.js";
import { ForwardBackward } from "../src/train/forward-backward.js";
import { mixedSoftmaxLoss, type NeighbourSums } from "../src/train/mixed-loss.js";
import { initialTrainingWeights, rng } from "../src/weights/random-init.js";
import type { SparseTensor } from "../src/tensor/sparse-tensor.js";
import { randomWalkEvent } from "./support/events.js";
import { checkGradientsAlongThemselves, gradientCase } from "./support/finite-differences.js";

const kernels = await instantiateKernels();
const C = 5;

/** Per distinct site (batch, coords) in order of first appearance: the sites within Chebyshev
 *  distance `radius`, itself left out, found through every offset of the box. */
function bruteNeighbours(t: SparseTensor, radius: number): { siteOfRow: Int32Array; neighbours: number[][] } {
  const d = t.dim, n = t.coords.length / d;
  const key = (b: number, c: number[]) => `${b}:${c.join(",")}`;
  const siteOf = new Map<string, number>(), coords: number[][] = [], batch: number[] = [];
  const siteOfRow = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Array.from(t.coords.subarray(i * d, (i + 1) * d)), b = t.batch?.[i] ?? 0, k = key(b, c);
    if (!siteOf.has(k)) { siteOf.set(k, coords.length); coords.push(c); batch.push(b); }
    siteOfRow[i] = siteOf.get(k)!;
  }
  let offsets: number[][] = [[]];
  for (let a = 0; a < d; a++) offsets = offsets.flatMap((o) => Array.from({ length: 2 * radius + 1 }, (_, x) => [...o, x - radius]));
  const neighbours = coords.map((c, s) => offsets.filter((o) => o.some((x) => x !== 0))
    .map((o) => siteOf.get(key(batch[s], c.map((x, a) => x + o[a]))))
    .filter((j): j is number => j !== undefined));
  return { siteOfRow, neighbours };
}

function bruteSums(neighbours: number[][]): NeighbourSums {
  return (values) => {
    const sums = new Float64Array(values.length), counts = Int32Array.from(neighbours, (nb) => nb.length);
    neighbours.forEach((nb, s) => { for (const j of nb) for (let q = 0; q < C; q++) sums[s * C + q] += values[j * C + q]; });
    return { sums, counts };
  };
}

/** Per site, the softmax scores of `logits` [sites, stride] mixed with its neighbours' mean. */
function referenceMixed(logits: Float64Array, stride: number, neighbours: number[][], share: number): number[][] {
  const p = neighbours.map((_, s) => {
    const e = Array.from({ length: C }, (_, j) => Math.exp(logits[s * stride + j]));
    const z = e.reduce((x, y) => x + y, 0);
    return e.map((x) => x / z);
  });
  return p.map((ps, s) => ps.map((x, j) => neighbours[s].length === 0 ? x
    : (1 - share) * x + share * neighbours[s].reduce((acc, n) => acc + p[n][j], 0) / neighbours[s].length));
}

/** sum_r w_r (-sum_j t_rj log M_sj - b log M_s,group) / sum_r w_r, from per-site logits [sites, stride]. */
function referenceLoss(logits: Float64Array, stride: number, neighbours: number[][], siteOfRow: Int32Array, labels: Int32Array,
  w: Float32Array, share: number, b: number, soft?: { q: Float32Array; a: number }): number {
  const mixed = referenceMixed(logits, stride, neighbours, share);
  let loss = 0, wsum = 0;
  siteOfRow.forEach((s, r) => {
    const y = labels[r], M = mixed[s];
    let ce = 0;
    for (let j = 0; j < C; j++) {
      const t = (j === y ? 1 - (soft?.a ?? 0) : 0) + (soft ? soft.a * soft.q[r * C + j] : 0);
      ce -= t * Math.log(M[j]);
    }
    if (b > 0 && w[r] > 0) ce -= b * Math.log(y <= 1 ? M[0] + M[1] : M[2] + M[3] + M[4]);
    loss += w[r] * ce;
    wsum += w[r];
  });
  return loss / wsum;
}

/** `t` with one more row in batch 0, at the first place more than `radius` from its every site:
 *  a site whose scores stay its own. */
function withLoneSite(t: SparseTensor, radius: number): SparseTensor {
  const d = t.dim, n = t.coords.length / d, size = t.spatialSize[0];
  for (let i = 0; i < size ** d; i++) {
    const c = Array.from({ length: d }, (_, a) => Math.floor(i / size ** a) % size);
    let far = true;
    for (let r = 0; r < n && far; r++) {
      if ((t.batch?.[r] ?? 0) !== 0) continue;
      far = c.some((x, a) => Math.abs(x - t.coords[r * d + a]) > radius);
    }
    if (!far) continue;
    return { ...t, coords: Int32Array.from([...t.coords, ...c]), features: Float32Array.from([...t.features, ...t.features.subarray(0, t.features.length / n)]),
      batch: Int32Array.from([...(t.batch ?? new Int32Array(n)), 0]) };
  }
  throw new Error("no room for a lone site");
}

function lossCase(seed: number, dim: 2 | 3) {
  const t = withLoneSite(randomWalkEvent({ dim, size: dim === 2 ? 24 : 12, sites: dim === 2 ? 40 : 50, seed, batch: 2, duplicates: 4 }), 2);
  const { siteOfRow, neighbours } = bruteNeighbours(t, 2);
  const n = siteOfRow.length, sites = neighbours.length, stride = 8, u = rng(seed + 1);
  const siteLogits = Float32Array.from({ length: sites * stride }, () => 4 * u() - 2);
  const labels = Int32Array.from({ length: n }, () => Math.floor(u() * C));
  const w = Float32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : 0.25 + u()));
  const q = Float32Array.from({ length: n * C }, () => 0.05 + u());
  for (let r = 0; r < n; r++) { let s = 0; for (let j = 0; j < C; j++) s += q[r * C + j]; for (let j = 0; j < C; j++) q[r * C + j] /= s; }
  return { t, siteOfRow, neighbours, sites, stride, siteLogits, labels, w, wsum: w.reduce((a, b) => a + b, 0), q };
}

test("mixed loss: the value against a brute-force float64 reference, and its gradient by finite differences", () => {
  for (const [dim, b, a] of [[2, 0, 0], [3, 0.7, 0], [2, 0.5, 0.4]] as const) {
    const c = lossCase(31 + dim, dim), share = 0.3;
    const soft = a > 0 ? { probabilities: c.q, weight: a } : undefined;
    const res = mixedSoftmaxLoss(c.siteLogits, c.stride, c.sites, C, c.siteOfRow, c.labels, c.w, c.wsum, share, bruteSums(c.neighbours), soft, b);
    const logits = Float64Array.from(c.siteLogits);
    const ref = (x: Float64Array) => referenceLoss(x, c.stride, c.neighbours, c.siteOfRow, c.labels, c.w, share, b, soft && { q: c.q, a });
    assert.ok(Math.abs(res.loss - ref(logits)) < 1e-12, `dim ${dim}: ${res.loss} against ${ref(logits)}`);
    // Sites with neighbours, and the lone one, which keeps its own scores.
    assert.ok(c.neighbours.some((nb) => nb.length > 0) && c.neighbours.some((nb) => nb.length === 0), "sites with and without neighbours");
    const h = 1e-6;
    for (let s = 0; s < c.sites; s++) {
      for (let j = 0; j < C; j++) {
        const i = s * c.stride + j, up = Float64Array.from(logits), down = Float64Array.from(logits);
        up[i] += h; down[i] -= h;
        const numeric = (ref(up) - ref(down)) / (2 * h);
        assert.ok(Math.abs(res.gradSites[i] - numeric) < 1e-7, `dim ${dim} site ${s} class ${j}: ${res.gradSites[i]} against ${numeric}`);
      }
    }
    // Each row's label is decided on its site's mixed scores.
    const mixed = referenceMixed(logits, c.stride, c.neighbours, share);
    c.siteOfRow.forEach((s, r) => { for (let j = 0; j < C; j++) assert.ok(Math.abs(res.decision![r * C + j] - mixed[s][j]) < 1e-7, `row ${r}`); });
    // Each site's gradient once over its rows.
    const perSite = new Float64Array(c.sites * C);
    c.siteOfRow.forEach((s, r) => { for (let j = 0; j < C; j++) perSite[s * C + j] += res.gradLogits[r * C + j]; });
    for (let s = 0; s < c.sites; s++) for (let j = 0; j < C; j++) assert.ok(Math.abs(perSite[s * C + j] - res.gradSites[s * c.stride + j]) < 1e-7);
  }
});

test("the kernel's neighbour sums equal the brute-force sums (2D and 3D, radii 1-3, batches apart)", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  for (const dim of [2, 3] as const) {
    for (const radius of [1, 2, 3]) {
      const t = randomWalkEvent({ dim, size: 16, sites: 80, seed: 50 + radius, batch: 3, duplicates: 5 });
      const { siteOfRow, neighbours } = bruteNeighbours(t, radius);
      const fb = new ForwardBackward(kernels, parseModelConfig({ ...cfg, dim, depth: 2 }));
      const params = initialTrainingWeights(fb.config, 3);
      const n = siteOfRow.length, labels = Int32Array.from({ length: n }, (_, i) => i % C), w = new Float32Array(n).fill(1);
      // The network's per-row logits, then the loss through the kernel's sums against the brute force's.
      const plain = fb.run(params, t, labels, w);
      const mixed = fb.run(params, t, labels, w, { mix: { radius, share: 0.4 } });
      const siteLogits = new Float32Array(neighbours.length * C);
      siteOfRow.forEach((s, r) => siteLogits.set(plain.logits.subarray(r * C, (r + 1) * C), s * C));
      const brute = mixedSoftmaxLoss(siteLogits, C, neighbours.length, C, siteOfRow, labels, w, n, 0.4, bruteSums(neighbours));
      assert.ok(Math.abs(mixed.loss - brute.loss) < 1e-12, `dim ${dim} radius ${radius}: ${mixed.loss} against ${brute.loss}`);
      assert.ok(Math.abs(mixed.loss - plain.loss) > 1e-4, "the mix changes the loss");
      for (let r = 0; r < n; r++) for (let j = 0; j < C; j++) {
        assert.ok(Math.abs(mixed.gradLogits[r * C + j] - brute.gradLogits[r * C + j]) < 1e-6, `dim ${dim} radius ${radius} row ${r}`);
      }
    }
  }
});

test("finite differences of the mixed loss match the backward pass through the whole network; the same bits twice", () => {
  const { fb, params, tensor, labels, w } = gradientCase(kernels);
  const mix = { radius: 2, share: 0.5 };
  const base = fb.run(params, tensor, labels, w, { mix });
  const again = fb.run(params, tensor, labels, w, { mix });
  assert.equal(again.loss, base.loss);
  for (const [name, g] of base.grads) assert.deepEqual(again.grads.get(name), g, name);
  const checked = checkGradientsAlongThemselves(params, base.grads, () => fb.run(params, tensor, labels, w, { mix }).loss);
  assert.ok(checked > 10, `${checked} parameter tensors checked`);
});
