// Class biases on the logits: the fit against a case whose best bias is known, its constraints, and its
// counts against the metrics module on the same predictions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DELTA, HIP, IGNORE_LABEL, MIP, N_CLASSES, SHOWER_CLASS } from "../src/data/labelled-event.js";
import { MetricsAccumulator } from "../src/metrics/segmentation-metrics.js";
import { countLabels, countWithBiases, fitClassBiases, type BiasCounts, type LabelledLogits } from "../src/train/class-bias.js";

/** Events of sites whose logits are 2 for the true class plus Gaussian noise (a fixed generator), -10
 *  for classes outside `classes`, and `shift` added to every site's logit of class `shifted`. */
function events(classes: number[], shifted: number, shift: number, seed = 3): LabelledLogits[] {
  let s = seed;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return Array.from({ length: 4 }, () => {
    const n = 3000;
    const labels = Uint8Array.from({ length: n }, () => classes[Math.floor(u() * classes.length)]);
    const logits = new Float32Array(n * N_CLASSES);
    labels.forEach((y, i) => {
      for (let c = 0; c < N_CLASSES; c++) logits[i * N_CLASSES + c] = (classes.includes(c) ? gauss() + (c === y ? 2 : 0) : -10) + (c === shifted ? shift : 0);
    });
    return { logits, labels };
  });
}

test("class biases: the fit undoes a known shift of one class's logits", () => {
  // HIP and MIP equally frequent and equally noisy: the best bias for HIP, relative to MIP, undoes the -1.5.
  const evs = events([HIP, MIP], HIP, -1.5);
  const { biases, before, after } = fitClassBiases(evs, [], SHOWER_CLASS);
  assert.equal(biases[SHOWER_CLASS], 0);
  assert.ok(Math.abs(biases[HIP] - biases[MIP] - 1.5) <= 0.25, `HIP - MIP bias ${biases[HIP] - biases[MIP]}`);
  assert.ok(after.right > before.right + 0.1 * before.sites, `${before.right} -> ${after.right} of ${before.sites}`);
  // Nothing to undo: the fit stays near zero and gains almost nothing.
  const fair = fitClassBiases(events([HIP, MIP], HIP, 0), [], SHOWER_CLASS);
  assert.ok(Math.abs(fair.biases[HIP] - fair.biases[MIP]) <= 0.25);
  assert.ok(fair.after.right - fair.before.right < 0.01 * fair.before.sites);
});

test("class biases: kept classes and track/shower never fall on the fitted sites", () => {
  // Shower's logits shifted up: lowering shower (or raising delta) would gain sites; delta is kept.
  const evs = events([SHOWER_CLASS, DELTA, MIP], SHOWER_CLASS, 1);
  const free = fitClassBiases(evs, [], SHOWER_CLASS);
  const kept = fitClassBiases(evs, [DELTA], SHOWER_CLASS);
  for (const r of [free, kept]) assert.ok(r.after.trackShowerRight >= r.before.trackShowerRight);
  assert.ok(kept.after.classRight[DELTA] >= kept.before.classRight[DELTA]);
  assert.ok(free.after.right >= kept.after.right, "a constraint cannot help the objective");
  assert.ok(free.after.right > free.before.right);
});

test("class biases: counts agree with the metrics module on the same predictions", () => {
  const evs = events([HIP, MIP, SHOWER_CLASS, DELTA, 4], MIP, 0.7, 9);
  const biases = [0.5, -0.25, 0, 0.125, 1];
  const c = countWithBiases(evs, biases);
  const acc = new MetricsAccumulator();
  // countLabels on the same predictions, summed over the events, with an unlabelled site added to
  // each event (left out by both counters).
  let fromLabels: BiasCounts | undefined;
  for (const { logits, labels } of evs) {
    const predicted = labels.map((_, i) => {
      const row = [...logits.subarray(i * N_CLASSES, (i + 1) * N_CLASSES)].map((v, k) => v + biases[k]);
      return row.indexOf(Math.max(...row));
    });
    acc.add(labels, predicted);
    fromLabels = countLabels(Uint8Array.of(...labels, IGNORE_LABEL), Uint8Array.of(...predicted, HIP), fromLabels);
  }
  const m = acc.result();
  assert.equal(c.sites, m.sites);
  assert.equal(c.right / c.sites, m.nonzeroAccuracy);
  assert.equal(c.trackShowerRight / c.sites, m.trackShowerAccuracy);
  c.classRight.forEach((r, k) => assert.equal(r / c.classSites[k], m.classAccuracy[k]));
  assert.deepEqual(fromLabels, c);
  assert.throws(() => countLabels(Uint8Array.of(1, 2), Uint8Array.of(1)), /1 predicted labels for 2 true labels/);
});

