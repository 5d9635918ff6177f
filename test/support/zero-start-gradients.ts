// For a model grown from a trained one (deepen, add-blocks): the weights that start at zero to keep
// the old function must get gradients, or training could never make the new parts do anything.

import assert from "node:assert/strict";
import { instantiateKernels } from "../../src/backend/wasm/module.js";
import type { ModelConfig } from "../../src/model/config.js";
import { ForwardBackward } from "../../src/train/forward-backward.js";
import type { WeightTensors } from "../../src/weights/scn.js";
import { randomWalkEvent } from "./events.js";

/** Asserts that each named tensor of a 2D model is all zero and that one training step on a random-walk
 *  event with made-up labels gives at least half of its entries a non-zero gradient. */
export async function assertZeroStartGetsGradients(config: ModelConfig, weights: WeightTensors, names: string[]): Promise<void> {
  const ev = randomWalkEvent({ dim: 2, size: 48, sites: 200, seed: 6 });
  const n = ev.coords.length / 2;
  const labels = Int32Array.from({ length: n }, (_, r) => (ev.coords[2 * r] * 7 + ev.coords[2 * r + 1]) % 5);
  const r = new ForwardBackward(await instantiateKernels(), config).run(weights, ev, labels, new Float32Array(n).fill(1));
  for (const name of names) {
    assert.ok(weights.get(name)!.data.every((x) => x === 0), `${name} starts at zero`);
    const g = r.grads.get(name)!;
    const nonZero = g.reduce((a, x) => a + (x !== 0 ? 1 : 0), 0);
    assert.ok(nonZero >= 0.5 * g.length, `${name}: ${nonZero} of ${g.length} gradients non-zero`);
  }
}
