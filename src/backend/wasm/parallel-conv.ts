// Convolutions and weight gradients that may run on several threads sharing the wasm memory (the
// Node implementation is src/node/threads.ts). Every split is one that keeps the bits of a single
// thread: disjoint output tiles for a convolution, disjoint kernel offsets for a weight gradient.

import type { KernelExports } from "./module.js";

/** The arguments of the convRules kernel (args[12], args[13] = tile range). */
export type ConvArgs = Parameters<KernelExports["convRules"]>;
/** The arguments of the convWeightGrad kernel. */
export type WeightGradArgs = Parameters<KernelExports["convWeightGrad"]>;

export interface ParallelConv {
  readonly threads: number;
  conv(args: ConvArgs, K: number): void;
  weightGrad(args: WeightGradArgs): void;
}

/** convRules on the threads when there are some and at least one tile for each. */
export function runConv(k: KernelExports, parallel: ParallelConv | undefined, args: ConvArgs): void {
  if (parallel && args[11] >= parallel.threads) parallel.conv(args, args[8]);
  else k.convRules(...args);
}

/** convWeightGrad on the threads when there are some and more than one kernel offset to share. */
export function runWeightGrad(k: KernelExports, parallel: ParallelConv | undefined, args: WeightGradArgs): void {
  if (parallel && args[6] > 1) parallel.weightGrad(args);
  else k.convWeightGrad(...args);
}
