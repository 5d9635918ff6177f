// The engine times the dense and channel-sparse convolution kernels on the first events and then
// runs the faster one per convolution. The choice logic is checked with made-up timings, and on
// a real engine every choice must give the same bits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KernelTimings } from "../src/backend/wasm/kernel-timings.js";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";

/** One convolution run through the chooser: its pick, then `ms` recorded as its time. */
function runOnce(t: KernelTimings, conv: object, denseNs: number, sparseNs: number, ms: (k: "dense" | "sparse") => number): "dense" | "sparse" {
  const c = t.pick(conv);
  const k = c.pick({ denseNs, sparseNs });
  c.done(ms(k));
  return k;
}

test("kernel choice: tries both kernels twice, the model's choice first, then keeps the faster one measured, whatever the model predicted", () => {
  const t = new KernelTimings();
  const conv = {};
  // The model predicts sparse slightly cheaper, but on this "machine" dense takes half the time.
  const ms = (k: "dense" | "sparse") => (k === "dense" ? 1 : 2);
  const picks = Array.from({ length: 8 }, () => runOnce(t, conv, 2e6, 1.8e6, ms));
  assert.deepEqual(picks.slice(0, 4), ["sparse", "dense", "sparse", "dense"]);
  assert.deepEqual(picks.slice(4), ["dense", "dense", "dense", "dense"]);
  // Times are relative to the prediction: an event twice as large (twice the predicted cost
  // and time) keeps the choice; another convolution learns on its own.
  assert.equal(runOnce(t, conv, 4e6, 3.6e6, (k) => 2 * ms(k)), "dense");
  const other = {};
  assert.equal(runOnce(t, other, 2e6, 1.8e6, () => 1), "sparse");
  assert.equal(runOnce(t, other, 2e6, 1.8e6, () => 1), "dense");
  // Where the model predicts dense cheaper, dense is tried first.
  assert.equal(runOnce(t, {}, 1.8e6, 2e6, () => 1), "dense");
});

test("kernel choice: a slow minute during the first tries is outlived (fastest time kept, and a recheck after 16 runs)", () => {
  const t = new KernelTimings();
  const conv = {};
  // Both of dense's first tries hit a busy machine (5 ms); sparse takes 2 ms; dense really takes 1.
  let busy = true;
  const ms = (k: "dense" | "sparse") => (k === "sparse" ? 2 : busy ? 5 : 1);
  const first = Array.from({ length: 4 }, () => runOnce(t, conv, 2e6, 1.8e6, ms));
  assert.deepEqual(first, ["sparse", "dense", "sparse", "dense"]);
  busy = false;
  const after = Array.from({ length: 20 }, () => runOnce(t, conv, 2e6, 1.8e6, ms));
  // Sparse looks faster until the 16th run rechecks dense, which is then found faster and kept.
  assert.deepEqual(after.slice(0, 15), Array(15).fill("sparse"));
  assert.equal(after[15], "dense");
  assert.deepEqual(after.slice(16), Array(4).fill("dense"));
  // One slow run of the chosen kernel does not flip the choice: the fastest kept time counts.
  assert.equal(runOnce(t, conv, 2e6, 1.8e6, (k) => (k === "dense" ? 9 : 2)), "dense");
  assert.equal(runOnce(t, conv, 2e6, 1.8e6, ms), "dense");
});

