// SparseConvNet U-ResNet weights: the tensors a graph expects (names and shapes exactly as
// SparseConvNet's state_dict has them), the importer that normalises older and foreign layouts to
// them, and the packing into the kernels' layouts.
//
// Native format: a safetensors file with SparseConvNet's state_dict names and shapes (all F32),
// the model config in __metadata__.config. Accepted on import as well:
//  - the pre-2019 SparseConvNet layout [K, Cin, Cout] (no groups axis) for convolutions;
//  - a "module." prefix (DataParallel checkpoints);
//  - num_batches_tracked entries (ignored: SparseConvNet's BatchNorm has none, torch's does).

import { InvalidWeightsError } from "../errors.js";
import type { Graph, ParamSpec } from "../model/graph.js";
import { strideOf } from "../model/graph.js";
import { asFloat32, type RawTensor } from "./safetensors.js";

export interface ExpectedTensor { name: string; shape: number[] }

export function expectedTensors(p: ParamSpec): ExpectedTensor[] {
  switch (p.kind) {
    case "conv": return [{ name: `${p.prefix}.weight`, shape: [p.K, 1, p.cin, p.cout] }];
    case "nin": return [{ name: `${p.prefix}.weight`, shape: [p.cin, p.cout] }];
    case "bn": return ["weight", "bias", "running_mean", "running_var"].map((s) => ({ name: `${p.prefix}.${s}`, shape: [p.channels] }));
    case "linear": return [
      { name: `${p.prefix}.weight`, shape: [p.cout, p.cin] },
      { name: `${p.prefix}.bias`, shape: [p.cout] },
    ];
  }
}

export type WeightTensors = Map<string, { shape: number[]; data: Float32Array }>;

const shapeStr = (s: number[]) => `[${s.join(", ")}]`;

/** Index of the first NaN or infinity of an array, or -1 (see firstNonFinite). */
export type NonFiniteScan = (a: Float32Array) => number;

/** Normalises a state_dict (raw safetensors tensors) to the graph's expected names and shapes.
 *  Missing, extra and mis-shaped tensors are errors naming the tensor and the expected shape.
 *  `scan` finds non-finite weights: the engine passes its wasm kernel for tensors in its memory. */
export function importScnStateDict(g: Graph, raw: Map<string, RawTensor>, scan: NonFiniteScan = firstNonFinite): WeightTensors {
  const expected = g.params.flatMap(expectedTensors);
  const byName = new Map(expected.map((e) => [e.name, e]));
  const out: WeightTensors = new Map();
  const extra: string[] = [];
  for (const [rawName, t] of raw) {
    const name = rawName.startsWith("module.") ? rawName.slice(7) : rawName;
    if (name.endsWith(".num_batches_tracked")) continue;
    const e = byName.get(name);
    if (!e) { extra.push(`"${rawName}" ${shapeStr(t.shape)}`); continue; }
    if (out.has(name)) throw new InvalidWeightsError(`tensor "${name}" appears twice (with and without "module.")`);
    let shape = t.shape;
    // Pre-2019 SparseConvNet convolutions: [K, Cin, Cout] without the groups axis.
    if (e.shape.length === 4 && shape.length === 3 && shape[0] === e.shape[0] && shape[1] === e.shape[2] && shape[2] === e.shape[3]) {
      shape = [shape[0], 1, shape[1], shape[2]];
    }
    if (shapeStr(shape) !== shapeStr(e.shape)) {
      throw new InvalidWeightsError(`tensor "${rawName}" has shape ${shapeStr(t.shape)}, expected ${shapeStr(e.shape)}`);
    }
    const data = asFloat32(t, rawName);
    const bad = scan(data);
    if (bad >= 0) throw new InvalidWeightsError(`tensor "${rawName}" element ${bad} is ${data[bad]} (weights must be finite)`);
    out.set(name, { shape: e.shape, data });
  }
  const missing = expected.filter((e) => !out.has(e.name));
  if (missing.length) {
    throw new InvalidWeightsError(`missing ${missing.length} tensor(s): ${missing.slice(0, 8).map((e) => `"${e.name}" ${shapeStr(e.shape)}`).join(", ")}${missing.length > 8 ? ", ..." : ""}`);
  }
  if (extra.length) {
    throw new InvalidWeightsError(`unexpected tensor(s) for this architecture: ${extra.slice(0, 8).join(", ")}${extra.length > 8 ? ", ..." : ""}`);
  }
  for (const p of g.params) {
    if (p.kind === "bn") {
      const v = out.get(`${p.prefix}.running_var`)!.data;
      for (let i = 0; i < v.length; i++) {
        if (v[i] < 0) throw new InvalidWeightsError(`tensor "${p.prefix}.running_var" element ${i} is ${v[i]} (variances cannot be negative)`);
      }
    }
  }
  return out;
}

