import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { instantiateKernels } from "../backend/wasm/module.js";
import { parseModelConfig, type ModelConfig } from "../model/config.js";
import { unfittedSmoothing } from "../model/smoothing.js";
import { openDataSource } from "../node/data-source.js";
import { PrefetchedSource } from "../node/prefetched-source.js";
import { loadModel, readJson } from "../node/model-io.js";
import { progress } from "../node/progress.js";
import { loadTeacher, type LoadedTeacher } from "../node/teacher.js";
import { createConvThreads } from "../node/threads.js";
import { WEIGHTING_SCHEMES } from "../train/loss-weights.js";
import { DEFAULT_TRAINER_OPTIONS, Trainer } from "../train/trainer.js";
import { initialTrainingWeights } from "../weights/random-init.js";
import { median } from "../util/stats.js";
import { writeModelFile } from "../weights/model-file.js";
import { integerOpt, parse, positiveNumberOpt, requiredInteger, requireOpt, UsageError } from "./args.js";
import { checkResumeFlags, newRunOptions, runOptionsFromFlags, teacherFlags } from "./train-run-flags.js";

const HELP = `usage: sparsessnet train --data D (--dim 2|3 --filters M [--depth L] | --config C) --out W [options]

Trains a U-ResNet on the wasm kernels: batches drawn from D, optional crops, SparseSSNet's loss
weighting, Adam. Deterministic for a seed; a run resumed from its checkpoint continues exactly.
  --data D             sim:3d[:SIZE][@SEED] | sim:2d[:PLANE][@SEED] (endless simulation) | an event file
  --iterations N       iterations to run in total (default 1000; a resumed run keeps its checkpoint's)
  --batch B            events per iteration (default ${DEFAULT_TRAINER_OPTIONS.batchSize})
  --crop A,B[,C]       crop every event to this size around a random site (e.g. 512,512)
  --crop-centre S      site (default): any site; class: a site of a class drawn uniformly among those present;
                       balanced: a site of a class drawn uniformly among all five, from the latest event of
                       the stream that has one (up to 64 back), so rare classes centre a fifth of the crops
  --balanced-share F   with balanced: the share of each batch's slots chosen so, 0 to 1 (default 1); the
                       rest keep the stream's own events (its mix of classes), cropped around any site
  --weighting S        ${WEIGHTING_SCHEMES.join(" | ")} (default ${DEFAULT_TRAINER_OPTIONS.weighting})
  --lr X               Adam learning rate (default ${DEFAULT_TRAINER_OPTIONS.lr}); --weight-decay X (default 0)
  --schedule S         constant | cosine (to lr/20 at the last iteration) (default constant)
  --seed S             initial weights and batch order (default 1)
  --init M             start from the weights of model M (default-2d, default-3d, a model file or a
                       checkpoint of another run) instead of random ones
  --out W              final model file (safetensors with its config)
  --checkpoint-dir D   write checkpoint-<iteration>.safetensors (+ .json) here
  --checkpoint-every N (default 200)
  --resume             continue from the newest checkpoint in --checkpoint-dir, with its options: the
                       command that started the run may be given again; a flag that differs is refused
  --threads N          threads for the convolutions (default 1; same bits as one thread)
  --time-limit MIN     stop cleanly (checkpoint + model) after this many minutes
  --curve F            training curve (loss, accuracy per iteration) as JSON; .png also draws it
  --teacher M          distil from model M: each site's target is (1 - A) x its label + A x M's class
                       probabilities on the same (cropped) event; a resumed run needs the same file again
                       (checked by SHA-256), under its old name or given with --teacher
  --teacher-weight A   the teacher's share of the target, 0 to 1 (default 0.5)
  --teacher-augment S  none (default) | mirror: the teacher's probabilities averaged over the event's
                       mirror images (4 runs in 2D, 8 in 3D per event)
  --track-shower-loss B  each site also pays B x the cross-entropy of the two groups track (HIP, MIP)
                       and shower (shower, delta, Michel), which weighs the confusions across that line
                       above those within a group (default 0)
  --smooth R,A         take the loss on the scores mixed over neighbours as a model with this mix
                       decides on them (radius R, share A; see calibrate --smooth); the model written
                       has the mix, its constants at 0 (fit them with calibrate); the accuracy shown
                       is that of the mixed labels`;

