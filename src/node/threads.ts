// Intra-event threads (Node): one engine whose heavier kernels are split over several threads that
// share its wasm memory. How each kernel is split so that the bits are those of one thread is in
// src/backend/wasm/parallel-kernels.ts; this file only carries the parts to the threads.
//
// Protocol, over a control block in the shared memory: the engine's thread writes, for each helper
// h, the kernel to run (KERNEL + h: an index into SPLIT_KERNELS, or -1 for none) and its arguments
// (as f64, exact for every i32 and f32), bumps SEQ and notifies; helper h runs its part, stores SEQ
// into DONE + h and notifies; the engine's thread runs the first part, then waits for every DONE.
// SEQ = -1 stops the helpers. A round may also carry a SharedRun (SHARED below): every thread,
// once done with its own part, takes its ranges one at a time from a shared counter. A round
// started by `submit` returns to the engine's thread without waiting for the helpers (but for
// the shared ranges); the next round waits for them first (`join`). A waiting thread spins for a while before it sleeps: in a VM, waking
// a sleeping thread costs a good part of a millisecond, more than many kernels take.

import { Worker } from "node:worker_threads";
import { compileThreadKernels, instantiateThreadKernels, type KernelExports } from "../backend/wasm/module.js";
import { MAX_SHARED_RANGES, SPLIT_KERNELS, type ParallelKernels, type SharedRun, type SplitKernel } from "../backend/wasm/parallel-kernels.js";
import { Engine } from "../engine.js";

const MAX_HELPERS = 8;
/** Int32 words SEQ, DONE + h, KERNEL + h; then ARGS f64 arguments per helper from byte ARGS_AT. */
export const CTRL = { SEQ: 0, DONE: 1, KERNEL: 1 + MAX_HELPERS, ARGS_AT: 128, ARGS: 32, BYTES: 128 + MAX_HELPERS * 32 * 8 } as const;
/** The round's SharedRun: Int32 words KERNEL (-1: none), N ranges, NEXT range to take, ranges DONE,
 *  RANGE_AT; its arguments (f64) and N + 1 bounds (i32) after the helpers' arguments. */
export const SHARED = {
  KERNEL: 1 + 2 * MAX_HELPERS, N: 2 + 2 * MAX_HELPERS, NEXT: 3 + 2 * MAX_HELPERS, DONE: 4 + 2 * MAX_HELPERS, RANGE_AT: 5 + 2 * MAX_HELPERS,
  ARGS_AT: CTRL.BYTES, BOUNDS_AT: CTRL.BYTES + CTRL.ARGS * 8, BYTES: CTRL.BYTES + CTRL.ARGS * 8 + (MAX_SHARED_RANGES + 1) * 4,
} as const;
const CTRL_BYTES = (SHARED.BYTES + 63) & ~63;
/** How long a waiting thread spins before it sleeps. */
const SPIN_MS = 2;
/** Below this many values a kernel runs on one thread (see ParallelKernels.minSplitValues). */
const MIN_SPLIT_VALUES = 16384;

export interface ThreadInit { module: WebAssembly.Module; memory: WebAssembly.Memory; ctrl: number; index: number }

export interface ThreadedEngine { engine: Engine; close(): Promise<void> }

/** Shared-memory kernels and `threads - 1` helper threads on that memory: `k` allocates above
 *  the control block; `parallel` (absent for one thread) runs split kernels on all the threads. */
export interface ConvThreads { k: KernelExports; parallel?: ParallelKernels; close(): Promise<void> }

export interface ThreadOptions {
  /** Split kernels touching at least this many values (default 16384; tests use 0 to split all). */
  minSplitValues?: number;
}

/** An engine using `threads` threads (this one and threads - 1 helpers) for its heavier kernels. */
export async function createThreadedEngine(threads: number, options: ThreadOptions = {}): Promise<ThreadedEngine> {
  const t = await createConvThreads(threads, options);
  return { engine: Engine.withKernels(t.k, t.parallel), close: t.close };
}

