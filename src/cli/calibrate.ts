import { writeFileSync } from "node:fs";
import { CLASS_NAMES, N_CLASSES, SHOWER_CLASS } from "../data/labelled-event.js";
import { openDataSource } from "../node/data-source.js";
import { PrefetchedSource } from "../node/prefetched-source.js";
import { loadModel, loadModelInto, modelPath } from "../node/model-io.js";
import type { Engine } from "../engine.js";
import { progress } from "../node/progress.js";
import { countLabels, fitClassBiases, type BiasCounts, type LabelledLogits } from "../train/class-bias.js";
import type { ModelConfig } from "../model/config.js";
import { unfittedSmoothing } from "../model/smoothing.js";
import { writeModelFile } from "../weights/model-file.js";
import { integerOpt, numberOpt, parse, requireOpt, UsageError } from "./args.js";
import { engineFromFlags } from "./engine-flags.js";
import { smoothingFlag } from "./smoothing-flag.js";

const HELP = `usage: sparsessnet calibrate --model M --data D --out W [--events N] [--keep CLASSES] [--floor B]
                            [--keep-own CLASSES] [--track-shower-margin P] [--keep-margin CLASS=P,...] [--smooth R,A]

Fits one constant per class, added to the model's final logits, that raises non-zero accuracy on
the labelled events of D while track/shower accuracy and the accuracy of each kept class stay at
least where they were on those sites; writes model M with the constants added to its final Linear
layer's bias (nothing else changes, so the file runs everywhere M runs). The loss weighting a model
was trained with shifts its classes' priors (SparseSSNet's favours small clusters); this undoes part
of that without training. Fit on a validation set, then check on other events:
  sparsessnet evaluate --model W --baseline M --data <events not used here>
  --model M    default-2d | default-3d | a model file or a training checkpoint
  --data D     labelled events: an event file, or sim:3d[:SIZE][@SEED] / sim:2d[:PLANE][@SEED]
  --events N   how many (default: all of a file; 200 of a simulation). A class's constant is only as
               precise as that class's particles in these events: 200 2D images hold about 150
               protons, so fit a 2D model's HIP constant on 1,000 (models/README.md, phase 32)
  --keep C     classes whose accuracy may not fall, comma-separated (default delta,Michel; "none")
  --floor B    instead, track/shower and the kept classes must end at least at model B's accuracy on
               the same sites (B: the shipped model, say, when M has traded a kept class away in
               training); the fit first closes that shortfall, then raises non-zero accuracy. If no
               constants close it on these events, nothing is written, the shortfall is named, exit 1
  --keep-own C  classes kept at least at M's own accuracy on these events even with --floor (the higher
               of the two), comma-separated (default none): a floor file whose constants spent a
               rare class lets the fit spend M's better accuracy on it down to the file's
  --track-shower-margin P
               track/shower must end P percentage points above where it would otherwise have to (its
               own accuracy, or B's with --floor) before non-zero accuracy is raised; without it the fit
               spends any track/shower above that on non-zero accuracy (default 0). Negative: track/shower
               may end that far below it, the price stated for a class kept with --keep-own (written with
               an equals sign: --track-shower-margin=-0.01)
  --keep-margin CLASS=P,...
               each named kept class (from --keep or --keep-own) must end P percentage points of its
               own sites above where it would otherwise have to: a lead on the fitted events that
               the noise of a rare class on other events does not undo (Michel=1, say)
  --smooth R,A  mix each site's scores with the mean scores of the active sites within R sites of it
               (share A to the neighbours) before the label is decided, and fit the constants after
               the mix, on the log of the mixed scores; W's config records both (src/model/smoothing.ts;
               3,0.3 for the shipped models). Without it, a model M that already mixes has its
               constants fitted again with its own radius and share; --smooth none takes the mix
               away and fits the constants on the logits (the network's argmax, a few per cent faster)
  --out W      the calibrated model file (its metadata records the constants and the data)`;

