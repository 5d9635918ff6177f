// What neighbour smoothing (src/model/smoothing.ts) does to a model's labels, over a grid of settings:
// each site's softmax scores mixed with the mean scores of the active sites within `radius` of it
// (share `share` to the neighbours), then a constant k added to delta's log-score (the engine's
// smoothing constants, all 0 but delta's), paired with the model without the mix site by site,
// event by event (the jackknife of `evaluate --baseline`). How session 58 chose radius 3 and share
// 0.3 for the shipped models (models/README.md, "Averaging scores over neighbours"); the mix repeated
// at radius 1 instead, measured then with this file's first version (git show 9a6eb5a:bench/neighbour-smoothing.ts,
// `--steps`), lost delta rays and is not offered.
// Usage: node dist/bench/neighbour-smoothing.js --model M --data D [--events N]
//        [--radius 1,2,3] [--share 0.1,0.2,0.3] [--delta-constant 0,0.05]
import { Engine } from "../src/engine.js";
import { CLASS_NAMES, N_CLASSES } from "../src/data/labelled-event.js";
import { type Difference, MetricsAccumulator } from "../src/metrics/segmentation-metrics.js";
import { openDataSource } from "../src/node/data-source.js";
import { loadModel } from "../src/node/model-io.js";
import { integerOpt, numberList, parse, requireOpt } from "../src/cli/args.js";

const { values } = parse(process.argv.slice(2), {
  model: { type: "string" }, data: { type: "string" }, events: { type: "string" },
  radius: { type: "string" }, share: { type: "string" }, "delta-constant": { type: "string" },
});
const modelName = requireOpt("model", values.model);
const n = integerOpt("events", values.events, 200, 1);
const radii = numberList("radius", values.radius) ?? [1, 2, 3];
const shares = numberList("share", values.share) ?? [0.1, 0.2, 0.3];
const deltaConstants = numberList("delta-constant", values["delta-constant"]) ?? [0, 0.05];
const source = loadModel(modelName);
if (source.config.smoothing) throw new Error(`${modelName} mixes already (${JSON.stringify(source.config.smoothing)}): give the file without the mix`);
if (source.config.classes !== N_CLASSES) throw new Error(`${modelName} has ${source.config.classes} classes, expected ${N_CLASSES}`);
const data = openDataSource(requireOpt("data", values.data));
const engine = await Engine.create();
const plain = engine.loadModel(source.config, source.weights);
const delta = CLASS_NAMES.indexOf("delta");
// The engine validates each setting (radius 1 to 4, share in (0, 1]) as it loads the model.
const variants = radii.flatMap((radius) => shares.flatMap((share) => deltaConstants.map((k) => {
  const constants = Array.from({ length: N_CLASSES }, (_, c) => (c === delta ? k : 0));
  const model = engine.loadModel({ ...source.config, smoothing: { radius, share, constants } }, source.weights);
  return { radius, share, k, model, metrics: new MetricsAccumulator() };
})));
const argmax = new MetricsAccumulator();
for (let i = 0; i < n; i++) {
  const ev = data.event(i);
  if (!ev.labels) throw new Error(`event ${i} of ${data.describe} has no labels`);
  argmax.add(ev.labels, engine.run(plain, ev.tensor).labels);
  for (const v of variants) v.metrics.add(ev.labels, engine.run(v.model, ev.tensor).labels);
}
data.close();
const m = argmax.result();
const points = ({ difference, standardError }: Difference) => `${(100 * difference).toFixed(3)} ± ${(100 * standardError).toFixed(3)}`;
console.log(`${modelName} on ${n} events of ${data.describe}: argmax non-zero ${(100 * m.nonzeroAccuracy).toFixed(2)}%, track/shower ${(100 * m.trackShowerAccuracy).toFixed(2)}%`);
console.log("mixed minus argmax, points (± one standard error, paired by event):\n");
console.log(`| radius | share | delta constant | non-zero | track/shower | ${m.classNames.join(" | ")} |`);
console.log(`|${"---|".repeat(5 + m.classNames.length)}`);
for (const v of variants) {
  const d = v.metrics.differenceFrom(argmax);
  console.log(`| ${v.radius} | ${v.share} | ${v.k} | ${points(d.nonzeroAccuracy)} | ${points(d.trackShowerAccuracy)} | ${d.classAccuracy.map(points).join(" | ")} |`);
}
