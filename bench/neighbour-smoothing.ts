// Would averaging each site's softmax scores with its active neighbours' raise accuracy? If a
// model's errors were isolated sites inside particles it otherwise labels right, a fixed smoothing
// after the network (no training, a few neighbour look-ups per site) would mend them. For each
// site i, the smoothed score of class c is (1 - a) s_ic + a mean_j s_jc over the active sites j
// within Chebyshev radius r of i (i itself left out; a site with none keeps its own), then an
// optional constant k added to delta's log-score (a multiplier e^k), as `calibrate` would fit to give
// back what the smoothing takes from the thin delta rays beside their tracks. It runs a model on
// labelled events and pairs each variant with the plain argmax site by site, event by event (the
// jackknife of `evaluate --baseline`). Session 58 ("Averaging scores over neighbours" in
// models/README.md): in 2D it trades delta for shower, with little left at delta held level; in 3D
// nothing is resolved. Not part of the engine.
// Usage: node dist/bench/neighbour-smoothing.js --model M --data D [--events N]
//        [--radius 1,2,3] [--share 0.1,0.2,0.3] [--delta-constant 0,0.05]
import { Engine } from "../src/engine.js";
import { CLASS_NAMES, N_CLASSES } from "../src/data/labelled-event.js";
import { type Difference, MetricsAccumulator } from "../src/metrics/segmentation-metrics.js";
import { openDataSource } from "../src/node/data-source.js";
import { loadModelInto } from "../src/node/model-io.js";
import { integerOpt, numberList, parse, requireOpt } from "../src/cli/args.js";
import type { SparseTensor } from "../src/tensor/sparse-tensor.js";

const DELTA = CLASS_NAMES.indexOf("delta");

/** For each row of `t`, the rows within Chebyshev radius r, itself left out (a hash of coordinates). */
function neighbourRows(t: SparseTensor, r: number): Int32Array[] {
  const d = t.dim, n = t.coords.length / d, span = 2 * r + 1;
  const key = (c: ArrayLike<number>, off?: number[]) => {
    let k = 0;
    for (let a = 0; a < d; a++) k = k * (t.spatialSize[a] + 2 * r) + c[a] + (off ? off[a] : 0) + r;
    return k;
  };
  const rowOf = new Map<number, number>();
  for (let i = 0; i < n; i++) rowOf.set(key(t.coords.subarray(i * d, i * d + d)), i);
  const offsets: number[][] = [];
  for (let o = 0; o < span ** d; o++) {
    const off = Array.from({ length: d }, (_, a) => (Math.floor(o / span ** a) % span) - r);
    if (off.some((x) => x !== 0)) offsets.push(off);
  }
  return Array.from({ length: n }, (_, i) => {
    const c = t.coords.subarray(i * d, i * d + d), rows: number[] = [];
    for (const off of offsets) { const j = rowOf.get(key(c, off)); if (j !== undefined) rows.push(j); }
    return Int32Array.from(rows);
  });
}

/** Labels from the scores smoothed `steps` times (each step: share a of the neighbours' mean), then
 *  e^k on delta. Several steps of radius 1 spread as a diffusion does, at the cost of one radius. */
function smoothedLabels(scores: Float32Array, neighbours: Int32Array[], a: number, steps: number, k: number): Uint8Array {
  const C = N_CLASSES;
  let cur = Float64Array.from(scores);
  for (let t = 0; t < steps; t++) {
    const next = new Float64Array(cur.length);
    neighbours.forEach((rows, i) => {
      for (let c = 0; c < C; c++) {
        let sum = 0;
        for (const j of rows) sum += cur[j * C + c];
        next[i * C + c] = rows.length > 0 ? (1 - a) * cur[i * C + c] + a * sum / rows.length : cur[i * C + c];
      }
    });
    cur = next;
  }
  const deltaFactor = Math.exp(k);
  return Uint8Array.from(neighbours, (_, i) => {
    let best = 0, bestScore = -Infinity;
    for (let c = 0; c < C; c++) {
      const s = cur[i * C + c] * (c === DELTA ? deltaFactor : 1);
      if (s > bestScore) { best = c; bestScore = s; }
    }
    return best;
  });
}

const { values } = parse(process.argv.slice(2), {
  model: { type: "string" }, data: { type: "string" }, events: { type: "string" },
  radius: { type: "string" }, share: { type: "string" }, steps: { type: "string" }, "delta-constant": { type: "string" },
});
const modelName = requireOpt("model", values.model);
const n = integerOpt("events", values.events, 200, 1);
const radii = numberList("radius", values.radius) ?? [1, 2, 3];
const shares = numberList("share", values.share) ?? [0.1, 0.2, 0.3];
const stepCounts = numberList("steps", values.steps) ?? [1];
const deltaConstants = numberList("delta-constant", values["delta-constant"]) ?? [0, 0.05];
if (radii.some((r) => !Number.isInteger(r) || r < 1 || r > 5)) throw new Error(`--radius takes integers 1 to 5, got ${radii}`);
if (shares.some((a) => !(a >= 0 && a <= 1))) throw new Error(`--share takes numbers in [0, 1], got ${shares}`);
if (stepCounts.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`--steps takes positive integers, got ${stepCounts}`);
const data = openDataSource(requireOpt("data", values.data));
const engine = await Engine.create();
const model = loadModelInto(engine, modelName);
const variants = radii.flatMap((r) => shares.flatMap((a) => (a === 0 ? [1] : stepCounts).flatMap((steps) =>
  deltaConstants.map((k) => ({ r, a, steps, k, metrics: new MetricsAccumulator() })))));
const argmax = new MetricsAccumulator();
for (let i = 0; i < n; i++) {
  const ev = data.event(i);
  if (!ev.labels) throw new Error(`event ${i} of ${data.describe} has no labels`);
  const res = engine.run(model, ev.tensor);
  if (res.classes !== N_CLASSES) throw new Error(`${modelName} has ${res.classes} classes, expected ${N_CLASSES}`);
  argmax.add(ev.labels, res.labels);
  for (const r of radii) {
    const neighbours = neighbourRows(ev.tensor, r);
    for (const v of variants) if (v.r === r) v.metrics.add(ev.labels, smoothedLabels(res.scores, neighbours, v.a, v.steps, v.k));
  }
}
data.close();
const m = argmax.result();
const points = ({ difference, standardError }: Difference) => `${(100 * difference).toFixed(3)} ± ${(100 * standardError).toFixed(3)}`;
console.log(`${modelName} on ${n} events of ${data.describe}: argmax non-zero ${(100 * m.nonzeroAccuracy).toFixed(2)}%, track/shower ${(100 * m.trackShowerAccuracy).toFixed(2)}%`);
console.log("smoothed minus argmax, points (± one standard error, paired by event):\n");
console.log(`| radius | share | steps | delta constant | non-zero | track/shower | ${m.classNames.join(" | ")} |`);
console.log(`|${"---|".repeat(6 + m.classNames.length)}`);
for (const v of variants) {
  const d = v.metrics.differenceFrom(argmax);
  console.log(`| ${v.r} | ${v.a} | ${v.steps} | ${v.k} | ${points(d.nonzeroAccuracy)} | ${points(d.trackShowerAccuracy)} | ${d.classAccuracy.map(points).join(" | ")} |`);
}
