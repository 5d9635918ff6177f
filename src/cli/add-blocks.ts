import { addBlocksWeights } from "../weights/add-blocks.js";
import { integerOpt } from "./args.js";
import { runGrowVerb } from "./grow-model.js";

const HELP = `usage: sparsessnet add-blocks --model M --out W [--reps N] [--seed S]

Writes model M with more residual blocks on each side of every level, computing exactly the same
function: each new block's last convolution starts at zero, so it adds nothing until training makes
it non-zero. More blocks give every level more convolutions and a wider view at its scale. Start the
model's training from it with \`train --init W\`.
  --model M     default-2d, default-3d, a model file or a training checkpoint
  --reps N      blocks per side of each level (default: the model's plus one)
  --seed S      seed of the new blocks' random initialisation (default 1)`;

export async function addBlocks(argv: string[]): Promise<number> {
  return runGrowVerb(argv, {
    help: HELP,
    options: { reps: { type: "string" } },
    grow(m, values, seed) {
      const grown = addBlocksWeights(m.config, m.weights, seed, integerOpt("reps", values.reps, undefined, 1));
      return {
        grown,
        provenance: { blocksAddedTo: m.source, addBlocksSeed: String(seed) },
        summary: `${m.config.reps} -> ${grown.config.reps} residual blocks per side of each level`,
      };
    },
  });
}
