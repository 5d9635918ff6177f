// Distillation (`train --teacher`): the soft-target loss against an independent float64
// cross-entropy and finite differences, the whole network's gradient under soft targets by finite
// differences, and the training loop with a teacher (exact resume, a missing teacher named).
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiateKernels } from "../src/backend/wasm/module.js";
import type { LabelledEvent } from "../src/data/labelled-event.js";
import { InvalidInputError } from "../src/errors.js";
import { parseModelConfig } from "../src/model/config.js";
import { weightedSoftmaxLoss } from "../src/train/softmax-loss.js";
import { Trainer, type TeacherScores, type TrainingSource } from "../src/train/trainer.js";
import { initialTrainingWeights } from "../src/weights/random-init.js";
import { rng } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";
import { checkGradientsAlongThemselves, gradientCase } from "./support/finite-differences.js";

const kernels = await instantiateKernels();
const C = 5;

/** Random probability rows [rows, C] (each sums to 1). */
function distributions(rows: number, seed: number): Float32Array {
  const u = rng(seed), q = new Float32Array(rows * C);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < C; j++) { q[r * C + j] = 0.05 + u(); s += q[r * C + j]; }
    for (let j = 0; j < C; j++) q[r * C + j] /= s;
  }
  return q;
}

/** Rows 0..6 over 5 sites (rows 5 and 6 repeat sites 1 and 3), logits stride 8. */
function lossCase() {
  const u = rng(11), sites = 5, stride = 8;
  const siteLogits = Float32Array.from({ length: sites * stride }, () => 4 * u() - 2);
  const siteOfRow = Int32Array.of(0, 1, 2, 3, 4, 1, 3);
  const labels = Int32Array.of(0, 1, 2, 3, 4, 2, 0);
  const w = Float32Array.of(1, 0.5, 2, 0, 1.5, 1, 0.25);
  const wsum = w.reduce((a, b) => a + b, 0);
  return { siteLogits, stride, sites, siteOfRow, labels, w, wsum };
}

test("soft-target loss: the float64 cross-entropy against (1 - a) onehot + a q, and its gradient by finite differences", () => {
  const c = lossCase();
  const q = distributions(c.siteOfRow.length, 5), a = 0.3;
  const soft = { probabilities: q, weight: a };
  const res = weightedSoftmaxLoss(c.siteLogits, c.stride, c.sites, C, c.siteOfRow, c.labels, c.w, c.wsum, soft);
  // Reference: -sum_j t_j log softmax_j, written independently of the code under test.
  const lossAt = (logits: Float32Array) => {
    let sum = 0;
    c.siteOfRow.forEach((s, r) => {
      const z = Array.from({ length: C }, (_, j) => logits[s * c.stride + j]);
      const logZ = Math.log(z.reduce((acc, x) => acc + Math.exp(x), 0));
      for (let j = 0; j < C; j++) sum -= c.w[r] * ((j === c.labels[r] ? 1 - a : 0) + a * q[r * C + j]) * (z[j] - logZ);
    });
    return sum / c.wsum;
  };
  // The code takes each target to sum to 1; float32 probabilities do so to about 1e-7.
  assert.ok(Math.abs(res.loss - lossAt(c.siteLogits)) < 1e-7 * res.loss, `loss ${res.loss} against ${lossAt(c.siteLogits)}`);
  const h = 1e-2;
  for (let s = 0; s < c.sites; s++) {
    for (let j = 0; j < C; j++) {
      const at = (d: number) => { const x = Float32Array.from(c.siteLogits); x[s * c.stride + j] += d; return lossAt(x); };
      const fd = (at(h) - at(-h)) / (2 * h);
      assert.ok(Math.abs(res.gradSites[s * c.stride + j] - fd) < 1e-5, `site ${s} class ${j}: gradient ${res.gradSites[s * c.stride + j]}, finite difference ${fd}`);
    }
  }
});

