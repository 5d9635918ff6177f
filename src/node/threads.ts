// Intra-event threads (Node): one engine whose convolutions are split over several threads that
// share its wasm memory. Each convolution's output tiles are cut into contiguous ranges holding
// about the same number of rulebook pairs; a tile belongs to exactly one thread and is computed in
// the usual order, so the results are bit-identical to one thread.
//
// Protocol, over an int32 control block in the shared memory: the engine's thread writes the
// kernel (KIND), its arguments and each helper's range, bumps SEQ and notifies; helper i runs its
// range, stores SEQ into DONE+i and notifies; the engine's thread runs the first range, then waits
// for every DONE. SEQ = -1 stops the helpers. Ranges: output tiles of a convolution (KIND_CONV),
// or kernel offsets of a weight gradient (KIND_WEIGHT_GRAD: each offset's dW block is its own, and
// within it the pairs keep their order, so the bits are those of one thread).

import { Worker } from "node:worker_threads";
import { compileThreadKernels, instantiateThreadKernels, type KernelExports } from "../backend/wasm/module.js";
import type { ConvArgs, ParallelConv, WeightGradArgs } from "../backend/wasm/parallel-conv.js";
import { Engine } from "../engine.js";

export const CTRL = { SEQ: 0, DONE: 1, KIND: 15, ARGS: 16, RANGES: 40, WORDS: 64 } as const;
export const KIND_CONV = 0;
export const KIND_WEIGHT_GRAD = 1;
/** Argument positions that are f32, per kind (convRules' leak). */
const FLOAT_ARGS: Record<number, number[]> = { [KIND_CONV]: [20], [KIND_WEIGHT_GRAD]: [] };
const MAX_HELPERS = 8;

export interface ThreadInit { module: WebAssembly.Module; memory: WebAssembly.Memory; ctrl: number; index: number }

export interface ThreadedEngine { engine: Engine; close(): Promise<void> }

/** Shared-memory kernels and `threads - 1` helper threads on that memory: `k` allocates above
 *  the control block; `parallel` (absent for one thread) spreads convolutions and weight gradients. */
export interface ConvThreads { k: KernelExports; parallel?: TileSplitter; close(): Promise<void> }

/** An engine using `threads` threads (this one and threads - 1 helpers) for its convolutions. */
export async function createThreadedEngine(threads: number): Promise<ThreadedEngine> {
  const t = await createConvThreads(threads);
  return { engine: Engine.withKernels(t.k, t.parallel), close: t.close };
}

export async function createConvThreads(threads: number): Promise<ConvThreads> {
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
  return {
    k: kShifted,
    parallel: threads > 1 ? parallel : undefined,
    async close() {
      const I = new Int32Array(memory.buffer, ctrl, CTRL.WORDS);
      Atomics.store(I, CTRL.SEQ, -1);
      Atomics.notify(I, CTRL.SEQ);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

export class TileSplitter implements ParallelConv {
  private seq = 0;
  constructor(private k: KernelExports, private ctrl: number, readonly threads: number) {}

  conv(args: ConvArgs, K: number): void {
    const mem = this.k.memory.buffer;
    const [starts, nTiles] = [args[9], args[11]];
    const bounds = this.split(new Int32Array(mem, starts, K * (nTiles + 1)), K, nTiles);
    this.dispatch(KIND_CONV, args, bounds, () => {
      const own = [...args] as ConvArgs;
      own[12] = bounds[0];
      own[13] = bounds[1];
      this.k.convRules(...own);
    });
  }

  /** convWeightGrad with the kernel offsets split over the threads by pair count. */
  weightGrad(args: WeightGradArgs): void {
    const [K, ruleStart] = [args[6], args[7]];
    const rs = new Int32Array(this.k.memory.buffer, ruleStart, K + 1);
    const bounds = [0];
    for (let h = 1; h < this.threads; h++) {
      const goal = rs[0] + ((rs[K] - rs[0]) * h) / this.threads;
      let k = bounds[h - 1];
      while (k < K && rs[k] < goal) k++;
      bounds.push(k);
    }
    bounds.push(K);
    this.dispatch(KIND_WEIGHT_GRAD, args, bounds, () => this.k.convWeightGrad(...weightGradRange(args, bounds[0], bounds[1])));
  }

  /** Writes the kernel, its arguments (FLOAT_ARGS of the kind as f32, the others as i32) and the
   *  helpers' ranges, wakes the helpers, runs `own` (the first range) and waits for them. */
  private dispatch(kind: number, args: readonly number[], bounds: number[], own: () => void): void {
    const I = new Int32Array(this.k.memory.buffer, this.ctrl, CTRL.WORDS);
    const F = new Float32Array(this.k.memory.buffer, this.ctrl, CTRL.WORDS);
    I[CTRL.KIND] = kind;
    for (let a = 0; a < args.length; a++) {
      if (FLOAT_ARGS[kind].includes(a)) F[CTRL.ARGS + a] = args[a];
      else I[CTRL.ARGS + a] = args[a];
    }
    for (let h = 0; h < this.threads - 1; h++) {
      I[CTRL.RANGES + 2 * h] = bounds[h + 1];
      I[CTRL.RANGES + 2 * h + 1] = bounds[h + 2];
    }
    const seq = ++this.seq;
    Atomics.store(I, CTRL.SEQ, seq);
    Atomics.notify(I, CTRL.SEQ);
    own();
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

/** convWeightGrad's arguments for the offsets [k0, k1) only: their rule starts and dW blocks. */
export function weightGradRange(args: WeightGradArgs, k0: number, k1: number): WeightGradArgs {
  const out = [...args] as WeightGradArgs;
  const [cin, coutPad] = [args[4], args[5]];
  out[6] = k1 - k0;
  out[7] = args[7] + k0 * 4;
  out[10] = args[10] + k0 * cin * coutPad * 4;
  return out;
}
