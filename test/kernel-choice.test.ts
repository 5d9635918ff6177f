// The engine compares the dense and channel-sparse convolution kernels in pairs (both run on the
// same event, one after the other) and then runs the faster one per convolution. The choice logic
// is checked with made-up timings, and on a real engine every choice must give the same bits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KERNEL_LEARNING_EVENTS, KernelTimings, type Kernel } from "../src/backend/wasm/kernel-timings.js";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";

/** One event of one convolution through the chooser: its plan, each kernel's time from `ms`
 *  (called in the plan's order), recorded. Returns the kernels run, joined ("sparse,dense"). */
function runOnce(t: KernelTimings, conv: object, denseNs: number, sparseNs: number, ms: (k: Kernel) => number): string {
  const plan = t.plan(conv, { denseNs, sparseNs });
  plan.done(plan.kernels.map(ms));
  return plan.kernels.join(",");
}
const events = (n: number, f: () => string) => Array.from({ length: n }, f);
const D = "dense", S = "sparse", SD = "sparse,dense", DS = "dense,sparse";

test("kernel choice: the first event runs the model's choice untimed, three trials run both kernels in alternating order, then the faster one", () => {
  const t = new KernelTimings();
  const conv = {};
  // The model predicts sparse slightly cheaper, but on this "machine" dense takes half the time.
  const ms = (k: Kernel) => (k === "dense" ? 1 : 2);
  assert.equal(KERNEL_LEARNING_EVENTS, 4);
  const picks = events(8, () => runOnce(t, conv, 2e6, 1.8e6, ms));
  assert.deepEqual(picks, [S, SD, DS, SD, D, D, D, D]);
  // The ratios hold for an event of another size: no retrial.
  assert.equal(runOnce(t, conv, 4e6, 3.6e6, (k) => 2 * ms(k)), D);
  // Another convolution learns on its own; where the model predicts dense, dense runs first.
  const other = {};
  assert.deepEqual(events(5, () => runOnce(t, other, 1.8e6, 2e6, () => 1)), [D, DS, SD, DS, D]);
});

test("kernel choice: a first trial that confirms the model's choice by 25% or more settles it; a closer one does not", () => {
  const t = new KernelTimings();
  // The model predicts sparse; sparse takes 0.7x dense (a ratio of 1.43): settled after one trial.
  const a = {}, b = {}, c = {};
  assert.deepEqual(events(4, () => runOnce(t, a, 2e6, 1.4e6, (k) => (k === "dense" ? 1 : 0.7))), [S, SD, S, S]);
  // The model predicts dense; dense takes 0.75x sparse: settled too.
  assert.deepEqual(events(4, () => runOnce(t, b, 1.4e6, 2e6, (k) => (k === "dense" ? 0.75 : 1))), [D, DS, D, D]);
  // Sparse only 0.9x dense: three trials, then sparse.
  assert.deepEqual(events(6, () => runOnce(t, c, 2e6, 1.4e6, (k) => (k === "dense" ? 1 : 0.9))), [S, SD, DS, SD, S, S]);
});

test("kernel choice: pairs outlive the machine's drift between events, and the median one busy run", () => {
  // Each event runs 1.5x slower than the one before (a shared machine getting busy); sparse really
  // takes 1.2x dense. Timed on alternate events, sparse would look faster; in pairs it does not.
  const t = new KernelTimings();
  const conv = {};
  let event = 0, order: string[] = [];
  const drifting = (k: Kernel) => (k === "dense" ? 1 : 1.2) * 1.5 ** event;
  for (let i = 0; i < 5; i++, event++) order.push(runOnce(t, conv, 2e6, 1.8e6, drifting));
  assert.deepEqual(order, [S, SD, DS, SD, D]);
  // One trial whose dense run met a busy moment (ten times its time) is outvoted by the other two.
  const u = new KernelTimings();
  const c = {};
  let trial = 0;
  order = events(5, () => {
    const plan = u.plan(c, { denseNs: 2e6, sparseNs: 1.8e6 });
    if (plan.kernels.length === 2) trial++;
    plan.done(plan.kernels.map((k) => (k === "dense" ? (trial === 2 ? 10 : 1) : 2)));
    return plan.kernels.join(",");
  });
  assert.deepEqual(order.slice(4), [D]);
});