test("kernel choice: a recheck that loses again comes twice as late, one that wins resets; each convolution rechecks on its own runs", () => {
  const t = new KernelTimings();
  const conv = {};
  let sparseMs = 2;
  const ms = (k: "dense" | "sparse") => (k === "dense" ? 1 : sparseMs);
  const picks = Array.from({ length: 4 + 240 }, () => runOnce(t, conv, 2e6, 1.8e6, ms)).slice(4);
  // Dense is chosen; sparse is tried again on runs 16, 48 (16 + 32), 112 (+ 64) and 240 (+ 128), counted from the tries.
  const rechecks = picks.flatMap((k, i) => (k === "sparse" ? [i + 1] : []));
  assert.deepEqual(rechecks, [16, 48, 112, 240]);
  // Now sparse gets faster (dense, still chosen, keeps its time): at its next recheck (run 496)
  // it wins and is kept, and the one after (dense again) comes 16 runs later.
  sparseMs = 0.5;
  const later = Array.from({ length: 256 + 20 }, () => runOnce(t, conv, 2e6, 1.8e6, ms));
  assert.equal(later.indexOf("sparse"), 255, "the recheck at run 496 is the first sparse run");
  assert.deepEqual(later.slice(256, 256 + 15), Array(15).fill("sparse"));
  assert.equal(later[256 + 15], "dense", "a recheck 16 runs after the win");
  // The next convolution of the same engine has its first recheck one run later, and so on.
  const firstRecheck = () => {
    const c = {};
    const ks = Array.from({ length: 4 + 40 }, () => runOnce(t, c, 2e6, 1.8e6, (k) => (k === "dense" ? 1 : 2))).slice(4);
    return ks.indexOf("sparse") + 1;
  };
  assert.deepEqual([firstRecheck(), firstRecheck(), firstRecheck()], [17, 18, 19]);
  // A recheck whose time is never recorded (a profiled run) does not stop the rechecks.
  const u = new KernelTimings(), quiet = {};
  const denseFaster = (k: "dense" | "sparse") => (k === "dense" ? 1 : 2);
  for (let i = 0; i < 4; i++) runOnce(u, quiet, 2e6, 1.8e6, denseFaster);
  const ks = Array.from({ length: 40 }, (_, i) => {
    const c = u.pick(quiet);
    const k = c.pick({ denseNs: 2e6, sparseNs: 1.8e6 });
    if (i !== 15) c.done(denseFaster(k)); // run 16, the first recheck, is not timed
    return k;
  });
  assert.deepEqual(ks.flatMap((k, i) => (k === "sparse" ? [i + 1] : [])), [16, 32]);
});

test("kernel choice: clear-cut and too-short convolutions follow the model, untimed", () => {
  const t = new KernelTimings();
  const conv = {};
  const slowSparse = (k: "dense" | "sparse") => (k === "sparse" ? 100 : 1);
  for (let i = 0; i < 5; i++) assert.equal(runOnce(t, conv, 3e6, 1e6, slowSparse), "sparse", "sparse predicted 3x cheaper");
  for (let i = 0; i < 5; i++) assert.equal(runOnce(t, conv, 1e5, 0.9e5, slowSparse), "sparse", "100 us: the model decides");
  // Nothing of the above was recorded: a close call now starts exploring from scratch.
  assert.equal(runOnce(t, conv, 2e6, 1.8e6, slowSparse), "sparse");
  assert.equal(runOnce(t, conv, 2e6, 1.8e6, slowSparse), "dense");
});

test("an engine that switches kernels while it learns gives the same bits on every event", async () => {
  const engine = await Engine.create();
  const cfg = parseModelConfig({ dim: 3, filters: 8, depth: 3 });
  const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 3));
  const ev = randomWalkEvent({ dim: 3, size: 32, sites: 1500, seed: 4 });
  // Time every convolution (none is too short) and note the kernels picked.
  const timings = new KernelTimings(0);
  const used = new Set<string>();
  (engine as unknown as { kernelTimings: KernelTimings }).kernelTimings = Object.assign(Object.create(timings) as KernelTimings, {
    pick(conv: object) {
      const c = timings.pick(conv);
      return { pick: (costs: { denseNs: number; sparseNs: number }) => { const k = c.pick(costs); used.add(k); return k; }, done: c.done };
    },
  });
  const first = engine.run(model, ev).logits;
  for (let i = 0; i < 7; i++) {
    assert.deepEqual(new Uint32Array(engine.run(model, ev).logits.buffer), new Uint32Array(first.buffer), `event ${i + 2}`);
  }
  assert.deepEqual([...used].sort(), ["dense", "sparse"], "both kernels ran");
});
