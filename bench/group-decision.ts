// Would a track/shower label read off the groups' summed scores beat the argmax class's group?
// The shipped labels are the argmax of the five softmax scores, and track/shower accuracy takes the
// group of that class. A site scored HIP 0.30, MIP 0.30, shower 0.35, delta 0.05 is labelled shower
// although its track scores sum to 0.60: if the scores were calibrated, deciding the group first
// (track iff HIP + MIP >= the rest) and then the class within it would be the better track/shower
// label, at some cost in five-class accuracy. This runs a model on held-out events and pairs the two
// decisions site by site, event by event (the same jackknife as `evaluate --baseline`), so the
// difference is resolved far below either accuracy's own error.
// Usage: node dist/bench/group-decision.js --model M --data D [--events N]
import { Engine } from "../src/engine.js";
import { N_CLASSES, trackShowerOf } from "../src/data/labelled-event.js";
import { formatDifference, MetricsAccumulator } from "../src/metrics/segmentation-metrics.js";
import { openDataSource } from "../src/node/data-source.js";
import { loadModelInto } from "../src/node/model-io.js";
import { integerOpt, parse, requireOpt } from "../src/cli/args.js";

/** Class of row r decided group first: the group with the larger summed score (track on a tie, as
 *  argmax takes the lower class), then the argmax within that group (the lower class on a tie). */
function groupFirstLabel(scores: Float32Array, r: number): number {
  const row = scores.subarray(r * N_CLASSES, (r + 1) * N_CLASSES);
  const sums = [0, 0];
  row.forEach((p, c) => { sums[trackShowerOf(c)] += p; });
  const group = sums[0] >= sums[1] ? 0 : 1;
  let best = -1;
  row.forEach((p, c) => { if (trackShowerOf(c) === group && (best < 0 || p > row[best])) best = c; });
  return best;
}

const { values } = parse(process.argv.slice(2), { model: { type: "string" }, data: { type: "string" }, events: { type: "string" } });
const modelName = requireOpt("model", values.model);
const data = openDataSource(requireOpt("data", values.data));
const n = integerOpt("events", values.events, 200, 1);
const engine = await Engine.create();
const model = loadModelInto(engine, modelName);
const argmax = new MetricsAccumulator(), groupFirst = new MetricsAccumulator();
let changed = 0, sites = 0;
for (let i = 0; i < n; i++) {
  const ev = data.event(i);
  if (!ev.labels) throw new Error(`event ${i} of ${data.describe} has no labels`);
  const res = engine.run(model, ev.tensor);
  if (res.classes !== N_CLASSES) throw new Error(`${modelName} has ${res.classes} classes, expected ${N_CLASSES}`);
  const relabelled = Uint8Array.from(res.labels, (_, r) => groupFirstLabel(res.scores, r));
  for (let r = 0; r < relabelled.length; r++) { sites++; if (relabelled[r] !== res.labels[r]) changed++; }
  argmax.add(ev.labels, res.labels);
  groupFirst.add(ev.labels, relabelled);
}
data.close();
const m = argmax.result();
console.log(`${modelName} on ${n} events of ${data.describe}: argmax non-zero ${(100 * m.nonzeroAccuracy).toFixed(2)}%, track/shower ${(100 * m.trackShowerAccuracy).toFixed(2)}%`);
console.log(`group first relabels ${(100 * changed / sites).toFixed(3)}% of the sites`);
console.log(`group first minus argmax:\n${formatDifference(groupFirst.differenceFrom(argmax), m.classNames)}`);
