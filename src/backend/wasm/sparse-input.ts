// Chooses, per convolution, between the dense kernel and the channel-sparse one (assembly/
// sparse-input.ts). Both give the same bits, so the choice is only about speed: the sparse kernel
// does the multiply-adds of the non-zero inputs only, but at a higher cost each (no two-row
// blocking, an index per term), and indexing the input costs a pass over it. That pays when the
// input is mostly zero and each input row is used by many pairs (submanifold convolutions in 3D);
// it does not for the strided convolutions, which use each fine row once.

import type { Arena } from "./arena.js";
import type { KernelExports } from "./module.js";

type Ptr = number;

// Costs in ns, measured on 20k-row convolutions with 9 and 27 offsets at half-zero inputs
// (bench/kernels.ts has the "channel-sparse input" case): the dense kernel runs at
// about 18 G multiply-adds/s, the sparse one at 11 (16 output columns), 13 (32) and 14.5 (48 and
// more) per non-zero term, and indexing costs about 0.8 ns per input value.
const DENSE_NS_PER_MAC = 1 / 18;
const sparseNsPerMac = (coutPad: number) => (coutPad >= 48 ? 1 / 14.5 : coutPad >= 32 ? 1 / 13 : 1 / 11);
const INDEX_NS_PER_VALUE = 0.8;
/** Narrower inputs (the 1-channel detector image) are not worth indexing. */
export const SPARSE_INPUT_MIN_CHANNELS = 8;

/** What the cost model predicts for one convolution, once the density of its input is known. */
export interface KernelCosts { denseNs: number; sparseNs: number }
/** The cost model's own choice: the lower prediction. */
export const cheaperPredicted = (c: KernelCosts): "dense" | "sparse" => (c.sparseNs < c.denseNs ? "sparse" : "dense");

/** A convolution's input whose non-zeros have been counted: what each kernel would cost, and the
 *  row starts of its channel-sparse form (on the arena), which `compressInput` completes. */
export interface CountedInput { costs: KernelCosts; starts: Ptr; nnz: number }

/** Counts the non-zeros of the n input rows (`cin` features each) of a convolution with `pairs`
 *  rulebook pairs and coutPad output columns, and predicts both kernels' costs; undefined where the
 *  input is too narrow or too small for the channel-sparse kernel to ever pay (the dense kernel
 *  runs, nothing allocated). The caller releases the memory (arena.release) once the convolution is done. */
export function countInput(k: KernelExports, arena: Arena, x: Ptr, stride: number, n: number, cin: number, coutPad: number, pairs: number): CountedInput | undefined {
  if (cin < SPARSE_INPUT_MIN_CHANNELS || n === 0) return undefined;
  const indexCost = n * cin * INDEX_NS_PER_VALUE;
  const macs = pairs * cin * coutPad;
  if (macs * DENSE_NS_PER_MAC <= indexCost) return undefined; // not even an all-zero input would pay
  const starts = arena.alloc((n + 1) * 4);
  const nnz = k.nonzeroStarts(x, stride, n, cin, starts);
  const density = nnz / (n * cin);
  return { costs: { denseNs: macs * DENSE_NS_PER_MAC, sparseNs: indexCost + macs * density * sparseNsPerMac(coutPad) }, starts, nnz };
}

/** The entries of the counted input's channel-sparse form (value, weight-row offset), on the arena. */
export function compressInput(k: KernelExports, arena: Arena, x: Ptr, stride: number, n: number, cin: number, coutPad: number, counted: CountedInput): Ptr {
  const entries = arena.alloc(counted.nnz * 8 + 8); // compressRows writes one entry past the last
  k.compressRows(x, stride, n, cin, coutPad * 4, entries);
  return entries;
}

/** The channel-sparse form of a convolution's input where the cost model predicts it cheaper:
 *  [starts, entries], or [0, 0] for the dense kernel (training's forward pass, which does not time its kernels). */
export function sparseInput(k: KernelExports, arena: Arena, x: Ptr, stride: number, n: number, cin: number, coutPad: number, pairs: number): [Ptr, Ptr] {
  const counted = countInput(k, arena, x, stride, n, cin, coutPad, pairs);
  if (!counted || cheaperPredicted(counted.costs) === "dense") return [0, 0];
  return [counted.starts, compressInput(k, arena, x, stride, n, cin, coutPad, counted)];
}
