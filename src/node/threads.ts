// Intra-event threads (Node): one engine whose heavier kernels are split over several threads that
// share its wasm memory. How each kernel is split so that the bits are those of one thread is in
// src/backend/wasm/parallel-kernels.ts; this file only carries the parts to the threads.
//
// Protocol, over a control block in the shared memory: the engine's thread writes, for each helper
// h, the kernel to run (KERNEL + h: an index into SPLIT_KERNELS, or -1 for none) and its arguments
// (as f64, exact for every i32 and f32), bumps SEQ and notifies; helper h runs its part, stores SEQ
// into DONE + h and notifies; the engine's thread runs the first part, then waits for every DONE.
// SEQ = -1 stops the helpers.
//
// A queue of ranged runs (QUEUE below) sits beside the rounds: the engine's thread writes a run
// into one of JOBS slots, maps its ranges ("units", numbered from 0 over the engine's life) to the
// slot, advances TAIL and bumps SEQ. Every thread takes units one at a time (compare-and-swap on
// NEXT) and counts each done in its slot. A helper, once woken, runs its round's part, then takes
// units until none is left, then acknowledges the round. A waiting thread spins for a while
// before it sleeps: in a VM, waking a sleeping thread costs a good part of a millisecond, more
// than many kernels take.

import { Worker } from "node:worker_threads";
import { compileThreadKernels, instantiateThreadKernels, type KernelExports } from "../backend/wasm/module.js";
import { MAX_RANGES, SPLIT_KERNELS, type ParallelKernels, type RangedRun, type SplitKernel } from "../backend/wasm/parallel-kernels.js";
import { Engine } from "../engine.js";

const MAX_HELPERS = 8;
/** Int32 words SEQ, DONE + h, KERNEL + h; then ARGS f64 arguments per helper from byte ARGS_AT. */
export const CTRL = { SEQ: 0, DONE: 1, KERNEL: 1 + MAX_HELPERS, ARGS_AT: 128, ARGS: 32, BYTES: 128 + MAX_HELPERS * 32 * 8 } as const;
/** The queue: Int32 words TAIL (units queued) and NEXT (next unit to take) in the first block;
 *  from UNIT_JOB_AT, the slot of unit u at (u mod UNITS); from JOBS_AT, JOBS slots of JOB_BYTES:
 *  Int32 KERNEL, RANGE_AT, N ranges, FIRST unit, DONE ranges, then ARGS f64 from byte 32, then
 *  N + 1 Int32 bounds. */