test("kernel choice: rechecks are trials; one that agrees comes twice as late, one that does not after 16 runs, and two of them change the choice", () => {
  const t = new KernelTimings();
  const conv = {};
  let sparseMs = 2;
  const ms = (k: Kernel) => (k === "dense" ? 1 : sparseMs);
  const after = events(KERNEL_LEARNING_EVENTS + 240, () => runOnce(t, conv, 2e6, 1.8e6, ms)).slice(KERNEL_LEARNING_EVENTS);
  // Dense is chosen; both kernels run again on runs 16, 48 (16 + 32), 112 (+ 64) and 240 (+ 128), counted from the trials.
  assert.deepEqual(after.flatMap((k, i) => (k.includes(",") ? [i + 1] : [])), [16, 48, 112, 240]);
  assert.ok(after.every((k) => k === D || k === SD || k === DS));
  // Sparse gets 4x faster than dense: the recheck at run 496 disagrees (the choice holds: a median
  // of three), the next comes 16 runs later, disagrees again, and sparse is kept from then on (its
  // first recheck 16 runs later agrees, and the next is 32 runs after that).
  sparseMs = 0.25;
  const later = events(256 + 40, () => runOnce(t, conv, 2e6, 1.8e6, ms));
  const run = (r: number) => later[r - 241];
  assert.deepEqual(later.flatMap((k, i) => (k.includes(",") ? [i + 241] : [])), [496, 512, 528]);
  assert.equal(run(511), D, "between the two disagreeing trials, still dense");
  for (let r = 513; r <= 536; r++) if (r !== 528) assert.equal(run(r), S, `run ${r}`);
  // The next convolution of the same engine has its first recheck one run later, and so on.
  const firstRecheck = () => {
    const c = {};
    const ks = events(KERNEL_LEARNING_EVENTS + 40, () => runOnce(t, c, 2e6, 1.8e6, (k) => (k === "dense" ? 1 : 2))).slice(KERNEL_LEARNING_EVENTS);
    return ks.findIndex((k) => k.includes(",")) + 1;
  };
  assert.deepEqual([firstRecheck(), firstRecheck(), firstRecheck()], [17, 18, 19]);
  // A recheck whose times never come back (a profiled run) does not stop the rechecks.
  const u = new KernelTimings(), quiet = {};
  const denseFaster = (k: Kernel) => (k === "dense" ? 1 : 2);
  for (let i = 0; i < KERNEL_LEARNING_EVENTS; i++) runOnce(u, quiet, 2e6, 1.8e6, denseFaster);
  let skipped = false;
  const ks = events(40, () => {
    const plan = u.plan(quiet, { denseNs: 2e6, sparseNs: 1.8e6 });
    if (plan.kernels.length === 2 && !skipped) skipped = true; // the first recheck: not timed
    else plan.done(plan.kernels.map(denseFaster));
    return plan.kernels.join(",");
  });
  assert.deepEqual(ks.flatMap((k, i) => (k.includes(",") ? [i + 1] : [])), [16, 32]);
});

test("kernel choice: clear-cut and too-short convolutions follow the model, untimed; a timer that reads 0 leaves the model's choice", () => {
  const t = new KernelTimings();
  const conv = {};
  const slowSparse = (k: Kernel) => (k === "sparse" ? 100 : 1);
  assert.deepEqual(events(5, () => runOnce(t, conv, 3e6, 1e6, slowSparse)), Array(5).fill(S), "sparse predicted 3x cheaper");
  assert.deepEqual(events(5, () => runOnce(t, conv, 1e5, 0.9e5, slowSparse)), Array(5).fill(S), "100 us: the model decides");
  // Nothing of the above was recorded: a close call now starts learning from scratch.
  assert.deepEqual(events(5, () => runOnce(t, conv, 2e6, 1.8e6, slowSparse)), [S, SD, DS, SD, D]);
  // A browser's coarse timer: every run reads 0 ms. The trials run, give no evidence, and the model's choice stays.
  const z = new KernelTimings(), zc = {};
  assert.deepEqual(events(6, () => runOnce(z, zc, 2e6, 1.8e6, () => 0)), [S, SD, DS, SD, S, S]);
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
    plan(conv: object, costs: { denseNs: number; sparseNs: number }) {
      const p = timings.plan(conv, costs);
      used.add(p.kernels.join(","));
      return p;
    },
  });
  const first = engine.run(model, ev).logits;
  for (let i = 0; i < 7; i++) {
    assert.deepEqual(new Uint32Array(engine.run(model, ev).logits.buffer), new Uint32Array(first.buffer), `event ${i + 2}`);
  }
  // Every form ran: one kernel alone, and trials in both orders (the last run's output is the one kept).
  assert.ok(used.has("dense,sparse") && used.has("sparse,dense"), [...used].join(" "));
  assert.ok(used.has("dense") || used.has("sparse"), [...used].join(" "));
});
