// Intra-event threads (Node): one engine whose convolutions are split over several threads that
// share its wasm memory. Each convolution's output tiles are cut into contiguous ranges holding
// about the same number of rulebook pairs; a tile belongs to exactly one thread and is computed in
// the usual order, so the results are bit-identical to one thread.
//
// Protocol, over an int32 control block in the shared memory: the engine's thread writes the
// kernel arguments and each helper's tile range, bumps SEQ and notifies; helper i runs its range,
// stores SEQ into DONE+i and notifies; the engine's thread runs the first range, then waits for
// every DONE. SEQ = -1 stops the helpers.

import { Worker } from "node:worker_threads";
import { compileThreadKernels, instantiateThreadKernels, type KernelExports } from "../backend/wasm/module.js";
import { Engine, type ConvArgs, type ParallelConv } from "../engine.js";

export const CTRL = { SEQ: 0, DONE: 1, ARGS: 16, RANGES: 40, WORDS: 64 } as const;
const MAX_HELPERS = 8;

export interface ThreadInit { module: WebAssembly.Module; memory: WebAssembly.Memory; ctrl: number; index: number }

export interface ThreadedEngine { engine: Engine; close(): Promise<void> }

/** An engine using `threads` threads (this one and threads - 1 helpers) for its convolutions. */
export async function createThreadedEngine(threads: number): Promise<ThreadedEngine> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_HELPERS + 1) throw new RangeError(`threads must be 1..${MAX_HELPERS + 1}`);
  const module = await compileThreadKernels();
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  const k = await instantiateThreadKernels(module, memory);
  // The control block: the first persistent allocation of the engine's arena would be fine too,
  // but keeping it out of the arena's bookkeeping keeps the arena single-threaded.
  const ctrl = k.heapBase();
  const workers: Worker[] = [];
  for (let i = 0; i < threads - 1; i++) {
    const w = new Worker(new URL("./conv-thread.js", import.meta.url), { workerData: { module, memory, ctrl, index: i } satisfies ThreadInit });
    await new Promise<void>((resolve, reject) => { w.once("message", () => resolve()); w.once("error", reject); });
    w.unref();
    workers.push(w);
  }
  const parallel = new TileSplitter(k, ctrl, threads);
  const kShifted = { ...k, heapBase: () => ctrl + CTRL.WORDS * 4 } as KernelExports;
  const engine = Engine.withKernels(kShifted, threads > 1 ? parallel : undefined);
  return {
    engine,
    async close() {
      const I = new Int32Array(memory.buffer, ctrl, CTRL.WORDS);
      Atomics.store(I, CTRL.SEQ, -1);
      Atomics.notify(I, CTRL.SEQ);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

class TileSplitter implements ParallelConv {
  private seq = 0;
  constructor(private k: KernelExports, private ctrl: number, readonly threads: number) {}

  conv(args: ConvArgs, K: number): void {
    const mem = this.k.memory.buffer;
    const I = new Int32Array(mem, this.ctrl, CTRL.WORDS);
    const F = new Float32Array(mem, this.ctrl, CTRL.WORDS);
    const [starts, nTiles] = [args[9], args[11]];
    const bounds = this.split(new Int32Array(mem, starts, K * (nTiles + 1)), K, nTiles);
    for (let a = 0; a < args.length; a++) I[CTRL.ARGS + a] = args[a];
    F[CTRL.ARGS + 20] = args[20];
    for (let h = 0; h < this.threads - 1; h++) {
      I[CTRL.RANGES + 2 * h] = bounds[h + 1];
      I[CTRL.RANGES + 2 * h + 1] = bounds[h + 2];
    }
    const seq = ++this.seq;
    Atomics.store(I, CTRL.SEQ, seq);
    Atomics.notify(I, CTRL.SEQ);
    const own = [...args] as ConvArgs;
    own[12] = bounds[0];
    own[13] = bounds[1];
    this.k.convRules(...own);
    for (let h = 0; h < this.threads - 1; h++) {
      let d;
      while ((d = Atomics.load(I, CTRL.DONE + h)) !== seq) Atomics.wait(I, CTRL.DONE + h, d);
    }
  }

  /** Tile boundaries giving each thread about the same number of pairs. */
  private split(ts: Int32Array, K: number, nTiles: number): number[] {
    const work = new Float64Array(nTiles + 1);
    for (let k = 0; k < K; k++) {
      const row = k * (nTiles + 1);
      for (let t = 0; t < nTiles; t++) work[t + 1] += ts[row + t + 1] - ts[row + t];
    }
    for (let t = 0; t < nTiles; t++) work[t + 1] += work[t] + 1; // +1: each tile has fixed costs too
    const bounds = [0];
    for (let h = 1; h < this.threads; h++) {
      const goal = (work[nTiles] * h) / this.threads;
      let t = bounds[h - 1];
      while (t < nTiles && work[t] < goal) t++;
      bounds.push(t);
    }
    bounds.push(nTiles);
    return bounds;
  }
}
