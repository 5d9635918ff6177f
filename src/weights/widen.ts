// Widening a trained U-ResNet (Net2WiderNet, Chen, Goodfellow & Shlens 2016): every level's
// channels times an integer factor r, computing the same function, so that training a wider model
// can start from what a narrower one has learnt instead of from random weights.
//
// New channel j of a widened axis is a copy of old channel floor(j / r) (copies interleaved, so a
// concatenation [a, b] of widened buffers is the widened concatenation: one rule for every buffer).
// - An output axis is copied: each copy computes the old channel's value.
// - An input axis is split: the r copies of an old input channel share its weight in random
//   fractions that sum to 1, so the sum over the copies is the old term (up to float rounding).
// - Batch norm: every statistic and affine parameter is copied.
// The random fractions break the symmetry: copies of a channel get different gradients from their
// different outgoing weights, so training makes them diverge. Identical fractions would leave them
// identical forever. The input features and the classes are not widened.
//
// They diverge slowly, though: Adam moves every weight by about the rate whatever its gradient's
// scale, so what separates two copies is only the pattern of their gradients, not its size. From
// default-2d and default-3d, after 500-750 iterations the copies' functions differed by about 1%
// while the weights had moved by 5% (models/README.md, session 34): the wide model is still the
// narrow one. `noise` adds Gaussian noise of that many times each weight tensor's RMS to every
// convolution and linear weight, so that the copies differ from the start; the model then computes
// about, no longer exactly, the narrow model's function. With factor 1 it perturbs a model alike,
// the control of a width experiment.

import { InvalidConfigError } from "../errors.js";
import { parseModelConfig, type ModelConfig } from "../model/config.js";
import { buildUResNet } from "../model/uresnet.js";
import { gaussian, rng } from "./random-init.js";
import type { WeightTensors } from "./scn.js";

/** The config of `c` widened by `factor`: filters and every level's planes times the factor. */
export function widenedConfig(c: ModelConfig, factor: number): ModelConfig {
  if (!Number.isInteger(factor) || factor < 1) throw new InvalidConfigError(`widening factor ${factor}: expected an integer >= 1`);
  return parseModelConfig({ ...c, filters: c.filters * factor, planes: c.planes.map((p) => p * factor) });
}

/** Weights of the widened model (see the top of this file); deterministic for a seed. */
export function widenWeights(c: ModelConfig, w: WeightTensors, factor: number, seed: number, noise = 0): { config: ModelConfig; weights: WeightTensors } {
  if (!(noise >= 0 && Number.isFinite(noise))) throw new InvalidConfigError(`widen: noise ${noise}: expected a number >= 0`);
  const config = widenedConfig(c, factor);
  const oldParams = buildUResNet(c).params, newParams = buildUResNet(config).params;
  const u = rng(seed);
  // A stream of its own, so that the fractions are the same with and without noise.
  const normal = gaussian(rng(seed + 0x51ed));
  const perturb = (narrow: Float32Array, wide: Float32Array) => {
    if (noise === 0) return wide;
    const sd = noise * Math.sqrt(narrow.reduce((a, x) => a + x * x, 0) / Math.max(1, narrow.length));
    for (let i = 0; i < wide.length; i++) wide[i] += sd * normal();
    return wide;
  };
  const out: WeightTensors = new Map();
  for (let i = 0; i < oldParams.length; i++) {
    const p = oldParams[i], q = newParams[i];
    if (p.prefix !== q.prefix || p.kind !== q.kind) throw new Error(`internal: parameter ${i} is ${p.prefix} before widening and ${q.prefix} after`);
    const get = (s: string) => {
      const t = w.get(`${p.prefix}.${s}`);
      if (!t) throw new InvalidConfigError(`widen: missing tensor "${p.prefix}.${s}"`);
      return t.data;
    };
    const put = (s: string, shape: number[], data: Float32Array) => out.set(`${q.prefix}.${s}`, { shape, data });
    switch (p.kind) {
      case "conv": case "nin": {
        const qq = q as typeof p;
        const K = p.kind === "conv" ? p.K : 1;
        const data = perturb(get("weight"), widenMatrix(get("weight"), K, p.cin, p.cout, qq.cin / p.cin, qq.cout / p.cout, u, false));
        put("weight", p.kind === "conv" ? [K, 1, qq.cin, qq.cout] : [qq.cin, qq.cout], data);
        break;
      }
      case "linear": {
        const qq = q as typeof p;
        // [cout][cin]: the classes stay, the input channels are split.
        put("weight", [p.cout, qq.cin], perturb(get("weight"), widenMatrix(get("weight"), 1, p.cout, p.cin, 1, qq.cin / p.cin, u, true)));
        put("bias", [p.cout], get("bias").slice());
        break;
      }
      case "bn": {
        const r = (q as typeof p).channels / p.channels;
        for (const s of ["weight", "bias", "running_mean", "running_var"]) {
          const src = get(s);
          put(s, [src.length * r], Float32Array.from({ length: src.length * r }, (_, j) => src[Math.floor(j / r)]));
        }
        break;
      }
    }
  }
  return { config, weights: out };
}

/** A [K][rows][cols] weight widened by rRows and rCols. The input axis (rows, or cols when
 *  `colsAreInputs`) is split in random fractions; the other axis is copied. */
function widenMatrix(src: Float32Array, K: number, rows: number, cols: number, rRows: number, rCols: number, u: () => number, colsAreInputs: boolean): Float32Array {
  const R = rows * rRows, C = cols * rCols;
  const dst = new Float32Array(K * R * C);
  // Each widened output channel (a copy along the other axis) gets its own split of the inputs.
  const rIn = colsAreInputs ? rCols : rRows, rOut = colsAreInputs ? rRows : rCols;
  const fractions = new Float64Array(rIn);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = src[(k * rows + i) * cols + j];
        for (let b = 0; b < rOut; b++) {
          randomFractions(fractions, u);
          for (let a = 0; a < rIn; a++) {
            const ii = colsAreInputs ? i * rRows + b : i * rRows + a;
            const jj = colsAreInputs ? j * rCols + a : j * rCols + b;
            dst[(k * R + ii) * C + jj] = v * fractions[a];
          }
        }
      }
    }
  }
  return dst;
}

/** Fractions drawn from [0.5, 1.5) and normalised to sum to 1: random, and none close to 0. */
function randomFractions(f: Float64Array, u: () => number): void {
  if (f.length === 1) { f[0] = 1; return; }
  let sum = 0;
  for (let a = 0; a < f.length; a++) { f[a] = 0.5 + u(); sum += f[a]; }
  for (let a = 0; a < f.length; a++) f[a] /= sum;
}
