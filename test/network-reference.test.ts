// The engine against an independent float64 re-implementation (test/support/reference-network.ts)
// over configurations the SparseConvNet vectors do not cover: 2D/3D, depths, leakiness, input
// kernels 1/3/5, plain blocks, duplicate coordinates, batches, single sites, boundary sites.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { parseModelConfig, type ModelConfigInput } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import type { SparseTensor } from "../src/tensor/sparse-tensor.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";
import { assertMatchesReference } from "./support/reference-network.js";

const engine = await Engine.create();

function check(cfgIn: ModelConfigInput, t: SparseTensor, seed = 7) {
  const cfg = parseModelConfig(cfgIn);
  const w = randomWeights(buildUResNet(cfg), seed);
  const model = engine.loadModel(cfg, w);
  const res = engine.run(model, t);
  assertMatchesReference(cfg, w, t, res.logits);
  return res;
}

test("2D, 5 levels, ReLU, residual blocks", () => {
  check({ dim: 2, filters: 8, depth: 5 }, randomWalkEvent({ dim: 2, size: 64, sites: 300, seed: 1 }));
});

test("3D, 4 levels, leaky ReLU 0.33, 3 reps", () => {
  check({ dim: 3, filters: 4, depth: 4, reps: 3, leakiness: 0.33 }, randomWalkEvent({ dim: 3, size: 32, sites: 250, seed: 2 }));
});

test("input kernel 5 (2D and 3D) and 1", () => {
  check({ dim: 2, filters: 6, depth: 3, inputKernel: 5 }, randomWalkEvent({ dim: 2, size: 32, sites: 200, seed: 3 }));
  check({ dim: 3, filters: 4, depth: 2, inputKernel: 5 }, randomWalkEvent({ dim: 3, size: 16, sites: 150, seed: 4 }));
  check({ dim: 2, filters: 5, depth: 3, inputKernel: 1 }, randomWalkEvent({ dim: 2, size: 32, sites: 150, seed: 5 }));
});

test("plain (non-residual) blocks, filters not a multiple of 4, 3 input channels, 7 classes", () => {
  check({ dim: 2, filters: 5, depth: 4, residualBlocks: false, inputChannels: 3, classes: 7, planes: [5, 7, 10, 13] },
    randomWalkEvent({ dim: 2, size: 64, sites: 200, seed: 6, channels: 3 }));
});

test("duplicate coordinates are summed and every duplicate row gets its site's logits", () => {
  const t = randomWalkEvent({ dim: 2, size: 32, sites: 120, seed: 8, duplicates: 40 });
  const res = check({ dim: 2, filters: 4, depth: 3 }, t);
  assert.ok(res.nSites < res.nRows);
  assert.equal(res.siteRows.length, res.nSites);
});

test("batch of events: per-event outputs are bit-identical to running each alone", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 8, depth: 4 });
  const w = randomWeights(buildUResNet(cfg), 11);
  const model = engine.loadModel(cfg, w);
  const t = randomWalkEvent({ dim: 2, size: 64, sites: 150, seed: 9, batch: 3 });
  check({ dim: 2, filters: 8, depth: 4 }, t, 11);
  const batched = engine.run(model, t);
  for (let b = 0; b < 3; b++) {
    const rows = [...t.batch!.keys()].filter((r) => t.batch![r] === b);
    const alone: SparseTensor = {
      ...t, batch: undefined,
      coords: Int32Array.from(rows.flatMap((r) => [t.coords[2 * r], t.coords[2 * r + 1]])),
      features: Float32Array.from(rows.map((r) => t.features[r])),
    };
    const single = engine.run(model, alone);
    rows.forEach((r, i) => {
      for (let j = 0; j < 5; j++) assert.equal(Object.is(single.logits[i * 5 + j], batched.logits[r * 5 + j]), true, `event ${b} row ${r}`);
    });
  }
});

test("single-site events and sites on the volume boundary", () => {
  const one: SparseTensor = { dim: 3, spatialSize: [16, 16, 16], coords: Int32Array.from([15, 0, 15]), features: Float32Array.from([2.5]), channels: 1 };
  const r = check({ dim: 3, filters: 4, depth: 5 }, one);
  assert.deepEqual(r.levelSizes, [1, 1, 1, 1, 1]);
  const corners: SparseTensor = {
    dim: 2, spatialSize: [16, 16], channels: 1,
    coords: Int32Array.from([0, 0, 0, 15, 15, 0, 15, 15, 0, 1, 1, 0, 14, 15, 15, 14]),
    features: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
  };
  check({ dim: 2, filters: 4, depth: 4 }, corners);
});

test("same event, same bits, every run and after other events", () => {
  const cfg = parseModelConfig({ dim: 3, filters: 8, depth: 4 });
  const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 3));
  const t = randomWalkEvent({ dim: 3, size: 32, sites: 400, seed: 12 });
  const a = engine.run(model, t).logits;
  engine.run(model, randomWalkEvent({ dim: 3, size: 32, sites: 900, seed: 13 }));
  const b = engine.run(model, t).logits;
  assert.deepEqual(new Uint32Array(a.buffer), new Uint32Array(b.buffer));
});
