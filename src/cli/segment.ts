import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { KERNEL_LEARNING_EVENTS } from "../backend/wasm/kernel-timings.js";
import { readEventFile } from "../node/event-file.js";
import { loadModelInto, modelPath } from "../node/model-io.js";
import { resolveShard, segmentFile } from "../node/batch-segment.js";
import { prepareSparse } from "../tensor/prepare.js";
import { median } from "../util/stats.js";
import { readModelFile } from "../weights/model-file.js";
import { serializeSafetensors } from "../weights/safetensors.js";
import { integerOpt, numberList, parse, requireOpt, UsageError } from "./args.js";
import { segmentAugmented, type Augmentation } from "../mirror-average.js";
import { AUGMENT_HELP, augmentFromFlag, engineFromFlags } from "./engine-flags.js";

const HELP = `usage: sparsessnet segment --model M --event E --out O.safetensors [options]      (one event)
       sparsessnet segment --model M --input F --out O.h5 [--workers N] [--shard i/n] [--resume]
                           [--scores f16|f32] [--report R.json|R.csv]                  (a file of events)

Files of events (HDF5 PILArNet-M or sparsessnet layout, npz): streamed, spread over a pool of
--workers (default: the cores available), written as complete parts then merged into O.h5 (per
event: labels, scores, event index, sites, time). An interrupted run (SIGINT/SIGTERM, a kill)
keeps its finished parts; --resume continues. A bad event is recorded with its error, the run goes
on and exits 1 with a summary. --shard i/n (or Slurm's SLURM_ARRAY_TASK_ID/COUNT) takes every n-th
event from i; \`sparsessnet merge\` joins shard outputs.

One event (--event): writes, per input row, logits [N, classes] and scores [N, classes] (F32),
labels [N] (U8: 0 HIP, 1 MIP, 2 shower, 3 delta, 4 Michel) and track_shower [N] (U8: 0 track,
1 shower), as safetensors, and prints the per-event time.
  --model M          default-2d | default-3d | a model file (safetensors, SparseConvNet names);
                     --weights W is the same
  --config C         model config JSON (or a conformance manifest.json); default: embedded in the model
  --event E          event safetensors (coords, features[, batch]) or a folder with event.safetensors
  --out O            output safetensors file
  --spatial-size S   e.g. 1008,3456 (default: from the event's metadata or manifest.json)
  --threshold A,B    keep only rows with A <= value <= B (SparseSSNet uses 10,300 on ADC images)
  --runs N           time N runs after a warm-up of ${KERNEL_LEARNING_EVENTS} (the engine learns which convolution kernel is
                     faster here on those) and report the median (default 1, no warm-up)
  --fast             relaxed-SIMD fused multiply-add kernels: faster, NOT bit-identical to the default
                     deterministic mode (nor across machines)
  --threads N        spread each convolution over N threads (same bits as 1 thread; default 1)
${AUGMENT_HELP}`;