export async function calibrate(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: "string" }, data: { type: "string" }, events: { type: "string" }, keep: { type: "string" }, out: { type: "string" }, floor: { type: "string" },
    "track-shower-margin": { type: "string" }, "keep-own": { type: "string" }, "keep-margin": { type: "string" },
    smooth: { type: "string" },
  });
  if (values.help) { console.log(HELP); return 0; }
  const modelName = requireOpt("model", values.model);
  if (values.floor !== undefined) modelPath(values.floor); // names a missing floor model before any event is run
  const out = requireOpt("out", values.out);
  const keep = keepClasses(values.keep ?? "delta,Michel", "keep");
  const keepOwn = keepClasses(values["keep-own"] ?? "none", "keep-own");
  const marginPoints = numberOpt("track-shower-margin", values["track-shower-margin"], 0);
  if (Math.abs(marginPoints) >= 100) throw new UsageError(`--track-shower-margin ${marginPoints}: expected percentage points, between -100 and 100`);
  const keepMarginPoints = classMargins(values["keep-margin"], [...keep, ...keepOwn]);
  const source = loadModel(modelName);
  // A mixing model is fitted with its constants at 0: the fit's biases become them. `--smooth none`
  // takes the mix away: the constants go to the logits again.
  const smoothing = values.smooth !== undefined ? smoothingFlag(values.smooth) : source.config.smoothing;
  const { smoothing: _mix, ...network } = source.config;
  const config: ModelConfig = smoothing
    ? { ...network, smoothing: unfittedSmoothing(smoothing, source.config.classes) }
    : network;
  const spec = requireOpt("data", values.data);
  const data = openDataSource(spec);
  const n = integerOpt("events", values.events, data.count ?? 200, 1);
  if (data.count !== undefined && n > data.count) throw new UsageError(`--events ${n}: ${data.describe} has ${data.count} events`);

  const { engine, close } = await engineFromFlags({});
  const model = engine.loadModel(config, source.weights); // the weights already read, not the file again
  const floorModel = values.floor === undefined ? undefined : loadFloorModel(engine, values.floor);
  let floor: BiasCounts | undefined;
  const events: LabelledLogits[] = [];
  const bar = progress(n, "calibrate", "", 10);
  // The next events are generated (or read) on a worker while this one runs.
  const fetched = new PrefetchedSource(data, spec);
  try {
    for await (const ev of fetched.inOrder(n)) {
      if (!ev.labels) throw new UsageError(`event ${events.length} of ${data.describe} has no labels`);
      const res = engine.run(model, ev.tensor);
      // With a mix, the constants are added to the log of the mixed scores, as to the logits without.
      events.push(labelledLogits(smoothing ? res.scores.map(Math.log) : res.logits, ev.labels));
      // The floor model's counts only, of its own labels.
      if (floorModel) floor = countLabels(ev.labels, engine.run(floorModel, ev.tensor).labels, floor);
      bar.update(events.length, {});
    }
  } finally {
    bar.stop();
    await fetched.close();
  }
  await close();
  data.close();

  // Margins are asked in points and fitted in sites: the sites per class, and all of them.
  const classSites = new Array<number>(N_CLASSES).fill(0);
  for (const e of events) for (const y of e.labels) classSites[y]++;
  const sites = classSites.reduce((sum, n) => sum + n, 0);
  // Rounded up: a margin asks at least its points, a negative one allows at most its points.
  const marginSites = Math.ceil((marginPoints / 100) * sites);
  const keepMargin = keepMarginPoints.map((p, k) => Math.ceil((p / 100) * classSites[k]));
  const { biases, before, after, shortfall, target, kept: heldClasses } =
    fitClassBiases(events, keep, SHOWER_CLASS, { floor, trackShowerMargin: marginSites, keepOwn, keepMargin });
  if (shortfall > 0) {
    // A result, not a mistake in the command: exit 1 (as a failed check), not 2 (usage).
    const what = floor ? `up to ${values.floor}` : "to its own accuracies";
    console.error(`sparsessnet calibrate: no class constants bring ${modelName} ${what}${marginSites ? ` ${marginPoints > 0 ? "plus" : "minus"} ${Math.abs(marginPoints)} points of track/shower` : ""}${keepMargin.some((m) => m) ? " with the kept classes' margins" : ""} on these ${n} events (${shortfall} sites short): ` +
      `track/shower ${after.trackShowerRight} of ${target.trackShowerRight} sites right, ${heldClasses.map((k) => `${CLASS_NAMES[k]} ${after.classRight[k]} of ${target.classRight[k]}`).join(", ")}; nothing written`);
    return 1;
  }
  const weights = new Map(source.weights);
  let written = config;
  if (smoothing) {
    written = { ...config, smoothing: { ...smoothing, constants: biases } };
  } else {
    const bias = source.weights.get("linear.bias");
    if (!bias || bias.data.length !== N_CLASSES) throw new UsageError(`${modelName}: no final Linear bias of ${N_CLASSES} classes`);
    weights.set("linear.bias", { shape: bias.shape, data: Float32Array.from(bias.data, (v, c) => v + biases[c]) });
  }
  const { format: _f, config: _c, ...kept } = source.metadata;
  const where = smoothing ? `the log of the scores mixed over neighbours (radius ${smoothing.radius}, share ${smoothing.share})` : "the logits";
  const calibration = {
    classBiases: Object.fromEntries(CLASS_NAMES.map((c, k) => [c, biases[k]])), data: data.describe, events: n, keep: keep.map((k) => CLASS_NAMES[k]),
    ...(smoothing ? { addedTo: where } : {}),
    ...(values.floor === undefined ? {} : { floor: values.floor }),
    ...(marginPoints ? { trackShowerMarginPoints: marginPoints } : {}),
    ...(keepOwn.length ? { keepOwn: keepOwn.map((k) => CLASS_NAMES[k]) } : {}),
    ...(keepMarginPoints.some((p) => p) ? { keepMarginPoints: Object.fromEntries(CLASS_NAMES.flatMap((c, k) => (keepMarginPoints[k] ? [[c, keepMarginPoints[k]]] : []))) } : {}),
  };
  writeFileSync(out, writeModelFile(written, weights, { ...kept, calibratedFrom: modelName, calibration: JSON.stringify(calibration) }));
  console.log(`class biases added to ${where}: ${CLASS_NAMES.map((c, k) => `${c} ${biases[k] >= 0 ? "+" : ""}${biases[k]}`).join(", ")}`);
  console.log(`on the ${n} events fitted (${before.sites} labelled sites), before -> after:\n${formatCounts(before, after)}`);
  if (floor) console.log(`the floor, ${values.floor} on the same sites:\n${formatOne(floor)}`);
  console.log(`wrote ${out}; check it on other events: sparsessnet evaluate --model ${out} --baseline ${modelName} --data <other events>`);
  return 0;
}

