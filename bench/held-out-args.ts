// The command line of the held-out analyses (hip-ambiguity, track-shower-purity): `[events]
// [--model M]`. With a model, `predict` labels an event's sites with it; without, the analysis
// measures the data alone.
import { Engine } from "../src/engine.js";
import { loadModel } from "../src/node/model-io.js";
import type { SparseTensor } from "../src/tensor/sparse-tensor.js";

export interface HeldOutArgs {
  events: number;
  /** The model's name or file, when one was given. */
  modelSource?: string;
  predict?: (t: SparseTensor) => Uint8Array;
}

export async function heldOutArgs(argv: string[], defaultEvents = 200): Promise<HeldOutArgs> {
  const args = [...argv];
  const at = args.indexOf("--model");
  const name = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const events = Number(args[0] ?? defaultEvents);
  if (!name) return { events };
  const engine = await Engine.create();
  const mf = loadModel(name);
  const model = engine.loadModel(mf.config, mf.weights);
  return { events, modelSource: mf.source, predict: (t) => engine.run(model, t).labels };
}
