// The command line of the held-out analyses (hip-ambiguity, track-shower-purity, delta-rays):
// `[events] [--model M] [--dim 2|3]`. The held-out events are the 3D cubes sim:3d:192@1000 or,
// with --dim 2, the wire-plane images sim:2d@1000. With a model, `predict` labels an event's sites
// with it; without, the analysis measures the data alone.
import { Engine } from "../src/engine.js";
import { loadModel } from "../src/node/model-io.js";
import type { SimConfig } from "../src/sim/index.js";
import type { SparseTensor } from "../src/tensor/sparse-tensor.js";

export interface HeldOutArgs {
  events: number;
  dim: 2 | 3;
  /** The held-out stream's name (sim:3d:192@1000, sim:2d@1000), its generator settings and seed. */
  dataName: string;
  simConfig: SimConfig;
  seed: number;
  /** "voxel" or "pixel", for the tables. */
  unit: string;
  /** The model's name or file, when one was given. */
  modelSource?: string;
  predict?: (t: SparseTensor) => Uint8Array;
}

export async function heldOutArgs(argv: string[], defaultEvents = 200): Promise<HeldOutArgs> {
  const args = [...argv];
  const at = args.indexOf("--model");
  const name = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const dimAt = args.indexOf("--dim");
  const dimArg = dimAt >= 0 ? args.splice(dimAt, 2)[1] : "3";
  if (dimArg !== "2" && dimArg !== "3") throw new Error(`--dim must be 2 or 3, got ${dimArg}`);
  const dim = dimArg === "2" ? 2 : 3;
  const events = Number(args[0] ?? defaultEvents);
  // The test streams of the model cards: seed 1000, never trained on.
  const seed = 1000;
  const data = dim === 3
    ? { dim, dataName: `sim:3d:192@${seed}`, simConfig: { dim: 3, size: 192 }, seed, unit: "voxel" } as const
    : { dim, dataName: `sim:2d@${seed}`, simConfig: { dim: 2 }, seed, unit: "pixel" } as const;
  if (!name) return { events, ...data };
  const engine = await Engine.create();
  const mf = loadModel(name);
  const model = engine.loadModel(mf.config, mf.weights);
  return { events, ...data, modelSource: mf.source, predict: (t) => engine.run(model, t).labels };
}
