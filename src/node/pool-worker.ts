// One worker of the SegmentationPool: its own wasm instance and arena, the model loaded once.
import { workerData } from "node:worker_threads";
import { Engine, type Model, type SegmentationResult } from "../engine.js";
import type { KernelMode } from "../backend/wasm/module.js";
import { validateSparseTensor, type SparseTensor } from "../tensor/sparse-tensor.js";
import { openEventFile, type EventFileReader } from "./open-events.js";
import { segmentAugmented, type Augmentation } from "../mirror-average.js";

export interface PoolWorkerData { modelBytes: Uint8Array; config?: unknown; mode: KernelMode; augment: Augmentation }

let ready: Promise<{ engine: Engine; model: Model }> | undefined;

function loadFromWorkerData(engine: Engine): Model {
  const d = workerData as PoolWorkerData;
  return engine.loadModelBytes(d.modelBytes, d.config);
}

function init(): Promise<{ engine: Engine; model: Model }> {
  ready ??= (async () => {
    const engine = await Engine.create({ mode: (workerData as PoolWorkerData).mode });
    return { engine, model: loadFromWorkerData(engine) };
  })();
  return ready;
}

/** After a kernel failure that wrote over the weights (EngineFault), the model is loaded again
 *  from the bytes this worker was given, so the next events of a batch still run. */
function reloadIfDamaged(state: { engine: Engine; model: Model }): void {
  if (!state.engine.isDamaged(state.model)) return;
  state.engine.unloadModel(state.model);
  state.model = loadFromWorkerData(state.engine);
}

/** Event i of a file, read by the worker itself (so that the main thread only hands out indices). */
export interface FileTask { file: string; index: number }
/** A result, or the event's error as "Name: message" (error classes do not survive the thread hop). */
export type FileTaskResult = { labels: Uint8Array; scores: Float32Array; nRows: number; ms: number; error?: undefined } | { error: string };

let reader: { file: string; r: EventFileReader } | undefined;

/** Runs one event (a tensor, or event `index` of `file`). Results are copied back (structured
 *  clone): their arrays are small next to the inference itself. */
export default async function segmentInWorker(task: SparseTensor | FileTask): Promise<SegmentationResult | FileTaskResult> {
  const state = await init();
  try {
    const augment = (workerData as PoolWorkerData).augment;
    const run = (t: SparseTensor) => segmentAugmented((x) => state.engine.run(state.model, x), t, augment);
    if (!("file" in task)) return run(task);
    if (reader?.file !== task.file) {
      reader?.r.close();
      reader = { file: task.file, r: openEventFile(task.file) };
    }
    try {
      const ev = reader.r.read(task.index);
      validateSparseTensor(ev.tensor);
      const res = run(ev.tensor);
      return { labels: res.labels, scores: res.scores, nRows: res.nRows, ms: res.timings.totalMs };
    } catch (e) {
      return { error: `${(e as Error).name}: ${(e as Error).message}` };
    }
  } finally {
    reloadIfDamaged(state);
  }
}
