// More blocks per level (src/weights/add-blocks.ts): the model with added blocks computes the thinner
// one's logits bit for bit (the new blocks add exactly nothing at first), checked also against the
// independent float64 re-implementation of the thinner network; every old tensor keeps its place in
// the network under the new numbering; and the zero convolutions that hold the new blocks back get
// gradients, without which training could never use them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { parseModelConfig, type ModelConfigInput } from "../src/model/config.js";
import { buildUResNet, levelPrefix } from "../src/model/uresnet.js";
import { addBlocksWeights, renumberedName } from "../src/weights/add-blocks.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";
import { assertMatchesReference } from "./support/reference-network.js";
import { assertZeroStartGetsGradients } from "./support/zero-start-gradients.js";

const engine = await Engine.create();

function checkSameFunction(cfgIn: ModelConfigInput, reps: number, ev: ReturnType<typeof randomWalkEvent>) {
  const cfg = parseModelConfig(cfgIn);
  const w = randomWeights(buildUResNet(cfg), 3);
  const thick = addBlocksWeights(cfg, w, 9, reps);
  assert.equal(thick.config.reps, reps);
  assert.equal(thick.weights.size, randomWeights(buildUResNet(thick.config), 1).size, "every tensor of the new model is there");
  const thin = engine.run(engine.loadModel(cfg, w), ev).logits;
  const more = engine.run(engine.loadModel(thick.config, thick.weights), ev).logits;
  assert.deepEqual(new Uint32Array(more.buffer), new Uint32Array(thin.buffer), "the same bits as the thinner network");
  assertMatchesReference(cfg, w, ev, more);
}

test("a model with more blocks computes the thinner model's logits (2D, 3D, one and two blocks more, reps 1)", () => {
  checkSameFunction({ dim: 2, filters: 4, depth: 3 }, 3, randomWalkEvent({ dim: 2, size: 64, sites: 300, seed: 1 }));
  checkSameFunction({ dim: 3, filters: 3, depth: 2 }, 4, randomWalkEvent({ dim: 3, size: 32, sites: 250, seed: 2 }));
  checkSameFunction({ dim: 2, filters: 5, depth: 2, reps: 1, planes: [5, 9], inputChannels: 2, classes: 3 }, 2,
    randomWalkEvent({ dim: 2, size: 32, sites: 200, seed: 4, channels: 2 }));
});

test("renumbering keeps each tensor's place: the branch, the next level and the join's blocks move up", () => {
  // reps 2 -> 3: branch 4 -> 6, join blocks 6, 8 -> 8, 10; blocks 0 and 2 stay; outside the UNet nothing moves.
  const cases: [string, string][] = [
    ["sparseModel.1.weight", "sparseModel.1.weight"],
    ["linear.bias", "linear.bias"],
    ["sparseModel.2.2.1.3.weight", "sparseModel.2.2.1.3.weight"],
    ["sparseModel.2.4.1.0.weight", "sparseModel.2.6.1.0.weight"],
    ["sparseModel.2.4.1.4.weight", "sparseModel.2.6.1.4.weight"],
    ["sparseModel.2.6.0.weight", "sparseModel.2.8.0.weight"],
    ["sparseModel.2.8.1.1.weight", "sparseModel.2.10.1.1.weight"],
    ["sparseModel.2.4.1.2.0.1.1.weight", "sparseModel.2.6.1.2.0.1.1.weight"],
    ["sparseModel.2.4.1.2.4.1.2.6.0.weight", "sparseModel.2.6.1.2.6.1.2.8.0.weight"],
  ];
  for (const [from, to] of cases) assert.equal(renumberedName(from, 2, 3), to, from);
  // Against the graphs themselves: the old model's names, renumbered, are all names of the new one.
  const cfg = parseModelConfig({ dim: 3, filters: 2, depth: 4 });
  const newNames = new Set(randomWeights(buildUResNet({ ...cfg, reps: 3 }), 1).keys());
  for (const name of randomWeights(buildUResNet(cfg), 1).keys()) assert.ok(newNames.has(renumberedName(name, 2, 3)), name);
});

test("the zero convolutions of the new blocks get gradients", async () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 3 });
  const thick = addBlocksWeights(cfg, randomWeights(buildUResNet(cfg), 5), 1);
  const names = [0, 1, 2].flatMap((l) => {
    const P = levelPrefix(thick.config, l);
    return l < 2 ? [`${P}.4.1.3.weight`, `${P}.12.1.3.weight`] : [`${P}.4.1.3.weight`];
  });
  await assertZeroStartGetsGradients(thick.config, thick.weights, names);
});

test("add-blocks names a foreign tensor, a missing one, plain blocks and too few reps", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const w = randomWeights(buildUResNet(cfg), 1);
  assert.throws(() => addBlocksWeights(cfg, w, 1, 2), /reps 2: expected an integer above the model's 2/);
  w.set("sparseModel.9.weight", { shape: [1], data: new Float32Array(1) });
  assert.throws(() => addBlocksWeights(cfg, w, 1), /tensor "sparseModel.9.weight" has no place in the model with 3 blocks/);
  w.delete("sparseModel.9.weight");
  w.delete("sparseModel.3.running_var");
  assert.throws(() => addBlocksWeights(cfg, w, 1), /missing tensor "sparseModel.3.running_var"/);
  const plain = parseModelConfig({ dim: 2, filters: 4, depth: 2, residualBlocks: false });
  assert.throws(() => addBlocksWeights(plain, randomWeights(buildUResNet(plain), 1), 1), /plain blocks/);
});
