// The track/shower term of the training loss (`train --track-shower-loss B`): against a float64
// reference written here, its gradient by finite differences, and weight 0 as the plain loss.
import assert from "node:assert/strict";
import { test } from "node:test";
import { weightedSoftmaxLoss } from "../src/train/softmax-loss.js";
import { rng } from "../src/weights/random-init.js";

const C = 5;

/** Rows 0..7 over 6 sites (rows 6 and 7 repeat sites 1 and 4), logits stride 8, every label. */
function lossCase() {
  const u = rng(23), sites = 6, stride = 8;
  const siteLogits = Float32Array.from({ length: sites * stride }, () => 4 * u() - 2);
  const siteOfRow = Int32Array.of(0, 1, 2, 3, 4, 5, 1, 4);
  const labels = Int32Array.of(0, 1, 2, 3, 4, 1, 3, 0);
  const w = Float32Array.of(1, 0.5, 2, 0, 1.5, 1, 0.25, 0.75);
  const wsum = w.reduce((a, b) => a + b, 0);
  return { siteLogits, stride, sites, siteOfRow, labels, w, wsum };
}

/** sum_r w_r (CE5_r - b log(p_track or p_shower of the label's group)) / sum_r w_r, from logits. */
function reference(c: ReturnType<typeof lossCase>, b: number, logits: Float64Array): number {
  let loss = 0;
  for (let r = 0; r < c.siteOfRow.length; r++) {
    const z = Array.from({ length: C }, (_, j) => logits[c.siteOfRow[r] * c.stride + j]);
    const e = z.map((x) => Math.exp(x));
    const sum = e.reduce((a, x) => a + x, 0);
    const p = e.map((x) => x / sum);
    const y = c.labels[r];
    const group = y <= 1 ? p[0] + p[1] : p[2] + p[3] + p[4];
    loss += c.w[r] * (-Math.log(p[y]) - b * Math.log(group));
  }
  return loss / c.wsum;
}

test("track/shower loss: the value against a float64 reference, and its gradient by finite differences", () => {
  const c = lossCase(), b = 0.8;
  const res = weightedSoftmaxLoss(c.siteLogits, c.stride, c.sites, C, c.siteOfRow, c.labels, c.w, c.wsum, undefined, b);
  const logits = Float64Array.from(c.siteLogits);
  assert.ok(Math.abs(res.loss - reference(c, b, logits)) < 1e-12, `${res.loss} against ${reference(c, b, logits)}`);
  // The term changes the loss: a check that it is there at all.
  assert.ok(res.loss - reference(c, 0, logits) > 0.05);
  const h = 1e-6;
  for (let s = 0; s < c.sites; s++) {
    for (let j = 0; j < C; j++) {
      const i = s * c.stride + j;
      const up = Float64Array.from(logits), down = Float64Array.from(logits);
      up[i] += h; down[i] -= h;
      const numeric = (reference(c, b, up) - reference(c, b, down)) / (2 * h);
      assert.ok(Math.abs(res.gradSites[i] - numeric) < 1e-7, `site ${s} class ${j}: ${res.gradSites[i]} against ${numeric}`);
    }
  }
});

test("track/shower loss of weight 0 gives the plain loss and gradients bit for bit; bad weights are refused", () => {
  const c = lossCase();
  const plain = weightedSoftmaxLoss(c.siteLogits, c.stride, c.sites, C, c.siteOfRow, c.labels, c.w, c.wsum);
  const zero = weightedSoftmaxLoss(c.siteLogits, c.stride, c.sites, C, c.siteOfRow, c.labels, c.w, c.wsum, undefined, 0);
  assert.equal(zero.loss, plain.loss);
  assert.deepEqual(zero.gradSites, plain.gradSites);
  assert.throws(() => weightedSoftmaxLoss(c.siteLogits, c.stride, c.sites, C, c.siteOfRow, c.labels, c.w, c.wsum, undefined, -1), /must be 0 or more/);
  assert.throws(() => weightedSoftmaxLoss(c.siteLogits, c.stride, c.sites, 3, c.siteOfRow, Int32Array.of(0, 1, 2, 0, 1, 2, 0, 1), c.w, c.wsum, undefined, 1), /needs the 5 classes/);
});
