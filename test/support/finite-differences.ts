// The whole network's parameter gradients against finite differences of its loss: each parameter
// tensor is moved by ±h along its own gradient, so one pair of runs checks the tensor's norm.
import assert from "node:assert/strict";
import type { KernelExports } from "../../src/backend/wasm/module.js";
import { parseModelConfig } from "../../src/model/config.js";
import { ForwardBackward } from "../../src/train/forward-backward.js";
import { initialTrainingWeights } from "../../src/weights/random-init.js";
import type { WeightTensors } from "../../src/weights/scn.js";
import { randomWalkEvent } from "./events.js";

/** A small 2D network and event for gradient checks: labels by position, weights 0.5-2.5. */
export function gradientCase(kernels: KernelExports) {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const fb = new ForwardBackward(kernels, cfg);
  const params = initialTrainingWeights(cfg, 7);
  const tensor = randomWalkEvent({ dim: 2, size: 16, sites: 60, seed: 101 });
  const n = tensor.coords.length / 2;
  const labels = Int32Array.from({ length: n }, (_, r) => (tensor.coords[2 * r] * 5 / 16) | 0);
  const w = Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 3));
  return { fb, params, tensor, n, labels, w };
}

/** Checks |g| against (loss(x + h g/|g|) - loss(x - h g/|g|)) / 2h within `tolerance` (relative) for
 *  every tensor of `grads` with |g| >= 1e-6; returns how many were checked. */
export function checkGradientsAlongThemselves(params: WeightTensors, grads: Map<string, Float32Array>, loss: () => number, h = 1e-3, tolerance = 0.03): number {
  let checked = 0;
  for (const [name, g] of grads) {
    const data = params.get(name)!.data, norm = Math.hypot(...g), x0 = Float32Array.from(data);
    if (norm < 1e-6) continue;
    const at = (s: number) => {
      for (let i = 0; i < g.length; i++) data[i] = x0[i] + s * h * g[i] / norm;
      const l = loss();
      data.set(x0);
      return l;
    };
    const fd = (at(1) - at(-1)) / (2 * h);
    assert.ok(Math.abs(fd - norm) <= tolerance * norm, `${name}: |grad| ${norm}, finite difference ${fd}`);
    checked++;
  }
  return checked;
}
