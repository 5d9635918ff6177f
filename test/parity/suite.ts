// The parity suite: the same cases, run unchanged against every backend and environment (Node wasm,
// Node WebGPU, Chromium wasm, Chromium WebGPU). It returns a hash of each case's outputs; equal
// hashes mean bit-identical logits, scores and labels. Browser-safe: no Node API.
import { Engine, buildUResNet, parseModelConfig, randomWeights, type ModelConfigInput } from "../../src/index.js";
import { randomWalkEvent } from "../support/events.js";

interface ParityCase { name: string; config: ModelConfigInput; event: Parameters<typeof randomWalkEvent>[0] }

export const PARITY_CASES: ParityCase[] = [
  { name: "2d-m8-d5", config: { dim: 2, filters: 8, depth: 5 }, event: { dim: 2, size: 128, sites: 600, seed: 1 } },
  { name: "3d-m4-d4-leaky", config: { dim: 3, filters: 4, depth: 4, leakiness: 0.33 }, event: { dim: 3, size: 32, sites: 500, seed: 2 } },
  { name: "2d-dup-batch", config: { dim: 2, filters: 6, depth: 3, classes: 5 }, event: { dim: 2, size: 64, sites: 150, seed: 3, batch: 3, duplicates: 40 } },
  { name: "3d-k5-plain", config: { dim: 3, filters: 5, depth: 3, inputKernel: 5, residualBlocks: false }, event: { dim: 3, size: 16, sites: 200, seed: 4 } },
  { name: "2d-single-site", config: { dim: 2, filters: 4, depth: 4 }, event: { dim: 2, size: 16, sites: 1, seed: 5 } },
  // Scores mixed over neighbours after the network (src/model/smoothing.ts), as the shipped models do.
  { name: "2d-mix-batch", config: { dim: 2, filters: 6, depth: 3, smoothing: { radius: 3, share: 0.3, constants: [0.0625, 0, 0, 0.0625, 0.125] } }, event: { dim: 2, size: 64, sites: 300, seed: 6, batch: 2, duplicates: 10 } },
  { name: "3d-mix", config: { dim: 3, filters: 4, depth: 3, smoothing: { radius: 2, share: 0.5 } }, event: { dim: 3, size: 32, sites: 400, seed: 7 } },
];

/** FNV-1a over the bytes of the arrays. */
export function hashArrays(arrays: ArrayBufferView[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

export async function runParitySuite(engine: Engine): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of PARITY_CASES) {
    const cfg = parseModelConfig(c.config);
    const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 77));
    const r = await engine.segment(model, randomWalkEvent(c.event));
    out[c.name] = hashArrays([r.logits, r.scores, r.labels]);
  }
  return out;
}