/** The labelled rows' logits (rows labelled IGNORE_LABEL or beyond the classes are left out). */
function labelledLogits(logits: Float32Array, labels: Uint8Array): LabelledLogits {
  let n = 0;
  for (const y of labels) if (y < N_CLASSES) n++;
  const out = { logits: new Float32Array(n * N_CLASSES), labels: new Uint8Array(n) };
  for (let i = 0, j = 0; i < labels.length; i++) {
    if (labels[i] >= N_CLASSES) continue;
    out.labels[j] = labels[i];
    out.logits.set(logits.subarray(i * N_CLASSES, (i + 1) * N_CLASSES), j * N_CLASSES);
    j++;
  }
  return out;
}

/** --keep-margin CLASS=P,...: percentage points per class (0 for classes not named); each named class must be kept. */
function classMargins(spec: string | undefined, kept: number[]): number[] {
  const points = new Array<number>(N_CLASSES).fill(0);
  if (spec === undefined) return points;
  for (const item of spec.split(",")) {
    const [name, value, ...rest] = item.split("=");
    const [k] = keepClasses(name, "keep-margin");
    const p = Number(value);
    if (k === undefined || value === undefined || rest.length || value.trim() === "" || !Number.isFinite(p) || p < 0 || p >= 100) {
      throw new UsageError(`--keep-margin ${spec}: "${item}" is not CLASS=P with P percentage points in [0, 100)`);
    }
    if (!kept.includes(k)) throw new UsageError(`--keep-margin ${spec}: ${CLASS_NAMES[k]} is not kept (name it in --keep or --keep-own)`);
    points[k] = p;
  }
  return points;
}

function keepClasses(spec: string, flag: string): number[] {
  if (spec === "none") return [];
  return spec.split(",").map((name) => {
    const k = CLASS_NAMES.findIndex((c) => c.toLowerCase() === name.trim().toLowerCase());
    if (k < 0) throw new UsageError(`--${flag} ${spec}: "${name}" is not a class (${CLASS_NAMES.join(", ")}, or none)`);
    return k;
  });
}

const pct = (r: number, n: number) => (n ? `${((100 * r) / n).toFixed(2)}%` : "-");

function formatOne(c: BiasCounts): string {
  return `  non-zero ${pct(c.right, c.sites)}, track/shower ${pct(c.trackShowerRight, c.sites)}\n` +
    `  ${CLASS_NAMES.map((name, k) => `${name} ${pct(c.classRight[k], c.classSites[k])}`).join(", ")}`;
}

function formatCounts(a: BiasCounts, b: BiasCounts): string {
  return [
    `  non-zero ${pct(a.right, a.sites)} -> ${pct(b.right, b.sites)}, track/shower ${pct(a.trackShowerRight, a.sites)} -> ${pct(b.trackShowerRight, b.sites)}`,
    `  ${CLASS_NAMES.map((c, k) => `${c} ${pct(a.classRight[k], a.classSites[k])} -> ${pct(b.classRight[k], b.classSites[k])}`).join(", ")}`,
  ].join("\n");
}

/** The --floor model, which must label the same classes. Only the engine needs its weights, so they
 *  are read straight into it (loadModelInto), not into a JavaScript copy as the model being fitted is. */
function loadFloorModel(engine: Engine, name: string) {
  const m = loadModelInto(engine, name);
  if (m.config.classes !== N_CLASSES) throw new UsageError(`--floor ${name}: ${m.config.classes} classes, where the fit needs ${N_CLASSES}`);
  return m;
}
