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
import { assertMatchesReference, referenceLogits } from "./support/reference-network.js";

const engine = await Engine.create();

function checkSameFunction(cfgIn: ModelConfigInput, factor: number, ev: ReturnType<typeof randomWalkEvent>) {
  const cfg = parseModelConfig(cfgIn);
  const w = randomWeights(buildUResNet(cfg), 3);
  const wide = widenWeights(cfg, w, factor, 9);
  assert.equal(wide.config.filters, cfg.filters * factor);
  assert.deepEqual(wide.config.planes, cfg.planes.map((p) => p * factor));
  const res = engine.run(engine.loadModel(wide.config, wide.weights), ev);
  assertMatchesReference(cfg, w, ev, res.logits, `factor ${factor}`);
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

test("widen's noise: the same fractions plus Gaussian noise of the asked size; copies differ; the function moves with it", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 3 });
  const w = randomWeights(buildUResNet(cfg), 7);
  const plain = widenWeights(cfg, w, 2, 3), noisy = widenWeights(cfg, w, 2, 3, 0.05);
  // The noise is added to the noise-free widened weights: their difference has the asked RMS,
  // measured on the largest convolution against the narrow tensor's RMS.
  const name = [...w.keys()].filter((k) => k.endsWith(".weight")).sort((a, b) => w.get(b)!.data.length - w.get(a)!.data.length)[0];
  const rms = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((a, v) => a + v * v, 0) / x.length);
  const diff = noisy.weights.get(name)!.data.map((v, i) => v - plain.weights.get(name)!.data[i]);
  const ratio = rms(diff) / (0.05 * rms(w.get(name)!.data));
  assert.ok(Math.abs(ratio - 1) < 0.1, `${name}: noise RMS ${ratio} x the asked`);
  // Batch norm is copied, not perturbed.
  assert.deepEqual(noisy.weights.get("sparseModel.3.weight")!.data, plain.weights.get("sparseModel.3.weight")!.data);
  // Copies of an output channel now compute different functions: the input convolution's columns 2j, 2j+1.
  const g = noisy.weights.get("sparseModel.1.weight")!.data, cout = noisy.config.filters;
  for (let j = 0; j < cout; j += 2) assert.notEqual(g[j], g[j + 1], `input convolution copies ${j}, ${j + 1}`);
  // The logits move away from the narrow network's with the noise, and little at small noise.
  const ev = randomWalkEvent({ dim: 2, size: 64, sites: 300, seed: 8 });
  const ref = referenceLogits(cfg, w, ev);
  const maxRef = Math.max(...Array.from(ref, Math.abs));
  const deviation = (noise: number, factor: number) => {
    const m = widenWeights(cfg, w, factor, 3, noise);
    const res = engine.run(engine.loadModel(m.config, m.weights), ev);
    return Math.max(...Array.from(ref, (x, i) => Math.abs(x - res.logits[i]))) / maxRef;
  };
  const [small, large] = [deviation(0.01, 2), deviation(0.1, 2)];
  assert.ok(small > 1e-4 && small < 0.05 && large > 3 * small, `deviation at noise 0.01: ${small}, at 0.1: ${large}`);
  // Factor 1 with noise perturbs the narrow model alike (the control of a width experiment).
  const control = deviation(0.01, 1);
  assert.ok(control > 1e-4 && control < 0.05, `factor 1, noise 0.01: deviation ${control}`);
  assert.throws(() => widenWeights(cfg, w, 2, 3, -1), /noise -1/);
});
