// Kernels that may run on several threads sharing the wasm memory (the Node implementation is
// src/node/threads.ts). Every split here keeps the bits of a single thread: each part writes
// outputs no other part writes, and computes each of them exactly as one thread would (disjoint
// output tiles of a convolution, disjoint offsets of a weight gradient, disjoint rows of a 1x1
// layer).
//
// Only the kernels that compute enough per value are split. The memory-bound ones (batch-norm,
// additions, concatenations, indexing the zeros) were split too, by rows or channels with the
// same bits, and got slower on two threads: 2D training step, Zen 4, batch-norm backward 30.7 ->
// 28.8 ms, statistics 10.6 -> 25.7, indexing 15.1 -> 19.0, affine 5.7 -> 11.9, additions 3.6 -> 10.3
// (their inputs were just written by the other core's cache).

import type { KernelExports } from "./module.js";

/** The arguments of the convRules kernel (args[12], args[13] = tile range). */
export type ConvArgs = Parameters<KernelExports["convRules"]>;
/** The arguments of the convWeightGrad kernel. */
export type WeightGradArgs = Parameters<KernelExports["convWeightGrad"]>;

/** The kernels a ParallelKernels runs on its threads. */
export const SPLIT_KERNELS = ["convRules", "gemmRows", "convWeightGradOffsets"] as const;
export type SplitKernel = (typeof SPLIT_KERNELS)[number];

export interface ParallelKernels {
  readonly threads: number;
  /** Kernels touching fewer values (rows x columns) than this run on one thread: below it, waking
   *  the others costs more than they save. */
  readonly minSplitValues: number;
  /** Runs `kernel` once per part, concurrently, each with its own arguments (parts[0] on the calling
   *  thread, at most `threads` parts), and returns when all are done. */
  run(kernel: SplitKernel, parts: number[][]): void;
  /** Queues a ranged run and returns its ticket. The helpers take queued ranges, first queued
   *  first, as soon as they are free; the calling thread goes on with work that does not touch
   *  what the run reads or writes, until `finish`. */
  enqueue(run: RangedRun): number;
  /** Takes queued ranges on the calling thread up to the last one of run `ticket`, then waits
   *  until that run is done (ranges queued after it are left to the helpers). */
  finish(ticket: number): void;
  /** Waits until every queued run is done (`run` does so first). */
  drain(): void;
}

/** A kernel run over ranges: args[rangeAt] and args[rangeAt + 1] set to [bounds[i], bounds[i + 1])
 *  for every i. Any thread may take any range, so each range must write outputs of its own and
 *  compute them as the whole run would (a convolution's output tiles, a weight gradient's
 *  offsets). */
export interface RangedRun { kernel: SplitKernel; args: number[]; rangeAt: number; bounds: number[] }

/** Most ranges a RangedRun may have. */
export const MAX_RANGES = 64;
/** Ranges per thread of a shared convolution: enough that the thread finishing last waits for
 *  little, few enough that each range amortises its call. */
const RANGES_PER_THREAD = 6;
/** The name this interface had when only convolutions were split. */
export type ParallelConv = ParallelKernels;

/** `n` items cut into `parts` contiguous ranges of about the same size, boundaries multiples of
 *  `align`: parts + 1 boundaries. */
function evenBounds(n: number, parts: number, align = 1): number[] {
  const b = [0];
  for (let h = 1; h < parts; h++) b.push(Math.min(n, Math.round((n * h) / parts / align) * align));
  b.push(n);
  return b;
}

/** Boundaries cutting items of the given cumulative work (cum[i] = work of items [0, i)) into
 *  `parts` ranges of about the same work. */
function workBounds(cum: ArrayLike<number>, n: number, parts: number): number[] {
  const b = [0];
  for (let h = 1; h < parts; h++) {
    const goal = cum[0] + ((cum[n] - cum[0]) * h) / parts;
    let t = b[h - 1];
    while (t < n && cum[t] < goal) t++;
    b.push(t);
  }
  b.push(n);
  return b;
}

/** Runs the parts that are not empty (one part runs without waking anybody). */
function runParts(k: KernelExports, p: ParallelKernels, kernel: SplitKernel, parts: number[][]): void {
  if (parts.length === 1) (k[kernel] as (...a: number[]) => void)(...parts[0]);
  else p.run(kernel, parts);
}

