// Metrics against hand-computed values and a brute-force recount.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IGNORE_LABEL } from "../src/data/labelled-event.js";
import { eventMetrics, MetricsAccumulator } from "../src/metrics/segmentation-metrics.js";

test("event metrics: accuracy, track/shower accuracy, ICPF on a hand-made example", () => {
  const truth = Uint8Array.from([0, 0, 1, 1, 2, 2, 3, 4, IGNORE_LABEL]);
  const pred = Uint8Array.from([0, 1, 1, 1, 2, 3, 2, 4, 0]);
  const m = eventMetrics(truth, pred);
  assert.equal(m.sites, 8);
  assert.equal(m.nonzeroAccuracy, 5 / 8);
  // 0->1 stays track; 2->3, 3->2 stay shower: every site is right at the track/shower level.
  assert.equal(m.trackShowerAccuracy, 1);
  assert.equal(m.icpf, 3 / 8);
});

test("set metrics pool sites over events, confusion rows are fractions of the true class, ICPF median per event", () => {
  const acc = new MetricsAccumulator();
  const events: [number[], number[]][] = [
    [[0, 1, 1, 2], [0, 1, 2, 2]],
    [[2, 2, 2, 4, 4], [2, 2, 2, 4, 1]],
    [[3, 3, 1], [3, 0, 1]],
  ];
  for (const [t, p] of events) acc.add(Uint8Array.from(t), Uint8Array.from(p));
  const r = acc.result();
  assert.equal(r.events, 3);
  assert.equal(r.sites, 12);
  assert.equal(r.nonzeroAccuracy, 9 / 12);
  // Brute-force confusion.
  for (let t = 0; t < 5; t++) {
    const rows = events.flatMap(([tt, pp]) => tt.map((v, i) => [v, pp[i]])).filter(([v]) => v === t);
    for (let p = 0; p < 5; p++) assert.equal(r.confusion[t][p], rows.filter(([, q]) => q === p).length / rows.length);
    assert.equal(r.classAccuracy[t], rows.filter(([, q]) => q === t).length / rows.length);
  }
  // Track/shower: MIP->shower (1 site), Michel->MIP (1), delta->HIP (1) are wrong.
  assert.equal(r.trackShowerAccuracy, 9 / 12);
  assert.deepEqual(r.trackShowerConfusion, [[3 / 4, 1 / 4], [2 / 8, 6 / 8]]);
  assert.equal(r.icpf.median, 1 / 4);
  assert.ok(Math.abs(r.icpf.mean - (1 / 4 + 1 / 5 + 1 / 3) / 3) < 1e-12);
});

test("particles per true class: distinct instance ids per event, summed over events; absent if any event lacks ids", () => {
  const acc = new MetricsAccumulator();
  // Event 1: particle 7 has HIP and MIP sites, particle 2 two Michel sites, an unknown (-1) shower site, an ignored row.
  acc.add(Uint8Array.from([0, 1, 4, 4, 2, IGNORE_LABEL]), Uint8Array.from([0, 0, 4, 2, 2, 1]), Int32Array.from([7, 7, 2, 2, -1, 9]));
  // Event 2: the same id 2 again is another particle (ids are per event).
  acc.add(Uint8Array.from([4, 2, 2]), Uint8Array.from([4, 2, 2]), Int32Array.from([2, 5, 6]));
  assert.deepEqual(acc.result().classParticles, [1, 1, 2, 0, 2]);
  acc.add(Uint8Array.from([1]), Uint8Array.from([1]));
  assert.equal(acc.result().classParticles, undefined);
  assert.throws(() => new MetricsAccumulator().add(Uint8Array.from([1, 2]), Uint8Array.from([1, 2]), Int32Array.from([3])), /1 instance ids for 2 true labels/);
});
