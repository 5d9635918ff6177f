// Where a training step's features and gradients live. The forward pass keeps only the buffers
// the backward pass reads again; every other buffer shares space as in inference. The gradients
// are placed the same way over backward time: dL/db exists from the first op (in reverse order)
// that contributes to it until the op that produced b has used it, so a step holds a few
// gradients at a time instead of one per buffer.

import { bufferLayout, opInputs, packLifetimes, planBuffers, type BufferPlan, type Graph, type Op } from "../model/graph.js";

/** The ops with a weight gradient: convolutions and 1x1 layers (batch-norm's affine parameters
 *  are a per-channel sum, not a weight gradient kernel). */
export type WeightedOp = Extract<Op, { kind: "subconv" | "down" | "up" | "nin" | "linear" }>;
export const hasWeightGradient = (op: Op): op is WeightedOp =>
  op.kind === "subconv" || op.kind === "down" || op.kind === "up" || op.kind === "nin" || op.kind === "linear";

/** Buffers whose forward values the backward pass reads: the input of every convolution and 1x1
 *  layer (weight gradients), batch-norm inputs and outputs (normalised values, ReLU mask), and the
 *  graph's named outputs (loss, taps). A residual branch's last convolution output, read only by
 *  its add, is not among them. */
export function buffersReadBackward(g: Graph): number[] {
  const read = new Set<number>(Object.values(g.outputs));
  for (const op of g.ops) {
    if (hasWeightGradient(op)) read.add(op.input);
    else if (op.kind === "bnact") { read.add(op.input); read.add(op.output); }
  }
  return [...read];
}

/** The forward features of a training step: what the backward pass reads stays to the end. */
export function planTrainingForward(g: Graph, levelSizes: number[]): BufferPlan {
  return planBuffers(g, levelSizes, buffersReadBackward(g));
}

/** The gradient of every buffer, in one region, in the layout of the buffer (same row stride).
 *  Backward time s runs over the ops in reverse (s = nOps - 1 - t for op t); dL/dlogits exists
 *  before the first (s = -1); dL/d(input) stays to the end. With `weightGradsOverlap` (a weight
 *  gradient running on helper threads while the backward pass goes on, until the next layer with
 *  weights has its input gradient), the gradient of such a layer's output stays until that next
 *  layer, in backward order. */
export function planGradients(g: Graph, levelSizes: number[], weightGradsOverlap = false): BufferPlan {
  const nb = g.buffers.length, last = g.ops.length - 1;
  const first = new Array<number>(nb).fill(Infinity);
  const end = new Array<number>(nb).fill(-Infinity);
  first[g.outputs.logits] = -1;
  let nextWeighted = g.ops.length; // backward time of the next op with a weight gradient
  for (let t = 0; t <= last; t++) {
    const op = g.ops[t], s = last - t;
    const weighted = hasWeightGradient(op);
    end[op.output] = Math.max(end[op.output], weighted && weightGradsOverlap ? nextWeighted : s);
    if (weighted) nextWeighted = s;
    for (const b of opInputs(op)) first[b] = Math.min(first[b], s);
  }
  end[g.input] = g.ops.length;
  const { strides, bytes } = bufferLayout(g, levelSizes);
  return { ...packLifetimes(bytes, first, end), strides };
}
