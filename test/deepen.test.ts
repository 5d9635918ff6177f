// Deepening a model (src/weights/deepen.ts): the deepened network computes the shallow one's
// logits bit for bit (the new level contributes exactly nothing at first), checked also against the
// independent float64 re-implementation of the shallow network; and the zero weights that hold the
// new level back get gradients, without which training could never open the deeper view.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { parseModelConfig, type ModelConfigInput } from "../src/model/config.js";
import { buildUResNet, levelPrefix } from "../src/model/uresnet.js";
import { deepenWeights } from "../src/weights/deepen.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";
import { assertMatchesReference } from "./support/reference-network.js";
import { assertZeroStartGetsGradients } from "./support/zero-start-gradients.js";

const engine = await Engine.create();

function checkSameFunction(cfgIn: ModelConfigInput, ev: ReturnType<typeof randomWalkEvent>) {
  const cfg = parseModelConfig(cfgIn);
  const w = randomWeights(buildUResNet(cfg), 3);
  const deep = deepenWeights(cfg, w, 9);
  assert.equal(deep.config.depth, cfg.depth + 1);
  assert.deepEqual(deep.config.planes, [...cfg.planes, cfg.filters * (cfg.depth + 1)]);
  for (const [name, t] of w) assert.deepEqual(deep.weights.get(name)!.data, t.data, `${name} copied`);
  const shallow = engine.run(engine.loadModel(cfg, w), ev).logits;
  const deeper = engine.run(engine.loadModel(deep.config, deep.weights), ev).logits;
  assert.deepEqual(new Uint32Array(deeper.buffer), new Uint32Array(shallow.buffer), "the same bits as the shallow network");
  assertMatchesReference(cfg, w, ev, deeper);
}

test("a deepened model computes the shallow model's logits (2D, 3D, reps 1, non-default planes)", () => {
  checkSameFunction({ dim: 2, filters: 4, depth: 3 }, randomWalkEvent({ dim: 2, size: 64, sites: 300, seed: 1 }));
  checkSameFunction({ dim: 3, filters: 3, depth: 2 }, randomWalkEvent({ dim: 3, size: 32, sites: 250, seed: 2 }));
  checkSameFunction({ dim: 2, filters: 5, depth: 2, reps: 1, planes: [5, 9], inputChannels: 2, classes: 3 },
    randomWalkEvent({ dim: 2, size: 32, sites: 200, seed: 4, channels: 2 }));
});

test("the weights that hold the new level back get gradients", async () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 3 });
  const deep = deepenWeights(cfg, randomWeights(buildUResNet(cfg), 5), 1);
  const P = levelPrefix(cfg, cfg.depth - 1);
  await assertZeroStartGetsGradients(deep.config, deep.weights, [`${P}.4.1.4.weight`, `${P}.6.1.3.weight`, `${P}.8.1.3.weight`]);
});

test("deepen names a foreign tensor and a missing one", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const w = randomWeights(buildUResNet(cfg), 1);
  w.set("sparseModel.9.weight", { shape: [1], data: new Float32Array(1) });
  assert.throws(() => deepenWeights(cfg, w, 1), /tensor "sparseModel.9.weight" has no place in the deepened model/);
  w.delete("sparseModel.9.weight");
  w.delete("sparseModel.3.running_var");
  assert.throws(() => deepenWeights(cfg, w, 1), /missing tensor "sparseModel.3.running_var"/);
});
