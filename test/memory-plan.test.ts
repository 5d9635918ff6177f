// Memory plans: blocks alive at the same time never share bytes, and a training step's forward
// plan keeps every value the backward pass reads until the end of the forward pass. The
// gradients themselves are checked against SparseConvNet (conformance.test.ts) and finite
// differences; this file checks the placement on the full-size U-ResNets, where those tests do
// not reach.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseModelConfig } from "../src/model/config.js";
import { packLifetimes } from "../src/model/graph.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { planGradients, planTrainingForward } from "../src/train/memory-plan.js";
import { Random } from "../src/sim/random.js";

function overlapping(a: [number, number], b: [number, number]): boolean { return a[0] < b[1] && b[0] < a[1]; }

test("packLifetimes: blocks alive at the same time never share bytes, and the region holds them all", () => {
  const rnd = new Random(7, 0);
  for (let trial = 0; trial < 50; trial++) {
    const n = rnd.int(1, 40);
    const sizes = Array.from({ length: n }, () => 64 * rnd.int(1, 20));
    const first = Array.from({ length: n }, () => rnd.int(0, 30));
    const last = first.map((f) => f + rnd.int(0, 10));
    if (trial % 5 === 0) first[0] = Infinity; // never alive: not placed
    const { offsets, bytes } = packLifetimes(sizes, first, last);
    for (let i = 0; i < n; i++) {
      if (first[i] === Infinity) { assert.equal(offsets[i], -1); continue; }
      assert.ok(offsets[i] >= 0 && offsets[i] + sizes[i] <= bytes, `block ${i} outside the region`);
      for (let j = 0; j < i; j++) {
        if (first[j] === Infinity || first[j] > last[i] || first[i] > last[j]) continue;
        assert.ok(!overlapping([offsets[i], offsets[i] + sizes[i]], [offsets[j], offsets[j] + sizes[j]]),
          `trial ${trial}: blocks ${i} and ${j} are alive together and overlap`);
      }
    }
  }
});

for (const dim of [2, 3]) {
  test(`training plan, ${dim}D U-ResNet of 16 filters: what the backward pass reads survives the forward pass; gradients take a fraction of one per buffer`, () => {
    const g = buildUResNet(parseModelConfig({ dim, filters: 16, depth: 5 }));
    const sizes = [20000, 9000, 4000, 1800, 800];
    const plan = planTrainingForward(g, sizes);
    const range = (b: number): [number, number] => [plan.offsets[b], plan.offsets[b] + sizes[g.buffers[b].level] * plan.strides[b] * 4];
    // What each op's backward reads, listed here from the backward formulas rather than taken
    // from memory-plan.ts: a convolution or 1x1 layer its input (weight gradient), batch-norm
    // its input and output.
    const reads = new Set<number>([g.outputs.logits]);
    for (const op of g.ops) {
      if (op.kind === "bnact") { reads.add(op.input); reads.add(op.output); }
      if (op.kind === "subconv" || op.kind === "down" || op.kind === "up" || op.kind === "nin" || op.kind === "linear") reads.add(op.input);
    }
    const produced = g.ops.map((op) => op.output);
    produced.forEach((b, t) => {
      if (!reads.has(b)) return;
      // No buffer written after b may overwrite it.
      for (const w of produced.slice(t + 1)) {
        if (w === b) continue;
        assert.ok(!overlapping(range(b), range(w)), `buffer ${b} (read backward) is overwritten by buffer ${w}`);
      }
    });
    const grads = planGradients(g, sizes);
    const onePerBuffer = g.buffers.reduce((s, b, i) => s + sizes[b.level] * grads.strides[i] * 4, 0);
    assert.ok(grads.bytes < 0.2 * onePerBuffer, `gradient region ${grads.bytes} of ${onePerBuffer} bytes`);
  });
}
