import { writeFileSync } from "node:fs";
import { loadModel } from "../node/model-io.js";
import { writeModelFile } from "../weights/model-file.js";
import { addBlocksWeights } from "../weights/add-blocks.js";
import { integerOpt, parse, requireOpt } from "./args.js";

const HELP = `usage: sparsessnet add-blocks --model M --out W [--reps N] [--seed S]

Writes model M with more residual blocks on each side of every level, computing exactly the same
function: each new block's last convolution starts at zero, so it adds nothing until training makes
it non-zero. More blocks give every level more convolutions and a wider view at its scale. Start the
model's training from it with \`train --init W\`.
  --model M     default-2d, default-3d, a model file or a training checkpoint
  --reps N      blocks per side of each level (default: the model's plus one)
  --seed S      seed of the new blocks' random initialisation (default 1)`;

export async function addBlocks(argv: string[]): Promise<number> {
  const { values } = parse(argv, { model: { type: "string" }, out: { type: "string" }, reps: { type: "string" }, seed: { type: "string" } });
  if (values.help) { console.log(HELP); return 0; }
  const seed = integerOpt("seed", values.seed, 1);
  const reps = integerOpt("reps", values.reps, undefined, 1);
  const out = requireOpt("out", values.out);
  const source = requireOpt("model", values.model);
  const m = loadModel(source);
  const { config, weights } = addBlocksWeights(m.config, m.weights, seed, reps);
  writeFileSync(out, writeModelFile(config, weights, { blocksAddedTo: source, addBlocksSeed: String(seed) }));
  console.log(`wrote ${out}: ${m.config.reps} -> ${config.reps} residual blocks per side of each level`);
  return 0;
}