const JOBS = 4;
/** Units queued and not done are at most JOBS runs of MAX_RANGES: UNITS slots of the unit map. */
const UNITS = JOBS * MAX_RANGES;
export const QUEUE = {
  TAIL: 1 + 2 * MAX_HELPERS, NEXT: 2 + 2 * MAX_HELPERS, JOBS, UNITS, UNIT_JOB_AT: CTRL.BYTES,
  JOBS_AT: CTRL.BYTES + UNITS * 4, JOB_BYTES: 32 + CTRL.ARGS * 8 + (((MAX_RANGES + 1) * 4 + 31) & ~31),
  KERNEL: 0, RANGE_AT: 1, N: 2, FIRST: 3, DONE: 4, ARGS_AT: 32, BOUNDS_AT: 32 + CTRL.ARGS * 8,
} as const;
const CTRL_BYTES = QUEUE.JOBS_AT + QUEUE.JOBS * QUEUE.JOB_BYTES;
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
  /** Runs queued so far (the next ticket), and units queued so far. */
  private jobs = 0;
  private units = 0;
  /** The runs not finished yet, by ticket: first unit and number of ranges. */
  private readonly tickets = new Map<number, { first: number; n: number }>();
  constructor(private k: KernelExports, private ctrl: number, readonly threads: number, readonly minSplitValues: number) {}

  run(kernel: SplitKernel, parts: number[][]): void {
    if (parts.length > this.threads) throw new RangeError(`${parts.length} parts for ${this.threads} threads`);
    this.drain();
    this.await(this.seq); // the helpers have read every earlier round before this one is written
    const seq = this.start(kernel, parts.slice(1));
    (this.k[kernel] as (...a: number[]) => void)(...parts[0]);
    this.await(seq);
  }

  enqueue(run: RangedRun): number {
    const n = run.bounds.length - 1;
    if (n < 1 || n > MAX_RANGES) throw new RangeError(`${n} ranges for a queued run (1..${MAX_RANGES})`);
    const ticket = this.jobs++;
    // The slot's previous run must be done before the slot is written again.
    this.finish(ticket - QUEUE.JOBS);
    const buf = this.k.memory.buffer, job = this.ctrl + QUEUE.JOBS_AT + (ticket % QUEUE.JOBS) * QUEUE.JOB_BYTES;
    const J = new Int32Array(buf, job, 8);
    J[QUEUE.KERNEL] = SPLIT_KERNELS.indexOf(run.kernel);
    J[QUEUE.RANGE_AT] = run.rangeAt;
    J[QUEUE.N] = n;
    J[QUEUE.FIRST] = this.units;
    J[QUEUE.DONE] = 0;
    new Float64Array(buf, job + QUEUE.ARGS_AT, run.args.length).set(run.args);
    new Int32Array(buf, job + QUEUE.BOUNDS_AT, n + 1).set(run.bounds);
    const unitJob = new Int32Array(buf, this.ctrl + QUEUE.UNIT_JOB_AT, QUEUE.UNITS);
    for (let u = this.units; u < this.units + n; u++) unitJob[u % QUEUE.UNITS] = ticket % QUEUE.JOBS;
    this.tickets.set(ticket, { first: this.units, n });
    this.units += n;
    Atomics.store(new Int32Array(buf, this.ctrl, CTRL.ARGS_AT / 4), QUEUE.TAIL, this.units);
    this.start(undefined, []); // wakes the helpers, with no part of a round for them
    return ticket;
  }

  finish(ticket: number): void {
    const t = this.tickets.get(ticket);
    if (!t) return;
    takeUnits(this.k, this.ctrl, t.first + t.n);
    const J = new Int32Array(this.k.memory.buffer, this.ctrl + QUEUE.JOBS_AT + (ticket % QUEUE.JOBS) * QUEUE.JOB_BYTES, 8);
    let d;
    while ((d = Atomics.load(J, QUEUE.DONE)) !== t.n) awaitChange(J, QUEUE.DONE, d);
    this.tickets.delete(ticket);
  }

  drain(): void {
    for (const ticket of [...this.tickets.keys()]) this.finish(ticket);
  }

  /** Hands parts[h] of `kernel` to helper h (none to the others) and wakes them; returns the
   *  round's SEQ. */
  private start(kernel: SplitKernel | undefined, parts: number[][]): number {
    const buf = this.k.memory.buffer;
    const I = new Int32Array(buf, this.ctrl, CTRL.ARGS_AT / 4);
    const id = kernel === undefined ? -1 : SPLIT_KERNELS.indexOf(kernel);
    for (let h = 0; h < this.threads - 1; h++) {
      const part = parts[h];
      I[CTRL.KERNEL + h] = part ? id : -1;
      if (part) new Float64Array(buf, this.ctrl + CTRL.ARGS_AT + h * CTRL.ARGS * 8, part.length).set(part);
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

/** Takes queued units one at a time, while there are any below `limit`, and runs them. */
export function takeUnits(k: KernelExports, ctrl: number, limit = Infinity): void {
  const I = new Int32Array(k.memory.buffer, ctrl, CTRL.ARGS_AT / 4);
  for (;;) {
    const u = Atomics.load(I, QUEUE.NEXT);
    if (u >= Math.min(Atomics.load(I, QUEUE.TAIL), limit)) return;
    if (Atomics.compareExchange(I, QUEUE.NEXT, u, u + 1) !== u) continue;
    const buf = k.memory.buffer;
    const slot = new Int32Array(buf, ctrl + QUEUE.UNIT_JOB_AT, QUEUE.UNITS)[u % QUEUE.UNITS];
    const job = ctrl + QUEUE.JOBS_AT + slot * QUEUE.JOB_BYTES;
    const J = new Int32Array(buf, job, 8);
    const r = u - J[QUEUE.FIRST], at = J[QUEUE.RANGE_AT];
    const args = Array.from(new Float64Array(buf, job + QUEUE.ARGS_AT, CTRL.ARGS));
    const bounds = new Int32Array(buf, job + QUEUE.BOUNDS_AT, J[QUEUE.N] + 1);
    args[at] = bounds[r];
    args[at + 1] = bounds[r + 1];
    (k[SPLIT_KERNELS[J[QUEUE.KERNEL]]] as (...a: number[]) => void)(...args);
    Atomics.add(J, QUEUE.DONE, 1);
    Atomics.notify(J, QUEUE.DONE);
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
