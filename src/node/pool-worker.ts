// One worker of the SegmentationPool: its own wasm instance and arena, the model loaded once.
import { workerData } from "node:worker_threads";
import { Engine, type Model, type SegmentationResult } from "../engine.js";
import type { KernelMode } from "../backend/wasm/module.js";
import type { SparseTensor } from "../tensor/sparse-tensor.js";
import { readModelFile } from "../weights/model-file.js";

export interface PoolWorkerData { modelBytes: Uint8Array; config?: unknown; mode: KernelMode }

let ready: Promise<{ engine: Engine; model: Model }> | undefined;

function init(): Promise<{ engine: Engine; model: Model }> {
  ready ??= (async () => {
    const d = workerData as PoolWorkerData;
    const engine = await Engine.create({ mode: d.mode });
    const mf = readModelFile(d.modelBytes, d.config);
    return { engine, model: engine.loadModel(mf.config, mf.weights) };
  })();
  return ready;
}

/** Runs one event. The result is copied back (structured clone): its arrays are small next to
 *  the inference itself. */
export default async function segmentInWorker(tensor: SparseTensor): Promise<SegmentationResult> {
  const { engine, model } = await init();
  return engine.run(model, tensor);
}
