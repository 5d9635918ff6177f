// Seeded random weights with the initialisation the conformance cases use (ref.py randomize):
// conv / NiN ~ N(0, 2 / fan_in), fan_in = cin * kernel volume; BN weight U(0.5, 1.5),
// bias N(0, 0.2^2), running_mean N(0, 0.2^2), running_var U(0.5, 2.0); Linear U(+-1/sqrt(cin)).
// Deterministic for a seed (not numpy's stream: the values differ, the distributions do not).

import type { ModelConfig } from "../model/config.js";
import type { Graph } from "../model/graph.js";
import { buildUResNet } from "../model/uresnet.js";
import { expectedTensors, type WeightTensors } from "./scn.js";

/** xoshiro128** seeded through splitmix32. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  return () => {
    const r = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
    return r / 4294967296;
  };
}
const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export function gaussian(u: () => number): () => number {
  return () => {
    const u1 = 1 - u();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u());
  };
}

export function randomWeights(g: Graph, seed: number): WeightTensors {
  const u = rng(seed);
  const n = gaussian(u);
  const out: WeightTensors = new Map();
  for (const p of g.params) {
    for (const e of expectedTensors(p)) {
      const size = e.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      const suffix = e.name.slice(p.prefix.length + 1);
      let draw: () => number;
      if (p.kind === "conv") { const s = Math.sqrt(2 / (p.cin * p.K)); draw = () => n() * s; }
      else if (p.kind === "nin") { const s = Math.sqrt(2 / p.cin); draw = () => n() * s; }
      else if (p.kind === "linear") { const s = 1 / Math.sqrt(p.cin); draw = () => (2 * u() - 1) * s; }
      else if (suffix === "weight") draw = () => 0.5 + u();
      else if (suffix === "running_var") draw = () => 0.5 + 1.5 * u();
      else draw = () => 0.2 * n();
      for (let i = 0; i < size; i++) data[i] = draw();
      out.set(e.name, { shape: e.shape, data });
    }
  }
  return out;
}

/** Fresh weights for training: He-initialised convolutions, BN weight 1, bias 0, mean 0, var 1. */
export function initialTrainingWeights(config: ModelConfig, seed: number): WeightTensors {
  const w = randomWeights(buildUResNet(config), seed);
  for (const [name, t] of w) {
    if (name.endsWith(".running_mean")) t.data.fill(0);
    else if (name.endsWith(".running_var")) t.data.fill(1);
    else if (w.has(name.replace(/\.(weight|bias)$/, ".running_mean"))) t.data.fill(name.endsWith(".weight") ? 1 : 0);
  }
  return w;
}