export async function createConvThreads(threads: number, options: ThreadOptions = {}): Promise<ConvThreads> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_HELPERS + 1) throw new RangeError(`threads must be 1..${MAX_HELPERS + 1}`);
  const module = await compileThreadKernels();
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  const k = await instantiateThreadKernels(module, memory);
  // The control block: the first persistent allocation of the engine's arena would be fine too,
  // but keeping it out of the arena's bookkeeping keeps the arena single-threaded.
  const ctrl = (k.heapBase() + 7) & ~7;
  const workers: Worker[] = [];
  for (let i = 0; i < threads - 1; i++) {
    const w = new Worker(new URL("./conv-thread.js", import.meta.url), { workerData: { module, memory, ctrl, index: i } satisfies ThreadInit });
    await new Promise<void>((resolve, reject) => { w.once("message", () => resolve()); w.once("error", reject); });
    w.unref();
    workers.push(w);
  }
  const kShifted = { ...k, heapBase: () => ctrl + CTRL_BYTES } as KernelExports;
  return {
    k: kShifted,
    parallel: threads > 1 ? new ThreadKernels(k, ctrl, threads, options.minSplitValues ?? MIN_SPLIT_VALUES) : undefined,
    async close() {
      const I = new Int32Array(memory.buffer, ctrl, CTRL.ARGS_AT / 4);
      Atomics.store(I, CTRL.SEQ, -1);
      Atomics.notify(I, CTRL.SEQ);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

class ThreadKernels implements ParallelKernels {
  private seq = 0;
  /** The SEQ of a submitted kernel not joined yet (0: none). */
  private pending = 0;
  constructor(private k: KernelExports, private ctrl: number, readonly threads: number, readonly minSplitValues: number) {}

  run(kernel: SplitKernel, parts: number[][]): void {
    if (parts.length > this.threads) throw new RangeError(`${parts.length} parts for ${this.threads} threads`);
    this.join();
    const seq = this.start(kernel, parts.slice(1));
    (this.k[kernel] as (...a: number[]) => void)(...parts[0]);
    this.await(seq);
  }

  submit(kernel: SplitKernel, args: number[], shared?: SharedRun): void {
    this.join();
    this.pending = this.start(kernel, [args], shared);
    if (!shared) return;
    takeSharedRanges(this.k, this.ctrl);
    const I = new Int32Array(this.k.memory.buffer, this.ctrl, CTRL.ARGS_AT / 4);
    const n = shared.bounds.length - 1;
    let d;
    while ((d = Atomics.load(I, SHARED.DONE)) !== n) awaitChange(I, SHARED.DONE, d);
  }

  join(): void {
    if (!this.pending) return;
    this.await(this.pending);
    this.pending = 0;
  }

  /** Hands parts[h] to helper h (none to the others) and wakes them; returns the round's SEQ. */
  private start(kernel: SplitKernel, parts: number[][], shared?: SharedRun): number {
    const buf = this.k.memory.buffer;
    const I = new Int32Array(buf, this.ctrl, CTRL.ARGS_AT / 4);
    const id = SPLIT_KERNELS.indexOf(kernel);
    for (let h = 0; h < this.threads - 1; h++) {
      const part = parts[h];
      I[CTRL.KERNEL + h] = part ? id : -1;
      if (part) new Float64Array(buf, this.ctrl + CTRL.ARGS_AT + h * CTRL.ARGS * 8, part.length).set(part);
    }
    I[SHARED.KERNEL] = -1;
    if (shared) {
      const n = shared.bounds.length - 1;
      if (n < 1 || n > MAX_SHARED_RANGES) throw new RangeError(`${n} ranges for a shared run (1..${MAX_SHARED_RANGES})`);
      new Float64Array(buf, this.ctrl + SHARED.ARGS_AT, shared.args.length).set(shared.args);
      new Int32Array(buf, this.ctrl + SHARED.BOUNDS_AT, n + 1).set(shared.bounds);
      I[SHARED.N] = n;
      I[SHARED.RANGE_AT] = shared.rangeAt;
      I[SHARED.NEXT] = 0;
      I[SHARED.DONE] = 0;
      I[SHARED.KERNEL] = SPLIT_KERNELS.indexOf(shared.kernel);
    }
    const seq = ++this.seq;
    Atomics.store(I, CTRL.SEQ, seq);
    Atomics.notify(I, CTRL.SEQ);
    return seq;
  }

  /** Returns when every helper has finished round `seq`. */
  private await(seq: number): void {
    const I = new Int32Array(this.k.memory.buffer, this.ctrl, CTRL.ARGS_AT / 4);
    for (let h = 0; h < this.threads - 1; h++) {
      let d;
      while ((d = Atomics.load(I, CTRL.DONE + h)) !== seq) awaitChange(I, CTRL.DONE + h, d);
    }
  }
}

/** Takes the ranges of the round's SharedRun (if any) one at a time until none is left. Every
 *  thread of the round calls it; the ranges are done when SHARED.DONE reaches SHARED.N. */
export function takeSharedRanges(k: KernelExports, ctrl: number): void {
  const buf = k.memory.buffer;
  const I = new Int32Array(buf, ctrl, CTRL.ARGS_AT / 4);
  const id = I[SHARED.KERNEL];
  if (id < 0) return;
  const n = I[SHARED.N], at = I[SHARED.RANGE_AT];
  const args = Array.from(new Float64Array(buf, ctrl + SHARED.ARGS_AT, CTRL.ARGS));
  const bounds = new Int32Array(buf, ctrl + SHARED.BOUNDS_AT, n + 1);
  const kernel = k[SPLIT_KERNELS[id]] as (...a: number[]) => void;
  for (let r; (r = Atomics.add(I, SHARED.NEXT, 1)) < n;) {
    args[at] = bounds[r];
    args[at + 1] = bounds[r + 1];
    kernel(...args);
    Atomics.add(I, SHARED.DONE, 1);
    Atomics.notify(I, SHARED.DONE);
  }
}

/** Returns once I[at] may no longer be `value`: spins for up to SPIN_MS, then sleeps. */
export function awaitChange(I: Int32Array, at: number, value: number): void {
  const until = performance.now() + SPIN_MS;
  for (;;) {
    for (let s = 0; s < 256; s++) if (Atomics.load(I, at) !== value) return;
    if (performance.now() > until) break;
  }
  Atomics.wait(I, at, value);
}