const splits = (p: ParallelKernels | undefined, values: number): p is ParallelKernels => p !== undefined && values >= p.minSplitValues;

/** convRules, its output tiles cut into ranges of about the same number of rulebook pairs. */
export function runConv(k: KernelExports, p: ParallelKernels | undefined, args: ConvArgs): void {
  const [nOut, cout, nTiles] = [args[4], args[7], args[11]];
  if (!splits(p, nOut * cout) || nTiles < p.threads) {
    k.convRules(...args);
    return;
  }
  const b = workBounds(tileWork(k, args), nTiles, p.threads);
  runParts(k, p, "convRules", ranges(b).map(([t0, t1]) => {
    const a = [...args];
    a[12] = t0;
    a[13] = t1;
    return a;
  }));
}

/** Cumulative work of a convolution's output tiles: work[t] for tiles [0, t), in rulebook pairs. */
function tileWork(k: KernelExports, args: ConvArgs): Float64Array {
  const [K, tileStarts, nTiles] = [args[8], args[9], args[11]];
  const ts = new Int32Array(k.memory.buffer, tileStarts, K * (nTiles + 1));
  const work = new Float64Array(nTiles + 1);
  for (let kk = 0; kk < K; kk++) {
    const row = kk * (nTiles + 1);
    for (let t = 0; t < nTiles; t++) work[t + 1] += ts[row + t + 1] - ts[row + t];
  }
  for (let t = 0; t < nTiles; t++) work[t + 1] += work[t] + 1; // +1: each tile has fixed costs too
  return work;
}

/** Queues convRules, its tiles in ranges of about the same work. */
export function enqueueConv(k: KernelExports, p: ParallelKernels, args: ConvArgs): number {
  const nTiles = args[11];
  const ranges = Math.max(1, Math.min(nTiles, RANGES_PER_THREAD * p.threads, MAX_RANGES));
  return p.enqueue({ kernel: "convRules", args, rangeAt: 12, bounds: workBounds(tileWork(k, args), nTiles, ranges) });
}

/** Queues convWeightGrad over all input channels (WeightGradArgs), its offsets in ranges of about
 *  the same number of pairs (whole offsets: threads walking the same pairs for different channels
 *  would each pay the per-pair costs). */
export function enqueueWeightGrad(k: KernelExports, p: ParallelKernels, args: WeightGradArgs): number {
  const [x, xs, g, gs, cin, coutPad, K, ruleStart, pi, po, dW, nzStarts, nzEntries] = args;
  const rs = new Int32Array(k.memory.buffer, ruleStart, K + 1);
  const work = Float64Array.from(rs, (v, kk) => v - rs[0] + kk); // +1 per offset: its fixed costs
  const ranges = Math.max(1, Math.min(K, RANGES_PER_THREAD * p.threads, MAX_RANGES));
  return p.enqueue({ kernel: "convWeightGradOffsets", args: [x, xs, g, gs, cin, coutPad, ruleStart, pi, po, dW, nzStarts, nzEntries, 0, K],
    rangeAt: 12, bounds: workBounds(work, K, ranges) });
}

/** What a row of gemmRows costs, in values of an elementwise kernel: its multiply-adds, 8 per
 *  value (two SIMD multiply-adds take about as long as reading and writing a value). */
const gemmCols = (cin: number, coutPad: number) => (cin * coutPad) / 8;

/** gemmRows (the 1x1 layers), the rows cut into equal ranges. */
export function runGemmRows(k: KernelExports, p: ParallelKernels | undefined, args: Parameters<KernelExports["gemmRows"]>): void {
  const [inp, inStride, out, outStride, n, , cin, coutPad] = args;
  if (!splits(p, n * gemmCols(cin, coutPad)) || n < p.threads) {
    k.gemmRows(...args);
    return;
  }
  runParts(k, p, "gemmRows", ranges(evenBounds(n, p.threads)).map(([r0, r1]) => {
    const a: number[] = [...args];
    a[0] = inp + r0 * inStride * 4;
    a[2] = out + r0 * outStride * 4;
    a[4] = r1 - r0;
    return a;
  }));
}

/** [b0, b1), [b1, b2), ... without the empty ones. */
function ranges(b: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let h = 0; h + 1 < b.length; h++) if (b[h + 1] > b[h]) out.push([b[h], b[h + 1]]);
  return out;
}
