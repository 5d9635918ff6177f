// Chooses, per convolution, between the dense kernel and the channel-sparse one (assembly/
// sparse-input.ts) by the input's fraction of non-zero values. Both give the same bits, so the
// choice is only about speed: the sparse kernel does the multiply-adds of the non-zero inputs
// only, at a somewhat higher cost each (no two-row blocking, an index per term).

import type { Arena } from "./arena.js";
import type { KernelExports } from "./module.js";

type Ptr = number;

/** Above this fraction of non-zero inputs the dense kernel is faster (bench/kernels: sparse input). */
export const SPARSE_INPUT_MAX_DENSITY = 0.65;
/** Narrower inputs (the 1-channel detector image) are not worth indexing. */
export const SPARSE_INPUT_MIN_CHANNELS = 8;

/** The channel-sparse form of n rows of `cin` features for a convolution with coutPad output
 *  columns, allocated on the arena: [starts, entries], or [0, 0] when the dense kernel is the
 *  better choice. The caller releases it (arena.release) once the convolution is done. */
export function sparseInput(k: KernelExports, arena: Arena, x: Ptr, stride: number, n: number, cin: number, coutPad: number): [Ptr, Ptr] {
  if (cin < SPARSE_INPUT_MIN_CHANNELS || n === 0) return [0, 0];
  const starts = arena.alloc((n + 1) * 4);
  const nnz = k.nonzeroStarts(x, stride, n, cin, starts);
  if (nnz > SPARSE_INPUT_MAX_DENSITY * n * cin) return [0, 0];
  const entries = arena.alloc(nnz * 8);
  k.compressRows(x, stride, n, cin, coutPad * 4, starts, entries);
  return [starts, entries];
}