export async function train(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    data: { type: "string" }, dim: { type: "string" }, filters: { type: "string" }, depth: { type: "string" }, config: { type: "string" },
    iterations: { type: "string" }, batch: { type: "string" }, crop: { type: "string" }, "crop-centre": { type: "string" }, "balanced-share": { type: "string" }, weighting: { type: "string" },
    lr: { type: "string" }, "weight-decay": { type: "string" }, schedule: { type: "string" }, seed: { type: "string" },
    out: { type: "string" }, "checkpoint-dir": { type: "string" }, "checkpoint-every": { type: "string" }, resume: { type: "boolean" },
    "time-limit": { type: "string" }, threads: { type: "string" }, curve: { type: "string" }, init: { type: "string" },
    teacher: { type: "string" }, "teacher-weight": { type: "string" }, "teacher-augment": { type: "string" },
    "track-shower-loss": { type: "string" }, smooth: { type: "string" },
  });
  if (values.help) { console.log(HELP); return 0; }
  const out = requireOpt("out", values.out);
  // Made now, not when the model is written: a run of hours must not fail at its end for a folder.
  mkdirSync(dirname(out), { recursive: true });
  const spec = requireOpt("data", values.data);
  const data = openDataSource(spec);
  const ckDir = values["checkpoint-dir"] as string | undefined;
  const threads = integerOpt("threads", values.threads, 1, 1, 9);
  const pool = threads > 1 ? await createConvThreads(threads) : undefined;
  const k = pool ? pool.k : await instantiateKernels();
  let trainer: Trainer;
  let teacher: LoadedTeacher | undefined;
  const latest = ckDir && values.resume ? newestCheckpoint(ckDir) : undefined;
  if (values.resume && !ckDir) throw new UsageError("--resume needs --checkpoint-dir");
  if (latest) {
    trainer = Trainer.fromCheckpoint(k, new Uint8Array(readFileSync(latest)), latest, pool?.parallel);
    console.error(`resumed from ${latest} at iteration ${trainer.iteration}`);
    checkResumeFlags(values, trainer.config, trainer.options, latest);
    const spec = trainer.options.teacher;
    if (!spec && values.teacher) throw new UsageError(`--teacher: ${latest} belongs to a run without a teacher; start a new run with --init ${latest}`);
    if (spec) teacher = await loadTeacher((values.teacher as string | undefined) ?? spec.model, spec.augment, spec.weight, trainer.config, threads, spec);
  } else {
    const init = values.init ? loadModel(values.init as string) : undefined;
    const cfgInput = init ? init.config : values.config ? readJson(values.config, "config") : { dim: requiredInteger("dim", values.dim, 2, 3), filters: requiredInteger("filters", values.filters, 1), ...(values.depth ? { depth: integerOpt("depth", values.depth, 5, 1) } : {}) };
    const config = parseModelConfig(cfgInput);
    const given = runOptionsFromFlags(values, config.dim);
    if (given.cropCentre && given.cropCentre !== "site" && !given.crop) throw new UsageError(`--crop-centre ${given.cropCentre} needs --crop`);
    if (given.balancedShare !== undefined && given.cropCentre !== "balanced") throw new UsageError("--balanced-share needs --crop-centre balanced");
    if (!values.teacher && (values["teacher-weight"] !== undefined || values["teacher-augment"] !== undefined)) {
      throw new UsageError("--teacher-weight and --teacher-augment need --teacher");
    }
    if (values.teacher) {
      const { augment, weight } = teacherFlags(values);
      teacher = await loadTeacher(values.teacher as string, augment, weight, config, threads);
    }
    const options = newRunOptions({ ...given, ...(teacher ? { teacher: teacher.spec } : {}) });
    trainer = new Trainer(k, config, options, init ? init.weights : initialTrainingWeights(config, options.seed), pool?.parallel);
  }
  trainer.teacherScores = teacher?.scores;
  const total = trainer.options.iterations;
  const every = integerOpt("checkpoint-every", values["checkpoint-every"], 200, 1);
  const deadline = values["time-limit"] ? Date.now() + positiveNumberOpt("time-limit", values["time-limit"], 0) * 60_000 : Infinity;
  let stop = false;
  const onSignal = () => { stop = true; };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const saveCheckpoint = () => {
    if (!ckDir) return;
    mkdirSync(ckDir, { recursive: true });
    const base = join(ckDir, `checkpoint-${String(trainer.iteration).padStart(7, "0")}`);
    atomicWrite(`${base}.safetensors`, trainer.checkpoint());
    atomicWrite(`${base}.json`, JSON.stringify({ iteration: trainer.iteration, config: trainer.config, options: trainer.options, last: trainer.history.at(-1) }, null, 1));
  };
  const bar = progress(total, "train", "loss {loss} acc {acc} {ms} ms/it", 25);
  const recent: number[] = [];
  const fetched = new PrefetchedSource(data, spec);
  try {
    while (trainer.iteration < total && !stop && Date.now() < deadline) {
      // Let the event loop run between iterations: signal handlers (SIGTERM, Ctrl-C) are delivered there.
      await new Promise((resolve) => setImmediate(resolve));
      if (stop) break;
      // This iteration's events were made on the prefetch worker during the previous step; the
      // next iteration's are made there during this one.
      const waitFrom = performance.now();
      await fetched.settled(trainer.batchIndices(data, trainer.iteration));
      const waited = performance.now() - waitFrom;
      if (trainer.iteration + 1 < total) fetched.request(trainer.batchIndices(data, trainer.iteration + 1));
      const r = trainer.step(fetched, waited);
      recent.push(r.ms);
      if (recent.length > 50) recent.shift();
      const h = trainer.history.slice(-20).filter((x) => x.sites > 0);
      bar.update(trainer.iteration, {
        loss: (h.reduce((a, b) => a + b.loss, 0) / h.length).toFixed(4), acc: (h.reduce((a, b) => a + b.accuracy, 0) / h.length).toFixed(4),
        ms: median(recent).toFixed(0),
      });
      if (trainer.iteration % every === 0) saveCheckpoint();
    }
  } finally {
    bar.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await fetched.close();
  }
  saveCheckpoint();
  atomicWrite(out, writeModelFile(writtenConfig(trainer), trainer.params, {
    trainedBy: "sparsessnet train", data: data.describe, iterations: String(trainer.iteration), options: JSON.stringify(trainer.options),
  }));
  if (values.curve) await writeCurve(values.curve as string, trainer);
  const ms = trainer.history.map((h) => h.ms);
  console.log(`trained ${trainer.iteration}/${total} iterations on ${data.describe}; median ${median(ms).toFixed(0)} ms per iteration; wrote ${out}`);
  data.close();
  await teacher?.close();
  await pool?.close();
  return trainer.iteration < total && !stop && Date.now() >= deadline ? 0 : stop ? 130 : 0;
}

/** The run's model config; a run trained through a mix writes a model that mixes alike (its
 *  constants at 0, in place of any the init model had). */
function writtenConfig(trainer: Trainer): ModelConfig {
  const mix = trainer.options.lossSmoothing;
  if (!mix) return trainer.config;
  return { ...trainer.config, smoothing: unfittedSmoothing(mix, trainer.config.classes) };
}

function atomicWrite(path: string, data: Uint8Array | string): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

function newestCheckpoint(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => /^checkpoint-\d+\.safetensors$/.test(f)).sort();
  return files.length ? join(dir, files[files.length - 1]) : undefined;
}

async function writeCurve(path: string, trainer: Trainer): Promise<void> {
  const points = trainer.history.filter((h) => h.sites > 0).map((h) => ({ iteration: h.iteration, loss: h.loss, accuracy: h.accuracy, ms: h.ms }));
  if (path.endsWith(".png")) {
    const { writeTrainingCurvePng } = await import("../node/training-curve.js");
    writeTrainingCurvePng(path, points);
    atomicWrite(path.replace(/\.png$/, ".json"), JSON.stringify(points));
  } else {
    atomicWrite(path, JSON.stringify(points));
  }
}