export async function segment(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    weights: { type: "string" }, model: { type: "string" }, input: { type: "string" }, workers: { type: "string" }, shard: { type: "string" },
    resume: { type: "boolean" }, scores: { type: "string" }, report: { type: "string" }, chunk: { type: "string" },
    config: { type: "string" }, event: { type: "string" }, out: { type: "string" },
    "spatial-size": { type: "string" }, threshold: { type: "string" }, runs: { type: "string" }, fast: { type: "boolean" }, threads: { type: "string" }, augment: { type: "string" },
  });
  if (values.help) { console.log(HELP); return 0; }
  const runs = integerOpt("runs", values.runs, 1, 1);
  const augment = augmentFromFlag(values.augment);
  const modelName = (values.model ?? values.weights) as string | undefined;
  if (values.input !== undefined) return segmentMany(values, requireOpt("model", modelName), augment);
  const ev = readEventFile(requireOpt("event", values.event), numberList("spatial-size", values["spatial-size"], [2, 3]));
  const out = requireOpt("out", values.out);
  const th = numberList("threshold", values.threshold, [2]);
  const { tensor, keptRows } = th ? prepareSparse(ev.tensor, { window: { min: th[0], max: th[1] } }) : { tensor: ev.tensor, keptRows: undefined };

  const { engine, close } = await engineFromFlags(values);
  const model = loadModelInto(engine, requireOpt("model", modelName), values.config);
  const times: number[] = [];
  const run = () => segmentAugmented((t) => engine.run(model, t), tensor, augment);
  let res = run();
  times.push(res.timings.totalMs);
  if (runs > 1) {
    // Warm-up: the first run, and the engine's kernel trials (kernel-timings.ts), which run some
    // convolutions twice and would be timed otherwise.
    for (let i = 1; i < KERNEL_LEARNING_EVENTS; i++) run();
    times.length = 0;
    for (let i = 0; i < runs; i++) { res = run(); times.push(res.timings.totalMs); }
  }
  const N = res.nRows, C = res.classes;
  const tensors: Record<string, { dtype: "F32" | "U8" | "I32"; shape: number[]; data: Float32Array | Uint8Array | Int32Array }> = {
    logits: { dtype: "F32", shape: [N, C], data: res.logits },
    scores: { dtype: "F32", shape: [N, C], data: res.scores },
    labels: { dtype: "U8", shape: [N], data: res.labels },
    track_shower: { dtype: "U8", shape: [N], data: res.trackShower },
  };
  if (keptRows) tensors.input_rows = { dtype: "I32", shape: [N], data: keptRows };
  // What the scores and labels are: the softmax and its argmax, or the scores mixed over neighbours.
  const mix = model.config.smoothing;
  const decision = mix ? `mixed over neighbours (radius ${mix.radius}, share ${mix.share}, constants ${mix.constants.join(",")}); logits are the network's` : "the softmax of the logits";
  writeFileSync(out, serializeSafetensors(tensors, { decision }));
  const counts = [0, 0, 0, 0, 0];
  res.labels.forEach((l) => counts[l]++);
  console.log(`event ${ev.path}: ${N} rows, ${res.nSites} sites, levels [${res.levelSizes.join(", ")}]`);
  console.log(`labels: HIP ${counts[0]}, MIP ${counts[1]}, shower ${counts[2]}, delta ${counts[3]}, Michel ${counts[4]} (scores: ${decision})`);
  console.log(`per-event time: ${median(times).toFixed(2)} ms, ${engine.mode} kernels, ${engine.threads} thread(s)${augment === "mirror" ? `, mean over ${2 ** tensor.dim} mirror images` : ""}${runs > 1 ? ` (median of ${runs} runs after ${KERNEL_LEARNING_EVENTS} warm-up runs)` : " (single cold run; use --runs for a median)"}`);
  console.log(`wrote ${out}`);
  await close();
  return 0;
}

async function segmentMany(values: Record<string, unknown>, model: string, augment: Augmentation): Promise<number> {
  const out = requireOpt("out", values.out as string | undefined);
  const workers = integerOpt("workers", values.workers, availableParallelism(), 1);
  const scores = (values.scores ?? "f32") as "f16" | "f32";
  if (scores !== "f16" && scores !== "f32") throw new UsageError(`--scores ${values.scores}: f16 or f32`);
  const chunk = integerOpt("chunk", values.chunk, 64, 1);
  // Read once: validated here before any work starts, then handed to the workers.
  const path = modelPath(model);
  const modelBytes = new Uint8Array(readFileSync(path));
  readModelFile(modelBytes, undefined, path);
  const signal = { stop: false };
  const stop = () => { signal.stop = true; };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const s = await segmentFile({
      input: values.input as string, out, modelBytes, workers,
      shard: resolveShard(values.shard as string | undefined), resume: Boolean(values.resume), scores, chunk,
      report: values.report as string | undefined, fast: Boolean(values.fast), augment,
    }, signal);
    console.log(`${s.input} shard ${s.shard}: ${s.done} events segmented, ${s.skipped} already done, ${s.failed.length} failed, ` +
      `${s.eventsPerSecond.toFixed(2)} events/s with ${s.workers} worker(s), ${s.sites} sites`);
    for (const f of s.failed.slice(0, 20)) console.error(`  event ${f.event}: ${f.error}`);
    if (s.interrupted) { console.error(`interrupted: finished parts kept in ${out}.parts; run again with --resume`); return 130; }
    if (s.failed.length) { console.error(`${s.failed.length} event(s) failed (listed above${s.perEvent ? " and in the report" : ""}); ${out} holds the others`); return 1; }
    console.log(`wrote ${out}`);
    return 0;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
