// Neighbour smoothing, a model's decision stage (src/model/smoothing.ts, assembly/smoothing.ts):
// checked against an independent reference that finds each site's neighbours by walking every
// offset of the (2r+1)^dim box through a map of coordinates and mixes the scores in float64, on the
// unsmoothed model's scores of the same event. The engine finds neighbours by merge walks over the
// sorted keys, half the offsets, each pair counted for both sites: a different construction.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { InvalidConfigError } from "../src/errors.js";
import { parseModelConfig, type ModelConfig, type ModelConfigInput } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { readModelFile, writeModelFile } from "../src/weights/model-file.js";
import { randomWeights } from "../src/weights/random-init.js";
import type { SparseTensor } from "../src/tensor/sparse-tensor.js";
import { randomWalkEvent } from "./support/events.js";

const engine = await Engine.create();

/** The mixed, scaled and normalised scores of every row, and their labels, from `scores` (per row). */
function referenceSmoothing(t: SparseTensor, scores: Float32Array, C: number, radius: number, share: number, constants: number[]) {
  const d = t.dim, n = t.coords.length / d;
  const batchOf = (i: number) => t.batch?.[i] ?? 0;
  const key = (b: number, c: number[]) => `${b}:${c.join(",")}`;
  const rowOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = key(batchOf(i), Array.from(t.coords.subarray(i * d, (i + 1) * d)));
    if (!rowOf.has(k)) rowOf.set(k, i);
  }
  const offsets: number[][] = [[]];
  for (let a = 0; a < d; a++) {
    const next: number[][] = [];
    for (const o of offsets) for (let x = -radius; x <= radius; x++) next.push([...o, x]);
    offsets.splice(0, offsets.length, ...next);
  }
  const kMax = Math.max(...constants);
  const out = new Float64Array(n * C), labels = new Uint8Array(n), margin = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = Array.from(t.coords.subarray(i * d, (i + 1) * d));
    const sum = new Float64Array(C);
    let m = 0;
    for (const o of offsets) {
      if (o.every((x) => x === 0)) continue;
      const j = rowOf.get(key(batchOf(i), c.map((x, a) => x + o[a])));
      if (j === undefined) continue;
      m++;
      for (let q = 0; q < C; q++) sum[q] += scores[j * C + q];
    }
    const w = Array.from({ length: C }, (_, q) =>
      (m > 0 ? (1 - share) * scores[i * C + q] + share * sum[q] / m : scores[i * C + q]) * Math.exp(constants[q] - kMax));
    const total = w.reduce((s, v) => s + v, 0);
    w.forEach((v, q) => { out[i * C + q] = v / total; });
    const order = [...w.keys()].sort((p, q) => w[q] - w[p] || p - q);
    labels[i] = order[0];
    margin[i] = (w[order[0]] - w[order[1]]) / total;
  }
  return { scores: out, labels, margin };
}

function check(cfgIn: ModelConfigInput, t: SparseTensor, radius: number, share: number, constants: number[]) {
  const cfg = parseModelConfig(cfgIn);
  const w = randomWeights(buildUResNet(cfg), 5);
  const plain = engine.run(engine.loadModel(cfg, w), t);
  const smoothed = engine.run(engine.loadModel({ ...cfg, smoothing: { radius, share, constants } }, w), t);
  assert.deepEqual(new Uint32Array(smoothed.logits.buffer), new Uint32Array(plain.logits.buffer), "the logits are the network's");
  const ref = referenceSmoothing(t, plain.scores, cfg.classes, radius, share, constants);
  let relabelled = 0;
  for (let i = 0; i < smoothed.nRows; i++) {
    for (let q = 0; q < cfg.classes; q++) {
      assert.ok(Math.abs(smoothed.scores[i * cfg.classes + q] - ref.scores[i * cfg.classes + q]) < 1e-6, `row ${i} class ${q}`);
    }
    if (ref.margin[i] > 1e-6) assert.equal(smoothed.labels[i], ref.labels[i], `row ${i}'s label`);
    if (smoothed.labels[i] !== plain.labels[i]) relabelled++;
  }
  assert.ok(relabelled > 0, "the mix changed some labels (else this checks nothing)");
  return smoothed;
}

