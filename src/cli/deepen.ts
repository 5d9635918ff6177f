import { deepenWeights } from "../weights/deepen.js";
import { integerOpt } from "./args.js";
import { runGrowVerb } from "./grow-model.js";

const HELP = `usage: sparsessnet deepen --model M --out W [--channels N] [--seed S]

Writes model M with one more level below its coarsest (depth L becomes L + 1), computing exactly the
same function: the new level's way back up and the new residual blocks' last convolutions start at
zero, so the network's view can grow as training makes them non-zero. Each level doubles the
reach of what lies below it. Start the deeper model's training from it with \`train --init W\`.
  --model M     default-2d, default-3d, a model file or a training checkpoint
  --channels N  channels of the new level (default: filters * (depth + 1), SparseSSNet's linear growth)
  --seed S      seed of the new convolutions' random initialisation (default 1)`;

export async function deepen(argv: string[]): Promise<number> {
  return runGrowVerb(argv, {
    help: HELP,
    options: { channels: { type: "string" } },
    grow(m, values, seed) {
      const grown = deepenWeights(m.config, m.weights, seed, integerOpt("channels", values.channels, undefined, 1));
      return {
        grown,
        provenance: { deepenedFrom: m.source, deepenSeed: String(seed) },
        summary: `depth ${m.config.depth} -> ${grown.config.depth}, planes ${grown.config.planes.join(",")}`,
      };
    },
  });
}
