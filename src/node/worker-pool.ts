// Events in parallel: a pool of worker threads (piscina), each with its own wasm instance, for
// throughput on several cores. Every worker runs the same deterministic kernels, so an event gives
// the same bits whichever worker takes it.

import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { KernelMode } from "../backend/wasm/module.js";
import type { SegmentationResult } from "../engine.js";
import type { SparseTensor } from "../tensor/sparse-tensor.js";
import { validateSparseTensor } from "../tensor/sparse-tensor.js";
import type { Augmentation } from "../mirror-average.js";
import type { FileTask, FileTaskResult, PoolWorkerData } from "./pool-worker.js";

export interface PoolOptions {
  /** A model file (safetensors, SparseConvNet names); `config` overrides its embedded config. */
  modelBytes: Uint8Array;
  config?: unknown;
  /** Worker threads; default: the available cores. */
  workers?: number;
  mode?: KernelMode;
  /** "mirror": each event's result is the mean over its mirror images (src/mirror-average.ts). */
  augment?: Augmentation;
}

export class SegmentationPool {
  private constructor(private readonly piscina: Piscina) {}

  static async create(options: PoolOptions): Promise<SegmentationPool> {
    const workers = options.workers ?? availableParallelism();
    const workerData: PoolWorkerData = { modelBytes: options.modelBytes, config: options.config, mode: options.mode ?? "deterministic", augment: options.augment ?? "none" };
    const piscina = new Piscina({
      filename: fileURLToPath(new URL("./pool-worker.js", import.meta.url)),
      minThreads: workers, maxThreads: workers, idleTimeout: Infinity, workerData,
      // One event at a time per worker: a second queued task would only wait for the first.
      concurrentTasksPerWorker: 1,
    });
    return new SegmentationPool(piscina);
  }

  get workers(): number { return this.piscina.threads.length; }

  /** Segments one event on the next free worker. Input is validated here first so that a bad
   *  event is rejected with its InvalidInputError before it is sent anywhere. */
  run(tensor: SparseTensor): Promise<SegmentationResult> {
    validateSparseTensor(tensor);
    return this.piscina.run(tensor);
  }

  /** Segments event `index` of an event file, read in the worker (the file is opened once per
   *  worker); only labels and scores come back. */
  runFromFile(file: string, index: number): Promise<FileTaskResult> {
    return this.piscina.run({ file, index } satisfies FileTask);
  }

  async close(): Promise<void> { await this.piscina.destroy(); }
}
