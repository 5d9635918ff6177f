// Training: the loss of a small U-ResNet falls under Adam on a labelled batch, and the whole run is
// deterministic (the same losses, bit for bit, twice). Gradients themselves are checked against
// SparseConvNet's in the training conformance case (conformance.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiateKernels } from "../src/backend/wasm/module.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { Adam, updateRunningStats } from "../src/train/adam.js";
import { ForwardBackward } from "../src/train/forward-backward.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";

async function trainRun(steps: number): Promise<number[]> {
  const cfg = parseModelConfig({ dim: 2, filters: 8, depth: 3 });
  const fb = new ForwardBackward(await instantiateKernels(), cfg);
  const params = randomWeights(buildUResNet(cfg), 5);
  const ev = randomWalkEvent({ dim: 2, size: 64, sites: 300, seed: 3, batch: 2 });
  const n = ev.coords.length / 2;
  // A learnable labelling: the class is set by the position (which quarter of the image).
  const labels = Int32Array.from({ length: n }, (_, r) => (ev.coords[2 * r] >= 32 ? 2 : 0) + (ev.coords[2 * r + 1] >= 32 ? 1 : 0));
  const weights = new Float32Array(n).fill(1);
  const adam = new Adam({ lr: 5e-3 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const r = fb.run(params, ev, labels, weights);
    losses.push(r.loss);
    updateRunningStats(params, r.batchStats);
    adam.apply(new Map([...params].filter(([name]) => r.grads.has(name))), r.grads);
  }
  return losses;
}

test("the loss falls under Adam, and training is deterministic", async () => {
  const a = await trainRun(60);
  assert.ok(a[a.length - 1] < 0.5 * a[0], `loss ${a[0]} -> ${a[a.length - 1]}`);
  const b = await trainRun(60);
  assert.deepEqual(b, a);
});