test("class biases: bad input is named", () => {
  assert.throws(() => fitClassBiases([{ logits: new Float32Array(4), labels: Uint8Array.of(1) }], [], SHOWER_CLASS), /4 logits for 1 sites of 5 classes/);
  assert.throws(() => fitClassBiases([{ logits: new Float32Array(5), labels: Uint8Array.of(255) }], [], SHOWER_CLASS), /label 255 is not a class/);
  assert.throws(() => fitClassBiases([], [], SHOWER_CLASS), /no labelled sites/);
});

test("class biases: a floor from a better model is reached first, then accuracy is raised above it", () => {
  // The model's delta logits are shifted down, so it has fewer delta sites right than the unshifted
  // model (the floor) on the same sites; the default floor keeps that shortfall, a floor closes it.
  const model = events([SHOWER_CLASS, DELTA, MIP], DELTA, -1);
  const better = events([SHOWER_CLASS, DELTA, MIP], DELTA, 0);
  const floor = countWithBiases(better, new Array(N_CLASSES).fill(0));
  const kept = fitClassBiases(model, [DELTA], SHOWER_CLASS);
  assert.ok(kept.before.classRight[DELTA] < floor.classRight[DELTA], "the floor is above the model to begin with");
  const raised = fitClassBiases(model, [DELTA], SHOWER_CLASS, { floor });
  assert.equal(raised.shortfall, 0);
  assert.ok(raised.after.classRight[DELTA] >= floor.classRight[DELTA]);
  assert.ok(raised.after.trackShowerRight >= floor.trackShowerRight);
  assert.ok(raised.biases[DELTA] > 0, `delta bias ${raised.biases[DELTA]}`);
  // Without a floor the shortfall is zero by definition and the fit is the same as before this option.
  assert.equal(kept.shortfall, 0);
  assert.deepEqual(fitClassBiases(model, [DELTA], SHOWER_CLASS, { floor: kept.before }).biases, kept.biases);
  // A floor no biases can reach (more delta sites right than there are) is left short, and says by how much.
  const impossible = { trackShowerRight: 0, classRight: floor.classRight.map((r, k) => (k === DELTA ? floor.classSites[k] + 5 : 0)) };
  assert.equal(fitClassBiases(model, [DELTA], SHOWER_CLASS, { floor: impossible }).shortfall, 5);
});

test("class biases: a track/shower margin raises track/shower above its floor, at the cost of non-zero accuracy", () => {
  // Two track classes against three shower-group classes, all confused alike: a group's summed
  // probability beats the other group's more often than its members' do, so the fit for non-zero
  // accuracy leaves track/shower sites that lower track biases would take.
  const evs = events([HIP, MIP, SHOWER_CLASS, DELTA, 4], MIP, 0, 5);
  const plain = fitClassBiases(evs, [], SHOWER_CLASS);
  const margin = Math.ceil(0.0025 * plain.before.sites);
  assert.ok(plain.after.trackShowerRight < plain.before.trackShowerRight + margin, "without the margin the fit stops below it");
  const raised = fitClassBiases(evs, [], SHOWER_CLASS, { trackShowerMargin: margin });
  assert.equal(raised.shortfall, 0);
  assert.ok(raised.after.trackShowerRight >= raised.before.trackShowerRight + margin,
    `${raised.before.trackShowerRight} + ${margin} -> ${raised.after.trackShowerRight}`);
  assert.ok(raised.after.right <= plain.after.right, "a constraint cannot help the objective");
  assert.ok(raised.biases[MIP] < plain.biases[MIP], `MIP bias ${raised.biases[MIP]} against ${plain.biases[MIP]}`);
  // The margin adds to a floor too, and a margin no biases can reach is left short by what is missing.
  const floor = countWithBiases(evs, new Array(N_CLASSES).fill(0));
  assert.deepEqual(fitClassBiases(evs, [], SHOWER_CLASS, { floor, trackShowerMargin: margin }).biases, raised.biases);
  const all = raised.before.sites, short = fitClassBiases(evs, [], SHOWER_CLASS, { floor: { ...floor, trackShowerRight: all }, trackShowerMargin: 7 });
  assert.equal(short.shortfall, all + 7 - short.after.trackShowerRight);
  // A negative margin is slack: a floor above what the biases can reach is reached with enough of it, and the
  // fit ends no lower than the floor minus the slack.
  const high = { ...floor, trackShowerRight: short.after.trackShowerRight + 3 };
  assert.equal(fitClassBiases(evs, [], SHOWER_CLASS, { floor: high }).shortfall > 0, true);
  const slack = fitClassBiases(evs, [], SHOWER_CLASS, { floor: high, trackShowerMargin: -3 });
  assert.equal(slack.shortfall, 0);
  assert.ok(slack.after.trackShowerRight >= high.trackShowerRight - 3);
  assert.throws(() => fitClassBiases(evs, [], SHOWER_CLASS, { trackShowerMargin: 1.5 }), /track\/shower margin 1\.5: expected a whole number of sites/);
});

