// Metrics against hand-computed values and a brute-force recount.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IGNORE_LABEL } from "../src/data/labelled-event.js";
import { differenceTableRow, eventMetrics, MetricsAccumulator } from "../src/metrics/segmentation-metrics.js";

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
  assert.equal(acc.nonzeroAccuracy(), 9 / 12);
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

test("standard errors: delete-one jackknife over events, against recomputing the set without each event", () => {
  // Random events of uneven size and accuracy (a fixed LCG, so the test is the same every run).
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const events = Array.from({ length: 9 }, (_, e) => {
    const n = 5 + Math.floor(rnd() * 40);
    const truth = Uint8Array.from({ length: n }, () => (e === 4 ? 4 : Math.floor(rnd() * 4))); // Michel only in event 4
    const skill = 0.4 + 0.5 * rnd();
    return [truth, truth.map((t) => (rnd() < skill ? t : Math.floor(rnd() * 5)))] as const;
  });
  const setOf = (evs: (typeof events)[number][]) => {
    const a = new MetricsAccumulator();
    for (const [t, p] of evs) a.add(t, p);
    return a.result();
  };
  const full = setOf(events);
  const jackknife = (pick: (m: ReturnType<typeof setOf>) => number) => {
    const loo = events.map((_, i) => pick(setOf(events.filter((__, j) => j !== i))));
    const mean = loo.reduce((a, b) => a + b, 0) / loo.length;
    return Math.sqrt(((loo.length - 1) / loo.length) * loo.reduce((a, v) => a + (v - mean) ** 2, 0));
  };
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(full.standardError.nonzeroAccuracy, jackknife((m) => m.nonzeroAccuracy));
  close(full.standardError.trackShowerAccuracy, jackknife((m) => m.trackShowerAccuracy));
  for (let c = 0; c < 4; c++) close(full.standardError.classAccuracy[c], jackknife((m) => m.classAccuracy[c]));
  assert.ok(full.standardError.nonzeroAccuracy > 0.01, "events of unequal accuracy spread");
  // A class in one event only, and a single event: no spread to measure.
  assert.ok(Number.isNaN(full.standardError.classAccuracy[4]));
  assert.ok(Number.isNaN(setOf(events.slice(0, 1)).standardError.nonzeroAccuracy));
  // Identical events: no spread at all.
  close(setOf([events[0], events[0], events[0]]).standardError.nonzeroAccuracy, 0);
});

test("accuracy differences on the same events: paired jackknife against recomputing both sets without each event", () => {
  let s = 11;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const events = Array.from({ length: 12 }, () => {
    const n = 10 + Math.floor(rnd() * 50);
    const truth = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 5));
    const hard = rnd(); // both models find the same events hard: what the pairing cancels
    const guess = (skill: number) => truth.map((t) => (rnd() < skill ? t : Math.floor(rnd() * 5)));
    return { truth, a: guess(0.3 + 0.6 * hard), b: guess(0.25 + 0.6 * hard) };
  });
  const setOf = (evs: typeof events, which: "a" | "b") => {
    const acc = new MetricsAccumulator();
    for (const e of evs) acc.add(e.truth, e[which]);
    return acc;
  };
  const [A, B] = [setOf(events, "a"), setOf(events, "b")];
  const d = A.differenceFrom(B);
  const ra = A.result(), rb = B.result();
  assert.ok(Math.abs(d.nonzeroAccuracy.difference - (ra.nonzeroAccuracy - rb.nonzeroAccuracy)) < 1e-12);
  const loo = events.map((_, i) => {
    const rest = events.filter((__, j) => j !== i);
    const [x, y] = [setOf(rest, "a").result(), setOf(rest, "b").result()];
    return [x.nonzeroAccuracy - y.nonzeroAccuracy, x.trackShowerAccuracy - y.trackShowerAccuracy, x.classAccuracy[2] - y.classAccuracy[2]];
  });
  const se = (k: number) => {
    const v = loo.map((l) => l[k]), m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(((v.length - 1) / v.length) * v.reduce((a, x) => a + (x - m) ** 2, 0));
  };
  for (const [k, got] of [d.nonzeroAccuracy, d.trackShowerAccuracy, d.classAccuracy[2]].entries()) {
    assert.ok(Math.abs(got.standardError - se(k)) < 1e-12, `${got.standardError} vs ${se(k)}`);
  }
  // The pairing is what makes the difference resolvable: its error is below either accuracy's own.
  assert.ok(d.nonzeroAccuracy.standardError < Math.min(ra.standardError.nonzeroAccuracy, rb.standardError.nonzeroAccuracy));
  // Against itself: no difference, no error. Against other events: refused.
  assert.deepEqual(A.differenceFrom(A).nonzeroAccuracy, { difference: 0, standardError: 0 });
  assert.throws(() => A.differenceFrom(setOf(events.slice(1), "b")), /12 events against a baseline of 11/);
  assert.throws(() => A.differenceFrom(setOf([...events.slice(1), events[0]], "b")), /event 0: .* not the same events/);
});

test("a difference as the card's table row: points with signs, the minus sign typeset, a missing class as a dash", () => {
  const d = { difference: 0, standardError: 0 };
  const row = differenceTableRow("sim:2d@8600, 200 events", {
    nonzeroAccuracy: { difference: 0.0044, standardError: 0.0011 }, trackShowerAccuracy: { difference: -0.0004, standardError: 0.0001 },
    classAccuracy: [{ difference: 0.091, standardError: 0.013 }, d, d, d, { difference: NaN, standardError: NaN }],
  });
  assert.equal(row, "| sim:2d@8600, 200 events | +0.44 ± 0.11 | −0.04 ± 0.01 | +9.10 ± 1.30 | +0.00 ± 0.00 | +0.00 ± 0.00 | +0.00 ± 0.00 | - |");
});
