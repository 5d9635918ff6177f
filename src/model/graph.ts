// The model graph: operations in execution order over named feature buffers, each buffer living
// at one U-Net level (its rows are that level's active sites). The graph knows nothing of memory;
// planBuffers() places the buffers in one arena region for a given event's level sizes, reusing
// space between buffers whose lifetimes do not overlap.

import { alignLine } from "../backend/wasm/arena.js";

export interface BufferSpec {
  level: number;
  channels: number;
}

/** What a convolution applies to its finished output rows (fused from the ops that followed it):
 *  + addend (a residual add), then a folded batch-norm and (leaky) ReLU. */
export interface Epilogue { addend?: number; bnParam?: string; leak?: number }

export type Op =
  | { kind: "subconv"; level: number; ks: number; input: number; output: number; param: string; epilogue?: Epilogue }
  | { kind: "down"; level: number; input: number; output: number; param: string; epilogue?: Epilogue }
  | { kind: "up"; level: number; input: number; output: number; param: string; epilogue?: Epilogue }
  | { kind: "bnact"; input: number; output: number; param: string; leak: number }
  | { kind: "add"; a: number; b: number; output: number }
  | { kind: "concat"; a: number; b: number; output: number }
  | { kind: "nin"; input: number; output: number; param: string }
  | { kind: "linear"; input: number; output: number; param: string };

/** A learned tensor group, named by its SparseConvNet module prefix. */
export type ParamSpec =
  | { kind: "conv"; prefix: string; K: number; cin: number; cout: number }
  | { kind: "nin"; prefix: string; cin: number; cout: number }
  | { kind: "bn"; prefix: string; channels: number }
  | { kind: "linear"; prefix: string; cin: number; cout: number };

export interface Graph {
  buffers: BufferSpec[];
  ops: Op[];
  params: ParamSpec[];
  /** Level-0 input features. */
  input: number;
  /** Named buffers readable after a run: "logits" and the debugging taps. */
  outputs: Record<string, number>;
  /** (level, kernel size) of every submanifold rulebook the graph uses. */
  subRulebooks: { level: number; ks: number }[];
  levels: number;
}

export function opInputs(op: Op): number[] {
  switch (op.kind) {
    case "add": case "concat": return [op.a, op.b];
    case "subconv": case "down": case "up":
      return op.epilogue?.addend !== undefined ? [op.input, op.epilogue.addend] : [op.input];
    default: return [op.input];
  }
}

export interface BufferPlan {
  /** Byte offset of each buffer within the features region. */
  offsets: number[];
  /** Row stride (floats) of each buffer. */
  strides: number[];
  bytes: number;
}

export function strideOf(channels: number): number { return (channels + 3) & ~3; }

/** Places buffers for the given level sizes: greedy by decreasing size, lowest offset that
 *  overlaps no buffer alive at the same time. `keep` buffers stay alive to the end. */
export function planBuffers(g: Graph, levelSizes: number[], keep: number[]): BufferPlan {
  const nb = g.buffers.length;
  const first = new Array<number>(nb).fill(Infinity);
  const last = new Array<number>(nb).fill(-Infinity);
  first[g.input] = -1;
  last[g.input] = -1;
  g.ops.forEach((op, t) => {
    first[op.output] = Math.min(first[op.output], t);
    last[op.output] = Math.max(last[op.output], t);
    for (const b of opInputs(op)) last[b] = Math.max(last[b], t);
  });
  for (const b of keep) last[b] = g.ops.length;
  const { strides, bytes } = bufferLayout(g, levelSizes);
  return { ...packLifetimes(bytes, first, last), strides };
}

/** Row stride (floats) and size (bytes, whole cache lines) of every buffer at these level sizes. */
export function bufferLayout(g: Graph, levelSizes: number[]): { strides: number[]; bytes: number[] } {
  const strides = g.buffers.map((b) => strideOf(b.channels));
  return { strides, bytes: g.buffers.map((b, i) => alignLine(levelSizes[b.level] * strides[i] * 4)) };
}

/** Places blocks of `sizes` bytes, block i alive from time first[i] to last[i] (inclusive), in one
 *  region: greedy by decreasing size, each at the lowest offset that overlaps no block alive at
 *  the same time. Blocks with first[i] = Infinity are never alive and get offset -1. */
export function packLifetimes(sizes: number[], first: number[], last: number[]): { offsets: number[]; bytes: number } {
  const n = sizes.length;
  const order = [...Array(n).keys()].filter((i) => first[i] !== Infinity).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const offsets = new Array<number>(n).fill(-1);
  const placed: number[] = [];
  let bytes = 0;
  for (const i of order) {
    const clashes = placed
      .filter((j) => first[j] <= last[i] && first[i] <= last[j])
      .map((j) => [offsets[j], offsets[j] + sizes[j]] as const)
      .sort((a, b) => a[0] - b[0]);
    let off = 0;
    for (const [s, e] of clashes) {
      if (off + sizes[i] <= s) break;
      off = Math.max(off, e);
    }
    offsets[i] = off;
    placed.push(i);
    bytes = Math.max(bytes, off + sizes[i]);
  }
  return { offsets, bytes };
}