test("the mixed scores and labels match a reference that walks every offset of the box (2D, 3D, radii 1-3)", () => {
  check({ dim: 2, filters: 4, depth: 3 }, randomWalkEvent({ dim: 2, size: 64, sites: 400, seed: 11 }), 3, 0.3, [0, 0, 0, 0.25, 0]);
  check({ dim: 3, filters: 4, depth: 2 }, randomWalkEvent({ dim: 3, size: 32, sites: 300, seed: 12 }), 2, 0.5, [0.5, -0.25, 0, 0, 1]);
  check({ dim: 3, filters: 3, depth: 2, classes: 3 }, randomWalkEvent({ dim: 3, size: 16, sites: 200, seed: 13 }), 1, 1, [0, 0, 0]);
});

test("events of a batch do not mix, and a row repeated at one site gets that site's result", () => {
  const cfg = { dim: 2, filters: 4, depth: 3 } as const;
  const batch = randomWalkEvent({ dim: 2, size: 32, sites: 300, seed: 14, batch: 2, duplicates: 20 });
  const r = check(cfg, batch, 3, 0.4, [0, 0, 0, 0, 0]);
  // The second event alone gives its rows the same bits as in the batch.
  const rows = [...batch.batch!.keys()].filter((i) => batch.batch![i] === 1);
  const alone: SparseTensor = {
    dim: 2, spatialSize: batch.spatialSize, channels: 1,
    coords: Int32Array.from(rows.flatMap((i) => [batch.coords[2 * i], batch.coords[2 * i + 1]])),
    features: Float32Array.from(rows.map((i) => batch.features[i])),
  };
  const parsed = parseModelConfig(cfg);
  const w = randomWeights(buildUResNet(parsed), 5);
  const model = engine.loadModel({ ...parsed, smoothing: { radius: 3, share: 0.4, constants: [0, 0, 0, 0, 0] } }, w);
  const a = engine.run(model, alone), b = engine.run(model, alone);
  assert.deepEqual(a.scores, b.scores, "the same bits on every run");
  // Batch norm uses running statistics at inference, so each event's scores do not depend on the other's.
  rows.forEach((i, k) => {
    for (let q = 0; q < 5; q++) assert.equal(a.scores[k * 5 + q], r.scores[i * 5 + q], `row ${i}`);
  });
});

test("smoothing in a model config: validated with the field named, written and read with the model file", () => {
  const base: ModelConfigInput = { dim: 3, filters: 4, depth: 2 };
  const cfg = parseModelConfig({ ...base, smoothing: { radius: 3, share: 0.3 } });
  assert.deepEqual(cfg.smoothing, { radius: 3, share: 0.3, constants: [0, 0, 0, 0, 0] }, "constants default to 0");
  const bad: [unknown, RegExp][] = [
    [{ radius: 5, share: 0.3 }, /smoothing\.radius/],
    [{ radius: 1.5, share: 0.3 }, /smoothing\.radius/],
    [{ radius: 2, share: 0 }, /smoothing\.share/],
    [{ radius: 2, share: 1.5 }, /smoothing\.share/],
    [{ radius: 2, share: 0.3, constants: [0, 0] }, /smoothing\.constants has 2 entries for 5 classes/],
    [{ radius: 2, share: 0.3, steps: 2 }, /smoothing/],
  ];
  for (const [smoothing, message] of bad) {
    assert.throws(() => parseModelConfig({ ...base, smoothing }), (e: Error) => e instanceof InvalidConfigError && message.test(e.message));
  }
  const withConstants: ModelConfig = { ...cfg, smoothing: { radius: 2, share: 0.25, constants: [0.5, 0, -0.0625, 0.125, 0] } };
  const w = randomWeights(buildUResNet(withConstants), 2);
  const back = readModelFile(writeModelFile(withConstants, w));
  assert.deepEqual(back.config.smoothing, withConstants.smoothing);
  assert.equal(readModelFile(writeModelFile(parseModelConfig(base), w)).config.smoothing, undefined, "absent stays absent");
});
