import { loadModelInto, modelPath } from "../node/model-io.js";
import { openDataSource } from "../node/data-source.js";
import { PrefetchedSource } from "../node/prefetched-source.js";
import { progress } from "../node/progress.js";
import { formatDifference, formatMetrics, MetricsAccumulator } from "../metrics/segmentation-metrics.js";
import { median } from "../util/stats.js";
import { integerOpt, parse, requireOpt, UsageError } from "./args.js";
import { segmentAugmented } from "../mirror-average.js";
import { AUGMENT_HELP, augmentFromFlag, engineFromFlags } from "./engine-flags.js";

const HELP = `usage: sparsessnet evaluate --model M --data D [--events N] [--baseline B] [--json] [--augment A] [--fast] [--threads N]

Segments every event of D with model M and compares with the true labels: non-zero accuracy,
track/shower accuracy, class-wise accuracy, 5x5 and 2x2 confusion matrices (fractions of each true
class) and MicroBooNE's incorrectly-classified-pixel fraction (ICPF, per event: mean and median).
  --model M    default-2d | default-3d | a model file
  --data D     an event file with labels, or sim:3d[:SIZE][@SEED] / sim:2d[:PLANE][@SEED]
               (a simulated set: choose a seed the training did not use)
  --events N   how many events (default: all of a file; 100 of a simulation)
  --baseline B another model on the same events: the differences of the accuracies (M minus B), each
               with its standard error. Paired by event, that error is far below either model's own,
               so it says whether M is really better than B on this kind of event.
  --json       one JSON object: events, sites, nonzeroAccuracy, trackShowerAccuracy, classAccuracy,
               confusion, trackShowerConfusion, icpf {mean, median}, classSites, standardError
               {nonzeroAccuracy, trackShowerAccuracy, classAccuracy}, classParticles (particles per
               true class, when the events carry instance ids), msPerEvent, augment; with --baseline
               also baseline (its name and metrics) and difference ({difference, standardError} per
               accuracy)
Standard errors: delete-one jackknife over the events (the events, not the sites, are independent).
${AUGMENT_HELP}`;

export async function evaluate(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: "string" }, data: { type: "string" }, events: { type: "string" }, json: { type: "boolean" }, baseline: { type: "string" },
    fast: { type: "boolean" }, threads: { type: "string" }, augment: { type: "string" },
  });
  if (values.help) { console.log(HELP); return 0; }
  const augment = augmentFromFlag(values.augment);
  const modelName = requireOpt("model", values.model);
  modelPath(modelName); // names a missing model before the data is opened
  if (values.baseline !== undefined) modelPath(values.baseline);
  const spec = requireOpt("data", values.data);
  const data = openDataSource(spec);
  const n = integerOpt("events", values.events, data.count ?? 100, 1);
  if (data.count !== undefined && n > data.count) throw new UsageError(`--events ${n}: ${data.describe} has ${data.count} events`);
  const { engine, close } = await engineFromFlags(values);
  const model = loadModelInto(engine, modelName);
  const baseline = values.baseline === undefined ? undefined : { name: values.baseline, model: loadModelInto(engine, values.baseline), acc: new MetricsAccumulator() };
  const acc = new MetricsAccumulator();
  const times: number[] = [];
  const bar = progress(n, "evaluate", "accuracy {acc}", 10);
  // The next events are generated (or read) on a worker while this one runs (src/node/prefetched-source.ts).
  const fetched = new PrefetchedSource(data, spec);
  try {
    let i = 0;
    for await (const ev of fetched.inOrder(n)) {
      if (!ev.labels) throw new UsageError(`event ${i} of ${data.describe} has no labels`);
      const res = segmentAugmented((t) => engine.run(model, t), ev.tensor, augment);
      times.push(res.timings.totalMs);
      acc.add(ev.labels, res.labels, ev.instances);
      if (baseline) baseline.acc.add(ev.labels, segmentAugmented((t) => runNamed(baseline.name, () => engine.run(baseline.model, t)), ev.tensor, augment).labels, ev.instances);
      bar.update(++i, { acc: acc.nonzeroAccuracy().toFixed(4) });
    }
  } finally {
    bar.stop();
    await fetched.close();
  }
  await close();
  data.close();
  const m = acc.result();
  const compared = baseline && { baseline: { model: baseline.name, ...baseline.acc.result() }, difference: acc.differenceFrom(baseline.acc) };
  if (values.json) console.log(JSON.stringify({ model: modelName, data: data.describe, ...m, msPerEvent: median(times), augment, ...compared }));
  else {
    console.log(`model ${modelName} on ${data.describe}${augment === "none" ? "" : `, ${augment} augmentation`}\n${formatMetrics(m)}\nmedian ${median(times).toFixed(1)} ms per event`);
    if (compared) console.log(`\nbaseline ${baseline!.name} on the same events\n${formatMetrics(compared.baseline)}\n\n${formatDifference(compared.difference, m.classNames)}`);
  }
  return 0;
}

/** Runs f; an error it throws names the model it came from (the baseline, beside the model evaluated). */
function runNamed<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error) e.message = `baseline ${name}: ${e.message}`;
    throw e;
  }
}