test("class biases: keep-own holds a class at the model's own accuracy where the floor is lower", () => {
  // The model favours delta (logits +1) and the floor model is worse on delta (-1): with the floor
  // alone the fit spends the model's delta sites down toward the floor for non-zero accuracy;
  // keep-own holds them at the model's own count, at the cost of some of that accuracy.
  const model = events([SHOWER_CLASS, DELTA, MIP], DELTA, 1);
  const floor = countWithBiases(events([SHOWER_CLASS, DELTA, MIP], DELTA, -1), new Array(N_CLASSES).fill(0));
  const spent = fitClassBiases(model, [DELTA], SHOWER_CLASS, { floor });
  assert.ok(spent.after.classRight[DELTA] < spent.before.classRight[DELTA], "the floor alone lets delta fall");
  const own = fitClassBiases(model, [], SHOWER_CLASS, { floor, keepOwn: [DELTA] });
  assert.equal(own.shortfall, 0);
  assert.deepEqual(own.kept, [DELTA]);
  assert.equal(own.target.classRight[DELTA], own.before.classRight[DELTA]);
  assert.ok(own.after.classRight[DELTA] >= own.before.classRight[DELTA]);
  assert.ok(own.after.trackShowerRight >= floor.trackShowerRight);
  assert.ok(own.after.right <= spent.after.right, "a constraint cannot help the objective");
  // Where the floor is the higher, it stays the target; with no floor keep-own is the same as keep.
  const high = { ...floor, classRight: floor.classRight.map((r, k) => (k === DELTA ? own.before.classRight[k] + 1 : r)) };
  assert.equal(fitClassBiases(model, [], SHOWER_CLASS, { floor: high, keepOwn: [DELTA] }).target.classRight[DELTA], own.before.classRight[DELTA] + 1);
  assert.deepEqual(fitClassBiases(model, [], SHOWER_CLASS, { keepOwn: [DELTA] }).biases, fitClassBiases(model, [DELTA], SHOWER_CLASS).biases);
});

test("class biases: a kept class's margin asks the fit for that many sites above its target", () => {
  // Shower's logits shifted up and delta kept: the plain fit lowers shower and raises delta by some
  // amount; a margin beyond that amount must be reached too, at the cost of non-zero accuracy.
  const evs = events([SHOWER_CLASS, DELTA, MIP], SHOWER_CLASS, 1);
  const kept = fitClassBiases(evs, [DELTA], SHOWER_CLASS);
  const gained = kept.after.classRight[DELTA] - kept.before.classRight[DELTA];
  const margin = new Array<number>(N_CLASSES).fill(0);
  margin[DELTA] = gained + 50;
  const lead = fitClassBiases(evs, [DELTA], SHOWER_CLASS, { keepMargin: margin });
  assert.equal(lead.shortfall, 0);
  assert.equal(lead.target.classRight[DELTA], lead.before.classRight[DELTA] + gained + 50);
  assert.ok(lead.after.classRight[DELTA] >= lead.target.classRight[DELTA], `${lead.after.classRight[DELTA]} of ${lead.target.classRight[DELTA]}`);
  assert.ok(lead.after.right < kept.after.right, "a binding constraint costs the objective");
  // The margin adds to keep-own's target as to keep's, and to a floor.
  assert.deepEqual(fitClassBiases(evs, [], SHOWER_CLASS, { keepOwn: [DELTA], keepMargin: margin }).biases, lead.biases);
  assert.deepEqual(fitClassBiases(evs, [DELTA], SHOWER_CLASS, { floor: kept.before, keepMargin: margin }).biases, lead.biases);
  // A margin on a class that is not kept, or not a whole number of sites, is named.
  assert.throws(() => fitClassBiases(evs, [], SHOWER_CLASS, { keepMargin: margin }), /delta has a margin but is not kept/);
  margin[DELTA] = 2.5;
  assert.throws(() => fitClassBiases(evs, [DELTA], SHOWER_CLASS, { keepMargin: margin }), /delta margin 2\.5: expected a whole number of sites/);
  assert.throws(() => fitClassBiases(evs, [DELTA], SHOWER_CLASS, { keepMargin: [1] }), /1 class margins for 5 classes/);
});
