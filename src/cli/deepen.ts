import { writeFileSync } from "node:fs";
import { loadModel } from "../node/model-io.js";
import { writeModelFile } from "../weights/model-file.js";
import { deepenWeights } from "../weights/deepen.js";
import { integerOpt, parse, requireOpt } from "./args.js";

const HELP = `usage: sparsessnet deepen --model M --out W [--channels N] [--seed S]

Writes model M with one more level below its coarsest (depth L becomes L + 1), computing exactly the
same function: the new level's way back up and the new residual blocks' last convolutions start at
zero, so the network's view can grow as training makes them non-zero. Each level doubles the
reach of what lies below it. Start the deeper model's training from it with \`train --init W\`.
  --model M     default-2d, default-3d, a model file or a training checkpoint
  --channels N  channels of the new level (default: filters * (depth + 1), SparseSSNet's linear growth)
  --seed S      seed of the new convolutions' random initialisation (default 1)`;

export async function deepen(argv: string[]): Promise<number> {
  const { values } = parse(argv, { model: { type: "string" }, out: { type: "string" }, channels: { type: "string" }, seed: { type: "string" } });
  if (values.help) { console.log(HELP); return 0; }
  const seed = integerOpt("seed", values.seed, 1);
  const channels = integerOpt("channels", values.channels, undefined, 1);
  const out = requireOpt("out", values.out);
  const source = requireOpt("model", values.model);
  const m = loadModel(source);
  const { config, weights } = deepenWeights(m.config, m.weights, seed, channels);
  writeFileSync(out, writeModelFile(config, weights, { deepenedFrom: source, deepenSeed: String(seed) }));
  console.log(`wrote ${out}: depth ${m.config.depth} -> ${config.depth}, planes ${config.planes.join(",")}`);
  return 0;
}