/** Index of the first NaN or infinity in `a`, or -1: for arrays outside an engine's memory (the
 *  engine scans its own with the wasm kernel of the same name, which a fresh process does not
 *  have to wait for V8 to optimise). A function of its own so that V8 optimises the loop. */
export function firstNonFinite(a: Float32Array): number {
  // On the bits: an all-ones exponent is an infinity or a NaN (integer work, faster than floats).
  const bits = new Int32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7f800000) === 0x7f800000) return i;
  return -1;
}

/** Floats of a parameter group's packed layout (see packParam). */
export function packedLength(p: ParamSpec): number {
  switch (p.kind) {
    case "conv": return p.K * p.cin * strideOf(p.cout);
    case "nin": return p.cin * strideOf(p.cout);
    case "bn": return 2 * strideOf(p.channels);
    case "linear": return (p.cin + 1) * strideOf(p.cout);
  }
}

/** Whether a group's packed layout is the stored tensor's, byte for byte: a convolution (or 1x1
 *  layer) whose output channels need no padding. */
export function packsAsStored(p: ParamSpec): boolean {
  return (p.kind === "conv" || p.kind === "nin") && strideOf(p.cout) === p.cout;
}

/** Kernel layouts, one Float32Array per parameter group:
 *  conv [K][cin][coutPad]; nin [cin][coutPad]; bn [scale (cpad), shift (cpad)] folded with eps;
 *  linear [W^T (cin x coutPad), bias (coutPad)]. Padding is zero. */
export function packParam(p: ParamSpec, w: WeightTensors, bnEps: number, out: Float32Array = new Float32Array(packedLength(p))): Float32Array {
  if (out.length !== packedLength(p)) throw new Error(`internal: packParam into ${out.length} floats, ${p.prefix} packs into ${packedLength(p)}`);
  out.fill(0);
  const get = (s: string) => {
    const name = `${p.prefix}.${s}`, t = w.get(name);
    if (!t) throw new InvalidWeightsError(`missing tensor "${name}" (weights must match the model: see importScnStateDict)`);
    return t.data;
  };
  switch (p.kind) {
    case "conv": case "nin": {
      const K = p.kind === "conv" ? p.K : 1;
      const cp = strideOf(p.cout);
      const src = get("weight");
      if (packsAsStored(p)) out.set(src);
      else {
        for (let r = 0; r < K * p.cin; r++) {
          for (let j = 0; j < p.cout; j++) out[r * cp + j] = src[r * p.cout + j];
        }
      }
      return out;
    }
    case "bn": {
      const cp = strideOf(p.channels);
      const [wt, b, m, v] = [get("weight"), get("bias"), get("running_mean"), get("running_var")];
      for (let c = 0; c < p.channels; c++) {
        const scale = wt[c] / Math.sqrt(v[c] + bnEps);
        out[c] = scale;
        out[cp + c] = b[c] - m[c] * scale;
      }
      return out;
    }
    case "linear": {
      const cp = strideOf(p.cout);
      const W = get("weight"), b = get("bias");
      for (let j = 0; j < p.cout; j++) {
        for (let ci = 0; ci < p.cin; ci++) out[ci * cp + j] = W[j * p.cin + ci];
        out[p.cin * cp + j] = b[j];
      }
      return out;
    }
  }
}