test("soft targets of weight 0 give the hard-label loss and gradients bit for bit", () => {
  const c = lossCase();
  const hard = weightedSoftmaxLoss(c.siteLogits, c.stride, c.sites, C, c.siteOfRow, c.labels, c.w, c.wsum);
  const none = weightedSoftmaxLoss(c.siteLogits, c.stride, c.sites, C, c.siteOfRow, c.labels, c.w, c.wsum, { probabilities: distributions(7, 2), weight: 0 });
  assert.equal(none.loss, hard.loss);
  assert.deepEqual(none.gradSites, hard.gradSites);
  assert.deepEqual(none.gradLogits, hard.gradLogits);
});

test("finite differences of the distillation loss match the backward pass through the whole network", () => {
  const { fb, params, tensor, n, labels, w } = gradientCase(kernels);
  const soft = { probabilities: distributions(n, 9), weight: 0.6 };
  const base = fb.run(params, tensor, labels, w, { soft });
  const checked = checkGradientsAlongThemselves(params, base.grads, () => fb.run(params, tensor, labels, w, { soft }).loss);
  assert.ok(checked > 10, `${checked} parameter tensors checked`);
  assert.throws(() => fb.run(params, tensor, labels, w, { soft: { probabilities: new Float32Array(3), weight: 0.5 } }), /soft targets: 3 probabilities for 60 rows/);
  assert.throws(() => fb.run(params, tensor, labels, w, { soft: { ...soft, weight: 1.5 } }), /weight 1.5 outside \[0, 1\]/);
});

/** Learnable labelled events (class by position) and a teacher that answers per site from its
 *  coordinates alone, as a real teacher does from the event. */
function labelledEvent(index: number): LabelledEvent {
  const tensor = randomWalkEvent({ dim: 2, size: 32, sites: 120, seed: 200 + index });
  const n = tensor.coords.length / 2;
  return { index, tensor, labels: Uint8Array.from({ length: n }, (_, r) => (tensor.coords[2 * r] * 5 / 32) | 0) };
}
const teacher: TeacherScores = (ev) => {
  const n = ev.tensor.coords.length / 2, q = new Float32Array(n * C);
  for (let r = 0; r < n; r++) {
    const u = rng(ev.tensor.coords[2 * r] * 131 + ev.tensor.coords[2 * r + 1]);
    let s = 0;
    for (let j = 0; j < C; j++) { q[r * C + j] = u(); s += q[r * C + j]; }
    for (let j = 0; j < C; j++) q[r * C + j] /= s;
  }
  return q;
};
const source: TrainingSource = { count: 10, event: labelledEvent, describe: "test events" };
const options = {
  seed: 3, batchSize: 2, weighting: "sparsessnet" as const, lr: 3e-3, weightDecay: 0, schedule: "cosine" as const, iterations: 6,
  bnMomentum: 0.99, crop: [16, 16], minCropSites: 10, teacher: { model: "teacher.safetensors", sha256: "ab".repeat(32), augment: "none" as const, weight: 0.5 },
};

test("a distillation run resumed from its checkpoint continues exactly; without its teacher it stops, naming it", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const straight = new Trainer(kernels, cfg, options, initialTrainingWeights(cfg, 1));
  straight.teacherScores = teacher;
  for (let i = 0; i < 6; i++) straight.step(source);
  const first = new Trainer(kernels, cfg, options, initialTrainingWeights(cfg, 1));
  first.teacherScores = teacher;
  for (let i = 0; i < 3; i++) first.step(source);
  const resumed = Trainer.fromCheckpoint(kernels, first.checkpoint());
  assert.deepEqual(resumed.options.teacher, options.teacher);
  assert.throws(() => resumed.step(source), (e: Error) => e instanceof InvalidInputError && /distils from teacher\.safetensors, which was not loaded/.test(e.message));
  resumed.teacherScores = teacher;
  for (let i = 0; i < 3; i++) resumed.step(source);
  assert.deepEqual(resumed.history.map((h) => h.loss), straight.history.map((h) => h.loss));
  for (const [name, t] of straight.params) assert.deepEqual(resumed.params.get(name)!.data, t.data, name);
  // The teacher changes the run: the same steps without it (weight 0 in effect) end elsewhere.
  const hard = new Trainer(kernels, cfg, { ...options, teacher: undefined }, initialTrainingWeights(cfg, 1));
  for (let i = 0; i < 6; i++) hard.step(source);
  assert.notDeepEqual(hard.history.map((h) => h.loss), straight.history.map((h) => h.loss));
});
