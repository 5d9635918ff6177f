// Widening a model (src/weights/widen.ts): the widened network computes the narrow one's function,
// checked against the independent float64 re-implementation of the narrow network, and its copies
// of a channel get different gradients (without that, training could never make them differ).
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiateKernels } from "../src/backend/wasm/module.js";
import { Engine } from "../src/engine.js";
import { parseModelConfig, type ModelConfigInput } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { ForwardBackward } from "../src/train/forward-backward.js";
import { randomWeights } from "../src/weights/random-init.js";
import { widenWeights } from "../src/weights/widen.js";
import { randomWalkEvent } from "./support/events.js";
import { referenceLogits } from "./support/reference-network.js";

const engine = await Engine.create();

function checkSameFunction(cfgIn: ModelConfigInput, factor: number, ev: ReturnType<typeof randomWalkEvent>) {
  const cfg = parseModelConfig(cfgIn);
  const w = randomWeights(buildUResNet(cfg), 3);
  const wide = widenWeights(cfg, w, factor, 9);
  assert.equal(wide.config.filters, cfg.filters * factor);
  assert.deepEqual(wide.config.planes, cfg.planes.map((p) => p * factor));
  const res = engine.run(engine.loadModel(wide.config, wide.weights), ev);
  const ref = referenceLogits(cfg, w, ev);
  let maxRef = 0, maxDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    maxDiff = Math.max(maxDiff, Math.abs(ref[i] - res.logits[i]));
  }
  assert.ok(maxDiff <= 1e-4 * Math.max(1, maxRef), `factor ${factor}: max |diff| ${maxDiff} vs max |ref| ${maxRef}`);
}

test("a widened model computes the narrow model's logits (2D x2, 3D x3, non-default planes and classes)", () => {
  checkSameFunction({ dim: 2, filters: 4, depth: 4 }, 2, randomWalkEvent({ dim: 2, size: 64, sites: 300, seed: 1 }));
  checkSameFunction({ dim: 3, filters: 3, depth: 3 }, 3, randomWalkEvent({ dim: 3, size: 32, sites: 250, seed: 2 }));
  checkSameFunction({ dim: 2, filters: 5, depth: 3, planes: [5, 7, 9], inputChannels: 2, classes: 3 }, 2,
    randomWalkEvent({ dim: 2, size: 32, sites: 200, seed: 4, channels: 2 }));
});

test("the copies of a channel get different gradients, so training can separate them", async () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 3 });
  const wide = widenWeights(cfg, randomWeights(buildUResNet(cfg), 5), 2, 1);
  const ev = randomWalkEvent({ dim: 2, size: 48, sites: 200, seed: 6 });
  const n = ev.coords.length / 2;
  const labels = Int32Array.from({ length: n }, (_, r) => (ev.coords[2 * r] * 7 + ev.coords[2 * r + 1]) % 5);
  const r = new ForwardBackward(await instantiateKernels(), wide.config).run(wide.weights, ev, labels, new Float32Array(n).fill(1));
  // The input convolution's output channels 2j and 2j+1 are copies of the narrow channel j.
  const g = r.grads.get("sparseModel.1.weight")!, cout = wide.config.filters;
  let differ = 0;
  for (let row = 0; row < g.length / cout; row++) {
    for (let j = 0; j < cout; j += 2) if (g[row * cout + j] !== g[row * cout + j + 1]) differ++;
  }
  assert.ok(differ >= 0.9 * (g.length / 2), `only ${differ} of ${g.length / 2} copy pairs have different gradients`);
  const bn = r.grads.get("sparseModel.3.weight")!;
  for (let j = 0; j < bn.length; j += 2) assert.notEqual(bn[j], bn[j + 1], `final batch norm weight copies ${j}, ${j + 1}`);
});
